/**
 * Issue 14 item 2, what a connection costs before authentication and what the node gives back
 * after a wave of them: one small record per idle connection (no timer, closures or once-wrappers
 * of its own: one deadline timer for all, shared handlers), glibc's freed pages returned by
 * malloc_trim after the relief GC, and TLS starts paced by a time budget per event-loop turn.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/index.ts';
import { TslinkNode } from '../../src/runtime/node.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { MemoryRelief, fullGc } from '../../src/runtime/memoryRelief.ts';
import { mallocTrim, mallocTrimFunction } from '../../src/runtime/mallocTrim.ts';
import { TlsStartPacer } from '../../src/runtime/tlsStartPacer.ts';
import { Harness, LOOP, LogSink, configText, freePort, sleep, waitFor } from './helpers.ts';

const T = { timeout: 60_000 };

/** Open plain TCP connections from 127.77.x.y; resolves once each connected or failed. */
async function openIdle(h: Harness, port: number, n: number): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  await Promise.all(Array.from({ length: n }, (_, i) => new Promise<void>((resolve) => {
    const s = h.track(net.connect({ host: LOOP, port, localAddress: `127.77.${i >> 6}.${2 + (i & 63)}` }, () => resolve()));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    socks.push(s);
  })));
  return socks;
}

describe('runtime: connections before authentication cost one small record each', () => {
  const h = new Harness();
  after(() => h.cleanup());

  async function node(handshakeTimeout: string) {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const port = await freePort();
    const text = configText({ id: A, sid: '0AA', port, dataDir: join(h.dir, `a-${port}`), links: [{ peer: B }],
      extra: 'set { handshake-limits { per-ip 10; total 2000; } anti-flood { everyone { connect-flood 20:60; } } }' })
      .replace('handshake-timeout 10s', `handshake-timeout ${handshakeTimeout}`);
    const res = parseConfigText(text, 'a.conf');
    assert.deepEqual(res.errors, []);
    const n = new TslinkNode(res.config!, { logger: createLogger({ destination: new LogSink(), level: 'warn' }) });
    await n.start();
    return { n, port, B };
  }

  it('300 idle connections on a TLS listener: < 2.5 KB of heap each on the node (4 KB before one record per connection)', T, async () => {
    const { n, port } = await node('10s');
    try {
      // The client sockets live in this process too: measure them alone first (same count, against
      // a plain server that does nothing), then the node's.
      const bare = net.createServer(() => {});
      await new Promise<void>((r) => bare.listen(0, LOOP, () => r()));
      const barePort = (bare.address() as net.AddressInfo).port;
      fullGc(); const h0 = process.memoryUsage().heapUsed;
      const plain = await openIdle(h, barePort, 300);
      await sleep(300);
      fullGc(); const h1 = process.memoryUsage().heapUsed;
      fullGc(); const h2 = process.memoryUsage().heapUsed;
      const idle = await openIdle(h, port, 300);
      await sleep(300);
      assert.equal(idle.filter((s) => !s.destroyed).length, 300, 'all 300 held');
      fullGc(); const h3 = process.memoryUsage().heapUsed;
      const perConn = ((h3 - h2) - (h1 - h0)) / 300;
      assert.ok(perConn < 2500, `node heap per idle connection: ${perConn.toFixed(0)} bytes`);
      for (const s of [...plain, ...idle]) s.destroy();
      bare.close();
    } finally { await n.stop('test'); }
  });

  it('the TLS handshake deadline still closes a silent connection, and not one that finished its handshake', T, async () => {
    const { n, port, B } = await node('2s');
    try {
      const t0 = Date.now();
      const [silent] = await openIdle(h, port, 1);
      const closedAt = new Promise<number>((r) => silent!.once('close', () => r(Date.now() - t0)));
      const peer = h.track(tls.connect({ host: LOOP, port, key: B.keyPem, cert: B.certPem, rejectUnauthorized: false }));
      await new Promise<void>((r, j) => { peer.once('secureConnect', () => r()); peer.once('error', j); });
      // Closed by the node (a generous wait, no upper bound on when), and not before its 2 s deadline.
      const ms = await Promise.race([closedAt, sleep(30_000).then(() => -1)]);
      assert.notEqual(ms, -1, 'the silent connection was not closed');
      assert.ok(ms >= 1900, `silent connection closed after ${ms} ms (TLS handshake timeout 2 s)`);
      await sleep(700);
      assert.ok(!peer.destroyed, 'a finished TLS handshake is not cut by the deadline');
      peer.destroy();
    } finally { await n.stop('test'); }
  });

  it('the deadline also closes a connection whose TLS handshake started and stalled (a partial ClientHello)', T, async () => {
    const { n, port } = await node('2s');
    try {
      const t0 = Date.now();
      const [stalled] = await openIdle(h, port, 1);
      const closedAt = new Promise<number>((r) => stalled!.once('close', () => r(Date.now() - t0)));
      // A TLS handshake record header announcing 512 bytes, and 16 of them: the TLS session starts and waits.
      stalled!.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]), Buffer.alloc(16, 1)]));
      await waitFor(() => n.tlsSessionsStarted === 1, 2000, 'the TLS session started');
      const ms = await Promise.race([closedAt, sleep(30_000).then(() => -1)]);
      assert.notEqual(ms, -1, 'the stalled TLS handshake was not closed');
      assert.ok(ms >= 1900, `stalled handshake closed after ${ms} ms (TLS handshake timeout 2 s)`);
    } finally { await n.stop('test'); }
  });
});

