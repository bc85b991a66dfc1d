// The capture format: reader and writer round trip, bytes kept intact, version header, flipping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CAPTURE_FORMAT_VERSION, captureHeader, captureVersion, flipRows, formatNote, formatRow, readCapture, readCaptureLazily, writeCapture, type CaptureRow } from '../../src/replay/captureFormat.ts';
import { commandOf } from '../../src/wire/message.ts';

const fixtures = join(import.meta.dirname, '../../fixtures/unreal6');

test('formatRow / formatNote: the documented row shapes', () => {
  assert.equal(formatRow(5, '<', 'PING :x'), '+000005 < PING :x');
  assert.equal(formatRow(1234567, '>', ':0AA EOS'), '+1234567 > :0AA EOS');
  assert.equal(formatRow(0, '>', ''), '+000000 > ');
  assert.equal(formatNote('connection closed by peer'), '# connection closed by peer');
  assert.equal(captureHeader('x'), `# tslink capture v${CAPTURE_FORMAT_VERSION}: x`);
});

test('non-UTF-8 bytes survive read → write unchanged', () => {
  const raw = Buffer.concat([
    Buffer.from('# tslink capture v1: bytes\n+000001 < :001 PRIVMSG #c :', 'latin1'),
    Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]),
    Buffer.from(' and UTF-8 ', 'latin1'),
    Buffer.from('é😴', 'utf8'),
    Buffer.from('\n+000002 > \n', 'latin1'),
  ]);
  const { rows, problems } = readCapture(raw);
  assert.deepEqual(problems, []);
  assert.equal(rows.length, 3);
  const out = writeCapture(rows);
  assert.deepEqual(out, raw);
  const line = rows[1].kind === 'line' ? rows[1].line : '';
  const bytes = Buffer.from(line, 'latin1');
  assert.deepEqual(bytes.subarray(bytes.length - 22, bytes.length - 17), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]));
  assert.deepEqual(bytes.subarray(bytes.length - 6), Buffer.from('é😴', 'utf8'));
});

test('every fixture reads without problems and writes back byte-identically (modulo blank rows)', () => {
  for (const f of readdirSync(fixtures).filter((x) => x.endsWith('.txt') && x !== 'client-view.txt')) {
    const buf = readFileSync(join(fixtures, f));
    const { rows, problems } = readCapture(buf);
    assert.deepEqual(problems, [], f);
    const expected = buf.toString('latin1').split('\n').filter((l) => l !== '').join('\n') + '\n';
    assert.equal(writeCapture(rows).toString('latin1'), expected, f);
  }
});

test('malformed rows are reported with their line number, not thrown', () => {
  const { rows, problems } = readCapture(Buffer.from('+000001 < PING :a\nnot a row\n+x < y\n# note\n'));
  assert.equal(rows.length, 2);
  assert.deepEqual(problems.map((p) => p.line), [2, 3]);
});

test('version header: detected; a newer version is reported', () => {
  assert.equal(captureVersion(readCapture(Buffer.from(`${captureHeader('n')}\n+000000 > PASS :*\n`)).rows), 1);
  assert.equal(captureVersion(readCapture(readFileSync(join(fixtures, 'burst-and-live.txt'))).rows), null);
  const { problems } = readCapture(Buffer.from('# tslink capture v99: future\n+000000 > PASS :*\n'));
  assert.match(problems[0].message, /v99 is newer/);
});

test('flipRows swaps the sides and nothing else', () => {
  const { rows } = readCapture(Buffer.from('# n\n+000001 < A\n+000002 > B\n'));
  const f = flipRows(rows);
  assert.deepEqual(f.map((r) => (r.kind === 'line' ? r.dir + r.line : r.text)), ['n', '>A', '<B']);
  assert.deepEqual(flipRows(f), rows);
});

test('readCapture reads every row as the format\'s definition /^\\+(\\d+) ([<>]) ?(.*)$/ does (the hand-written scanner)', async () => {
  const fc = (await import('fast-check')).default;
  const piece = fc.constantFrom('+', '-', ' ', '<', '>', '0', '7', '12', '#', 'x', ':', '\t', '\r', 'é', '1234567890123456789');
  const row = fc.array(piece, { maxLength: 10 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.array(row, { maxLength: 6 }), (rowsIn) => {
    const text = rowsIn.join('\n');
    const { rows, problems } = readCapture(Buffer.from(text, 'latin1'));
    const want: unknown[] = [];
    const wantProblems: unknown[] = [];
    const wantNotes: unknown[] = [];
    text.split('\n').forEach((r0, i) => {
      const r = r0.endsWith('\r') ? r0.slice(0, -1) : r0;
      if (r.startsWith('#')) wantNotes.push({ kind: 'note', lineNo: i + 1, text: r.replace(/^# ?/, '') });
      if (r === '' || r.startsWith('#')) return;
      const m = /^\+(\d+) ([<>]) ?(.*)$/s.exec(r);
      if (!m) wantProblems.push(i + 1);
      else want.push({ kind: 'line', lineNo: i + 1, ms: Number(m[1]), dir: m[2], line: m[3] });
    });
    assert.deepEqual(rows.filter((x) => x.kind === 'line'), want);
    assert.deepEqual(problems.map((p) => p.line), wantProblems);
    assert.deepEqual(rows.filter((x) => x.kind === 'note'), wantNotes);
  }), { numRuns: 3000 });
});

/** The rows as plain data (a lazily read row's line read out), and every protocol row's commandOf() by line number. */
function plainRows(rows: CaptureRow[]): { rows: unknown[]; commands: string[] } {
  const commands: string[] = [];
  const out = rows.map((r) => {
    if (r.kind === 'note') return { kind: 'note', lineNo: r.lineNo, text: r.text };
    commands[r.lineNo] = commandOf(r.line);
    return { kind: 'line', lineNo: r.lineNo, ms: r.ms, dir: r.dir, line: r.line };
  });
  return { rows: out, commands };
}

test('readCaptureLazily reads the rows readCapture reads, and each row\'s command as commandOf() reads it (every fixture and random rows)', async () => {
  const same = (buf: Buffer) => {
    const eager = readCapture(buf);
    const lazy = readCaptureLazily(buf);
    const want = plainRows(eager.rows);
    assert.deepEqual(plainRows(lazy.rows).rows, want.rows);
    assert.deepEqual(lazy.commands, want.commands);
    assert.deepEqual(lazy.problems, eager.problems);
  };
  for (const f of readdirSync(fixtures).filter((x) => x.endsWith('.txt'))) same(readFileSync(join(fixtures, f)));
  const fc = (await import('fast-check')).default;
  // Tags, prefixes, known commands (as they are, in lower case, cut short or run on), spaces, CR/NUL, bytes above 0x7f.
  const piece = fc.constantFrom('+1 < ', '+2 > ', '+3 >', '@a=b', ':001', ' ', '  ', 'UID', 'uid', 'UI', 'UIDX', 'SJOIN', 'Sjoin', 'PROTOCTL', 'PASS', 'ERROR', 'SQUIT', 'NETINFO', 'x', '\r', '\0', '\t', '\xe9', '\xff', '\xdf', '\xb5', ':', '@');
  const row = fc.array(piece, { maxLength: 8 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.array(row, { maxLength: 6 }), (rowsIn) => same(Buffer.from(rowsIn.join('\n'), 'latin1'))), { numRuns: 3000 });
});
