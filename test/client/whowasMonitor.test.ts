// WHOWAS (bounded history of quits and nick changes, whowas.c) and MONITOR (monitor.c: 730-734)
// for local users, with users coming and going on the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leafNode, register, body, TIMEOUT } from './clientHarness.ts';
import { WhowasHistory } from '../../src/client/whowasHistory.ts';
import { ctimeString } from '../../src/client/commands/whowas.ts';
import { clientConfig } from '../../src/client/config.ts';

const BOB = ':001 UID bob 0 1795305700 bob host-9.example.org 001AAAAAB 0 +iwx * Clk-X.example.org xhICDA== :Bob';

test('WHOWAS after a quit on the network: 314 with the virtual host, 312 with the server and the time, 369', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB] });
  register(n, 'a', 'alice');
  n.pump();
  const at = n.engine.now();
  n.engine.receive('hub', ':001AAAAAB QUIT :bye');
  n.clients.receive('a', 'WHOWAS bob');
  assert.deepEqual(n.pump().get('a'), [
    ':tslink.test 314 alice bob bob Clk-X.example.org * :Bob',
    `:tslink.test 312 alice bob hub.test :${ctimeString(at)}`,
    ':tslink.test 369 alice bob :End of WHOWAS',
  ]);
  n.clients.receive('a', 'WHOWAS nobody');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 406 alice nobody :There was no such nickname', ':tslink.test 369 alice nobody :End of WHOWAS']);
  n.clients.receive('a', 'WHOWAS');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 431 alice :No nickname given']);
});

test('WHOWAS remembers old nicks of a nick change, newest first, and the count limits the replies', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB] });
  register(n, 'a', 'alice');
  n.engine.receive('hub', ':001AAAAAB NICK bobby 1795305800');
  n.engine.receive('hub', ':001AAAAAB NICK bob 1795305801');
  n.engine.receive('hub', ':001AAAAAB NICK other 1795305802');
  n.pump();
  n.clients.receive('a', 'WHOWAS bob');
  assert.equal(n.pump().get('a')!.filter((l) => l.includes(' 314 ')).length, 2);
  n.clients.receive('a', 'WHOWAS bob 1');
  assert.equal(n.pump().get('a')!.filter((l) => l.includes(' 314 ')).length, 1);
});

test('the WHOWAS history is bounded: the oldest entry makes room (UnrealIRCd NICKNAMEHISTORYLENGTH 2000 by default)', { timeout: TIMEOUT }, () => {
  const h = new WhowasHistory(3);
  assert.equal(new WhowasHistory().size, 2000);
  const n = leafNode({ burst: [BOB] });
  const bob = n.engine.net.userByNick('bob')!;
  for (const nick of ['a1', 'a2', 'a3', 'a4']) h.add(bob, 1, nick);
  assert.equal(h.count, 3);
  assert.deepEqual(h.find('a1'), []);
  assert.equal(h.find('A4')[0].nick, 'a4');
});

test('MONITOR + gives the status at once (730 online, 731 offline), then 730/731 as users come and go on the network', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB] });
  register(n, 'a', 'alice');
  n.pump();
  n.clients.receive('a', 'MONITOR + bob,Erin');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 730 alice :bob!bob@Clk-X.example.org', ':tslink.test 731 alice :Erin']);
  n.engine.receive('hub', ':001 UID erin 0 1795305703 erin 203.0.113.5 001AAAAAE 0 +w * * y3EABQ== :Erin');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 730 alice :erin!erin@203.0.113.5']);
  n.engine.receive('hub', ':001AAAAAB QUIT :bye');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 731 alice :bob']);
  n.engine.receive('hub', ':001AAAAAE NICK bob 1795305900');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 731 alice :erin', ':tslink.test 730 alice :bob!erin@203.0.113.5']);
  n.engine.linkDown('hub', 'Connection closed');
  assert.deepEqual(n.pump().get('a')?.filter((l) => / 73\d /.test(l)), [':tslink.test 731 alice :bob']);
});

