// One test per rule of shared/protocol/conflicts.md, driven with real protocol lines.
// The engine plays the captures' hub (hub.test / 001); scripted leaves send what
// fixtures/unreal6 shows a leaf sending. Every test checks the resulting state AND
// the exact lines sent on each link (message tags stripped).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { channelModeString } from '../../src/s2s/channelWire.ts';
import { hub, linkLeaf, local, feed, uid, T0, logs, assertInvariants, drainSent, TEST_TIMEOUT } from './harness.ts';

/** Hub with one local user `alice` (as in the captures) and two leaves: leaf.test/0AA and leaf2.test/0AB. */
function setup(extra: string[] = [], leafBurst: string[] = []) {
  const e = hub();
  local(e, uid('001', 'alice', T0, '001UI2J0L', { ident: 'alice', host: 'a.hub.example' }), ...extra);
  linkLeaf(e, { burst: leafBurst });
  linkLeaf(e, { id: 'leaf2', name: 'leaf2.test', sid: '0AB' });
  return e;
}

const LEAF_A = uid('0AA', 'leafA', T0 - 1000, '0AAAAAAA1', { ident: 'leafa', host: 'host-1.leaf.example' });
const LEAF_B = uid('0AA', 'leafB', T0 - 1000, '0AAAAAAA2', { ident: 'leafb', host: 'host-2.leaf.example' });
const LEAF_C = uid('0AA', 'leafC', T0 - 1000, '0AAAAAAA3', { ident: 'leafc', host: 'host-3.leaf.example' });

function member(e: ReturnType<typeof hub>, chan: string, id: string): string | null {
  const ch = e.net.channel(chan);
  const u = e.net.user(id);
  const m = ch && u ? ch.members.get(u) : undefined;
  return m ? [...m.modes].sort().join('') : null;
}

describe('conflicts §1 nick collision on UID', { timeout: TEST_TIMEOUT }, () => {
  it('conflicts §1.1 unregistered local connection: n/a — tslink has no unregistered clients, a colliding UID goes through the TS rules', () => {
    const e = setup();
    const r = feed(e, 'leaf', uid('0AA', 'alice', T0 + 100, '0AAAAAAA9', { ident: 'other', host: 'x.leaf.example' }));
    // No "Overridden" exit anywhere: the existing (registered) user is handled by §1.5.
    assert.ok(!r.effects.some((x) => (x.kind === 'log' && x.msg.includes('Overridden')) || (x.kind === 'close')), 'no override log and no link closed');
    assert.equal(e.net.userByNick('alice')?.uid, '001UI2J0L');
    assert.deepEqual(r.to('leaf'), [':001 KILL 0AAAAAAA9 :Nick collision: leaf.test <- hub.test']);
  });

  it('conflicts §1.2 differ compares user@realhost case-insensitively (same person → newer connection keeps the nick)', () => {
    const e = setup();
    const r = feed(e, 'leaf', uid('0AA', 'ALICE', T0 + 100, '0AAAAAAA9', { ident: 'ALICE', host: 'A.HUB.EXAMPLE' }));
    assert.equal(e.net.userByNick('alice')?.uid, '0AAAAAAA9');
    assert.equal(e.net.usersByUid.has('001UI2J0L'), false);
    assert.deepEqual(r.to('leaf'), [':001 KILL 001UI2J0L :Nick collision: hub.test <- leaf.test']);
    assert.deepEqual(r.to('leaf2'), [
      ':001 KILL 001UI2J0L :Nick collision: hub.test <- leaf.test',
      ':0AA UID ALICE 0 1795305834 ALICE A.HUB.EXAMPLE 0AAAAAAA9 0 +i * * fwAAAQ== :Real ALICE',
    ]);
  });

  it('conflicts §1.3 equal TS: both users are killed', () => {
    const e = setup();
    const r = feed(e, 'leaf', uid('0AA', 'alice', T0, '0AAAAAAA9', { ident: 'other', host: 'x.leaf.example' }));
    // Captured (collision-uid-equal-ts.txt): first the new one toward its link, then the existing one everywhere.
    assert.deepEqual(r.to('leaf'), [
      ':001 KILL 0AAAAAAA9 :Nick collision: hub.test <-> leaf.test',
      ':001 KILL 001UI2J0L :Nick collision: hub.test <-> leaf.test',
    ]);
    assert.deepEqual(r.to('leaf2'), [':001 KILL 001UI2J0L :Nick collision: hub.test <-> leaf.test']);
    assert.equal(e.net.userByNick('alice'), undefined);
    assert.equal(e.net.usersByUid.size, 0);
    assertInvariants(e);
  });

  it('conflicts §1.4 different user@host, new user older: new wins, existing killed network-wide, UID relayed', () => {
    const e = setup();
    const r = feed(e, 'leaf', uid('0AA', 'alice', T0 - 100, '0AAAAAAA9', { ident: 'other', host: 'x.leaf.example' }));
    // Captured (collision-uid-older-ts.txt): ":001 KILL 001GXG705 :Nick collision: hub.test <- leaf.test"
    assert.deepEqual(r.to('leaf'), [':001 KILL 001UI2J0L :Nick collision: hub.test <- leaf.test']);
    assert.deepEqual(r.to('leaf2'), [
      ':001 KILL 001UI2J0L :Nick collision: hub.test <- leaf.test',
      ':0AA UID alice 0 1795305634 other x.leaf.example 0AAAAAAA9 0 +i * * fwAAAQ== :Real alice',
    ]);
    assert.equal(e.net.userByNick('alice')?.uid, '0AAAAAAA9');
    assertInvariants(e);
  });

  it('conflicts §1.4 same user@host, new user newer: the reconnecting (newer) client keeps the nick', () => {
    const e = setup();
    const r = feed(e, 'leaf', uid('0AA', 'alice', T0 + 100, '0AAAAAAA9', { ident: 'alice', host: 'a.hub.example' }));
    assert.deepEqual(r.to('leaf'), [':001 KILL 001UI2J0L :Nick collision: hub.test <- leaf.test']);
    assert.equal(r.to('leaf2').length, 2);
    assert.equal(e.net.userByNick('alice')?.uid, '0AAAAAAA9');
  });

  it('conflicts §1.4 existing user behind the same link (missed QUIT): new wins whatever the TS; equal TS still kills both', () => {
    const e = setup([], [uid('0AA', 'leafA', T0 - 1000, '0AAAAAAA1', { ident: 'leafa', host: 'h.leaf.example' })]);
    // Newer TS and different user@host would normally lose (§1.5) — but the old one came from this very link.
    let r = feed(e, 'leaf', uid('0AA', 'leafA', T0, '0AAAAAAA2', { ident: 'other', host: 'o.leaf.example' }));
    assert.deepEqual(r.to('leaf'), [':001 KILL 0AAAAAAA1 :Nick collision: leaf.test <- leaf.test']);
    assert.deepEqual(r.to('leaf2'), [
      ':001 KILL 0AAAAAAA1 :Nick collision: leaf.test <- leaf.test',
      ':0AA UID leafA 0 1795305734 other o.leaf.example 0AAAAAAA2 0 +i * * fwAAAQ== :Real leafA',
    ]);
    assert.equal(e.net.userByNick('leafA')?.uid, '0AAAAAAA2');
    // nick.c checks "lastnick equal" before the same-direction rule: equal TS from the same link kills both.
    r = feed(e, 'leaf', uid('0AA', 'leafA', T0, '0AAAAAAA3', { ident: 'other', host: 'o.leaf.example' }));
    assert.deepEqual(r.to('leaf'), [
      ':001 KILL 0AAAAAAA3 :Nick collision: leaf.test <-> leaf.test',
      ':001 KILL 0AAAAAAA2 :Nick collision: leaf.test <-> leaf.test',
    ]);
    assert.equal(e.net.userByNick('leafA'), undefined);
    assertInvariants(e);
  });

  it('conflicts §1 kill comments: "new side" is the server in the UID\'s source prefix, "existing side" the link the old user is behind', () => {
    const e = setup([], [':0AA SID sub.leaf.test 2 0AC :behind the leaf', uid('0AC', 'subby', T0, '0ACAAAAA1', { ident: 's', host: 's.example' })]);
    let r = feed(e, 'leaf2', uid('0AB', 'subby', T0 - 10, '0ABAAAAA1', { ident: 'x', host: 'x.example' }));
    assert.deepEqual(r.to('leaf2'), [':001 KILL 0ACAAAAA1 :Nick collision: leaf.test <- leaf2.test']);
    r = feed(e, 'leaf', uid('0AC', 'alice', T0 + 10, '0ACAAAAA2', { ident: 'x', host: 'x.example' }));
    assert.deepEqual(r.to('leaf'), [':001 KILL 0ACAAAAA2 :Nick collision: sub.leaf.test <- hub.test']);
  });

  it('conflicts §1.5 different user@host, new user newer: existing wins, new killed toward its link only, UID not relayed', () => {
    const e = setup();
    const r = feed(e, 'leaf', uid('0AA', 'alice', T0 + 100, '0AAAAAAA9', { ident: 'other', host: 'x.leaf.example' }));
    // Captured (collision-uid-newer-ts.txt): ":001 KILL 0AAAAAAA9 :Nick collision: leaf.test <- hub.test"
    assert.deepEqual(r.to('leaf'), [':001 KILL 0AAAAAAA9 :Nick collision: leaf.test <- hub.test']);
    assert.deepEqual(r.to('leaf2'), []);
    assert.equal(e.net.userByNick('alice')?.uid, '001UI2J0L');
    assert.equal(e.net.usersByUid.has('0AAAAAAA9'), false);
  });

  it('conflicts §1.5 same user@host, new user older: existing (newer) keeps the nick', () => {
    const e = setup();
    const r = feed(e, 'leaf', uid('0AA', 'alice', T0 - 100, '0AAAAAAA9', { ident: 'alice', host: 'a.hub.example' }));
    assert.deepEqual(r.to('leaf'), [':001 KILL 0AAAAAAA9 :Nick collision: leaf.test <- hub.test']);
    assert.deepEqual(r.to('leaf2'), []);
    assert.equal(e.net.userByNick('alice')?.uid, '001UI2J0L');
  });
});

