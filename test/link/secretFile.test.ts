/**
 * Issue 12 item 11: one set of owner/mode rules for every secret file
 * (password-file and hmac-secret-file), src/link/secretFile.ts, used by the
 * config loader and by loadSecretFile.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSecretFile } from '../../src/link/hmacAuth.ts';
import {
  readHmacSecretSync,
  readLinkPasswordSync,
  readSecretFileSync,
  SecretFileError,
  secretFileProblem,
} from '../../src/link/secretFile.ts';

const SECRET = 'c2VjcmV0LWhtYWMta2V5LXRoaXJ0eS10d28tYnl0ZXMh';
let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tslink-secretfile-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string | Buffer, mode: number): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

const stats = (mode: number, uid: number, isFile = true) => ({ mode, uid, isFile: () => isFile });

describe('secretFileProblem: the rules', () => {
  it('accepts a regular file with no group/other access, owned by the running user', () => {
    assert.equal(secretFileProblem('/s', stats(0o100600, 1000), 1000), undefined);
    assert.equal(secretFileProblem('/s', stats(0o100400, 1000), 1000), undefined);
    assert.equal(secretFileProblem('/s', stats(0o100700, 1000), 1000), undefined);
  });

  it('refuses any group/other access bit', () => {
    for (let bit = 0; bit < 6; bit++) {
      const mode = 0o100600 | (1 << bit);
      const problem = secretFileProblem('/s', stats(mode, 1000), 1000);
      assert.equal(problem, `mode ${(mode & 0o777).toString(8).padStart(4, '0')} gives access to group/others; run: chmod 600 /s`);
    }
  });

  it('refuses a file owned by another user, except when running as root', () => {
    assert.equal(
      secretFileProblem('/s', stats(0o100600, 1001), 1000),
      'owned by uid 1001, not by the user running tslink (uid 1000); run: chown 1000 /s',
    );
    assert.equal(secretFileProblem('/s', stats(0o100600, 1001), 0), undefined);
  });

  it('refuses what is not a regular file', () => {
    assert.equal(secretFileProblem('/s', stats(0o040700, 1000, false), 1000), 'not a regular file');
  });
});

describe('password-file and hmac-secret-file share the rules', () => {
  it('a 0644 password file and a 0644 HMAC secret file are refused with the same problem', async () => {
    const pass = file('p644', 'linkpass\n', 0o644);
    const hmac = file('h644', `${SECRET}\n`, 0o644);
    const problems: string[] = [];
    for (const read of [() => readLinkPasswordSync(pass), () => readHmacSecretSync(hmac), () => readSecretFileSync(pass, 100)]) {
      assert.throws(read, (e: unknown) => {
        assert.ok(e instanceof SecretFileError);
        problems.push(e.problem.replace(/ \/.*$/, ''));
        assert.doesNotMatch(e.message, /linkpass|c2Vj/);
        return true;
      });
    }
    assert.deepEqual(new Set(problems), new Set(['mode 0644 gives access to group/others; run: chmod 600']));
    await assert.rejects(loadSecretFile(hmac), /secret file .*h644: mode 0644 gives access to group\/others; run: chmod 600/);
  });

  it('reads the first line of a password file, and the trimmed secret of an HMAC file', async () => {
    assert.equal(readLinkPasswordSync(file('p', '  hunter2 \nsecond line\n', 0o600)), 'hunter2');
    const secret = readHmacSecretSync(file('h', `${SECRET}\r\n \t`, 0o600));
    assert.equal(secret.toString(), SECRET);
    assert.ok((await loadSecretFile(path.join(dir, 'h'))).equals(secret));
  });

  it('names a missing file, an empty password and a file too large, never the content', () => {
    assert.throws(() => readLinkPasswordSync(path.join(dir, 'none')), (e: unknown) => e instanceof SecretFileError && e.problem === 'does not exist');
    assert.throws(() => readLinkPasswordSync(file('empty', '\nx\n', 0o600)), /first line \(the password we send\) is empty/);
    assert.throws(() => readLinkPasswordSync(file('cr', 'a\rb\n', 0o600)), /holds a CR or NUL/);
    assert.throws(() => readLinkPasswordSync(file('nul', 'a\0b\n', 0o600)), /holds a CR or NUL/);
    assert.equal(readLinkPasswordSync(file('crlf', 'pw\r\n', 0o600)), 'pw');
    assert.equal(readLinkPasswordSync(file('latin1', Buffer.from([0x70, 0xe9, 0x0a]), 0o600)), 'p\u00e9');
    assert.throws(() => readLinkPasswordSync(file('big', 'x'.repeat(5000), 0o600)), /too large/);
    assert.throws(() => readHmacSecretSync(file('big.h', 'x'.repeat(5000), 0o600)), /too large|too long/);
  });
});
