// The line reader gives the same lines however the byte stream is cut into chunks
// (the socket decides that), keeps every byte (latin1 byte strings), and bounds line length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineReader } from '../../src/wire/lineReader.ts';

function feed(r: LineReader, bytes: Uint8Array, cuts: number[]): string[] {
  const out: string[] = [];
  const pts = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let prev = 0;
  for (const p of [...pts, bytes.length]) { out.push(...r.push(Buffer.from(bytes.slice(prev, p)))); prev = p; }
  return out;
}

test('chunking never changes the lines (property, 1000 runs)', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 8 }), fc.integer({ min: 4, max: 40 }), (bytes, cuts, max) => {
    const whole = new LineReader(max).push(Buffer.from(bytes));
    assert.deepEqual(feed(new LineReader(max), bytes, cuts), whole);
    for (const l of whole) { assert.ok(l.length > 0 && l.length <= max); assert.ok(!/[\r\n\0]/.test(l)); }
  }), { numRuns: 1000 });
});

test('non-UTF-8 bytes pass through unchanged', () => {
  const bytes = Buffer.from([0x3a, 0xff, 0xfe, 0x20, 0xc3, 0x28, 0x0d, 0x0a]);
  const [line] = new LineReader().push(bytes);
  assert.deepEqual(Buffer.from(line, 'latin1'), bytes.subarray(0, 6));
});

test('a line over the limit is cut and the rest of it discarded', () => {
  const r = new LineReader(8);
  assert.deepEqual(r.push(Buffer.from('0123456789ABC')), []);
  assert.deepEqual(r.push(Buffer.from('DEF\r\nnext\n')), ['01234567', 'next']);
});