describe('conflicts §2 nick collision on NICK change', { timeout: TEST_TIMEOUT }, () => {
  const setupNick = () => setup([], [LEAF_A]);

  it('conflicts §2 case change of one\'s own nick is allowed (no kill, +r kept); an identical NICK is a no-op', () => {
    const e = setup([], [uid('0AA', 'leafA', T0 - 1000, '0AAAAAAA1', { umodes: '+ir' })]);
    let r = feed(e, 'leaf', ':0AAAAAAA1 NICK LEAFA 1795305700');
    assert.deepEqual(r.to('leaf'), []);
    assert.deepEqual(r.to('leaf2'), [':0AAAAAAA1 NICK LEAFA 1795305700']);
    const u = e.net.user('0AAAAAAA1')!;
    assert.equal(u.nick, 'LEAFA');
    assert.ok(u.umodes.has('r'), 'a case change of one\'s own nick keeps +r');
    // nick.c: "100% identical? ... return" — nothing changes, nothing is relayed.
    r = feed(e, 'leaf', ':0AAAAAAA1 NICK LEAFA 1795305799');
    assert.deepEqual(r.to('leaf2'), []);
    assert.equal(u.ts, 1795305700);
    // A real change clears +r.
    r = feed(e, 'leaf', ':0AAAAAAA1 NICK other 1795305799');
    assert.ok(!u.umodes.has('r'), 'a real nick change drops +r');
  });

  it('conflicts §2 NICK without TS collides as equal: both users are killed, the NICK is ignored', () => {
    const e = setupNick();
    const r = feed(e, 'leaf', ':0AAAAAAA1 NICK alice');
    const both = [':001 KILL 0AAAAAAA1 :Nick collision: hub.test <-> leafA', ':001 KILL 001UI2J0L :Nick collision: hub.test <-> leafA'];
    assert.deepEqual(r.to('leaf'), both);
    assert.deepEqual(r.to('leaf2'), both);
    assert.equal(e.net.usersByUid.size, 0);
  });

  it('conflicts §2 equal TS: both users are killed (captured form)', () => {
    const e = setupNick();
    const r = feed(e, 'leaf', `:0AAAAAAA1 NICK alice ${T0}`);
    // Captured: ":001 KILL 0AAAAAAA1 :Nick collision: hub.test <-> leafA" then ":001 KILL 0019PPL12 ..."
    assert.deepEqual(r.to('leaf'), [':001 KILL 0AAAAAAA1 :Nick collision: hub.test <-> leafA', ':001 KILL 001UI2J0L :Nick collision: hub.test <-> leafA']);
    assert.equal(e.net.userByNick('alice'), undefined);
    assert.equal(e.net.user('0AAAAAAA1'), undefined);
  });

  it('conflicts §2 new wins (different user@host, changer older): existing killed, change applied and relayed', () => {
    const e = setupNick();
    const r = feed(e, 'leaf', `:0AAAAAAA1 NICK alice ${T0 - 100}`);
    // Captured: ":001 KILL 0014ERC0N :Nick collision: hub.test <- leafA"
    assert.deepEqual(r.to('leaf'), [':001 KILL 001UI2J0L :Nick collision: hub.test <- leafA']);
    assert.deepEqual(r.to('leaf2'), [':001 KILL 001UI2J0L :Nick collision: hub.test <- leafA', `:0AAAAAAA1 NICK alice ${T0 - 100}`]);
    assert.equal(e.net.userByNick('alice')?.uid, '0AAAAAAA1');
    assert.equal(e.net.user('0AAAAAAA1')?.ts, T0 - 100);
  });

  it('conflicts §2 existing wins (different user@host, changer newer): changer killed toward its link and the others, change ignored', () => {
    const e = setupNick();
    const r = feed(e, 'leaf', `:0AAAAAAA1 NICK alice ${T0 + 100}`);
    // Captured: ":001 KILL 0AAAAAAA1 :Nick collision: leafA <- hub.test"
    assert.deepEqual(r.to('leaf'), [':001 KILL 0AAAAAAA1 :Nick collision: leafA <- hub.test']);
    assert.deepEqual(r.to('leaf2'), [':001 KILL 0AAAAAAA1 :Nick collision: leafA <- hub.test']);
    assert.equal(e.net.userByNick('alice')?.uid, '001UI2J0L');
    assert.equal(e.net.user('0AAAAAAA1'), undefined);
  });

  it('conflicts §2 same user@host: the newer nick TS keeps the nick', () => {
    const e = setup([], [uid('0AA', 'leafA', T0 - 1000, '0AAAAAAA1', { ident: 'alice', host: 'a.hub.example' })]);
    const r = feed(e, 'leaf', `:0AAAAAAA1 NICK alice ${T0 + 100}`);
    assert.deepEqual(r.to('leaf'), [':001 KILL 001UI2J0L :Nick collision: hub.test <- leafA']);
    assert.equal(e.net.userByNick('alice')?.uid, '0AAAAAAA1');
  });
});

