// Registration of a local client and its introduction to the network, compared with what
// UnrealIRCd 6.1.8.1 sends (fixtures/unreal6/client-view.txt for the client side,
// burst-and-live.txt for the UID lines), against a real Engine linked to a scripted hub.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { leafNode, register, body, TIMEOUT } from './clientHarness.ts';
import { splitTagsAndBody } from '../../src/wire/message.ts';
import { cloakHost } from '../../src/client/cloak.ts';
import { KEYS } from './clientHarness.ts';

const CLIENT_VIEW = fileURLToPath(new URL('../../../shared/fixtures/unreal6/client-view.txt', import.meta.url));
const captured = (() => { try { return readFileSync(CLIENT_VIEW, 'utf8').split('\n'); } catch { return readFileSync(fileURLToPath(new URL('../../fixtures/unreal6/client-view.txt', import.meta.url)), 'utf8').split('\n'); } })();
/** The lines UnrealIRCd sent to one client, as "<line>". */
function capturedTo(nick: string): string[] {
  const tag = `< [${nick}] `;
  return captured.filter((l) => l.includes(tag)).map((l) => l.slice(l.indexOf(tag) + tag.length));
}

/** A line's numeric shape: the text with the server name, nick and numbers replaced. */
function shape(line: string, server: string, nick: string): string {
  return line.split(server).join('<server>').split(` ${nick} `).join(' <nick> ').replace(/\d+/g, 'N');
}

test('registration: PING cookie, 001-005, 396, LUSERS, MOTD and the user modes as UnrealIRCd sends them', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  const got = register(n, 'c1', 'sofia7', { ip: '100.201.17.123' });
  // UnrealIRCd (client-view.txt, sofia7): PING :<8 hex>, then 001...
  assert.match(got[0], /^PING :[0-9A-F]{8}$/);
  const ref = capturedTo('sofia7');
  const welcome = got.slice(1);
  assert.equal(welcome[0], ':tslink.test 001 sofia7 :Welcome to the TestNet IRC Network sofia7!sofia7@100.201.17.123');
  assert.equal(shape(welcome[1], 'tslink.test', 'sofia7').replace('tslink-N.N.N', 'V'), shape(ref[2], 'hub.test', 'sofia7').replace('UnrealIRCd-N.N.N.N', 'V'));
  assert.match(welcome[2], /^:tslink\.test 003 sofia7 :This server was created \w{3} \w{3} \d\d \d{4} at \d\d:\d\d:\d\d UTC$/);
  // 004: the same user and channel mode lists as the hub's (same modules)
  assert.equal(welcome[3].split(' ').slice(5).join(' '), ref[4].split(' ').slice(5).join(' '));
  // 005: the same tokens, in the same lines
  const ours005 = welcome.filter((l) => l.split(' ')[1] === '005').map((l) => l.split(' ').slice(3).join(' '));
  const ref005 = ref.filter((l) => l.split(' ')[1] === '005').slice(0, 4).map((l) => l.split(' ').slice(3).join(' '));
  assert.deepEqual(ours005, ref005);
  // +x (modes-on-connect +ixw): 396 with the cloak, before LUSERS
  const cloak = cloakHost('100.201.17.123', { keys: KEYS });
  const i396 = welcome.findIndex((l) => l.includes(' 396 '));
  assert.equal(welcome[i396], `:tslink.test 396 sofia7 ${cloak} :is now your displayed host`);
  const rest = welcome.slice(i396 + 1);
  assert.deepEqual(rest.map((l) => shape(l, 'tslink.test', 'sofia7')), [
    ':<server> N <nick> :There are N users and N invisible on N servers',
    ':<server> N <nick> :I have N clients and N servers',
    ':<server> N <nick> N N :Current local users N, max N',
    ':<server> N <nick> N N :Current global users N, max N',
    ':<server> N <nick> :MOTD File is missing',
    ':sofiaN MODE <nick> :+iwx',
  ]);
  assert.equal(rest[0], ':tslink.test 251 sofia7 :There are 0 users and 1 invisible on 2 servers');
  assert.equal(rest[1], ':tslink.test 255 sofia7 :I have 1 clients and 1 servers');
});

