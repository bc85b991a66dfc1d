// Live replay: play one side of a capture against a running server (tslink or UnrealIRCd) and
// compare what it answers with what the recorded other side answered (fixtures/README.md,
// "Live replay"). The server under test plays the recorded peer ('<' rows); we send the
// recorded own side ('>' rows), rewritten to our configured name/SID/password/clock.
//
// Two checks, per connection of the capture:
//  1. replies: the server's replies (PONG, ERROR, numerics, server-sourced KILL/SQUIT, the link
//     closing) must match the recorded peer's replies, after normalisation (compare.ts);
//  2. effect (when a state probe is available): the server's network state at the point where
//     the link ends must equal the offline replay's state at that point, restricted to the
//     replayed side (stateDump.ts restrictDump), or the whole network with stateScope 'full'.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { encodeLine, parseLine } from '../wire/message.ts';
import { LineReader } from '../wire/lineReader.ts';
import { buildServerTlsOptions, connectLink } from '../link/tlsOptions.ts';
import { verifyPeerCertificate, type PeerPolicy } from '../link/verifyPeer.ts';
import { parseCertFp, parseSpkiFp } from '../link/certs.ts';
import { readCapture, type CaptureRow } from './captureFormat.ts';
import { splitConnections } from './connections.ts';
import { captureAnchor, connectionIdentities, replayConnection, roleDir, rowsForSide } from './offline.ts';
import { CLOSED_MARKER, compareLines, formatDiff, isReply, s2sNormaliser, type CompareResult, type LineItem } from './compare.ts';
import { buildStateDump, diffJson, restrictDump, viewpointFree, type Json, type JsonDifference, type StateDump } from './stateDump.ts';

export interface LiveHooks {
  /**
   * Called before each capture row of a connection is handled (notes included), with a barrier
   * that resolves once the server has processed everything we sent so far (a PING/PONG round
   * trip). Harnesses use it to move the server's clock along the recorded timeline.
   */
  beforeRow?(row: CaptureRow, ctx: { barrier: () => Promise<void>; connection: number }): void | Promise<void>;
  /**
   * Seeded mode: the recorded peer's own burst (the lines between its SERVER and its EOS,
   * handshake lines left out), handed over before we connect, so the server under test can
   * start from the recorded peer's network.
   */
  seedPeer?(lines: string[], connection: number): void | Promise<void>;
  /**
   * Seeded mode: a line the recorded peer sent on its own after its burst (its users' and
   * operators' traffic, not a reply), at its recorded position. Without this hook those lines
   * are skipped: a live server cannot be made to produce them.
   */
  injectPeerLine?(line: string, row: CaptureRow): void | Promise<void>;
  /** The server's current state (for the effect check); called after a barrier at the probe point. */
  probeState?(): StateDump | Promise<StateDump>;
}

export interface LiveOptions {
  /** The capture file's bytes. */
  capture: Buffer;
  /** connect: we dial host:port. listen: we accept on host:port and the server dials us. */
  mode: 'connect' | 'listen';
  host: string;
  port: number;
  /** Plaintext instead of TLS (loopback addresses only). */
  plaintext?: boolean;
  /** Our certificate (PEM) and how the server's certificate is pinned (certfp or spkifp strings). */
  keyPem?: string;
  certPem?: string;
  pin?: string[];
  /** The role the server under test plays ('hub' = the accepting side, 'leaf' = the side that sent SERVER first). Default: the recorder's peer. */
  as?: 'hub' | 'leaf';
  /** Our server name / SID / link password instead of the recorded ones. */
  name?: string;
  sid?: string;
  password?: string;
  /** Shift every timestamp so the capture's first TS becomes this unix time. */
  now?: number;
  /** No pacing: send as fast as the server reads (default: the recorded gaps). */
  fast?: boolean;
  /** What is compared on the line level (default 'replies'). */
  compare?: 'replies' | 'all';
  /** State comparison: the replayed side only (default) or the whole network (seeded harnesses). */
  stateScope?: 'side' | 'full';
  /** Bound for every wait on the server (EAUTH, EOS, PONG, connect), ms (default 10 000). */
  timeoutMs?: number;
  /** After our last line: how long to wait for the server's last replies / closing the link, ms (default 1 000). */
  lingerMs?: number;
  /** Replay only connections that start at or after this capture line (default: all). */
  fromLine?: number;
  hooks?: LiveHooks;
  onProgress?: (sent: number, total: number) => void;
}

