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
});
