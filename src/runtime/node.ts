// The running node: engine + TLS listeners + outgoing connectors + effect executor.
// The engine stays pure; sockets, timers and files live here.
import * as tls from 'node:tls';
import * as net from 'node:net';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigResult, LinkConfig, ListenConfig, TslinkConfig } from '../config/index.ts';
import type { RpcService } from '../rpc/nodeAdapter.ts';
import type { LinkStatus } from '../rpc/api.ts';
import { Engine, PRE_AUTH_REFUSAL, parseReceived } from '../s2s/engine.ts';
import { eauthOf } from '../s2s/protoctl.ts';
import type { Link } from '../s2s/link.ts';
import type { Effect } from '../s2s/effects.ts';
import { LinkConn, type LinkConnLimits } from './linkConn.ts';
import type { Logger } from './logger.ts';
import { deniedBy } from './denyLink.ts';
import { authorizeLink, checkLinkIdentity, findLink, hmacBeforeServer, isLoopback, passwordToCheck, sendPasswordFor, type ConnFacts, type LinkFiles } from './authorize.ts';
import { buildServerTlsOptions, capturePeerCertificate, connectLink, hardenLinkSocket, peerCertificateOf } from '../link/tlsOptions.ts';
import { readLinkPasswordSync } from '../link/secretFile.ts';
import { parseCaPem, verifyPeerCertificate } from '../link/verifyPeer.ts';
import { generateSelfSigned, writeKeyAndCert, certFingerprint, spkiFingerprint } from '../link/certs.ts';
import { createHmacHandshake, loadSecretFile, tlsExporter, type HmacHandshake } from '../link/hmacAuth.ts';
import { createBackoff, type Backoff } from '../link/backoff.ts';
import { ConnectThrottle, HandshakeSlots, type HandshakeSlot, type SlotHolder } from '../link/throttle.ts';
import { addressMatches, parseAddressMask, parseIpAddress, canonicalAddress } from '../link/addressMask.ts';
import { RefusalLog } from './refusalLog.ts';
import { MemoryRelief } from './memoryRelief.ts';
import { TlsStartPacer } from './tlsStartPacer.ts';
import { stateDigest } from '../state/digest.ts';
import { casefold } from '../wire/casemap.ts';
import { captureSecretsFromConfig } from '../replay/captureWriter.ts';
import { CAPTURE_BYTES_PER_FILE, CAPTURE_BYTES_PER_LINK, LinkCapture, captureDirPath, captureFilesOf, pruneCaptureDir, type CaptureTarget } from './linkCapture.ts';
import { PasswordChecker } from '../link/passwords.ts';
import { LineCounts } from '../metrics/lineCounts.ts';
import { RefusalCounts } from '../metrics/refusalCounts.ts';
import { MetricsService } from '../metrics/service.ts';
import type { BurstFigures } from '../metrics/source.ts';
import type { ClientSide } from './clientListener.ts';
import { cloakChecksum, cloakKeysOf } from '../client/cloak.ts';
import type { Store, StoreStatus } from '../store/types.ts';
import { applyTklEffect, closeNodeStore, loadStoreIntoEngine, openNodeStore, type StateWriter } from './nodeStore.ts';

interface ConnState {
  conn: LinkConn;
  tls: boolean;
  listenerLoopback: boolean;
  /** Outgoing: the link block we dialled. */
  block?: LinkConfig;
  hmac?: HmacHandshake;
  /** Handshake slot (incoming): released once the peer is linked or gone; trusted once it authenticated. */
  release?: () => void;
  trust?: () => void;
  /** Peer certificate captured during the TLS handshake. */
  peerCert?: tls.DetailedPeerCertificate;
  /** The peer's server name once it said it (EAUTH/SERVER), for logs. */
  peerName?: string;
  /** Recording of this connection's traffic (link block `capture`, or --capture-dir). */
  capture?: LinkCapture;
  /** Before registration: the result of checking the peer's PASS against a link block's hash. */
  passCheck?: { password: string; hash: string; ok: boolean };
  /** What the link was authorized with (re-checked against its block at each rehash). */
  auth?: { block: LinkConfig; passwordHash?: string };
  /** The HMAC secret this connection's handshake used. */
  hmacSecret?: Buffer;
}

/** The files link checks read, loaded at start and at each rehash (the running set stays if one fails). */
interface LoadedFiles {
  hmac: Map<string, Buffer>;
  passwords: Map<string, string>;
  cas: Map<string, string>;
}

/** What the log line of a closing link should say (the engine has forgotten the link by then). */
interface ClosingInfo { reason: string; peer?: string; address?: string; linkBlock?: string; cert?: tls.DetailedPeerCertificate }

/** A verify::ca file's PEM, refused (with the file name) when it holds no usable CA certificate. */
function readCaFile(path: string): string {
  let pem: string;
  try { pem = readFileSync(path, 'utf8'); } catch (err) { throw new Error(`verify::ca file ${path}: ${(err as Error).message}`); }
  const ca = parseCaPem(pem);
  if (!ca.ok) throw new Error(`verify::ca file ${path}: ${ca.reason}`);
  return pem;
}

/** The connect-flood throttle of a configuration (set::anti-flood::everyone::connect-flood). */
function connectThrottleFor(c: TslinkConfig): ConnectThrottle {
  const f = c.set.antiFlood.connectFlood;
  return new ConnectThrottle({ limit: f.count, windowMs: f.periodSeconds * 1000 });
}


/** The fingerprints of a received certificate, for the log (so an operator can fix a pin). */
function fingerprintsOf(cert: tls.DetailedPeerCertificate): { certfp?: string; spkifp?: string } {
  try { return { certfp: certFingerprint(cert.raw), spkifp: spkiFingerprint(cert.raw) }; } catch { return {}; }
}

/** What a reload did: applied (with the list of changes), or refused (with why; nothing changed). */
export interface RehashResult { ok: boolean; reason?: string; changes: string[] }

/** A listen block's identity across reloads: its address (or socket file) and whether it is TLS. */
function listenKey(l: ListenConfig): string {
  return `${l.file ?? `${l.ip}:${l.port}`}${l.tls ? ' (tls)' : ''}`;
}

/** A socket's remote address, an IPv4-mapped IPv6 one as IPv4. */
function addressOf(s: net.Socket): string {
  return (s.remoteAddress ?? '').replace(/^::ffff:/i, '');
}

/**
 * A mask specific enough to trust its addresses with a reserved handshake slot: an address, a
 * CIDR block of at least /16 (IPv4) or /32 (IPv6), or a wildcard mask whose first two parts are
 * fixed. `*` and other catch-alls are not (they would reserve slots for everyone).
 */
function isSpecificMask(m: string): boolean {
  const r = parseAddressMask(m);
  if (!r.ok) return false;
  const mask = r.mask;
  if (mask.kind === 'any') return false;
  if (mask.kind === 'cidr') return mask.bits >= (mask.family === 4 ? 16 : 32);
  return /^[0-9]+\.[0-9]+\./.test(mask.pattern) || /^[0-9a-f]+:[0-9a-f]+:/.test(mask.pattern);
}

/** How often sequential autoconnect looks for the next link block to dial. */
const AUTO_TICK_MS = 500;

export interface NodeOptions {
  logger: Logger;
  /** Record every link to `DIR/<link block name or connection id>-<timestamp>.txt` (tslink start --capture-dir). */
  captureDir?: string;
  now?: () => number;
  /** Reads the configuration again (the --config file), for a reload asked over JSON-RPC (server.rehash). */
  loadConfig?: () => ConfigResult;
  /** Where the log goes (stdout or a log file): a reload applies a changed log block through it. */
  logOutput?: { reload(config: TslinkConfig): Promise<string[]> };
  /** The store to use instead of the LMDB store in the data directory (tests: a MemoryStore). */
  store?: Store;
}

/**
 * What the node holds of an accepted connection before it is a link (admit()): its handshake
 * slot, whether it is still counted by MemoryRelief, and (TLS listeners) its listener and when its
 * TLS handshake must be over. One small object per connection: the node's close, data and error
 * handlers are shared by all connections, and the TLS handshake deadlines are checked by one
 * timer (PreAuthDeadlines), not one per connection (issue 14 item 2, memory per idle connection).
 */
