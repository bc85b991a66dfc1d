// Channel fan-out (issue 17 acceptance): 1,000 local clients in one channel on node A, messages
// arriving from node B fanned out to them.
//   A: a tslink child process (`npm start`'s V8 flags, or BENCH_NODE_FLAGS), with a plaintext
//      client port on loopback (plain TCP keeps the bench's own 1,000 sockets cheap: TLS would
//      load the bench process, not measure A's fan-out) and a TLS server port for its hub.
//   B: the bench itself, speaking S2S to A over TLS as the hub hub.gen.test: it introduces one
//      remote user in #fan and sends that user's PRIVMSG lines into the channel.
// Figures: A's VmRSS per connected idle client (before/after the 1,000 connect, register and join,
// divided); delivered messages/s = messages × recipients / (first send → last line delivered);
// PING → PONG during the fan-out on a second server link to A (probe.gen.test; A's event-loop lag
// as its other links see it: on the hub link itself a PING would wait behind B's backlog).
// The clients only count line ends after they joined (no parsing). Everything is bounded: counts,
// and a timeout on every wait; A is stopped and the sockets destroyed at the end.
// UNREALIRCD_BIN set: the same fan-out through an UnrealIRCd leaf is not done yet (printed so).
// Run alone: node --import tsx bench/fanout.ts
import * as net from 'node:net';
import * as tls from 'node:tls';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { certFingerprint, generateSelfSigned, type KeyAndCert } from '../src/link/certs.ts';
import { freePort, hubHandshake, nodeFlags, rssKb, sleep, waitForPort } from './benchNode.ts';

const CLIENTS = Number(process.env.BENCH_FANOUT_CLIENTS ?? 1000);
const MESSAGES = Number(process.env.BENCH_FANOUT_MESSAGES ?? 1000);
/** Messages per write on the S2S link (the hub's lines arrive in TLS records of about this many). */
const PER_WRITE = 20;
/** A PING with no PONG within this long ends the probing (and counts as that long). */
const PROBE_TIMEOUT = 10_000;
const CHANNEL = '#fan';
const REMOTE_UID = '001AAAAAA';
const TEXT = 'fan-out bench message, about as long as a chat line usually is';

