// The node's client ports: `listen { ip ...; port ...; options { clientsonly; [tls;] } }`. Each
// accepted connection drives one ClientSession of the sans-I/O client side (src/client): bytes
// in through a LineReader, the client effects (lines, closes) out to the socket, with the sendq
// accounted as the socket takes the bytes. Admission reuses the node's connect-flood throttle
// (set::anti-flood::everyone::connect-flood) and handshake slots; allow { } / class { } are
// checked as the client registers (clientAdmission.ts).
//
// The node wires it in a few lines (node.ts): it opens the clientsonly blocks here, calls
// flush() at the end of its pump() (the engine's lines for local users become client effects
// there), and stop() when it stops.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { createHash } from 'node:crypto';
import type { ListenConfig, TslinkConfig } from '../config/index.ts';
import type { Engine } from '../s2s/engine.ts';
import { LocalClients } from '../client/clients.ts';
import type { ClientId, ClientInfo } from '../client/session.ts';
import { ipString } from '../client/cloak.ts';
import { LineReader } from '../wire/lineReader.ts';
import { buildServerTlsOptions, hardenLinkSocket, type TlsMinVersion } from '../link/tlsOptions.ts';
import { admitByAllow, clientConfigFrom } from './clientAdmission.ts';
import { NodeOperAuthority } from './operAuth.ts';
import { allowPasswordCheck } from './allowAuth.ts';
import { SecretVerifier } from './secretVerifier.ts';
import { ClientWrites, LineEncoder } from './clientWrites.ts';
import { ArrivalRelief } from './memoryRelief.ts';
import type { Logger } from './logger.ts';
import { hostLookupFor } from './clientDns.ts';
import type { HostResolver } from '../client/rdns.ts';

export interface ClientSideDeps {
  engine: Engine;
  /** The node's configuration (read at each use: a rehash replaces it). */
  config: () => TslinkConfig;
  log: Logger;
  /** The node's key and certificate, and the lowest TLS version, for the TLS client ports. */
  tls: () => { keyPem: string; certPem: string; minVersion: TlsMinVersion };
  /**
   * The node's admission of a new socket (connect-flood throttle, handshake slot); null when it
   * refused (and destroyed) it. The slot is released once the client registers or goes.
   */
  admit: (raw: net.Socket) => { release: () => void } | null;
  /** Carry out the engine's effects (the node's pump(), which ends with flush()). */
  pump: () => void;
}

/** How often sessions are looked at (fake lag, ping, registration timeout). */
const TICK_MS = 1000;
/** How long a closing connection may take to write its last lines. */
const CLOSE_GRACE_MS = 1000;

interface ClientConn {
  socket: net.Socket;
  reader: LineReader;
  release: (() => void) | null;
  /** Set once the session closed it: the socket ends after what is queued. */
  ending: boolean;
  /** Why the socket failed, when it did (the session's quit reason). */
  error?: string;
}

/** UnrealIRCd's form of a read error (the reasons users see in the QUIT). */
function readError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNRESET') return 'Read error: Connection reset by peer';
  if (err.code === 'ETIMEDOUT') return 'Read error: Connection timed out';
  return `Read error: ${err.message}`;
}

export class ClientSide {
  readonly clients: LocalClients;
  /** The addresses the client ports listen on (port 0 resolved). */
  readonly ports: { host: string; port: number; tls: boolean }[] = [];
  /** The open client ports by clientListenKey() (a rehash opens and closes them: reconcile()). */
  private readonly servers = new Map<string, { server: net.Server; port: { host: string; port: number; tls: boolean } | null }>();
  private readonly conns = new Map<ClientId, ClientConn>();
  private readonly timer: NodeJS.Timeout;
  private seq = 0;
  private stopping = false;
  private ctx: { key: string; context: tls.SecureContext } | null = null;
  private readonly opers: NodeOperAuthority;
  /** The lines and closes flush() took, written in time-boxed passes (clientWrites.ts). */
  private readonly out = new ClientWrites({
    write: (id, lines) => {
      const conn = this.conns.get(id);
      if (!conn || conn.socket.destroyed) return;
      const data = this.encoder.encode(lines);
      // The session counted these bytes into its sendq as it queued them; they leave it as the
      // socket takes them.
      conn.socket.write(data, () => this.clients.sessions.get(id)?.written(data.length));
    },
    end: (id) => this.end(id),
  });

  /** Each write's bytes (the Buffer of the client before when its lines are the same). */
  private readonly encoder = new LineEncoder();

  /** One GC after a wave of registrations (memoryRelief.ts): their JOINs' garbage given back. */
  private readonly relief = new ArrivalRelief({
    onRelief: (r) => this.deps.log.info({ event: 'MEMORY_RELIEF', arrivals: r.arrivals, heapBefore: r.heapBefore, heapAfter: r.heapAfter, heapUsed: r.heapUsed, ms: Math.round(r.ms), rss: process.memoryUsage.rss() },
      `${r.arrivals} clients registered: a GC gave back ${Math.max(0, Math.round((r.heapBefore - r.heapAfter) / 1048576))} MB of heap`),
  });
  /** The password hash checks of OPER and allow::password, bounded together. */
  private readonly verifier = new SecretVerifier();

