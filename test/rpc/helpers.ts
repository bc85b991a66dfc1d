// Helpers for the RPC tests: a TslinkNode (test/runtime/helpers.ts Harness) with the RPC of
// src/rpc/ on a unix socket in its temp data directory (and HTTPS when asked), and small
// clients: one call per line on the unix socket, HTTPS POST, a WebSocket client.
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as https from 'node:https';
import { randomBytes } from 'node:crypto';
import { Harness, freePort, type LinkSpec, type TestNode } from '../runtime/helpers.ts';
import { RpcService, rpcListeners } from '../../src/rpc/nodeAdapter.ts';
import { parseConfigText, type ConfigResult } from '../../src/config/index.ts';
import { acceptKey, encodeFrame, Opcode } from '../../src/rpc/websocket.ts';

export type Obj = Record<string, any>;

export interface RpcNodeHandle {
  h: Harness;
  tn: TestNode;
  rpc: RpcService;
  socket: string;
  httpsPort?: number;
  cleanup(): Promise<void>;
}

/**
 * A started node with RPC listeners from `extra` config text (default: the unix socket only).
 * The node itself opens only its server-link listeners (until node.ts skips rpc listen blocks
 * itself, the test hands the rpc ones to RpcService directly).
 */
export async function startRpcNode(opts: { extra?: string; https?: boolean; rpcUsers?: string; loadConfig?: () => ConfigResult; links?: (h: Harness) => LinkSpec[] } = {}): Promise<RpcNodeHandle> {
  const h = new Harness('tslink-rpc-');
  try {
    const id = h.identity('rpc.test');
    const httpsPort = opts.https ? await freePort() : undefined;
    const extra = [
      'listen { file "rpc.socket"; options { rpc; } }',
      httpsPort ? `listen { ip 127.0.0.1; port ${httpsPort}; options { rpc; } tls-options { certificate "${id.certPath}"; key "${id.keyPath}"; } }` : '',
      opts.rpcUsers ?? '',
      opts.extra ?? '',
    ].join('\n');
    // The node opens its rpc listen blocks itself (RpcService, started by TslinkNode.start()).
    const tn = await h.startNode({ id, sid: '0RP', port: await freePort(), links: opts.links?.(h) ?? [], extra }, { loadConfig: opts.loadConfig });
    const rpc = tn.node.rpcService!;
    return {
      h, tn, rpc, socket: rpc.sockets[0], httpsPort,
      async cleanup() { await h.cleanup(); },
    };
  } catch (err) {
    await h.cleanup();
    throw err;
  }
}

/** Parse config text (throws with the errors). */
export function config(text: string) {
  const r = parseConfigText(text, 'rpc.conf');
  if (!r.config) throw new Error(r.errors.map((e) => e.text).join('\n'));
  return r;
}