export interface LiveConnectionReport {
  index: number;
  firstLine: number;
  /** Lines we sent / received. */
  sent: number;
  received: number;
  /** Own rows not sent because the server had closed the link. */
  unsent: number;
  lines: CompareResult;
  state?: { differences: JsonDifference[]; probeLine: number | null };
  problems: string[];
  ok: boolean;
  /** The identities used (recorded → live). */
  names: { recorded: { self: string; peer: string }; live: { self: string; peer: string } };
}

export interface LiveReport { ok: boolean; connections: LiveConnectionReport[] }

const HANDSHAKE = new Set(['PASS', 'PROTOCTL', 'SERVER']);
const SEED_SKIP = new Set(['PASS', 'PROTOCTL', 'SERVER', 'EOS', 'NETINFO', 'SMOD', 'SLOG', 'PING', 'PONG', 'ERROR']);

/** The pins for the server certificate: certfp (hex) or spkifp (base64) strings. */
export function pinPolicy(pins: string[]): PeerPolicy {
  const certfp: string[] = [], spkifp: string[] = [];
  for (const p of pins) {
    if (parseCertFp(p)) certfp.push(p);
    else if (parseSpkiFp(p)) spkifp.push(p);
    else throw new Error(`--pin ${p}: neither a certfp (64 hex digits) nor an spkifp (base64 of 32 bytes)`);
  }
  return { certfp, spkifp };
}

export function isLoopbackHost(h: string): boolean {
  const a = h.replace(/^\[|\]$/g, '').replace(/^::ffff:/i, '');
  return a === 'localhost' || a === '::1' || /^127\./.test(a);
}

// ------------------------------------------------------------------ rewriting our lines

export interface RewriteMap {
  from: { selfName: string; selfSid: string; peerName: string; peerSid: string };
  to: { selfName: string; selfSid: string; peerName: string; peerSid: string };
  password?: string;
  /** Seconds added to every timestamp-like number (10 digits, within 400 days of `tsAnchor`). */
  tsShift?: number;
  tsAnchor?: number;
}

const TS_WINDOW = 400 * 86400;

/** Rewrite one of our lines: names, SIDs (and UID prefixes), the PASS argument, timestamps. */
export function rewriteLine(line: string, map: RewriteMap): string {
  let out = line;
  const f = map.from, t = map.to;
  const pairs: [string, string][] = [];
  if (f.selfName && t.selfName && f.selfName !== t.selfName) pairs.push([f.selfName, t.selfName]);
  if (f.peerName && t.peerName && f.peerName !== t.peerName) pairs.push([f.peerName, t.peerName]);
  if (pairs.length) {
    const byLower = new Map(pairs.map(([a, b]) => [a.toLowerCase(), b]));
    const re = new RegExp(`(?<![A-Za-z0-9._-])(${pairs.map(([a]) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`, 'gi');
    out = out.replace(re, (w) => byLower.get(w.toLowerCase()) ?? w);
  }
  const sids: [string, string][] = [];
  if (f.selfSid && t.selfSid && f.selfSid !== t.selfSid) sids.push([f.selfSid, t.selfSid]);
  if (f.peerSid && t.peerSid && f.peerSid !== t.peerSid) sids.push([f.peerSid, t.peerSid]);
  if (sids.length) {
    const bySid = new Map(sids);
    const re = new RegExp(`(?<![A-Za-z0-9])(${sids.map(([a]) => a).join('|')})(?=[A-Z0-9]{6}(?![A-Za-z0-9])|(?![A-Za-z0-9]))`, 'g');
    out = out.replace(re, (w) => bySid.get(w) ?? w);
  }
  if (map.password !== undefined) {
    const m = /^((?:@\S+ +)?(?::\S+ +)?)PASS +/i.exec(out);
    if (m) out = `${m[1]}PASS :${map.password}`;
  }
  if (map.tsShift && map.tsAnchor) {
    const lo = map.tsAnchor - TS_WINDOW, hi = map.tsAnchor + TS_WINDOW, d = map.tsShift;
    out = out.replace(/(?<![0-9])[0-9]{10}(?![0-9])/g, (n) => { const v = Number(n); return v >= lo && v <= hi ? String(v + d) : n; });
  }
  return out;
}

