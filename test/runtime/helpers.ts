/**
 * Helpers for the runtime tests: temp dirs, certificates and secret files,
 * config text, nodes with captured logs, a scripted raw TLS peer, bounded waits.
 * Everything is loopback-only and cleaned up by the caller (`Harness.cleanup`).
 */
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { parseConfigText } from '../../src/config/index.ts';
import type { ConfigResult, TslinkConfig } from '../../src/config/index.ts';
import { TslinkNode } from '../../src/runtime/node.ts';
import type { Store } from '../../src/store/types.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { certFingerprint, generateSelfSigned, spkiFingerprint } from '../../src/link/certs.ts';

export const LOOP = '127.0.0.1';

/** Poll `pred` every `every` ms until true; throws after `ms` with `what`. */
export async function waitFor(pred: () => boolean, ms: number, what: string, every = 20): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (pred()) return;
    if (Date.now() > end) throw new Error(`timeout after ${ms} ms: ${what}`);
    await sleep(every);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free TCP port on loopback (listen on 0, read it, close). */
export function freePort(host = LOOP): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

export interface Identity {
  name: string;
  keyPem: string;
  certPem: string;
  keyPath: string;
  certPath: string;
  certfp: string;
  spkifp: string;
}

/** Pino destination that keeps every record parsed. */
export class LogSink extends Writable {
  readonly records: Record<string, unknown>[] = [];
  private buf = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.buf += chunk.toString();
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line.trim()) { try { this.records.push(JSON.parse(line)); } catch { /* not JSON */ } }
    }
    cb();
  }
  find(pred: (r: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    return this.records.find(pred);
  }
  events(event: string): Record<string, unknown>[] {
    return this.records.filter((r) => r.event === event);
  }
  /** A record with this event whose reason (or msg) contains `text`. */
  has(event: string, text: string | RegExp): boolean {
    return this.records.some((r) => r.event === event && matches(String(r.reason ?? ''), text));
  }
  dump(): string {
    return this.records.map((r) => `${r.event ?? ''} ${r.reason ?? ''} ${r.msg ?? ''}`).join('\n');
  }
}

function matches(s: string, t: string | RegExp): boolean {
  return typeof t === 'string' ? s.includes(t) : t.test(s);
}

export interface LinkSpec {
  /** Peer identity (its name and fingerprints). */
  peer: Identity;
  /** Outgoing port (omit for incoming-only). */
  port?: number;
  /** outgoing::bind-ip. */
  bindIp?: string;
  /** incoming masks (default 127.0.0.1 and ::1). */
  incomingMask?: string[];
  autoconnect?: boolean;
  /** Secret file for HMAC (require-hmac yes). */
  secretFile?: string;
  requireHmac?: boolean;
  /** Override pins (default: the peer's real certfp + spkifp). */
  certfp?: string[];
  spkifp?: string[];
  className?: string;
  hub?: boolean;
  /** password "<hash>" (default "*"). */
  passwordHash?: string;
  /** Extra items inside the link block. */
  extra?: string;
}

export interface NodeSpec {
  id: Identity;
  sid: string;
  port: number;
  links: LinkSpec[];
  /** Extra top-level text (classes, ...). */
  extra?: string;
  dataDir: string;
}

export function configText(spec: NodeSpec): string {
  const q = (s: string) => JSON.stringify(s);
  const links = spec.links.map((l) => {
    const certfp = l.certfp ?? [l.peer.certfp];
    const spkifp = l.spkifp ?? [l.peer.spkifp];
    const pins = [...certfp.map((c) => `certfp ${q(c)};`), ...spkifp.map((s) => `spkifp ${q(s)};`)].join(' ');
    return `link ${l.peer.name} {
	incoming { ${(l.incomingMask ?? ['127.0.0.1', '::1']).map((m) => `mask ${m};`).join(' ')} }
${l.port !== undefined ? `	outgoing { hostname 127.0.0.1; port ${l.port}; ${l.bindIp ? `bind-ip ${l.bindIp}; ` : ''}options { tls; ${l.autoconnect ? 'autoconnect;' : ''} } }\n` : ''}	password ${q(l.passwordHash ?? '*')};
	verify { ${pins} }
${l.secretFile ? `	hmac-secret-file ${q(l.secretFile)};\n	require-hmac ${l.requireHmac === false ? 'no' : 'yes'};\n` : ''}	class ${l.className ?? 'servers'};
${l.hub === false ? '' : '	hub *;\n'}${l.extra ?? ''}
}
`;
  }).join('\n');
  return `me { name ${q(spec.id.name)}; info "tslink test node"; sid ${q(spec.sid)}; }
listen {
	ip 127.0.0.1;
	port ${spec.port};
	options { serversonly; tls; }
	tls-options { certificate ${q(spec.id.certPath)}; key ${q(spec.id.keyPath)}; }
}
class servers { pingfreq 90; connfreq 5; maxclients 10; sendq 20M; recvq 64k; }
${spec.extra ?? ''}
${links}
set {
	network-name "TestNet";
	data-directory ${q(spec.dataDir)};
	server-linking { connect-timeout 5s; handshake-timeout 10s; }
}
`;
}