  constructor(private readonly deps: ClientSideDeps) {
    this.clients = LocalClients.onEngine(deps.engine, clientConfigFrom(deps.config()), () => Date.now());
    const checkPassword = allowPasswordCheck(this.verifier, deps.log);
    this.clients.onRefusedLine = (s) => this.deps.log.warn({ event: 'CLIENT_LINE_REFUSED', client: s.id }, 'a line for a client held a line break: not written');
    this.clients.admit = (s) => admitByAllow(this.deps.config(), this.clients, s, checkPassword);
    this.opers = new NodeOperAuthority({ config: deps.config, log: deps.log, baseLimits: () => this.clients.cfg.limits, verifier: this.verifier });
    this.clients.opers = this.opers;
    this.clients.wake = () => { if (!this.stopping) this.deps.pump(); };
    // Reverse DNS of new clients (set::options::dont-resolve, set::dns::client; clientDns.ts).
    const lookup = hostLookupFor(() => this.resolver);
    this.clients.hostLookup = () => lookup(this.deps.config());
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Replaces node:dns for the client lookups (tests); null: node:dns with set::dns::client's settings. */
  resolver: HostResolver | null = null;

  /** Connected client sockets (registered or not). */
  get connections(): number { return this.conns.size; }

  /** Open one clientsonly listen block. */
  listen(l: ListenConfig): Promise<void> {
    const key = clientListenKey(l);
    const server = net.createServer((raw) => this.accepted(raw, l.tls));
    const entry: { server: net.Server; port: { host: string; port: number; tls: boolean } | null } = { server, port: null };
    this.servers.set(key, entry);
    return new Promise((resolve, reject) => {
      server.once('error', (err) => { if (this.servers.get(key) === entry) this.servers.delete(key); reject(err); });
      const done = (): void => {
        server.removeAllListeners('error');
        server.on('error', (err) => this.deps.log.error({ event: 'CLIENT_LISTEN_ERROR', err: err.message }, `client port: ${err.message}`));
        const a = server.address();
        if (a && typeof a === 'object') { entry.port = { host: a.address, port: a.port, tls: l.tls }; this.ports.push(entry.port); }
        this.deps.log.info({ event: 'CLIENT_LISTEN', ip: l.ip, port: a && typeof a === 'object' ? a.port : l.port, tls: l.tls }, `client port ${l.ip}:${l.port}${l.tls ? ' (tls)' : ' (plaintext)'} open`);
        resolve();
      };
      if (l.file) server.listen({ path: l.file, backlog: 1024 }, done);
      else server.listen({ port: l.port ?? 0, host: l.ip === '*' ? undefined : l.ip, backlog: 1024 }, done);
    });
  }

  /**
   * Make the open client ports those of `listen` (its clientsonly blocks), after a rehash: a port
   * no longer configured stops accepting (its clients stay connected, as UnrealIRCd keeps them), a
   * new one opens, a changed one (TLS turned on or off) is closed and opened again. Returns what
   * it did, for the REHASH log line.
   */
  async reconcile(listen: readonly ListenConfig[]): Promise<string[]> {
    const out: string[] = [];
    const wanted = new Map(listen.filter((l) => l.clientsOnly && !l.rpc && !l.metrics).map((l) => [clientListenKey(l), l]));
    for (const [key, entry] of [...this.servers]) {
      if (wanted.has(key)) continue;
      this.servers.delete(key);
      entry.server.close();
      if (entry.port) this.ports.splice(this.ports.indexOf(entry.port), 1);
      this.deps.log.info({ event: 'CLIENT_LISTEN_CLOSED', listen: key }, `client port ${key} closed (its clients stay connected)`);
      out.push(`client port ${key} closed`);
    }
    for (const [key, l] of wanted) {
      if (this.servers.has(key)) continue;
      try {
        await this.listen(l);
        out.push(`client port ${key} opened`);
      } catch (err) {
        this.deps.log.error({ event: 'CLIENT_LISTEN_FAILED', listen: key, reason: (err as Error).message }, `could not open client port ${key}: ${(err as Error).message}`);
        out.push(`client port ${key} FAILED: ${(err as Error).message}`);
      }
    }
    return out;
  }

  /** A new socket on a client port: admitted by the node, then (TLS ports) its handshake. */
  private accepted(raw: net.Socket, isTls: boolean): void {
    raw.on('error', () => {});
    if (this.stopping) { raw.destroy(); return; }
    const slot = this.deps.admit(raw);
    if (!slot) return;
    if (!isTls) { this.start(raw, slot.release, { ip: ipOf(raw) }); return; }
    const timer = setTimeout(() => raw.destroy(), this.deps.config().set.handshakeTimeout * 1000);
    timer.unref();
    const s = new tls.TLSSocket(raw, { isServer: true, secureContext: this.tlsContext(), requestCert: true, rejectUnauthorized: false });
    hardenLinkSocket(s);
    s.on('error', () => s.destroy());
    s.once('close', () => { clearTimeout(timer); raw.destroy(); });
    s.once('secure', () => {
      clearTimeout(timer);
      const info: ClientInfo = { ip: ipOf(raw), tls: true };
      const cert = s.getPeerCertificate();
      if (cert && cert.raw) info.certfp = createHash('sha256').update(cert.raw).digest('hex');
      const cipher = s.getCipher();
      const proto = s.getProtocol();
      if (cipher && proto) info.tlsCipher = `${proto}-${cipher.standardName ?? cipher.name}`;
      this.start(s, slot.release, info);
    });
  }

  /** The TLS context of the client ports (the node's certificate; clients may show one for certfp). */
  private tlsContext(): tls.SecureContext {
    const t = this.deps.tls();
    const key = `${t.minVersion}|${t.certPem.length}|${t.certPem.slice(-64)}`;
    if (this.ctx === null || this.ctx.key !== key) {
      this.ctx = { key, context: tls.createSecureContext(buildServerTlsOptions({ keyPem: t.keyPem, certPem: t.certPem, minVersion: t.minVersion })) };
    }
    return this.ctx.context;
  }

  /** A connection ready for IRC: its session, and the socket's events into it. */
  private start(socket: net.Socket, release: () => void, info: ClientInfo): void {
    if (this.stopping || socket.destroyed) { socket.destroy(); release(); return; }
    socket.setNoDelay(true);
    const id = `c#${++this.seq}`;
    const conn: ClientConn = { socket, reader: new LineReader(), release, ending: false };
    this.conns.set(id, conn);
    this.clients.connect(id, info);
    socket.on('data', (chunk: Buffer) => {
      if (conn.ending) return;
      const lines = conn.reader.push(chunk);
      if (lines.length) this.clients.receiveChunk(id, lines);
      const s = this.clients.sessions.get(id);
      if (s?.registered && conn.release) { conn.release(); conn.release = null; this.relief.arrived(); }
      this.deps.pump();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => { conn.error ??= readError(err); });
    socket.once('close', () => {
      this.conns.delete(id);
      conn.release?.();
      conn.release = null;
      if (this.clients.sessions.has(id)) {
        this.clients.disconnected(id, conn.error ?? 'Connection closed');
        this.deps.pump();
      }
    });
    this.deps.pump();
  }

  /**
   * Take what the client side queued. The lines are written in a microtask, after the event-loop
   * turn that queued them: the node pumps once per S2S line, so a slice of 200 channel messages
   * becomes one write per member instead of 200 (the write syscalls were most of a fan-out's CPU);
   * a big fan-out is written in time-boxed passes (clientWrites.ts).
   */
  /**
   * The lines and closes the client side queued go to the writer: in a microtask, once for all the
   * pumps of this callback (a link slice of 200 channel messages is one hand-over per client, not
   * one per message).
   */
  flush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flushTask);
  }