/** Shift the time fields of a dump (for --now comparisons). */
function shiftDumpTimes(v: Json, d: number): Json {
  const KEYS = new Set(['creation_time', 'topic_set_at', 'set_at', 'expire_at', 'nick_ts', 'boot_time']);
  if (Array.isArray(v)) return v.map((x) => shiftDumpTimes(x, d));
  if (v && typeof v === 'object') {
    const o: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) {
      if (KEYS.has(k) && typeof x === 'number' && x > 1_000_000_000) o[k] = x + d;
      else if (k === 'creationtime' && typeof x === 'string' && /^[0-9]{10}$/.test(x)) o[k] = String(Number(x) + d);
      else o[k] = shiftDumpTimes(x, d);
    }
    return o;
  }
  return v;
}

/** Rename our side in an expected dump (names and UID prefixes). */
function renameDump(v: Json, map: RewriteMap): Json {
  const f = map.from, t = map.to;
  if (f.selfName === t.selfName && f.selfSid === t.selfSid) return v;
  const text = JSON.stringify(v);
  // Only whole JSON string values and whole words inside them are touched.
  return JSON.parse(rewriteLine(text, { from: { ...f, peerName: '', peerSid: '' }, to: { ...t, peerName: '', peerSid: '' } }));
}

// ------------------------------------------------------------------ one connection

class Session {
  readonly received: LineItem[] = [];
  /** Indexes (1-based refs) of received lines that are our own barrier PONGs. */
  readonly internal = new Set<number>();
  readonly problems: string[] = [];
  sent = 0;
  closed = false;
  weClosed = false;
  peerClosed = false;
  live = { peerName: '', peerSid: '' };
  eauthSeen = false;
  serverSeen = false;
  eosSeen = false;
  private pings: ('probe' | 'sync')[] = [];
  private syncWaiters: (() => void)[] = [];
  private waiters: (() => void)[] = [];
  private readonly reader = new LineReader(1 << 20);

