// The HTTPS transport, as UnrealIRCd serves it on a listen { ip; port; options { rpc; } } port:
// TLS always; an address no rpc-user matches gets 401 before anything else; then a login (basic
// auth, or ?username=&password=); then either a WebSocket (Sec-WebSocket-Key: one session for
// as long as the connection lasts, log events included) or one call: POST /api with the JSON
// request as body, answered with the JSON response and the connection closed. GET /api says to
// use POST (status 200: clients probe the URL with it); any other path is 404.
import * as https from 'node:https';
import type * as http from 'node:http';
import type * as net from 'node:net';
import type { RpcUserConfig } from '../config/types.ts';
import type { RpcCaller } from './api.ts';
import { addressAllowed, credentialsOf, type RpcAuthenticator } from './auth.ts';
import type { Dispatcher } from './dispatcher.ts';
import { RpcSession } from './session.ts';
import { closeWithSockets, DEFAULT_TRANSPORT_LIMITS, nextClientId, type TransportLimits } from './unixSocket.ts';
import { acceptKey, CloseCode, encodeClose, encodeFrame, Opcode, validClientKey, WsParser } from './websocket.ts';

export interface HttpsRpcOptions {
  host: string;
  port: number;
  keyPem: string;
  certPem: string;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  /** The rpc-users as configured now (read at each connection: a rehash changes them). */
  users: () => readonly RpcUserConfig[];
  auth: RpcAuthenticator;
  dispatcher: Dispatcher;
  sid: string;
  /** Refused logins and connections, for the log. */
  onRefused?: (fields: { address: string; reason: string; user?: string }) => void;
  limits?: TransportLimits;
  /** HTTP requests per second from one address (each POST is a connection and a login). */
  perAddressPerSecond?: number;
}

const USE_POST = 'This is the JSON-RPC API of a tslink server (UnrealIRCd compatible): send a JSON-RPC 2.0 request with POST.\n';
/** Seconds of silence on a WebSocket before we ping, and before we give up on it. */
const WS_PING_AFTER = 60;
const WS_DEAD_AFTER = 150;

function addressOf(s: net.Socket): string {
  return (s.remoteAddress ?? '').replace(/^::ffff:/i, '');
}