describe('conflicts §3 SJOIN merge', { timeout: TEST_TIMEOUT }, () => {
  const TC = 1795305735;
  const BOB = uid('001', 'bob', T0, '001BBBBBB', { ident: 'bob', host: 'b.hub.example' });
  /** #moderated on the hub: +mnt, alice @, bob +, leafC + (joined earlier from the leaf), a hub ban. */
  function chanSetup() {
    const e = setup([BOB, `:001 SJOIN ${TC} #moderated +mnt :@001UI2J0L +001BBBBBB <${TC},alice!alice@a.hub.example>&*!*@hubban.example`],
      [LEAF_A, LEAF_B, LEAF_C, `:0AA SJOIN ${TC} #moderated :+0AAAAAAA3`]);
    e.net.channel('#moderated')!.mlock = 'nt';
    return e;
  }

  it('conflicts §3 their TS older: our modes, lists, all statuses and MLOCK removed, TS lowered, their modes/lists/statuses applied', () => {
    const e = chanSetup();
    const r = feed(e, 'leaf', `:0AA SJOIN ${TC - 1000} #moderated +insk leafkey :@0AAAAAAA1 +0AAAAAAA2 <1795305775,leafop!op@leaf.test>&*!*@leafban.example "*!*@leafex.example`);
    const ch = e.net.channel('#moderated')!;
    assert.equal(ch.ts, TC - 1000);
    assert.equal(channelModeString(ch), '+ikns leafkey');
    assert.deepEqual([...ch.lists.b.entries()], [['*!*@leafban.example', { setBy: 'leafop!op@leaf.test', setAt: 1795305775 }]]);
    assert.deepEqual([...ch.lists.e.entries()], [['*!*@leafex.example', { setBy: 'leaf.test', setAt: e.now() }]]);
    assert.equal(member(e, '#moderated', '001UI2J0L'), '');
    assert.equal(member(e, '#moderated', '001BBBBBB'), '');
    assert.equal(member(e, '#moderated', '0AAAAAAA3'), ''); // the leaf's own earlier +v goes too (captured)
    assert.equal(member(e, '#moderated', '0AAAAAAA1'), 'o');
    assert.equal(member(e, '#moderated', '0AAAAAAA2'), 'v');
    assert.equal(ch.mlock, null);
    assert.deepEqual(r.to('leaf'), []); // nothing is sent back
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC - 1000} #moderated +insk leafkey :@0AAAAAAA1 +0AAAAAAA2 <1795305775,leafop!op@leaf.test>&*!*@leafban.example "*!*@leafex.example`]);
  });

  it('conflicts §3 their TS newer: members join without status, their modes and list entries are ignored', () => {
    const e = chanSetup();
    const r = feed(e, 'leaf', `:0AA SJOIN ${TC + 1000} #moderated +imsl 5 :@0AAAAAAA1 &*!*@leafban.example "*!*@leafex.example`);
    const ch = e.net.channel('#moderated')!;
    assert.equal(ch.ts, TC);
    assert.equal(channelModeString(ch), '+mnt');
    assert.deepEqual([...ch.lists.b.keys()], ['*!*@hubban.example']);
    assert.equal(ch.lists.e.size, 0);
    assert.equal(member(e, '#moderated', '0AAAAAAA1'), '');
    assert.equal(member(e, '#moderated', '001UI2J0L'), 'o');
    assert.equal(ch.mlock, 'nt');
    assert.deepEqual(r.to('leaf'), []);
    // Relayed with the original TS, modes and prefixes; list entries are not relayed.
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC + 1000} #moderated +imsl 5 :@0AAAAAAA1`]);
  });

  it('conflicts §3 equal TS: simple modes are a union, joining members get their statuses', () => {
    const e = chanSetup();
    const r = feed(e, 'leaf', `:0AA SJOIN ${TC} #moderated +iR :@0AAAAAAA1 +0AAAAAAA2`);
    const ch = e.net.channel('#moderated')!;
    assert.equal(ch.ts, TC);
    assert.equal(channelModeString(ch), '+imntR');
    assert.equal(member(e, '#moderated', '0AAAAAAA1'), 'o');
    assert.equal(member(e, '#moderated', '0AAAAAAA2'), 'v');
    assert.equal(member(e, '#moderated', '001UI2J0L'), 'o');
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC} #moderated +iR :@0AAAAAAA1 +0AAAAAAA2`]);
  });

  it('conflicts §3 equal TS: +s wins over +p in both directions', () => {
    const e = setup([`:001 SJOIN ${TC} #sec +s :@001UI2J0L`, `:001 SJOIN ${TC} #priv +p :@001UI2J0L`], [LEAF_A]);
    feed(e, 'leaf', `:0AA SJOIN ${TC} #sec +p :0AAAAAAA1`, `:0AA SJOIN ${TC} #priv +s :0AAAAAAA1`);
    assert.equal(channelModeString(e.net.channel('#sec')!), '+s');
    assert.equal(channelModeString(e.net.channel('#priv')!), '+s');
  });

  it('conflicts §3 equal TS: +beI lists are a union; SJSBY setter/time adopted, else sender name and now; existing entries not duplicated (an older one takes their place)', () => {
    const e = chanSetup();
    feed(e, 'leaf', `:0AA SJOIN ${TC} #moderated :<1795305775,leafop!op@leaf.test>&*!*@leafban.example &*!*@plain.example <1,x>&*!*@HUBBAN.example <${TC + 100},y>&*!*@leafban.EXAMPLE 'inv!*@*`);
    const ch = e.net.channel('#moderated')!;
    // add_listmode_ex(): the same entry (compared case-insensitively) is not added twice; one with
    // an older set-at replaces it, case, setter and time (the hub's ban set at TC, theirs at 1).
    assert.deepEqual(Object.fromEntries(ch.lists.b), {
      '*!*@HUBBAN.example': { setBy: 'x', setAt: 1 },
      '*!*@leafban.example': { setBy: 'leafop!op@leaf.test', setAt: 1795305775 },
      '*!*@plain.example': { setBy: 'leaf.test', setAt: e.now() },
    });
    assert.deepEqual(Object.fromEntries(ch.lists.I), { 'inv!*@*': { setBy: 'leaf.test', setAt: e.now() } });
    // Without SJSBY from the sender, "<...>" is not recognised as setter info.
    const e2 = hub();
    local(e2, uid('001', 'x', T0, '001AAAAAA'), `:001 SJOIN ${TC} #c :@001AAAAAA`);
    linkLeaf(e2, { caps: 'NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3', burst: [`:0AA SJOIN ${TC} #c :<1795305775,leafop>&*!*@z.example &*!*@y.example`] });
    assert.deepEqual([...e2.net.channel('#c')!.lists.b.keys()], ['*!*@y.example']);
  });

  it('SJOIN list items at the edges: malformed SJSBY and masks dropped, extbans kept, the rest relayed (set-at as read)', () => {
    const e = chanSetup();
    const items = [
      '<5,s!s@s>&ok1!*@a.example', // fine
      '<5s!s@s>&nocomma!*@b.example', // no comma before '>': dropped
      '<6,t!t@t', '&after!*@c.example>', // '>' only in a later item: the first is dropped, the second is a ban
      '<,>&emptysetter!*@d.example', // empty setat and setter
      '<7,u!u@u>&', '&', '&!lead@e.example', '&nobang@f.example', '&nouser!*', // no mask / bad masks
      '&~a:account', '<8,v!v@v>"ex!*@g.example', "'inv!*@h.example", '<9,w!w@w>', // extban, exempt, invex, nothing after
    ];
    const r = feed(e, 'leaf', `:0AA SJOIN ${TC} #moderated :${items.join(' ')}`);
    const ch = e.net.channel('#moderated')!;
    assert.deepEqual(Object.fromEntries(ch.lists.b), {
      '*!*@hubban.example': { setBy: 'alice!alice@a.hub.example', setAt: TC },
      'ok1!*@a.example': { setBy: 's!s@s', setAt: 5 },
      'after!*@c.example>': { setBy: 'leaf.test', setAt: e.now() },
      'emptysetter!*@d.example': { setBy: '', setAt: 0 },
      '~account:account': { setBy: 'leaf.test', setAt: e.now() }, // banMask.ts: the extban by its name
    });
    assert.deepEqual(Object.fromEntries(ch.lists.e), { 'ex!*@g.example': { setBy: 'v!v@v', setAt: 8 } });
    assert.deepEqual(Object.fromEntries(ch.lists.I), { 'inv!*@h.example': { setBy: 'leaf.test', setAt: e.now() } });
    // leaf2 speaks SJSBY: the kept items go on with their setter info, the set-at written as the
    // number it was read as (sjoin.c add_sjsby(): an empty one is 0), the mask in its normal form.
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC} #moderated :<5,s!s@s>&ok1!*@a.example &after!*@c.example> <0,>&emptysetter!*@d.example &~account:account <8,v!v@v>"ex!*@g.example 'inv!*@h.example`]);
  });

  it('conflicts §3 equal TS: a member already on the channel keeps exactly its statuses', () => {
    const e = setup([`:001 SJOIN ${TC} #c :@001UI2J0L`], [LEAF_A, `:0AA SJOIN ${TC} #c :@0AAAAAAA1`]);
    assert.equal(member(e, '#c', '0AAAAAAA1'), 'o');
    feed(e, 'leaf', `:0AA SJOIN ${TC} #c :@+0AAAAAAA1`);
    assert.equal(member(e, '#c', '0AAAAAAA1'), 'o');
    const e2 = setup([`:001 SJOIN ${TC} #c :@001UI2J0L`], [LEAF_A, `:0AA SJOIN ${TC} #c :0AAAAAAA1`]);
    feed(e2, 'leaf', `:0AA SJOIN ${TC} #c :@0AAAAAAA1`);
    assert.equal(member(e2, '#c', '0AAAAAAA1'), '');
  });

  /** Equal-TS merge of one parameter mode: returns the hub's resulting value. */
  function mergeOne(mode: string, ours: string, theirs: string): string {
    const e = setup([`:001 SJOIN ${TC} #p +${mode} ${ours} :@001UI2J0L`], [LEAF_A]);
    feed(e, 'leaf', `:0AA SJOIN ${TC} #p +${mode} ${theirs} :0AAAAAAA1`);
    return e.net.channel('#p')!.modes.get(mode)!;
  }

  it('conflicts §3 equal TS +k: the byte-wise greater key wins', () => {
    assert.equal(mergeOne('k', 'alpha', 'beta'), 'beta');
    assert.equal(mergeOne('k', 'beta', 'alpha'), 'beta');
    assert.equal(mergeOne('k', 'Zeta', 'alpha'), 'alpha'); // strcmp: 'a' (0x61) > 'Z' (0x5a)
  });

  it('conflicts §3 equal TS +l: the higher limit wins', () => {
    assert.equal(mergeOne('l', '50', '9'), '50');
    assert.equal(mergeOne('l', '9', '50'), '50');
  });

  it('conflicts §3 equal TS +L: the greater channel name wins', () => {
    assert.equal(mergeOne('L', '#alpha', '#beta'), '#beta');
    assert.equal(mergeOne('L', '#beta', '#alpha'), '#beta');
  });

  it('conflicts §3 equal TS +F: the greater profile name wins', () => {
    assert.equal(mergeOne('F', 'normal', 'strict'), 'strict');
    assert.equal(mergeOne('F', 'strict', 'normal'), 'strict');
  });

  it('conflicts §3 equal TS +f: field-wise maximum of limits, actions, remove-after times and period', () => {
    assert.equal(mergeOne('f', '[10j#R10,30m#M5]:15', '[20j#R5,5c]:10'), '[5c,20j#R10,30m#M5]:15');
  });

  it('conflicts §3 equal TS +H: maximum lines and maximum time', () => {
    assert.equal(mergeOne('H', '50:1d', '100:1h'), '100:1d');
    assert.equal(mergeOne('H', '100:1h', '50:1d'), '100:1d');
  });

  it('conflicts §3 equal TS: a parameter mode only one side has is adopted (union); local modes (+d) are ignored', () => {
    const e = setup([`:001 SJOIN ${TC} #p +l 10 :@001UI2J0L`], [LEAF_A]);
    feed(e, 'leaf', `:0AA SJOIN ${TC} #p +kd key :0AAAAAAA1`);
    assert.equal(channelModeString(e.net.channel('#p')!), '+kl key 10');
  });

  it('conflicts §3 relay: the SJOIN goes on with the original TS, modes and prefixes; an invalid TS counts as ours', () => {
    const e = chanSetup();
    let r = feed(e, 'leaf', `:0AA SJOIN 12345 #moderated +i :*@0AAAAAAA1`);
    const ch = e.net.channel('#moderated')!;
    // TS <= 1000000 is invalid: merged as equal (their +i is added, their statuses applied to the joiner).
    assert.equal(ch.ts, TC);
    assert.equal(channelModeString(ch), '+imnt');
    assert.equal(member(e, '#moderated', '0AAAAAAA1'), 'oq');
    // sjoin.c relays with the TS it used (ours), and the original modes and prefixes.
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC} #moderated +i :*@0AAAAAAA1`]);
    r = feed(e, 'leaf', `:0AA SJOIN ${TC + 5} #moderated +l 9 :@0AAAAAAA2`);
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC + 5} #moderated +l 9 :@0AAAAAAA2`]);
  });

  it('conflicts §3 members from the wrong direction are kicked (Fake direction) unless already members; a channel left empty is destroyed', () => {
    const e = chanSetup();
    const r = feed(e, 'leaf', `:0AA SJOIN ${TC} #moderated :@001BBBBBB`, `:0AA SJOIN ${TC} #other :001BBBBBB`, `:0AA SJOIN ${TC} #ghost :0AAZZZZZZ`);
    assert.equal(member(e, '#moderated', '001BBBBBB'), 'v'); // already a member: nothing changes, no KICK
    assert.deepEqual(r.to('leaf'), [':001 KICK #other bob :Fake direction']); // sjoin.c names the nick
    assert.equal(e.net.channel('#other'), undefined);
    assert.equal(e.net.channel('#ghost'), undefined);
    assertInvariants(e);
  });
});