  constructor(private socket: net.Socket | tls.TLSSocket, private self: { name: string; sid: string }) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => { for (const l of this.reader.push(chunk)) this.onLine(l); });
    socket.on('error', (err) => { if (!this.closed) this.problems.push(`socket error: ${err.message}`); });
    socket.on('close', () => {
      this.closed = true;
      if (!this.weClosed) this.peerClosed = true;
      for (const w of this.syncWaiters.splice(0)) w();
      this.wake();
    });
  }

  private wake(): void { for (const w of this.waiters.splice(0)) w(); }

  private onLine(line: string): void {
    const ref = this.received.length + 1;
    this.received.push({ line, ref });
    const m = parseLine(line);
    if (m) {
      if (m.command === 'PROTOCTL') {
        for (const tok of m.params.join(' ').split(' ')) {
          const eq = tok.indexOf('=');
          const k = (eq < 0 ? tok : tok.slice(0, eq)).toUpperCase(), v = eq < 0 ? '' : tok.slice(eq + 1);
          if (k === 'EAUTH') { this.eauthSeen = true; if (!this.live.peerName) this.live.peerName = v.split(',')[0]; }
          if (k === 'SID' && !this.live.peerSid) this.live.peerSid = v;
        }
      } else if (m.command === 'SERVER' && !this.serverSeen) {
        this.serverSeen = true;
        if (!this.live.peerName) this.live.peerName = m.params[0] ?? '';
        const vl = /^U\d+-[^ -]*-([0-9A-Z]{3})/.exec(m.params[2] ?? '');
        if (vl && !this.live.peerSid) this.live.peerSid = vl[1];
      } else if (m.command === 'EOS' && this.serverSeen && (m.source === undefined || m.source === this.live.peerSid || m.source.toLowerCase() === this.live.peerName.toLowerCase())) {
        this.eosSeen = true;
      } else if (m.command === 'PING') {
        // Answer the server's keepalive PINGs, like the recording side did.
        const dest = m.params[1];
        if (!dest || dest === this.self.sid || dest.toLowerCase() === this.self.name.toLowerCase()) this.write(`:${this.self.sid} PONG ${this.self.name} :${m.params[0] ?? ''}`);
      } else if (m.command === 'PONG') {
        const kind = this.pings.shift();
        if (kind === 'sync') { this.internal.add(ref); const w = this.syncWaiters.shift(); w?.(); }
      }
    }
    this.wake();
  }

  private write(line: string): boolean {
    if (this.closed) return false;
    const bytes = encodeLine(line);
    if (bytes === null) return false; // more than one line on the wire: never written
    this.socket.write(bytes);
    return true;
  }

  /** Send one of our lines. */
  send(line: string): boolean {
    if (!this.write(line)) return false;
    this.sent++;
    const cmd = parseLine(line)?.command;
    if (cmd === 'PING') this.pings.push('probe');
    else if (cmd === 'SERVER') this.sentServer = true;
    return true;
  }
  sentServer = false;

  /**
   * Resolve once the server has processed all we sent: a PING/PONG round trip. Servers ignore
   * PING before the link is registered, so until both SERVER lines are out there is nothing to
   * wait for (before our SERVER) or we first wait for the server's SERVER (after ours).
   */
  async barrier(timeoutMs: number): Promise<void> {
    if (this.closed || !this.sentServer) return;
    if (!this.serverSeen && !(await this.waitFor(() => this.serverSeen || this.closed, null, timeoutMs))) {
      this.problems.push(`no SERVER from the server within ${timeoutMs} ms`);
      return;
    }
    if (this.closed) return;
    const peer = this.live.peerSid || this.live.peerName;
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => { if (!done) { done = true; clearTimeout(t); resolve(); } };
      const t = setTimeout(() => {
        if (done) return;
        this.problems.push(`no PONG for a sync PING within ${timeoutMs} ms`);
        const i = this.syncWaiters.indexOf(finish);
        if (i >= 0) this.syncWaiters.splice(i, 1);
        finish();
      }, timeoutMs);
      this.syncWaiters.push(finish);
      this.pings.push('sync');
      this.write(`:${this.self.sid} PING ${this.self.sid} ${peer}`);
    });
  }

  /** Wait until cond() holds (re-checked on every received line and on close). */
  waitFor(cond: () => boolean, what: string | null, timeoutMs: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let done = false;
      const finish = (v: boolean) => { done = true; clearTimeout(t); resolve(v); };
      const t = setTimeout(() => { if (done) return; if (what) this.problems.push(`timed out after ${timeoutMs} ms waiting for ${what}`); finish(false); }, timeoutMs);
      const check = () => {
        if (done) return;
        if (cond()) { finish(true); return; }
        if (this.closed) { finish(cond()); return; }
        this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.weClosed = true;
    return new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => { this.socket.destroy(); }, 500).unref();
    });
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function openTransport(o: LiveOptions, listener: { server?: net.Server | tls.Server; next?: () => Promise<net.Socket | tls.TLSSocket> }): Promise<net.Socket | tls.TLSSocket> {
  const timeout = o.timeoutMs ?? 10_000;
  if (o.mode === 'connect') {
    if (o.plaintext) {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: o.host, port: o.port }, () => { s.setTimeout(0); resolve(s); });
        s.once('error', reject);
        s.setTimeout(timeout, () => s.destroy(new Error(`connect to ${o.host}:${o.port} timed out`)));
      });
    }
    return await connectLink({ host: o.host, port: o.port, keyPem: o.keyPem, certPem: o.certPem, policy: pinPolicy(o.pin ?? []) }, timeout);
  }
  if (!listener.next) throw new Error('listener not started');
  return await listener.next();
}

