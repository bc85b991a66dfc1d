// End to end: two tslink nodes linked over TLS on loopback, a user on each through a real IRC
// client library (irc-framework, over TLS to the nodes' client ports). Each user sees the other
// as UnrealIRCd's users would: WHOIS and NAMES numerics, private and channel messages, a shared
// channel's topic, a nick change, AWAY, a kick and a quit, in client form.
import { describe, it, after, before } from 'node:test';
import { strict as assert } from 'node:assert';
import { Harness } from '../runtime/helpers.ts';
import { closeUsers, connectUser, twoNodes, untagged, WAIT, type ClientNode, type User } from './e2eHelpers.ts';

describe('two linked tslink nodes, a user on each (irc-framework over TLS)', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-e2e-');
  let a: ClientNode, b: ClientNode, ann: User, ben: User;
  before(async () => {
    ({ a, b } = await twoNodes(h));
    ann = await connectUser(a.clientPort, 'ann');
    ben = await connectUser(b.clientPort, 'ben');
  });
  after(async () => { closeUsers(); await h.cleanup(); });

  /** The host a node's users see for `nick` (its cloak: +x is set on connect). */
  const hostOf = (n: ClientNode, nick: string): string => {
    const u = n.node.engine.net.userByNick(nick);
    assert.ok(u, `${nick} known on ${n.config.me.name}`);
    return u.cloak;
  };

  it('registration over TLS: 001 from the node, the user introduced to the other node with the same cloak', async () => {
    assert.match(untagged(await ann.line(/ 001 ann /)), /^:a\.test 001 ann :Welcome to the TestNet IRC Network ann!ann@localhost$/);
    assert.match(untagged(await ben.line(/ 005 ben .*NETWORK=/)), / NETWORK=TestNet /);
    await ann.line(/ MODE ann :\+/);
    const onB = b.node.engine.net.userByNick('ann');
    assert.ok(onB, 'b.test knows ann');
    assert.equal(onB.server.name, 'a.test');
    assert.equal(onB.cloak, hostOf(a, 'ann'), 'one cloak on both nodes');
    assert.ok(onB.umodes.has('z'), 'a TLS user is +z');
  });

  it('WHOIS of the user on the other node: 311, 312 (its server), 318, as UnrealIRCd sends them', async () => {
    ann.irc.raw('WHOIS', 'ben');
    const host = hostOf(a, 'ben');
    assert.equal(untagged(await ann.line(/ 311 ann ben /)), `:a.test 311 ann ben ben ${host} * :Real ben`);
    assert.equal(untagged(await ann.line(/ 312 ann ben /)), ':a.test 312 ann ben b.test :tslink test node');
    assert.equal(untagged(await ann.line(/ 318 ann ben /)), ':a.test 318 ann ben :End of /WHOIS list.');
  });

  it('a shared channel: JOIN seen across the link, NAMES lists both with the creator opped', async () => {
    ann.irc.join('#e2e');
    await ann.line(/ 366 ann #e2e /);
    ben.irc.join('#e2e');
    const names = untagged(await ben.line(/ 353 ben [=@*] #e2e /));
    assert.match(names, /^:b\.test 353 ben = #e2e :/);
    const members = names.slice(names.lastIndexOf(':') + 1).split(' ').map((m) => m.replace(/!.*/, '')).sort();
    assert.deepEqual(members, ['@ann', 'ben']);
    const j = await ann.event('join', (e) => e.nick === 'ben' && e.channel === '#e2e');
    assert.equal(j.hostname, hostOf(a, 'ben'));
  });

  it('messages both ways: private and in the channel', async () => {
    ann.irc.say('ben', 'hello ben');
    const pm = await ben.event('privmsg', (e) => e.message === 'hello ben');
    assert.equal(pm.nick, 'ann');
    assert.equal(pm.target, 'ben');
    assert.equal(pm.hostname, hostOf(b, 'ann'));
    ben.irc.say('#e2e', 'hello channel');
    const cm = await ann.event('privmsg', (e) => e.message === 'hello channel');
    assert.equal(cm.nick, 'ben');
    assert.equal(cm.target, '#e2e');
  });

  it('TOPIC set on one node is seen on the other, and in 332/333 at the next JOIN', async () => {
    ann.irc.raw('TOPIC', '#e2e', 'the e2e topic');
    const t = await ben.event('topic', (e) => e.topic === 'the e2e topic');
    assert.equal(t.nick, 'ann');
    assert.equal(t.channel, '#e2e');
    ben.irc.raw('TOPIC', '#e2e');
    assert.equal(untagged(await ben.line(/ 332 ben #e2e /)), ':b.test 332 ben #e2e :the e2e topic');
    assert.match(untagged(await ben.line(/ 333 ben #e2e /)), /^:b\.test 333 ben #e2e ann!ann@\S+ \d+$/);
  });

  it('a nick change is seen by the other user as NICK', async () => {
    ben.irc.changeNick('benny');
    const n = await ann.event('nick', (e) => e.nick === 'ben');
    assert.equal(n.new_nick, 'benny');
    assert.equal(untagged(await ann.line(/ NICK :benny$/)), `:ben!ben@${hostOf(a, 'benny')} NICK :benny`);
  });

  it('AWAY: 306 to the user, 301 in the other user\'s WHOIS, away-notify across the link', async () => {
    ben.irc.raw('AWAY', 'out for lunch');
    await ben.line(/ 306 benny :You have been marked as being away$/);
    const aw = await ann.event('away', (e) => e.nick === 'benny');
    assert.equal(aw.message, 'out for lunch');
    ann.irc.raw('WHOIS', 'benny');
    assert.equal(untagged(await ann.line(/ 301 ann benny /)), ':a.test 301 ann benny :out for lunch');
    ben.irc.raw('AWAY');
    await ben.line(/ 305 benny :You are no longer marked as being away$/);
  });

  it('KICK across the link: the kicked user gets the KICK with the reason and is out of the channel', async () => {
    ann.irc.raw('KICK', '#e2e', 'benny', 'behave');
    const k = await ben.event('kick', (e) => e.kicked === 'benny');
    assert.equal(k.nick, 'ann');
    assert.equal(k.channel, '#e2e');
    assert.equal(k.message, 'behave');
    assert.equal(untagged(await ben.line(/ KICK #e2e benny /)), `:ann!ann@${hostOf(b, 'ann')} KICK #e2e benny :behave`);
    assert.equal(a.node.engine.net.channel('#e2e')!.members.size, 1);
  });

  it('QUIT: the other user sees it with "Quit: <reason>", the node forgets the user', async () => {
    ben.irc.join('#e2e');
    await ann.event('join', (e) => e.nick === 'benny');
    ben.irc.quit('see you');
    const q = await ann.event('quit', (e) => e.nick === 'benny');
    assert.equal(q.message, 'Quit: see you');
    await ben.line(/^ERROR :Closing Link: benny\[localhost\] \(Quit: see you\)$/);
    assert.equal(a.node.engine.net.userByNick('benny'), undefined);
    assert.equal(b.node.engine.net.userByNick('benny'), undefined);
  });

  it('a netsplit: the users of the lost server QUIT with "<uplink> <server>"', async () => {
    const cat = await connectUser(b.clientPort, 'cat');
    cat.irc.join('#e2e');
    await ann.event('join', (e) => e.nick === 'cat');
    await h.stopNode(b);
    const q = await ann.event('quit', (e) => e.nick === 'cat', WAIT);
    assert.equal(q.message, 'a.test b.test');
  });
});
