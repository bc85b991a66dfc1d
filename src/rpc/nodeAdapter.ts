// The RPC on a TslinkNode: RpcNode implemented with the node's engine and operations, and
// RpcService, which opens the `listen { ...; options { rpc; } }` listeners of the node's
// configuration (a unix socket per `file`, HTTPS per ip/port) and closes them.
//
//   const rpc = new RpcService(node, { loadConfig: () => loadConfigFile(file) });
//   await rpc.start();   // after node.start()
//   ...
//   await rpc.stop();    // before node.stop()
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import pino from 'pino';
import type { ConfigResult, ListenConfig, TslinkConfig } from '../config/index.ts';
import type { TslinkNode } from '../runtime/node.ts';
import { findLink } from '../runtime/authorize.ts';
import { deniedBy } from '../runtime/denyLink.ts';
import { PROTOCOL } from '../s2s/engine.ts';
import { SOFTWARE } from '../s2s/protoctl.ts';
import { DEFAULT_USERMODES } from '../s2s/chanmodes.ts';
import type { AuditEntry, LinkStatus, LogEvent, RehashOutcome, RpcNode } from './api.ts';
import { RpcAuthenticator } from './auth.ts';
import { Dispatcher } from './dispatcher.ts';
import { HttpsRpcListener } from './https.ts';
import { logEventFromRecord } from './logEvents.ts';
import { allMethods } from './methods/index.ts';
import type { MethodSpec } from './methods/types.ts';
import type { MeFacts } from './objects.ts';
import { DEFAULT_TRANSPORT_LIMITS, UnixRpcListener, type TransportLimits } from './unixSocket.ts';

/** The data directory of a configuration (as the node uses it). */
export function dataDirOf(config: TslinkConfig): string {
  return resolve(config.set.dataDirectory ?? '.tslink-data');
}

/** Where an rpc unix socket is: a relative `file` is in the data directory (UnrealIRCd's rule). */
export function rpcSocketPath(listen: Pick<ListenConfig, 'file'>, dataDir: string): string {
  const f = listen.file ?? 'rpc.socket';
  return isAbsolute(f) ? f : join(dataDir, f);
}

/** The rpc listeners of a configuration. */
export function rpcListeners(config: TslinkConfig): ListenConfig[] {
  return config.listen.filter((l) => l.rpc);
}

/** The file the audit log is appended to: DATA/rpc-audit.log (mode 0600). */
export function auditLogPath(config: TslinkConfig): string {
  return join(dataDirOf(config), 'rpc-audit.log');
}

interface StreamLike { write(chunk: string): unknown }
type LinkStatsSource = { linkStats?: () => LinkStatus[] };

/** RpcNode over a TslinkNode. */
export class TslinkRpcNode implements RpcNode {
  readonly startedAt = Date.now();
  private readonly listeners = new Set<(e: LogEvent) => void>();
  private untap: (() => void) | null = null;
  private readonly synced = new Map<string, number>();
  private rehashChain: Promise<unknown> = Promise.resolve();
  /** Called after a rehash that was applied (RpcService opens and closes its listeners). */
  onRehashed: (() => Promise<unknown>) | null = null;

  constructor(
    readonly node: TslinkNode,
    private readonly methods: () => MethodSpec[],
    private readonly loadConfig?: () => ConfigResult | Promise<ConfigResult>,
  ) {
    this.tapLog();
  }

  get engine(): RpcNode['engine'] { return this.node.engine; }

  meFacts(): MeFacts {
    const e = this.node.engine;
    const modules = new Map<string, string>();
    for (const m of this.methods()) if (m.module.startsWith('rpc/')) modules.set(m.module.slice(4), m.version);
    return {
      sid: e.me.sid, software: SOFTWARE, protocol: PROTOCOL, bootTime: e.bootTime, usermodes: DEFAULT_USERMODES,
      chanmodes: e.localChanmodes.spec.split(','), rpcModules: [...modules].map(([name, version]) => ({ name, version })),
    };
  }