/** Start the listening side: returns a function that yields the next verified connection. */
async function startListener(o: LiveOptions): Promise<{ server: net.Server | tls.Server; next: () => Promise<net.Socket | tls.TLSSocket>; port: number }> {
  const queue: (net.Socket | tls.TLSSocket)[] = [];
  const waiting: ((s: net.Socket | tls.TLSSocket) => void)[] = [];
  const refused: string[] = [];
  const deliver = (s: net.Socket | tls.TLSSocket) => { const w = waiting.shift(); if (w) w(s); else queue.push(s); };
  let server: net.Server | tls.Server;
  if (o.plaintext) {
    server = net.createServer((s) => deliver(s));
  } else {
    if (!o.keyPem || !o.certPem) throw new Error('--listen with TLS needs --cert and --key');
    const policy = pinPolicy(o.pin ?? []);
    server = tls.createServer(buildServerTlsOptions({ keyPem: o.keyPem, certPem: o.certPem }), (s) => {
      const v = verifyPeerCertificate(s, policy);
      if (!v.ok) { refused.push(`${s.remoteAddress}: ${v.reason}`); s.destroy(); return; }
      deliver(s);
    });
  }
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(o.port, o.host, () => resolve()); });
  const port = (server.address() as net.AddressInfo).port;
  const timeout = o.timeoutMs ?? 10_000;
  const next = () => new Promise<net.Socket | tls.TLSSocket>((resolve, reject) => {
    const s = queue.shift();
    if (s) { resolve(s); return; }
    const t = setTimeout(() => reject(new Error(`no connection on ${o.host}:${port} within ${timeout} ms${refused.length ? ` (refused: ${refused.splice(0).join('; ')})` : ''}`)), timeout);
    waiting.push((x) => { clearTimeout(t); resolve(x); });
  });
  return { server, next, port };
}

/** The rows as the replay sees them: we play '>' and the server '<' (flipped when the server is to play the recorder's role). */
function playedRows(rows: CaptureRow[], serverAs: 'hub' | 'leaf' | undefined): CaptureRow[] {
  if (!serverAs || roleDir(rows, serverAs) !== '>') return rows;
  return rowsForSide(rows, serverAs === 'hub' ? 'leaf' : 'hub');
}

/** Offline facts of one connection: where the link ends, the probe point and the expected state there. */
function offlinePlan(rows: CaptureRow[], anchor: { ts: number; ms: number } | null): { probeLine: number | null; expected: StateDump; atProbeRowTime: boolean } {
  let finalDump: StateDump | null = null;
  const full = replayConnection({ rows }, anchor, { onEngine: (e, now) => { finalDump = buildStateDump(e.net, e.tkl, now); } });
  const end = full.endLine ?? null;
  const ids = connectionIdentities(rows);
  let probeLine: number | null = null;
  if (end !== null) {
    const endRow = rows.find((r) => r.lineNo === end);
    const m = endRow && endRow.kind === 'line' ? parseLine(endRow.line) : null;
    // Our own line, or the peer leaving on its own (not a reply): probe right before it.
    if (endRow && endRow.kind === 'line' && (endRow.dir === '>' || (m && !isReply(m, ids.peer.name, ids.peer.sid)))) probeLine = end;
    else {
      // The server answered our last line by ending the link: probe before that line.
      const before = rows.filter((r) => r.kind === 'line' && r.dir === '>' && r.lineNo < end);
      probeLine = before.length ? before[before.length - 1].lineNo : end;
    }
  }
  // The state before the probe line: the final one when the replay stopped right there, else a second pass.
  // (The offline clock then stands at the probe row's own time: the live probe follows beforeRow for it.)
  if (probeLine === null || (probeLine === end && full.endBefore)) return { probeLine, expected: finalDump!, atProbeRowTime: probeLine !== null };
  let expected: StateDump | null = null;
  replayConnection({ rows }, anchor, {
    untilLine: probeLine !== null ? probeLine - 1 : undefined,
    onEngine: (e, now) => { expected = buildStateDump(e.net, e.tkl, now); },
  });
  return { probeLine, expected: expected!, atProbeRowTime: false };
}

