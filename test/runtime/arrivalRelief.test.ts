// One GC after a wave of client registrations (src/runtime/memoryRelief.ts ArrivalRelief): clients
// that arrive one after another and stay (each JOIN fanned out to every member) leave garbage V8
// keeps for minutes; after `wave` arrivals and a pause of `quietMs`, one GC gives it back.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ArrivalRelief } from '../../src/runtime/memoryRelief.ts';
import { sleep, waitFor } from './helpers.ts';

const TIMEOUT = 10_000;

test('one GC once a wave of arrivals has paused, and not before the pause', { timeout: TIMEOUT }, async () => {
  let gcs = 0;
  const seen: number[] = [];
  const r = new ArrivalRelief({ wave: 20, quietMs: 80, gc: () => { gcs++; }, onRelief: (x) => seen.push(x.arrivals) });
  // 30 arrivals, one every 10 ms (less than quietMs apart): no GC meanwhile.
  for (let i = 0; i < 30; i++) { r.arrived(); await sleep(10); }
  assert.equal(gcs, 0, 'no GC while clients keep arriving');
  await waitFor(() => gcs === 1, 2000, 'the GC after the pause');
  assert.deepEqual(seen, [30]);
  await sleep(200);
  assert.equal(gcs, 1, 'once per wave');
  r.stop();
});

test('arrivals below the wave, or split by pauses into small groups, run no GC', { timeout: TIMEOUT }, async () => {
  let gcs = 0;
  const r = new ArrivalRelief({ wave: 20, quietMs: 30, gc: () => { gcs++; } });
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 10; i++) r.arrived();
    await sleep(80); // a pause: the count starts over
  }
  assert.equal(gcs, 0);
  assert.equal(r.runs, 0);
  r.stop();
});

test('stop() cancels the GC that was due; a failing GC is not counted and throws nothing', { timeout: TIMEOUT }, async () => {
  let gcs = 0;
  const a = new ArrivalRelief({ wave: 2, quietMs: 20, gc: () => { gcs++; } });
  a.arrived(); a.arrived(); a.arrived();
  a.stop();
  await sleep(80);
  assert.equal(gcs, 0);
  const b = new ArrivalRelief({ wave: 1, quietMs: 10, gc: () => { throw new Error('no gc'); } });
  b.arrived();
  await sleep(60);
  assert.equal(b.runs, 0);
  b.stop();
});