  local(line: string): void {
    this.node.engine.local(line);
    this.node.pump();
  }

  persisted(): Promise<void> { return this.node.persisted(); }

  linkBlock(name: string): { name: string; outgoing: boolean } | undefined {
    const b = findLink(this.node.config, name);
    return b ? { name: b.name, outgoing: !!b.outgoing } : undefined;
  }

  denyLinkReason(name: string): string | null {
    const d = deniedBy(this.node.config.denyLink, this.node.engine.net, name, false);
    return d ? d.reason ?? d.rule : null;
  }

  connect(blockName: string): void {
    const b = findLink(this.node.config, blockName);
    if (b) void this.node.connect(b);
  }

  rehash(): Promise<RehashOutcome> {
    const run = this.rehashChain.then(() => this.rehashNow());
    this.rehashChain = run.catch(() => undefined);
    return run;
  }

  private async rehashNow(): Promise<RehashOutcome> {
    const log: LogEvent[] = [];
    const stop = this.subscribeLog((e) => { if (log.length < 500) log.push(e); });
    try {
      if (!this.loadConfig) {
        this.node.log.error({ event: 'REHASH_FAILED', reason: 'no configuration file to reload' }, 'rehash refused: the node runs without a configuration file (--config)');
        return { success: false, log };
      }
      this.node.log.info({ event: 'CONFIG_RELOAD' }, 'rehashing the configuration (requested over RPC)');
      let res: ConfigResult;
      try { res = await this.loadConfig(); } catch (err) { res = { errors: [{ file: '', line: 0, message: (err as Error).message, text: (err as Error).message }], warnings: [] }; }
      for (const w of res.warnings) this.node.log.warn({ event: 'CONFIG_WARNING', where: `${w.file}:${w.line}` }, w.text);
      if (res.errors.length || !res.config) {
        for (const e of res.errors) this.node.log.error({ event: 'CONFIG_ERROR', where: `${e.file}:${e.line}` }, e.text);
        this.node.log.error({ event: 'REHASH_FAILED', reason: 'configuration errors' }, 'rehash refused: the configuration has errors; keeping the running one');
        return { success: false, log };
      }
      const next = res.config;
      if (!next.set.dataDirectory) next.set.dataDirectory = this.node.config.set.dataDirectory;
      const result: unknown = await this.node.rehash(next);
      let ok = result && typeof result === 'object' && 'ok' in result ? (result as { ok: boolean }).ok : true;
      if (ok && this.onRehashed) await this.onRehashed();
      await new Promise((r) => setImmediate(r));
      ok = ok && !log.some((e) => e.event_id === 'REHASH_FAILED');
      return { success: ok, log };
    } finally {
      stop();
    }
  }