describe('conflicts §4 channel MODE with TS', { timeout: TEST_TIMEOUT }, () => {
  const TC = 1795305735;
  function modeSetup() {
    return setup([`:001 SJOIN ${TC} #c +nt :@001UI2J0L`], [LEAF_A, `:0AA SJOIN ${TC} #c :0AAAAAAA1`]);
  }

  it('conflicts §4 TS newer than ours from a non-U-lined server: whole MODE ignored, nothing relayed or bounced', () => {
    const e = modeSetup();
    const r = feed(e, 'leaf', `:0AA MODE #c +im ${TC + 10}`);
    assert.equal(channelModeString(e.net.channel('#c')!), '+nt');
    assert.deepEqual(r.to('leaf'), []);
    assert.deepEqual(r.to('leaf2'), []);
    assert.equal(logs(r.effects, 'MODE_TS_IGNORED').length, 1);
  });

  it('conflicts §4 TS older: our TS is lowered and the modes applied on top of ours (no wipe)', () => {
    const e = modeSetup();
    let r = feed(e, 'leaf', `:0AA MODE #c +im ${TC - 10}`);
    const ch = e.net.channel('#c')!;
    assert.equal(ch.ts, TC - 10);
    assert.equal(channelModeString(ch), '+imnt');
    assert.equal(member(e, '#c', '001UI2J0L'), 'o');
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +im ${TC - 10}`]);
    // A MODE that changes nothing but lowers the TS is relayed as ":<me> MODE #c + <T>".
    r = feed(e, 'leaf', `:0AA MODE #c +n ${TC - 20}`);
    assert.equal(ch.ts, TC - 20);
    assert.deepEqual(r.to('leaf2'), [`:001 MODE #c + ${TC - 20}`]);
    assert.deepEqual(r.to('leaf'), []);
  });

  it('conflicts §4 invalid TS (<= 1000000) is treated as ours: modes applied, TS unchanged', () => {
    const e = modeSetup();
    const r = feed(e, 'leaf', ':0AA MODE #c +m 1000');
    const ch = e.net.channel('#c')!;
    assert.equal(ch.ts, TC);
    assert.equal(channelModeString(ch), '+mnt');
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +m ${TC}`]);
  });

  it('conflicts §4 equal TS or TS 0 applies normally; user MODEs carry no TS and are applied without checks', () => {
    const e = modeSetup();
    let r = feed(e, 'leaf', `:0AA MODE #c +l 30 ${TC}`, ':0AA MODE #c +k key 0', ':0AAAAAAA1 MODE #c +v-v+b leafA leafA *!*@x.example');
    const ch = e.net.channel('#c')!;
    assert.equal(channelModeString(ch), '+klnt key 30');
    assert.ok(ch.lists.b.has('*!*@x.example'), 'the +b from the equal-TS MODE is on the list');
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +l 30 ${TC}`, ':0AA MODE #c +k key 0', ':0AAAAAAA1 MODE #c +v-v+b leafA leafA *!*@x.example']);
    // A server MODE whose trailing number is not a TS keeps it as a parameter? No: "+l 50" without TS eats 50 as TS.
    r = feed(e, 'leaf', ':0AA MODE #c +l 50');
    assert.equal(ch.modes.get('l'), '30');
  });

  it('conflicts §4 TS newer from a U-lined server: modes applied and ":<me> MODE #c + <ours>" sent back', () => {
    const e = hub({ ulines: ['services.test'] });
    local(e, uid('001', 'alice', T0, '001UI2J0L'), `:001 SJOIN ${TC} #c +nt :@001UI2J0L`);
    linkLeaf(e, { id: 'svc', name: 'services.test', sid: '00B' });
    linkLeaf(e, { id: 'leaf2', name: 'leaf2.test', sid: '0AB' });
    const r = feed(e, 'svc', `:00B MODE #c +r ${TC + 500}`);
    const ch = e.net.channel('#c')!;
    assert.equal(channelModeString(ch), '+nrt');
    assert.equal(ch.ts, TC);
    assert.deepEqual(r.to('svc'), [`:hub.test MODE #c + ${TC}`]);
    assert.deepEqual(r.to('leaf2'), [`:00B MODE #c +r ${TC}`]);
  });
});

