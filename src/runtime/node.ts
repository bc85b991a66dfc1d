// The running node: engine + TLS listeners + outgoing connectors + effect executor.
// The engine stays pure; sockets, timers and files live here.
import * as tls from 'node:tls';
import * as net from 'node:net';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinkConfig, ListenConfig, TslinkConfig } from '../config/index.ts';
import { Engine } from '../s2s/engine.ts';
import type { Link } from '../s2s/link.ts';
import type { Effect } from '../s2s/effects.ts';
import { LinkConn, type LinkConnLimits } from './linkConn.ts';
import type { Logger } from './logger.ts';
import { authorizeLink, findLink, isLoopback, sendPasswordFor } from './authorize.ts';
import { buildServerTlsOptions, connectLink } from '../link/tlsOptions.ts';
import { generateSelfSigned, writeKeyAndCert, certFingerprint, spkiFingerprint } from '../link/certs.ts';
import { createHmacHandshake, loadSecretFile, tlsExporter, type HmacHandshake } from '../link/hmacAuth.ts';
import { createBackoff, type Backoff } from '../link/backoff.ts';
import { ConnectThrottle, HalfOpenLimiter } from '../link/throttle.ts';
import { stateDigest } from '../state/digest.ts';
import { casefold } from '../wire/casemap.ts';

interface ConnState {
  conn: LinkConn;
  tls: boolean;
  listenerLoopback: boolean;
  /** Outgoing: the link block we dialled. */
  block?: LinkConfig;
  hmac?: HmacHandshake;
  release?: () => void;
}

export interface NodeOptions { logger: Logger; captureDir?: string; now?: () => number }

export class TslinkNode {
  engine: Engine;
  readonly log: Logger;
  private conns = new Map<string, ConnState>();
  private servers: (tls.Server | net.Server)[] = [];
  private seq = 0;
  private backoffs = new Map<string, Backoff>();
  private dialing = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private secrets = new Map<string, Buffer>();
  private keyPem = '';
  private certPem = '';
  private throttle: ConnectThrottle;
  private halfOpen: HalfOpenLimiter;
  private stopping = false;
  /** Listening addresses after start (port 0 resolves to the real port). */
  readonly ports: { host: string; port: number }[] = [];

  constructor(public config: TslinkConfig, private opts: NodeOptions) {
    this.log = opts.logger;
    this.engine = this.makeEngine();
    this.throttle = new ConnectThrottle({ limit: 10, windowMs: 10_000 });
    this.halfOpen = new HalfOpenLimiter({ perIp: config.set.handshakeLimits.perIp, total: config.set.handshakeLimits.total });
  }

  private makeEngine(): Engine {
    const c = this.config;
    return new Engine({
      me: { sid: c.me.sid, name: c.me.name, info: c.me.info },
      networkName: c.set.networkName,
      ulines: c.ulines,
      now: this.opts.now,
      authorize: (req) => {
        const st = this.conns.get(req.link);
        const res = authorizeLink(c, req, st ? { socket: st.conn.socket, tls: st.tls, listenerLoopback: st.listenerLoopback, linkName: st.block?.name } : undefined);
        if (!res.ok) {
          this.log.warn({ event: 'LINK_DENIED', link: req.link, peer: req.name, address: req.address, reason: res.reason }, `refused link ${req.name}: ${res.reason}`);
          return res;
        }
        const { block, ...policy } = res;
        let preLines: string[] | undefined;
        if (block && block.hmacSecretFile && st && req.direction === 'in') {
          const hs = this.newHmac(st, block, 'server');
          if (!hs) return { ok: false, reason: 'HMAC authentication unavailable (no TLS session or secret)' };
          const r = hs.onPeerName(req.name);
          if (r.error) return { ok: false, reason: r.error };
          preLines = [...hs.localLines(), ...(r.send ?? [])];
        }
        return { ...policy, preLines };
      },
      extraProtoctl: (link) => this.conns.get(link.id)?.hmac?.localLines() ?? [],
      onPeerToken: (link, key, value) => {
        const hs = this.conns.get(link.id)?.hmac;
        return hs ? hs.onPeerToken(key, value) : {};
      },
      beforeServer: (link) => {
        const st = this.conns.get(link.id);
        const block = st?.block ?? findLink(c, link.eauthName ?? '');
        if (!st) return 'unknown connection';
        if (block?.hmacSecretFile || block?.requireHmac) {
          if (!st.hmac) return 'downgrade: peer did not offer HMAC authentication';
          const r = st.hmac.onPeerDone();
          if (r.error) return r.error;
          for (const l of r.send ?? []) this.engine.send(link, l);
        }
        return null;
      },
    });
  }

