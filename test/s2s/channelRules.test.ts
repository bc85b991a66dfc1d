// The channel rules of issue 13 (items 1, 2, 3, 5), each named after its rule in
// shared/protocol/conflicts.md ("Member statuses, in every TS case", "One change per parameter
// mode per MODE line", "Parameters are stored in canonical form") or the issue ("Ban masks in
// UnrealIRCd's normal form"), driven with real protocol lines: the state, the relayed lines, the
// burst and the state dump.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { channelModeString, sjoinLines } from '../../src/s2s/channelWire.ts';
import { buildStateDump } from '../../src/replay/stateDump.ts';
import { stateDigest } from '../../src/state/digest.ts';
import { hub, linkLeaf, local, feed, uid, T0, TEST_TIMEOUT } from './harness.ts';

const TC = 1795305735;
const LEAF_A = uid('0AA', 'leafA', T0 - 1000, '0AAAAAAA1', { ident: 'leafa', host: 'host-1.leaf.example' });
const LEAF_B = uid('0AA', 'leafB', T0 - 1000, '0AAAAAAA2', { ident: 'leafb', host: 'host-2.leaf.example' });

/** Hub with alice, a channel #c (TS TC) she ops, leaf 0AA with leafA/leafB (leafA on #c), leaf2 0AB. */
function setup(chanModes = '+nt', leafBurst: string[] = []) {
  const e = hub();
  local(e, uid('001', 'alice', T0, '001UI2J0L', { ident: 'alice', host: 'a.hub.example' }), `:001 SJOIN ${TC} #c ${chanModes} :@001UI2J0L`);
  linkLeaf(e, { burst: [LEAF_A, LEAF_B, `:0AA SJOIN ${TC} #c :0AAAAAAA1`, ...leafBurst] });
  linkLeaf(e, { id: 'leaf2', name: 'leaf2.test', sid: '0AB' });
  return e;
}

function status(e: ReturnType<typeof hub>, chan: string, id: string): string | null {
  const ch = e.net.channel(chan), u = e.net.user(id);
  const m = ch && u ? ch.members.get(u) : undefined;
  return m ? [...m.modes].sort().join('') : null;
}

const modes = (e: ReturnType<typeof hub>, chan = '#c') => channelModeString(e.net.channel(chan)!);
const bans = (e: ReturnType<typeof hub>, chan = '#c', l: 'b' | 'e' | 'I' = 'b') => [...e.net.channel(chan)!.lists[l].keys()].sort();

describe('conflicts.md "Member statuses, in every TS case"', { timeout: TEST_TIMEOUT }, () => {
  it('a status prefix in an SJOIN counts only for a member who joins with that SJOIN: with an older TS an existing member named @ ends with no status', () => {
    const e = setup();
    const r = feed(e, 'leaf', `:0AA SJOIN ${TC - 100} #c :*~@%+0AAAAAAA1 @0AAAAAAA2`);
    assert.equal(e.net.channel('#c')!.ts, TC - 100);
    assert.equal(status(e, '#c', '0AAAAAAA1'), '', 'already on the channel: removeours cleared it, the SJOIN gives nothing');
    assert.equal(status(e, '#c', '0AAAAAAA2'), 'o', 'joins with this SJOIN: gets its @');
    assert.equal(status(e, '#c', '001UI2J0L'), '');
    // The SJOIN is still relayed with its prefixes as they came.
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC - 100} #c :*~@%+0AAAAAAA1 @0AAAAAAA2`]);
  });

  it('a status prefix in an SJOIN counts only for a member who joins with that SJOIN: equal TS keeps an existing member as it is, a newer TS gives nobody a status', () => {
    const e = setup();
    feed(e, 'leaf', `:0AA SJOIN ${TC} #c :@0AAAAAAA1 +0AAAAAAA2`);
    assert.equal(status(e, '#c', '0AAAAAAA1'), '');
    assert.equal(status(e, '#c', '0AAAAAAA2'), 'v');
    feed(e, 'leaf', `:0AA SJOIN ${TC} #d :0AAAAAAA1`, `:0AA SJOIN ${TC + 100} #c :@0AAAAAAA2`, `:0AA SJOIN ${TC - 1} #d :@0AAAAAAA2`);
    assert.equal(status(e, '#c', '0AAAAAAA2'), 'v');
    assert.equal(status(e, '#d', '0AAAAAAA2'), 'o');
    assert.equal(status(e, '#d', '0AAAAAAA1'), '');
  });

  it('a status prefix in an SJOIN counts only for a member who joins with that SJOIN: one named twice in the SJOIN that creates a channel joins with its first item', () => {
    const e = setup();
    feed(e, 'leaf', `:0AA SJOIN ${TC} #rep :0AAAAAAA1 @0AAAAAAA2 +0AAAAAAA1 %0AAAAAAA2`);
    assert.equal(status(e, '#rep', '0AAAAAAA1'), '');
    assert.equal(status(e, '#rep', '0AAAAAAA2'), 'o');
    feed(e, 'leaf', `:0AA SJOIN ${TC - 5} #c :0AAAAAAA2 @0AAAAAAA2`);
    assert.equal(status(e, '#c', '0AAAAAAA2'), '', 'older TS: joins with its first item, the second finds it on the channel');
  });
});