  subscribeLog(fn: (e: LogEvent) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  /**
   * Every record the node's logger writes (its pino destination stream, wrapped) becomes a log
   * event for the subscribers. Nothing is parsed while nobody listens.
   */
  private tapLog(): void {
    const log = this.node.log as unknown as Record<symbol, StreamLike | undefined>;
    const stream = log[pino.symbols.streamSym];
    if (!stream || typeof stream.write !== 'function') return;
    const write = stream.write;
    const self = this;
    stream.write = function (this: StreamLike, chunk: string) {
      const r = write.call(this, chunk);
      try { self.onRecord(chunk); } catch { /* a listener's fault must not stop logging */ }
      return r;
    };
    this.untap = () => { stream.write = write; };
  }

  private onRecord(chunk: string): void {
    const text = String(chunk);
    const wantSync = text.includes('"LINK_SYNCED"');
    if (this.listeners.size === 0 && !wantSync) return;
    for (const line of text.split('\n')) {
      if (!line) continue;
      let rec: Record<string, unknown>;
      try { rec = JSON.parse(line) as Record<string, unknown>; } catch { continue; }
      if (rec.event === 'LINK_SYNCED' && typeof rec.link === 'string') {
        if (this.synced.size > 4096) this.synced.clear();
        this.synced.set(rec.link, typeof rec.time === 'number' ? rec.time : Date.now());
      }
      if (this.listeners.size === 0) continue;
      const ev = logEventFromRecord(rec, this.node.config.me.name);
      if (ev) for (const fn of [...this.listeners]) fn(ev);
    }
  }

  audit(entry: AuditEntry): void {
    const fields = { event: 'RPC_CALL', rpcUser: entry.user, client: entry.caller, issuer: entry.issuer, transport: entry.transport, remote: entry.remote, method: entry.method, params: entry.params, result: entry.result, code: entry.code, reason: entry.message };
    const text = `[rpc] ${entry.method} by ${entry.caller}${entry.issuer ? ` (${entry.issuer})` : ''} from ${entry.remote}: ${entry.result === 'ok' ? 'done' : `refused: ${entry.message}`}`;
    if (entry.result === 'ok') this.node.log.info(fields, text); else this.node.log.warn(fields, text);
    try {
      appendFileSync(auditLogPath(this.node.config), JSON.stringify(entry) + '\n', { mode: 0o600 });
    } catch (err) {
      this.node.log.error({ event: 'RPC_AUDIT_FAILED', reason: (err as Error).message }, `could not write the RPC audit log: ${(err as Error).message}`);
    }
  }

  links(): LinkStatus[] {
    const own = (this.node as unknown as LinkStatsSource).linkStats;
    if (typeof own === 'function') return own.call(this.node);
    return [...this.node.engine.links.values()].map((l) => ({
      id: l.id, name: l.name, sid: l.server?.sid ?? null, direction: l.direction, address: l.address, phase: l.phase,
      syncedAt: this.synced.get(l.id),
    }));
  }

  storeStatus(): ReturnType<TslinkNode['storeStatus']> { return this.node.storeStatus(); }

  close(): void {
    this.untap?.();
    this.untap = null;
    this.listeners.clear();
  }
}

export interface RpcServiceOptions {
  /** Reloads the configuration for server.rehash (the node's --config file); without it a rehash is refused. */
  loadConfig?: () => ConfigResult | Promise<ConfigResult>;
  /** The node's certificate, for HTTPS listeners without tls-options (else DATA/tls/server.{key,crt}). */
  tls?: { keyPem: string; certPem: string };
  limits?: TransportLimits;
  /** The rpc listen blocks to open (default: those of the node's configuration). */
  listeners?: ListenConfig[];
}

export class RpcService {
  readonly rpcNode: TslinkRpcNode;
  readonly dispatcher: Dispatcher;
  private readonly auth = new RpcAuthenticator();
  private unix: UnixRpcListener[] = [];
  private https: HttpsRpcListener[] = [];
  private readonly methods: MethodSpec[];

  constructor(readonly node: TslinkNode, private readonly opts: RpcServiceOptions = {}) {
    this.methods = allMethods();
    this.rpcNode = new TslinkRpcNode(node, () => this.methods, opts.loadConfig);
    this.rpcNode.onRehashed = () => this.reload();
    this.dispatcher = new Dispatcher(this.rpcNode, this.methods);
  }

  /** A key per listener: its socket path, or ip:port. */
  private keyOf(l: ListenConfig): string {
    return l.file !== undefined ? `file ${rpcSocketPath(l, dataDirOf(this.node.config))}` : `${l.ip ?? '127.0.0.1'}:${l.port ?? 0}`;
  }

