// Our outgoing burst, from a started node (child process, `npm start`'s V8 flags) to a peer linking
// to it over TLS (issue 13 "Outgoing burst", issue 14 item 3):
//   reburst: the node has ingested the 50,000-user burst of bench/engineIngest.ts from its hub;
//            a second peer links: SERVER → its first burst line, → first UID, → our EOS; the
//            node's RSS before, at most during, and after; PING → PONG on the hub link meanwhile.
//   big:     a 500,000-user network (this file's own quick generator: 10 servers, 100,000
//            channels, 5,000 TKLs) links to a fresh peer whose class sendq is 2 MB: whether it
//            links at all, how long it takes, the node's RSS growth during that burst beyond the
//            state it held, and PING → PONG on the hub link meanwhile (the event-loop lag its
//            other links see).
// Everything is bounded (counts, and a timeout on every wait); the node is killed at the end.
// Run alone: node --expose-gc --import tsx bench/burstOut.ts [reburst] [big]
import * as tls from 'node:tls';
import * as net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { certFingerprint, generateSelfSigned, type KeyAndCert } from '../src/link/certs.ts';
import { burstLines } from './engineIngest.ts';
import { freePort, nodeFlags, rssKb } from './benchNode.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A PING probe that gets no PONG within this long ends the probing (and counts as that long). */
const PROBE_TIMEOUT = 10_000;

/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch { return 0; }
}

interface Node { child: ChildProcess; port: number; dir: string; nodeKc: KeyAndCert; hubKc: KeyAndCert; peerKc: KeyAndCert; stop(): Promise<void> }

