// A link's incoming lines are processed in slices that yield to the event loop by time, not only
// by count: when each line is expensive (a channel message fanned out to 1,000 local users is
// about 0.3 ms), the time budget is looked at often enough that one slice stays near SLICE_MS.
import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { LinkConn, SLICE_MS } from '../../src/runtime/linkConn.ts';
import type { Logger } from '../../src/runtime/logger.ts';

class FakeSocket extends EventEmitter {
  writableLength = 0;
  writable = true;
  destroyed = false;
  pause() {}
  resume() {}
  write() { return true; }
  end() {}
  destroy() { this.destroyed = true; }
}
const log = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

test('expensive lines: a slice yields near its time budget, not after a fixed count of lines', { timeout: 20_000 }, async () => {
  const sock = new FakeSocket();
  const conn = new LinkConn('in#1', sock as unknown as Socket, '127.0.0.1', true, { sendQ: 1 << 20, recvQ: 1 << 20, pingFreq: 600, handshakeTimeout: 600 }, log);
  conn.markRegistered();
  const COST = 2; // ms of work per line
  const LINES = 64;
  let turn = 0;
  const perTurn = new Map<number, number>();
  conn.onLine = () => {
    perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
    const end = performance.now() + COST;
    while (performance.now() < end) { /* the work of one line */ }
  };
  // One counter step per turn of the event loop (check phase), next to the link's slices.
  let on = true;
  const tick = () => { turn++; if (on) setImmediate(tick); };
  setImmediate(tick);
  sock.emit('data', Buffer.from(Array.from({ length: LINES }, (_, i) => `:001 PRIVMSG #c :line ${i}\r\n`).join(''), 'latin1'));
  const deadline = Date.now() + 15_000;
  while ([...perTurn.values()].reduce((a, b) => a + b, 0) < LINES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  on = false;
  conn.destroy('test over');
  const counts = [...perTurn.values()];
  assert.equal(counts.reduce((a, b) => a + b, 0), LINES, 'every line processed');
  // SLICE_MS of 2 ms lines is 4 lines; a few more at most (the check's granularity, a busy machine).
  const most = Math.max(...counts);
  assert.ok(most * COST <= 2 * SLICE_MS, `a slice held ${most} lines of ${COST} ms (budget ${SLICE_MS} ms): ${counts.join(',')}`);
  assert.ok(counts.length >= LINES / (2 * SLICE_MS / COST), `spread over ${counts.length} turns`);
});

test('a processed line is not held by the backlog of lines still to process (it would live on until the GC promotes it)', { timeout: 20_000 }, async () => {
  const sock = new FakeSocket();
  const conn = new LinkConn('in#1', sock as unknown as Socket, '127.0.0.1', true, { sendQ: 1 << 20, recvQ: 1 << 20, pingFreq: 600, handshakeTimeout: 600 }, log);
  conn.markRegistered();
  const LINES = 1000;
  const seen: string[] = [];
  const held: string[] = [];
  const backlog = conn as unknown as { pending: string[]; pendingHead: number };
  conn.onLine = (line) => {
    seen.push(line);
    // Once a few slices are done (more lines still wait), what the backlog still refers to.
    if (seen.length === 2 * 200 + 1) for (let i = 0; i < backlog.pendingHead; i++) if (backlog.pending[i] !== '') held.push(backlog.pending[i]);
  };
  sock.emit('data', Buffer.from(Array.from({ length: LINES }, (_, i) => `:001 PRIVMSG #c :line ${i}\r\n`).join(''), 'latin1'));
  const deadline = Date.now() + 15_000;
  while (seen.length < LINES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  conn.destroy('test over');
  assert.equal(seen.length, LINES, 'every line processed, in order');
  assert.deepEqual(seen.slice(0, 3), [':001 PRIVMSG #c :line 0', ':001 PRIVMSG #c :line 1', ':001 PRIVMSG #c :line 2']);
  assert.equal(seen[LINES - 1], `:001 PRIVMSG #c :line ${LINES - 1}`);
  assert.equal(held.length, 0, `${held.length} processed lines still held by the backlog`);
});