  /**
   * After a rehash: open the rpc listen blocks the configuration added, close the ones it
   * removed (rpc-users are read at each login, so they need nothing). Returns what it did.
   */
  async reload(): Promise<string[]> {
    if (this.opts.listeners || !this.started) return [];
    const wanted = new Map(rpcListeners(this.node.config).map((l) => [this.keyOf(l), l]));
    const changes: string[] = [];
    for (const [key, entry] of [...this.open]) {
      if (wanted.has(key)) continue;
      this.open.delete(key);
      await entry.stop();
      this.unix = this.unix.filter((u) => u !== entry);
      this.https = this.https.filter((h) => h !== entry);
      changes.push(`rpc listener ${key} closed`);
    }
    for (const [key, l] of wanted) {
      if (this.open.has(key)) continue;
      try {
        await this.openListener(l, key);
        changes.push(`rpc listener ${key} opened`);
      } catch (err) {
        this.node.log.error({ event: 'RPC_LISTEN_FAILED', listen: key, reason: (err as Error).message }, `could not open rpc listener ${key}: ${(err as Error).message}`);
        changes.push(`rpc listener ${key} FAILED: ${(err as Error).message}`);
      }
    }
    if (changes.length) this.node.log.info({ event: 'RPC_RELOADED', changes }, `rpc listeners: ${changes.join('; ')}`);
    return changes;
  }

  /** Paths of the open unix sockets, and addresses of the HTTPS listeners. */
  get sockets(): string[] { return this.unix.map((u) => u.path); }
  get addresses(): { host: string; port: number }[] { return this.https.flatMap((h) => (h.address ? [h.address] : [])); }

  private started = false;
  private readonly open = new Map<string, UnixRpcListener | HttpsRpcListener>();

  async start(): Promise<void> {
    try {
      for (const l of this.opts.listeners ?? rpcListeners(this.node.config)) await this.openListener(l, this.keyOf(l));
      this.started = true;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async openListener(l: ListenConfig, key: string): Promise<void> {
    const config = this.node.config;
    const dataDir = dataDirOf(config);
    const limits = this.opts.limits ?? DEFAULT_TRANSPORT_LIMITS;
    if (l.file !== undefined) {
      const u = new UnixRpcListener(rpcSocketPath(l, dataDir), this.dispatcher, config.me.sid, limits);
      await u.start();
      this.unix.push(u);
      this.open.set(key, u);
      this.node.log.info({ event: 'RPC_LISTENING', file: u.path }, `JSON-RPC on unix socket ${u.path}`);
      return;
    }
    const { keyPem, certPem } = this.certificate(l, dataDir);
    const h = new HttpsRpcListener({
      host: l.ip ?? '127.0.0.1', port: l.port ?? 0, keyPem, certPem, minVersion: config.set.tls.minVersion,
      users: () => this.node.config.rpcUsers, auth: this.auth, dispatcher: this.dispatcher, sid: config.me.sid, limits,
      onRefused: (f) => this.node.log.warn({ event: 'RPC_AUTH_FAILED', address: f.address, rpcUser: f.user, reason: f.reason }, `RPC login refused from ${f.address}: ${f.reason}`),
    });
    await h.start();
    this.https.push(h);
    this.open.set(key, h);
    this.node.log.info({ event: 'RPC_LISTENING', ip: h.address?.host, port: h.address?.port }, `JSON-RPC on https://${h.address?.host}:${h.address?.port}/api`);
  }

  private certificate(l: ListenConfig, dataDir: string): { keyPem: string; certPem: string } {
    if (l.tlsOptions?.certificate && l.tlsOptions.key) return { certPem: readFileSync(l.tlsOptions.certificate, 'utf8'), keyPem: readFileSync(l.tlsOptions.key, 'utf8') };
    if (this.opts.tls) return this.opts.tls;
    const key = join(dataDir, 'tls', 'server.key'), cert = join(dataDir, 'tls', 'server.crt');
    if (existsSync(key) && existsSync(cert)) return { keyPem: readFileSync(key, 'utf8'), certPem: readFileSync(cert, 'utf8') };
    throw new Error(`rpc listener ${l.ip}:${l.port}: no certificate (give it tls-options { certificate; key; })`);
  }

  async stop(): Promise<void> {
    const all = [...this.unix, ...this.https];
    this.unix = [];
    this.https = [];
    this.open.clear();
    this.started = false;
    await Promise.all(all.map((l) => l.stop().catch(() => {})));
    this.rpcNode.close();
  }
}
