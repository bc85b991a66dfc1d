// IRCv3 capabilities of issue 17 item 5 that change what local users see: setname (setname.c),
// chghost (chghost.c userhost_changed()), labeled-response (labeled-response.c), batch (netsplit),
// standard-replies (FAIL), invite-notify (see invite.test.ts), and their CAP REQ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leafNode, register, body, TIMEOUT, KEYS } from './clientHarness.ts';
import { cloakHost } from '../../src/client/cloak.ts';

const BOB = ':001 UID bob 0 1795305700 bob host-9.example.org 001AAAAAB 0 +iwx * Clk-X.example.org xhICDA== :Bob';
const host = cloakHost('192.0.2.10', { keys: KEYS });

/** alice (caps `caps`) and dave (no caps) in #lobby with bob (op, remote). */
function setup(caps: string) {
  const n = leafNode({ burst: [BOB, ':001 SJOIN 1795305000 #lobby +nt :@001AAAAAB'] });
  register(n, 'a', 'alice');
  register(n, 'd', 'dave');
  if (caps) n.clients.receive('a', `CAP REQ :${caps}`);
  n.clients.receive('a', 'JOIN #lobby');
  n.clients.receive('d', 'JOIN #lobby');
  n.pump(); n.sent();
  return n;
}

test('SETNAME: ":<uid> SETNAME :<name>" to the network; the setname cap shows it to the user and its channel mates, a NOTICE without the cap', { timeout: TIMEOUT }, () => {
  const n = setup('setname');
  n.clients.receive('a', 'SETNAME :Alice Liddell');
  const got = n.pump();
  assert.deepEqual(got.get('a')!.map(body), [`:alice!alice@${host} SETNAME :Alice Liddell`]);
  assert.equal(got.get('d'), undefined, 'dave has no setname cap');
  assert.deepEqual(n.sent().to('hub').map(body), [':0TSAAAAAA SETNAME :Alice Liddell']);
  assert.equal(n.engine.net.userByNick('alice')!.realname, 'Alice Liddell');
  n.clients.receive('d', 'SETNAME :Dave');
  assert.deepEqual(n.pump().get('d'), [':tslink.test NOTICE dave :Your "real name" is now set to be Dave - you have to set it manually to undo it']);
  const long = 'x'.repeat(51);
  n.clients.receive('a', `SETNAME :${long}`);
  assert.deepEqual(n.pump().get('a')!.map(body), [':tslink.test FAIL SETNAME INVALID_REALNAME :"Real names" may maximum be 50 characters of length']);
  n.clients.receive('d', `SETNAME :${long}`);
  assert.deepEqual(n.pump().get('d'), [':tslink.test NOTICE dave :*** /SetName Error: "Real names" may maximum be 50 characters of length']);
  assert.deepEqual(n.sent().to('hub').map(body), [':0TSAAAAAB SETNAME :Dave'], 'nothing crosses for a refused one');
});

test('SETNAME from the network reaches local channel mates that have the setname cap', { timeout: TIMEOUT }, () => {
  const n = setup('setname');
  n.engine.receive('hub', '@msgid=sn1;time=2026-11-22T00:02:20.285Z :001AAAAAB SETNAME :Bobby Tables');
  const got = n.pump();
  assert.deepEqual(got.get('a'), [':bob!bob@Clk-X.example.org SETNAME :Bobby Tables']);
  assert.equal(got.get('d'), undefined);
});

test('CHGHOST from the network: chghost clients get ":<old mask> CHGHOST <ident> <host>", the others PART/JOIN/MODE (force-rejoin)', { timeout: TIMEOUT }, () => {
  const n = setup('chghost');
  n.engine.receive('hub', ':001 CHGHOST 001AAAAAB new.host.example');
  const got = n.pump();
  assert.deepEqual(got.get('a'), [':bob!bob@Clk-X.example.org CHGHOST bob new.host.example']);
  assert.deepEqual(got.get('d'), [
    ':bob!bob@Clk-X.example.org PART #lobby :Changing host',
    ':bob!bob@new.host.example JOIN #lobby',
    ':tslink.test MODE #lobby +o bob',
  ]);
});

test('a local user\'s own host change from services: CHGHOST to itself with the cap, and 396', { timeout: TIMEOUT }, () => {
  const n = setup('chghost');
  n.engine.receive('hub', ':001 CHGHOST 0TSAAAAAA vhost.example');
  const got = n.pump();
  assert.deepEqual(got.get('a'), [`:alice!alice@${host} CHGHOST alice vhost.example`, ':tslink.test 396 alice vhost.example :is now your displayed host']);
  assert.deepEqual(got.get('d'), [
    `:alice!alice@${host} PART #lobby :Changing host`,
    ':alice!alice@vhost.example JOIN #lobby',
  ]);
});