describe('conflicts §5 TOPIC', { timeout: TEST_TIMEOUT }, () => {
  const TC = 1795305735;
  function topicSetup() {
    const e = setup([`:001 SJOIN ${TC} #c :@001UI2J0L`, `TOPIC #c alice!alice@a.hub.example 1795305740 :hub topic`],
      [LEAF_A, LEAF_B, `:0AA SJOIN ${TC} #c :0AAAAAAA1`]);
    return e;
  }

  it('conflicts §5 server TOPIC with a newer TS wins and is relayed', () => {
    const e = topicSetup();
    const r = feed(e, 'leaf', 'TOPIC #c leafA!leafa@leaf 1795305750 :newer');
    assert.deepEqual(e.net.channel('#c')!.topic, { text: 'newer', setBy: 'leafA!leafa@leaf', ts: 1795305750 });
    assert.deepEqual(r.to('leaf2'), [':0AA TOPIC #c leafA!leafa@leaf 1795305750 :newer']);
    assert.deepEqual(r.to('leaf'), []);
  });

  it('conflicts §5 server TOPIC with an older or equal TS is silently ignored (not relayed)', () => {
    const e = topicSetup();
    const r = feed(e, 'leaf', 'TOPIC #c x 1795305730 :older', ':0AA TOPIC #c y 1795305740 :equal');
    assert.deepEqual(e.net.channel('#c')!.topic, { text: 'hub topic', setBy: 'alice!alice@a.hub.example', ts: 1795305740 });
    assert.deepEqual(r.to('leaf2'), []);
    assert.deepEqual(r.to('leaf'), []);
  });

  it('conflicts §5 U-lined sender: applied even with an older TS', () => {
    const e = hub({ ulines: ['services.test'] });
    local(e, uid('001', 'alice', T0, '001UI2J0L'), `:001 SJOIN ${TC} #c :@001UI2J0L`, 'TOPIC #c alice 1795305740 :hub topic');
    linkLeaf(e, { id: 'svc', name: 'services.test', sid: '00B', burst: [uid('00B', 'ChanServ', T0, '00BAAAAAC', { umodes: '+BqioS' })] });
    // Anope restores a topic with a plain-nick setter and an old TS (captured form).
    const r = feed(e, 'svc', ':00BAAAAAC TOPIC #c alice 1795305700 :services test topic');
    assert.deepEqual(e.net.channel('#c')!.topic, { text: 'services test topic', setBy: 'alice', ts: 1795305700 });
    assert.deepEqual(r.to('svc'), []);
  });

  it('conflicts §5 user not on the channel: 442 for both the 2- and 4-parameter forms, nothing applied', () => {
    const e = topicSetup();
    const r = feed(e, 'leaf', ':0AAAAAAA2 TOPIC #c :sneaky', ':0AAAAAAA2 TOPIC #c leafB 1795305790 :sneaky');
    assert.deepEqual(r.to('leaf'), [
      ":hub.test 442 leafB #c :You're not on that channel",
      ":hub.test 442 leafB #c :You're not on that channel",
    ]);
    assert.equal(e.net.channel('#c')!.topic!.text, 'hub topic');
    assert.deepEqual(r.to('leaf2'), []);
  });

  it('conflicts §5 user 2-parameter form: stored with nick!user@host and the current time; the 4-parameter form from a user keeps its TS, the setter is the user\'s own mask', () => {
    const e = topicSetup();
    let r = feed(e, 'leaf', ':0AAAAAAA1 TOPIC #c :from a user');
    assert.deepEqual(e.net.channel('#c')!.topic, { text: 'from a user', setBy: 'leafA!leafa@host-1.leaf.example', ts: e.now() });
    assert.deepEqual(r.to('leaf2'), [`:0AAAAAAA1 TOPIC #c leafA!leafa@host-1.leaf.example ${e.now()} :from a user`]);
    // 4-parameter form from a (non-U-lined) user: its TS is kept, the setter rebuilt from the user (topic.c, commands.md TOPIC).
    r = feed(e, 'leaf', ':0AAAAAAA1 TOPIC #c someone 1700000000 :old ts');
    assert.deepEqual(e.net.channel('#c')!.topic, { text: 'old ts', setBy: 'leafA!leafa@host-1.leaf.example', ts: 1700000000 });
    assert.deepEqual(r.to('leaf2'), [':0AAAAAAA1 TOPIC #c leafA!leafa@host-1.leaf.example 1700000000 :old ts']);
  });

  it('conflicts §5 an empty topic is stored with its TS, so an older topic cannot come back', () => {
    const e = topicSetup();
    feed(e, 'leaf', 'TOPIC #c x 1795305760 :');
    feed(e, 'leaf', 'TOPIC #c y 1795305750 :older');
    const t = e.net.channel('#c')!.topic;
    assert.equal(t?.text ?? '', '');
    assert.equal(t?.ts, 1795305760);
  });
});

