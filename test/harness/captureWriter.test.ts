// CaptureWriter: redaction (no configured secret ever reaches the file), the format, and the
// failure paths (a full disk stops the capture with one log line and never throws into the link).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter, REDACTED, captureSecretsFromConfig, makeRedactor, redactProtocol } from '../../src/replay/captureWriter.ts';
import { readCapture } from '../../src/replay/captureFormat.ts';
import { parseConfigText } from '../../src/config/index.ts';
import { replayCapture } from '../../src/replay/offline.ts';

const dir = mkdtempSync(join(tmpdir(), 'tslink-capw-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function collectLog() {
  const lines: { fields: object; msg: string }[] = [];
  return { lines, log: { warn: (fields: object, msg: string) => { lines.push({ fields, msg }); } } };
}

test('redactProtocol: PASS arguments unless *, TSLINK-NONCE/PROOF values', () => {
  assert.equal(redactProtocol('PASS :linkpass'), `PASS :${REDACTED}`);
  assert.equal(redactProtocol('PASS servpass'), `PASS :${REDACTED}`);
  assert.equal(redactProtocol('@a=b :leaf.test PASS :with spaces'), `@a=b :leaf.test PASS :${REDACTED}`);
  assert.equal(redactProtocol('PASS :*'), 'PASS :*');
  assert.equal(redactProtocol('PASS *'), 'PASS *');
  assert.equal(redactProtocol('PROTOCTL TSLINK-HMAC=1 TSLINK-NONCE=abc_DEF-123'), `PROTOCTL TSLINK-HMAC=1 TSLINK-NONCE=${REDACTED}`);
  assert.equal(redactProtocol('PROTOCTL :TSLINK-PROOF=xyz'), `PROTOCTL :TSLINK-PROOF=${REDACTED}`);
  assert.equal(redactProtocol(':001 PRIVMSG #c :TSLINK-NONCE=not-a-protoctl'), ':001 PRIVMSG #c :TSLINK-NONCE=not-a-protoctl');
  assert.equal(redactProtocol(':001 PRIVMSG #c :PASS :hello'), ':001 PRIVMSG #c :PASS :hello');
});

test('makeRedactor: every secret anywhere in a line, UTF-8 secrets as bytes, longest first', () => {
  const r = makeRedactor(['hunter2', 'pässwörd', 'hunter2-long', '', '*']);
  assert.equal(r(':0AAAAAAA1 PRIVMSG #c :my password is hunter2-long or hunter2'), `:0AAAAAAA1 PRIVMSG #c :my password is ${REDACTED} or ${REDACTED}`);
  const utf8 = Buffer.from('pässwörd', 'utf8').toString('latin1');
  assert.equal(r(`NOTICE x :${utf8}!`), `NOTICE x :${REDACTED}!`);
  assert.equal(r('PRIVMSG #c :* stays'), 'PRIVMSG #c :* stays');
});

test('no secret from a config appears in the capture file', async () => {
  const pw = join(dir, 'hub.pass'), hmac = join(dir, 'leaf2.hmac');
  writeFileSync(pw, 'S3cret-Link-Pass\n', { mode: 0o600 });
  writeFileSync(hmac, 'c2VjcmV0LWhtYWMta2V5LXRoaXJ0eS10d28tYnl0ZXMh\n', { mode: 0o600 });
  const text = `me { name "leaf.example.net"; info "x"; sid "0AB"; }
listen { ip 127.0.0.1; port 6900; options { serversonly; tls; } }
link hub.example.net { incoming { mask 127.0.0.1; } password "*"; password-file ${JSON.stringify(pw)}; verify { spkifp "9ac71+1dyBIPmKoe2sSVsHCjN8i5oX4CIf1AbXeiygs="; } class servers; }
link leaf2.example.net { incoming { mask 127.0.0.1; } password "*"; verify { spkifp "9ac71+1dyBIPmKoe2sSVsHCjN8i5oX4CIf1AbXeiygs="; } hmac-secret-file ${JSON.stringify(hmac)}; require-hmac yes; class servers; }
`;
  const res = parseConfigText(text, 'cap.conf');
  assert.ok(res.config, res.errors.map((e) => e.text).join('\n'));
  const secrets = await captureSecretsFromConfig(res.config!);
  assert.ok(secrets.includes('S3cret-Link-Pass'));
  const file = join(dir, 'redact.cap');
  const cap = new CaptureWriter(file, { secrets, note: 'link hub.example.net' });
  cap.record('>', 'PASS :S3cret-Link-Pass');
  cap.record('<', 'PASS S3cret-Link-Pass');
  cap.record('>', 'PROTOCTL TSLINK-HMAC=1 TSLINK-NONCE=Zm9vYmFy');
  cap.record('<', 'PROTOCTL TSLINK-PROOF=cHJvb2Y');
  cap.record('<', ':001 PRIVMSG #c :someone pasted S3cret-Link-Pass here');
  cap.record('<', ':001 PRIVMSG #c :and the hmac c2VjcmV0LWhtYWMta2V5LXRoaXJ0eS10d28tYnl0ZXMh too');
  cap.note('operator said S3cret-Link-Pass');
  await cap.close();
  const out = readFileSync(file, 'latin1');
  for (const s of ['S3cret-Link-Pass', 'c2VjcmV0LWhtYWMta2V5LXRoaXJ0eS10d28tYnl0ZXMh', 'Zm9vYmFy', 'cHJvb2Y']) assert.ok(!out.includes(s), `${s} leaked:\n${out}`);
  const { rows, problems } = readCapture(Buffer.from(out, 'latin1'));
  assert.deepEqual(problems, []);
  assert.match(rows[0].kind === 'note' ? rows[0].text : '', /^tslink capture v1: link hub\.example\.net, started \d{4}-/);
  assert.equal(rows.filter((r) => r.kind === 'line').length, 6);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('rows keep bytes and order; times are ms since the writer started', async () => {
  let t = 1000;
  const file = join(dir, 'rows.cap');
  const cap = new CaptureWriter(file, { nowMs: () => t, flags: 'w' });
  cap.record('>', 'PASS :*');
  t = 1012;
  const bytes = Buffer.from([0x3a, 0x30, 0x30, 0x31, 0x20, 0x41, 0x57, 0x41, 0x59, 0x20, 0x3a, 0xff, 0xc3, 0xa9]).toString('latin1');
  cap.record('<', bytes);
  t = 1015;
  cap.record('>', '');
  await cap.close();
  const { rows } = readCapture(readFileSync(file));
  const lines = rows.filter((r) => r.kind === 'line');
  assert.deepEqual(lines.map((r) => r.kind === 'line' && [r.ms, r.dir, r.line]), [[0, '>', 'PASS :*'], [12, '<', bytes], [15, '>', '']]);
  cap.record('<', 'after close'); // a no-op, no throw
});

test('a recorded capture replays offline like any other', async () => {
  const src = readCapture(readFileSync(join(import.meta.dirname, '../../fixtures/unreal6/burst-and-live.txt'))).rows;
  const file = join(dir, 'rerecord.cap');
  let t = 0;
  const cap = new CaptureWriter(file, { flags: 'w', secrets: ['linkpass'], nowMs: () => t });
  for (const r of src) {
    if (r.kind === 'line') { t = r.ms; cap.record(r.dir, r.line); } else cap.note(r.text);
  }
  await cap.close();
  const a = replayCapture(readFileSync(join(import.meta.dirname, '../../fixtures/unreal6/burst-and-live.txt')));
  const b = replayCapture(readFileSync(file));
  assert.deepEqual(b.errors, []);
  assert.equal(b.digest, a.digest);
});

test('ENOSPC (/dev/full): the capture stops with one log line, record() never throws', { skip: !existsSync('/dev/full') }, async () => {
  const { lines, log } = collectLog();
  const cap = new CaptureWriter('/dev/full', { log, note: 'full disk' });
  for (let i = 0; i < 2000; i++) cap.record(i % 2 ? '<' : '>', `:001 PRIVMSG #c :line ${i} ${'x'.repeat(100)}`);
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 100; i++) cap.record('<', 'still going');
  cap.note('more');
  await cap.close();
  assert.equal(cap.active, false);
  assert.match(cap.failure ?? '', /ENOSPC/);
  assert.equal(lines.length, 1, JSON.stringify(lines));
  assert.deepEqual(Object.keys(lines[0].fields).sort(), ['event', 'path', 'reason']);
  assert.equal((lines[0].fields as { event: string }).event, 'CAPTURE_FAILED');
});

test('a stream error (missing directory) is reported once, to a function logger too', async () => {
  const msgs: string[] = [];
  const cap = new CaptureWriter(join(dir, 'no', 'such', 'dir', 'x.cap'), { log: (m) => msgs.push(m) });
  cap.record('>', 'PASS :*');
  await new Promise((r) => setTimeout(r, 30));
  cap.record('>', 'PROTOCTL EAUTH=x');
  await cap.close();
  assert.equal(msgs.length, 1);
  assert.match(msgs[0], /ENOENT/);
  assert.equal(cap.active, false);
});

test('a logger that throws does not take the caller down', async () => {
  const cap = new CaptureWriter('/dev/full', { log: { warn: () => { throw new Error('broken logger'); } } });
  cap.record('>', 'x'.repeat(70000));
  await new Promise((r) => setTimeout(r, 30));
  await cap.close();
  assert.equal(cap.active, false);
});

test('writing does not block: record() returns before the bytes hit the disk, and rows past maxBuffered are dropped and counted', async () => {
  const file = join(dir, 'slow.cap');
  const cap = new CaptureWriter(file, { flags: 'w', maxBuffered: 4096 });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 5000; i++) cap.record('<', `:001 PRIVMSG #c :${'y'.repeat(200)} ${i}`);
  const spentMs = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(spentMs < 1000, `record() loop took ${spentMs} ms`);
  assert.ok(cap.droppedRows > 0, 'rows dropped while the stream is over its buffer limit');
  await cap.close();
  const text = readFileSync(file, 'latin1');
  assert.match(text, /# capture: \d+ rows dropped \(disk too slow\)/);
  const { problems } = readCapture(Buffer.from(text, 'latin1'));
  assert.deepEqual(problems, []);
});
