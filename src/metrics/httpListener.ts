// The HTTP listener of a metrics `listen` block: `GET /metrics` and nothing else (404), bounded in
// header size, time per request, connections at once; scrapes that arrive together share one
// collection.
import * as http from 'node:http';

export interface MetricsHttpLimits {
  /** Connections open at once (more are refused by the kernel accept / closed at once). */
  maxConnections: number;
  /** Bytes of request line + headers. */
  maxHeaderBytes: number;
  /** Milliseconds to receive the headers, and the whole request. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveMs: number;
}

export const DEFAULT_METRICS_HTTP_LIMITS: MetricsHttpLimits = {
  maxConnections: 16,
  maxHeaderBytes: 8192,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveMs: 5000,
};

export interface Exposition { contentType: string; body: string }

export class MetricsHttpListener {
  private readonly server: http.Server;
  private inFlight: Promise<Exposition> | null = null;

  constructor(private readonly scrape: () => Promise<Exposition>, limits: MetricsHttpLimits = DEFAULT_METRICS_HTTP_LIMITS) {
    this.server = http.createServer({ maxHeaderSize: limits.maxHeaderBytes, requestTimeout: limits.requestTimeoutMs, headersTimeout: limits.headersTimeoutMs, keepAliveTimeout: limits.keepAliveMs }, (req, res) => this.handle(req, res));
    this.server.maxConnections = limits.maxConnections;
    this.server.on('clientError', (_err, socket) => { socket.destroy(); });
  }

  /** Listen on host:port; resolves with the bound address (port 0 gets a free one). */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve(a && typeof a === 'object' ? { host: a.address, port: a.port } : { host, port });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    // A scrape has no body: anything that sends one is not Prometheus, and is not read.
    const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics' || hasBody) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end('not found: this listener serves GET /metrics only\n');
      return;
    }
    this.collect().then(
      (e) => { res.writeHead(200, { 'content-type': e.contentType, 'cache-control': 'no-store' }); res.end(e.body); },
      (err: Error) => { res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }); res.end(`metrics collection failed: ${err.message}\n`); },
    );
  }

  /** One collection for every scrape that arrives while it runs. */
  private collect(): Promise<Exposition> {
    if (!this.inFlight) {
      this.inFlight = this.scrape();
      const done = () => { this.inFlight = null; };
      this.inFlight.then(done, done);
    }
    return this.inFlight;
  }
}