describe('conflicts §6 TKL', { timeout: TEST_TIMEOUT }, () => {
  const HUB_G = ':hub.test TKL + G * 198.51.100.7 victor-!vict@100.148.11.107 1795392136 1795305736 :Spamming is not allowed (seed 1)';
  const key = ['G', '*', '198.51.100.7'].join('\x00');
  const tklSetup = () => setup([HUB_G]);

  it('conflicts §6 re-add with a later expiry: the longest expiry wins, set_at/set_by/reason stay', () => {
    const e = tklSetup();
    const r = feed(e, 'leaf', ':0AA TKL + G * 198.51.100.7 leafoper!op@leaf.test 1795395736 1795305741 :leaf reason');
    assert.deepEqual({ ...e.tkl.get(key)! }, { type: 'G', user: '*', host: '198.51.100.7', setBy: 'victor-!vict@100.148.11.107', expireAt: 1795395736, setAt: 1795305736, reason: 'Spamming is not allowed (seed 1)' });
    // Not echoed back; re-broadcast to the other links with the sender's name.
    assert.deepEqual(r.to('leaf'), []);
    assert.deepEqual(r.to('leaf2'), [':leaf.test TKL + G * 198.51.100.7 victor-!vict@100.148.11.107 1795395736 1795305736 :Spamming is not allowed (seed 1)']);
  });

  it('conflicts §6 re-add with an older set_at: the oldest set_at wins, the expiry stays', () => {
    const e = tklSetup();
    feed(e, 'leaf', ':0AA TKL + G * 198.51.100.7 leafoper!op@leaf.test 1795388536 1795305636 :x');
    const t = e.tkl.get(key)!;
    assert.equal(t.setAt, 1795305636);
    assert.equal(t.expireAt, 1795392136);
  });

  it('conflicts §6 permanent wins over any expiry, from either side', () => {
    const e = setup([':hub.test TKL + G baduser * victor-!vict@100.148.11.107 0 1795305736 :Permanent ban']);
    let r = feed(e, 'leaf', ':0AA TKL + G baduser * leafoper!op@leaf.test 1795395736 1795305736 :x');
    assert.equal(e.tkl.get(['G', 'baduser', '*'].join('\x00'))!.expireAt, 0);
    assert.deepEqual(r.to('leaf2'), []); // nothing changed (set_by 'v' > 'l'): nothing relayed
    const e2 = tklSetup();
    r = feed(e2, 'leaf', ':0AA TKL + G * 198.51.100.7 leafoper!op@leaf.test 0 1795305736 :x');
    assert.equal(e2.tkl.get(key)!.expireAt, 0);
  });

  it('conflicts §6 set_by: the string greater by strcmp wins', () => {
    const e = tklSetup();
    feed(e, 'leaf', ':0AA TKL + G * 198.51.100.7 zed!z@leaf.test 1795392136 1795305736 :x');
    assert.equal(e.tkl.get(key)!.setBy, 'zed!z@leaf.test');
    feed(e, 'leaf', ':0AA TKL + G * 198.51.100.7 abe!a@leaf.test 1795392136 1795305736 :x');
    assert.equal(e.tkl.get(key)!.setBy, 'zed!z@leaf.test');
  });

  it('conflicts §6 reason, bantypes and spamfilter fields are never updated by a merge; identical re-add changes nothing', () => {
    const e = setup([':hub.test TKL + E * 10.99.0.0/16 victor-!vict@100.148.11.107 0 1795305736 kGzZs :Trusted office network',
      ':hub.test TKL + F p b victor-!vict@100.148.11.107 0 1795305736 86400 No_free_money simple :*free money*']);
    feed(e, 'leaf', ':0AA TKL + E * 10.99.0.0/16 zz 0 1795305000 G :other', ':0AA TKL + F p b zz 0 1795305000 60 Other simple :*free money*');
    const ex = e.tkl.get(['E', '*', '10.99.0.0/16'].join('\x00'))!;
    assert.deepEqual([ex.reason, ex.bantypes, ex.setAt, ex.setBy], ['Trusted office network', 'kGzZs', 1795305000, 'zz']);
    const sf = [...e.tkl.values()].find((t) => t.type === 'F')!;
    assert.deepEqual([sf.reason, sf.spamfilter!.duration, sf.spamfilter!.tklReason], ['No free money', '86400', 'No_free_money']);
    const r = feed(e, 'leaf', ':0AA TKL + E * 10.99.0.0/16 zz 0 1795305000 G :other');
    assert.deepEqual(r.to('leaf2'), []);
    assert.deepEqual(r.effects.filter((x) => x.kind === 'tkl'), []);
  });

  it('conflicts §6 removal (5 parameters suffice) is relayed to the others with the remover, never echoed back', () => {
    const e = tklSetup();
    const r = feed(e, 'leaf', ':0AA TKL - G * 198.51.100.7 leafoper!op@leaf.test', ':0AA TKL - G * 192.0.2.1 leafoper!op@leaf.test');
    assert.equal(e.tkl.get(key), undefined);
    assert.deepEqual(r.to('leaf'), []);
    assert.deepEqual(r.to('leaf2'), [':leaf.test TKL - G * 198.51.100.7 leafoper!op@leaf.test 1795392136 1795305736 :Spamming is not allowed (seed 1)']);
    assert.deepEqual(r.effects.filter((x) => x.kind === 'tkl').map((x) => x.kind === 'tkl' && x.op), ['del']);
  });
});