  /** flush() at once. */
  flushNow(): void {
    this.flushQueued = false;
    this.clients.takeOutput(this.take);
  }

  private flushQueued = false;
  private readonly flushTask = (): void => { if (this.flushQueued) this.flushNow(); };
  private readonly take = (id: ClientId, lines: string[] | null, close: string | null): void => {
    if (lines !== null) this.out.lines(id, lines);
    if (close !== null) this.out.close(id);
  };

  /** The session closed this client: end the socket once its lines are out (bounded). */
  private end(id: ClientId): void {
    const conn = this.conns.get(id);
    if (!conn || conn.ending) return;
    conn.ending = true;
    conn.socket.end();
    setTimeout(() => conn.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private tick(): void {
    if (this.clients.sessions.size === 0) return;
    this.clients.tick();
    this.deps.pump();
  }

  /** Close the ports and every client (with `reason`); resolves once the sockets are gone (bounded). */
  async stop(reason = 'Server shutting down'): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.relief.stop();
    const closed = Promise.all([...this.servers.values()].map(({ server }) => new Promise<void>((r) => server.close(() => r()))));
    for (const s of [...this.clients.sessions.values()]) s.close(reason);
    this.deps.pump();
    this.flushNow();
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (this.conns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const c of [...this.conns.values()]) c.socket.destroy();
    await this.opers.close();
    await this.verifier.close();
    await closed;
  }
}

/** A client listen block's identity across rehashes: its address (or socket file) and whether it is TLS. */
export function clientListenKey(l: ListenConfig): string {
  return `${l.file ?? `${l.ip}:${l.port}`}${l.tls ? ' (tls)' : ''}`;
}

/** A socket's peer address as UnrealIRCd writes it (IPv4, or IPv6 in full groups). */
function ipOf(s: net.Socket): string {
  const a = s.remoteAddress ?? '';
  return ipString(a) ?? a;
}
