// UnrealIRCd's $argon2id$ hashes for rpc-user passwords (src/link/argon2Passwords.ts). The vectors
// were made with Debian's reference argon2 CLI (package argon2), e.g.
//   echo -n pass | argon2 somesalt -id -t 2 -m 16 -p 1 -e
// and in the shape UnrealIRCd's mkpasswd writes (src/auth.c: argon2id, m=6144 KiB, t=2, p=2,
// a 16-byte salt, a 32-byte hash):
//   echo -n secret | argon2 unrealsalt123456 -id -t 2 -k 6144 -p 2 -l 32 -e
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { ARGON2_LIMITS, Argon2Verifier, parseArgon2Hash } from '../../src/link/argon2Passwords.ts';

const T = { timeout: 30_000 };

/** UnrealIRCd's mkpasswd parameters, password "secret". */
const UNREAL_SECRET = '$argon2id$v=19$m=6144,t=2,p=2$dW5yZWFsc2FsdDEyMzQ1Ng$SJVYb2C/cEft8BRZDcwx2ICvxs2uhaw3eukJdErCnQc';
/** The argon2 CLI example: password "pass", salt "somesalt", 64 MiB, t=2, p=1. */
const CLI_PASS = '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$xhSajGfJkypl3GcidQZmNA+plpAPESSjcEfLv6fMzwE';
/** A UTF-8 password ("pässwörd"), four lanes, a 16-byte hash. */
const UTF8_PASS = '$argon2id$v=19$m=64,t=1,p=4$c2FsdHNhbHRzYWx0$7l53ImPVcD6DLcpv4LzNhA';
/** The same hash as UNREAL_SECRET with its parameters in node-argon2's order (m, p, t). */
const REORDERED = '$argon2id$v=19$m=6144,p=2,t=2$dW5yZWFsc2FsdDEyMzQ1Ng$SJVYb2C/cEft8BRZDcwx2ICvxs2uhaw3eukJdErCnQc';
/** "secret" as $argon2i$ and as argon2 version 1.0 (v=16): not accepted. */
const ARGON2I = '$argon2i$v=19$m=6144,t=2,p=2$dW5yZWFsc2FsdDEyMzQ1Ng$/mwhuc9Ur40KnjAobsQCeM8FUf1TSjeDhg9e+xBxqtE';
const V16 = '$argon2id$v=16$m=6144,t=2,p=2$dW5yZWFsc2FsdDEyMzQ1Ng$HiAcPiqw4IXtwdPG67OQDnygXRkKRxswKSvgdybcWGk';

const SALT = 'dW5yZWFsc2FsdDEyMzQ1Ng';
const HASH = 'SJVYb2C/cEft8BRZDcwx2ICvxs2uhaw3eukJdErCnQc';
const withParams = (params: string) => `$argon2id$v=19$${params}$${SALT}$${HASH}`;

