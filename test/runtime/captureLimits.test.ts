/**
 * Captures cannot fill a disk (issue 16 item 8): per link at most CAPTURE_FILES_PER_LINK files and
 * CAPTURE_BYTES_PER_LINK bytes in a capture directory (oldest removed first), and one connection
 * writes at most its share, then a note.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureDirPath, captureFilesOf, pruneCaptureDir } from '../../src/runtime/linkCapture.ts';
import { CaptureWriter } from '../../src/replay/captureWriter.ts';
import { Harness, freePort, rawTls, handshakeLines, serverLine, waitFor } from './helpers.ts';

const T = { timeout: 60_000 };

describe('capture limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-caplim-'));
  const h = new Harness();
  after(async () => { await h.cleanup(); rmSync(dir, { recursive: true, force: true }); });

  it('pruneCaptureDir keeps at most maxFiles - 1 files of a link and its byte budget, oldest removed; other links untouched', T, () => {
    const d = join(dir, 'prune');
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
    for (let i = 0; i < 14; i++) {
      const p = captureDirPath(d, 'hub.test', new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
      writeFileSync(p, 'x'.repeat(100));
      utimesSync(p, 1000 + i, 1000 + i);
    }
    writeFileSync(captureDirPath(d, 'other.test'), 'y');
    writeFileSync(captureDirPath(d, 'in#7'), 'z');
    const removed = pruneCaptureDir(d, captureFilesOf('hub.test'), 10, 1e9, 0);
    assert.equal(removed.length, 5);
    const left = readdirSync(d).filter((f) => f.startsWith('hub.test-')).sort();
    assert.equal(left.length, 9);
    assert.ok(left[0].includes('T00-00-05'), 'the oldest went first');
    assert.ok(readdirSync(d).some((f) => f.startsWith('other.test-')) && readdirSync(d).some((f) => f.startsWith('in-7-')));
    // Bytes: 9 files of 100 bytes, budget 500 with 100 for the next file: 4 remain.
    pruneCaptureDir(d, captureFilesOf('hub.test'), 10, 500, 100);
    assert.equal(readdirSync(d).filter((f) => f.startsWith('hub.test-')).length, 4);
  });

  it('a CaptureWriter stops at its byte limit with one note', T, async () => {
    const p = join(dir, 'cap.txt');
    const w = new CaptureWriter(p, { maxFileBytes: 400, flags: 'w' });
    for (let i = 0; i < 100; i++) w.record('<', `:001 PRIVMSG #a :line ${i}`);
    await w.close();
    const text = readFileSync(p, 'latin1');
    assert.ok(text.length < 500, `${text.length} bytes`);
    assert.equal((text.match(/capture: stopped at/g) ?? []).length, 1);
  });

  it('--capture-dir: a peer reconnecting in a loop leaves at most 10 files of unnamed connections', T, async () => {
    const B = h.identity('b.test'), X = h.identity('x.test');
    const cap = join(dir, 'loop');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: X }], extra: 'set { anti-flood { everyone { connect-flood 255:60; } } }' }, { captureDir: cap });
    for (let i = 0; i < 15; i++) {
      const p = await rawTls(nb.port, X);
      h.track(p.socket);
      p.send(...handshakeLines('nosuch.test', '0XX'), serverLine('nosuch.test', '0XX'));
      await p.waitClosed(10_000);
    }
    await waitFor(() => nb.log.events('LINK_DENIED').length > 0, 5000, 'refusals');
    await h.stopNode(nb);
    const files = readdirSync(cap).filter((f) => f.startsWith('in-'));
    assert.ok(files.length <= 10, `${files.length} capture files`);
    assert.ok(files.length >= 5);
  });
});

