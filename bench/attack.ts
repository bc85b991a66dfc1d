// npm run bench:attack — a started node (child process) under the attack mixes of issue 14, on
// loopback (attacking source addresses from 127.0.0.0/8), bounded in count and time. Prints:
//   slots:   200 addresses holding half-open connections up to the node's caps, then a real
//            (pinned) link is set up during the attack: its setup time;
//   memory:  RSS per idle half-open connection (no ClientHello; all 2,000, and the second 1,000
//            alone), per connection that finished its TLS handshake and sent nothing, and RSS
//            30 s after they all closed;
//   lag:     the largest PING → PONG round trip on an established link meanwhile.
// BENCH_ATTACK_QUICK=1 waits 5 s instead of 30 s after the attack. When jemalloc is installed
// (Debian: libjemalloc2) the whole run is repeated with the node's malloc replaced by it, as
// contrib/tslink.service can do, and those lines say "[jemalloc]": glibc's malloc keeps much of
// what OpenSSL freed after the connections closed, jemalloc gives it back.
import * as tls from 'node:tls';
import * as net from 'node:net';
import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSelfSigned, certFingerprint } from '../src/link/certs.ts';
import { freePort, nodeFlags, rssKb } from './benchNode.ts';

const ADDRESSES = 200;
const PER_ADDRESS = 10;
const SETTLE_MS = process.env.BENCH_ATTACK_QUICK ? 5_000 : 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The i-th attacking source address: spread over /24s of 127.0.0.0/8, away from 127.0.0.1 (20 per /24). */
const attacker = (i: number) => `127.${10 + Math.floor(i / 2000)}.${Math.floor((i % 2000) / 20)}.${2 + (i % 20)}`;

interface Peer { sock: tls.TLSSocket; lines: string[]; wait(re: RegExp, ms: number): Promise<string> }
function tlsPeer(port: number, key: string, cert: string, localAddress = '127.0.0.1'): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ socket: net.connect({ host: '127.0.0.1', port, localAddress }), key, cert, rejectUnauthorized: false });
    const lines: string[] = [];
    let buf = '';
    const waiters: (() => void)[] = [];
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) { lines.push(buf.slice(0, nl).replace(/\r$/, '')); buf = buf.slice(nl + 1); }
      for (const w of waiters.splice(0)) w();
    });
    sock.on('error', () => {});
    sock.once('secureConnect', () => resolve({
      sock, lines,
      async wait(re, ms) {
        const end = Date.now() + ms;
        for (;;) {
          const l = lines.find((x) => re.test(x));
          if (l) return l;
          if (Date.now() > end || sock.destroyed) throw new Error(`no ${re} (got ${lines.slice(-3).join(' | ')})`);
          await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 50); });
        }
      },
    }));
    sock.once('error', reject);
  });
}

function handshake(name: string, sid: string): string {
  const ts = Math.floor(Date.now() / 1000);
  return [
    'PASS :*',
    `PROTOCTL EAUTH=${name},6100,Fhn6OoE,UnrealIRCd-6.1.8.1`,
    'PROTOCTL NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS',
    `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ USERMODES=diopqrstwxzBDGHIRSTWZ BOOTED=${ts} PREFIX=(qaohv)~&@%+ SID=${sid} MLOCK TS=${ts} EXTSWHOIS`,
    `SERVER ${name} 1 :U6100-Fhn6OoE-${sid} bench peer`,
    `:${sid} EOS`,
    '',
  ].join('\r\n');
}

/** Open `n` plain TCP connections from the attacking addresses; resolves with those the node kept open. */
async function openIdle(port: number, n: number, offset = 0): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  for (let b = 0; b < n; b += 200) {
    await Promise.all(Array.from({ length: Math.min(200, n - b) }, (_, k) => new Promise<void>((resolve) => {
      const i = b + k;
      const s = net.connect({ host: '127.0.0.1', port, localAddress: attacker((offset + i) % ADDRESSES) }, () => resolve());
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      socks.push(s);
    })));
  }
  await sleep(500);
  return socks.filter((s) => !s.destroyed && s.readyState === 'open');
}

