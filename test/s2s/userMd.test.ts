// A user's MD (packed into one string in state/user.ts): the same answers as a Map.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Network } from '../../src/state/network.ts';
import { newUser, setUserMd } from '../../src/state/user.ts';

describe('user MD', () => {
  it('agrees with a Map under random set/delete/clear (keys that prefix each other, empty values)', () => {
    const key = fc.constantFrom('a', 'ab', 'b', 'creationtime', 'certfp', 'c', 'operlogin', 'x:y');
    // Numbers too, written canonically or not (a creationtime that is a plain number is kept as one).
    const value = fc.oneof(
      fc.constantFrom('', 'a', '1795305116', 'ab', '0', '00', '01', '-1', '+1', '1e3', ' 1', '999999999999999', '1000000000000000', '9007199254740993'),
      fc.nat().map(String),
      fc.string({ maxLength: 12 }).map((s) => s.replace(/\0/g, '')),
    );
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

  it('keys limit counts a numeric creationtime like any key; values come back exactly as set', () => {
    const net = new Network({ sid: '0AA', name: 'a.test', info: 'x' });
    const u = newUser('0AA000001', 'n', 1, 'i', 'h', '', '', '*', '', 'i', 'r', net.me);
    assert.equal(setUserMd(u, 'creationtime', '1795305116', 2, (k) => k), true);
    assert.equal(setUserMd(u, 'certfp', 'ab', 2, (k) => k), true);
    assert.equal(setUserMd(u, 'third', 'x', 2, (k) => k), false);
    assert.equal(u.md.size, 2);
    // A known key updates at the limit, whichever form its value takes.
    for (const v of ['1795305117', '01', '0', '1e3', '1795305118']) {
      assert.equal(setUserMd(u, 'creationtime', v, 2, (k) => k), true);
      assert.equal(u.md.get('creationtime'), v);
      assert.equal(u.md.size, 2);
    }
    assert.deepEqual(new Map(u.md.entries()), new Map([['creationtime', '1795305118'], ['certfp', 'ab']]));
    // Full without creationtime: a new creationtime is refused like any new key.
    const w = newUser('0AA000002', 'm', 1, 'i', 'h', '', '', '*', '', 'i', 'r', net.me);
    setUserMd(w, 'a', '1', 2, (k) => k); setUserMd(w, 'b', '2', 2, (k) => k);
    assert.equal(setUserMd(w, 'creationtime', '5', 2, (k) => k), false);
    assert.equal(w.md.has('creationtime'), false);
  });

  it('a UID line with a NUL keeps the fields before it; a field set later is cut at its NUL', async () => {
    const { hub, linkLeaf, uid, T0 } = await import('./harness.ts');
    const e = hub();
    // The engine ends the line at the NUL: the realname is what came before it.
    linkLeaf(e, { burst: [uid('0AA', 'nulnick', T0, '0AANUL001', { ident: 'id', host: 'h.example', real: 'before\0after' })] });
    const u = e.net.user('0AANUL001')!;
    assert.deepEqual([u.ident, u.realHost, u.vhost, u.realname], ['id', 'h.example', '', 'before']);
    u.ident = 'x\0y';
    u.realname = 'r1\0r2';
    assert.deepEqual([u.ident, u.realHost, u.vhost, u.cloak, u.realname], ['x', 'h.example', '', u.cloak, 'r1']);
  });

  it('cuts a value at a NUL (a line ends there), so the packing cannot be corrupted', () => {
    const net = new Network({ sid: '0AA', name: 'a.test', info: 'x' });
    const u = newUser('0AA000001', 'n', 1, 'i', 'h', '', '', '*', '', 'i', 'r', net.me);
    u.md.set('k', 'ab\0cd');
    u.md.set('k2', 'v');
    assert.deepEqual([...u.md.entries()], [['k', 'ab'], ['k2', 'v']]);
  });
});