async function replayOne(o: LiveOptions, idx: number, rowsIn: CaptureRow[], anchor: { ts: number; ms: number } | null, listener: { next?: () => Promise<net.Socket | tls.TLSSocket> }, progress: { sent: number; total: number }): Promise<LiveConnectionReport> {
  const timeout = o.timeoutMs ?? 10_000;
  const rows = playedRows(rowsIn, o.as);
  const flipped = rows !== rowsIn;
  const ids = connectionIdentities(rows);
  const self = { name: o.name ?? ids.own.name, sid: o.sid ?? ids.own.sid };
  const firstLine = rows.find((r) => r.kind === 'line')?.lineNo ?? rows[0]?.lineNo ?? 0;
  // The effect check needs the offline network at the probe point (two offline passes at most).
  const plan = o.hooks?.probeState ? offlinePlan(rows, anchor) : { probeLine: null, expected: null, atProbeRowTime: false };
  const tsAnchor = anchor?.ts;
  const tsShift = o.now !== undefined && tsAnchor ? o.now - tsAnchor : 0;

  // Rows of the recorded peer's burst (after its SERVER, up to its EOS): seeded, never injected.
  const seeded = new Set<number>();
  const seedLines: string[] = [];
  {
    let inBurst = false;
    for (const r of rows) {
      if (r.kind !== 'line' || r.dir !== '<') continue;
      const m = parseLine(r.line);
      if (!m) continue;
      if (m.command === 'SERVER') { inBurst = true; continue; }
      if (!inBurst) continue;
      seeded.add(r.lineNo);
      if (!SEED_SKIP.has(m.command)) seedLines.push(r.line);
      if (m.command === 'EOS' && (m.source === ids.peer.sid || m.source?.toLowerCase() === ids.peer.name.toLowerCase() || m.source === undefined)) break;
    }
  }
  if (o.hooks?.seedPeer) await o.hooks.seedPeer(seedLines, idx);

  const report: LiveConnectionReport = {
    index: idx, firstLine, sent: 0, received: 0, unsent: 0, problems: [], ok: false,
    lines: { equal: true, entries: [], missing: 0, unexpected: 0, compared: { expected: 0, actual: 0 } },
    names: { recorded: { self: ids.own.name, peer: ids.peer.name }, live: { self: self.name, peer: '' } },
  };
  let socket: net.Socket | tls.TLSSocket;
  try {
    socket = await openTransport(o, listener);
  } catch (err) {
    report.problems.push(`cannot open the link: ${(err as Error).message}`);
    return report;
  }
  const s = new Session(socket, self);
  const map: RewriteMap = {
    from: { selfName: ids.own.name, selfSid: ids.own.sid, peerName: ids.peer.name, peerSid: ids.peer.sid },
    to: { selfName: self.name, selfSid: self.sid, peerName: '', peerSid: '' },
    password: o.password, tsShift, tsAnchor,
  };
  const barrier = () => s.barrier(timeout);
  let probed = false;
  let actual: StateDump | null = null;
  const probe = async () => {
    probed = true;
    if (!o.hooks?.probeState) return;
    await barrier();
    actual = await o.hooks.probeState();
  };

  let peerEosRecorded = false;
  let lastSentAt = Date.now(), lastMs: number | null = null;
  for (const r of rows) {
    const atProbe = !probed && plan.probeLine !== null && r.lineNo >= plan.probeLine;
    if (atProbe && !plan.atProbeRowTime) await probe();
    await o.hooks?.beforeRow?.(r, { barrier, connection: idx });
    if (atProbe && plan.atProbeRowTime) await probe();
    if (r.kind === 'note') continue;
    const m = parseLine(r.line);
    if (r.dir === '<') {
      if (m?.command === 'EOS' && seeded.has(r.lineNo)) peerEosRecorded = true;
      if (seeded.has(r.lineNo) || !m || HANDSHAKE.has(m.command)) continue;
      if (isReply(m, ids.peer.name, ids.peer.sid)) continue;
      if (o.hooks?.injectPeerLine && !s.closed) {
        await barrier();
        if (s.serverSeen && !s.closed) await o.hooks.injectPeerLine(r.line, r);
        else if (!s.closed) s.problems.push(`capture line ${r.lineNo}: the link is not up, the peer's line was not injected`);
      }
      continue;
    }
    // One of our rows.
    if (s.closed) { report.unsent++; continue; }
    if (!o.fast && lastMs !== null) {
      const wait = lastSentAt + (r.ms - lastMs) - Date.now();
      if (wait > 0) await sleep(wait);
    }
    if (m && HANDSHAKE.has(m.command)) {
      if (o.mode === 'listen' && !s.eauthSeen) await s.waitFor(() => s.eauthSeen, "the server's PROTOCTL EAUTH", timeout);
    } else if (peerEosRecorded && !s.eosSeen) {
      await s.waitFor(() => s.eosSeen, "the end of the server's burst (EOS)", timeout);
    }
    map.to.peerName = s.live.peerName || ids.peer.name;
    map.to.peerSid = s.live.peerSid || ids.peer.sid;
    if (!s.send(rewriteLine(r.line, map))) { report.unsent++; continue; }
    lastSentAt = Date.now(); lastMs = r.ms;
    progress.sent++;
    o.onProgress?.(progress.sent, progress.total);
  }
  if (!probed) await probe();
  // Trailing replies, then the link closing (ours or the server's).
  if (!s.closed) {
    await barrier();
    await s.waitFor(() => s.closed, null, o.lingerMs ?? 1000);
    await s.close();
  }
  report.problems.push(...s.problems);
  report.sent = s.sent;
  report.received = s.received.length;
  report.names.live.peer = s.live.peerName;

  const expected: LineItem[] = [];
  for (const r of rows) {
    if (r.kind === 'line' && r.dir === '<') expected.push({ line: r.line, ref: r.lineNo });
    // The recorder's "closed by peer": the server is expected to close only when we play the recorder.
    else if (r.kind === 'note' && !flipped && /connection closed by peer/i.test(r.text)) expected.push({ line: CLOSED_MARKER, ref: r.lineNo });
  }
  const got: LineItem[] = s.received.filter((x) => !s.internal.has(x.ref!));
  if (s.peerClosed) got.push({ line: CLOSED_MARKER, ref: s.received.length + 1 });
  const scope = o.compare ?? 'replies';
  report.lines = compareLines(expected, got, {
    expected: s2sNormaliser({ peerName: ids.peer.name, peerSid: ids.peer.sid, selfName: ids.own.name, selfSid: ids.own.sid }, { scope }),
    actual: s2sNormaliser({ peerName: s.live.peerName || ids.peer.name, peerSid: s.live.peerSid || ids.peer.sid, selfName: self.name, selfSid: self.sid }, { scope }),
  });

  if (actual && plan.expected) {
    const livePeer = s.live.peerName || ids.peer.name;
    let exp = plan.expected as unknown as Json;
    if (tsShift) exp = shiftDumpTimes(exp, tsShift);
    exp = renameDump(exp, map);
    const expDump = exp as unknown as StateDump;
    const pick = (d: StateDump, selfName: string, peerName: string) => (o.stateScope === 'full' ? viewpointFree(d, selfName, peerName) : restrictDump(d, selfName, peerName));
    const differences = diffJson(pick(expDump, self.name, ids.peer.name) as unknown as Json, pick(actual, self.name, livePeer) as unknown as Json);
    report.state = { differences, probeLine: plan.probeLine };
  }
  report.ok = report.lines.equal && (!report.state || report.state.differences.length === 0) && report.problems.length === 0;
  return report;
}

