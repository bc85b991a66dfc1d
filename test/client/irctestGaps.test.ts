// What irctest checks of the client side, as UnrealIRCd 6.1.8.1 does it (issue 17): WHOWAS of the
// whole network, LUSERS maxima, +C, away-notify on join, member modes, KICK, USER, labeled
// messages to oneself, an oversized tag section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leafNode, register, body, TIMEOUT, KEYS } from './clientHarness.ts';
import { cloakHost } from '../../src/client/cloak.ts';

const BOB = ':001 UID bob 0 1795305700 bob host-9.example.org 001AAAAAB 0 +iwx * Clk-X.example.org xhICDA== :Bob';
const CAROL = ':001 UID carol 0 1795305701 carol 198.51.100.3 001AAAAAC 0 +w * * xjNkAw== :Carol';
const host = cloakHost('192.0.2.10', { keys: KEYS });

test('WHOWAS history of remote users is kept while no local user is connected: quits, nick changes, netsplits (whowas.c add_history())', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB, CAROL, ':001 SID far.test 2 002 :far away', ':002 UID dan 0 1795305702 dan 203.0.113.9 002AAAAAD 0 +w * * y3EACQ== :Dan'] });
  n.engine.receive('hub', ':001AAAAAB QUIT :bye');
  n.engine.receive('hub', ':001AAAAAC NICK caroline 1795305800');
  n.engine.receive('hub', ':001 SQUIT far.test :gone');
  register(n, 'a', 'alice');
  n.pump();
  for (const [nick, ident, h, srv] of [['bob', 'bob', 'Clk-X.example.org', 'hub.test'], ['carol', 'carol', '198.51.100.3', 'hub.test'], ['dan', 'dan', '203.0.113.9', 'far.test']]) {
    n.clients.receive('a', `WHOWAS ${nick}`);
    const got = n.pump().get('a')!;
    assert.equal(got[0], `:tslink.test 314 alice ${nick} ${ident} ${h} * :${nick[0].toUpperCase()}${nick.slice(1)}`, nick);
    assert.match(got[1], new RegExp(`^:tslink\\.test 312 alice ${nick} ${srv.replace('.', '\\.')} :`));
    assert.equal(got[2], `:tslink.test 369 alice ${nick} :End of WHOWAS`);
  }
});

test('WHOWAS: a nick given up by a local user is remembered once, and a count of 0 or less lists everything', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  register(n, 'a', 'alice');
  register(n, 'b', 'nick2', {}, []);
  n.clients.receive('b', 'QUIT :bye');
  register(n, 'c', 'nick2');
  n.clients.receive('c', 'NICK other');
  n.pump();
  for (const q of ['WHOWAS nick2', 'WHOWAS nick2 0', 'WHOWAS nick2 -1']) {
    n.clients.receive('a', q);
    assert.equal(n.pump().get('a')!.filter((l) => l.includes(' 314 ')).length, 2, q);
  }
});

test('LUSERS: the global max (266) is the most users the network held, never below the local max (265)', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  register(n, 'a', 'alice');
  register(n, 'b', 'bert');
  n.clients.receive('b', 'QUIT :bye');
  n.pump();
  n.clients.receive('a', 'LUSERS');
  const got = n.pump().get('a')!;
  assert.ok(got.includes(':tslink.test 265 alice 1 2 :Current local users 1, max 2'), got.join('\n'));
  assert.ok(got.includes(':tslink.test 266 alice 1 2 :Current global users 1, max 2'), got.join('\n'));
});

test('+C (noctcp.c): a CTCP other than ACTION gets 404 "CTCPs are not permitted in this channel" and is not relayed; NOTICE is dropped silently', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB, ':001 SJOIN 1795305000 #lobby +ntC :@001AAAAAB'] });
  register(n, 'a', 'alice');
  n.clients.receive('a', 'JOIN #lobby');
  n.pump(); n.sent();
  n.clients.receive('a', 'PRIVMSG #lobby :\x01ACTION waves\x01');
  n.clients.receive('a', 'PRIVMSG #lobby :\x01PING 1\x01');
  n.clients.receive('a', 'NOTICE #lobby :\x01VERSION\x01');
  n.clients.receive('a', 'PRIVMSG #lobby :\x01ACTION\x01');
  assert.deepEqual(n.pump().get('a'), [
    ':tslink.test 404 alice #lobby :CTCPs are not permitted in this channel (#lobby)',
    ':tslink.test 404 alice #lobby :CTCPs are not permitted in this channel (#lobby)',
  ]);
  assert.deepEqual(n.sent().to('hub').map(body), [':alice PRIVMSG #lobby :\x01ACTION waves\x01']);
});

test('404 names the target as given from its "#" (message.c p2): no status prefix', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB, ':001 SJOIN 1795305000 #lobby +ntm :@001AAAAAB'] });
  register(n, 'a', 'alice');
  n.clients.receive('a', 'JOIN #lobby');
  n.pump();
  n.clients.receive('a', 'PRIVMSG @#LOBBY :hi');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 404 alice #lobby :You need voice (+v) (#LOBBY)']);
});