describe('conflicts §7 MD', { timeout: TEST_TIMEOUT }, () => {
  it('conflicts §7 last write wins, no value unsets; relayed with the same source; unknown objects dropped', () => {
    const e = setup([], [LEAF_A]);
    let r = feed(e, 'leaf', ':0AA MD client 0AAAAAAA1 certfp :aaaa', ':0AA MD client 0AAAAAAA1 certfp :bbbb');
    const u = e.net.user('0AAAAAAA1')!;
    assert.equal(u.md.get('certfp'), 'bbbb');
    assert.deepEqual(r.to('leaf2'), [':0AA MD client 0AAAAAAA1 certfp :aaaa', ':0AA MD client 0AAAAAAA1 certfp :bbbb']);
    r = feed(e, 'leaf', ':0AA MD client 0AAAAAAA1 certfp', ':0AA MD client 0AAZZZZZZ certfp :x', ':0AA MD channel #nochan k :v');
    assert.equal(u.md.has('certfp'), false);
    assert.deepEqual(r.to('leaf2'), [':0AA MD client 0AAAAAAA1 certfp']);
    // The client object can be named by server name (Anope form).
    r = feed(e, 'leaf', ':0AA MD client leaf.test saslmechlist :EXTERNAL,PLAIN');
    assert.equal(e.net.server('0AA')!.md.get('saslmechlist'), 'EXTERNAL,PLAIN');
    assert.deepEqual(r.to('leaf2'), [':0AA MD client 0AA saslmechlist :EXTERNAL,PLAIN']);
  });
});

