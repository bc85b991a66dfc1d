// A second link with the name of a server we are linked to directly (issue 14, item 6): the new
// link is held and the existing one is PINGed; the existing link is dropped only if it does not
// answer within TAKEOVER_TIMEOUT seconds, otherwise the new link is refused (src/s2s/takeover.ts).
// UnrealIRCd (and tslink before this) dropped the existing link at once, "Old link dropped,
// resyncing", so whoever holds a link's credentials could cut the live link at will.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Engine } from '../../src/s2s/engine.ts';
import type { Effect } from '../../src/s2s/effects.ts';
import { HELD_BYTES_MAX, TAKEOVER_TIMEOUT } from '../../src/s2s/takeover.ts';
import { assertInvariants, drainSent, hub, linkLeaf, logs, uid, type Clock } from './harness.ts';

const T = { timeout: 20_000 };
const NEW_ADDR = '192.0.2.9';

/**
 * A hub with leaf.test (0AA, link `old`, users alice and bob) and other.test (0BB, link `other`,
 * user carol), unless `withOld` is false.
 */
function network(withOld = true, c?: Clock): Engine & { clock: Clock } {
  const e = hub(c ? { clock: c } : {});
  linkLeaf(e, { id: 'other', name: 'other.test', sid: '0BB', burst: [uid('0BB', 'carol', 1795305700, '0BBAAAAAA')] });
  if (withOld) {
    linkLeaf(e, { id: 'old', name: 'leaf.test', sid: '0AA', burst: [
      uid('0AA', 'alice', 1795305700, '0AAAAAAAA'), uid('0AA', 'bob', 1795305701, '0AAAAAAAB'),
      ':0AA SJOIN 1795305600 #lobby +nt :@0AAAAAAAA 0AAAAAAAB',
    ] });
  }
  e.drain();
  return e;
}

/** A new incoming connection from NEW_ADDR that authenticates as `name`/`sid` and sends SERVER (nothing after it). */
function contender(e: Engine, id: string, name = 'leaf.test', sid = '0ZZ'): ReturnType<typeof drainSent> {
  e.linkUp(id, 'in', NEW_ADDR);
  for (const l of [
    'PASS :linkpass',
    `PROTOCTL EAUTH=${name},6100,Fhn6OoE,FakeLeaf-0.1`,
    'PROTOCTL SERVERS=',
    'PROTOCTL NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS',
    `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ USERMODES=diopqrstwxzBDGHIRSTWZ BOOTED=${e.now() - 5} PREFIX=(qaohv)~&@%+ SID=${sid} MLOCK TS=${e.now()} EXTSWHOIS`,
    'PROTOCTL NICKCHARS= CHANNELCHARS=utf8',
  ]) e.receive(id, l);
  e.drain();
  e.receive(id, `SERVER ${name} 1 :U6100-Fhn6OoE-${sid} Fake leaf, second connection`);
  return drainSent(e);
}

function logEvents(effects: Effect[]): string[] {
  return logs(effects).map((l) => l.event);
}

/** leaf.test is linked through `old` with its users, and nobody was told otherwise. */
function assertOldIntact(e: Engine): void {
  const s = e.net.serversByName.get('leaf.test');
  assert.equal(s?.sid, '0AA', 'leaf.test is still 0AA');
  assert.equal(s?.link, 'old', 'leaf.test is still reached through the old link');
  assert.equal(e.links.get('old')?.phase, 'linked', 'the old link is still linked');
  assert.ok(e.net.usersByUid.has('0AAAAAAAA') && e.net.usersByUid.has('0AAAAAAAB'), 'the old link\'s users are still there');
  assert.equal(e.net.channels.get('#lobby')?.members.size, 2, '#lobby keeps its members');
  assertInvariants(e);
}