test('the new user goes to the network as UnrealIRCd introduces its users: UID with s2s-md tags, then MD', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  n.sent();
  register(n, 'c1', 'ivanx', { ip: '2001:db8:552c:e545:0:0:0:b8b4', tls: true, certfp: 'ab'.repeat(32), tlsCipher: 'TLSv1.3-TLS_AES_256_GCM_SHA384' });
  const lines = n.engine.drain().filter((e) => e.kind === 'send' && e.link === 'hub').map((e) => (e as { line: string }).line);
  const now = n.engine.now();
  const cloak = cloakHost('2001:db8:552c:e545:0:0:0:b8b4', { keys: KEYS });
  const uid = splitTagsAndBody(lines[0]);
  assert.equal(uid.body, `:0TS UID ivanx 0 ${now} ivanx 2001:db8:552c:e545:0:0:0:b8b4 0TSAAAAAA 0 +iwxz * ${cloak} IAENuFUs5UUAAAAAAAC4tA== :Real ivanx`);
  // The early MD as s2s-md tags (their order is the engine's, as UnrealIRCd's is its modules').
  assert.deepEqual(uid.tags!.split(';').sort(), [`s2s-md/certfp=${'ab'.repeat(32)}`, `s2s-md/creationtime=${now}`, 's2s-md/tls_cipher=TLSv1.3-TLS_AES_256_GCM_SHA384']);
  // The shape of the hub's own UID lines (burst-and-live.txt): same fields, same order.
  const hubUid = '@s2s-md/webirc=1;s2s-md/creationtime=1795305733;s2s-md/operlogin=helper;s2s-md/operclass=globop :001 UID ivanx 0 1795305733 ivan 2001:db8:552c:e545:0:0:0:b8b4 001H7XA02 0 +owx * 874A133E:5B07F4AA:25E803E6:IP IAENuFUs5UUAAAAAAAC4tA== :日本語 user';
  assert.equal(splitTagsAndBody(lines[0]).body.split(' ').length, splitTagsAndBody(hubUid).body.split(' ').length);
  assert.deepEqual(lines.slice(1).map(body), [
    `:0TS MD client 0TSAAAAAA certfp :${'ab'.repeat(32)}`,
    ':0TS MD client 0TSAAAAAA tls_cipher :TLSv1.3-TLS_AES_256_GCM_SHA384',
    `:0TS MD client 0TSAAAAAA creationtime :${now}`,
  ]);
  const u = n.engine.net.userByNick('ivanx')!;
  assert.equal(u.server, n.engine.me);
  assert.equal(u.cloak, cloak);
  assert.equal(u.md.get('certfp'), 'ab'.repeat(32));
});

test('localhost connections get the host "localhost" (and its cloak)', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  const got = register(n, 'c1', 'lh', { ip: '127.0.0.1' });
  assert.ok(got.some((l) => l.endsWith('lh!lh@localhost')), got.join('\n'));
  assert.equal(n.engine.net.userByNick('lh')!.cloak, 'Clk-D596ACA8');
});