interface NodeA { child: ChildProcess; s2sPort: number; clientPort: number; dir: string; hubKc: KeyAndCert; probeKc: KeyAndCert; stop(): Promise<void> }

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
  const child = spawn(process.execPath, [...nodeFlags(), 'bin/tslink.js', 'start', '--config', join(dir, 'bench.conf')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TSLINK_LOG_LEVEL: 'warn', TSLINK_ALLOW_ROOT: '1' } });
  const logFile = process.env.BENCH_NODE_LOG;
  child.stdout!.on('data', (d: Buffer) => { if (logFile) appendFileSync(logFile, d); });
  await sleep(300);
  await waitForPort(s2sPort, 150);
  await waitForPort(clientPort, 50);
  return {
    child, s2sPort, clientPort, dir, hubKc, probeKc,
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
      for (const l of lines) if (/^:\S+ PONG /.test(l)) this.pongs++;
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

/** One raw client: registers, joins, then only counts line ends (`lines`) until the bench ends. */
class RawClient {
  lines = 0;
  joined = false;
  closed = false;
  /** The ERROR line the node closed it with, if it did while registering. */
  error = '';
  private text = '';
  constructor(readonly sock: net.Socket, readonly nick: string, private readonly onLines: (n: number) => void) {
    sock.on('data', (d: Buffer) => this.data(d));
    sock.on('error', () => {});
    sock.on('close', () => { this.closed = true; if (process.env.BENCH_FANOUT_DEBUG && !this.joined) console.log(`${nick} closed before joining; last bytes: ${JSON.stringify(this.text.slice(-300))}`); });
    sock.write(`NICK ${nick}\r\nUSER ${nick} 0 * :fan-out client\r\n`);
  }
  private data(d: Buffer): void {
    if (this.joined) {
      let n = 0;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) n++;
      this.lines += n;
      this.onLines(n);
      return;
    }
    // Registration: lines are looked at (PING cookies answered, 001 → JOIN, 366 → joined).
    const lines = (this.text + d.toString('latin1')).split('\r\n');
    this.text = lines.pop()!;
    for (const l of lines) {
      if (l.startsWith('ERROR ')) this.error = l;
      else if (l.startsWith('PING ')) this.sock.write(`PONG ${l.slice(5)}\r\n`);
      else if (/^:\S+ 001 /.test(l)) this.sock.write(`JOIN ${CHANNEL}\r\n`);
      else if (/^:\S+ 366 \S+ #fan /i.test(l)) { this.joined = true; this.text = ''; }
    }
  }
}

async function connectClients(port: number, count: number, onLines: (n: number) => void, timeoutMs = 60_000): Promise<RawClient[]> {
  const out: RawClient[] = [];
  const deadline = Date.now() + timeoutMs;
  // Below the node's default 20 unfinished handshakes per IP (set::handshake-limits::per-ip):
  // more at once from 127.0.0.1 would be refused.
  const BATCH = 16;
  for (let i = 0; i < count && Date.now() < deadline; i += BATCH) {
    const batch: RawClient[] = [];
    for (let k = i; k < Math.min(count, i + BATCH); k++) {
      const sock = net.connect(port, '127.0.0.1');
      sock.setNoDelay(true);
      batch.push(new RawClient(sock, `fan${k}`, onLines));
    }
    out.push(...batch);
    while (Date.now() < deadline && batch.some((c) => !c.joined && !c.closed)) await sleep(5);
  }
  return out;
}

const fmt = (ms: number) => (ms < 0 ? 'n/a' : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : -1; };
const lag = (rtts: number[]) => (rtts.length === 0 ? 'n/a' : rtts.includes(PROBE_TIMEOUT) ? `> ${PROBE_TIMEOUT / 1000} s (no PONG)` : fmt(Math.max(...rtts)));
/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch { return 0; }
}

export interface FanoutFigures { clients: number; joined: number; messages: number; delivered: number; ms: number; perSec: number; rssPerClientKiB: number; lagMaxMs: number; lagP99Ms: number; probes: number; cpuMs: number }

