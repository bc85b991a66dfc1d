// Channel fan-out (issue 17 acceptance): 1,000 local clients in one channel on node A, messages
// arriving from node B fanned out to them.
//   A: a tslink child process (`npm start`'s V8 flags, or BENCH_NODE_FLAGS), with a plaintext
//      client port on loopback (plain TCP keeps the bench's own 1,000 sockets cheap: TLS would
//      load the bench process, not measure A's fan-out) and a TLS server port for its hub.
//   B: the bench itself, speaking S2S to A over TLS as the hub hub.gen.test: it introduces one
//      remote user in #fan and sends that user's PRIVMSG lines into the channel.
// Figures: A's VmRSS per connected idle client (before/after the 1,000 connect, register and join,
// after the GC that collects the join storm's garbage: waited for up to BENCH_FANOUT_SETTLE_MS, 30 s),
// divided); delivered messages/s = messages × recipients / (first send → last line delivered);
// PING → PONG during the fan-out on a second server link to A (probe.gen.test; A's event-loop lag
// as its other links see it: on the hub link itself a PING would wait behind B's backlog).
// The clients only count line ends after they joined (no parsing), in a worker thread of their own
// (bench/fanoutClients.ts): counting a million lines on 1,000 sockets would otherwise delay the
// probe's PONG in the bench's own event loop (that delay is printed too). Everything is bounded:
// counts, and a timeout on every wait; A is stopped and the sockets destroyed at the end.
// UNREALIRCD_BIN set (the `bin/unrealircd` of an UnrealIRCd 6 installation; as root also
// UNREALIRCD_UID / UNREALIRCD_GID of an unprivileged user to run it as): the same fan-out, in the
// same run, through an UnrealIRCd leaf in A's place (same name, SID, ports, classes; B and the
// probe link authenticated by their public keys), and the ratio tslink / UnrealIRCd of the
// delivered messages/s.
// Run alone: node --import tsx bench/fanout.ts
import * as tls from 'node:tls';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { FromClients, ToClients } from './fanoutClients.ts';
import { certFingerprint, generateSelfSigned, spkiFingerprint, type KeyAndCert } from '../src/link/certs.ts';
import { freePort, hubHandshake, nodeFlags, rssKb, sleep, waitForPort } from './benchNode.ts';

const CLIENTS = Number(process.env.BENCH_FANOUT_CLIENTS ?? 1000);
const MESSAGES = Number(process.env.BENCH_FANOUT_MESSAGES ?? 1000);
/** How long the bench waits at most for V8 to collect the garbage of the clients' registration (ms). */
const SETTLE_MS = Number(process.env.BENCH_FANOUT_SETTLE_MS ?? 30_000);
/** Messages per write on the S2S link (the hub's lines arrive in TLS records of about this many). */
const PER_WRITE = 20;
/** A PING with no PONG within this long ends the probing (and counts as that long). */
const PROBE_TIMEOUT = 10_000;
const CHANNEL = '#fan';
const REMOTE_UID = '001AAAAAA';
const TEXT = 'fan-out bench message, about as long as a chat line usually is';

/** The node under test in A's place: tslink or UnrealIRCd. */
interface NodeA { label: string; child: ChildProcess; s2sPort: number; clientPort: number; dir: string; hubKc: KeyAndCert; probeKc: KeyAndCert; stop(): Promise<void> }

