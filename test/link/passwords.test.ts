import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  DEFAULT_SCRYPT,
  PasswordChecker,
  checkPassword,
  hashPassword,
  hashPasswordSync,
  isPasswordHash,
  parsePasswordHash,
  verifyPassword,
} from '../../src/link/passwords.ts';

const FORMAT = /^\$scrypt\$N=32768,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;

describe('scrypt password hashes', () => {
  it('round trip with the default parameters (N=2^15, r=8, p=1), timed (a diagnostic, not asserted)', { timeout: 60_000 }, async (t) => {
    assert.deepEqual({ ...DEFAULT_SCRYPT }, { N: 32768, r: 8, p: 1 });
    const t0 = performance.now();
    const stored = await hashPassword('s3cret link pässword');
    const hashMs = performance.now() - t0;
    assert.match(stored, FORMAT);
    const t1 = performance.now();
    assert.equal(await verifyPassword('s3cret link pässword', stored), true);
    const verifyMs = performance.now() - t1;
    t.diagnostic(`scrypt N=2^15 r=8 p=1: hash ${hashMs.toFixed(1)} ms, verify ${verifyMs.toFixed(1)} ms`);
    assert.equal(await verifyPassword('s3cret link password', stored), false);
    assert.equal(await verifyPassword('', stored), false);
    assert.deepEqual(await checkPassword('wrong', stored), { ok: false, reason: 'password mismatch' });
  });

  it('salts: the same password hashes differently each time; sync and async hashing interoperate', async () => {
    const a = hashPasswordSync('pw');
    const b = await hashPassword('pw');
    assert.notEqual(a, b);
    assert.equal(await verifyPassword('pw', b), true);
    assert.equal(await verifyPassword('pw', a), true);
    assert.equal(await verifyPassword('px', a), false);
  });

  it('a PASS as received (bytes) matches the hash of the same text: non-ASCII passwords work', async () => {
    const stored = await hashPassword('pässwörd', { N: 1024, r: 8, p: 1 });
    const wire = Buffer.from('pässwörd', 'utf8'); // what arrives in PASS
    assert.equal((await checkPassword(wire, stored)).ok, true);
    assert.equal((await checkPassword(Buffer.from('pässwörd', 'latin1'), stored)).ok, false);
  });

  it('PasswordChecker runs at most `limit` checks at once and all of them complete, in order', async () => {
    const stored = await hashPassword('pw', { N: 1 << 12, r: 8, p: 1 });
    const checker = new PasswordChecker(2);
    let maxActive = 0;
    const done: number[] = [];
    const all = Array.from({ length: 7 }, (_, i) => {
      const p = checker.check(i % 2 ? 'pw' : 'no', stored).then((r) => { done.push(i); return r.ok; });
      maxActive = Math.max(maxActive, checker.active);
      return p;
    });
    assert.equal(checker.active, 2);
    assert.equal(checker.queued, 5);
    const oks = await Promise.all(all);
    assert.deepEqual(oks, [false, true, false, true, false, true, false]);
    assert.ok(maxActive <= 2);
    assert.equal(checker.active, 0);
    assert.equal(checker.queued, 0);
  });

  it('plaintext stored values never match, with a reason for the log', async () => {
    assert.equal(await verifyPassword('linkpass', 'linkpass'), false);
    const r = await checkPassword('linkpass', 'linkpass');
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /plaintext/);
    assert.ok(!(r as { reason: string }).reason.includes('linkpass'));
    assert.equal((await checkPassword('x', 'x')).ok, false);
    assert.equal(await verifyPassword('', ''), false);
    assert.equal(isPasswordHash('linkpass'), false);
  });

  it('unsupported and malformed hashes are refused with reasons', async () => {
    const cases: Array<[string, RegExp]> = [
      ['$argon2id$v=19$m=6144,t=2,p=2$c2FsdHNhbHQ$aGFzaGhhc2g', /argon2/],
      ['$2y$09$abcdefghijklmnopqrstuu8gWJ6n5G0g1vUe0hJ2mQnYI4eC2GmS', /bcrypt/],
      ['$scrypt$N=32768,r=8$AAAAAAAAAAAAAAAAAAAAAA$AAAA', /malformed scrypt parameters/],
      ['$scrypt$N=1000,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /power of two/],
      // Hostile cost parameters are refused before any work is done.
      ['$scrypt$N=2097152,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /N larger/],
      ['$scrypt$N=1073741824,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /malformed scrypt/],
      ['$scrypt$N=32768,r=999,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /r must be/],
      ['$scrypt$N=32768,r=8,p=1$!!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /base64/],
      ['$scrypt$N=32768,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /salt length/],
      ['$scrypt$N=32768,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA', /hash length/],
      ['$md5$abc', /unrecognised/],
      ['', /empty/],
    ];
    for (const [stored, re] of cases) {
      const r = parsePasswordHash(stored);
      assert.equal(r.ok, false, stored);
      assert.match((r as { reason: string }).reason, re, stored);
      assert.equal(await verifyPassword('anything', stored), false);
    }
  });

  it('a tampered hash or salt does not verify', async () => {
    const stored = await hashPassword('pw');
    const parts = stored.split('$');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const badHash = [...parts.slice(0, 4), flip(parts[4]!)].join('$');
    const badSalt = [...parts.slice(0, 3), flip(parts[3]!), parts[4]].join('$');
    assert.equal(await verifyPassword('pw', badHash), false);
    assert.equal(await verifyPassword('pw', badSalt), false);
  });

  it('custom (cheaper) parameters are encoded and honoured', async () => {
    const stored = await hashPassword('pw', { N: 1024, r: 8, p: 1 });
    assert.match(stored, /^\$scrypt\$N=1024,r=8,p=1\$/);
    assert.equal(await verifyPassword('pw', stored), true);
    await assert.rejects(hashPassword('pw', { N: 1000, r: 8, p: 1 }), /power of two/);
  });

  it('overlong input (over PASSWDLEN, 256 bytes) is refused, not hashed', async () => {
    const stored = await hashPassword('pw', { N: 1024, r: 8, p: 1 });
    assert.deepEqual(await checkPassword('x'.repeat(5000), stored), { ok: false, reason: 'supplied password too long' });
    assert.deepEqual(await checkPassword('x'.repeat(257), stored), { ok: false, reason: 'supplied password too long' });
    assert.deepEqual(await checkPassword('x'.repeat(256), stored), { ok: false, reason: 'password mismatch' });
    await assert.rejects(hashPassword('x'.repeat(257)), /longer than/);
  });
});