describe('conflicts §8 SQUIT / netsplit', { timeout: TEST_TIMEOUT }, () => {
  const TC = 1795305735;
  function splitSetup() {
    return setup([`:001 SJOIN ${TC} #mixed +nt :@001UI2J0L`], [
      LEAF_A,
      ':0AA SID sub.leaf.test 2 0AC :behind the leaf',
      uid('0AC', 'subby', T0, '0ACAAAAA1'),
      `:0AA SJOIN ${TC} #mixed :0AAAAAAA1`,
      `:0AC SJOIN ${TC} #mixed :0ACAAAAA1`,
      `:0AA SJOIN ${TC} #leafonly +nt :@0AAAAAAA1`,
      `:0AC SJOIN ${TC} #perm +P :@0ACAAAAA1`,
      `:0AC SJOIN ${TC} #subonly :@0ACAAAAA1`,
    ]);
  }

  it('conflicts §8 SQUIT removes every server and user behind the target without QUIT lines; empty channels go unless +P', () => {
    const e = splitSetup();
    const r = feed(e, 'leaf', ':0AA SQUIT sub.leaf.test :sub gone');
    assert.equal(e.net.server('0AC'), undefined);
    assert.equal(e.net.user('0ACAAAAA1'), undefined);
    assert.equal(e.net.channel('#subonly'), undefined);
    assert.ok(e.net.channel('#perm'), '+P keeps #perm although it lost its members');
    assert.equal(e.net.channel('#perm')!.members.size, 0);
    assert.equal(e.net.channel('#mixed')!.members.size, 2);
    assert.equal(e.net.channel('#mixed')!.ts, TC);
    assert.deepEqual(r.to('leaf2'), ['SQUIT sub.leaf.test :sub gone']);
    assert.deepEqual(r.to('leaf'), []);
    assertInvariants(e);
  });

  it('conflicts §8 losing a direct link removes the whole tree behind it', () => {
    const e = splitSetup();
    e.linkDown('leaf', 'Connection reset');
    const r = drainSent(e);
    assert.deepEqual([...e.net.serversBySid.keys()].sort(), ['001', '0AB']);
    assert.deepEqual([...e.net.usersByUid.keys()], ['001UI2J0L']);
    assert.deepEqual([...e.net.channels.keys()].sort(), ['#mixed', '#perm']);
    assert.deepEqual(r.to('leaf2'), ['SQUIT leaf.test :Connection reset']);
    assertInvariants(e);
  });

  it('conflicts §8 SQUIT for an unknown server is ignored silently', () => {
    const e = splitSetup();
    const r = feed(e, 'leaf', 'SQUIT nowhere.test :dup', ':0AA SQUIT 0ZZ :dup');
    assert.deepEqual(r.to('leaf'), []);
    assert.deepEqual(r.to('leaf2'), []);
    assert.equal(e.net.serversBySid.size, 4);
  });
});