async function startNodeA(): Promise<NodeA> {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-fanout-'));
  const nodeKc = generateSelfSigned({ commonName: 'leaf.gen.test' });
  const hubKc = generateSelfSigned({ commonName: 'hub.gen.test' });
  const probeKc = generateSelfSigned({ commonName: 'probe.gen.test' });
  writeFileSync(join(dir, 'node.key'), nodeKc.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'node.crt'), nodeKc.certPem);
  const s2sPort = await freePort();
  const clientPort = await freePort();
  // The hub link block's specific mask 127.0.0.1 exempts loopback from the connect-flood throttle;
  // the except ban says so for the clients as well, in case that rule changes.
  writeFileSync(join(dir, 'bench.conf'), `
me { name "leaf.gen.test"; info "bench node"; sid "0AA"; }
listen { ip 127.0.0.1; port ${s2sPort}; options { serversonly; tls; } tls-options { certificate "${join(dir, 'node.crt')}"; key "${join(dir, 'node.key')}"; } }
listen { ip 127.0.0.1; port ${clientPort}; options { clientsonly; } }
class servers { pingfreq 600; connfreq 15; maxclients 10; sendq 200M; recvq 64M; }
class clients { pingfreq 600; maxclients ${CLIENTS + 100}; sendq 1M; recvq 8000; }
allow { mask *; class clients; maxperip ${CLIENTS + 100}; global-maxperip ${CLIENTS + 100}; }
except ban { mask 127.0.0.1; type connect-flood; }
link probe.gen.test { incoming { mask 127.0.0.1; } verify { certfp "${certFingerprint(probeKc.certPem)}"; } class servers; }
link hub.gen.test { incoming { mask 127.0.0.1; } verify { certfp "${certFingerprint(hubKc.certPem)}"; } hub *; class servers; }
set { network-name "GenNet"; data-directory "${join(dir, 'data')}"; cloak-keys { "aoAr1HnR6gl3sJ7hVz4Zb7x4YwpW"; "k2l5JyL8z8xPb3Q1sV6vB0pO3rT"; "h5F9sLmW2dQ7xZ4nR1tY8cV3bN6"; } }
`);
  const child = spawn(process.execPath, [...nodeFlags(), 'bin/tslink.js', 'start', '--config', join(dir, 'bench.conf')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TSLINK_LOG_LEVEL: process.env.BENCH_NODE_LOG_LEVEL ?? 'warn', TSLINK_ALLOW_ROOT: '1' } });
  const logFile = process.env.BENCH_NODE_LOG;
  child.stdout!.on('data', (d: Buffer) => { if (logFile) appendFileSync(logFile, d); });
  await sleep(300);
  await waitForPort(s2sPort, 150);
  await waitForPort(clientPort, 50);
  return {
    label: 'tslink', child, s2sPort, clientPort, dir, hubKc, probeKc,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** 80+ characters of a-z, A-Z and 0-9 with each class present (UnrealIRCd's set::cloak-keys rule). */
function cloakKey(seed: string): string {
  return `aA0${seed}`.repeat(20).slice(0, 90);
}

/** An UnrealIRCd 6 leaf in A's place (UNREALIRCD_BIN), the same figures taken the same way. */
async function startUnrealA(bin: string): Promise<NodeA> {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-fanout-unreal-'));
  const nodeKc = generateSelfSigned({ commonName: 'leaf.gen.test' });
  const hubKc = generateSelfSigned({ commonName: 'hub.gen.test' });
  const probeKc = generateSelfSigned({ commonName: 'probe.gen.test' });
  writeFileSync(join(dir, 'node.key'), nodeKc.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'node.crt'), nodeKc.certPem);
  const s2sPort = await freePort();
  const clientPort = await freePort();
  // Loopback is exempt from UnrealIRCd's connect throttle; unknown connections per IP are raised
  // above the bench's batch of 16, as set::handshake-limits is for tslink.
  writeFileSync(join(dir, 'unrealircd.conf'), `
include "modules.default.conf";
include "snomasks.default.conf";
blacklist-module "geoip_classic";
loadmodule "cloak_sha256";
me { name "leaf.gen.test"; info "bench node"; sid "0AA"; }
admin { "fan-out bench"; }
listen { ip 127.0.0.1; port ${s2sPort}; options { tls; serversonly; } tls-options { certificate "${join(dir, 'node.crt')}"; key "${join(dir, 'node.key')}"; } }
listen { ip 127.0.0.1; port ${clientPort}; options { clientsonly; } }
class servers { pingfreq 600; connfreq 15; maxclients 10; sendq 200M; }
class clients { pingfreq 600; maxclients ${CLIENTS + 100}; sendq 1M; recvq 8000; }
allow { mask *; class clients; maxperip ${CLIENTS + 100}; global-maxperip ${CLIENTS + 100}; }
link probe.gen.test { incoming { mask 127.0.0.1; } password "${spkiFingerprint(probeKc.certPem)}" { spkifp; } class servers; }
link hub.gen.test { incoming { mask 127.0.0.1; } password "${spkiFingerprint(hubKc.certPem)}" { spkifp; } hub *; class servers; }
files { pidfile "${join(dir, 'unrealircd.pid')}"; tunefile "${join(dir, 'unrealircd.tune')}"; }
log { source { !debug; all; } destination { file "${join(dir, 'ircd.log')}"; } }
set {
	network-name "GenNet"; default-server "leaf.gen.test"; services-server "services.gen.test";
	help-channel "#help"; kline-address "admin@gen.test";
	cloak-keys { "${cloakKey('Kx7')}"; "${cloakKey('Qm4')}"; "${cloakKey('Zr2')}"; }
	tls { certificate "${join(dir, 'node.crt')}"; key "${join(dir, 'node.key')}"; }
	max-unknown-connections-per-ip 50;
	handshake-delay 0;
}
`);
  const uid = process.env.UNREALIRCD_UID ? Number(process.env.UNREALIRCD_UID) : undefined;
  const gid = process.env.UNREALIRCD_GID ? Number(process.env.UNREALIRCD_GID) : uid;
  if (uid !== undefined) {
    chmodSync(dir, 0o755);
    for (const f of readdirSync(dir)) chownSync(join(dir, f), uid, gid ?? uid);
    chownSync(dir, uid, gid ?? uid);
  }
  const child = spawn(bin, ['-F', '-f', join(dir, 'unrealircd.conf')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], uid, gid });
  const out = createWriteStream(join(dir, 'unrealircd.out'));
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  await sleep(300);
  if (!(await waitForPort(s2sPort, 150)) || !(await waitForPort(clientPort, 50))) {
    let text = '';
    try { text = readFileSync(join(dir, 'unrealircd.out'), 'utf8').slice(-2000); } catch { /* none */ }
    await stop();
    throw new Error(`UnrealIRCd did not start:\n${text}`);
  }
  return { label: 'UnrealIRCd', child, s2sPort, clientPort, dir, hubKc, probeKc, stop };
}