/** leaf.gen.test (0AA): its hub hub.gen.test (sendq 200M), and peer.gen.test in a class with `peerSendq`. */
async function startNode(peerSendq: string): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-burstout-'));
  const nodeKc = generateSelfSigned({ commonName: 'leaf.gen.test' });
  const hubKc = generateSelfSigned({ commonName: 'hub.gen.test' });
  const peerKc = generateSelfSigned({ commonName: 'peer.gen.test' });
  writeFileSync(join(dir, 'node.key'), nodeKc.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'node.crt'), nodeKc.certPem);
  const port = await freePort();
  writeFileSync(join(dir, 'bench.conf'), `
me { name "leaf.gen.test"; info "bench node"; sid "0AA"; }
listen { ip 127.0.0.1; port ${port}; options { serversonly; tls; } tls-options { certificate "${join(dir, 'node.crt')}"; key "${join(dir, 'node.key')}"; } }
class servers { pingfreq 600; connfreq 15; maxclients 10; sendq 200M; recvq 64M; }
class peers { pingfreq 600; connfreq 15; maxclients 10; sendq ${peerSendq}; recvq 64M; }
link hub.gen.test { incoming { mask 127.0.0.1; } verify { certfp "${certFingerprint(hubKc.certPem)}"; } hub *; class servers; }
link peer.gen.test { incoming { mask 127.0.0.1; } verify { certfp "${certFingerprint(peerKc.certPem)}"; } class peers; }
set { network-name "GenNet"; data-directory "${join(dir, 'data')}"; }
`);
  const child = spawn(process.execPath, [...nodeFlags(), 'bin/tslink.js', 'start', '--config', join(dir, 'bench.conf')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TSLINK_LOG_LEVEL: 'warn', TSLINK_ALLOW_ROOT: '1' } });
  // BENCH_NODE_LOG=FILE keeps the node's stdout (its log; --trace-gc in BENCH_NODE_FLAGS prints there too).
  const logFile = process.env.BENCH_NODE_LOG;
  child.stdout!.on('data', (d: Buffer) => { if (logFile) appendFileSync(logFile, d); });
  for (let i = 0; i < 150; i++) {
    const ok = await new Promise<boolean>((resolve) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); }); s.on('error', () => resolve(false)); });
    if (ok) break;
    await sleep(100);
  }
  return {
    child, port, dir, nodeKc, hubKc, peerKc,
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

function handshake(name: string, sid: string): string[] {
  const ts = Math.floor(Date.now() / 1000);
  return [
    'PASS :*',
    `PROTOCTL EAUTH=${name},6100,tslink,tslink-gen`,
    'PROTOCTL NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS',
    `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ USERMODES=diopqrstwxzBDGHIRSTWZ BOOTED=${ts} PREFIX=(qaohv)~&@%+ SID=${sid} MLOCK TS=${ts} EXTSWHOIS`,
    'PROTOCTL NICKCHARS= CHANNELCHARS=utf8 BIGLINES',
    `SERVER ${name} 1 :U6100-tslink-${sid} generated ${name}`,
  ];
}

async function tlsTo(n: Node, kc: KeyAndCert): Promise<tls.TLSSocket> {
  const sock = tls.connect({ host: '127.0.0.1', port: n.port, key: kc.keyPem, cert: kc.certPem, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
  await new Promise<void>((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
  sock.on('error', () => {});
  return sock;
}

/** The hub link: its burst written once; then PING probes (one outstanding at a time), each timed to its PONG. */
class Hub {
  private pongs = 0;
  private waiting: { n: number; resolve: () => void } | null = null;
  private tail = '';
  closed = false;
  constructor(readonly sock: tls.TLSSocket) {
    sock.on('data', (d: Buffer) => {
      const lines = (this.tail + d.toString('latin1')).split('\r\n');
      this.tail = lines.pop()!;
      if (this.tail.length > 1e6) this.tail = '';
      for (const l of lines) if (/^:\S+ PONG /.test(l)) this.pongs++;
      if (this.waiting && this.pongs >= this.waiting.n) { const w = this.waiting; this.waiting = null; w.resolve(); }
    });
    sock.on('close', () => { this.closed = true; });
  }
  private sent = 0;
  /** Write `lines` and a PING; resolves when its PONG is back (ms since the write), -1 after `timeoutMs`. */
  async ping(lines: string[] = [], timeoutMs = 120_000): Promise<number> {
    const n = ++this.sent;
    const t0 = performance.now();
    const done = new Promise<boolean>((resolve) => {
      this.waiting = { n, resolve: () => resolve(true) };
      setTimeout(() => resolve(false), timeoutMs).unref();
    });
    this.sock.write(Buffer.from([...lines, ':001 PING 001 0AA', ''].join('\r\n'), 'latin1'));
    return (await done) ? performance.now() - t0 : -1;
  }
  /** PING → PONG round trips, one after another (`gapMs` apart), until stop() is called. */
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

interface BurstFigures { linked: boolean; why: string; sentAt: number; serverAt: number; firstAt: number; firstUidAt: number; eosAt: number; lines: number; bytes: number }

/** The peer linking: reads everything, timing our SERVER line, the first line after it, the first UID and our EOS. */
async function linkPeer(n: Node, timeoutMs: number): Promise<BurstFigures> {
  const sock = await tlsTo(n, n.peerKc);
  const f: BurstFigures = { linked: false, why: '', sentAt: -1, serverAt: -1, firstAt: -1, firstUidAt: -1, eosAt: -1, lines: 0, bytes: 0 };
  let tail: Buffer = Buffer.alloc(0);
  let scanning = true; // lines are looked at until the first UID; after that only counted (and EOS looked for)
  const EOS = Buffer.from('\r\n:0AA EOS\r\n', 'latin1');
  return new Promise<BurstFigures>((resolve) => {
    const finish = (why: string) => { f.why ||= why; sock.destroy(); resolve(f); };
    const timer = setTimeout(() => finish(`no EOS within ${timeoutMs / 1000} s`), timeoutMs);
    sock.on('data', (d: Buffer) => {
      const now = performance.now();
      f.bytes += d.length;
      let nl = -1;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) { f.lines++; nl = i; }
      if (scanning) {
        const text = Buffer.concat([tail, d]).toString('latin1');
        const lines = text.split('\r\n');
        lines.pop();
        for (const l of lines) {
          if (f.serverAt < 0) { if (/^SERVER /.test(l)) f.serverAt = now; continue; }
          if (f.firstAt < 0) f.firstAt = now;
          if (/ UID /.test(l) && f.firstUidAt < 0) { f.firstUidAt = now; scanning = false; }
          if (/^ERROR /.test(l)) f.why = l;
          if (l === ':0AA EOS') { f.eosAt = now; f.linked = true; clearTimeout(timer); finish(''); return; }
        }
      } else {
        const probe = Buffer.concat([tail.subarray(Math.max(0, tail.length - EOS.length)), d]);
        if (probe.indexOf(EOS) >= 0) { f.eosAt = now; f.linked = true; clearTimeout(timer); finish(''); return; }
        const err = probe.indexOf('\nERROR ');
        if (err >= 0) f.why = probe.subarray(err + 1, Math.min(probe.length, err + 120)).toString('latin1').split('\r')[0];
      }
      tail = nl >= 0 ? d.subarray(nl + 1) : Buffer.concat([tail, d]);
      if (tail.length > 65536) tail = tail.subarray(tail.length - 65536);
    });
    sock.on('close', () => { clearTimeout(timer); finish('the node closed the link'); });
    f.sentAt = performance.now();
    sock.write(Buffer.from([...handshake('peer.gen.test', '0PB'), ':0PB EOS', ''].join('\r\n'), 'latin1'));
  });
}

/** Max VmRSS of a process (sampled every `ms`) until stop(). */
function rssSampler(pid: number, ms = 10): { stop(): number } {
  let max = rssKb(pid);
  const t = setInterval(() => { max = Math.max(max, rssKb(pid)); }, ms);
  return { stop() { clearInterval(t); return Math.max(max, rssKb(pid)); } };
}

const fmt = (ms: number) => (ms < 0 ? 'n/a' : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
/** The largest round trip; a probe that got no PONG within PROBE_TIMEOUT ends the probing. */
const lag = (rtts: number[]) => (rtts.length === 0 ? 'n/a' : rtts.includes(PROBE_TIMEOUT) ? `> ${PROBE_TIMEOUT / 1000} s (no PONG)` : fmt(Math.max(...rtts)));
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : -1; };

/** The 50,000-user re-burst (issue 13). */
export async function reburstBench(): Promise<void> {
  const node = await startNode('20M');
  try {
    const lines = burstLines();
    const burst = lines.filter((l) => !/^(PASS|PROTOCTL|SERVER) /.test(l) && !/ PONG /.test(l));
    const hub = new Hub(await tlsTo(node, node.hubKc));
    const ingestMs = await hub.ping([...handshake('hub.gen.test', '001'), ...burst]);
    if (ingestMs < 0) { console.log('burst out (50k re-burst): FAILED, the hub burst was not ingested'); return; }
    await sleep(1500);
    const pid = node.child.pid!;
    const rss0 = rssKb(pid);
    const sampler = rssSampler(pid);
    const probe = hub.probe();
    const cpu0 = cpuMs(pid);
    const f = await linkPeer(node, 60_000);
    const cpu = cpuMs(pid) - cpu0;
    const rttsDuring = await probe.stop();
    const rssMax = sampler.stop();
    const rssEos = rssKb(pid);
    await sleep(1000);
    const rss1 = rssKb(pid);
    const p = (t: number) => (t < 0 ? -1 : t - f.sentAt);
    console.log(`burst out, 50k re-burst: ${f.linked ? 'linked' : `NOT linked (${f.why})`}; from the peer's SERVER: our SERVER ${fmt(p(f.serverAt))}, first burst line ${fmt(p(f.firstAt))}, first UID ${fmt(p(f.firstUidAt))}, our EOS ${fmt(p(f.eosAt))} (${f.lines.toLocaleString('en')} lines, ${(f.bytes / 1e6).toFixed(1)} MB; node CPU ${cpu.toFixed(0)} ms); node RSS before ${mb(rss0)}, max during ${mb(rssMax)} (+${((rssMax - rss0) / 1024).toFixed(1)} MB), at EOS ${mb(rssEos)}, 1 s after ${mb(rss1)} (${rss1 >= rss0 ? '+' : ''}${((rss1 - rss0) / 1024).toFixed(1)} MB); PING → PONG on the hub link meanwhile: max ${lag(rttsDuring)} (${rttsDuring.length} probes)`);
    console.log('  targets: first burst line ≤ 20 ms after the peer\'s SERVER, whole burst ≤ 300 ms, RSS 1 s after within 10 MB of before');
    hub.sock.destroy();
  } finally {
    await node.stop();
  }
}

/**
 * A network of `users` users (10 servers), users/5 channels of 1-30 members, `tkls` G-lines, as its
 * hub bursts it: lines in the shape of gen-burst's (UID with s2s-md tag, MD creationtime, SJOIN,
 * TOPIC, TKL), made quickly (gen-burst takes ~12 s for 500,000 users).
 */
export function bigBurst(users: number, tkls: number): string[] {
  const out: string[] = [];
  const base = Math.floor(Date.now() / 1000) - 86400;
  const B36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const sids = ['001'];
  for (let i = 1; i < 10; i++) { const sid = `${i}${B36[10 + i]}S`; sids.push(sid); out.push(`:001 SID s${i}.gen.test 2 ${sid} :generated server ${i}`, `:${sid} EOS`); }
  const uid = (i: number) => { let t = ''; for (let k = 0, v = Math.floor(i / 10); k < 6; k++, v = Math.floor(v / 36)) t = B36[v % 36] + t; return sids[i % 10] + t; };
  let x = 12345;
  const rnd = (n: number) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % n; };
  for (let i = 0; i < users; i++) {
    const id = uid(i), sid = sids[i % 10], ts = base + rnd(600);
    out.push(`@s2s-md/creationtime=${ts - 50} :${sid} UID user${i} 0 ${ts} u${i % 1000} 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} ${id} ${i % 5 === 0 ? `acct${i}` : '0'} +iwx * ${(i * 2654435761 >>> 0).toString(16).toUpperCase()}.IP CgAAAQ== :Generated user ${i}`);
    out.push(`:${sid} MD client ${id} creationtime :${ts - 50}`);
    if (i % 12 === 0) out.push(`:${id} AWAY :away, back soon`);
  }
  for (let c = 0; c < users / 5; c++) {
    const ts = base + rnd(500), n = 1 + rnd(30);
    const head = `:001 SJOIN ${ts} #chan${c}`;
    let cur = `${head} +nt :`;
    for (let k = 0; k < n; k++) {
      const it = (k === 0 ? '@' : '') + uid(rnd(users));
      if (cur.length + it.length + 1 > 504) { out.push(cur.trimEnd()); cur = `${head} :`; }
      cur += it + ' ';
    }
    out.push(cur.trimEnd());
    if (c % 2 === 0) out.push(`TOPIC #chan${c} setter!u@h ${ts + 2} :Welcome to #chan${c}`);
  }
  for (let k = 0; k < tkls; k++) out.push(`:hub.gen.test TKL + G * 192.0.${k >> 8}.${k & 255} oper!op@staff.gen.test 0 ${base} :Generated gline ${k}`);
  out.push(`NETINFO ${users} ${base} 6100 * 0 0 0 :GenNet`);
  return out;
}

/** A 500,000-user network to a fresh peer with sendq 2 MB (issue 14 item 3). */
export async function bigBurstBench(users = Number(process.env.BENCH_BIG_USERS ?? 500_000)): Promise<void> {
  const node = await startNode('2M');
  try {
    const burst = bigBurst(users, 5000);
    const hub = new Hub(await tlsTo(node, node.hubKc));
    const t0 = performance.now();
    const ingestMs = await hub.ping([...handshake('hub.gen.test', '001'), ...burst], 300_000);
    burst.length = 0;
    if (ingestMs < 0) { console.log('burst out, 500k: FAILED, the hub burst was not ingested'); return; }
    const ingestWall = performance.now() - t0;
    await sleep(2000);
    const pid = node.child.pid!;
    const rssState = rssKb(pid);
    const idle = hub.probe();
    await sleep(300);
    const rttsIdle = await idle.stop();
    const sampler = rssSampler(pid);
    const probe = hub.probe();
    const f = await linkPeer(node, 120_000);
    const rtts = await probe.stop();
    const rssMax = sampler.stop();
    const secs = f.eosAt >= 0 ? (f.eosAt - f.sentAt) / 1000 : -1;
    console.log(`burst out, ${(users / 1000).toFixed(0)}k users to a fresh peer with sendq 2 MB: ${f.linked ? 'linked' : `NOT linked (${f.why})`}; the peer's SERVER → our EOS ${secs < 0 ? 'n/a' : `${secs.toFixed(2)} s`} (${f.lines.toLocaleString('en')} lines, ${(f.bytes / 1e6).toFixed(0)} MB${secs > 0 ? `, ${(f.bytes / 1e6 / secs).toFixed(0)} MB/s` : ''}); node RSS with the state ${mb(rssState)} (hub burst ingested in ${(ingestWall / 1000).toFixed(1)} s), max during the burst ${mb(rssMax)} (growth ${((rssMax - rssState) / 1024).toFixed(1)} MB); PING → PONG on the hub link during the burst: max ${lag(rtts)}, p99 ${fmt(pct(rtts, 0.99))}, median ${fmt(pct(rtts, 0.5))} (${rtts.length} probes; idle: max ${lag(rttsIdle)})`);
    console.log('  targets: links; RSS growth ≤ 50 MB beyond the state; PING → PONG on the other link ≤ 50 ms');
    hub.sock.destroy();
  } finally {
    await node.stop();
  }
}

/** Both, as `npm run bench` prints them. */
export async function burstOutBench(): Promise<void> {
  await reburstBench();
  await bigBurstBench();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const which = process.argv.slice(2);
  if (which.length === 0 || which.includes('reburst')) await reburstBench();
  if (which.length === 0 || which.includes('big')) await bigBurstBench();
}