/** Per-address token bucket for HTTP requests (bounded table: the oldest address is forgotten). */
class AddressRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly perSecond: number, private readonly burst: number) {}
  take(addr: string, now = Date.now()): boolean {
    let b = this.buckets.get(addr);
    if (!b) {
      if (this.buckets.size >= 4096) this.buckets.delete(this.buckets.keys().next().value!);
      b = { tokens: this.burst, at: now };
      this.buckets.set(addr, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

export class HttpsRpcListener {
  private server: https.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly limits: TransportLimits;
  private readonly rate: AddressRate;
  /** The address and port it listens on (port 0 resolves at start). */
  address: { host: string; port: number } | null = null;

  constructor(private readonly o: HttpsRpcOptions) {
    this.limits = o.limits ?? DEFAULT_TRANSPORT_LIMITS;
    const per = o.perAddressPerSecond ?? 20;
    this.rate = new AddressRate(per, per * 2);
  }

  async start(): Promise<void> {
    const server = https.createServer({
      key: this.o.keyPem, cert: this.o.certPem, minVersion: this.o.minVersion,
      requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 1000, maxHeaderSize: 8192,
    });
    server.maxConnections = this.limits.maxConnections;
    server.on('connection', (s: net.Socket) => { this.sockets.add(s); s.once('close', () => this.sockets.delete(s)); s.on('error', () => {}); });
    server.on('tlsClientError', (_err, s) => s.destroy());
    server.on('request', (req, res) => void this.request(req, res));
    server.on('upgrade', (req, socket, head) => void this.upgrade(req, socket as net.Socket, head));
    server.on('clientError', (_err, s) => s.destroy());
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.o.host === '*' ? undefined : this.o.host, port: this.o.port, backlog: 128 }, () => {
        server.off('error', reject);
        const a = server.address();
        if (a && typeof a === 'object') this.address = { host: a.address, port: a.port };
        resolve();
      });
    });
  }

  /** The login of a request, or the HTTP status and text that refuse it. */
  private async login(req: http.IncomingMessage): Promise<{ caller: RpcCaller } | { status: number; text: string }> {
    const addr = addressOf(req.socket);
    const users = this.o.users();
    if (!addressAllowed(users, addr)) {
      this.o.onRefused?.({ address: addr, reason: 'no rpc-user matches the address' });
      return { status: 401, text: 'Access denied\n' };
    }
    if (!this.rate.take(addr)) return { status: 429, text: 'Too many requests\n' };
    const cred = credentialsOf(req.headers.authorization, req.url);
    if (!cred) return { status: 401, text: 'Authentication required\n' };
    const r = await this.o.auth.authenticate(users, addr, cred.username, cred.password);
    if (!r.ok) {
      this.o.onRefused?.({ address: addr, reason: r.reason, user: cred.username.slice(0, 32) });
      return { status: 401, text: 'Authentication required\n' };
    }
    return {
      caller: { name: `RPC:${r.user.name}`, user: r.user.name, rpcClass: r.user.rpcClass, transport: 'https', remote: addr, id: nextClientId(this.o.sid), connectedAt: Date.now() },
    };
  }

  private async request(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('Connection', 'close');
    const send = (status: number, text: string, type = 'text/plain; charset=utf-8') => {
      if (res.headersSent || res.destroyed) return;
      const extra: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Basic realm="tslink rpc", charset="UTF-8"' } : {};
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), ...extra });
      res.end(text);
    };
    const who = await this.login(req);
    if ('status' in who) { req.resume(); send(who.status, who.text); return; }
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/api') { req.resume(); send(404, 'Not found\n'); return; }
    if (req.method !== 'POST') { req.resume(); send(200, USE_POST); return; }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.limits.maxRequest) { req.resume(); send(413, `A request is at most ${this.limits.maxRequest} bytes\n`); return; }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    await new Promise<void>((resolve) => {
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > this.limits.maxRequest) { tooBig = true; req.destroy(); resolve(); return; }
        chunks.push(c);
      });
      req.once('end', () => resolve());
      req.once('error', () => resolve());
      req.once('close', () => resolve());
    });
    if (tooBig) { send(413, `A request is at most ${this.limits.maxRequest} bytes\n`); return; }
    let reply = '';
    const session = new RpcSession(this.o.dispatcher, who.caller, (msg) => { reply += JSON.stringify(msg) + '\n'; }, this.limits.session);
    await session.handle(Buffer.concat(chunks).toString('utf8'));
    session.close();
    send(200, reply, 'application/json');
  }

  private async upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): Promise<void> {
    socket.on('error', () => {});
    const refuse = (status: number, text: string) => {
      if (socket.destroyed) return;
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 429 ? 'Too Many Requests' : 'Bad Request'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    };
    const who = await this.login(req);
    if ('status' in who) { refuse(who.status, who.text); return; }
    const key = req.headers['sec-websocket-key'];
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || !validClientKey(typeof key === 'string' ? key : undefined)) {
      refuse(400, 'A WebSocket handshake needs Upgrade: websocket and a valid Sec-WebSocket-Key\n');
      return;
    }
    if (req.headers['sec-websocket-version'] !== '13') {
      socket.end('HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key as string)}\r\n\r\n`);
    this.websocket({ ...who.caller, transport: 'websocket' }, socket, head);
  }

  private websocket(caller: RpcCaller, socket: net.Socket, head: Buffer): void {
    socket.setTimeout(0);
    socket.setNoDelay(true);
    const parser = new WsParser(this.limits.maxRequest);
    let closing = false;
    let lastHeard = Date.now();
    let pinged = false;
    const write = (frame: Buffer) => {
      if (socket.destroyed) return;
      if (socket.writableLength > this.limits.maxSendQ) { socket.destroy(); return; }
      socket.write(frame);
    };
    const close = (code: number, reason: string) => {
      if (closing) return;
      closing = true;
      write(encodeClose(code, reason));
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
    };
    const session = new RpcSession(this.o.dispatcher, caller, (msg) => { if (!closing) write(encodeFrame(Opcode.TEXT, JSON.stringify(msg))); }, this.limits.session);
    const timer = setInterval(() => {
      const idle = (Date.now() - lastHeard) / 1000;
      if (idle > WS_DEAD_AFTER) { socket.destroy(); return; }
      if (idle > WS_PING_AFTER && !pinged) { pinged = true; write(encodeFrame(Opcode.PING, 'tslink')); }
    }, 10_000);
    timer.unref();
    socket.once('close', () => { clearInterval(timer); session.close(); });
    const onData = (chunk: Buffer) => {
      lastHeard = Date.now();
      pinged = false;
      for (const ev of parser.push(chunk)) {
        switch (ev.kind) {
          case 'message':
            void session.handle(ev.text).then((fatal) => { if (fatal) close(CloseCode.INVALID_DATA, 'unparsable JSON'); });
            break;
          case 'ping': write(encodeFrame(Opcode.PONG, ev.data)); break;
          case 'pong': break;
          case 'close': close(ev.code === 1005 ? CloseCode.NORMAL : ev.code, ''); break;
          case 'error': close(ev.code, ev.reason); break;
        }
      }
    };
    socket.on('data', onData);
    if (head.length) onData(head);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await closeWithSockets(server, this.sockets);
  }
}