/** B: the hub link; PING probes (one outstanding at a time) timed to their PONG. */
class HubB {
  private pongs = 0;
  private sent = 0;
  private waiting: { n: number; resolve: () => void } | null = null;
  private tail = '';
  closed = false;
  constructor(readonly sock: tls.TLSSocket, private readonly sid = '001') {
    sock.on('data', (d: Buffer) => {
      const lines = (this.tail + d.toString('latin1')).split('\r\n');
      this.tail = lines.pop()!;
      if (this.tail.length > 1e6) this.tail = '';
      for (const l of lines) { if (/^(?:@\S+ )?:\S+ PONG /.test(l)) this.pongs++; else if (process.env.BENCH_FANOUT_DEBUG) console.log(`${sid} <- ${l.slice(0, 200)}`); }
      if (this.waiting && this.pongs >= this.waiting.n) { const w = this.waiting; this.waiting = null; w.resolve(); }
    });
    sock.on('close', () => { this.closed = true; });
  }
  /** Write `lines` and a PING; ms to its PONG, -1 after timeoutMs. */
  async ping(lines: string[] = [], timeoutMs = 30_000): Promise<number> {
    const n = ++this.sent;
    const t0 = performance.now();
    const done = new Promise<boolean>((resolve) => {
      this.waiting = { n, resolve: () => resolve(true) };
      setTimeout(() => resolve(false), timeoutMs).unref();
    });
    this.sock.write(Buffer.from([...lines, `:${this.sid} PING ${this.sid} 0AA`, ''].join('\r\n'), 'latin1'));
    return (await done) ? performance.now() - t0 : -1;
  }
  /** Round trips one after another, `gapMs` apart, until stop(). */
  probe(gapMs = 10): { stop(): Promise<number[]> } {
    const rtts: number[] = [];
    let on = true;
    const run = (async () => {
      while (on && !this.closed) {
        const ms = await this.ping([], PROBE_TIMEOUT);
        if (ms < 0) { rtts.push(PROBE_TIMEOUT); break; }
        rtts.push(ms);
        await sleep(gapMs);
      }
    })();
    return { async stop() { on = false; await run; return rtts; } };
  }
}

/** UnrealIRCd 6's handshake lines for a server `name` (SID `sid`) linking to A. */
function handshake(name: string, sid: string): string[] {
  return hubHandshake().map((l) => l.replaceAll('hub.gen.test', name).replace('SID=001', `SID=${sid}`).replace('U6100-tslink-001 generated hub', `U6100-tslink-${sid} generated ${name}`));
}