test('away-notify on JOIN (away.c away_join()): local members get the AWAY of an away user who joins, local or remote; the joiner its own after NAMES', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB, ':001 SJOIN 1795305000 #lobby +nt :@001AAAAAB'] });
  register(n, 'a', 'alice');
  register(n, 'd', 'dave');
  n.clients.receive('a', 'CAP REQ :away-notify');
  n.clients.receive('d', 'CAP REQ :away-notify');
  n.clients.receive('a', 'JOIN #lobby');
  n.clients.receive('d', 'AWAY :brb');
  n.pump();
  n.clients.receive('d', 'JOIN #lobby');
  const got = n.pump();
  const dave = `dave!dave@${n.engine.net.userByNick('dave')!.cloak}`;
  assert.deepEqual(got.get('a'), [`:${dave} JOIN :#lobby`, `:${dave} AWAY :brb`]);
  assert.deepEqual(got.get('d')!.map((l) => l.split(' ')[1]), ['JOIN', '353', '366', 'AWAY']);
  n.engine.receive('hub', ':001 UID erin 0 1795305703 erin 203.0.113.5 001AAAAAE 0 +w * * y3EABQ== :Erin');
  n.engine.receive('hub', ':001AAAAAE AWAY :out');
  n.pump();
  n.engine.receive('hub', ':001 SJOIN 1795305000 #lobby :001AAAAAE');
  const got2 = n.pump();
  assert.deepEqual(got2.get('a'), [':erin!erin@203.0.113.5 JOIN :#lobby', ':erin!erin@203.0.113.5 AWAY :out']);
  assert.deepEqual(got2.get('d'), [':erin!erin@203.0.113.5 JOIN :#lobby', ':erin!erin@203.0.113.5 AWAY :out']);
});

test('member modes (chanop.c, halfop.c, chanowner.c, mode.c): the access check, then 401 / 441, one numeric per refused change', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB, CAROL, ':001 SJOIN 1795305000 #lobby +nt :@001AAAAAB 001AAAAAC'] });
  register(n, 'a', 'alice');
  n.clients.receive('a', 'JOIN #new');
  n.pump(); n.sent();
  n.clients.receive('a', 'MODE #new +o carol');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 441 alice carol #new :They aren\'t on that channel']);
  n.clients.receive('a', 'MODE #new +o nobody');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 401 alice nobody :No such nick/channel']);
  n.clients.receive('a', 'MODE #new +q alice');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 499 alice #new :You\'re not a channel owner']);
  assert.deepEqual(n.sent().to('hub'), [], 'nothing was changed');
  // A halfop: +o refused (482), +v allowed, -h on itself allowed.
  n.clients.receive('a', 'JOIN #lobby');
  n.engine.receive('hub', ':001AAAAAB MODE #lobby +h alice');
  n.pump(); n.sent();
  n.clients.receive('a', 'MODE #lobby +ov carol carol');
  assert.deepEqual(n.pump().get('a')!.filter((l) => !l.includes(' MODE ')), [':tslink.test 482 alice #lobby :You\'re not channel operator']);
  assert.deepEqual(n.sent().to('hub').map(body), [':0TSAAAAAA MODE #lobby +v carol']);
  n.clients.receive('a', 'MODE #lobby -h alice');
  assert.deepEqual(n.sent().to('hub').map(body), [':0TSAAAAAA MODE #lobby -h alice']);
});

test('KICK (kick.c): the first channel of a list counts, 482 before any target, 407 past KICK:4, 972 for ranks and +Q', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB, CAROL, ':001 SJOIN 1795305000 #lobby +nt :@001AAAAAB 001AAAAAC'] });
  register(n, 'a', 'alice');
  n.clients.receive('a', 'KICK #lobby carol');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 482 alice #lobby :You\'re not channel operator'], 'a non-member');
  n.clients.receive('a', 'JOIN #lobby');
  n.engine.receive('hub', ':001AAAAAB MODE #lobby +h alice');
  n.pump(); n.sent();
  n.clients.receive('a', 'KICK #lobby bob');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 972 alice KICK :bob is a channel operator']);
  n.engine.receive('hub', ':001AAAAAB MODE #lobby +oa alice bob');
  n.pump(); n.sent();
  n.clients.receive('a', 'KICK #lobby,#other carol,bob,nobody,dan,x,y :bye');
  assert.deepEqual(n.pump().get('a')!.filter((l) => !l.includes(' KICK #lobby carol ')), [
    ':tslink.test 972 alice KICK :bob is a channel admin',
    ':tslink.test 401 alice nobody :No such nick/channel',
    ':tslink.test 401 alice dan :No such nick/channel',
    ':tslink.test 407 alice x :Too many targets. The maximum is 4 for KICK.',
  ]);
  assert.deepEqual(n.sent().to('hub').map(body), [':0TSAAAAAA KICK #lobby 001AAAAAC :bye']);
  n.engine.receive('hub', ':001AAAAAB MODE #lobby +Q');
  n.pump();
  n.clients.receive('a', 'KICK #lobby bob');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 972 alice KICK :channel is +Q']);
});