class PreAuth implements SlotHolder {
  /** Counted as open in MemoryRelief (until released or closed). */
  counted = true;
  /** When its TLS handshake must be over (ms since the epoch; 0: not waiting for one). */
  deadline = 0;
  loopback = false;
  /** Its handshake slot (set by admit() once taken). */
  slot: HandshakeSlot | null = null;
  constructor(readonly trusted: boolean, readonly raw: net.Socket, readonly addr: string, private readonly host: PreAuthHost) {}
  /** Its handshake is over (authenticated) or the connection closed: the slot and the count go. */
  release(): void {
    this.slot?.release();
    if (this.counted) { this.counted = false; this.host.relief.closed(); }
  }
  trust(): void { this.slot?.trust(); }
  /** Its slot was taken for a newer connection (HandshakeSlots: the table is full). */
  evict(): void { this.host.evicted(this); }
}

/** What every PreAuth shares: the node's MemoryRelief and what it does with an evicted connection. */
interface PreAuthHost {
  readonly relief: MemoryRelief;
  evicted(pre: PreAuth): void;
}

/**
 * The TLS handshake deadlines of connections on TLS listeners, in the order they were accepted
 * (so nearly in deadline order: a rehash may change the timeout for newer ones), checked by one
 * timer every DEADLINE_TICK_MS while there are any: a connection past its deadline is destroyed.
 */
export const DEADLINE_TICK_MS = 250;
class PreAuthDeadlines {
  private readonly waiting = new Map<net.Socket, PreAuth>();
  private timer: NodeJS.Timeout | null = null;
  add(raw: net.Socket, pre: PreAuth, deadline: number): void {
    pre.deadline = deadline;
    this.waiting.set(raw, pre);
    if (!this.timer) { this.timer = setInterval(() => this.sweep(), DEADLINE_TICK_MS); this.timer.unref(); }
  }
  delete(raw: net.Socket): void {
    if (this.waiting.delete(raw) && this.waiting.size === 0) this.stop();
  }
  get size(): number { return this.waiting.size; }
  stop(): void { if (this.timer) { clearInterval(this.timer); this.timer = null; } }
  private sweep(): void {
    const now = Date.now();
    for (const [raw, pre] of this.waiting) {
      if (pre.deadline > now) break; // the rest were accepted later
      this.waiting.delete(raw);
      raw.destroy();
    }
    if (this.waiting.size === 0) this.stop();
  }
}

const ignore = (): void => {};

export class TslinkNode {
  engine: Engine;
  readonly log: Logger;
  private conns = new Map<string, ConnState>();
  /** Open listeners by listenKey() (a rehash opens and closes them to match the configuration). */
  private listeners = new Map<string, { server: net.Server; port?: { host: string; port: number } }>();
  private seq = 0;
  private backoffs = new Map<string, Backoff>();
  private dialing = new Set<string>();
  /** Outgoing links attached but not synced yet (their peer has not sent EOS). */
  private syncingOut = new Set<string>();
  /** Sequential autoconnect: the link block tried last, and when each block may be tried again. */
  private lastAuto: string | null = null;
  private autoHold = new Map<string, number>();
  private autoTimer: NodeJS.Timeout | null = null;
  private timers = new Set<NodeJS.Timeout>();
  /** Every raw socket accepted (including ones still in the TLS handshake), for stop(), with what admit() holds of it. */
  private rawSockets = new Map<net.Socket, PreAuth>();
  /** TLS handshake deadlines of the connections on TLS listeners (one timer for all). */
  private readonly tlsDeadlines = new PreAuthDeadlines();
  /** Shared by every accepted socket (`this` is the socket): its close, and its first bytes on a TLS listener. */
  private readonly onRawClose: (this: net.Socket) => void;
  private readonly onFirstBytes: (this: net.Socket, first: Buffer) => void;
  /** A refused connection closed (it counted in MemoryRelief's wave while it was open). */
  private readonly onRefusedClose: () => void;
  /** Shared by every PreAuth (admit()). */
  private readonly preAuthHost: PreAuthHost;
  /** Every link socket still open (a closed link's socket may still be flushing its ERROR). */
  private openSockets = new Set<net.Socket>();
  private files: LoadedFiles = { hmac: new Map(), passwords: new Map(), cas: new Map() };
  /** PASS checks: scrypt off the event loop, a bounded number at once. */
  private readonly passwords = new PasswordChecker(2);
  /** How many PASS checks (scrypt runs) this node has started. */
  get passwordChecksStarted(): number { return this.passwords.started; }
  /** PASS checks running now (started and not finished). */
  get passwordChecksActive(): number { return this.passwords.active; }
  private keyPem = '';
  private certPem = '';
  private throttle: ConnectThrottle;
  private readonly slots: HandshakeSlots;
  /** LINK_DENIED lines, rate-limited per address. */
  private readonly refusals = new RefusalLog();
  /** One GC once a wave of connections has gone (memoryRelief.ts): V8 gives its grown heap back. */
  readonly memoryRelief = new MemoryRelief({
    onRelief: (r) => this.log.info({ event: 'MEMORY_RELIEF', peak: r.peak, heapBefore: r.heapBefore, heapAfter: r.heapAfter, rssBefore: r.rssBefore, rss: r.rssAfter, trim: r.trim, ms: Math.round(r.ms) },
      `${r.peak} connections came and went: a GC gave back ${Math.max(0, Math.round((r.heapBefore - r.heapAfter) / 1048576))} MB of heap, RSS ${Math.round(r.rssBefore / 1048576)} -> ${Math.round(r.rssAfter / 1048576)} MB${r.trim === 'unavailable' ? " (malloc_trim unavailable: README \"Memory after an attack\")" : ''}`),
  });
  private stopping = false;
  private closing = new Map<string, ClosingInfo>();
  private pumpDepth = 0;
  /** Strings a capture must never contain (every configured password-file and hmac-secret-file). */
  private captureSecrets: string[] = [];
  /** Capture files still being flushed and closed (stop() waits for them). */
  private captureClosing = new Set<Promise<void>>();
  /** UnrealIRCd's JSON-RPC (listen blocks with options { rpc; }), once started. */
  private rpc: RpcService | null = null;
  /** The JSON-RPC service (null before start()). */
  get rpcService(): RpcService | null { return this.rpc; }
  /** When each connection was made and when its peer finished its burst (ms since the epoch), for status views. */
  private connTimes = new Map<string, { connectedAt: number; syncedAt?: number; burst?: BurstFigures }>();
  /** Metrics (src/metrics): counters kept here, read on scrape; the listeners once started. */
  readonly lineCounts = new LineCounts();
  readonly refusalCounts = new RefusalCounts();
  private metrics: MetricsService | null = null;
  /** The metrics service (null before start()). */
  get metricsService(): MetricsService | null { return this.metrics; }
  /** Listening addresses after start (port 0 resolves to the real port). */
  readonly ports: { host: string; port: number }[] = [];
  /** Every TKL and its tombstones (src/store), opened and loaded first thing in start(). */
  private store: Store | null = null;
  /** Writes the engine's +P channels and network MD to the store (opened with it). */
  private stateWriter: StateWriter | null = null;
  /** The store's state (null before start()). */
  storeStatus(): StoreStatus | null { return this.store?.status() ?? null; }
  /** Resolves once every store write queued so far is committed (or failed: the store says so in its status). */
  persisted(): Promise<void> { this.stateWriter?.flush(); return this.store?.flush() ?? Promise.resolve(); }

  constructor(public config: TslinkConfig, private opts: NodeOptions) {
    this.log = this.refusalCounts.wrap(opts.logger);
    this.engine = this.makeEngine();
    this.throttle = connectThrottleFor(config);
    this.slots = new HandshakeSlots(config.set.handshakeLimits);
    const node = this;
    this.onRawClose = function (this: net.Socket) { node.rawClosed(this); };
    this.onFirstBytes = function (this: net.Socket, first: Buffer) { node.firstBytes(this, first); };
    this.onRefusedClose = () => this.memoryRelief.closed();
    this.preAuthHost = {
      relief: this.memoryRelief,
      evicted: (pre) => {
        this.refused({ address: pre.addr, reason: 'handshake slot taken by a newer connection (table full)' }, 'dropped an unfinished handshake');
        pre.raw.destroy();
      },
    };
  }