export interface TestNode {
  node: TslinkNode;
  log: LogSink;
  spec: NodeSpec;
  config: TslinkConfig;
  port: number;
}

/** Owns a temp dir and every node/socket started in a test; `cleanup()` stops them. */
export class Harness {
  readonly dir: string;
  private nodes = new Set<TslinkNode>();
  private sockets = new Set<net.Socket>();
  private idCache = new Map<string, Identity>();
  constructor(prefix = 'tslink-rt-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  identity(name: string): Identity {
    const cached = this.idCache.get(name);
    if (cached) return cached;
    const kc = generateSelfSigned({ commonName: name });
    const keyPath = join(this.dir, `${name}.key`), certPath = join(this.dir, `${name}.crt`);
    writeFileSync(keyPath, kc.keyPem, { mode: 0o600 });
    writeFileSync(certPath, kc.certPem);
    const id = { name, keyPem: kc.keyPem, certPem: kc.certPem, keyPath, certPath, certfp: certFingerprint(kc.certPem), spkifp: spkiFingerprint(kc.certPem) };
    this.idCache.set(name, id);
    return id;
  }

  secret(label: string, value = randomBytes(32).toString('base64')): string {
    const p = join(this.dir, `${label}.hmac`);
    writeFileSync(p, value + '\n', { mode: 0o600 });
    chmodSync(p, 0o600);
    return p;
  }

  /** Build (from config TEXT), construct and start a node. */
  async startNode(spec: Omit<NodeSpec, 'dataDir'> & { dataDir?: string }, opts: { start?: boolean; captureDir?: string; loadConfig?: () => ConfigResult; store?: Store } = {}): Promise<TestNode> {
    const full: NodeSpec = { ...spec, dataDir: spec.dataDir ?? join(this.dir, `data-${spec.id.name}`) };
    const text = configText(full);
    const res = parseConfigText(text, `${spec.id.name}.conf`);
    if (!res.config) throw new Error(`config for ${spec.id.name} invalid:\n${res.errors.map((e) => e.text).join('\n')}\n${text}`);
    const log = new LogSink();
    const node = new TslinkNode(res.config, { logger: createLogger({ destination: log, level: 'debug' }), captureDir: opts.captureDir, loadConfig: opts.loadConfig, store: opts.store });
    this.nodes.add(node);
    if (opts.start !== false) await node.start();
    return { node, log, spec: full, config: res.config, port: spec.port };
  }

  async stopNode(n: TestNode | TslinkNode): Promise<void> {
    const node = n instanceof TslinkNode ? n : n.node;
    if (!this.nodes.has(node)) return;
    this.nodes.delete(node);
    await node.stop('test cleanup');
  }

  track<T extends net.Socket>(s: T): T {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    return s;
  }