describe('$argon2id$ password hashes', () => {
  const v = new Argon2Verifier({ idleMs: 200 });
  after(() => v.close());

  test('hashes made by the reference argon2 CLI verify, in UnrealIRCd\'s shape and others', T, async () => {
    assert.deepEqual(await v.check('secret', UNREAL_SECRET), { ok: true });
    assert.deepEqual(await v.check('pass', CLI_PASS), { ok: true });
    assert.deepEqual(await v.check('pässwörd', UTF8_PASS), { ok: true });
    assert.deepEqual(await v.check(Buffer.from('pässwörd', 'utf8'), UTF8_PASS), { ok: true });
  });

  test('a wrong password is a mismatch, whatever its length', T, async () => {
    for (const wrong of ['secreT', 'secre', 'secret ', 'x'.repeat(200)]) {
      assert.deepEqual(await v.check(wrong, UNREAL_SECRET), { ok: false, reason: 'password mismatch' });
    }
    // The same password against a hash with one bit changed.
    const flipped = UNREAL_SECRET.replace('cEft8', 'cEfu8');
    assert.notEqual(flipped, UNREAL_SECRET);
    assert.deepEqual(await v.check('secret', flipped), { ok: false, reason: 'password mismatch' });
    assert.deepEqual(await v.check('', UNREAL_SECRET), { ok: false, reason: 'password mismatch' });
  });

  test('the parameters are read in any order (node-argon2 writes m,p,t)', T, async () => {
    assert.deepEqual(await v.check('secret', REORDERED), { ok: true });
    const p = parseArgon2Hash(REORDERED);
    assert.ok(p.ok);
    assert.deepEqual(p.value.params, { m: 6144, t: 2, p: 2 });
    assert.equal(p.value.salt.toString(), 'unrealsalt123456');
    assert.equal(p.value.hash.length, 32);
  });

  test('a cost out of bounds is refused before anything is derived', T, async () => {
    const before = v.derived;
    const cases: [string, RegExp][] = [
      ['m=4194304,t=2,p=2', /m=4194304: memory over 262144 KiB/],
      ['m=6144,t=1000,p=2', /t=1000: passes must be 1 to 16/],
      ['m=6144,t=2,p=255', /p=255: lanes must be 1 to 16/],
      ['m=262144,t=16,p=4', /memory x passes over 1048576 KiB/],
      ['m=8,t=2,p=2', /at least 8 KiB per lane/],
      ['m=6144,t=0,p=2', /t=0/],
      ['m=6144,t=2,p=0', /p=0/],
      ['m=99999999999,t=2,p=2', /malformed parameter/],
    ];
    for (const [params, why] of cases) {
      const derived = v.derived;
      const r = await v.check('secret', withParams(params));
      assert.equal(r.ok, false, params);
      assert.match((r as { reason: string }).reason, why, params);
      assert.equal(v.derived, derived, `${params} answered at once, no key derived`);
    }
    assert.equal(v.derived, before, 'no key was derived for a refused hash');
    // The largest cost the bounds allow still verifies (a correct hash of it is not needed to see that
    // it is accepted: the parse is what bounds it).
    assert.ok(parseArgon2Hash(withParams(`m=${ARGON2_LIMITS.maxMemoryKiB},t=4,p=4`)).ok);
  });

  test('malformed and unsupported hashes are refused with the reason', T, async () => {
    const cases: [string, RegExp][] = [
      [ARGON2I, /not an \$argon2id\$ hash/],
      [V16, /v=16: only argon2 version 19/],
      [`$argon2id$m=6144,t=2,p=2$${SALT}$${HASH}`, /no v=19/],
      [withParams('m=6144,t=2,p=2,data=12'), /parameter data is not supported/],
      [withParams('m=6144,t=2,p=2,keyid=abc'), /malformed parameter "keyid=abc"/],
      // The last character's unused bits set ('c' and 'd' decode alike): not canonical, refused.
      [UNREAL_SECRET.slice(0, -1) + 'd', /malformed base64 in the hash/],
      [withParams('m=6144,t=2,m=4096'), /parameter m given twice/],
      [withParams('m=6144,t=2'), /needs m=, t= and p=/],
      [`$argon2id$v=19$m=6144,t=2,p=2$c2FsdA$${HASH}`, /salt of 4 bytes/],
      [`$argon2id$v=19$m=6144,t=2,p=2$${SALT}$aGFzaA`, /hash of 4 bytes/],
      [`$argon2id$v=19$m=6144,t=2,p=2$${SALT}$not*base64`, /malformed base64 in the hash/],
      ['$argon2id$v=19$m=6144,t=2,p=2', /malformed \$argon2id\$ hash/],
    ];
    for (const [stored, why] of cases) {
      const r = await v.check('secret', stored);
      assert.equal(r.ok, false, stored);
      assert.match((r as { reason: string }).reason, why, stored);
    }
  });

  test('no reason ever contains the password', T, async () => {
    const password = 'Sup3rS3cr3t-password';
    const reasons: string[] = [];
    for (const stored of [UNREAL_SECRET, ARGON2I, V16, withParams('m=4194304,t=2,p=2'), withParams('m=6144,t=2')]) {
      const r = await v.check(password, stored);
      if (!r.ok) reasons.push(r.reason);
    }
    assert.equal(reasons.length, 5);
    for (const reason of reasons) assert.ok(!reason.includes(password) && !reason.includes('S3cr3t'), reason);
  });

  test('a derivation runs off the event loop: timers keep firing during a 64 MiB hash', T, async () => {
    // Timer ticks while the check is pending: a derivation on the event loop would let none run.
    let pending = false;
    let ticksDuring = 0;
    const tick = setInterval(() => { if (pending) ticksDuring++; }, 5);
    try {
      pending = true;
      const check = v.check('pass', CLI_PASS).finally(() => { pending = false; });
      assert.deepEqual(await check, { ok: true });
      assert.ok(ticksDuring >= 2, `${ticksDuring} timer ticks while a 64 MiB hash was derived`);
    } finally {
      clearInterval(tick);
    }
  });

  test('checks wait their turn, and too many waiting are refused at once', T, async () => {
    const all = await Promise.all(Array.from({ length: 24 }, () => v.check('pässwörd', UTF8_PASS)));
    const ok = all.filter((r) => r.ok).length;
    const busy = all.filter((r) => !r.ok && /too many password checks waiting/.test(r.reason)).length;
    assert.equal(ok + busy, 24);
    assert.ok(ok >= 16, `${ok} verified`);
    assert.ok(busy >= 1, 'the checks past the queue bound were refused');
  });

  test('an idle worker is stopped, and a later check starts a new one', T, async () => {
    await v.check('secret', UNREAL_SECRET);
    assert.equal(v.running, true);
    const end = Date.now() + 5000;
    while (v.running && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(v.running, false, 'stopped after idleMs');
    assert.deepEqual(await v.check('secret', UNREAL_SECRET), { ok: true });
  });

  test('without the hash-wasm package: refused with what to do', T, async () => {
    const none = new Argon2Verifier({ modulePath: null });
    const r = await none.check('secret', UNREAL_SECRET);
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /hash-wasm package .* is not installed: run npm install/);
  });
});
