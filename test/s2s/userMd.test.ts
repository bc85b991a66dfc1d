// A user's MD (packed into one string in state/user.ts): the same answers as a Map.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Network } from '../../src/state/network.ts';
import { newUser } from '../../src/state/user.ts';

describe('user MD', () => {
  it('agrees with a Map under random set/delete/clear (keys that prefix each other, empty values)', () => {
    const key = fc.constantFrom('a', 'ab', 'b', 'creationtime', 'certfp', 'c', 'operlogin', 'x:y');
    const value = fc.oneof(fc.constantFrom('', 'a', '1795305116', 'ab'), fc.string({ maxLength: 12 }).map((s) => s.replace(/\0/g, '')));
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(9), key, value), { maxLength: 60 }), (ops) => {
      const net = new Network({ sid: '0AA', name: 'a.test', info: 'x' });
      const u = newUser('0AA000001', 'n', 1, 'i', 'h', '', '', '*', '', 'i', 'r', net.me);
      const model = new Map<string, string>();
      for (const [op, k, v] of ops) {
        if (op === 0) { u.md.clear(); model.clear(); }
        else if (op <= 3) assert.equal(u.md.delete(k), model.delete(k));
        else { u.md.set(k, v); model.set(k, v); }
        assert.equal(u.md.size, model.size);
        for (const kk of ['a', 'ab', 'b', 'creationtime', 'c', 'x:y', 'zz']) {
          assert.equal(u.md.get(kk), model.get(kk));
          assert.equal(u.md.has(kk), model.has(kk));
        }
      }
      assert.deepEqual(new Map(u.md.entries()), model);
      assert.deepEqual([...u.md.keys()].sort(), [...model.keys()].sort());
      assert.deepEqual([...u.md.values()].sort(), [...model.values()].sort());
    }), { numRuns: 300 });
  });

  it('cuts a value at a NUL (a line ends there), so the packing cannot be corrupted', () => {
    const net = new Network({ sid: '0AA', name: 'a.test', info: 'x' });
    const u = newUser('0AA000001', 'n', 1, 'i', 'h', '', '', '*', '', 'i', 'r', net.me);
    u.md.set('k', 'ab\0cd');
    u.md.set('k2', 'v');
    assert.deepEqual([...u.md.entries()], [['k', 'ab'], ['k2', 'v']]);
  });
});
