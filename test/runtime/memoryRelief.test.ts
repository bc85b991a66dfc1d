/**
 * Issue 14 item 2, memory given back after an attack: once a wave of connections has come and gone
 * and the node has been quiet, one GC runs (V8 keeps its grown heap otherwise: memoryRelief.ts),
 * and TLS sessions start a few per event-loop turn so a burst of handshakes does not stall the
 * other links (tlsStartPacer.ts), without refusing any of them.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { MemoryRelief, fullGc } from '../../src/runtime/memoryRelief.ts';
import { TlsStartPacer } from '../../src/runtime/tlsStartPacer.ts';
import { Harness, LOOP, freePort, sleep, waitFor } from './helpers.ts';

describe('MemoryRelief', () => {
  it('runs one GC after a wave of connections has closed and the node stayed quiet', async () => {
    let gcs = 0;
    const r = new MemoryRelief({ wave: 20, quietMs: 50, gc: () => { gcs++; } });
    for (let i = 0; i < 25; i++) r.opened();
    await sleep(120);
    assert.equal(gcs, 0, 'no GC while the wave is open');
    for (let i = 0; i < 25; i++) r.closed();
    await waitFor(() => gcs === 1, 2000, 'the GC after the wave');
    await sleep(150);
    assert.equal(gcs, 1, 'once per wave');
    assert.equal(r.runs, 1);
  });

  it('no GC for a few connections coming and going (below the wave)', async () => {
    let gcs = 0;
    const r = new MemoryRelief({ wave: 20, quietMs: 30, gc: () => { gcs++; } });
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 10; i++) r.opened();
      for (let i = 0; i < 10; i++) r.closed();
    }
    await sleep(100);
    assert.equal(gcs, 0);
  });

  it('waits while connections keep coming: the quiet period starts over', async () => {
    let gcs = 0;
    const r = new MemoryRelief({ wave: 20, quietMs: 80, gc: () => { gcs++; } });
    for (let i = 0; i < 20; i++) r.opened();
    for (let i = 0; i < 20; i++) r.closed();
    await sleep(40);
    for (let i = 0; i < 20; i++) r.opened(); // a second wave before the quiet period ended
    await sleep(120);
    assert.equal(gcs, 0, 'not while the second wave is open');
    for (let i = 0; i < 20; i++) r.closed();
    await waitFor(() => gcs === 1, 2000, 'the GC after the second wave');
  });

  it('stop() cancels a pending GC', async () => {
    let gcs = 0;
    const r = new MemoryRelief({ wave: 5, quietMs: 40, gc: () => { gcs++; } });
    for (let i = 0; i < 5; i++) r.opened();
    for (let i = 0; i < 5; i++) r.closed();
    r.stop();
    await sleep(100);
    assert.equal(gcs, 0);
  });

  it('fullGc() collects without --expose-gc (this test process has none)', () => {
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'the test runner has no --expose-gc');
    let junk: unknown[] | null = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));
    const before = process.memoryUsage().heapUsed;
    junk = null;
    fullGc();
    assert.equal(junk, null);
    assert.ok(process.memoryUsage().heapUsed < before - 5e6, `heap used ${before} → ${process.memoryUsage().heapUsed}`);
  });
});

describe('TlsStartPacer', () => {
  it('starts at most perTurn queued sessions per event-loop turn, in order, and all of them', async () => {
    const p = new TlsStartPacer(4);
    const started: number[] = [];
    const turnOf: number[] = [];
    let turn = 0;
    const ticker = setInterval(() => {}, 1);
    const countTurns = () => { turn++; if (started.length < 10) setImmediate(countTurns); };
    setImmediate(countTurns);
    for (let i = 0; i < 10; i++) p.run(false, () => { started.push(i); turnOf.push(turn); });
    assert.equal(started.length, 0, 'queued, not started in the caller’s turn');
    await waitFor(() => started.length === 10, 2000, 'all ten started');
    clearInterval(ticker);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const perTurn = new Map<number, number>();
    for (const t of turnOf) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    assert.ok([...perTurn.values()].every((n) => n <= 4), `per turn: ${JSON.stringify([...perTurn])}`);
    assert.equal(p.turns, 3);
    assert.equal(p.waiting, 0);
  });

  it('a link-block address starts at once, ahead of the queue', () => {
    const p = new TlsStartPacer(1);
    const order: string[] = [];
    p.run(false, () => order.push('stranger'));
    p.run(true, () => order.push('hub'));
    assert.deepEqual(order, ['hub']);
  });
});

describe('runtime: memory and handshakes after a wave of connections (issue 14 item 2)', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('300 connections opened and closed: one GC, logged as MEMORY_RELIEF, a few seconds later', { timeout: 60_000 }, async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const port = await freePort();
    const a = await h.startNode({ id: A, sid: '0AA', port, links: [{ peer: B }] });
    const socks: net.Socket[] = [];
    await Promise.all(Array.from({ length: 300 }, (_, i) => new Promise<void>((resolve) => {
      const s = h.track(net.connect({ host: LOOP, port, localAddress: `127.9.${i >> 6}.${2 + (i & 63)}` }, () => resolve()));
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      socks.push(s);
    })));
    await sleep(300);
    assert.equal(a.node.memoryRelief.runs, 0, 'not while they are open');
    for (const s of socks) s.destroy();
    await waitFor(() => a.node.memoryRelief.runs === 1, 20_000, 'the GC after the wave');
    // Logged once the trim after it ran (a second later).
    await waitFor(() => a.log.records.some((r) => r.event === 'MEMORY_RELIEF'), 5_000, 'MEMORY_RELIEF');
    const rec = a.log.records.find((r) => r.event === 'MEMORY_RELIEF')!;
    assert.ok((rec.peak as number) >= 256, `peak ${String(rec.peak)}`);
    assert.equal(typeof rec.heapBefore, 'number');
  });

  it('120 simultaneous TLS handshakes from strangers: spread over turns, every one completed', { timeout: 60_000 }, async () => {
    const A = h.identity('c.test'), B = h.identity('d.test'), X = h.identity('stranger.test');
    const port = await freePort();
    const a = await h.startNode({ id: A, sid: '0AC', port, links: [{ peer: B }],
      extra: 'set { handshake-limits { per-ip 10; total 2000; } anti-flood { everyone { connect-flood 20:60; } } }' });
    const turns0 = a.node.tlsStarts.turns;
    const results = await Promise.all(Array.from({ length: 120 }, (_, i) => new Promise<boolean>((resolve) => {
      const s = h.track(tls.connect({ socket: net.connect({ host: LOOP, port, localAddress: `127.8.${i >> 5}.${2 + (i & 31)}` }), key: X.keyPem, cert: X.certPem, rejectUnauthorized: false }, () => { resolve(true); s.destroy(); }));
      s.on('error', () => resolve(false));
      s.on('close', () => resolve(false));
    })));
    assert.equal(results.filter(Boolean).length, 120, 'every handshake completed');
    assert.ok(a.node.tlsStarts.turns - turns0 >= 120 / 8, `started over ${a.node.tlsStarts.turns - turns0} turns`);
  });
});