describe('mallocTrim (glibc, through koffi)', () => {
  const h = new Harness();
  after(() => h.cleanup());
  const glibc = process.platform === 'linux' && Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);

  it('gives freed malloc memory back to the kernel', { ...T, skip: glibc ? false : 'not glibc' }, async () => {
    assert.equal(typeof mallocTrimFunction(), 'function');
    // 60 MB in 4 KB chunks from malloc's heap (under its mmap threshold), one in 64 kept alive so
    // that the top of the heap cannot simply shrink: free() gives nearly nothing back by itself.
    let bufs: Buffer[] | null = Array.from({ length: 15_000 }, () => Buffer.allocUnsafeSlow(4000).fill(1));
    const kept = bufs.filter((_, i) => i % 64 === 63);
    bufs = null;
    for (let i = 0; i < 3; i++) { fullGc(); await sleep(100); } // backing stores are freed after the GC
    const before = process.memoryUsage.rss();
    assert.equal(mallocTrim(), 'trimmed');
    const after = process.memoryUsage.rss();
    assert.ok(before - after > 20e6, `RSS ${(before / 1e6).toFixed(1)} → ${(after / 1e6).toFixed(1)} MB`);
    assert.equal(kept.length, 234);
  });

  it('a missing or broken C library is "unavailable" (null), not an error', () => {
    assert.equal(mallocTrimFunction('/nonexistent/libc.so.6'), null);
    const bad = join(h.dir, 'libc.so.6');
    writeFileSync(bad, 'not a shared object');
    assert.equal(mallocTrimFunction(bad), null);
  });
});

describe('MemoryRelief and the trim', () => {
  it('trims trimDelayMs after its GC and reports it; stop() cancels a pending trim', async () => {
    const order: string[] = [];
    const figures: unknown[] = [];
    const r = new MemoryRelief({ wave: 5, quietMs: 20, trimDelayMs: 60, followUps: 2, followUpMs: 30, gc: () => order.push('gc'), trim: () => { order.push('trim'); return 'trimmed'; }, onRelief: (f) => figures.push(f) });
    for (let i = 0; i < 5; i++) r.opened();
    for (let i = 0; i < 5; i++) r.closed();
    await waitFor(() => order.length === 2, 2000, 'the GC');
    await sleep(20);
    assert.deepEqual(order, ['gc', 'trim'], 'a trim right after the GC');
    assert.equal(figures.length, 0, 'reported after the second trim');
    await waitFor(() => order.length === 3, 2000, 'the second trim');
    assert.deepEqual(order, ['gc', 'trim', 'trim'], 'and one once the GC’s deferred frees have run');
    await waitFor(() => order.length === 6, 2000, 'the follow-up trims');
    await sleep(150);
    // The first follow-up's GC is the one in which V8 can shrink its young generation (memoryRelief.ts).
    assert.deepEqual(order, ['gc', 'trim', 'trim', 'gc', 'trim', 'trim'], 'followUps (2) more, the first after a second GC, then no more');
    assert.equal(r.trims, 4);
    assert.equal(r.runs, 1);
    assert.equal(r.secondGcs, 1);
    assert.equal((figures[0] as { trim: string }).trim, 'trimmed');
    assert.equal(typeof (figures[0] as { rssAfter: number }).rssAfter, 'number');

    const r2 = new MemoryRelief({ wave: 5, quietMs: 20, trimDelayMs: 100, gc: () => order.push('gc2'), trim: () => { order.push('trim2'); return 'trimmed'; } });
    for (let i = 0; i < 5; i++) r2.opened();
    for (let i = 0; i < 5; i++) r2.closed();
    await waitFor(() => order.includes('gc2'), 2000, 'the second GC');
    r2.stop();
    await sleep(200);
    assert.equal(order.filter((x) => x === 'trim2').length, 1, 'no delayed trim after stop()');
  });
});

describe('TlsStartPacer time budget', () => {
  it('a turn stops starting once its budget is spent (at least one per turn), and every start runs', async () => {
    let clock = 0;
    const costs = [3, 3, 3, 10, 1, 1, 1, 1, 1, 1];
    const p = new TlsStartPacer({ perTurn: 8, budgetMs: 4, now: () => clock });
    const started: number[] = [];
    for (let i = 0; i < costs.length; i++) p.run(false, () => { started.push(i); clock += costs[i]!; });
    await waitFor(() => started.length === costs.length, 2000, 'all started');
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Turns: [0,1] (6 ms) · [2,3] (13 ms: the budget is checked before each start) · [4..7] · [8,9].
    assert.equal(p.turns, 4);
    assert.equal(p.maxPerTurn, 4);
  });

  it('bad options are refused', () => {
    assert.throws(() => new TlsStartPacer({ budgetMs: 0 }), RangeError);
    assert.throws(() => new TlsStartPacer({ perTurn: 0 }), RangeError);
  });
});