/** A unix socket client: send lines, read JSON lines. */
export class LineClient {
  readonly messages: Obj[] = [];
  closed = false;
  private buf = '';
  constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (line) this.messages.push(JSON.parse(line));
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => { this.closed = true; });
  }
  static connect(path: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ path });
      s.once('connect', () => resolve(new LineClient(s)));
      s.once('error', reject);
    });
  }
  sendRaw(text: string): void { this.socket.write(text); }
  private nextId = 1;
  async call(method: string, params?: unknown, ms = 5000): Promise<Obj> {
    const id = this.nextId++;
    this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }) + '\n');
    return this.waitFor((m) => m.id === id, ms, `${method} response`);
  }
  async waitFor(pred: (m: Obj) => boolean, ms: number, what: string): Promise<Obj> {
    const end = Date.now() + ms;
    for (;;) {
      const m = this.messages.find(pred);
      if (m) return m;
      if (Date.now() > end) throw new Error(`timeout: ${what}; got ${JSON.stringify(this.messages).slice(0, 2000)}`);
      if (this.closed) throw new Error(`closed before ${what}; got ${JSON.stringify(this.messages).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  close(): void { this.socket.destroy(); }
}

/** One call over the unix socket. */
export async function unixCall(path: string, method: string, params?: unknown): Promise<Obj> {
  const c = await LineClient.connect(path);
  try { return await c.call(method, params); } finally { c.close(); }
}

export interface HttpReply { status: number; body: string; headers: Record<string, unknown> }

/** An HTTPS request to the node (self-signed certificate: not verified). */
export function httpsRequest(port: number, opts: { method?: string; path?: string; auth?: string; body?: string; headers?: Record<string, string>; localAddress?: string }): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/api', rejectUnauthorized: false, agent: false,
      localAddress: opts.localAddress,
      headers: { ...(opts.auth ? { Authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {}), ...(opts.body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}), ...(opts.headers ?? {}) },
      timeout: 10_000,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('HTTPS request timeout')));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export async function httpsCall(port: number, auth: string, method: string, params?: unknown): Promise<{ status: number; json?: Obj; body: string }> {
  const r = await httpsRequest(port, { auth, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) }) });
  let json: Obj | undefined;
  try { json = JSON.parse(r.body); } catch { json = undefined; }
  return { status: r.status, json, body: r.body };
}

/** A minimal WebSocket client (masked frames, text only) over TLS, for the tests. */
export class WsClient {
  readonly messages: Obj[] = [];
  closed = false;
  closeCode: number | null = null;
  private buf = Buffer.alloc(0);
  constructor(readonly socket: tls.TLSSocket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => {});
    socket.on('close', () => { this.closed = true; });
  }
  static connect(port: number, auth: string): Promise<{ client?: WsClient; status: string }> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      const key = randomBytes(16).toString('base64');
      let head = '';
      const onData = (d: Buffer) => {
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        s.off('data', onData);
        const status = head.slice(0, head.indexOf('\r\n'));
        if (!status.includes(' 101 ')) { s.destroy(); resolve({ status }); return; }
        if (!head.includes(`Sec-WebSocket-Accept: ${acceptKey(key)}`)) { s.destroy(); reject(new Error(`bad accept key: ${head}`)); return; }
        const c = new WsClient(s);
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length) c.onData(rest);
        resolve({ client: c, status });
      };
      s.on('data', onData);
      s.once('error', reject);
      s.once('secureConnect', () => {
        s.write(`GET /api HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Basic ${Buffer.from(auth).toString('base64')}\r\n\r\n`);
      });
    });
  }
  /** A masked client frame. */
  static frame(opcode: number, payload: Buffer | string, fin = true): Buffer {
    const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const plain = encodeFrame(opcode, data);
    const headLen = plain.length - data.length;
    const mask = randomBytes(4);
    const head = Buffer.from(plain.subarray(0, headLen));
    if (!fin) head[0] &= 0x7f;
    head[1] |= 0x80;
    const body = Buffer.alloc(data.length);
    for (let i = 0; i < data.length; i++) body[i] = data[i] ^ mask[i & 3];
    return Buffer.concat([head, mask, body]);
  }
  sendText(text: string): void { this.socket.write(WsClient.frame(Opcode.TEXT, text)); }
  private nextId = 1;
  async call(method: string, params?: unknown, ms = 5000): Promise<Obj> {
    const id = this.nextId++;
    this.sendText(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    return this.waitFor((m) => m.id === id, ms, method);
  }
  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf.length < 2) return;
      let len = this.buf[1] & 0x7f, off = 2;
      if (len === 126) { if (this.buf.length < 4) return; len = this.buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (this.buf.length < 10) return; len = Number(this.buf.readBigUInt64BE(2)); off = 10; }
      if (this.buf.length < off + len) return;
      const opcode = this.buf[0] & 0x0f;
      const payload = this.buf.subarray(off, off + len);
      this.buf = this.buf.subarray(off + len);
      if (opcode === Opcode.TEXT) this.messages.push(JSON.parse(payload.toString('utf8')));
      else if (opcode === Opcode.CLOSE) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    }
  }
  async waitFor(pred: (m: Obj) => boolean, ms: number, what: string): Promise<Obj> {
    const end = Date.now() + ms;
    for (;;) {
      const m = this.messages.find(pred);
      if (m) return m;
      if (Date.now() > end) throw new Error(`timeout: ${what}; got ${JSON.stringify(this.messages).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  close(): void { this.socket.destroy(); }
}