/** Replay every connection of a capture against the live server. */
export async function liveReplay(o: LiveOptions): Promise<LiveReport> {
  if (o.plaintext && !isLoopbackHost(o.host)) throw new Error(`--plaintext is only allowed on loopback addresses, not ${o.host}`);
  if (!o.plaintext && (!o.pin || !o.pin.length)) throw new Error('TLS needs --pin <certfp|spkifp> of the server certificate (or --plaintext on loopback)');
  if (!o.plaintext) pinPolicy(o.pin!); // validate early
  const { rows, problems } = readCapture(o.capture);
  if (problems.length) throw new Error(`capture: line ${problems[0].line}: ${problems[0].message}`);
  const anchor = captureAnchor(rows);
  const conns = splitConnections(rows).filter((c) => c.rows.some((r) => r.kind === 'line') && (o.fromLine === undefined || (c.rows[0]?.lineNo ?? 0) >= o.fromLine));
  const progress = { sent: 0, total: conns.reduce((n, c) => n + playedRows(c.rows, o.as).filter((r) => r.kind === 'line' && r.dir === '>').length, 0) };
  const listener: { server?: net.Server | tls.Server; next?: () => Promise<net.Socket | tls.TLSSocket> } = {};
  if (o.mode === 'listen') Object.assign(listener, await startListener(o));
  const out: LiveConnectionReport[] = [];
  try {
    for (let i = 0; i < conns.length; i++) out.push(await replayOne(o, i + 1, conns[i].rows, anchor, listener, progress));
  } finally {
    if (listener.server) await new Promise<void>((r) => listener.server!.close(() => r()));
  }
  return { ok: out.length > 0 && out.every((c) => c.ok), connections: out };
}