test('MONITOR L / S / - / C, and the list bounded by MONITOR= (734 when full)', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB], cfg: { limits: { ...clientConfig().limits, monitor: 2 } } });
  register(n, 'a', 'alice');
  n.pump();
  n.clients.receive('a', 'MONITOR + bob,carol,dan');
  assert.deepEqual(n.pump().get('a'), [
    ':tslink.test 730 alice :bob!bob@Clk-X.example.org', ':tslink.test 731 alice :carol', ':tslink.test 734 alice 2 dan :Monitor list is full.',
  ]);
  n.clients.receive('a', 'MONITOR L');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 732 alice :bob', ':tslink.test 732 alice :carol', ':tslink.test 733 alice :End of MONITOR list']);
  n.clients.receive('a', 'MONITOR S');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 730 alice :bob!bob@Clk-X.example.org', ':tslink.test 731 alice :carol']);
  n.clients.receive('a', 'MONITOR - bob');
  n.clients.receive('a', 'MONITOR L');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 732 alice :carol', ':tslink.test 733 alice :End of MONITOR list']);
  n.clients.receive('a', 'MONITOR C');
  n.clients.receive('a', 'MONITOR');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 733 alice :End of MONITOR list']);
  n.engine.receive('hub', ':001AAAAAB QUIT :bye');
  assert.equal(n.pump().get('a'), undefined, 'nothing for a nick no longer monitored');
});

test('a local user watched by another local user: 730 when it registers, 731 when it quits', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  register(n, 'a', 'alice');
  n.clients.receive('a', 'MONITOR + zed');
  n.pump();
  register(n, 'z', 'zed');
  // register() pumped the effects: alice's lines are in seen.
  assert.equal(n.seen.get('a')!.at(-1), `:tslink.test 730 alice :zed!zed@${n.engine.net.userByNick('zed')!.cloak}`);
  n.clients.receive('z', 'QUIT :x');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 731 alice :zed']);
});

test('WHOWAS <nick> <count> <server> is hunted as hunt_server() does (whowas.c: parc > 3); a remote asker gets at most 20 entries, over S2S', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [BOB] });
  register(n, 'a', 'alice');
  n.pump(); n.sent();
  // To another server: the request crosses the link with the server replaced by its SID; nothing answered here.
  n.clients.receive('a', 'WHOWAS bob 1 hub.test');
  assert.deepEqual(n.pump().get('a') ?? [], []);
  assert.deepEqual(n.sent().to('hub').map(body), [':0TSAAAAAA WHOWAS bob 1 001']);
  n.clients.receive('a', 'WHOWAS bob 1 nosuch.test');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 402 alice nosuch.test :No such server']);
  n.clients.receive('a', 'WHOWAS bob 1 tslink.test');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 406 alice bob :There was no such nickname', ':tslink.test 369 alice bob :End of WHOWAS']);
  assert.deepEqual(n.sent().to('hub'), []);
  // A remote user's WHOWAS hunted to us: answered toward it, the count cut to 20.
  for (let i = 0; i < 25; i++) {
    const uid = `001GONE${String(i).padStart(2, '0')}`;
    n.engine.receive('hub', `:001 UID gone 0 ${1795305700 + i} gone gone.example ${uid} 0 +i * * xhICDA== :Gone ${i}`);
    n.engine.receive('hub', `:${uid} QUIT :bye`);
  }
  n.pump(); n.sent();
  n.engine.receive('hub', ':001AAAAAB WHOWAS gone 30 0TS');
  const out = n.sent().to('hub').map(body);
  assert.equal(out.filter((l) => l.startsWith(':tslink.test 314 bob gone ')).length, 20, out.join('\n'));
  assert.equal(out.at(-1), ':tslink.test 369 bob gone :End of WHOWAS');
  n.engine.receive('hub', ':001AAAAAB WHOWAS gone 3 0TS');
  assert.equal(n.sent().to('hub').map(body).filter((l) => l.includes(' 314 bob gone ')).length, 3);
});
