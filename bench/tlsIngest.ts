// Burst ingest over a real TLS link: a client playing the hub connects to a tslink node
// (child process, started from a config file), sends the whole synthetic burst followed by
// a PING, and we time first byte → PONG and read the node's RSS growth from /proc.
import * as tls from 'node:tls';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import { generateSelfSigned, certFingerprint, spkiFingerprint } from '../src/link/certs.ts';
import { burstLines } from './engineIngest.ts';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

/**
 * The V8 flags the node runs with: those of `npm start` (package.json), so the figures are the
 * node's as operators start it; BENCH_NODE_FLAGS replaces them.
 */
function nodeFlags(): string[] {
  if (process.env.BENCH_NODE_FLAGS !== undefined) return process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
  const m = /^node((?: --\S+)*) bin\/tslink\.js\b/.exec(start);
  return m ? m[1].split(' ').filter(Boolean) : [];
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

export async function tlsBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-bench-'));
  const nodeKc = generateSelfSigned({ commonName: 'leaf.gen.test' });
  const hubKc = generateSelfSigned({ commonName: 'hub.gen.test' });
  writeFileSync(join(dir, 'node.key'), nodeKc.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'node.crt'), nodeKc.certPem);
  const port = await freePort();
  writeFileSync(join(dir, 'bench.conf'), `
me { name "leaf.gen.test"; info "bench node"; sid "0AA"; }
listen { ip 127.0.0.1; port ${port}; options { serversonly; tls; } tls-options { certificate "${join(dir, 'node.crt')}"; key "${join(dir, 'node.key')}"; } }
class servers { pingfreq 600; connfreq 15; maxclients 10; sendq 200M; recvq 64M; }
link hub.gen.test { incoming { mask 127.0.0.1; } verify { certfp "${certFingerprint(hubKc.certPem)}"; } hub *; class servers; }
set { network-name "GenNet"; data-directory "${join(dir, 'data')}"; }
`);
  const child = spawn(process.execPath, [...nodeFlags(), 'bin/tslink.js', 'start', '--config', join(dir, 'bench.conf')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TSLINK_LOG_LEVEL: 'warn' } });
  await new Promise((r) => setTimeout(r, 300));
  // Wait until the port accepts connections.
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); }); s.on('error', () => resolve(false)); });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const lines = burstLines();
  const ts = Math.floor(Date.now() / 1000);
  const handshake = [
    'PASS :*',
    'PROTOCTL EAUTH=hub.gen.test,6100,tslink,tslink-gen',
    'PROTOCTL NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS',
    `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ USERMODES=diopqrstwxzBDGHIRSTWZ BOOTED=${ts} PREFIX=(qaohv)~&@%+ SID=001 MLOCK TS=${ts} EXTSWHOIS`,
    'PROTOCTL NICKCHARS= CHANNELCHARS=utf8 BIGLINES',
    'SERVER hub.gen.test 1 :U6100-tslink-001 generated hub',
  ];
  const burst = lines.filter((l) => !/^(PASS|PROTOCTL|SERVER) /.test(l) && !/ PONG /.test(l));
  const payload = Buffer.from([...handshake, ...burst, ':001 PING 001 0AA', ''].join('\r\n'), 'latin1');
  const rss0 = rssKb(child.pid!);
  const sock = tls.connect({ host: '127.0.0.1', port, key: hubKc.keyPem, cert: hubKc.certPem, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
  await new Promise<void>((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
  const peerOk = spkiFingerprint(sock.getPeerX509Certificate()!.toString()) === spkiFingerprint(nodeKc.certPem);
  let t0 = 0n;
  let buf = '';
  const done = new Promise<bigint>((resolve, reject) => {
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (/ PONG 0AA :hub\.gen\.test/.test(buf) || / PONG [^ ]+ :hub\.gen\.test/.test(buf)) resolve(process.hrtime.bigint());
      if (buf.length > 1e6) buf = buf.slice(-2000);
    });
    sock.on('close', () => reject(new Error('link closed before PONG: ' + buf.slice(-300))));
    setTimeout(() => reject(new Error('no PONG within 60 s')), 60_000).unref();
  });
  t0 = process.hrtime.bigint();
  sock.write(payload);
  let ms = -1;
  try { ms = Number((await done) - t0) / 1e6; } catch (err) { console.log(`tls ingest FAILED: ${(err as Error).message}`); }
  const rss1 = rssKb(child.pid!);
  console.log(`tls ingest: first byte → PONG ${ms.toFixed(0)} ms for ${(payload.length / 1e6).toFixed(1)} MB (${Math.round(burst.length / (ms / 1000)).toLocaleString('en')} lines/s); node RSS ${Math.round(rss0 / 1024)} → ${Math.round(rss1 / 1024)} MB (growth ${((rss1 - rss0) / 1024).toFixed(1)} MB); server cert pinned: ${peerOk}; node flags: ${nodeFlags().join(' ') || 'none'}`);
  console.log(`  targets: first byte → PONG < 1100 ms (UnrealIRCd 6.1.8.1: 1420 ms plaintext); RSS growth < 80 MB (UnrealIRCd: ~81 MB)`);
  sock.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