/** One fan-out run against a fresh node A; prints its lines and returns the figures (null: it failed). */
export async function fanoutTslink(): Promise<FanoutFigures | null> {
  const a = await startNodeA();
  let clients: RawClient[] = [];
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
    if (linkMs < 0) { console.log('fan-out: FAILED, node A did not answer the hub\'s burst'); return null; }
    // A second server link, only for the lag probes: the hub link's own PINGs would queue behind
    // the messages B wrote before them, which times A's backlog, not its event loop.
    probeLink = await connectServer(a, a.probeKc);
    if (await probeLink.ping([...handshake('probe.gen.test', '0PB'), ':0PB EOS']) < 0) { console.log('fan-out: FAILED, the probe link did not link'); return null; }
    const pid = a.child.pid!;
    await sleep(1500);
    const rss0 = rssKb(pid);
    let total = 0;
    let lastAt = 0;
    let want = Infinity;
    let allIn: (() => void) | null = null;
    const onLines = (n: number) => { total += n; lastAt = performance.now(); if (total >= want && allIn) { allIn(); allIn = null; } };
    const c0 = performance.now();
    clients = await connectClients(a.clientPort, CLIENTS, onLines);
    const connectMs = performance.now() - c0;
    const joined = clients.filter((c) => c.joined).length;
    if (joined < CLIENTS) console.log(`fan-out: only ${joined} of ${CLIENTS} clients joined ${CHANNEL} (${clients.filter((c) => c.closed).length} closed; first reason: ${clients.find((c) => c.error)?.error ?? 'none given'})`);
    await sleep(1500);
    // Lines that reached a client after its 366 (other clients' JOINs) are not messages.
    total = 0;
    for (const c of clients) c.lines = 0;
    const rss1 = rssKb(pid);
    const rssPerClient = joined > 0 ? (rss1 - rss0) / joined : 0;

    // Fan-out: MESSAGES lines from the remote user, PER_WRITE per write, as fast as the link takes them.
    want = MESSAGES * joined;
    const done = new Promise<boolean>((resolve) => {
      allIn = () => resolve(true);
      setTimeout(() => resolve(false), 120_000).unref();
    });
    const probe = probeLink.probe();
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    for (let i = 0; i < MESSAGES; i += PER_WRITE) {
      const lines: string[] = [];
      for (let k = i; k < Math.min(MESSAGES, i + PER_WRITE); k++) lines.push(`:${REMOTE_UID} PRIVMSG ${CHANNEL} :${TEXT} ${k}`);
      lines.push('');
      if (!hub.sock.write(Buffer.from(lines.join('\r\n'), 'latin1'))) await new Promise((r) => hub!.sock.once('drain', r));
      await new Promise((r) => setImmediate(r));
    }
    const ok = await done;
    const ms = (ok ? lastAt : performance.now()) - t0;
    const cpu = cpuMs(pid) - cpu0;
    const rtts = await probe.stop();
    const perSec = total / (ms / 1000);
    const closed = clients.filter((c) => c.closed).length;
    const f: FanoutFigures = { clients: CLIENTS, joined, messages: MESSAGES, delivered: total, ms, perSec, rssPerClientKiB: rssPerClient, lagMaxMs: rtts.includes(PROBE_TIMEOUT) ? PROBE_TIMEOUT : Math.max(0, ...rtts), lagP99Ms: pct(rtts, 0.99), probes: rtts.length, cpuMs: cpu };
    const la = loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`fan-out (tslink): ${joined} plaintext loopback clients in ${CHANNEL} on node A (connected, registered and joined in ${(connectMs / 1000).toFixed(1)} s), ${MESSAGES} PRIVMSG from a user on B over S2S TLS: ${total.toLocaleString('en')} of ${want.toLocaleString('en')} lines delivered${ok ? '' : ' (TIMED OUT)'} in ${ms.toFixed(0)} ms = ${Math.round(perSec).toLocaleString('en')} delivered messages/s (node A CPU ${cpu.toFixed(0)} ms)${closed ? `, ${closed} clients closed` : ''}; node A RSS ${(rss0 / 1024).toFixed(0)} MB → ${(rss1 / 1024).toFixed(0)} MB with the clients = ${rssPerClient.toFixed(1)} KiB per idle client; PING → PONG on another S2S link during the fan-out: max ${lag(rtts)}, p99 ${fmt(pct(rtts, 0.99))}, median ${fmt(pct(rtts, 0.5))} (${rtts.length} probes); load average ${la}`);
    console.log('  targets: ≥ 200,000 delivered messages/s, ≤ 20 KiB RSS per idle client, PING → PONG ≤ 50 ms during the fan-out');
    return f;
  } finally {
    for (const c of clients) c.sock.destroy();
    hub?.sock.destroy();
    probeLink?.sock.destroy();
    await a.stop();
  }
}

/** As `npm run bench fanout` prints it: tslink, then (UNREALIRCD_BIN) the UnrealIRCd leaf and the ratio. */
export async function fanoutBench(): Promise<void> {
  await fanoutTslink();
  if (!process.env.UNREALIRCD_BIN) {
    console.log('fan-out (UnrealIRCd): skipped, UNREALIRCD_BIN is unset (set it to run the same fan-out through an UnrealIRCd leaf and print the ratio)');
    return;
  }
  console.log('fan-out (UnrealIRCd): NOT RUN, the UnrealIRCd leaf run is not written yet (no ratio)');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await fanoutBench();