describe('conflicts.md "One change per parameter mode per MODE line"', { timeout: TEST_TIMEOUT }, () => {
  it('a parameter mode letter counts only the first time in one MODE: +l-l 5 leaves +l 5, +kk a b sets a; the later changes are dropped and their parameters consumed', () => {
    const e = setup();
    let r = feed(e, 'leaf', `:0AA MODE #c +l-l 5 ${TC}`);
    assert.equal(modes(e), '+lnt 5');
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +l 5 ${TC}`]);
    r = feed(e, 'leaf', `:0AA MODE #c +kkm a b ${TC}`);
    assert.equal(modes(e), '+klmnt a 5');
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +km a ${TC}`]);
    // -k takes the key held (whatever the parameter says) and then counts: the +k after it is dropped.
    r = feed(e, 'leaf', `:0AA MODE #c -k+k zzz b ${TC}`);
    assert.equal(modes(e), '+lmnt 5');
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c -k a ${TC}`]);
    // The same for +f, +L and from a user.
    r = feed(e, 'leaf', `:0AAAAAAA1 MODE #c +ffL [5c]:5 [9j]:9 #other`);
    assert.equal(modes(e), '+flmntL [5c]:5 5 #other');
    assert.deepEqual(r.to('leaf2'), [':0AAAAAAA1 MODE #c +fL [5c]:5 #other']);
  });

  it('a parameter mode letter counts only the first time in one MODE: only a change that takes effect counts (mode.c: a -l, a -k of no key, a +l to the value held do not)', () => {
    const e = setup('+ntl 10');
    let r = feed(e, 'leaf', `:0AA MODE #c -l+l 5 ${TC}`);
    assert.equal(modes(e), '+lnt 5', '-l carries no parameter and does not count');
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c -l+l 5 ${TC}`]);
    r = feed(e, 'leaf', `:0AA MODE #c +ll 5 6 ${TC}`);
    assert.equal(modes(e), '+lnt 6', 'the first +l changed nothing');
    r = feed(e, 'leaf', `:0AA MODE #c -k+k x y ${TC}`);
    assert.equal(modes(e), '+klnt y 6', 'no key to remove: the -k does not count');
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +k y ${TC}`]);
  });

  it('a parameter mode letter counts only the first time in one MODE: list modes and member statuses count every time', () => {
    const e = setup();
    const r = feed(e, 'leaf', `:0AA MODE #c +bbvv a!*@* b!*@* leafA leafA ${TC}`, `:0AA MODE #c +o-o+o leafA leafA leafA ${TC}`);
    assert.deepEqual(bans(e), ['a!*@*', 'b!*@*']);
    assert.equal(status(e, '#c', '0AAAAAAA1'), 'ov');
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +bbv a!*@* b!*@* leafA ${TC}`, `:0AA MODE #c +o-o+o leafA leafA leafA ${TC}`]);
  });

  it('a parameter mode letter counts only the first time in one MODE: an SJOIN mode string is set the same way', () => {
    const e = setup();
    feed(e, 'leaf', `:0AA SJOIN ${TC - 10} #c +ll 5 6 :0AAAAAAA1`, `:0AA SJOIN ${TC} #new +kk a b :0AAAAAAA2`);
    assert.equal(modes(e), '+l 5');
    assert.equal(modes(e, '#new'), '+k a');
  });
});

