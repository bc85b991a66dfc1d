// The unix socket transport, as UnrealIRCd serves it: one JSON request per line (LF or CRLF),
// one JSON response per line, as many as the client likes on one connection, no login: the
// socket is created mode 0600 (owner only), so the file system decides who may use it. A stale
// socket file left by a crashed node is replaced; any other file in the way is not touched.
import * as net from 'node:net';
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RpcCaller } from './api.ts';
import type { Dispatcher } from './dispatcher.ts';
import { responseEnvelope } from './dispatcher.ts';
import { RpcCode } from './errors.ts';
import { RpcSession, type SessionLimits } from './session.ts';

export interface TransportLimits {
  /** Longest request (a line here, a POST body or WebSocket message over HTTPS), bytes. */
  maxRequest: number;
  /** Connections open at once on one listener. */
  maxConnections: number;
  /** Bytes waiting to be written to a client before it is dropped (a subscriber that does not read). */
  maxSendQ: number;
  session: SessionLimits;
}

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  maxRequest: 64 * 1024,
  maxConnections: 64,
  maxSendQ: 8 * 1024 * 1024,
  session: { maxConcurrent: 16, callsPerSecond: 20, burst: 40 },
};

let sessionSeq = 0;
/** A client id, unique for this process (UnrealIRCd gives RPC clients one too). */
export function nextClientId(sid: string): string {
  return `${sid}RPC${(++sessionSeq).toString(36).toUpperCase().padStart(3, '0')}`;
}

/** Is something listening on this unix socket path? */
function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ path });
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

export class UnixRpcListener {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly path: string,
    private readonly dispatcher: Dispatcher,
    private readonly sid: string,
    private readonly limits: TransportLimits = DEFAULT_TRANSPORT_LIMITS,
  ) {}

  async start(): Promise<void> {
    let st: ReturnType<typeof lstatSync> | undefined;
    try { st = lstatSync(this.path); } catch { st = undefined; }
    if (st) {
      if (!st.isSocket()) throw new Error(`rpc socket ${this.path}: a file that is not a socket is in the way (not removed)`);
      if (await socketInUse(this.path)) throw new Error(`rpc socket ${this.path} is in use by another process`);
      unlinkSync(this.path);
    }
    // The data directory is the node's: made owner-only when it does not exist yet.
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const server = net.createServer((s) => this.accept(s));
    server.maxConnections = this.limits.maxConnections;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Created owner-only: no moment where another user could connect.
      const old = process.umask(0o177);
      try {
        server.listen({ path: this.path, backlog: 64 }, () => { server.off('error', reject); resolve(); });
      } finally {
        process.umask(old);
      }
    });
    chmodSync(this.path, 0o600);
  }

  private accept(s: net.Socket): void {
    this.sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => { this.sockets.delete(s); session.close(); });
    const caller: RpcCaller = { name: 'RPC:local', user: '<local>', rpcClass: 'full', transport: 'unix', remote: `unix:${this.path}`, id: nextClientId(this.sid), connectedAt: Date.now() };
    const send = (msg: unknown) => {
      if (s.destroyed) return;
      if (s.writableLength > this.limits.maxSendQ) { s.destroy(); return; }
      s.write(JSON.stringify(msg) + '\n');
    };
    const session = new RpcSession(this.dispatcher, caller, send, this.limits.session);
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        if (line.trim() === '') continue;
        if (Buffer.byteLength(line) > this.limits.maxRequest) { this.tooLong(s, send); return; }
        void session.handle(line).then((fatal) => { if (fatal) s.end(); });
      }
      if (Buffer.byteLength(buf) > this.limits.maxRequest) this.tooLong(s, send);
    });
  }

  private tooLong(s: net.Socket, send: (m: unknown) => void): void {
    send(responseEnvelope(null, { error: { code: RpcCode.INVALID_REQUEST, message: `a request is at most ${this.limits.maxRequest} bytes` } }));
    s.end();
    s.removeAllListeners('data');
    setTimeout(() => s.destroy(), 1000).unref();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await closeWithSockets(server, this.sockets);
    try { if (lstatSync(this.path).isSocket()) unlinkSync(this.path); } catch { /* gone already */ }
  }
}

/** Stop accepting, destroy the connections still open (an RPC session has nothing to flush), resolve when closed. */
export async function closeWithSockets(server: net.Server, sockets: Iterable<net.Socket>): Promise<void> {
  const closed = new Promise<void>((r) => server.close(() => r()));
  for (const s of sockets) s.destroy();
  await closed;
}