  private makeEngine(): Engine {
    // The callbacks read this.config (not a copy): a rehash replaces it.
    const c = this.config;
    return new Engine({
      me: { sid: c.me.sid, name: c.me.name, info: c.me.info },
      // Bursts are written as each link's socket drains ('burst' effect, apply()).
      streamBurst: true,
      networkName: c.set.networkName,
      // NETINFO's cloak key checksum, from the running configuration's set::cloak-keys.
      cloakKeyChecksum: () => { const keys = cloakKeysOf(this.config); return keys ? cloakChecksum({ keys }) : null; },
      ulines: c.ulines,
      now: this.opts.now,
      tklRemoved: (entry, now) => this.store?.refuseReAdd(entry, now) ?? null,
      authorize: (req) => {
        const st = this.conns.get(req.link);
        if (st) st.peerName = req.name;
        const res = authorizeLink(this.config, req, st ? this.connFacts(st) : undefined, this.linkFiles());
        // An incoming connection's capture learns where it goes now (a refused one too: the
        // handshake and our ERROR are what explains a refusal).
        if (st?.capture?.buffering) this.resolveCapture(req.link, st, res.ok ? res.block : findLink(this.config, req.name));
        // A refusal is logged once, as the engine's LINK_DENIED for the closing link, with its reason.
        if (!res.ok) return res;
        if (res.block) {
          const cls = this.config.classes[res.block.className];
          const inClass = [...this.engine.links.values()].filter((l) => l.phase === 'linked' && l.server && findLink(this.config, l.server.name)?.className === res.block!.className).length;
          if (cls && inClass >= cls.maxClients) return { ok: false, reason: 'Full class' };
        }
        const deny = deniedBy(this.config.denyLink, this.engine.net, req.name, false);
        if (deny) return { ok: false, reason: `Disallowed by connection rule: ${deny.reason ?? deny.rule}` };
        const { block, ...policy } = res;
        if (st && block) {
          st.auth = { block, passwordHash: block.passwordHash };
          // Authenticated: its handshake slot can no longer be taken by another connection.
          st.trust?.();
        }
        // An incoming connection learns its link block (and so its class: sendq, recvq, pingfreq) only now.
        if (st && block && !st.block) st.conn.setLimits(this.limitsFor(block));
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
        if (!st) return 'unknown connection';
        // The block the link was authorized under (on a link we dialled, the block we dialled).
        const block = st.auth?.block ?? st.block;
        if (!block) return 'not authorized';
        const v = hmacBeforeServer(block, st.hmac);
        if (v.error) return v.error;
        for (const l of v.send ?? []) this.engine.send(link, l);
        if (st.hmac?.status() === 'verified') this.log.info({ event: 'LINK_HMAC_VERIFIED', link: link.id, peer: link.name, address: st.conn.address }, `${link.name}: HMAC authentication verified`);
        return null;
      },
    });
  }

  private newHmac(st: ConnState, block: LinkConfig, role: 'client' | 'server'): HmacHandshake | undefined {
    const secret = block.hmacSecretFile ? this.files.hmac.get(block.hmacSecretFile) : undefined;
    if (!secret || !st.tls) return undefined;
    st.hmacSecret = secret;
    st.hmac = createHmacHandshake({ secret, ourName: this.config.me.name, role, exporter: tlsExporter(st.conn.socket as tls.TLSSocket), requireHmac: block.requireHmac, expectedPeerName: role === 'client' ? block.name : undefined });
    return st.hmac;
  }

  // ------------------------------------------------------------ lifecycle
  async start(): Promise<void> {
    this.openStore();
    await this.loadTls();
    this.files = await this.readLinkFiles(this.config);
    this.captureSecrets = await captureSecretsFromConfig(this.config);
    if (this.opts.captureDir) mkdirSync(this.opts.captureDir, { recursive: true, mode: 0o700 });
    for (const l of this.config.listen) {
      if (l.rpc || l.metrics) continue; // the JSON-RPC and metrics services open these
      // Ports for clients only are the client side's (clientListener.ts).
      if (l.clientsOnly) { await (await this.clientPorts()).listen(l); continue; }
      await this.listen(l);
    }
    await this.startRpc();
    this.metrics = new MetricsService(this, this.log);
    await this.metrics.start();
    this.timers.add(setInterval(() => { this.engine.tick(); this.pump(); this.store?.expireTombstones(this.engine.now()); }, 10_000));
    // Each minute: the refusal summaries, and the throttle forgets the addresses whose window has
    // passed (its table would otherwise keep every address of an attack until it is full).
    this.timers.add(setInterval(() => { this.flushRefusals(); this.throttle.prune(); }, 60_000));
    this.scheduleAutoconnect();
    this.log.info({ event: 'NODE_STARTED', name: this.config.me.name, sid: this.config.me.sid, listen: this.ports, certfp: certFingerprint(this.certPem), spkifp: spkiFingerprint(this.certPem) }, `tslink ${this.config.me.name} (${this.config.me.sid}) started`);
  }

  /**
   * The JSON-RPC service, once a listen block asks for it (at start or at a rehash that adds one):
   * a node without one does not load its code (issue 13's idle RSS). Returns what it opened.
   */
  private async startRpc(): Promise<string[]> {
    if (this.rpc || !this.config.listen.some((l) => l.rpc)) return [];
    const { RpcService } = await import('../rpc/nodeAdapter.ts');
    this.rpc = new RpcService(this, { loadConfig: this.opts.loadConfig, tls: { keyPem: this.keyPem, certPem: this.certPem } });
    await this.rpc.start();
    return this.config.listen.filter((l) => l.rpc).map((l) => `rpc listener ${l.file ?? `${l.ip}:${l.port}`} opened`);
  }

  /** Open the store and load it into the engine's TKL table, before any listener or link (a StoreOpenError stops start-up). */
  private openStore(): void {
    const t0 = performance.now(), c0 = process.cpuUsage();
    const store = openNodeStore(this.config.set.dataDirectory, this.log, this.opts.store);
    this.store = store; // closed by stop() also when loading fails
    const { report: r, writer } = loadStoreIntoEngine(store, this.engine, this.engine.now());
    this.stateWriter = writer;
    const st = store.status();
    // openMs: the whole of it (open, read, into the table and the state), what start-up waits for;
    // cpuMs: the process's CPU time meanwhile (all its threads: GC and compiler too).
    const openMs = performance.now() - t0, c = process.cpuUsage(c0), cpuMs = (c.user + c.system) / 1000;
    this.log.info({ event: 'STORE_LOADED', path: st.path, kind: st.kind, ...r, openMs, cpuMs }, `store ${st.path ?? st.kind}: ${r.tkl} TKLs, ${r.tombstones} tombstones, ${r.channels} +P channels and ${r.networkMd} network MD variables loaded in ${openMs.toFixed(0)} ms (${r.expiredTkl} TKLs expired while down, dropped)`);
  }

  private async loadTls(): Promise<void> {
    const { keyPem, certPem } = await this.readTls(this.config, true);
    this.keyPem = keyPem;
    this.certPem = certPem;
    this.tlsGeneration++;
  }