  private newHmac(st: ConnState, block: LinkConfig, role: 'client' | 'server'): HmacHandshake | undefined {
    const secret = block.hmacSecretFile ? this.secrets.get(block.hmacSecretFile) : undefined;
    if (!secret || !st.tls) return undefined;
    st.hmac = createHmacHandshake({ secret, ourName: this.config.me.name, role, exporter: tlsExporter(st.conn.socket as tls.TLSSocket), requireHmac: block.requireHmac || true, expectedPeerName: role === 'client' ? block.name : undefined });
    return st.hmac;
  }

  // ------------------------------------------------------------ lifecycle
  async start(): Promise<void> {
    await this.loadTls();
    await this.loadSecrets(this.config);
    for (const l of this.config.listen) await this.listen(l);
    this.timers.push(setInterval(() => { this.engine.tick(); this.pump(); }, 10_000));
    this.scheduleAutoconnect();
    this.log.info({ event: 'NODE_STARTED', name: this.config.me.name, sid: this.config.me.sid, listen: this.ports, certfp: certFingerprint(this.certPem), spkifp: spkiFingerprint(this.certPem) }, `tslink ${this.config.me.name} (${this.config.me.sid}) started`);
  }

  private async loadTls(): Promise<void> {
    const dir = join(this.config.set.dataDirectory ?? '.tslink-data', 'tls');
    const keyPath = join(dir, 'server.key'), certPath = join(dir, 'server.crt');
    const l = this.config.listen.find((x) => x.tlsOptions?.certificate && x.tlsOptions?.key);
    if (l?.tlsOptions?.certificate && l.tlsOptions.key) {
      this.certPem = readFileSync(l.tlsOptions.certificate, 'utf8');
      this.keyPem = readFileSync(l.tlsOptions.key, 'utf8');
      return;
    }
    if (!existsSync(keyPath) || !existsSync(certPath)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const kc = generateSelfSigned({ commonName: this.config.me.name });
      await writeKeyAndCert(dir, kc, { key: 'server.key', cert: 'server.crt' });
      this.log.info({ event: 'CERT_GENERATED', keyPath, certPath }, 'generated a self-signed certificate');
    }
    this.keyPem = readFileSync(keyPath, 'utf8');
    this.certPem = readFileSync(certPath, 'utf8');
  }

  private async loadSecrets(cfg: TslinkConfig): Promise<void> {
    for (const b of cfg.links) {
      if (!b.hmacSecretFile || this.secrets.has(b.hmacSecretFile)) continue;
      this.secrets.set(b.hmacSecretFile, await loadSecretFile(b.hmacSecretFile));
    }
  }