describe('conflicts.md "Parameters are stored in canonical form"', { timeout: TEST_TIMEOUT }, () => {
  it('parameters are stored in canonical form: +f in floodprot\'s order c j k m n t r with default actions dropped, held, relayed, burst and dumped so', () => {
    const e = setup();
    const r = feed(e, 'leaf', `:0AA MODE #c +f [24k#K23,14c#C20]:60 ${TC}`);
    assert.equal(e.net.channel('#c')!.modes.get('f'), '[14c#C20,24k#K23]:60');
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +f [14c#C20,24k#K23]:60 ${TC}`]);
    feed(e, 'leaf', `:0AA SJOIN ${TC} #f2 +f [50k,32j]:6 :0AAAAAAA1`, `:0AA SJOIN ${TC} #f3 +f [25c#C,4m#M]:23 :0AAAAAAA1`);
    assert.equal(e.net.channel('#f2')!.modes.get('f'), '[32j,50k]:6');
    assert.equal(e.net.channel('#f3')!.modes.get('f'), '[25c,4m#M]:23');
    // The burst and the state dump show the held value.
    assert.deepEqual(sjoinLines(e, e.net.channel('#f2')!, e.links.get('leaf2')!), [`:001 SJOIN ${TC} #f2 +f [32j,50k]:6 :0AAAAAAA1`]);
    const dump = buildStateDump(e.net, e.tkl, e.now());
    assert.equal(dump.channels.find((c) => c.name === '#f3')!.modes, 'f [25c,4m#M]:23');
    // A +f of the value held (written differently) changes nothing and is not relayed.
    assert.deepEqual(feed(e, 'leaf', `:0AA MODE #c +f [14c#C20,24k#K23,5x]:60 ${TC}`).to('leaf2'), []);
  });

  it('parameters are stored in canonical form: +f counts 1-999, unknown types skipped, an action a type does not take is its default, nothing known is refused', () => {
    const e = setup();
    const f = (spec: string) => { e.net.channel('#c')!.modes.delete('f'); feed(e, 'leaf', `:0AA MODE #c +f ${spec} ${TC}`); return e.net.channel('#c')!.modes.get('f') ?? null; };
    assert.equal(f('[5c#X,7j#R3,2t#b,4r,9n#N]:15'), '[5c,7j#R3,9n,2t#b,4r]:15');
    assert.equal(f('[1000c]:5'), null);
    assert.equal(f('[0c]:5'), null);
    assert.equal(f('[5q,3c]:5'), '[3c]:5');
    assert.equal(f('[5q]:5'), null);
    assert.equal(f('[5c]'), null);
    assert.equal(f('5c:5'), null);
    assert.equal(f('[5c]:0'), '[5c]:1');
    assert.equal(f('[5c#C300]:5'), '[5c#C255]:5');
  });

  it('parameters are stored in canonical form: +k +l +L +F +H as their modules take them (key.c, limit.c, link.c, floodprot.c, history.c)', () => {
    const e = setup();
    /** The value +<m> <p> leaves on a channel without <m> (null: refused). */
    const set = (m: string, p: string) => { e.net.channel('#c')!.modes.delete(m); feed(e, 'leaf', `:0AA MODE #c +${m} ${p} ${TC}`); return e.net.channel('#c')!.modes.get(m) ?? null; };
    assert.equal(set('k', 'abc'), 'abc');
    assert.equal(set('k', 'a'.repeat(24)), null, 'over KEYLEN: refused');
    assert.equal(set('k', 'b,c'), null, 'a forbidden character: refused');
    assert.equal(set('k', 'k\xe9y'), 'k\xe9y', 'bytes over 0x7f are fine');
    assert.equal(set('l', 'abc'), '1');
    assert.equal(set('l', '0'), '1');
    assert.equal(set('l', '99999999'), '1000000');
    assert.equal(set('l', '42xyz'), '42');
    assert.equal(set('L', '#Other'), '#Other');
    assert.equal(set('L', '#C'), null, 'a channel cannot be linked to itself');
    assert.equal(set('L', 'nochan'), null);
    assert.equal(set('L', '#a,#b'), null);
    assert.equal(set('L', '#\xff'), null, 'not UTF-8');
    assert.equal(set('F', 'NORMAL'), 'normal');
    assert.equal(set('F', 'nosuch'), null);
    assert.equal(set('H', '100:60'), '100:1h');
    assert.equal(set('H', '300:1440'), '200:1d', 'a -r channel keeps at most 200 lines');
    assert.equal(set('H', '5:90'), '5:90m');
    assert.equal(set('H', '5:1d12h'), '5:36h');
    assert.equal(set('H', '5:30s'), null, 'under a minute: refused');
    assert.equal(set('H', '0:1d'), null, 'no lines: refused');
    assert.equal(set('H', '5:40d'), '5:31d');
    feed(e, 'leaf', `:0AA MODE #c +rH 300:1d ${TC}`);
    assert.equal(e.net.channel('#c')!.modes.get('H'), '300:1d', '+r allows 5000 lines');
  });

  it('parameters are stored in canonical form: an equal-TS merge compares canonical values (+f the same written differently is no change; a default action is the greater one)', () => {
    const e = setup('+ntf [10j,20m#M5]:10');
    let r = feed(e, 'leaf', `:0AA SJOIN ${TC} #c +f [20m#M5,10j#i]:10 :0AAAAAAA2`);
    assert.equal(e.net.channel('#c')!.modes.get('f'), '[10j,20m#M5]:10');
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC} #c +f [20m#M5,10j#i]:10 :0AAAAAAA2`], 'relayed as it came');
    // j's default action i (0x69) is above R (0x52): floodprot.c takes the greater action.
    r = feed(e, 'leaf', `:0AA SJOIN ${TC} #c +f [10j#R,5c]:15 :0AAAAAAA2`);
    assert.equal(e.net.channel('#c')!.modes.get('f'), '[5c,10j,20m#M5]:15');
    // The same limits, actions and remove-after times: theirs stays, their period too (EXSJ_SAME).
    feed(e, 'leaf', `:0AA SJOIN ${TC} #c +f [5c,10j#i,20m#M5]:7 :0AAAAAAA2`);
    assert.equal(e.net.channel('#c')!.modes.get('f'), '[5c,10j,20m#M5]:7');
    // +H: both in canonical form before they are compared.
    const e2 = setup('+ntH 50:1440');
    feed(e2, 'leaf', `:0AA SJOIN ${TC} #c +H 40:1d :0AAAAAAA2`);
    assert.equal(e2.net.channel('#c')!.modes.get('H'), '50:1d');
    // +l: an invalid limit of theirs is 1 (atoi), so ours stays; a higher one wins.
    const e3 = setup('+ntl 10');
    feed(e3, 'leaf', `:0AA SJOIN ${TC} #c +l x :0AAAAAAA2`);
    assert.equal(e3.net.channel('#c')!.modes.get('l'), '10');
  });
});