async function connectServer(a: NodeA, kc: KeyAndCert): Promise<HubB> {
  const sock = tls.connect({ host: '127.0.0.1', port: a.s2sPort, key: kc.keyPem, cert: kc.certPem, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
  await new Promise<void>((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
  sock.on('error', () => {});
  return new HubB(sock, kc === a.probeKc ? '0PB' : '001');
}

/** The clients' worker thread (bench/fanoutClients.ts), one request at a time. */
class Clients {
  // The worker runs the TypeScript through tsx, as the bench itself does (a worker does not
  // inherit the main thread's --import hooks: it registers them, then loads the module).
  private readonly worker = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./fanoutClients.ts', import.meta.url).href)}); });`, { eval: true });
  private failed: Error | null = null;
  private waiting: { op: FromClients['op']; resolve: (m: FromClients) => void; reject: (err: Error) => void } | null = null;
  private stopped = false;
  constructor() {
    this.worker.on('message', (m: FromClients) => { if (this.waiting && this.waiting.op === m.op) { const w = this.waiting; this.waiting = null; w.resolve(m); } });
    this.worker.on('error', (err) => { this.failed = err; const w = this.waiting; this.waiting = null; w?.reject(err); });
  }
  /** Send `m`; the reply `op` (rejected after timeoutMs). */
  ask<T extends FromClients>(m: ToClients, op: T['op'], timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.failed) { reject(new Error(`the clients' worker failed: ${this.failed.message}`)); return; }
      const t = setTimeout(() => { this.waiting = null; reject(new Error(`the clients' worker did not answer ${m.op} within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiting = { op, resolve: (r) => { clearTimeout(t); resolve(r as T); }, reject: (err) => { clearTimeout(t); reject(new Error(`the clients' worker failed: ${err.message}`)); } };
      this.worker.postMessage(m);
    });
  }
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.ask({ op: 'stop' }, 'stopped', 5000).catch(() => {});
    await this.worker.terminate();
  }
}

/**
 * VmRSS once a GC has collected what the clients' registration left (KiB): sampled every 500 ms for
 * up to SETTLE_MS; it ends early, a second after RSS fell by a tenth from its peak (the GC ran).
 */
async function settledRss(pid: number, first: number): Promise<number> {
  let peak = first, last = first;
  for (const end = Date.now() + SETTLE_MS; Date.now() < end;) {
    await sleep(500);
    last = rssKb(pid);
    if (last > peak) peak = last;
    if (last < peak * 0.9) { await sleep(1000); return Math.min(last, rssKb(pid)); }
  }
  return last;
}

const fmt = (ms: number) => (ms < 0 ? 'n/a' : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : -1; };
const lag = (rtts: number[]) => (rtts.length === 0 ? 'n/a' : rtts.includes(PROBE_TIMEOUT) ? `> ${PROBE_TIMEOUT / 1000} s (no PONG)` : fmt(Math.max(...rtts)));
/** read and write system calls a process has made so far (/proc/PID/io: syscr, syscw, which count read/readv and write/writev, not recv/send; 0 where it cannot be read). */
function syscalls(pid: number): { r: number; w: number } {
  try {
    const t = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { r: Number(/^syscr: (\d+)/m.exec(t)?.[1] ?? 0), w: Number(/^syscw: (\d+)/m.exec(t)?.[1] ?? 0) };
  } catch { return { r: 0, w: 0 }; }
}
/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  const t = cpuSplitMs(pid);
  return t.user + t.system;
}
/** CPU time a process has used in user and in kernel mode (ms; /proc/PID/stat utime, stime). */
function cpuSplitMs(pid: number): { user: number; system: number } {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: (Number(f[11]) * 1000) / 100, system: (Number(f[12]) * 1000) / 100 };
  } catch { return { user: 0, system: 0 }; }
}

export interface FanoutFigures { clients: number; joined: number; messages: number; delivered: number; ms: number; perSec: number; rssPerClientKiB: number; lagMaxMs: number; lagP99Ms: number; probes: number; cpuMs: number }

/** One fan-out run against a fresh tslink node A; prints its lines and returns the figures (null: it failed). */
export async function fanoutTslink(): Promise<FanoutFigures | null> {
  return fanoutRun(await startNodeA());
}

/** One fan-out run against node A (stopped at the end). */
async function fanoutRun(a: NodeA): Promise<FanoutFigures | null> {
  const clients = new Clients();
  let hub: HubB | null = null;
  let probeLink: HubB | null = null;
  try {
    hub = await connectServer(a, a.hubKc);
    const ts = Math.floor(Date.now() / 1000) - 100;
    const linkMs = await hub.ping([
      ...hubHandshake(),
      `:001 UID remote 0 ${ts} r remote.gen.test ${REMOTE_UID} 0 +i * * * :remote user on B`,
      `:001 SJOIN ${ts} ${CHANNEL} + :${REMOTE_UID}`,
      ':001 EOS',
    ]);
    if (linkMs < 0) { console.log(`fan-out (${a.label}): FAILED, node A did not answer the hub's burst`); return null; }
    // A second server link, only for the lag probes: the hub link's own PINGs would queue behind
    // the messages B wrote before them, which times A's backlog, not its event loop.
    probeLink = await connectServer(a, a.probeKc);
    if (await probeLink.ping([...handshake('probe.gen.test', '0PB'), ':0PB EOS']) < 0) { console.log(`fan-out (${a.label}): FAILED, the probe link did not link`); return null; }
    const pid = a.child.pid!;
    await sleep(1500);
    const rss0 = rssKb(pid);
    const conn = await clients.ask<Extract<FromClients, { op: 'connected' }>>({ op: 'connect', port: a.clientPort, count: CLIENTS, timeoutMs: 60_000 }, 'connected', 70_000);
    const connectMs = conn.connectMs;
    const joined = conn.joined;
    if (joined < CLIENTS) console.log(`fan-out (${a.label}): only ${joined} of ${CLIENTS} clients joined ${CHANNEL} (${conn.closed} closed; first reason: ${conn.error || 'none given'})`);
    await sleep(1500);
    // Lines that reached a client after its 366 (other clients' JOINs) are not messages.
    await clients.ask({ op: 'reset' }, 'reset', 10_000);
    const rssEarly = rssKb(pid);
    // The join storm (each JOIN sent to every member: ~500,000 lines) leaves tens of MB of garbage
    // in V8's heap: the node runs one GC 5 s after such a wave of registrations (ArrivalRelief in
    // src/runtime/memoryRelief.ts; else V8 keeps it for minutes). Idle clients' memory is what is
    // left then (UnrealIRCd frees as it goes: taken at once).
    const rss1 = a.label === 'tslink' ? await settledRss(pid, rssEarly) : rssEarly;
    const rssPerClient = joined > 0 ? (rss1 - rss0) / joined : 0;
    const rssEarlyPerClient = joined > 0 ? (rssEarly - rss0) / joined : 0;

    // Fan-out: MESSAGES lines from the remote user, PER_WRITE per write, as fast as the link takes them.
    const want = MESSAGES * joined;
    const done = clients.ask<Extract<FromClients, { op: 'count' }>>({ op: 'want', lines: want }, 'count', 120_000).catch(() => null);
    const probe = probeLink.probe();
    // The bench's own event-loop delay meanwhile (its 1,000 sockets): part of every PING → PONG.
    const own = monitorEventLoopDelay({ resolution: 5 });
    own.enable();
    const cpu0 = cpuMs(pid);
    const split0 = cpuSplitMs(pid);
    const io0 = syscalls(pid);
    const t0 = performance.timeOrigin + performance.now();
    for (let i = 0; i < MESSAGES; i += PER_WRITE) {
      const lines: string[] = [];
      for (let k = i; k < Math.min(MESSAGES, i + PER_WRITE); k++) lines.push(`:${REMOTE_UID} PRIVMSG ${CHANNEL} :${TEXT} ${k}`);
      lines.push('');
      if (!hub.sock.write(Buffer.from(lines.join('\r\n'), 'latin1'))) await new Promise((r) => hub!.sock.once('drain', r));
      await new Promise((r) => setImmediate(r));
    }
    const res = (await done) ?? (await clients.ask<Extract<FromClients, { op: 'count' }>>({ op: 'report' }, 'count', 10_000));
    const ok = res.complete;
    const total = res.total;
    const ms = (ok ? res.lastAt : performance.timeOrigin + performance.now()) - t0;
    const cpu = cpuMs(pid) - cpu0;
    const split1 = cpuSplitMs(pid);
    const sysMs = split1.system - split0.system;
    const io1 = syscalls(pid);
    const writes = io1.w - io0.w;
    const reads = io1.r - io0.r;
    const rtts = await probe.stop();
    own.disable();
    const ownMax = own.max / 1e6;
    const perSec = total / (ms / 1000);
    const closed = res.closed;
    const f: FanoutFigures = { clients: CLIENTS, joined, messages: MESSAGES, delivered: total, ms, perSec, rssPerClientKiB: rssPerClient, lagMaxMs: rtts.includes(PROBE_TIMEOUT) ? PROBE_TIMEOUT : Math.max(0, ...rtts), lagP99Ms: pct(rtts, 0.99), probes: rtts.length, cpuMs: cpu };
    const la = loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`fan-out (${a.label}): ${joined} plaintext loopback clients in ${CHANNEL} on node A (connected, registered and joined in ${(connectMs / 1000).toFixed(1)} s), ${MESSAGES} PRIVMSG from a user on B over S2S TLS: ${total.toLocaleString('en')} of ${want.toLocaleString('en')} lines delivered${ok ? '' : ' (TIMED OUT)'} in ${ms.toFixed(0)} ms = ${Math.round(perSec).toLocaleString('en')} delivered messages/s (node A CPU ${cpu.toFixed(0)} ms of which ${sysMs.toFixed(0)} ms in the kernel, ${a.label === 'tslink' ? `${writes.toLocaleString('en')} write/writev and ${reads.toLocaleString('en')} read system calls${writes > 0 ? ` = ${(total / writes).toFixed(1)} lines per write` : ''}` : 'its send(2) calls are not counted in /proc/PID/io'})${closed ? `, ${closed} clients closed` : ''}; node A RSS ${(rss0 / 1024).toFixed(0)} MB → ${(rss1 / 1024).toFixed(0)} MB with the clients = ${rssPerClient.toFixed(1)} KiB per idle client${rss1 !== rssEarly ? ` (${(rssEarly / 1024).toFixed(0)} MB = ${rssEarlyPerClient.toFixed(1)} KiB before the GC)` : ''}; PING → PONG on another S2S link during the fan-out: max ${lag(rtts)}, p99 ${fmt(pct(rtts, 0.99))}, median ${fmt(pct(rtts, 0.5))} (${rtts.length} probes; the bench's own event-loop delay meanwhile: max ${fmt(ownMax)}); load average ${la}`);
    if (a.label === 'tslink') console.log('  targets: ≥ 200,000 delivered messages/s, ≤ 20 KiB RSS per idle client, PING → PONG ≤ 50 ms during the fan-out');
    return f;
  } finally {
    await clients.stop();
    hub?.sock.destroy();
    probeLink?.sock.destroy();
    await a.stop();
  }
}

