// Users by nick (state/nickIndex.ts): the same answers as a Map keyed by casefold(nick), for
// nicks that differ only in case, in []\^ versus {}|~ (not folded), in bytes >= 0x80, and through
// growth, shrinking, replacement and deletes in long probe runs.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NickIndex, nickHash } from '../../src/state/nickIndex.ts';
import { casefold } from '../../src/wire/casemap.ts';
import type { User } from '../../src/state/model.ts';

const nickChar = fc.constantFrom(...'aAbBzZ09[]{}\\|^~-_`', '\u00e9', '\u00c9', '\u00ff');
const nick = fc.array(nickChar, { minLength: 1, maxLength: 6 }).map((a) => a.join(''));

describe('nick index', () => {
  it('agrees with a Map keyed by casefold(nick) under random add/delete/lookups', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), nick), { maxLength: 300 }), fc.array(nick, { maxLength: 40 }), (ops, probes) => {
      const ix = new NickIndex(), model = new Map<string, User>();
      for (const [op, n] of ops) {
        if (op === 0) { assert.equal(ix.delete(n), model.delete(casefold(n))); continue; }
        const u = { nick: n } as User;
        ix.add(u); model.set(casefold(n), u);
        assert.equal(ix.size, model.size);
      }
      for (const n of [...probes, ...model.keys()]) {
        assert.equal(ix.get(n), model.get(casefold(n)));
        assert.equal(ix.get(n.toUpperCase()), model.get(casefold(n.toUpperCase())));
        assert.equal(ix.has(n), model.has(casefold(n)));
      }
      assert.deepEqual(new Set(ix.keys()), new Set(model.keys()));
      assert.deepEqual(new Set(ix.values()), new Set(model.values()));
    }), { numRuns: 300 });
  });

  it('folds only A-Z: [ ] \\ ^ and bytes >= 0x80 stay distinct', () => {
    const ix = new NickIndex();
    const a = { nick: 'Nick[x]' } as User, b = { nick: 'nick{x}' } as User, c = { nick: '\u00c9lodie' } as User;
    ix.add(a); ix.add(b); ix.add(c);
    assert.equal(ix.get('NICK[X]'), a);
    assert.equal(ix.get('nick{X}'), b);
    assert.equal(ix.get('\u00e9lodie'), undefined);
    assert.equal(ix.get('\u00c9LODIE'), c);
  });

  it('deletes only the given user when asked to (a rename must not drop a user that took the nick)', () => {
    const ix = new NickIndex();
    const a = { nick: 'Alpha' } as User, b = { nick: 'alpha' } as User;
    ix.add(a); ix.add(b); // b replaces a under the same folded nick
    assert.equal(ix.size, 1);
    assert.equal(ix.delete('ALPHA', a), false);
    assert.equal(ix.get('alpha'), b);
    assert.equal(ix.delete('ALPHA', b), true);
    assert.equal(ix.size, 0);
  });

  it('agrees with a Map through thousands of nicks, growth, shrinking and deletes while iterating', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 500, max: 4000 }), (seed, n) => {
      let x = seed;
      const rnd = (m: number) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x % m; };
      const nickAt = (k: number) => (k % 2 ? 'User' : 'uSER') + k.toString(36);
      const ix = new NickIndex(), model = new Map<string, User>();
      for (let k = 0; k < n; k++) { const u = { nick: nickAt(k) } as User; ix.add(u); model.set(casefold(u.nick), u); }
      for (let k = 0; k < n * 2; k++) {
        const nk = nickAt(rnd(n + 50));
        if (rnd(3) === 0) { const u = { nick: nk } as User; ix.add(u); model.set(casefold(nk), u); } else assert.equal(ix.delete(nk), model.delete(casefold(nk)));
        if (k % 97 === 0) for (const [key, u] of model) assert.equal(ix.get(key.toUpperCase()), u);
      }
      assert.equal(ix.size, model.size);
      for (let k = 0; k < n + 50; k++) assert.equal(ix.get(nickAt(k)), model.get(casefold(nickAt(k))));
      const seen = new Set<User>();
      for (const u of ix.values()) { assert.ok(!seen.has(u)); seen.add(u); assert.ok(ix.delete(u.nick, u)); }
      assert.equal(seen.size, model.size);
      assert.equal(ix.size, 0);
    }), { numRuns: 25 });
  });

  it('the hash is seeded: nicks chosen to share a slot under one seed spread under another', () => {
    const seedA = 0x1234567, seedB = -0x7654321;
    // Nicks an attacker who knew seedA would pick: the same low 12 bits (one slot of a 4096-slot table).
    const chosen: string[] = [];
    for (let i = 0; chosen.length < 150; i++) { const n = `Bot${i.toString(36)}`; if ((nickHash(n, seedA) & 0xfff) === 0) chosen.push(n); }
    const slotsB = new Set(chosen.map((n) => nickHash(n, seedB) & 0xfff));
    assert.ok(slotsB.size > 140, `${slotsB.size} distinct slots of 150 under another seed`);
    // Case still folds under any seed.
    assert.equal(nickHash('BoT1', seedB), nickHash('bot1', seedB));
    assert.notEqual(nickHash('bot1', seedA), nickHash('bot1', seedB));
  });
});