/** Human-readable report: per connection, the line diff and the state differences. */
export function formatLiveReport(r: LiveReport, opts: { width?: number; maxStateDiffs?: number } = {}): string {
  const out: string[] = [];
  const w = opts.width ?? 300;
  const show = (v: unknown) => { const s = v === undefined ? '(absent)' : JSON.stringify(v); return s.length > w ? s.slice(0, w) + '…' : s; };
  for (const c of r.connections) {
    out.push(`connection ${c.index} (capture line ${c.firstLine}): ${c.ok ? 'OK' : 'DIVERGED'} — sent ${c.sent}, received ${c.received}${c.unsent ? `, ${c.unsent} not sent (link closed)` : ''}; ${c.names.recorded.self}→${c.names.live.self} against ${c.names.live.peer || '?'} (recorded ${c.names.recorded.peer})`);
    for (const p of c.problems) out.push(`  problem: ${p}`);
    if (!c.lines.equal) out.push(formatDiff(c.lines, { width: w }).replace(/^/gm, '  ').trimEnd());
    else out.push(`  replies: ${c.lines.compared.expected} compared, no divergence`);
    if (c.state) {
      if (!c.state.differences.length) out.push(`  state${c.state.probeLine !== null ? ` (before capture line ${c.state.probeLine})` : ''}: equal`);
      else {
        const max = opts.maxStateDiffs ?? 50;
        out.push(`  state${c.state.probeLine !== null ? ` (before capture line ${c.state.probeLine})` : ''}: ${c.state.differences.length} difference(s)`);
        for (const d of c.state.differences.slice(0, max)) out.push(`    ${d.path}: expected ${show(d.expected)}, live ${show(d.actual)}`);
        if (c.state.differences.length > max) out.push(`    ... ${c.state.differences.length - max} more`);
      }
    }
  }
  out.push(r.ok ? 'live replay: no divergence' : 'live replay: DIVERGED');
  return out.join('\n') + '\n';
}