  private listen(l: ListenConfig): Promise<void> {
    const loopback = !!l.file || (l.ip !== undefined && isLoopback(l.ip));
    const onSocket = (socket: net.Socket | tls.TLSSocket, isTls: boolean) => this.accept(socket, isTls, loopback);
    const server = l.tls
      ? tls.createServer(buildServerTlsOptions({ keyPem: this.keyPem, certPem: this.certPem }), (s) => onSocket(s, true))
      : net.createServer((s) => onSocket(s, false));
    if (l.tls) {
      // Half-open TLS handshakes are capped before any TLS work is done.
      server.on('connection', (raw: net.Socket) => {
        const addr = raw.remoteAddress ?? '';
        if (!this.throttle.hit(addr)) { this.log.warn({ event: 'LINK_DENIED', address: addr, reason: 'throttled' }, 'refused connection: throttled'); raw.destroy(); return; }
        const slot = this.halfOpen.tryAcquire(addr);
        if (!slot.ok) { this.log.warn({ event: 'LINK_DENIED', address: addr, reason: slot.reason }, `refused connection: ${slot.reason}`); raw.destroy(); return; }
        (raw as net.Socket & { tslinkRelease?: () => void }).tslinkRelease = slot.release;
        raw.once('close', slot.release);
      });
      (server as tls.Server).on('tlsClientError', (err, s) => { this.log.info({ event: 'LINK_DENIED', address: s?.remoteAddress, reason: `TLS: ${err.message}` }, 'TLS handshake failed'); });
    }
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        const a = server.address();
        if (a && typeof a === 'object') this.ports.push({ host: a.address, port: a.port });
        resolve();
      };
      if (l.file) server.listen(l.file, done);
      else server.listen(l.port ?? 0, l.ip === '*' ? undefined : l.ip, done);
    });
  }

  private limitsFor(block?: LinkConfig): LinkConnLimits {
    const cls = this.config.classes[block?.className ?? 'servers'] ?? this.config.classes.servers;
    return { sendQ: cls.sendQ, recvQ: Math.max(cls.recvQ, 1 << 20), pingFreq: cls.pingFreq, handshakeTimeout: this.config.set.serverLinking.handshakeTimeout };
  }

  private accept(socket: net.Socket | tls.TLSSocket, isTls: boolean, listenerLoopback: boolean): void {
    const addr = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (this.stopping) { socket.destroy(); return; }
    if (isTls && !(socket as tls.TLSSocket).getPeerCertificate()?.raw) {
      this.log.warn({ event: 'LINK_DENIED', address: addr, reason: 'no certificate' }, 'refused link: no client certificate');
      socket.destroy();
      return;
    }
    if (!isTls && !isLoopback(addr)) {
      this.log.warn({ event: 'LINK_DENIED', address: addr, reason: 'plaintext from non-loopback' }, 'refused plaintext link from a non-loopback address');
      socket.destroy();
      return;
    }
    const id = `in#${++this.seq}`;
    const raw = (socket as tls.TLSSocket & { _parent?: net.Socket }) as unknown as { tslinkRelease?: () => void };
    const st = this.attach(id, socket, addr, isTls, listenerLoopback, undefined);
    st.release = raw.tslinkRelease;
    this.engine.linkUp(id, 'in', addr);
    this.pump();
  }

  private attach(id: string, socket: net.Socket | tls.TLSSocket, addr: string, isTls: boolean, listenerLoopback: boolean, block: LinkConfig | undefined): ConnState {
    const conn = new LinkConn(id, socket, addr, isTls, this.limitsFor(block), this.log);
    const st: ConnState = { conn, tls: isTls, listenerLoopback, block };
    this.conns.set(id, st);
    conn.onLine = (line) => {
      this.engine.receive(id, line);
      if (!conn.registered && this.engine.links.get(id)?.phase === 'linked') conn.markRegistered();
      this.pump();
    };
    conn.onFault = (reason) => { const l = this.engine.links.get(id); if (l) this.engine.exitLink(l, reason); else conn.destroy(reason); this.pump(); };
    conn.onClosed = (reason) => {
      this.conns.delete(id);
      st.release?.();
      if (this.engine.links.has(id)) { this.engine.linkDown(id, reason); this.pump(); }
      if (block && !this.stopping) this.scheduleReconnect(block);
    };
    conn.ping = () => { const l = this.engine.links.get(id); if (l) { this.engine.send(l, `PING :${this.config.me.name}`); this.pump(); } };
    return st;
  }

  /** Carry out the engine's effects. */
  pump(): void {
    for (const ef of this.engine.drain()) this.apply(ef);
  }

  private apply(ef: Effect): void {
    switch (ef.kind) {
      case 'send': {
        const st = this.conns.get(ef.link);
        if (!st) return;
        if (!st.conn.write(ef.line)) {
          const l = this.engine.links.get(ef.link);
          this.log.warn({ event: 'LINK_SENDQ', link: ef.link }, 'Max SendQ exceeded');
          if (l) { l.phase = 'closed'; this.engine.linkDown(ef.link, 'Max SendQ exceeded'); }
          st.conn.destroy('Max SendQ exceeded');
        }
        return;
      }
      case 'close': {
        const st = this.conns.get(ef.link);
        st?.conn.close(ef.reason);
        return;
      }
      case 'log': {
        const fields = { event: ef.event, link: ef.link, peer: ef.link ? this.engine.links.get(ef.link)?.name : undefined };
        this.log[ef.level](fields, ef.msg);
        return;
      }
      case 'synced': {
        const st = this.conns.get(ef.link);
        st?.conn.markRegistered();
        if (st?.block) this.backoffs.get(casefold(st.block.name))?.reset();
        this.log.info({ event: 'LINK_SYNCED', link: ef.link, peer: ef.server }, `${ef.server} finished its burst`);
        return;
      }
      case 'tkl':
        return; // the LMDB store is a separate component; the in-memory table is authoritative here
    }
  }

  // ------------------------------------------------------------ outgoing
  private scheduleAutoconnect(): void {
    for (const b of this.config.links) if (b.outgoing?.autoconnect) this.connectSoon(b, 0);
  }

  private connectSoon(b: LinkConfig, delayMs: number): void {
    const t = setTimeout(() => { void this.connect(b); }, delayMs);
    t.unref();
    this.timers.push(t);
  }

  private scheduleReconnect(b: LinkConfig): void {
    if (!b.outgoing?.autoconnect || !findLink(this.config, b.name)) return;
    const key = casefold(b.name);
    let bo = this.backoffs.get(key);
    if (!bo) { bo = createBackoff({ minMs: 500, baseMs: 1000, maxMs: (this.config.classes[b.className]?.connFreq ?? 15) * 1000 }); this.backoffs.set(key, bo); }
    const d = bo.next();
    this.log.info({ event: 'LINK_RECONNECT', peer: b.name, delayMs: d }, `reconnecting to ${b.name} in ${d} ms`);
    this.connectSoon(b, d);
  }

  /** Dial a link block now (autoconnect or by hand). */
  async connect(b: LinkConfig): Promise<void> {
    const key = casefold(b.name);
    if (this.stopping || this.dialing.has(key) || this.engine.net.serversByName.has(key) || !b.outgoing) return;
    this.dialing.add(key);
    const o = b.outgoing;
    try {
      let socket: net.Socket | tls.TLSSocket;
      if (o.tls) {
        socket = await connectLink({ host: o.hostname, port: o.port, keyPem: this.keyPem, certPem: this.certPem, policy: { certfp: b.verify.certfp, spkifp: b.verify.spkifp, ca: b.verify.ca ? readFileSync(b.verify.ca, 'utf8') : undefined, expectedName: b.name } }, this.config.set.serverLinking.connectTimeout * 1000);
      } else {
        socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ host: o.hostname, port: o.port }, () => resolve(s));
          s.once('error', reject);
          s.setTimeout(this.config.set.serverLinking.connectTimeout * 1000, () => s.destroy(new Error('Connection timeout')));
        });
        socket.setTimeout(0);
      }
      socket.on('error', () => {});
      const id = `out#${++this.seq}:${b.name}`;
      const st = this.attach(id, socket, o.hostname, o.tls, isLoopback(o.hostname), b);
      if (b.hmacSecretFile) this.newHmac(st, b, 'client');
      this.engine.linkUp(id, 'out', o.hostname, { sendPassword: sendPasswordFor(b), hub: b.hub, leaf: b.leaf, leafDepth: b.leafDepth });
      this.pump();
    } catch (err) {
      this.log.warn({ event: 'LINK_CONNECT_FAILED', peer: b.name, reason: (err as Error).message }, `connect to ${b.name} failed: ${(err as Error).message}`);
      this.scheduleReconnect(b);
    } finally {
      this.dialing.delete(key);
    }
  }

  // ------------------------------------------------------------ rehash / stop
  /** Apply a new, already validated config: keep unchanged links, drop removed ones, dial new ones. */
  async rehash(next: TslinkConfig): Promise<void> {
    await this.loadSecrets(next);
    const old = this.config;
    this.config = next;
    for (const l of [...this.engine.links.values()]) {
      if (l.phase !== 'linked' && l.phase !== 'handshake') continue;
      const name = l.server?.name ?? l.eauthName;
      if (name && findLink(old, name) && !findLink(next, name)) { this.engine.exitLink(l, 'Link block removed (rehash)'); }
    }
    this.pump();
    for (const b of next.links) if (b.outgoing?.autoconnect && !findLink(old, b.name)) this.connectSoon(b, 0);
    this.log.info({ event: 'REHASH', links: next.links.length }, 'configuration reloaded');
  }

  async stop(reason = 'Server shutting down'): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    for (const l of [...this.engine.links.values()]) {
      if (l.phase === 'linked') this.engine.send(l, `:${this.config.me.sid} SQUIT ${this.config.me.name} :${reason}`);
      this.engine.exitLink(l as Link, reason);
    }
    this.pump();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    await new Promise((r) => setTimeout(r, 50));
    for (const st of this.conns.values()) st.conn.destroy(reason);
    this.log.info({ event: 'NODE_STOPPED', reason }, 'tslink stopped');
  }

  digest(): string { return stateDigest(this.engine.net, this.engine.tkl, this.engine.now()); }
}
