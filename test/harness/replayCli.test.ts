// `tslink replay` offline options through the real launcher: --json stays as it was, --state,
// --as, --digest, usage errors, and no progress output when stderr is not a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createProgress, formatProgress } from '../../src/cli/progress.ts';
import { parseReplayArgs } from '../../src/cli/replayCommand.ts';
import { parseHostPort } from '../../src/cli/replayLive.ts';
import { replayCapture } from '../../src/replay/offline.ts';

const root = join(import.meta.dirname, '../..');
const fx = (f: string) => join(root, 'fixtures/unreal6', f);

function tslink(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/tslink.js'), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('--json: the same one-line object as before, nothing on stderr when piped', () => {
  const r = tslink(['replay', fx('burst-and-live.txt'), '--json']);
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  const want = replayCapture(readFileSync(fx('burst-and-live.txt')));
  assert.equal(r.out, JSON.stringify({ servers: want.servers, users: want.users, channels: want.channels, memberships: want.memberships, tkl: want.tkl, md: want.md, digest: want.digest, errors: want.errors }) + '\n');
  assert.match(r.out, /^\{"servers":2,"users":39,"channels":11,"memberships":79,"tkl":\{"E":2,"F":1,"G":3,"Z":1,"s":2\},"md":84,"digest":"[0-9a-f]{64}","errors":\[\]\}\n$/);
});

test('--state: pretty, stable JSON in JSON-RPC shapes; --as hub replays the other end', () => {
  const a = tslink(['replay', fx('sjoin-older-ts.txt'), '--state']);
  const b = tslink(['replay', fx('sjoin-older-ts.txt'), '--state']);
  assert.equal(a.code, 0);
  assert.equal(a.err, '');
  assert.equal(a.out, b.out);
  const d = JSON.parse(a.out);
  assert.deepEqual(Object.keys(d), ['channels', 'name_bans', 'server_ban_exceptions', 'server_bans', 'servers', 'spamfilters', 'users']);
  assert.match(a.out, /^\{\n {2}"channels": \[/);
  const moderated = d.channels.find((c: { name: string }) => c.name === '#moderated');
  assert.equal(moderated.creation_time, 1795304735);
  assert.equal(moderated.modes, 'ikns leafkey');
  const h = tslink(['replay', fx('sjoin-older-ts.txt'), '--as', 'hub', '--digest']);
  const l = tslink(['replay', fx('sjoin-older-ts.txt'), '--as', 'leaf', '--digest']);
  const def = tslink(['replay', fx('sjoin-older-ts.txt'), '--digest']);
  assert.equal(h.code, 0);
  assert.equal(h.out, def.out, 'both ends of the link end up with the same network');
  assert.equal(l.out, def.out);
});

test('usage errors exit 2', () => {
  assert.equal(tslink(['replay']).code, 2);
  assert.equal(tslink(['replay', fx('burst-and-live.txt'), '--as', 'middle']).code, 2);
  assert.equal(tslink(['replay', fx('burst-and-live.txt'), '--bogus']).code, 2);
  assert.equal(tslink(['replay', fx('burst-and-live.txt'), '--connect', '127.0.0.1:1']).code, 2, 'TLS without --pin');
  const r = tslink(['replay', fx('burst-and-live.txt'), '--connect', '192.0.2.1:6900', '--plaintext']);
  assert.equal(r.code, 2);
  assert.match(r.err, /only allowed on loopback/);
});

test('argument parsing', () => {
  const p = parseReplayArgs(['f.txt', '--until', '30', '--pin', 'a', '--pin', 'b', '--now', '--fast']);
  assert.equal(p.file, 'f.txt');
  assert.deepEqual(p.values.get('--pin'), ['a', 'b']);
  assert.deepEqual(p.values.get('--until'), ['30']);
  assert.ok(p.flags.has('--now') && !p.values.has('--now'));
  assert.deepEqual(parseReplayArgs(['f', '--now', '1795300000']).values.get('--now'), ['1795300000']);
  assert.match(parseReplayArgs(['f', '--until']).error ?? '', /needs a value/);
  assert.deepEqual(parseHostPort('127.0.0.1:6900'), { host: '127.0.0.1', port: 6900 });
  assert.deepEqual(parseHostPort('[::1]:6900'), { host: '::1', port: 6900 });
  assert.deepEqual(parseHostPort('7000', '127.0.0.1'), { host: '127.0.0.1', port: 7000 });
  assert.equal(parseHostPort('nope'), null);
});

class Sink extends Writable {
  text = '';
  isTTY = true;
  override _write(c: Buffer | string, _e: BufferEncoding, cb: () => void): void { this.text += c.toString(); cb(); }
}

test('progress: lines, lines/s and ETA on a terminal; nothing when not a terminal', () => {
  assert.equal(formatProgress('replay', 25_000, 100_000, 2), 'replay: 25,000/100,000 lines  12,500 lines/s  ETA 0:06');
  assert.equal(formatProgress('replay', 0, 10, 0), 'replay: 0/10 lines  0 lines/s  ETA -:--');
  const tty = new Sink();
  let t = 0;
  const p = createProgress('replay', { stream: tty as unknown as NodeJS.WriteStream, nowMs: () => t });
  p.update(0, 1000);
  t = 50; p.update(10, 1000); // throttled
  t = 1000; p.update(500, 1000);
  t = 2000; p.update(1000, 1000);
  p.finish();
  assert.equal((tty.text.match(/\r/g) ?? []).length, 4);
  assert.match(tty.text, /replay: 500\/1,000 lines {2}500 lines\/s {2}ETA 0:01/);
  assert.ok(tty.text.endsWith('\r\x1b[K'));
  const pipe = new Sink();
  pipe.isTTY = false;
  const q = createProgress('replay', { stream: pipe as unknown as NodeJS.WriteStream });
  q.update(1, 2); q.finish();
  assert.equal(pipe.text, '');
});