/** As `npm run bench fanout` prints it: tslink, then (UNREALIRCD_BIN) the UnrealIRCd leaf and the ratio. */
export async function fanoutBench(): Promise<void> {
  const t = await fanoutTslink();
  const bin = process.env.UNREALIRCD_BIN;
  if (!bin) {
    console.log('fan-out (UnrealIRCd): skipped, UNREALIRCD_BIN is unset (set it to run the same fan-out through an UnrealIRCd leaf and print the ratio)');
    return;
  }
  let u: FanoutFigures | null = null;
  try {
    u = await fanoutRun(await startUnrealA(bin));
  } catch (err) {
    console.log(`fan-out (UnrealIRCd): FAILED, ${(err as Error).message}`);
  }
  if (t && u && u.perSec > 0) {
    console.log(`fan-out ratio tslink / UnrealIRCd: ${(t.perSec / u.perSec).toFixed(2)}× delivered messages/s (${Math.round(t.perSec).toLocaleString('en')} / ${Math.round(u.perSec).toLocaleString('en')}; target ≥ 1×), node CPU per delivered message ${((t.cpuMs * 1000) / Math.max(1, t.delivered)).toFixed(2)} µs / ${((u.cpuMs * 1000) / Math.max(1, u.delivered)).toFixed(2)} µs, RSS per idle client ${t.rssPerClientKiB.toFixed(1)} / ${u.rssPerClientKiB.toFixed(1)} KiB, max PING → PONG ${t.lagMaxMs.toFixed(0)} / ${u.lagMaxMs.toFixed(0)} ms`);
  } else {
    console.log('fan-out ratio tslink / UnrealIRCd: n/a (a run failed)');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await fanoutBench();
