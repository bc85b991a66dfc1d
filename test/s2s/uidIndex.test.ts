// Users by UID (state/uidIndex.ts): the same answers as a Map<string, User> for UIDs of the
// usual form, for other UIDs (6-12 characters, lower case, short SIDs) and for slices of a line.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UidIndex } from '../../src/state/uidIndex.ts';
import type { User } from '../../src/state/model.ts';

const CH = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const canonicalUid = fc.tuple(fc.constantFrom(...'0123456789'), fc.constantFrom('0', 'A', 'Z'), fc.constantFrom('0', '9', 'Z'), fc.array(fc.constantFrom(...CH, 'Z', 'Z', '9'), { minLength: 6, maxLength: 6 }))
  .map(([a, b, c, rest]) => a + b + c + rest.join(''));
const otherUid = fc.string({ minLength: 1, maxLength: 12 });
const anyUid = fc.oneof(canonicalUid, canonicalUid, otherUid);

describe('UID index', () => {
  it('agrees with a Map under random set/delete, including lookups by line slice', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), anyUid), { maxLength: 200 }), fc.array(anyUid, { maxLength: 30 }), (ops, probes) => {
      const ix = new UidIndex(), model = new Map<string, User>();
      for (const [add, uid] of ops) {
        const u = { uid } as User;
        if (add) { ix.set(uid, u); model.set(uid, u); } else assert.equal(ix.delete(uid), model.delete(uid));
        assert.equal(ix.size, model.size);
      }
      for (const uid of [...probes, ...model.keys()]) {
        assert.equal(ix.get(uid), model.get(uid));
        assert.equal(ix.has(uid), model.has(uid));
        const line = `@x ${uid} y`;
        assert.equal(ix.getRange(line, 3, 3 + uid.length), model.get(uid));
      }
      assert.deepEqual(new Set(ix.keys()), new Set(model.keys()));
      assert.deepEqual(new Set(ix.values()), new Set(model.values()));
    }), { numRuns: 300 });
  });

  it('keeps UIDs whose six characters spell more than 2^31 apart (ZZZZZZ and neighbours)', () => {
    const ix = new UidIndex();
    const uids = ['001ZZZZZZ', '001ZZZZZY', '001Z00000', '0010ZZZZZ', '9ZZZZZZZZ', '000000000'];
    for (const uid of uids) ix.set(uid, { uid } as User);
    for (const uid of uids) assert.equal(ix.get(uid)?.uid, uid);
    assert.equal(ix.size, uids.length);
    assert.equal(ix.get('001ZZZZZX'), undefined);
    ix.delete('001ZZZZZZ');
    assert.equal(ix.get('001ZZZZZZ'), undefined);
    assert.equal(ix.get('001ZZZZZY')?.uid, '001ZZZZZY');
  });

  it('agrees with a Map through growth, shrinking and deletes in long probe runs (thousands of UIDs)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 500, max: 4000 }), (seed, n) => {
      let x = seed;
      const rnd = (m: number) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x % m; };
      const ix = new UidIndex(), model = new Map<string, User>();
      // Sequential numbers (as generated bursts), random ones (as UnrealIRCd's) and one SID-heavy cluster.
      const uidAt = (k: number) => {
        const sid = ['001', '0AB', '9ZZ'][k % 3];
        const num = k % 2 === 0 ? k : (Math.imul(k, 2654435761) >>> 0) % 36 ** 6;
        return sid + num.toString(36).toUpperCase().padStart(6, '0');
      };
      for (let k = 0; k < n; k++) { const uid = uidAt(k); const u = { uid } as User; ix.set(uid, u); model.set(uid, u); }
      for (let k = 0; k < n * 2; k++) {
        const uid = uidAt(rnd(n + 50));
        if (rnd(3) === 0) { const u = { uid } as User; ix.set(uid, u); model.set(uid, u); } else assert.equal(ix.delete(uid), model.delete(uid));
        if (k % 97 === 0) for (const key of model.keys()) assert.equal(ix.get(key), model.get(key));
      }
      assert.equal(ix.size, model.size);
      for (let k = 0; k < n + 50; k++) assert.equal(ix.get(uidAt(k)), model.get(uidAt(k)));
      // Deleting every user while iterating (as a server split does) visits each once.
      const seen = new Set<User>();
      for (const u of ix.values()) { assert.ok(!seen.has(u)); seen.add(u); ix.delete(u.uid); }
      assert.equal(seen.size, model.size);
      assert.equal(ix.size, 0);
    }), { numRuns: 25 });
  });
});