  async cleanup(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([...this.nodes].map((n) => n.stop('test cleanup').catch(() => {})));
    this.nodes.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Inject some local state on a node (users, a channel, a TKL), then pump. */
export function seed(node: TslinkNode, sid: string, tag: string, users = 3): void {
  const now = Math.floor(Date.now() / 1000);
  const uid = (i: number) => `${sid}${tag.slice(0, 4).toUpperCase().padEnd(4, 'X')}A${String.fromCharCode(65 + i)}`;
  for (let i = 0; i < users; i++) {
    node.engine.local(`:${sid} UID ${tag}${i} 0 ${now - 100 + i} id${i} host${i}.${tag}.test ${uid(i)} 0 +i * * fwAAAQ== :user ${i} of ${tag}`);
  }
  node.engine.local(`:${sid} SJOIN ${now - 50} #${tag} +nt :@${uid(0)} ${uid(1)}`);
  node.engine.local(`:${sid} SJOIN ${now - 40} #shared +nt :${uid(users - 1)}`);
  node.engine.local(`:${node.config.me.name} TKL + G * ${tag}.bad.example oper!o@h ${now + 86400} ${now} :no ${tag}`);
  node.pump();
}

// ---------------------------------------------------------------- scripted raw peer

export class RawPeer {
  readonly lines: string[] = [];
  closed = false;
  closedAt = 0;
  private buf = '';
  private waiters: (() => void)[] = [];
  /** Bytes received. */
  received = 0;
  /** `keep` filters which lines are stored (a sink keeps almost none). */
  constructor(readonly socket: net.Socket, private keep: (line: string) => boolean = () => true) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.received += d.length;
      this.buf += d;
      let start = 0;
      let nl: number;
      while ((nl = this.buf.indexOf('\n', start)) >= 0) {
        const line = this.buf.slice(start, nl).replace(/\r$/, '');
        if (this.keep(line)) this.lines.push(line);
        start = nl + 1;
      }
      this.buf = this.buf.slice(start);
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => { this.closed = true; this.closedAt = Date.now(); this.wake(); });
  }
  private wake(): void { for (const w of this.waiters.splice(0)) w(); }
  send(...lines: string[]): void {
    if (!this.socket.destroyed) this.socket.write(lines.map((l) => l + '\r\n').join(''));
  }
  has(re: RegExp): boolean { return this.lines.some((l) => re.test(l)); }
  async waitLine(re: RegExp, ms: number): Promise<string> {
    await waitFor(() => this.has(re) || this.closed, ms, `line ${re}`);
    const l = this.lines.find((x) => re.test(x));
    if (!l) throw new Error(`connection closed before ${re}; got:\n${this.lines.join('\n')}`);
    return l;
  }
  async waitClosed(ms: number): Promise<void> {
    await waitFor(() => this.closed, ms, 'peer closed');
  }
  destroy(): void { this.socket.destroy(); }
}

/** TLS connect to a node's server port, optionally presenting a certificate. */
export function rawTls(port: number, id?: Identity, ms = 5000, keep?: (line: string) => boolean): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: LOOP, port, rejectUnauthorized: false, key: id?.keyPem, cert: id?.certPem });
    const t = setTimeout(() => { s.destroy(); reject(new Error('raw TLS connect timeout')); }, ms);
    s.once('secureConnect', () => { clearTimeout(t); resolve(new RawPeer(s, keep)); });
    s.once('error', (e) => { clearTimeout(t); reject(e); });
  });
}

export function rawTcp(port: number, ms = 5000): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: LOOP, port });
    const t = setTimeout(() => { s.destroy(); reject(new Error('raw TCP connect timeout')); }, ms);
    s.once('connect', () => { clearTimeout(t); resolve(new RawPeer(s)); });
    s.once('error', (e) => { clearTimeout(t); reject(e); });
  });
}

/** The registration lines of an UnrealIRCd-like peer (no TSLINK tokens). */
export function handshakeLines(name: string, sid: string, opts: { pass?: string; servers?: string } = {}): string[] {
  const now = Math.floor(Date.now() / 1000);
  return [
    `PASS :${opts.pass ?? '*'}`,
    `PROTOCTL EAUTH=${name},6100,Fhn6OoE,UnrealIRCd-6.1.8.1`,
    `PROTOCTL SERVERS=${opts.servers ?? ''}`,
    'PROTOCTL NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS',
    `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ USERMODES=diopqrstwxzBDGHIRSTWZ BOOTED=${now} PREFIX=(qaohv)~&@%+ SID=${sid} MLOCK TS=${now} EXTSWHOIS`,
    'PROTOCTL NICKCHARS= CHANNELCHARS=utf8 BIGLINES',
  ];
}

export function serverLine(name: string, sid: string): string {
  return `SERVER ${name} 1 :U6100-Fhn6OoE-${sid} raw test peer`;
}

export function uidLine(sid: string, nick: string, n: number): string {
  const uid = `${sid}${n.toString(36).toUpperCase().padStart(6, '0')}`;
  const now = Math.floor(Date.now() / 1000);
  return `:${sid} UID ${nick} 0 ${now - 1000} ident host.example ${uid} 0 +i * * fwAAAQ== :real name`;
}

/** Did the node ever learn anything about server `name` / sid? */
export function knowsServer(node: TslinkNode, name: string): boolean {
  return node.engine.net.serversByName.has(name.toLowerCase());
}
export function knowsUsersOf(node: TslinkNode, sid: string): boolean {
  for (const uid of node.engine.net.usersByUid.keys()) if (uid.startsWith(sid)) return true;
  return false;
}
