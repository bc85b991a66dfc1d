// Helpers for the benches that run a real node: a tslink child process started from a config file
// with `npm start`'s V8 flags, a TLS client playing its hub, and the node's RSS from /proc.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certFingerprint, generateSelfSigned, spkiFingerprint, type KeyAndCert } from '../src/link/certs.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

/**
 * The V8 flags the node runs with: those of `npm start` (package.json), so the figures are the
 * node's as operators start it; BENCH_NODE_FLAGS replaces them.
 */
export function nodeFlags(): string[] {
  if (process.env.BENCH_NODE_FLAGS !== undefined) return process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
  const m = /^(?:exec )?node((?: --\S+)*) bin\/tslink\.js\b/.exec(start);
  return m ? m[1].split(' ').filter(Boolean) : [];
}

/** VmRSS of a process, in KiB (0 when it is gone). */
/** VmRSS's parts (KiB): anonymous memory, and pages of files mapped into the process (the LMDB store's). */
export function rssPartsKb(pid: number): { anon: number; file: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
    return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
  } catch {
    return { anon: 0, file: 0 };
  }
}

export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once something accepts connections on 127.0.0.1:port (false after ~10 s). */
export async function waitForPort(port: number, tries = 100): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    const ok = await new Promise<boolean>((resolve) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); }); s.on('error', () => resolve(false)); });
    if (ok) return true;
    await sleep(100);
  }
  return false;
}

export interface BenchNode {
  child: ChildProcess;
  port: number;
  dir: string;
  nodeKc: KeyAndCert;
  hubKc: KeyAndCert;
  /** The second peer's certificate (other.gen.test, SID 002), when startBenchNode() was asked for one. */
  otherKc?: KeyAndCert;
  stop(): Promise<void>;
}

/** A node named leaf.gen.test (SID 0AA) that accepts hub.gen.test by its certificate, on a free loopback port. */
export async function startBenchNode(opts: { otherPeer?: boolean } = {}): Promise<BenchNode> {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-bench-'));
  const nodeKc = generateSelfSigned({ commonName: 'leaf.gen.test' });
  const hubKc = generateSelfSigned({ commonName: 'hub.gen.test' });
  const otherKc = opts.otherPeer ? generateSelfSigned({ commonName: 'other.gen.test' }) : undefined;
  const otherLink = otherKc ? `link other.gen.test { incoming { mask 127.0.0.1; } verify { certfp "${certFingerprint(otherKc.certPem)}"; } class servers; }\n` : '';
  writeFileSync(join(dir, 'node.key'), nodeKc.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'node.crt'), nodeKc.certPem);
  const port = await freePort();
  writeFileSync(join(dir, 'bench.conf'), `
me { name "leaf.gen.test"; info "bench node"; sid "0AA"; }
listen { ip 127.0.0.1; port ${port}; options { serversonly; tls; } tls-options { certificate "${join(dir, 'node.crt')}"; key "${join(dir, 'node.key')}"; } }
class servers { pingfreq 600; connfreq 15; maxclients 10; sendq 200M; recvq 64M; }
link hub.gen.test { incoming { mask 127.0.0.1; } verify { certfp "${certFingerprint(hubKc.certPem)}"; } hub *; class servers; }
${otherLink}set { network-name "GenNet"; data-directory "${join(dir, 'data')}"; }
`);
  const child = spawn(process.execPath, [...nodeFlags(), 'bin/tslink.js', 'start', '--config', join(dir, 'bench.conf')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TSLINK_LOG_LEVEL: 'warn', TSLINK_ALLOW_ROOT: '1' } });
  child.stdout!.resume();
  await sleep(300);
  await waitForPort(port);
  return {
    child, port, dir, nodeKc, hubKc, otherKc,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The second peer's handshake (other.gen.test, SID 002, a leaf of the node). */
export function otherHandshake(): string[] {
  return hubHandshake().map((l) => l.replaceAll('hub.gen.test', 'other.gen.test').replace('SID=001', 'SID=002').replace('U6100-tslink-001 generated hub', 'U6100-tslink-002 generated leaf'));
}

/** The hub's handshake lines, as UnrealIRCd 6 sends them to a leaf. */
export function hubHandshake(): string[] {
  const ts = Math.floor(Date.now() / 1000);
  return [
    'PASS :*',
    'PROTOCTL EAUTH=hub.gen.test,6100,tslink,tslink-gen',
    'PROTOCTL NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS',
    `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ USERMODES=diopqrstwxzBDGHIRSTWZ BOOTED=${ts} PREFIX=(qaohv)~&@%+ SID=001 MLOCK TS=${ts} EXTSWHOIS`,
    'PROTOCTL NICKCHARS= CHANNELCHARS=utf8 BIGLINES',
    'SERVER hub.gen.test 1 :U6100-tslink-001 generated hub',
  ];
}

export interface HubLink {
  sock: tls.TLSSocket;
  /** Whether the node presented the certificate it was configured with. */
  peerOk: boolean;
  /** Write the lines and a PING; resolves with the ms from the first byte written to the node's PONG. */
  sendAndPing(lines: string[]): Promise<number>;
  /** Lines received from the node so far. */
  readonly received: number;
}

/** Connect to the node as its hub (TLS, the hub's certificate); as the second peer with `as` (SID 002). */
export async function connectHub(n: BenchNode, as?: { kc: KeyAndCert; sid: string }): Promise<HubLink> {
  const kc = as?.kc ?? n.hubKc, sid = as?.sid ?? '001';
  const sock = tls.connect({ host: '127.0.0.1', port: n.port, key: kc.keyPem, cert: kc.certPem, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
  await new Promise<void>((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
  const peerOk = spkiFingerprint(sock.getPeerX509Certificate()!.toString()) === spkiFingerprint(n.nodeKc.certPem);
  // The node answers ':001 PING 001 0AA' with ':leaf.gen.test PONG 0AA :hub.gen.test'; one PING
  // per batch, so the n-th PONG ends the n-th batch.
  let tail = '';
  let pongs = 0;
  let received = 0;
  let waiting: { pong: number; resolve: (t: bigint) => void } | null = null;
  let closed: Error | null = null;
  const rejecters = new Set<(e: Error) => void>();
  sock.on('data', (d: Buffer) => {
    const text = tail + d.toString('latin1');
    const lines = text.split('\r\n');
    tail = lines.pop()!;
    received += lines.length;
    for (const l of lines) if (/^:\S+ PONG /.test(l)) pongs++;
    if (waiting && pongs >= waiting.pong) { const w = waiting; waiting = null; w.resolve(process.hrtime.bigint()); }
    if (tail.length > 1e6) tail = '';
  });
  sock.on('close', () => { closed = new Error('link closed before PONG'); for (const r of rejecters) r(closed); });
  let sent = 0;
  return {
    sock, peerOk,
    get received() { return received; },
    async sendAndPing(lines: string[]): Promise<number> {
      if (closed) throw closed;
      const pong = ++sent;
      const payload = Buffer.from([...lines, `:${sid} PING ${sid} 0AA`, ''].join('\r\n'), 'latin1');
      const done = new Promise<bigint>((resolve, reject) => {
        waiting = { pong, resolve };
        rejecters.add(reject);
        setTimeout(() => reject(new Error('no PONG within 60 s')), 60_000).unref();
      });
      const t0 = process.hrtime.bigint();
      sock.write(payload);
      return Number((await done) - t0) / 1e6;
    },
  };
}
