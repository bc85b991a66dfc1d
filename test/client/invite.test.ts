// INVITE from a local user and from the network: the numerics and S2S form UnrealIRCd uses
// (invite.c), invite-notify to the channel's local ops, and the invite letting the user past +i.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leafNode, register, body, TIMEOUT, KEYS } from './clientHarness.ts';
import { cloakHost } from '../../src/client/cloak.ts';

const BOB = ':001 UID bob 0 1795305700 bob host-9.example.org 001AAAAAB 0 +iwx * Clk-X.example.org xhICDA== :Bob';
const CAROL = ':001 UID carol 0 1795305701 carol 198.51.100.3 001AAAAAC 0 +w * * xjNkAw== :Carol';
const host = cloakHost('192.0.2.10', { keys: KEYS });

function setup() {
  const n = leafNode({ burst: [BOB, CAROL, ':001 SJOIN 1795305000 #lobby +nt :@001AAAAAB 001AAAAAC'] });
  register(n, 'a', 'alice');
  register(n, 'd', 'dave');
  n.clients.receive('d', 'CAP REQ :invite-notify');
  n.clients.receive('a', 'JOIN #priv');
  n.clients.receive('d', 'JOIN #priv');
  n.clients.receive('a', 'MODE #priv +io dave');
  n.pump(); n.sent();
  return n;
}

test('INVITE by a channel op: 341 to the inviter, ":<uid> INVITE <uid> <#chan> 0" to the network, invite-notify or a NOTICE to the local ops', { timeout: TIMEOUT }, () => {
  const n = setup();
  n.clients.receive('a', 'INVITE bob #priv');
  const got = n.pump();
  assert.deepEqual(got.get('a')!.map(body), [
    ':tslink.test 341 alice bob #priv',
    ':tslink.test NOTICE @#priv :alice invited bob into the channel.',
  ]);
  assert.deepEqual(got.get('d')!.map(body), [`:alice!alice@${host} INVITE bob #priv`]);
  assert.deepEqual(n.sent().to('hub').map(body), [':0TSAAAAAA INVITE 001AAAAAB #priv 0']);
});

test('INVITE errors as UnrealIRCd words them: 461 401 403 442 443 482 (+i, not an op) 518 (+V)', { timeout: TIMEOUT }, () => {
  const n = setup();
  n.clients.receive('d', 'MODE #priv -o dave');
  n.pump(); n.sent();
  const cases: [string, string, string][] = [
    ['a', 'INVITE bob', ':tslink.test 461 alice INVITE :Not enough parameters'],
    ['a', 'INVITE nobody #priv', ':tslink.test 401 alice nobody :No such nick/channel'],
    ['a', 'INVITE bob #nochan', ':tslink.test 403 alice #nochan :No such channel'],
    ['a', 'INVITE bob #lobby', ':tslink.test 442 alice #lobby :You\'re not on that channel'],
    ['a', 'INVITE dave #priv', ':tslink.test 443 alice dave #priv :is already on channel'],
  ];
  for (const [id, line, want] of cases) {
    n.clients.receive(id, line);
    assert.deepEqual(n.pump().get(id)!.map(body), [want], line);
  }
  n.clients.receive('a', 'MODE #priv +V');
  n.pump(); n.sent();
  n.clients.receive('a', 'INVITE bob #priv');
  assert.deepEqual(n.pump().get('a')!.map(body), [':tslink.test 518 alice :Cannot invite (+V) at channel #priv']);
  n.clients.receive('a', 'MODE #priv -V');
  n.pump();
  n.clients.receive('d', 'INVITE bob #priv');
  assert.deepEqual(n.pump().get('d')!.map(body), [':tslink.test 482 dave #priv :You\'re not channel operator']);
  assert.deepEqual(n.sent().to('hub').filter((l) => l.includes('INVITE')), [], 'no INVITE crosses after an error');
});

test('INVITE from the network: the local target gets it and may join past +i; INVITE alone lists it (336, 337)', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB, CAROL, ':001 SJOIN 1795305000 #lobby +int :@001AAAAAB 001AAAAAC'] });
  register(n, 'a', 'alice');
  n.clients.receive('a', 'JOIN #lobby');
  assert.deepEqual(n.pump().get('a')!.map(body), [':tslink.test 473 alice #lobby :Cannot join channel (+i)']);
  n.engine.receive('hub', '@msgid=inv1;time=2026-11-22T00:02:20.285Z :001AAAAAB INVITE 0TSAAAAAA #lobby 0');
  assert.deepEqual(n.pump().get('a'), [':bob!bob@Clk-X.example.org INVITE alice :#lobby']);
  n.clients.receive('a', 'INVITE');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 336 alice :#lobby', ':tslink.test 337 alice :End of /INVITE list.']);
  n.clients.receive('a', 'JOIN #lobby');
  assert.equal(body(n.pump().get('a')![0]), `:alice!alice@${host} JOIN :#lobby`);
});

test('an invite by a non-op from the network is delivered but does not open +i (invite.c add_invite only for o/a/q)', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB, CAROL, ':001 SJOIN 1795305000 #lobby +int :@001AAAAAB 001AAAAAC'] });
  register(n, 'a', 'alice');
  n.pump();
  n.engine.receive('hub', ':001AAAAAC INVITE 0TSAAAAAA #lobby 0');
  assert.deepEqual(n.pump().get('a'), [':carol!carol@198.51.100.3 INVITE alice :#lobby']);
  n.clients.receive('a', 'JOIN #lobby');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 473 alice #lobby :Cannot join channel (+i)']);
});