describe('a second link with the name of a directly linked server (issue 14 item 6)', () => {
  it('the new link is held (no SERVER answer, no burst) and the existing link gets a PING; nothing else changes', T, () => {
    const e = network();
    const t0 = e.now();
    const out = contender(e, 'new');
    assert.deepEqual(out.to('old'), ['PING :hub.test'], 'the existing link is pinged, and only that');
    assert.deepEqual(out.to('new'), [], 'the held link is sent nothing: no SERVER, no burst');
    assert.deepEqual(out.to('other'), [], 'the rest of the network hears nothing');
    assert.equal(e.links.get('new')?.phase, 'held');
    assert.ok(!out.effects.some((x) => x.kind === 'close'), 'nothing is closed');
    assert.ok(out.effects.some((x) => x.kind === 'wake' && x.at === t0 + TAKEOVER_TIMEOUT + 1), 'the edge is asked for a tick at the deadline');
    assert.deepEqual(logEvents(out.effects), ['LINK_TAKEOVER_PENDING']);
    assert.equal(e.net.serversBySid.has('0ZZ'), false, 'the held server is not registered');
    assertOldIntact(e);
  });

  it('the existing link answers in time: the new link is refused with ERROR, the existing one stays, both addresses are logged', T, () => {
    const e = network();
    contender(e, 'new');
    e.clock.advance(2);
    const out = drainSent(e);
    assert.deepEqual(out.to('new'), []);
    e.receive('old', ':leaf.test PONG leaf.test :hub.test');
    const ans = drainSent(e);
    assert.deepEqual(ans.to('new'), [`ERROR :Closing Link: leaf.test[${NEW_ADDR}] (Server leaf.test is already linked (the existing link answered))`]);
    assert.ok(ans.effects.some((x) => x.kind === 'close' && x.link === 'new'), 'the new link is closed');
    assert.ok(!ans.effects.some((x) => x.kind === 'close' && x.link === 'old'), 'the old link is not closed');
    assert.deepEqual(ans.to('old'), [], 'nothing is sent to the existing link');
    assert.deepEqual(ans.to('other'), [], 'no SQUIT, no SID: the rest of the network sees nothing');
    const refused = logs(ans.effects, 'LINK_TAKEOVER_REFUSED');
    assert.equal(refused.length, 1, 'LINK_TAKEOVER_REFUSED is logged once');
    assert.equal(refused[0].fields?.newAddress, NEW_ADDR);
    assert.equal(refused[0].fields?.existingAddress, '127.0.0.1');
    assert.match(refused[0].msg, /192\.0\.2\.9.*127\.0\.0\.1/);
    assert.equal(e.links.has('new'), false);
    // The deadline passing later changes nothing.
    e.clock.advance(TAKEOVER_TIMEOUT * 3);
    e.tick();
    const later = drainSent(e);
    assert.deepEqual(later.to('old'), []);
    assert.ok(!later.effects.some((x) => x.kind === 'close'), 'nothing is closed at the old deadline');
    assertOldIntact(e);
  });

  it('any line from the existing link after the PING counts as its answer (a PONG cannot carry a token: UnrealIRCd puts its own name as origin)', T, () => {
    const e = network();
    contender(e, 'new');
    // Its own keepalive PING, say: answered as usual, and the new link is refused.
    e.receive('old', 'PING :leaf.test');
    const out = drainSent(e);
    assert.deepEqual(out.to('old'), [':hub.test PONG hub.test :leaf.test']);
    assert.match(out.to('new')[0] ?? '', /\(Server leaf\.test is already linked \(the existing link answered\)\)$/);
    assertOldIntact(e);
  });

  it('the existing link stays silent: it is dropped after the timeout and the new link is linked with a full burst, as a fresh link would be', T, () => {
    const e = network();
    contender(e, 'new');
    // Still within the timeout: nothing happens.
    e.clock.advance(TAKEOVER_TIMEOUT);
    e.tick();
    const early = drainSent(e);
    assert.deepEqual(early.to('new'), [], 'not before the timeout');
    assert.ok(!early.effects.some((x) => x.kind === 'close'), 'nothing is closed before the timeout');
    assertOldIntact(e);
    e.clock.advance(1);
    const at = e.now();
    e.tick();
    const out = drainSent(e);
    assert.deepEqual(out.to('old'), [`ERROR :Closing Link: leaf.test[127.0.0.1] (Ping timeout: replaced by a new link from ${NEW_ADDR})`]);
    assert.ok(out.effects.some((x) => x.kind === 'close' && x.link === 'old'), 'the old link is closed');
    assert.ok(out.effects.some((x) => x.kind === 'linked' && x.link === 'new'), 'the edge is told the new link is registered');
    const takeover = logs(out.effects, 'LINK_TAKEOVER');
    assert.equal(takeover.length, 1, 'LINK_TAKEOVER is logged once');
    assert.equal(takeover[0].fields?.existingAddress, '127.0.0.1');
    assert.equal(takeover[0].fields?.newAddress, NEW_ADDR);
    // The rest of the network: the old server split, the new one introduced.
    assert.deepEqual(out.to('other').filter((l) => !l.startsWith(':0ZZ SINFO')), [
      `SQUIT leaf.test :Ping timeout: replaced by a new link from ${NEW_ADDR}`,
      ':001 SID leaf.test 2 0ZZ :Fake leaf, second connection',
    ]);
    assert.equal(e.net.serversByName.get('leaf.test')?.sid, '0ZZ');
    assert.equal(e.net.usersByUid.has('0AAAAAAAA'), false, 'the old link\'s users are gone');
    // What the new link got is exactly what a fresh link gets on the same network without the old one.
    const control = network(false);
    control.clock.set(at);
    const fresh = contender(control, 'new');
    // Except NETINFO's user count: the network's highest (global_max) counts the old link's users.
    const count = (lines: string[]) => lines.map((l) => l.replace(/^NETINFO \d+ /, 'NETINFO <max> '));
    assert.deepEqual(count(out.to('new')), count(fresh.to('new')));
    assert.equal(out.to('new').find((l) => l.startsWith('NETINFO '))?.split(' ')[1], String(e.globalMax()));
    assert.ok(out.to('new').some((l) => l.startsWith('SERVER hub.test 1 ')), 'our SERVER answer');
    assert.ok(out.to('new').some((l) => l.startsWith(':0BB UID carol ')), 'the burst carries the rest of the network');
    assert.equal(out.to('new').at(-1), ':001 EOS');
    // The new link works: its burst goes to the rest of the network.
    e.receive('new', uid('0ZZ', 'dave', 1795305702, '0ZZAAAAAA'));
    e.receive('new', ':0ZZ EOS');
    const burst = drainSent(e);
    assert.ok(burst.to('other').some((l) => l.startsWith(':0ZZ UID dave ')), 'the new link\'s users are relayed');
    assert.ok(burst.effects.some((x) => x.kind === 'synced' && x.link === 'new'), 'the new link syncs');
    assertInvariants(e);
  });

  it('the existing link closes meanwhile: the held link goes ahead at once', T, () => {
    const e = network();
    contender(e, 'new');
    e.clock.advance(1);
    e.linkDown('old', 'Connection reset by peer');
    const out = drainSent(e);
    assert.ok(out.to('new').some((l) => l.startsWith('SERVER hub.test 1 ')), `the held link is answered at once:\n${out.to('new').join('\n')}`);
    assert.equal(out.to('new').at(-1), ':001 EOS');
    assert.deepEqual(out.to('other').filter((l) => !l.startsWith(':0ZZ SINFO')), ['SQUIT leaf.test :Connection reset by peer', ':001 SID leaf.test 2 0ZZ :Fake leaf, second connection']);
    assert.deepEqual(logEvents(out.effects).filter((x) => x.startsWith('LINK_TAKEOVER')), ['LINK_TAKEOVER']);
    assert.equal(e.links.get('new')?.phase, 'linked');
    assert.equal(e.net.serversByName.get('leaf.test')?.link, 'new');
    // The old deadline passing later does nothing more.
    e.clock.advance(TAKEOVER_TIMEOUT * 2);
    e.tick();
    assert.deepEqual(drainSent(e).to('new'), []);
    assertInvariants(e);
  });

  it('the held link closes meanwhile: nothing happens to the existing link, now or at the deadline', T, () => {
    const e = network();
    contender(e, 'new');
    e.linkDown('new', 'Connection closed');
    const out = drainSent(e);
    assert.deepEqual(out.to('old'), []);
    assert.deepEqual(out.to('other'), []);
    assert.ok(!out.effects.some((x) => x.kind === 'close' && x.link === 'old'), 'the old link is not closed');
    assert.deepEqual(logEvents(out.effects).filter((x) => x.startsWith('LINK_TAKEOVER')), ['LINK_TAKEOVER_ABANDONED']);
    e.clock.advance(TAKEOVER_TIMEOUT * 2);
    e.tick();
    // The PONG to our PING arriving late is an ordinary line.
    e.receive('old', ':leaf.test PONG leaf.test :hub.test');
    const later = drainSent(e);
    assert.deepEqual(later.to('old'), []);
    assert.ok(!later.effects.some((x) => x.kind === 'close'), 'nothing is closed');
    assert.equal(e.links.get('old')?.takeover, null, 'the old link is no longer under a check');
    assertOldIntact(e);
  });

  it('a third link with the same name while one is held is refused at once; the held one keeps its turn', T, () => {
    const e = network();
    contender(e, 'new');
    const third = contender(e, 'third');
    assert.deepEqual(third.to('third'), [`ERROR :Closing Link: leaf.test[${NEW_ADDR}] (Server leaf.test is already linked (another new link is waiting to replace it))`]);
    assert.deepEqual(third.to('old'), [], 'no second PING');
    const refused = logs(third.effects, 'LINK_TAKEOVER_REFUSED');
    assert.equal(refused.length, 1, 'LINK_TAKEOVER_REFUSED is logged for the third link');
    assert.equal(refused[0].fields?.waitingLink, 'new');
    assert.equal(e.links.get('new')?.phase, 'held', 'the first contender is still held');
    assertOldIntact(e);
    // The held link's check goes on as before.
    e.clock.advance(TAKEOVER_TIMEOUT + 1);
    e.tick();
    const out = drainSent(e);
    assert.ok(out.effects.some((x) => x.kind === 'close' && x.link === 'old'), 'the silent old link is replaced');
    assert.equal(e.net.serversByName.get('leaf.test')?.link, 'new');
  });

  it('lines the held link sends while it waits are not processed; if it goes ahead they are, in order', T, () => {
    const e = network();
    contender(e, 'new');
    e.receive('new', uid('0ZZ', 'dave', 1795305702, '0ZZAAAAAA'));
    e.receive('new', ':0ZZ SJOIN 1795305600 #lobby + :0ZZAAAAAA');
    e.receive('new', ':0ZZ EOS');
    const held = drainSent(e);
    assert.deepEqual(held.to('other'), [], 'nothing relayed while held');
    assert.equal(e.net.usersByUid.has('0ZZAAAAAA'), false, 'not processed while held');
    e.clock.advance(TAKEOVER_TIMEOUT + 1);
    e.tick();
    const out = drainSent(e);
    assert.ok(out.to('other').some((l) => l.startsWith(':0ZZ UID dave ')), 'the kept burst is relayed once linked');
    assert.ok(out.effects.some((x) => x.kind === 'synced' && x.link === 'new'), 'its EOS is processed');
    assert.deepEqual([...e.net.channels.get('#lobby')!.members.keys()].map((u) => u.uid), ['0ZZAAAAAA']);
    assertInvariants(e);
  });

  it(`a held link that sends more than ${HELD_BYTES_MAX} bytes while it waits is refused; the existing link stays`, T, () => {
    const e = network();
    contender(e, 'new');
    const line = `:0ZZ SLOG info x :${'y'.repeat(400)}`;
    for (let i = 0; i * (line.length + 2) <= HELD_BYTES_MAX; i++) e.receive('new', line);
    const out = drainSent(e);
    assert.match(out.to('new')[0] ?? '', /\(Excess flood \(over 65536 bytes while waiting for the existing link of leaf\.test to answer\)\)$/);
    assert.ok(!out.effects.some((x) => x.kind === 'close' && x.link === 'old'), 'the old link is not closed');
    assert.deepEqual(out.to('old'), []);
    assertOldIntact(e);
  });

  it('an outgoing link to a server we are already linked to is held the same way; the burst its peer sends right after SERVER is kept and taken if it goes ahead', T, () => {
    const e = network();
    e.linkUp('dial', 'out', '198.51.100.7', undefined, 'leaf.test');
    e.drain();
    for (const l of [
      'PASS :linkpass',
      'PROTOCTL EAUTH=leaf.test,6100,Fhn6OoE,FakeLeaf-0.1',
      'PROTOCTL NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS',
      `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ SID=0ZZ TS=${e.now()}`,
    ]) e.receive('dial', l);
    const hs = drainSent(e);
    assert.ok(hs.to('dial').some((l) => l.startsWith('SERVER hub.test 1 ')), 'our SERVER goes out on the peer\'s first PROTOCTL, as usual');
    e.receive('dial', 'SERVER leaf.test 1 :U6100-Fhn6OoE-0ZZ Fake leaf, dialled');
    e.receive('dial', uid('0ZZ', 'dave', 1795305702, '0ZZAAAAAA'));
    e.receive('dial', ':0ZZ EOS');
    const held = drainSent(e);
    assert.deepEqual(held.to('old'), ['PING :hub.test']);
    assert.deepEqual(held.to('dial'), [], 'no burst to the held link');
    assert.equal(e.links.get('dial')?.phase, 'held');
    assert.equal(e.net.usersByUid.has('0ZZAAAAAA'), false, 'its burst waits');
    assertOldIntact(e);
    e.clock.advance(TAKEOVER_TIMEOUT + 1);
    e.tick();
    const out = drainSent(e);
    assert.match(out.to('old')[0] ?? '', /\(Ping timeout: replaced by a new link from 198\.51\.100\.7\)$/);
    assert.ok(out.to('dial').some((l) => l.startsWith(':0BB UID carol ')), 'our burst goes to the dialled link');
    assert.equal(out.to('dial').at(-1), ':001 EOS');
    assert.ok(e.net.usersByUid.has('0ZZAAAAAA'), 'its kept burst is taken');
    assert.ok(out.effects.some((x) => x.kind === 'synced' && x.link === 'dial'), 'its EOS is processed');
    assertInvariants(e);
  });

  it('a same-name server known only behind another server keeps UnrealIRCd\'s behaviour: dropped at once, the new link linked', T, () => {
    const e = network(false);
    e.receive('other', ':0BB SID far.test 2 0CC :behind other');
    e.drain();
    const out = contender(e, 'new', 'far.test', '0DD');
    assert.deepEqual(out.to('other').slice(0, 2), ['SQUIT far.test :Old link dropped, resyncing', ':001 SID far.test 2 0DD :Fake leaf, second connection']);
    assert.ok(out.to('new').some((l) => l.startsWith('SERVER hub.test 1 ')), 'answered at once, no hold');
    assert.equal(e.net.serversByName.get('far.test')?.sid, '0DD');
    assertInvariants(e);
  });
});