/** Open `n` TLS connections that finish the handshake (self-signed, unpinned) and send nothing. */
async function openTlsIdle(port: number, n: number, key: string, cert: string): Promise<tls.TLSSocket[]> {
  const socks: tls.TLSSocket[] = [];
  for (let b = 0; b < n; b += 100) {
    await Promise.all(Array.from({ length: Math.min(100, n - b) }, (_, k) => new Promise<void>((resolve) => {
      const s = tls.connect({ socket: net.connect({ host: '127.0.0.1', port, localAddress: attacker(ADDRESSES + ((b + k) % ADDRESSES)) }), key, cert, rejectUnauthorized: false }, () => resolve());
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      socks.push(s);
    })));
  }
  await sleep(500);
  return socks.filter((s) => !s.destroyed);
}

/** Debian's jemalloc, with the settings README "Memory after an attack" recommends. */
const JEMALLOC = ['/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2', '/usr/lib64/libjemalloc.so.2'].find((p) => existsSync(p));
const JEMALLOC_CONF = 'background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0';

export async function attackBench(): Promise<void> {
  await attackRun('', {});
  if (JEMALLOC) await attackRun('[jemalloc] ', { LD_PRELOAD: JEMALLOC, MALLOC_CONF: JEMALLOC_CONF });
}