test('CAP LS 302 / REQ / LIST / END hold registration and enable caps', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  n.clients.connect('c1', { ip: '192.0.2.1' });
  n.clients.receive('c1', 'CAP LS 302');
  n.clients.receive('c1', 'NICK capper');
  n.clients.receive('c1', 'USER capper 0 * :Cap user');
  let got = n.pump().get('c1')!;
  assert.equal(got[0], ':tslink.test CAP * LS :account-tag away-notify batch cap-notify chghost echo-message extended-join invite-notify labeled-response message-tags multi-prefix server-time setname standard-replies userhost-in-names');
  assert.equal(got.length, 1, 'nothing else before CAP END');
  n.clients.receive('c1', 'CAP REQ :server-time echo-message bogus');
  n.clients.receive('c1', 'CAP REQ :server-time echo-message multi-prefix');
  n.clients.receive('c1', 'CAP LIST');
  n.clients.receive('c1', 'CAP FOO');
  got = n.pump().get('c1')!;
  assert.deepEqual(got, [
    ':tslink.test CAP capper NAK :server-time echo-message bogus',
    ':tslink.test CAP capper ACK :server-time echo-message multi-prefix',
    ':tslink.test CAP capper LIST :cap-notify server-time echo-message multi-prefix',
    ':tslink.test 410 capper FOO :Invalid CAP command',
  ]);
  n.clients.receive('c1', 'CAP END');
  got = n.pump().get('c1')!;
  assert.match(got[0], /^PING :/);
  n.clients.receive('c1', `PONG :${got[0].slice(6)}`);
  got = n.pump().get('c1')!;
  assert.match(got[0], / 001 capper /);
});

test('before registration: 451 for other commands, 433 for a nick in use, 432 for an illegal one', { timeout: TIMEOUT }, () => {
  const n = leafNode({ burst: [':001 UID taken 0 1795305700 t host.example 001AAAAAB 0 +i * * fwAAAQ== :T'] });
  n.clients.connect('c1', { ip: '192.0.2.1' });
  n.clients.receive('c1', 'JOIN #x');
  n.clients.receive('c1', 'NICK taken');
  n.clients.receive('c1', 'NICK 9bad');
  n.clients.receive('c1', 'NICK');
  n.clients.receive('c1', 'FOO bar');
  assert.deepEqual(n.pump().get('c1'), [
    ':tslink.test 451 * :You have not registered',
    ':tslink.test 433 * taken :Nickname is already in use.',
    ':tslink.test 432 * 9bad :Nickname is unavailable: Illegal characters',
    ':tslink.test 431 * :No nickname given',
    ':tslink.test 421 * FOO :Unknown command',
  ]);
  // Another connection registering with the nick holds it too.
  n.clients.receive('c1', 'NICK mine');
  n.clients.connect('c2', { ip: '192.0.2.2' });
  n.clients.receive('c2', 'NICK Mine');
  assert.deepEqual(n.pump().get('c2'), [':tslink.test 433 * Mine :Nickname is already in use.']);
});

test('registration timeout after set::handshake-timeout (30 s), as UnrealIRCd words it', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  n.clients.connect('c1', { ip: '192.0.2.7' });
  n.clients.receive('c1', 'NICK slow');
  n.engine.clock.advance(30);
  n.clients.tick();
  assert.equal(n.closed.size + (n.pump(), n.closed.size), 0);
  n.engine.clock.advance(1);
  n.clients.tick();
  const got = n.pump().get('c1')!;
  assert.equal(got.at(-1), 'ERROR :Closing Link: slow[192.0.2.7] (Registration Timeout)');
  assert.equal(n.closed.get('c1'), 'Registration Timeout');
});

test('ping: PING is answered with PONG; an idle user is pinged and times out after 2 x pingfreq', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  register(n, 'c1', 'idle');
  n.clients.receive('c1', 'PING :abc');
  assert.deepEqual(n.pump().get('c1'), [':tslink.test PONG tslink.test :abc']);
  n.engine.clock.advance(90);
  n.clients.tick();
  assert.deepEqual(n.pump().get('c1'), ['PING :tslink.test']);
  n.engine.clock.advance(89);
  n.clients.tick();
  assert.equal(n.pump().get('c1'), undefined);
  n.engine.clock.advance(1);
  n.clients.tick();
  assert.match(n.pump().get('c1')!.at(-1)!, /^ERROR :Closing Link: idle\[192\.0\.2\.10\] \(Ping timeout: 180 seconds\)$/);
  // and the network is told
  assert.ok(n.sent().to('hub').some((l) => l === ':0TSAAAAAA QUIT :Ping timeout: 180 seconds'), 'the QUIT reaches the hub');
});