describe('the state dump and the digest show the canonical values', { timeout: TEST_TIMEOUT }, () => {
  it('parameters are stored in canonical form and ban masks in normal form: two hubs given the same channel written differently have the same digest and dump', () => {
    const a = setup(), b = setup();
    feed(a, 'leaf', `:0AA MODE #c +fHlb [24k#K23,14c#C20]:60 10:60 007 bar ${TC}`, `:0AA SJOIN ${TC} #c :"~a:x '*!*@`);
    feed(b, 'leaf', `:0AA MODE #c +fHlb [14c#C20,24k#K23]:60 10:1h 7 bar!*@* ${TC}`, `:0AA SJOIN ${TC} #c :"~account:x '*!*@*`);
    assert.equal(stateDigest(a.net, a.tkl, a.now()), stateDigest(b.net, b.tkl, b.now()));
    assert.deepEqual(buildStateDump(a.net, a.tkl, a.now()).channels, buildStateDump(b.net, b.tkl, b.now()).channels);
    assert.equal(buildStateDump(a.net, a.tkl, a.now()).channels[0].modes, 'flntH [14c#C20,24k#K23]:60 7 10:1h');
  });
});

describe('Ban masks in UnrealIRCd\'s normal form (issue 13 item 5)', { timeout: TEST_TIMEOUT }, () => {
  it('ban masks are stored in normal form: +b bar, c!d, e@, ~t:5:tb!*@* and an SJOIN entry &*!*@ are held as bar!*@*, c!d@*, *!e@*, ~time:5:tb!*@*, *!*@*, and relayed so', () => {
    const e = setup();
    const r = feed(e, 'leaf', `:0AA MODE #c +bbbb bar c!d e@ ~t:5:tb!*@* ${TC}`, `:0AA SJOIN ${TC} #c :&*!*@ &*!*@* <${TC},x>"~a:acct`);
    assert.deepEqual(bans(e), ['*!*@*', '*!e@*', 'bar!*@*', 'c!d@*', '~time:5:tb!*@*']);
    assert.deepEqual(bans(e, '#c', 'e'), ['~account:acct']);
    assert.deepEqual(r.to('leaf2'), [
      `:0AA MODE #c +bbbb bar!*@* c!d@* *!e@* ~time:5:tb!*@* ${TC}`,
      `:0AA SJOIN ${TC} #c :&*!*@* &*!*@* <${TC},x>"~account:acct`,
    ]);
  });

  it('ban masks are stored in normal form: added, looked up, removed and deduplicated on the normal form, case-insensitively', () => {
    const e = setup();
    feed(e, 'leaf', `:0AA MODE #c +b *!*@Host.Example ${TC}`);
    let r = feed(e, 'leaf', `:0AA MODE #c +bb *!*@host.example *!*@HOST.EXAMPLE ${TC}`, `:0AA SJOIN ${TC} #c :&*!*@host.EXAMPLE`);
    assert.deepEqual(bans(e), ['*!*@Host.Example'], 'one entry, in the case it was first set with');
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC} #c :&*!*@host.EXAMPLE`], 'the MODE changed nothing: not relayed; the SJOIN always is');
    // An oper removes the normal forms (from a user on the leaf): the entries go.
    feed(e, 'leaf', `:0AA MODE #c +bb Bar ~T:block:x ${TC}`);
    assert.deepEqual(bans(e), ['*!*@Host.Example', 'Bar!*@*', '~text:block:*x*']);
    r = feed(e, 'leaf', ':0AAAAAAA1 MODE #c -bbb *!*@HOST.example bar!*@* ~text:block:*X*');
    assert.deepEqual(bans(e), []);
    assert.deepEqual(r.to('leaf2'), [':0AAAAAAA1 MODE #c -bbb *!*@HOST.example bar!*@* ~text:block:*X*']);
  });

  it('ban masks are stored in normal form: what clean_ban_mask() refuses is dropped, from MODE and SJOIN and from their relay', () => {
    const e = setup();
    const r = feed(e, 'leaf', `:0AA MODE #c +bbb ~nomask ~time:0:x!*@* ok ${TC}`, `:0AA SJOIN ${TC} #c :&~time:99999:a!*@* &~quiet:~quiet:x!*@* &fine!*@*`);
    assert.deepEqual(bans(e), ['fine!*@*', 'ok!*@*']);
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +b ok!*@* ${TC}`, `:0AA SJOIN ${TC} #c :&fine!*@*`]);
  });

  it('ban masks are stored in normal form: the hub\'s own list entries, an older-TS SJOIN\'s and a burst\'s are normalised too', () => {
    const e = hub();
    local(e, uid('001', 'alice', T0, '001UI2J0L'), `:001 SJOIN ${TC} #c +nt :@001UI2J0L &nick 'a@b &a!b@C`, ':001UI2J0L MODE #c +Ib ~c:@#Chan A!B@c');
    assert.deepEqual([...e.net.channel('#c')!.lists.I.keys()], ['~channel:@#Chan']);
    assert.deepEqual([...e.net.channel('#c')!.lists.b.keys()], ['a!b@C'], 'an SJOIN item without "!" is dropped (sjoin.c); the MODE\'s A!B@c is the same entry');
    linkLeaf(e, { burst: [LEAF_A, `:0AA SJOIN ${TC - 1} #c :0AAAAAAA1 &x!y@z "~q:*!*@a.b`] });
    const ch = e.net.channel('#c')!;
    assert.deepEqual([...ch.lists.b.keys()], ['x!y@z']);
    assert.deepEqual([...ch.lists.e.keys()], ['~quiet:*!*@a.b']);
    linkLeaf(e, { id: 'leaf2', name: 'leaf2.test', sid: '0AB' });
    feed(e, 'leaf2', `:0AB MODE #c +I ~c:@#Chan ${TC - 1}`);
    assert.deepEqual([...ch.lists.I.keys()], ['~channel:@#Chan']);
  });
});