async function attackRun(label: string, mallocEnv: Record<string, string>): Promise<void> {
  const log = (line: string) => console.log(`${label}${line}`);
  const dir = mkdtempSync(join(tmpdir(), 'tslink-attack-'));
  const nodeKc = generateSelfSigned({ commonName: 'node.attack.test' });
  const hubKc = generateSelfSigned({ commonName: 'hub.attack.test' });
  const otherKc = generateSelfSigned({ commonName: 'leaf.attack.test' });
  const evilKc = generateSelfSigned({ commonName: 'evil.attack.test' });
  writeFileSync(join(dir, 'node.key'), nodeKc.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'node.crt'), nodeKc.certPem);
  const port = await freePort();
  writeFileSync(join(dir, 'attack.conf'), `
me { name "node.attack.test"; info "attacked node"; sid "0AA"; }
listen { ip 127.0.0.1; port ${port}; options { serversonly; tls; } tls-options { certificate "${join(dir, 'node.crt')}"; key "${join(dir, 'node.key')}"; } }
class servers { pingfreq 600; connfreq 15; maxclients 10; sendq 20M; recvq 64k; }
link hub.attack.test { incoming { mask 127.0.0.1; } verify { certfp "${certFingerprint(hubKc.certPem)}"; } hub *; class servers; }
link leaf.attack.test { incoming { mask 127.0.0.1; } verify { certfp "${certFingerprint(otherKc.certPem)}"; } class servers; }
set { network-name "AttackNet"; data-directory "${join(dir, 'data')}"; server-linking { handshake-timeout 60s; } handshake-limits { per-ip ${PER_ADDRESS}; total ${ADDRESSES * PER_ADDRESS}; } anti-flood { everyone { connect-flood ${PER_ADDRESS * 2}:60; } } }
`);
  const child = spawn(process.execPath, [...nodeFlags(), 'bin/tslink.js', 'start', '--config', join(dir, 'attack.conf')], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TSLINK_LOG_LEVEL: 'error', TSLINK_ALLOW_ROOT: '1', ...mallocEnv } });
  try {
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((resolve) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); }); s.on('error', () => resolve(false)); });
      if (ok) break;
      await sleep(100);
    }
    // An established link whose PING round trips show the event-loop lag during the attacks. It
    // runs in a process of its own: in this one, the attack's own TLS handshakes would delay it.
    const probe = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_ATTACK_PROBE: JSON.stringify({ port, keyPem: hubKc.keyPem, certPem: hubKc.certPem } satisfies ProbeData) } });
    const probeSays = () => new Promise<ProbeReply>((resolve, reject) => { probe.once('message', (m) => resolve(m as ProbeReply)); probe.once('exit', () => reject(new Error('the lag probe exited'))); });
    await probeSays(); // linked
    const lagSince = async () => { probe.send('mark'); return probeSays(); };
    await sleep(2000);
    const rss0 = rssKb(child.pid!);

    // Mix 1: every half-open slot taken by 200 addresses, then a real link.
    // In two halves: the second half's growth is what one more connection costs, without the
    // one-time growth of V8's young generation (to its cap, 2 x --max-semi-space-size) that the first half pays.
    const half = (ADDRESSES * PER_ADDRESS) / 2;
    const idleA = await openIdle(port, half);
    const rssHalf = rssKb(child.pid!);
    const idleB = await openIdle(port, half, half);
    const idle = [...idleA, ...idleB];
    const rssIdle = rssKb(child.pid!);
    const t0 = performance.now();
    let setup = 'refused';
    try {
      const leaf = await tlsPeer(port, otherKc.keyPem, otherKc.certPem);
      leaf.sock.write(handshake('leaf.attack.test', '0BB'));
      await leaf.wait(/ EOS$/, 10_000);
      setup = `${(performance.now() - t0).toFixed(0)} ms`;
      leaf.sock.destroy();
    } catch (err) { setup = `failed (${(err as Error).message.slice(0, 120)})`; }
    log(`attack slots: ${idle.length} of ${ADDRESSES * PER_ADDRESS} half-open connections held by ${ADDRESSES} addresses; a pinned link during the attack: ${setup}`);
    log(`attack memory: idle half-open (no ClientHello): ${idle.length ? (((rssIdle - rss0) * 1024) / idle.length / 1024).toFixed(1) : '-'} KB each (RSS ${Math.round(rss0 / 1024)} → ${Math.round(rssIdle / 1024)} MB: +${((rssIdle - rss0) / 1024).toFixed(1)} MB for ${idle.length}); the second ${idleB.length}: ${idleB.length ? (((rssIdle - rssHalf) * 1024) / idleB.length / 1024).toFixed(1) : '-'} KB each`);
    for (const s of idle) s.destroy();
    await sleep(1000);
    const lag1 = await lagSince();

    // Mix 2: connections that complete TLS with an unpinned certificate and then send nothing.
    const rss1 = rssKb(child.pid!);
    const tlsIdle = await openTlsIdle(port, 1000, evilKc.keyPem, evilKc.certPem);
    const rssTls = rssKb(child.pid!);
    log(`attack memory: after the TLS handshake, sending nothing: ${tlsIdle.length ? (((rssTls - rss1) * 1024) / tlsIdle.length / 1024).toFixed(1) : '-'} KB each (${tlsIdle.length} open; RSS ${Math.round(rss1 / 1024)} → ${Math.round(rssTls / 1024)} MB)`);
    for (const s of tlsIdle) s.destroy();
    await sleep(SETTLE_MS);
    const rssAfter = rssKb(child.pid!);
    log(`attack memory: RSS ${SETTLE_MS / 1000} s after the attack: ${Math.round(rssAfter / 1024)} MB (before: ${Math.round(rss0 / 1024)} MB, ${(((rssAfter - rss0) / rss0) * 100).toFixed(1)} %)`);
    const lag2 = await lagSince();
    probe.kill();
    log(`attack lag: largest PING → PONG on the established link: ${lag1.maxLag.toFixed(0)} ms during the half-open connections (${lag1.pings} pings), ${lag2.maxLag.toFixed(0)} ms during the 1,000 TLS handshakes and after (${lag2.pings} pings)`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ProbeData { port: number; keyPem: string; certPem: string }
interface ProbeReply { maxLag: number; pings: number }

/** The probe process: links as hub.attack.test, then PINGs every 50 ms; 'mark' answers the largest round trip since the last mark. */
async function lagProbe(d: ProbeData): Promise<void> {
  const hub = await tlsPeer(d.port, d.keyPem, d.certPem);
  hub.sock.write(handshake('hub.attack.test', '001'));
  await hub.wait(/ EOS$/, 10_000);
  let maxLag = 0, pings = 0, sentAt = 0, inFlight = false;
  const ping = () => { pings++; inFlight = true; sentAt = performance.now(); hub.sock.write(':001 PING hub.attack.test node.attack.test\r\n'); };
  hub.sock.on('data', () => {
    const pong = hub.lines.some((l) => / PONG /.test(l));
    hub.lines.length = 0;
    if (!pong || !inFlight) return;
    inFlight = false;
    maxLag = Math.max(maxLag, performance.now() - sentAt);
    setTimeout(ping, 50);
  });
  process.on('message', () => {
    // A PING still unanswered counts with its wait so far.
    process.send!({ maxLag: inFlight ? Math.max(maxLag, performance.now() - sentAt) : maxLag, pings } satisfies ProbeReply);
    maxLag = 0;
    pings = 0;
  });
  process.send!({ maxLag: 0, pings: 0 } satisfies ProbeReply);
  ping();
}

if (process.env.BENCH_ATTACK_PROBE) await lagProbe(JSON.parse(process.env.BENCH_ATTACK_PROBE) as ProbeData);
else if (import.meta.url === `file://${process.argv[1]}`) await attackBench();
