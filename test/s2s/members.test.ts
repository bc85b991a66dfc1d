// The channel member store (state/members.ts) and the user channel lists it mirrors: the
// behaviours a Map gave before, with and without the lazily built index, and SJOIN's repeated
// members in a channel it creates (found by the line's mark, not by searching).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Network } from '../../src/state/network.ts';
import { newUser } from '../../src/state/user.ts';
import { checkInvariants } from '../../src/state/digest.ts';
import type { User } from '../../src/state/model.ts';
import { ServerUsers } from '../../src/state/serverUsers.ts';
import { hub, linkLeaf, uid, T0, drainSent } from './harness.ts';

const TC = 1795305735;

function users(net: Network, n: number): User[] {
  const out: User[] = [];
  for (let i = 0; i < n; i++) {
    const u = newUser(`0AA${String(i).padStart(6, '0')}`, `u${i}`, 1, 'id', 'h.example', '', '', '*', '', 'i', 'real', net.me);
    net.addUser(u);
    out.push(u);
  }
  return out;
}

describe('channel member store', () => {
  it('behaves like a Map of user → membership below and above the index threshold, and mirrors the user lists', () => {
    // Random joins and parts on a few channels, against a model of plain Maps.
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.nat(2), fc.nat(39)), { maxLength: 400 }),
      (ops) => {
        const net = new Network({ sid: '0AA', name: 'a.test', info: 'x' });
        const us = users(net, 40);
        const chans = ['#a', '#b', '#c'].map((n) => net.createChannel(n, 1));
        for (const ch of chans) ch.modes.set('P', ''); // permanent: parts never destroy them
        const model = chans.map(() => new Map<User, string>());
        for (const [join, c, k] of ops) {
          const ch = chans[c], u = us[k];
          if (join) { net.join(u, ch); if (!model[c].has(u)) model[c].set(u, ''); }
          else { net.part(u, ch); model[c].delete(u); }
          assert.equal(ch.members.size, model[c].size);
        }
        for (let c = 0; c < chans.length; c++) {
          const ch = chans[c];
          assert.deepEqual(new Set(ch.members.keys()), new Set(model[c].keys()));
          for (const u of us) {
            assert.equal(ch.members.has(u), model[c].has(u));
            const m = ch.members.get(u);
            if (m) { assert.equal(m.user, u); assert.equal(m.channel, ch); assert.equal(u.channels.get(ch), m); }
            else assert.equal(u.channels.get(ch), undefined);
          }
        }
        assert.deepEqual(checkInvariants(net), []);
      },
    ), { numRuns: 200 });
  });

  it('iterating while members leave visits each member that was there once', () => {
    const net = new Network({ sid: '0AA', name: 'a.test', info: 'x' });
    const us = users(net, 30);
    const ch = net.createChannel('#big', 1);
    for (const u of us) net.join(u, ch);
    const seen: User[] = [];
    for (const m of ch.members.values()) { seen.push(m.user); net.part(m.user, ch); }
    assert.equal(seen.length, 30);
    assert.equal(new Set(seen).size, 30);
    assert.equal(net.channel('#big'), undefined, 'destroyed once empty');
  });

  it('a user repeated in the SJOIN that creates a channel is joined once, with the prefixes of its first item (conflicts.md "Member statuses, in every TS case")', () => {
    const e = hub();
    linkLeaf(e, { burst: [uid('0AA', 'leafA', T0, '0AAAAAAA1'), uid('0AA', 'leafB', T0, '0AAAAAAA2'), `:0AA SJOIN ${TC} #rep :@0AAAAAAA1 0AAAAAAA2 +0AAAAAAA1 0AAAAAAA1`] });
    const ch = e.net.channel('#rep')!;
    assert.equal(ch.members.size, 2);
    const a = e.net.user('0AAAAAAA1')!;
    assert.equal([...a.channels.keys()].length, 1);
    assert.equal([...ch.members.get(a)!.modes].sort().join(''), 'o');
    // The same user in the next created channel is a new member there (the mark is per line).
    e.receive('leaf', `:0AA SJOIN ${TC} #rep2 :0AAAAAAA1 0AAAAAAA1`);
    assert.equal(e.net.channel('#rep2')!.members.size, 1);
    assert.equal(a.channels.size, 2);
    assert.deepEqual(checkInvariants(e.net), []);
    drainSent(e);
  });
});

describe('server user list', () => {
  it('agrees with a Set under random add/delete, and iterating while deleting visits each user once', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(29)), { maxLength: 300 }), (ops) => {
      const us = Array.from({ length: 30 }, (_, i) => ({ uid: `0AA${i}` }) as User);
      const list = new ServerUsers(), model = new Set<User>();
      for (const [add, k] of ops) {
        if (add) { list.add(us[k]); model.add(us[k]); } else assert.equal(list.delete(us[k]), model.delete(us[k]));
        assert.equal(list.size, model.size);
      }
      for (const u of us) assert.equal(list.has(u), model.has(u));
      const seen: User[] = [];
      for (const u of list) { seen.push(u); list.delete(u); }
      assert.deepEqual(new Set(seen), model);
      assert.equal(seen.length, model.size);
      assert.equal(list.size, 0);
    }), { numRuns: 200 });
  });
});
