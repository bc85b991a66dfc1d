// The client side's time-boxed writes (src/runtime/clientWrites.ts): a fan-out to many clients is
// written in passes of at most WRITE_SLICE_MS, the rest on a later turn of the event loop, each
// client's lines in order in one write, a close after the client's last lines.
import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { ClientWrites, LineEncoder, WRITE_CHECK, WRITE_SLICE_MS } from '../../src/runtime/clientWrites.ts';

const TIMEOUT = 10_000;
const turn = () => new Promise((r) => setImmediate(r));

/** A sink on a fake clock: each write costs `costMs`. */
function sink(costMs: number) {
  let t = 0;
  const writes: { id: string; lines: string[] }[] = [];
  const ends: string[] = [];
  const events: string[] = [];
  return {
    clock: () => t,
    writes, ends, events,
    s: {
      write(id: string, lines: string[]) { t += costMs; writes.push({ id, lines: [...lines] }); events.push(`w ${id}`); },
      end(id: string) { ends.push(id); events.push(`e ${id}`); },
    },
  };
}

test('a fan-out to 1,000 clients is written in passes of the time budget, the event loop turning between them', { timeout: TIMEOUT }, async () => {
  const k = sink(0.05); // 50 µs a write: 1,000 writes are 50 ms of work
  const w = new ClientWrites(k.s, k.clock);
  for (let m = 0; m < 3; m++) for (let i = 0; i < 1000; i++) w.line(`c${i}`, `msg ${m}`);
  await Promise.resolve(); // the microtask: the first pass
  const first = k.writes.length;
  // The budget is checked every WRITE_CHECK clients: at most that many writes past it.
  assert.ok(first >= WRITE_SLICE_MS / 0.05 && first <= WRITE_SLICE_MS / 0.05 + WRITE_CHECK, `first pass wrote ${first}`);
  assert.equal(w.waiting, 1000 - first);
  // Another callback of this turn's check phase runs before the rest is written.
  let between = -1;
  setImmediate(() => { between = k.writes.length; });
  for (let i = 0; i < 20 && w.waiting > 0; i++) await turn();
  assert.equal(w.waiting, 0);
  assert.ok(between >= first && between < 1000, `a callback ran between passes (after ${between} writes)`);
  assert.ok(w.slicedPasses >= 5, `passes stopped on the budget: ${w.slicedPasses}`);
  // One write per client, its three lines in order.
  assert.equal(k.writes.length, 1000);
  for (const x of k.writes) assert.deepEqual(x.lines, ['msg 0', 'msg 1', 'msg 2']);
});

test('a client still waiting keeps its place; lines queued meanwhile join its write, in order', { timeout: TIMEOUT }, async () => {
  const k = sink(1); // 1 ms a write: 8 ms budget, checked every WRITE_CHECK (16) writes
  const w = new ClientWrites(k.s, k.clock);
  for (let i = 0; i < 40; i++) w.line(`c${i}`, 'a');
  await Promise.resolve();
  assert.equal(k.writes.length, WRITE_CHECK);
  w.line('c39', 'b'); // waiting: joins its queue
  w.line('c0', 'b'); // written already: a new entry, after the ones waiting
  for (let i = 0; i < 10 && w.waiting > 0; i++) await turn();
  assert.deepEqual(k.writes.find((x) => x.id === 'c39')!.lines, ['a', 'b']);
  const c0 = k.writes.filter((x) => x.id === 'c0');
  assert.deepEqual(c0.map((x) => x.lines), [['a'], ['b']]);
  assert.equal(k.writes.at(-1)!.id, 'c0', 'the new entry is written after the clients that waited');
});

test('a close comes after the client\'s last lines, even when they wait for a later pass', { timeout: TIMEOUT }, async () => {
  const k = sink(1);
  const w = new ClientWrites(k.s, k.clock);
  for (let i = 0; i < 40; i++) w.line(`c${i}`, 'bye');
  w.close('c39'); // its line waits for a later pass
  w.close('c0'); // its line is in the first pass
  w.close('gone'); // nothing queued: ended at once
  await Promise.resolve();
  assert.ok(k.events.includes('e c0') && k.events.indexOf('e c0') > k.events.indexOf('w c0'));
  assert.ok(k.events.includes('e gone'));
  assert.ok(!k.events.includes('e c39'), 'not ended before its line');
  for (let i = 0; i < 10 && w.waiting > 0; i++) await turn();
  assert.ok(k.events.indexOf('e c39') > k.events.indexOf('w c39'), k.events.slice(-5).join(', '));
  assert.equal(k.ends.filter((e) => e === 'c39').length, 1);
});

test('a small turn is one pass in the microtask after it (no waiting for the next turn)', { timeout: TIMEOUT }, async () => {
  const k = sink(0.01);
  const w = new ClientWrites(k.s, k.clock);
  w.line('a', '1'); w.line('b', '1'); w.line('a', '2');
  assert.equal(k.writes.length, 0, 'nothing written synchronously');
  await Promise.resolve();
  assert.deepEqual(k.writes, [{ id: 'a', lines: ['1', '2'] }, { id: 'b', lines: ['1'] }]);
  assert.equal(w.slicedPasses, 0);
});

test('lines(): an array handed over joins what the client has waiting, in order, in the same write', { timeout: TIMEOUT }, async () => {
  const k = sink(0.01);
  const w = new ClientWrites(k.s, k.clock);
  w.line('a', '1');
  w.lines('a', ['2', '3']);
  w.lines('b', ['x']);
  w.line('b', 'y');
  await Promise.resolve();
  assert.deepEqual(k.writes, [{ id: 'a', lines: ['1', '2', '3'] }, { id: 'b', lines: ['x', 'y'] }]);
});

test('LineEncoder: CR LF after each line; the same lines as the client before give its Buffer again, other lines their own', { timeout: TIMEOUT }, () => {
  const e = new LineEncoder();
  const m1 = ':a PRIVMSG #c :one', m2 = ':a PRIVMSG #c :two', tagged = `@time=T ${m1}`;
  const first = e.encode([m1, m2]);
  assert.equal(first.toString('latin1'), `${m1}\r\n${m2}\r\n`);
  // The next member, same strings: the same bytes, not encoded again.
  assert.equal(e.encode([m1, m2]), first);
  // A member with other caps (a tagged copy), fewer lines, more lines, another order: their own bytes.
  const cases: string[][] = [[tagged, m2], [m1], [m1, m2, m1], [m2, m1], [m1, `${m2.slice(0, -1)}o`]];
  for (const lines of cases) assert.equal(e.encode(lines).toString('latin1'), lines.map((l) => `${l}\r\n`).join(''), lines.join(' | '));
  // Equal strings that are other objects are the same lines too.
  const again = e.encode([m1.slice(0), `${m2.slice(0, -1)}o`]);
  assert.equal(again.toString('latin1'), `${m1}\r\n${m2.slice(0, -1)}o\r\n`);
  // Latin-1 bytes (the node's byte strings) pass as they are.
  assert.deepEqual([...e.encode(['\xe9\xff'])], [0xe9, 0xff, 13, 10]);
});