test('KICK of an unkickable user (umode +q, usermodes/nokick.c) or a service bot (umode +S, servicebot.c): 972, the +q user is told; one 972 per target', { timeout: TIMEOUT }, () => {
  const OPERQ = ':001 UID oscar 0 1795305702 oscar staff.example 001AAAAAD 0 +ioq * * xjNkBw== :Oscar';
  const BOT = ':001 UID chanserv 0 1795305703 services services.example 001AAAAAE 0 +ioS * * xjNkCA== :Service bot';
  const n = leafNode({ burst: [BOB, CAROL, OPERQ, BOT, ':001 SJOIN 1795305000 #lobby +nt :@001AAAAAB 001AAAAAC 001AAAAAD @001AAAAAE'] });
  register(n, 'a', 'alice');
  n.clients.receive('a', 'JOIN #lobby');
  n.engine.receive('hub', ':001AAAAAB MODE #lobby +q alice');
  n.pump(); n.sent();
  // Even a channel owner: the user mode decides.
  n.clients.receive('a', 'KICK #lobby oscar,chanserv,carol :out');
  assert.deepEqual(n.pump().get('a')!.filter((l) => !l.includes(' KICK #lobby carol ')), [
    ':tslink.test 972 alice KICK :user is unkickable (user mode +q)',
    ':tslink.test 972 alice KICK :chanserv is a Service Bot',
  ]);
  const hub = n.sent().to('hub').map(body);
  assert.deepEqual(hub, [
    ':0TS NOTICE 001AAAAAD :*** umode q: alice tried to kick you from channel #lobby (out)',
    ':0TSAAAAAA KICK #lobby 001AAAAAC :out',
  ]);
  assert.ok(n.engine.net.channel('#lobby')!.members.has(n.engine.net.userByNick('oscar')!), 'oscar stays');
  // With +Q as well: the user mode's text, one numeric.
  n.engine.receive('hub', ':001AAAAAB MODE #lobby +Q');
  n.pump();
  n.clients.receive('a', 'KICK #lobby oscar,chanserv');
  assert.deepEqual(n.pump().get('a'), [
    ':tslink.test 972 alice KICK :user is unkickable (user mode +q)',
    ':tslink.test 972 alice KICK :chanserv is a Service Bot',
  ]);
});

test('USER with an empty realname gets 461 and does not register (user.c BadPtr(parv[4]))', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  n.clients.connect('a', { ip: '192.0.2.10' });
  n.clients.receive('a', 'NICK foo');
  n.clients.receive('a', 'USER u * * :');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 461 foo USER :Not enough parameters']);
  assert.equal(n.engine.net.userByNick('foo'), undefined);
});

test('a labeled PRIVMSG/NOTICE to oneself: the delivery unlabeled, the echo-message copy carries the label (labeled_response_inhibit)', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  register(n, 'a', 'alice');
  register(n, 'b', 'bert');
  n.clients.receive('a', 'CAP REQ :echo-message batch labeled-response');
  n.clients.receive('b', 'CAP REQ :batch labeled-response');
  n.pump();
  for (const cmd of ['PRIVMSG', 'NOTICE']) {
    n.clients.receive('a', `@label=12345 ${cmd} alice :hi`);
    assert.deepEqual(n.pump().get('a'), [`:alice!alice@${host} ${cmd} alice :hi`, `@label=12345 :alice!alice@${host} ${cmd} alice :hi`]);
  }
  n.clients.receive('b', '@label=7 PRIVMSG bert :hi');
  const bert = `bert!bert@${n.engine.net.userByNick('bert')!.cloak}`;
  assert.deepEqual(n.pump().get('b'), [`:${bert} PRIVMSG bert :hi`, '@label=7 :tslink.test ACK']);
});

test('a tag section over 4094 bytes (message-tags.c): 417, and the line is not handled', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB, ':001 SJOIN 1795305000 #lobby +nt :@001AAAAAB'] });
  register(n, 'a', 'alice');
  n.clients.receive('a', 'JOIN #lobby');
  n.pump(); n.sent();
  const tags = (len: number) => '@+x=' + 'a'.repeat(len - 4);
  n.clients.receive('a', `${tags(4095)} PRIVMSG #lobby :hi`);
  assert.deepEqual(n.pump().get('a'), [':tslink.test 417 alice :Input line was too long']);
  assert.deepEqual(n.sent().to('hub'), []);
  n.clients.receive('a', `${tags(4094)} PRIVMSG #lobby :hi`);
  assert.equal(n.pump().get('a'), undefined);
  assert.deepEqual(n.sent().to('hub').map(body), [':alice PRIVMSG #lobby :hi']);
});