  /**
   * The node's key and certificate for a configuration: those of the first listen block with
   * tls-options, else DATA/tls/server.{key,crt} (generated when `generate` and missing). Throws
   * with the file's name when one cannot be read or the key does not belong to the certificate.
   */
  private async readTls(cfg: TslinkConfig, generate: boolean): Promise<{ keyPem: string; certPem: string }> {
    const dir = join(cfg.set.dataDirectory ?? '.tslink-data', 'tls');
    let keyPath = join(dir, 'server.key'), certPath = join(dir, 'server.crt');
    const l = cfg.listen.find((x) => !x.rpc && x.tlsOptions?.certificate && x.tlsOptions?.key);
    if (l?.tlsOptions?.certificate && l.tlsOptions.key) {
      certPath = l.tlsOptions.certificate;
      keyPath = l.tlsOptions.key;
    } else if (generate && (!existsSync(keyPath) || !existsSync(certPath))) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const kc = generateSelfSigned({ commonName: cfg.me.name });
      await writeKeyAndCert(dir, kc, { key: 'server.key', cert: 'server.crt' });
      this.log.info({ event: 'CERT_GENERATED', keyPath, certPath }, 'generated a self-signed certificate');
    }
    const read = (path: string, what: string): string => {
      try { return readFileSync(path, 'utf8'); } catch (err) { throw new Error(`${what} ${path}: ${(err as Error).message}`); }
    };
    const keyPem = read(keyPath, 'TLS key'), certPem = read(certPath, 'TLS certificate');
    try { tls.createSecureContext({ key: keyPem, cert: certPem }); } catch (err) { throw new Error(`TLS key ${keyPath} and certificate ${certPath}: ${(err as Error).message}`); }
    return { keyPem, certPem };
  }
  /** Bumped whenever the key/certificate or the TLS settings change (tlsContext() makes a new context). */
  private tlsGeneration = 0;

  /** Every HMAC secret file, password-file and verify::ca file of a config, read now (throws with the file name on a problem). */
  private async readLinkFiles(cfg: TslinkConfig): Promise<LoadedFiles> {
    const out: LoadedFiles = { hmac: new Map(), passwords: new Map(), cas: new Map() };
    for (const b of cfg.links) {
      if (b.hmacSecretFile && !out.hmac.has(b.hmacSecretFile)) out.hmac.set(b.hmacSecretFile, await loadSecretFile(b.hmacSecretFile));
      // The same owner/mode rules as at config load (a rehash may be handed an already parsed config).
      if (b.passwordFile && !out.passwords.has(b.passwordFile)) out.passwords.set(b.passwordFile, readLinkPasswordSync(b.passwordFile));
      if (b.verify.ca && !out.cas.has(b.verify.ca)) out.cas.set(b.verify.ca, readCaFile(b.verify.ca));
    }
    return out;
  }

  /** The loaded files, as the link checks read them. */
  private linkFiles(): LinkFiles {
    const f = this.files;
    return { ca: (p) => f.cas.get(p), password: (p) => f.passwords.get(p) };
  }

  /** What the link checks know of a connection. */
  private connFacts(st: ConnState): ConnFacts {
    return {
      socket: st.conn.socket, tls: st.tls, listenerLoopback: st.listenerLoopback, linkName: st.block?.name, peerCert: st.peerCert,
      passwordVerdict: (pw, hash) => (st.passCheck && st.passCheck.password === pw && st.passCheck.hash === hash ? st.passCheck.ok : undefined),
    };
  }

  private listen(l: ListenConfig): Promise<void> {
    const loopback = !!l.file || (l.ip !== undefined && isLoopback(l.ip));
    const server = l.tls
      ? net.createServer((raw) => this.acceptTls(raw, loopback))
      : net.createServer((s) => {
        // A plaintext listener gets the same throttle and handshake slots as a TLS one.
        const pre = this.admit(s);
        if (pre) this.accept(s, false, loopback, pre);
      });
    const entry: { server: net.Server; port?: { host: string; port: number } } = { server };
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        const a = server.address();
        if (a && typeof a === 'object') { entry.port = { host: a.address, port: a.port }; this.ports.push(entry.port); }
        this.listeners.set(listenKey(l), entry);
        resolve();
      };
      // A deep accept queue: a burst of connects is accepted (and then capped/timed out by us)
      // instead of silently waiting in the kernel.
      if (l.file) server.listen({ path: l.file, backlog: 4096 }, done);
      else server.listen({ port: l.port ?? 0, host: l.ip === '*' ? undefined : l.ip, backlog: 4096 }, done);
    });
  }

  /**
   * A connection on a TLS listener. It is admitted (throttle, handshake slot) on a plain socket,
   * and no TLS state exists until its first bytes (the ClientHello) arrive: an idle connection
   * costs a socket, not a TLS session. The handshake must end within the TLS handshake timeout.
   */
  private acceptTls(raw: net.Socket, loopback: boolean): void {
    const pre = this.admit(raw);
    if (!pre) return;
    pre.loopback = loopback;
    this.tlsDeadlines.add(raw, pre, Date.now() + Math.min(10, this.config.set.serverLinking.handshakeTimeout) * 1000);
    raw.on('data', this.onFirstBytes);
  }

  /** The first bytes on a TLS listener (the ClientHello): its TLS session starts in its turn. */
  private firstBytes(raw: net.Socket, first: Buffer): void {
    raw.removeListener('data', this.onFirstBytes);
    raw.pause();
    raw.unshift(first);
    const pre = this.rawSockets.get(raw);
    if (!pre) { raw.destroy(); return; }
    // Started a few per event-loop turn (TlsStartPacer), link-block addresses at once.
    this.tlsStarts.run(pre.trusted, () => { if (!raw.destroyed) this.startTls(raw, pre.loopback, pre); });
  }

  /** A raw socket closed: whatever admit() and acceptTls() hold of it goes. */
  private rawClosed(raw: net.Socket): void {
    const pre = this.rawSockets.get(raw);
    this.rawSockets.delete(raw);
    this.tlsDeadlines.delete(raw);
    pre?.release();
  }

  /** The TLS session of a connection whose first bytes have arrived (acceptTls). */
  private startTls(raw: net.Socket, loopback: boolean, pre: PreAuth): void {
    this.tlsSessionsStarted++;
    const s = new tls.TLSSocket(raw, { isServer: true, secureContext: this.tlsContext(), requestCert: true, rejectUnauthorized: false });
    hardenLinkSocket(s);
    let secure = false;
    s.on('error', (err) => {
      if (!secure) this.refused({ address: addressOf(raw), reason: `TLS: ${err.message}` }, 'TLS handshake failed', 'info');
      s.destroy();
    });
    s.once('secure', () => {
      secure = true;
      this.tlsDeadlines.delete(raw);
      this.accept(s, true, loopback, pre);
    });
  }

  /** The TLS context of every server-link listener (made once per certificate and TLS settings). */
  private tlsContext(): tls.SecureContext {
    const key = `${this.config.set.tls.minVersion}|${this.tlsGeneration}`;
    if (!this.secureContext || this.secureContextKey !== key) {
      this.secureContext = tls.createSecureContext(buildServerTlsOptions({ keyPem: this.keyPem, certPem: this.certPem, minVersion: this.config.set.tls.minVersion }));
      this.secureContextKey = key;
    }
    return this.secureContext;
  }
  private secureContext: tls.SecureContext | null = null;
  /** TLS sessions created on TLS listeners (one per connection that sent its first bytes). */
  tlsSessionsStarted = 0;
  /** TLS sessions start a few per event-loop turn, so a burst of handshakes does not stall the other links. */
  readonly tlsStarts = new TlsStartPacer();
  private secureContextKey = '';

  /**
   * A new connection on any listener: the connect-flood throttle (UnrealIRCd's
   * set::anti-flood::everyone::connect-flood; addresses of link blocks and `except ban` with type
   * connect-flood are exempt) and a handshake slot (HandshakeSlots: an address that matches a link
   * block always gets one). Returns the slot, or null when the socket was refused.
   */
  private admit(raw: net.Socket): PreAuth | null {
    // Before the TLS handshake: its small records must not wait for delayed ACKs either.
    raw.setNoDelay(true);
    raw.on('error', ignore);
    // Counted until it is authenticated (its slot released) or closed, whichever comes first:
    // refused ones too (a flood of them grows memory as well).
    this.memoryRelief.opened();
    const addr = addressOf(raw);
    const trusted = this.isLinkAddress(addr);
    if (!trusted && !this.exemptFromConnectFlood(addr) && !this.throttle.hit(addr)) {
      this.refused({ address: addr, reason: 'connect-flood (throttled)' }, 'refused connection: connect-flood');
      raw.once('close', this.onRefusedClose);
      raw.destroy();
      return null;
    }
    const pre = new PreAuth(trusted, raw, addr, this.preAuthHost);
    const slot = this.slots.acquire(addr, trusted, pre);
    if (!slot.ok) { this.refused({ address: addr, reason: slot.reason }, `refused connection: ${slot.reason}`); raw.once('close', this.onRefusedClose); raw.destroy(); return null; }
    pre.slot = slot;
    this.rawSockets.set(raw, pre);
    raw.on('close', this.onRawClose);
    return pre;
  }

  /** Could any link block with incoming connections accept this certificate (its pins, or its CA's chain)? */
  private certMatchesSomeBlock(cert: tls.DetailedPeerCertificate): boolean {
    for (const b of this.config.links) {
      if (!b.incoming || b.plaintextLoopback) continue;
      const ca = b.verify.ca !== undefined ? this.files.cas.get(b.verify.ca) : undefined;
      if (b.verify.ca !== undefined && ca === undefined) continue;
      if (verifyPeerCertificate(cert, { certfp: b.verify.certfp, spkifp: b.verify.spkifp, ca, expectedName: ca ? b.name : undefined }).ok) return true;
    }
    return false;
  }

  /** Does `addr` match a link block: a specific incoming mask (not a catch-all) or an outgoing hostname? */
  private isLinkAddress(addr: string): boolean {
    const ip = parseIpAddress(addr.replace(/^::ffff:/i, ''));
    if (!ip) return false;
    const canon = canonicalAddress(ip);
    for (const b of this.config.links) {
      for (const m of b.incoming?.mask ?? []) if (isSpecificMask(m) && addressMatches(m, addr)) return true;
      const out = b.outgoing ? parseIpAddress(b.outgoing.hostname) : undefined;
      if (out && canonicalAddress(out) === canon) return true;
    }
    return false;
  }

  private exemptFromConnectFlood(addr: string): boolean {
    return this.config.exceptBan.some((e) => (e.types.includes('connect-flood') || e.types.includes('all')) && e.masks.some((m) => addressMatches(m, addr)));
  }

  /** A LINK_DENIED line, unless this address has had its share of them this minute (RefusalLog). */
  private refused(fields: { address?: string; reason: string; [k: string]: unknown }, msg: string, level: 'warn' | 'info' = 'warn'): void {
    const carried = this.refusals.admit(fields.address ?? '');
    if (carried === null) return;
    this.log[level]({ event: 'LINK_DENIED', ...fields, ...(carried > 0 ? { suppressed: carried } : {}) }, carried > 0 ? `${msg} (${carried} more from this address not logged)` : msg);
  }

  /** Summaries of the refusals RefusalLog kept out of the log. */
  private flushRefusals(): void {
    for (const r of this.refusals.flush()) this.log.warn({ event: 'LINK_DENIED_SUPPRESSED', address: r.address, suppressed: r.suppressed }, `${r.suppressed} more refused connections from ${r.address} were not logged`);
  }

  private limitsFor(block?: LinkConfig): LinkConnLimits {
    const cls = this.config.classes[block?.className ?? 'servers'] ?? this.config.classes.servers;
    return { sendQ: cls.sendQ, recvQ: Math.max(cls.recvQ, 1 << 20), pingFreq: cls.pingFreq, handshakeTimeout: this.config.set.serverLinking.handshakeTimeout };
  }

  private accept(socket: net.Socket | tls.TLSSocket, isTls: boolean, listenerLoopback: boolean, pre: PreAuth): void {
    const addr = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    socket.on('error', () => {});
    if (this.stopping) { socket.destroy(); return; }
    // Captured now: the check against the link block happens later, on EAUTH.
    const peerCert = isTls ? capturePeerCertificate(socket as tls.TLSSocket) : undefined;
    if (isTls && !peerCert) {
      this.refused({ address: addr, reason: 'no certificate' }, 'refused link: no client certificate');
      socket.destroy();
      return;
    }
    if (isTls && peerCert && !this.certMatchesSomeBlock(peerCert)) {
      // No link block would ever accept this certificate: refused now, before it can hold a
      // connection (and its TLS session) open until the handshake timeout.
      this.refused({ address: addr, reason: 'certificate matches no link block', ...fingerprintsOf(peerCert) }, 'refused link: its certificate matches no link block');
      socket.end(`ERROR :Closing Link: [${addr}] (${PRE_AUTH_REFUSAL})\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    if (!isTls && !isLoopback(addr)) {
      this.refused({ address: addr, reason: 'plaintext from non-loopback' }, 'refused plaintext link from a non-loopback address');
      socket.destroy();
      return;
    }
    const id = `in#${++this.seq}`;
    const st = this.attach(id, socket, addr, isTls, listenerLoopback, undefined);
    st.release = () => pre.release();
    st.trust = () => pre.trust();
    st.peerCert = peerCert;
    // The link block (and so the capture file) is known only at EAUTH: buffer from the first line.
    if (this.opts.captureDir || this.config.links.some((b) => b.capture)) this.setCapture(st, new LinkCapture(this.captureOptions()));
    this.engine.linkUp(id, 'in', addr);
    this.pump();
  }

  private attach(id: string, socket: net.Socket | tls.TLSSocket, addr: string, isTls: boolean, listenerLoopback: boolean, block: LinkConfig | undefined): ConnState {
    // Small lines (PING/PONG, replies, the handshake) must not wait for the peer's delayed ACK.
    socket.setNoDelay(true);
    const conn = new LinkConn(id, socket, addr, isTls, this.limitsFor(block), this.log);
    conn.lineCounts = this.lineCounts;
    this.openSockets.add(socket);
    socket.once('close', () => this.openSockets.delete(socket));
    const st: ConnState = { conn, tls: isTls, listenerLoopback, block };
    this.connTimes.set(id, { connectedAt: Date.now() });
    socket.once('close', () => this.connTimes.delete(id));
    this.conns.set(id, st);
    conn.onLine = (line) => {
      this.engine.receive(id, line);
      this.pump();
    };
    conn.gate = (line) => this.passwordGate(id, st, line);
    conn.onFault = (reason) => { const l = this.engine.links.get(id); if (l) this.engine.exitLink(l, reason); else conn.destroy(reason); this.pump(); };
    conn.onClosed = (reason) => {
      st.release?.();
      this.syncingOut.delete(id);
      // Still in `conns` while the engine lets go of it, so the log line can name the peer.
      if (this.engine.links.has(id)) { this.engine.linkDown(id, reason); this.pump(); }
      this.conns.delete(id);
      this.closeCapture(id, st, reason);
      if (block && !this.stopping) this.scheduleReconnect(block);
    };
    conn.ping = () => { const l = this.engine.links.get(id); if (l) { this.engine.send(l, `PING :${this.config.me.name}`); this.pump(); } };
    return st;
  }

  /** Carry out the engine's effects (including those queued while carrying them out). */
  pump(): void {
    this.pumpDepth++;
    try {
      for (let effects = this.engine.drain(); effects.length > 0; effects = this.engine.drain()) {
        for (const ef of effects) this.apply(ef);
      }
    } finally {
      if (--this.pumpDepth === 0 && this.closing.size > 0) this.closing.clear();
    }
    // What the engine did for local users: their lines, written now.
    if (this.pumpDepth === 0) this.clientSide?.flush();
  }

  /**
   * The local clients and their ports, made when the first clientsonly block is opened. Their
   * code (clientListener.ts, src/client: ~60 modules) is loaded only then: a node without client
   * ports never loads it (issue 13's idle RSS: ~2.5 MB less on the default configuration).
   */
  clientSide: ClientSide | null = null;
  private async clientPorts(): Promise<ClientSide> {
    if (this.clientSide) return this.clientSide;
    const { ClientSide } = await import('./clientListener.ts');
    this.clientSide ??= new ClientSide({
      engine: this.engine, config: () => this.config, log: this.log,
      tls: () => ({ keyPem: this.keyPem, certPem: this.certPem, minVersion: this.config.set.tls.minVersion }),
      // The client listener holds release() as a plain function.
      admit: (raw) => { const pre = this.admit(raw); return pre && { release: () => pre.release() }; }, pump: () => this.pump(),
    });
    return this.clientSide;
  }

  /**
   * The link's PASS is checked against the link block's scrypt hash before the engine authorizes
   * the link (at PROTOCTL EAUTH= or SERVER, whichever names the peer first), asynchronously: the
   * ~100 ms of scrypt run off the event loop (PasswordChecker: a bounded number at once) while this
   * link's lines wait; the engine's authorize callback then reads the verdict. The line is read as
   * the engine reads it (parseReceived, eauthOf) and the password is the one the engine holds. No
   * password work is done for a peer whose name, address or certificate its link block refuses:
   * checkLinkIdentity runs first, and the engine then refuses it without a verdict.
   */
  private passwordGate(id: string, st: ConnState, line: string): Promise<void> | null {
    const link = this.engine.links.get(id);
    if (!link || link.phase !== 'handshake' || link.authorized || link.password === null) return null;
    const msg = parseReceived(line);
    let name: string | undefined;
    if (msg?.command === 'SERVER') name = msg.params[0];
    else if (msg?.command === 'PROTOCTL') name = eauthOf(msg.params)?.name;
    if (!name) return null;
    const who = checkLinkIdentity(this.config, { name, direction: link.direction, address: link.address }, this.connFacts(st), this.linkFiles());
    if (!who.ok) return null;
    const check = passwordToCheck(who.block, link.password);
    if (!check || (st.passCheck && st.passCheck.hash === check.hash && st.passCheck.password === check.password)) return null;
    const { password, hash } = check;
    return this.passwords.check(Buffer.from(password, 'latin1'), hash).then(
      (r) => { st.passCheck = { password, hash, ok: r.ok }; },
      () => { st.passCheck = { password, hash, ok: false }; },
    );
  }

  private describe(id: string): { peer?: string; address?: string; linkBlock?: string } {
    const st = this.conns.get(id);
    return { peer: this.engine.links.get(id)?.server?.name ?? st?.peerName ?? st?.block?.name, address: st?.conn.address, linkBlock: st?.block?.name };
  }

  private apply(ef: Effect): void {
    switch (ef.kind) {
      case 'send': {
        const st = this.conns.get(ef.link);
        if (!st) return;
        if (!st.conn.write(ef.line)) {
          const reason = 'Max SendQ exceeded';
          const who = this.describe(ef.link);
          this.log.warn({ event: 'LINK_SENDQ', link: ef.link, ...who, reason, sendQ: st.conn.sendQLimit, queued: st.conn.socket.writableLength }, `${who.peer ?? ef.link}: ${reason}`);
          // Dropped without flushing (the peer is not reading); the engine splits it off.
          this.closing.set(ef.link, { reason, ...who });
          if (this.engine.links.has(ef.link)) this.engine.linkDown(ef.link, reason);
          st.conn.destroy(reason);
        }
        return;
      }
      case 'close': {
        const st = this.conns.get(ef.link);
        if (!this.closing.has(ef.link)) this.closing.set(ef.link, { reason: ef.reason, ...this.describe(ef.link), cert: st?.peerCert });
        st?.conn.close(ef.reason);
        return;
      }
      case 'log': {
        const closing = ef.link ? this.closing.get(ef.link) : undefined;
        const who: { peer?: string; address?: string; linkBlock?: string } = closing ?? (ef.link ? this.describe(ef.link) : {});
        const fields = { ...ef.fields, event: ef.event, link: ef.link, peer: who.peer, linkBlock: who.linkBlock, address: who.address, reason: closing?.reason };
        let suppressed = 0;
        let fps: { certfp?: string; spkifp?: string } = {};
        if (ef.event === 'LINK_DENIED') {
          const carried = this.refusals.admit(who.address ?? '');
          if (carried === null) return;
          suppressed = carried;
          // The certificate the peer presented, so the operator can fix a pin.
          const cert = closing?.cert ?? (ef.link ? this.conns.get(ef.link)?.peerCert : undefined);
          if (cert) fps = fingerprintsOf(cert);
        }
        // The engine names a link by its id until the peer says its name (EAUTH/SERVER); an
        // outgoing link has a name from the start: the link block we dialled.
        const msg = ef.link && who.linkBlock && !this.engine.links.get(ef.link)?.eauthName ? ef.msg.split(ef.link).join(who.linkBlock) : ef.msg;
        this.log[ef.level]({ ...fields, ...fps, ...(suppressed > 0 ? { suppressed } : {}) }, suppressed > 0 ? `${msg} (${suppressed} more from this address not logged)` : msg);
        return;
      }
      case 'linked': {
        // SERVER accepted (on its own line, or later, for a link held by a takeover check): the
        // handshake limits (timeout, flood, half-open slot) end here.
        const st = this.conns.get(ef.link);
        if (!st) return;
        st.conn.markRegistered();
        st.release?.();
        st.passCheck = undefined;
        return;
      }
      case 'wake':
        this.wakeAt(ef.at);
        return;
      case 'synced': {
        const st = this.conns.get(ef.link);
        const times = this.connTimes.get(ef.link);
        if (times) times.syncedAt = Date.now();
        if (times && st) times.burst = { lines: st.conn.linesIn, bytes: st.conn.bytesIn };
        st?.conn.markRegistered();
        if (st?.block) this.backoffs.get(casefold(st.block.name))?.reset();
        if (this.syncingOut.delete(ef.link)) {
          if (this.config.set.serverLinking.autoconnectStrategy === 'sequential-fallback') this.lastAuto = null;
          if (this.sequential) queueMicrotask(() => this.autoTick());
        }
        this.log.info({ event: 'LINK_SYNCED', link: ef.link, peer: ef.server }, `${ef.server} finished its burst`);
        return;
      }
      case 'burst': {
        // Our burst toward this link: written as its socket drains (LinkConn.streamBurst()).
        const st = this.conns.get(ef.link);
        if (!st) return;
        const id = ef.link;
        st.conn.streamBurst((budget) => {
          const more = this.engine.burstMore(id, budget);
          this.pump();
          return more;
        });
        return;
      }
      case 'tkl':
        if (this.store) applyTklEffect(this.store, ef, this.engine.now());
        return;
      case 'channel':
      case 'globalvar':
        this.stateWriter?.effect(ef);
        return;
    }
  }

  /** The engine's tick() at engine time `at` (a deadline of its own falls due then); one timer per time. */
  private wakeAt(at: number): void {
    if (this.stopping || this.wakeTimers.has(at)) return;
    // On the real clock, aimed at the start of that second (the engine's clock is whole seconds).
    // At least a quarter second: a deadline that is not due yet when its tick comes asks again.
    const until = this.opts.now ? (at - this.engine.now()) * 1000 : at * 1000 - Date.now() + 5;
    const delayMs = Math.max(250, until);
    const t = setTimeout(() => {
      this.wakeTimers.delete(at);
      this.timers.delete(t);
      this.engine.tick();
      this.pump();
    }, delayMs);
    t.unref();
    this.timers.add(t);
    this.wakeTimers.set(at, t);
  }
  private wakeTimers = new Map<number, NodeJS.Timeout>();

  // ------------------------------------------------------------ outgoing
  private get sequential(): boolean { return this.config.set.serverLinking.autoconnectStrategy !== 'parallel'; }

  /**
   * set::server-linking::autoconnect-strategy, as UnrealIRCd's server.c has it. parallel: every
   * autoconnect block is dialled on its own (and redialled with its backoff). sequential (the
   * default) and sequential-fallback: one outgoing link at a time; while one is connecting or has
   * not finished its burst, no other is dialled; the next is the first block after the one tried
   * last (round the list) that is not linked and not held back by its backoff. sequential-fallback
   * starts from the top of the list again once a link finished its burst, so the first block is
   * preferred whenever it is reachable.
   */
  private scheduleAutoconnect(): void {
    if (!this.sequential) { for (const b of this.config.links) if (b.outgoing?.autoconnect) this.connectSoon(b, 0); return; }
    if (!this.autoTimer) { this.autoTimer = setInterval(() => this.autoTick(), AUTO_TICK_MS); this.autoTimer.unref(); }
    this.autoTick();
  }

  private autoTick(): void {
    if (this.stopping || !this.sequential || this.dialing.size > 0 || this.syncingOut.size > 0) return;
    const list = this.config.links;
    const i = this.lastAuto === null ? -1 : list.findIndex((b) => casefold(b.name) === this.lastAuto);
    const order = i < 0 ? list : [...list.slice(i + 1), ...list.slice(0, i + 1)];
    const now = Date.now();
    const b = order.find((x) => {
      const key = casefold(x.name);
      return !!x.outgoing?.autoconnect && (this.autoHold.get(key) ?? 0) <= now && !this.engine.net.serversByName.has(key) && !this.dialing.has(key);
    });
    if (!b) return;
    this.lastAuto = casefold(b.name);
    void this.connect(b);
  }

  private connectSoon(b: LinkConfig, delayMs: number): void {
    const t = setTimeout(() => { this.timers.delete(t); void this.connect(b); }, delayMs);
    t.unref();
    this.timers.add(t);
  }

  private scheduleReconnect(b: LinkConfig): void {
    if (!b.outgoing?.autoconnect || !findLink(this.config, b.name)) return;
    const key = casefold(b.name);
    let bo = this.backoffs.get(key);
    if (!bo) { bo = createBackoff({ minMs: 500, baseMs: 1000, maxMs: (this.config.classes[b.className]?.connFreq ?? 15) * 1000 }); this.backoffs.set(key, bo); }
    const d = Math.round(bo.next());
    this.log.info({ event: 'LINK_RECONNECT', peer: b.name, delayMs: d }, `reconnecting to ${b.name} in ${d} ms${this.sequential ? ' at the earliest (sequential autoconnect)' : ''}`);
    if (this.sequential) { this.autoHold.set(key, Date.now() + d); return; }
    this.connectSoon(b, d);
  }

  /** Dial a link block now (autoconnect or by hand). */
  async connect(b: LinkConfig): Promise<void> {
    const key = casefold(b.name);
    if (this.stopping || this.dialing.has(key) || this.engine.net.serversByName.has(key) || !b.outgoing) return;
    const deny = deniedBy(this.config.denyLink, this.engine.net, b.name, b.outgoing.autoconnect);
    if (deny) {
      this.log.info({ event: 'LINK_DENIED', peer: b.name, linkBlock: b.name, reason: `Disallowed by connection rule: ${deny.reason ?? deny.rule}` }, `not connecting to ${b.name}: deny link rule`);
      this.scheduleReconnect(b);
      return;
    }
    this.dialing.add(key);
    const o = b.outgoing;
    try {
      let socket: net.Socket | tls.TLSSocket;
      if (o.tls) {
        const ca = b.verify.ca !== undefined ? this.files.cas.get(b.verify.ca) : undefined;
        if (b.verify.ca !== undefined && ca === undefined) throw new Error(`verify::ca file ${b.verify.ca} was not loaded`);
        socket = await connectLink({ host: o.hostname, port: o.port, localAddress: o.bindIp, keyPem: this.keyPem, certPem: this.certPem, minVersion: this.config.set.tls.minVersion, policy: { certfp: b.verify.certfp, spkifp: b.verify.spkifp, ca, expectedName: b.name } }, this.config.set.serverLinking.connectTimeout * 1000);
      } else {
        socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ host: o.hostname, port: o.port, localAddress: o.bindIp }, () => resolve(s));
          s.once('error', reject);
          s.setTimeout(this.config.set.serverLinking.connectTimeout * 1000, () => s.destroy(new Error('Connection timeout')));
        });
        socket.setTimeout(0);
      }
      socket.on('error', () => {});
      const id = `out#${++this.seq}:${b.name}`;
      const st = this.attach(id, socket, o.hostname, o.tls, isLoopback(o.hostname), b);
      this.syncingOut.add(id);
      st.peerName = b.name;
      const targets = this.captureTargets(b, id, 'out', o.hostname);
      if (targets.length) this.setCapture(st, new LinkCapture(this.captureOptions(), targets));
      if (o.tls) st.peerCert = peerCertificateOf(socket as tls.TLSSocket);
      if (b.hmacSecretFile) this.newHmac(st, b, 'client');
      const sendPassword = sendPasswordFor(b, this.linkFiles());
      if (sendPassword === null) throw new Error(`password-file ${b.passwordFile} was not loaded`);
      this.engine.linkUp(id, 'out', o.hostname, { sendPassword, hub: b.hub, leaf: b.leaf, leafDepth: b.leafDepth }, b.name);
      this.pump();
    } catch (err) {
      this.log.warn({ event: 'LINK_CONNECT_FAILED', peer: b.name, reason: (err as Error).message }, `connect to ${b.name} failed: ${(err as Error).message}`);
      this.scheduleReconnect(b);
    } finally {
      this.dialing.delete(key);
    }
  }

  // ------------------------------------------------------------ rehash / stop
  /**
   * Apply a new, already validated configuration. Everything is either applied or refused with a
   * reason: a changed me { name; sid; } refuses the whole reload (a server cannot rename itself on
   * a live network), as does a secret, CA, key or certificate that cannot be read. Otherwise the
   * key and certificate are read again (new connections use them), listeners are opened and
   * closed to match, links are re-checked against their blocks (dropped if they no longer pass),
   * new autoconnect blocks are dialled. Returns (and logs) what changed.
   */
  async rehash(next: TslinkConfig): Promise<RehashResult> {
    const old = this.config;
    const refuse = (reason: string): RehashResult => {
      this.log.error({ event: 'REHASH_FAILED', reason }, `rehash failed: ${reason}; keeping the running configuration`);
      return { ok: false, reason, changes: [] };
    };
    if (casefold(next.me.name) !== casefold(old.me.name)) return refuse(`me::name cannot change while running (${old.me.name} → ${next.me.name}): restart the node`);
    if (next.me.sid !== old.me.sid) return refuse(`me::sid cannot change while running (${old.me.sid} → ${next.me.sid}): restart the node`);
    // Secret files are read again (they may have been rotated); if one cannot be read, keep running as before.
    let files: LoadedFiles;
    let tlsFiles: { keyPem: string; certPem: string };
    try {
      files = await this.readLinkFiles(next);
      tlsFiles = await this.readTls(next, false);
    } catch (err) {
      return refuse((err as Error).message);
    }
    const changes: string[] = [];
    if (next.me.info !== old.me.info) changes.push('me::info changed (sent on new links)');
    if (tlsFiles.certPem !== this.certPem || tlsFiles.keyPem !== this.keyPem) {
      this.certPem = tlsFiles.certPem;
      this.keyPem = tlsFiles.keyPem;
      this.tlsGeneration++;
      changes.push(`certificate reloaded (certfp ${certFingerprint(this.certPem)}, spkifp ${spkiFingerprint(this.certPem)})`);
    }
    if (next.set.tls.minVersion !== old.set.tls.minVersion) { this.tlsGeneration++; changes.push(`set::tls::min-version ${next.set.tls.minVersion}`); }
    // New captures redact the new secrets and the old ones (a link may still use a rotated secret).
    const captureSecrets = [...new Set([...this.captureSecrets, ...(await captureSecretsFromConfig(next))])];
    this.config = next;
    this.files = files;
    this.captureSecrets = captureSecrets;
    const flood = (c: TslinkConfig) => `${c.set.antiFlood.connectFlood.count}:${c.set.antiFlood.connectFlood.periodSeconds}`;
    if (flood(old) !== flood(next)) { this.throttle = connectThrottleFor(next); changes.push(`connect-flood ${flood(next)}`); }
    this.slots.setLimits(next.set.handshakeLimits);
    for (const b of next.links) if (!findLink(old, b.name)) changes.push(`link ${b.name} added`);
    for (const b of old.links) if (!findLink(next, b.name)) changes.push(`link ${b.name} removed`);
    changes.push(...await this.reconcileListeners(next));
    // The client ports too (clientListener.ts reconcile()): clients on a closed port stay.
    if (this.clientSide || next.listen.some((l) => l.clientsOnly)) changes.push(...await (await this.clientPorts()).reconcile(next.listen));
    changes.push(...(this.rpc ? await this.rpc.reload() : await this.startRpc()));
    changes.push(...(await this.metrics?.reload() ?? []));
    changes.push(...(await this.opts.logOutput?.reload(next) ?? []));
    this.recheckLinks();
    this.pump();
    if (this.sequential) this.scheduleAutoconnect();
    else for (const b of next.links) if (b.outgoing?.autoconnect && !findLink(old, b.name)) this.connectSoon(b, 0);
    this.log.info({ event: 'REHASH', links: next.links.length, changes }, `configuration reloaded${changes.length ? `: ${changes.join('; ')}` : ' (no changes)'}`);
    return { ok: true, changes };
  }

  /** Open the listen blocks a reload added, close the ones it removed; returns what it did. */
  private async reconcileListeners(next: TslinkConfig): Promise<string[]> {
    const out: string[] = [];
    const wanted = new Map(next.listen.filter((l) => !l.clientsOnly && !l.rpc && !l.metrics).map((l) => [listenKey(l), l]));
    for (const [key, entry] of [...this.listeners]) {
      if (wanted.has(key)) continue;
      this.listeners.delete(key);
      entry.server.close();
      if (entry.port) this.ports.splice(this.ports.indexOf(entry.port), 1);
      out.push(`listener ${key} closed`);
    }
    for (const [key, l] of wanted) {
      if (this.listeners.has(key)) continue;
      try {
        await this.listen(l);
        out.push(`listener ${key} opened`);
      } catch (err) {
        this.log.error({ event: 'LISTEN_FAILED', listen: key, reason: (err as Error).message }, `could not open listener ${key}: ${(err as Error).message}`);
        out.push(`listener ${key} FAILED: ${(err as Error).message}`);
      }
    }
    return out;
  }

  /**
   * After a rehash, every link that got past its authorization (and every outgoing one) is checked
   * again against its link block as now configured; one that would not be let in now is dropped.
   */
  private recheckLinks(): void {
    for (const l of [...this.engine.links.values()]) {
      if (l.phase === 'closed') continue;
      const st = this.conns.get(l.id);
      const name = l.server?.name ?? l.eauthName ?? st?.block?.name;
      if (!st || !name || (l.phase === 'handshake' && !l.authorized && !st.block)) continue;
      const block = findLink(this.config, name);
      if (!block) { this.engine.exitLink(l, 'Link block removed (rehash)'); continue; }
      if (st.block) st.block = block;
      const why = this.revokedBecause(l, st, name, block);
      if (!why) continue;
      this.log.warn({ event: 'LINK_REVOKED', link: l.id, peer: name, linkBlock: block.name, reason: why }, `${name}: no longer authorized after the rehash (${why}); dropping the link`);
      this.engine.exitLink(l, `Link no longer authorized (rehash): ${why}`);
    }
  }

  /** Why an established link would not pass its (new) link block now, or null. */
  private revokedBecause(l: Link, st: ConnState, name: string, block: LinkConfig): string | null {
    const who = checkLinkIdentity(this.config, { name, direction: l.direction, address: l.address }, this.connFacts(st), this.linkFiles());
    if (!who.ok) return who.reason;
    // The peer's password is not kept: a changed hash cannot be checked against it, so it revokes.
    if (block.passwordHash !== undefined && (l.authorized || l.phase === 'linked') && block.passwordHash !== st.auth?.passwordHash) return 'link password changed';
    if (block.hmacSecretFile) {
      const secret = this.files.hmac.get(block.hmacSecretFile);
      if (st.hmacSecret) { if (!secret || !secret.equals(st.hmacSecret)) return 'HMAC secret changed'; }
      else if (block.requireHmac) return 'HMAC authentication now required';
    } else if (block.requireHmac) return 'HMAC authentication now required';
    if (block.requireHmac && l.phase === 'linked' && st.hmac?.status() !== 'verified') return 'HMAC authentication now required';
    return null;
  }

  async stop(reason = 'Server shutting down'): Promise<void> {
    this.stopping = true;
    this.memoryRelief.stop();
    await this.rpc?.stop().catch(() => {});
    await this.metrics?.stop().catch(() => {});
    for (const t of this.timers) clearTimeout(t);
    if (this.autoTimer) { clearInterval(this.autoTimer); this.autoTimer = null; }
    for (const l of [...this.engine.links.values()]) {
      if (l.phase === 'linked') this.engine.send(l, `:${this.config.me.sid} SQUIT ${this.config.me.name} :${reason}`);
      this.engine.exitLink(l as Link, reason);
    }
    this.pump();
    await this.clientSide?.stop(reason);
    // Stop listening; give the ERROR/SQUIT lines a moment to flush (bounded), then cut whatever is left,
    // including connections still in their TLS handshake (server.close() would wait for them).
    const closed = Promise.all([...this.listeners.values()].map((x) => new Promise<void>((r) => x.server.close(() => r()))));
    const deadline = Date.now() + 1000;
    while (this.openSockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const st of [...this.conns.values()]) st.conn.destroy(reason);
    for (const s of [...this.openSockets, ...this.rawSockets.keys()]) s.destroy();
    this.tlsDeadlines.stop();
    await closed;
    await Promise.all([...this.captureClosing]);
    this.stateWriter?.flush();
    if (this.store) await closeNodeStore(this.store);
    this.log.info({ event: 'NODE_STOPPED', reason }, 'tslink stopped');
  }

  // ------------------------------------------------------------ capture
  private captureOptions(): ConstructorParameters<typeof LinkCapture>[0] {
    return { secrets: this.captureSecrets, log: this.log };
  }

  /** The files one link is recorded to: its block's `capture`, and one file in --capture-dir. */
  private captureTargets(block: LinkConfig | undefined, id: string, dir: 'in' | 'out', address: string): CaptureTarget[] {
    const note = `link ${block?.name ?? '(no link block)'} (${id}, ${dir === 'out' ? 'to' : 'from'} ${address})`;
    const out: CaptureTarget[] = [];
    if (block?.capture) {
      // An appended file: this connection may add what is left of the file's share.
      let size = 0;
      try { size = statSync(block.capture).size; } catch { /* not there yet */ }
      const left = CAPTURE_BYTES_PER_LINK - size;
      if (left > 0) out.push({ path: block.capture, note, maxBytes: Math.min(left, CAPTURE_BYTES_PER_FILE) });
      else this.log.warn({ event: 'CAPTURE_LIMIT', path: block.capture, bytes: size }, `capture ${block.capture} has reached ${CAPTURE_BYTES_PER_LINK} bytes: not recording ${block.name} (move the file away to record again)`);
    }
    if (this.opts.captureDir) {
      const removed = pruneCaptureDir(this.opts.captureDir, captureFilesOf(block?.name ?? null));
      if (removed.length) this.log.info({ event: 'CAPTURE_PRUNED', removed }, `removed ${removed.length} old capture file(s) to stay within the per-link limit`);
      out.push({ path: captureDirPath(this.opts.captureDir, block?.name ?? id), note, maxBytes: CAPTURE_BYTES_PER_FILE });
    }
    return out;
  }

  private setCapture(st: ConnState, cap: LinkCapture): void {
    st.capture = cap;
    st.conn.capture = (dir, line) => cap.record(dir, line);
  }

  /** An incoming connection's link block is known (or known to be missing): open its capture files. */
  private resolveCapture(id: string, st: ConnState, block: LinkConfig | undefined): void {
    const cap = st.capture;
    if (!cap?.buffering) return;
    const targets = this.captureTargets(block, id, 'in', st.conn.address);
    if (targets.length) { cap.open(targets); return; }
    cap.discard();
    st.capture = undefined;
    st.conn.capture = null;
  }

  private closeCapture(id: string, st: ConnState, reason: string): void {
    const cap = st.capture;
    if (!cap) return;
    // Closed before it named itself: only --capture-dir records it (under the connection id).
    if (cap.buffering) this.resolveCapture(id, st, undefined);
    if (!st.capture) return;
    st.capture = undefined;
    const p = cap.close(reason === 'Connection closed' ? 'connection closed by peer' : `connection closed: ${reason}`);
    this.captureClosing.add(p);
    void p.finally(() => this.captureClosing.delete(p));
  }

  /** Every connection the engine knows, for status views (tslink status, JSON-RPC). */
  linkStats(): LinkStatus[] {
    const out: LinkStatus[] = [];
    for (const l of this.engine.links.values()) {
      const st = this.conns.get(l.id);
      const t = this.connTimes.get(l.id);
      out.push({
        id: l.id, name: l.name, sid: l.server?.sid ?? l.peerSid, direction: l.direction, address: st?.conn.address ?? l.address, phase: l.phase,
        connectedAt: t?.connectedAt, syncedAt: t?.syncedAt, sendq: st?.conn.socket.writableLength, sendqMax: st?.conn.sendQLimit,
      });
    }
    return out;
  }

  /** What a link received until its peer's end of burst, once it has finished it (for src/metrics). */
  burstOf(id: string): BurstFigures | undefined { return this.connTimes.get(id)?.burst; }

  digest(): string { return stateDigest(this.engine.net, this.engine.tkl, this.engine.now()); }
}
