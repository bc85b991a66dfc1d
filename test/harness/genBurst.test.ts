// gen-burst: a 50,000-user capture replays offline with zero errors, and the output is
// byte-identical for the same seed (library and CLI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { generateBurst } from '../../src/replay/genBurst.ts';
import { genBurstCommand } from '../../src/cli/genBurstCommand.ts';
import { replayCapture } from '../../src/replay/offline.ts';
import { readCapture } from '../../src/replay/captureFormat.ts';

const BIG = { users: 50_000, channels: 5_000, tkl: 1_000, servers: 10, seed: 7 };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const bytes = (rows: string[]) => Buffer.from(rows.join('\n') + '\n', 'latin1');

test('50,000 users: replays offline with zero errors and the generated network', () => {
  const buf = bytes(generateBurst(BIG));
  const { problems } = readCapture(buf);
  assert.deepEqual(problems, []);
  const r = replayCapture(buf);
  assert.deepEqual(r.errors, []);
  assert.equal(r.users, 50_000);
  assert.equal(r.servers, BIG.servers + 1);
  assert.ok(r.channels <= BIG.channels && r.channels > BIG.channels * 0.9, `${r.channels} channels`);
  assert.ok(Object.values(r.tkl).reduce((a, b) => a + b, 0) > 0);
});

test('same seed → byte-identical output; another seed → different output', () => {
  const a = sha(bytes(generateBurst(BIG)));
  const b = sha(bytes(generateBurst(BIG)));
  assert.equal(a, b);
  assert.notEqual(sha(bytes(generateBurst({ ...BIG, users: 2000, seed: 8 }))), sha(bytes(generateBurst({ ...BIG, users: 2000, seed: 7 }))));
});

test('tslink gen-burst --out: byte-identical files for the same seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-gen-'));
  try {
    const args = ['--users', '50000', '--channels', '5000', '--tkl', '1000', '--servers', '10', '--seed', '7'];
    assert.equal(genBurstCommand([...args, '--out', join(dir, 'a.txt')]), 0);
    assert.equal(genBurstCommand([...args, '--out', join(dir, 'b.txt')]), 0);
    const a = readFileSync(join(dir, 'a.txt')), b = readFileSync(join(dir, 'b.txt'));
    assert.ok(a.equals(b));
    assert.equal(sha(a), sha(bytes(generateBurst(BIG))), 'the CLI writes exactly what the generator produces');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