test('labeled-response: one reply carries the label, several come in a labeled-response batch, none gives ACK; lines without CR inside', { timeout: TIMEOUT }, () => {
  const n = setup('labeled-response batch');
  n.clients.receive('a', '@label=one PING :tok');
  assert.deepEqual(n.pump().get('a'), ['@label=one :tslink.test PONG tslink.test :tok']);
  n.clients.receive('a', '@label=two MODE #lobby');
  const two = n.pump().get('a')!;
  const id = /^@label=two :tslink\.test BATCH \+(\S+) labeled-response$/.exec(two[0])?.[1];
  assert.ok(id, two.join('\n'));
  assert.deepEqual(two.slice(1), [
    `@batch=${id} :tslink.test 324 alice #lobby +nt `,
    `@batch=${id} :tslink.test 329 alice #lobby 1795305000`,
    `:tslink.test BATCH -${id}`,
  ]);
  n.clients.receive('a', '@label=three PONG :x');
  assert.deepEqual(n.pump().get('a'), ['@label=three :tslink.test ACK']);
  assert.ok(n.seen.get('a')!.every((l) => !/[\r\n]/.test(l)));
});

test('labeled-response needs both the labeled-response and batch caps: without them the label is ignored', { timeout: TIMEOUT }, () => {
  const n = setup('labeled-response');
  n.clients.receive('a', '@label=one PING :tok');
  assert.deepEqual(n.pump().get('a'), [':tslink.test PONG tslink.test :tok']);
});

test('batch: the QUITs of a netsplit come in one "netsplit <uplink> <server>" batch to clients with the cap', { timeout: TIMEOUT }, () => {
  const n = setup('batch');
  n.engine.receive('hub', ':001 SID far.test 2 002 :Far away');
  n.engine.receive('hub', ':002 UID erin 0 1795305703 erin 203.0.113.5 002AAAAAE 0 +w * * y3EABQ== :Erin');
  n.engine.receive('hub', ':002 UID finn 0 1795305704 finn 203.0.113.6 002AAAAAF 0 +w * * y3EABg== :Finn');
  n.engine.receive('hub', ':002 SJOIN 1795305000 #lobby :002AAAAAE 002AAAAAF');
  n.engine.receive('hub', ':002 EOS');
  n.pump();
  n.engine.receive('hub', 'SQUIT far.test :gone');
  const got = n.pump();
  const a = got.get('a')!;
  const id = /^:tslink\.test BATCH \+(\S+) netsplit hub\.test far\.test$/.exec(a[0])?.[1];
  assert.ok(id, a.join('\n'));
  assert.deepEqual(a.slice(1).sort(), [
    `@batch=${id} :erin!erin@203.0.113.5 QUIT :hub.test far.test`,
    `@batch=${id} :finn!finn@203.0.113.6 QUIT :hub.test far.test`,
    `:tslink.test BATCH -${id}`,
  ].sort());
  assert.equal(a.at(-1), `:tslink.test BATCH -${id}`);
  assert.deepEqual(got.get('d')!.sort(), [':erin!erin@203.0.113.5 QUIT :hub.test far.test', ':finn!finn@203.0.113.6 QUIT :hub.test far.test']);
});

test('batch: the JOINs of a linking server\'s burst come in a "netjoin <uplink> <server>" batch, ended by its EOS', { timeout: TIMEOUT }, () => {
  const n = setup('batch');
  n.engine.receive('hub', ':001 SID far.test 2 002 :Far away');
  n.engine.receive('hub', ':002 UID erin 0 1795305703 erin 203.0.113.5 002AAAAAE 0 +w * * y3EABQ== :Erin');
  n.engine.receive('hub', ':002 UID finn 0 1795305704 finn 203.0.113.6 002AAAAAF 0 +w * * y3EABg== :Finn');
  n.engine.receive('hub', ':002 SJOIN 1795305000 #lobby :002AAAAAE');
  n.engine.receive('hub', ':002 SJOIN 1795305000 #lobby :002AAAAAF');
  n.engine.receive('hub', ':002 EOS');
  const got = n.pump();
  const a = got.get('a')!;
  const id = /^:tslink\.test BATCH \+(\S+) netjoin hub\.test far\.test$/.exec(a[0])?.[1];
  assert.ok(id, a.join('\n'));
  assert.deepEqual(a.slice(1), [
    `@batch=${id} :erin!erin@203.0.113.5 JOIN :#lobby`,
    `@batch=${id} :finn!finn@203.0.113.6 JOIN :#lobby`,
    `:tslink.test BATCH -${id}`,
  ]);
  assert.deepEqual(got.get('d'), [':erin!erin@203.0.113.5 JOIN :#lobby', ':finn!finn@203.0.113.6 JOIN :#lobby']);
  // After the EOS, a join is live: no batch.
  n.engine.receive('hub', ':002 UID gus 0 1795305705 gus 203.0.113.7 002AAAAAG 0 +w * * y3EABw== :Gus');
  n.engine.receive('hub', ':002 SJOIN 1795305000 #lobby :002AAAAAG');
  assert.deepEqual(n.pump().get('a'), [':gus!gus@203.0.113.7 JOIN :#lobby']);
});

test('the new caps are offered and can be requested', { timeout: TIMEOUT }, () => {
  const n = setup('');
  n.clients.receive('a', 'CAP REQ :cap-notify chghost setname invite-notify batch labeled-response standard-replies');
  assert.deepEqual(n.pump().get('a'), [':tslink.test CAP alice ACK :cap-notify chghost setname invite-notify batch labeled-response standard-replies']);
});
