// SASL of local clients relayed to the network's services, as UnrealIRCd 6's sasl.c does it,
// checked against a real Engine (tslink.test, 0TS) linked to a scripted hub (hub.test, 001)
// behind which a fake services server (services.test, 00A, U-lined) has its SaslServ agent.
// The S2S lines expected are those of the captures in fixtures/services/ (atheme-unreal6.txt,
// anope-unreal6.txt): H <ip> <ip>, S <mech>, C <data>, SVSLOGIN, D S / D F, "SASL * <uid> D A".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leafNode, register, TIMEOUT, type Node } from './clientHarness.ts';
import type { ClientConfig } from '../../src/client/config.ts';
import { parseConfigText } from '../../src/config/index.ts';
import { saslConfigOf } from '../../src/runtime/clientAdmission.ts';

const PLAIN = Buffer.from('alice\0alice\0s3cretPass!').toString('base64');

/** A leaf with set::sasl-server "services.test"; the services server linked behind the hub unless told not to. */
function saslNode(o: { services?: boolean; mechs?: string | null; sasl?: Partial<ClientConfig['sasl']> } = {}): Node {
  const n = leafNode({ cfg: { sasl: { server: 'services.test', servicesServer: null, timeout: 15, ...(o.sasl ?? {}) } } });
  n.engine.ulines.add('services.test');
  if (o.services !== false) linkServices(n, o.mechs === undefined ? 'EXTERNAL,PLAIN' : o.mechs);
  n.sent();
  return n;
}

function linkServices(n: Node, mechs: string | null): void {
  const now = n.engine.now();
  n.engine.receive('hub', ':001 SID services.test 2 00A :Atheme IRC Services');
  n.engine.receive('hub', `:00A UID SaslServ 1 ${now} SaslServ services.test 00AAAAAAE * +ioS * * * :SASL Authentication Agent`);
  n.engine.receive('hub', `:00A UID OtherServ 1 ${now} OtherServ services.test 00AAAAAAF * +ioS * * * :Another agent`);
  if (mechs !== null) n.engine.receive('hub', `:00A MD client services.test saslmechlist :${mechs}`);
  n.engine.receive('hub', ':00A EOS');
}

/** Lines from the services (through the hub link). */
function fromServices(n: Node, ...lines: string[]): void {
  for (const l of lines) n.engine.receive('hub', l);
}

/** A client that connected, asked for the sasl cap and sent NICK/USER (CAP END not yet sent). */
function saslClient(n: Node, id: string, nick: string, info: { ip?: string; certfp?: string } = {}): string[] {
  n.clients.connect(id, { ip: info.ip ?? '192.0.2.10', ...(info.certfp ? { certfp: info.certfp } : {}) });
  n.clients.receive(id, 'CAP LS 302');
  n.clients.receive(id, `NICK ${nick}`);
  n.clients.receive(id, `USER ${nick} 0 * :Real ${nick}`);
  n.clients.receive(id, 'CAP REQ :sasl');
  return n.pump().get(id) ?? [];
}

/** CAP END and the ping cookie: the client registers. Returns what it got. */
function finish(n: Node, id: string): string[] {
  n.clients.receive(id, 'CAP END');
  const got = n.pump().get(id) ?? [];
  const ping = got.find((l) => l.startsWith('PING :'));
  if (ping) n.clients.receive(id, `PONG :${ping.slice(6)}`);
  return [...got, ...(n.pump().get(id) ?? [])];
}

const uidOf = (n: Node, id: string): string => n.clients.sessions.get(id)!.uid;

test('CAP LS offers sasl with the services\' saslmechlist as its 302 value, and plain "sasl" before 302', { timeout: TIMEOUT }, () => {
  const n = saslNode();
  n.clients.connect('c1', { ip: '192.0.2.10' });
  n.clients.receive('c1', 'CAP LS 302');
  const ls = n.pump().get('c1')!.join('\n');
  assert.match(ls, / multi-prefix sasl=EXTERNAL,PLAIN server-time /);
  n.clients.connect('c2', { ip: '192.0.2.11' });
  n.clients.receive('c2', 'CAP LS');
  assert.match(n.pump().get('c2')!.join('\n'), / multi-prefix sasl server-time /);
});

test('sasl is not offered (and REQ is NAKed) without a SASL server, or while the SASL server is not linked', { timeout: TIMEOUT }, () => {
  const none = saslNode({ sasl: { server: null } });
  none.clients.connect('c1', { ip: '192.0.2.10' });
  none.clients.receive('c1', 'CAP LS 302');
  none.clients.receive('c1', 'CAP REQ :sasl');
  const got = none.pump().get('c1')!;
  assert.ok(!got.join('\n').includes('sasl='), got.join('\n'));
  assert.match(got.at(-1)!, / CAP \* NAK :sasl$/);
  const unlinked = saslNode({ services: false });
  unlinked.clients.connect('c1', { ip: '192.0.2.10' });
  unlinked.clients.receive('c1', 'CAP LS 302');
  assert.ok(!unlinked.pump().get('c1')!.join('\n').includes(' sasl'));
});

test('set::services-server is used for SASL once it advertises MD saslmechlist (auto-discovery)', { timeout: TIMEOUT }, () => {
  const n = saslNode({ services: false, sasl: { server: null, servicesServer: 'services.test' } });
  linkServices(n, null);
  n.clients.connect('c1', { ip: '192.0.2.10' });
  n.clients.receive('c1', 'CAP LS 302');
  assert.ok(!n.pump().get('c1')!.join('\n').includes('sasl'), 'no saslmechlist: no SASL server');
  fromServices(n, ':00A MD client services.test saslmechlist :PLAIN');
  n.clients.receive('c1', 'CAP LS 302');
  assert.match(n.pump().get('c1')!.join('\n'), / sasl=PLAIN /);
});

test('SASL PLAIN: H and S to the SASL server, C both ways, SVSLOGIN gives 900, D S gives 903, the UID carries the account', { timeout: TIMEOUT }, () => {
  const n = saslNode();
  saslClient(n, 'c1', 'alice', { ip: '127.0.0.1' });
  n.clients.receive('c1', 'AUTHENTICATE PLAIN');
  const uid = uidOf(n, 'c1');
  assert.match(uid, /^0TS[A-Z0-9]{6}$/);
  assert.deepEqual(n.sent().to('hub'), [
    `:tslink.test SASL services.test ${uid} H 127.0.0.1 127.0.0.1`,
    `:tslink.test SASL services.test ${uid} S PLAIN`,
  ]);
  // atheme answers with the UID as the target and SaslServ as the source (atheme-unreal6.txt)
  fromServices(n, `:SaslServ SASL ${uid} ${uid} C +`);
  assert.deepEqual(n.pump().get('c1'), ['AUTHENTICATE +']);
  n.clients.receive('c1', `AUTHENTICATE ${PLAIN}`);
  assert.deepEqual(n.sent().to('hub'), [`:tslink.test SASL services.test ${uid} C ${PLAIN}`]);
  fromServices(n, `:SaslServ SVSLOGIN ${uid} ${uid} alice`, `:SaslServ SASL ${uid} ${uid} D S`);
  assert.deepEqual(n.pump().get('c1'), [
    ':tslink.test 900 alice alice!alice@127.0.0.1 alice :You are now logged in as alice.',
    ':tslink.test 903 alice :SASL authentication successful',
  ]);
  // SVSLOGIN is relayed on (it is a broadcast); no SASL line goes anywhere for us
  assert.deepEqual(n.sent().to('hub'), []);
  const got = finish(n, 'c1');
  assert.ok(!got.some((l) => / 906 /.test(l)), 'no 906 after a success');
  const sent = n.sent().to('hub');
  const uidLine = sent.find((l) => / UID alice /.test(l))!;
  assert.match(uidLine, new RegExp(` UID alice 0 \\d+ alice localhost ${uid} alice \\+`));
  assert.ok(!sent.some((l) => / SASL /.test(l)), 'no D A after a success');
  assert.equal(n.engine.net.user(uid)!.account, 'alice');
  // WHOIS shows 330, and what alice sends carries account= to account-tag clients
  n.clients.receive('c1', 'WHOIS alice');
  assert.ok(n.pump().get('c1')!.includes(':tslink.test 330 alice alice alice :is logged in as'));
});

test('SASL EXTERNAL: the S line carries the client certificate fingerprint', { timeout: TIMEOUT }, () => {
  const n = saslNode();
  const fp = 'a'.repeat(64);
  saslClient(n, 'c1', 'bob', { certfp: fp });
  n.clients.receive('c1', 'AUTHENTICATE EXTERNAL');
  const uid = uidOf(n, 'c1');
  assert.deepEqual(n.sent().to('hub'), [
    `:tslink.test SASL services.test ${uid} H 192.0.2.10 192.0.2.10`,
    `:tslink.test SASL services.test ${uid} S EXTERNAL ${fp}`,
  ]);
});

test('a failed login: 904 and 7 s of fake lag; registering afterwards gives 906 and "SASL * <uid> D A"', { timeout: TIMEOUT }, () => {
  const n = saslNode();
  saslClient(n, 'c1', 'bob');
  n.clients.receive('c1', 'AUTHENTICATE PLAIN');
  const uid = uidOf(n, 'c1');
  fromServices(n, `:SaslServ SASL ${uid} ${uid} C +`);
  n.clients.receive('c1', `AUTHENTICATE ${Buffer.from('bob\0bob\0wrong').toString('base64')}`);
  const s = n.clients.sessions.get('c1')!;
  const lagBefore = s.fakeLag;
  fromServices(n, `:SaslServ SASL ${uid} ${uid} D F`);
  assert.deepEqual(n.pump().get('c1'), ['AUTHENTICATE +', ':tslink.test 904 bob :SASL authentication failed']);
  assert.equal(s.fakeLag - lagBefore, 7);
  n.sent();
  // Registration is held by the fake lag the failure added: let the clock catch up
  n.engine.clock.advance(8);
  n.clients.tick();
  const got = finish(n, 'c1');
  assert.ok(got.includes(':tslink.test 906 bob :SASL authentication aborted'), got.join('\n'));
  const sent = n.sent().to('hub');
  const iUid = sent.findIndex((l) => / UID bob /.test(l));
  assert.ok(iUid >= 0 && / UID bob 0 \d+ bob \S+ \S+ 0 \+/.test(sent[iUid]), 'UID without an account');
  assert.ok(sent.indexOf(`:tslink.test SASL * ${uid} D A`) > iUid, `D A after the UID:\n${sent.join('\n')}`);
});

test('AUTHENTICATE limits: nothing without the sasl cap, 905 over 400 bytes, 972 for a parameter with a space or a leading colon', { timeout: TIMEOUT }, () => {
  const n = saslNode();
  n.clients.connect('c1', { ip: '192.0.2.10' });
  n.clients.receive('c1', 'AUTHENTICATE PLAIN');
  assert.deepEqual(n.pump().get('c1') ?? [], []);
  assert.deepEqual(n.sent().to('hub'), []);
  saslClient(n, 'c2', 'carl');
  n.clients.receive('c2', `AUTHENTICATE ${'A'.repeat(401)}`);
  n.clients.receive('c2', 'AUTHENTICATE :two words');
  n.clients.receive('c2', 'AUTHENTICATE ::x');
  assert.deepEqual(n.pump().get('c2'), [
    ':tslink.test 905 carl :SASL message too long',
    ':tslink.test 972 carl AUTHENTICATE :Invalid parameter',
    ':tslink.test 972 carl AUTHENTICATE :Invalid parameter',
  ]);
  assert.deepEqual(n.sent().to('hub'), []);
  n.clients.receive('c2', `AUTHENTICATE ${'A'.repeat(400)}`);
  assert.equal(n.sent().to('hub').length, 2, 'exactly 400 bytes is relayed (H and S)');
});

test('only the first agent is listened to; C from the agent\'s server goes to the agent\'s server; M gives 908', { timeout: TIMEOUT }, () => {
  const n = saslNode();
  saslClient(n, 'c1', 'dave');
  n.clients.receive('c1', 'AUTHENTICATE PLAIN');
  const uid = uidOf(n, 'c1');
  n.sent();
  fromServices(n, `:SaslServ SASL tslink.test ${uid} C +`, `:OtherServ SASL tslink.test ${uid} C hijack`, `:OtherServ SASL tslink.test ${uid} D S`);
  assert.deepEqual(n.pump().get('c1'), ['AUTHENTICATE +']);
  n.clients.receive('c1', 'AUTHENTICATE *');
  assert.deepEqual(n.sent().to('hub'), [`:tslink.test SASL services.test ${uid} C *`]);
  fromServices(n, `:SaslServ SASL tslink.test ${uid} M EXTERNAL,PLAIN`);
  assert.deepEqual(n.pump().get('c1'), [':tslink.test 908 dave EXTERNAL,PLAIN :are available SASL mechanisms']);
  // a SASL line for another server's client, and one with too few parameters: nothing for us
  fromServices(n, `:SaslServ SASL tslink.test ${uid} C`, ':SaslServ SASL 001 001AAAAAA C +');
  assert.deepEqual(n.pump().get('c1') ?? [], []);
});

test('set::sasl-timeout: an exchange left waiting is aborted with a notice, 906 and D A to the agent\'s server', { timeout: TIMEOUT }, () => {
  const n = saslNode({ sasl: { timeout: 15 } });
  saslClient(n, 'c1', 'erin');
  n.clients.receive('c1', 'AUTHENTICATE PLAIN');
  const uid = uidOf(n, 'c1');
  fromServices(n, `:SaslServ SASL ${uid} ${uid} C +`);
  n.clients.receive('c1', `AUTHENTICATE ${PLAIN}`);
  n.pump(); n.sent();
  n.engine.clock.advance(15);
  n.clients.tick();
  assert.deepEqual(n.pump().get('c1') ?? [], [], 'not before the timeout has passed');
  n.engine.clock.advance(1);
  n.clients.tick();
  assert.deepEqual(n.pump().get('c1'), [
    ':tslink.test NOTICE erin :SASL request timed out (server or client misbehaving) -- aborting SASL and continuing connection...',
    ':tslink.test 906 erin :SASL authentication aborted',
  ]);
  assert.deepEqual(n.sent().to('hub'), [`:tslink.test SASL services.test ${uid} D A`]);
  assert.equal(n.clients.sessions.get('c1')!.closed, false, 'the connection goes on');
});

test('a client that quits in the middle of SASL: D A to the network, and the session is forgotten', { timeout: TIMEOUT }, () => {
  const n = saslNode();
  saslClient(n, 'c1', 'fred');
  n.clients.receive('c1', 'AUTHENTICATE PLAIN');
  const uid = uidOf(n, 'c1');
  n.sent();
  assert.equal(n.clients.saslPending.size, 1);
  n.clients.receive('c1', 'QUIT :bye');
  assert.deepEqual(n.sent().to('hub'), [`:tslink.test SASL * ${uid} D A`]);
  assert.equal(n.clients.saslPending.size, 0);
  assert.equal(n.clients.router.active, false);
  assert.deepEqual(n.pump().get('c1'), [':tslink.test 906 fred :SASL authentication aborted', 'ERROR :Closing Link: fred[192.0.2.10] (Quit: bye)']);
  // services answering late find no one
  fromServices(n, `:SaslServ SASL ${uid} ${uid} D S`);
  assert.deepEqual(n.pump().get('c1') ?? [], []);
});

test('services logging a registered user in (SVS2MODE +d, SVSLOGIN): 900, then account= on its messages to account-tag clients', { timeout: TIMEOUT }, () => {
  const n = saslNode();
  register(n, 'c1', 'gina');
  register(n, 'c2', 'hank');
  n.clients.receive('c2', 'CAP REQ :account-tag');
  n.pump();
  const uid = uidOf(n, 'c1');
  // Only services log users in: a user of a server that is not U-lined changes nothing, and nothing is said
  fromServices(n, `:001 UID mallory 0 ${n.engine.now()} m hub.test 001MALLRY 0 +i * * * :Mallory`);
  fromServices(n, `:mallory SVS2MODE ${uid} +d gina`, `:mallory SVSLOGIN * ${uid} gina`);
  assert.deepEqual(n.pump().get('c1') ?? [], []);
  assert.equal(n.engine.net.user(uid)!.account, '');
  fromServices(n, `:SaslServ SVS2MODE ${uid} +rd gina`);
  const got = n.pump().get('c1')!;
  assert.equal(got[0], ':tslink.test 900 gina gina!gina@192.0.2.10 gina :You are now logged in as gina.');
  n.clients.receive('c1', 'PRIVMSG hank :hi');
  const pm = n.pump().get('c2')!.find((l) => l.includes('PRIVMSG hank'))!;
  assert.match(pm, /^@account=gina :gina!/);
  fromServices(n, `:SaslServ SVSLOGIN * ${uid} 0`);
  assert.deepEqual(n.pump().get('c1'), [':tslink.test 901 gina gina!gina@192.0.2.10 :You are now logged out.']);
  assert.equal(n.engine.net.user(uid)!.account, '');
});

test('cap-notify: CAP NEW sasl=<mechs> once the SASL server has synced, CAP DEL sasl when it splits', { timeout: TIMEOUT }, () => {
  const n = saslNode({ services: false });
  register(n, 'c1', 'ivan', {}, ['CAP LS 302', 'CAP END']);
  register(n, 'c2', 'jill'); // no cap-notify: told nothing
  n.pump();
  linkServices(n, 'EXTERNAL,PLAIN');
  assert.deepEqual(n.pump().get('c1'), [':tslink.test CAP ivan NEW :sasl=EXTERNAL,PLAIN']);
  n.engine.receive('hub', ':001 SQUIT services.test :services restarting');
  const got = n.pump();
  assert.deepEqual(got.get('c1'), [':tslink.test CAP ivan DEL :sasl']);
  assert.equal(got.get('c2'), undefined);
});

test('set::sasl-server, set::services-server and set::sasl-timeout are read from the configuration (timeout: at least 5 s, else 15 s)', { timeout: TIMEOUT }, () => {
  const conf = (set: string) => {
    const res = parseConfigText(`me { name "tslink.test"; info "t"; sid "0TS"; }
listen { ip 127.0.0.1; port 6901; options { serversonly; tls; } }
set { network-name "TestNet"; ${set} }
`, 'sasl.conf');
    assert.ok(res.config, res.errors.map((e) => e.text).join('\n'));
    return saslConfigOf(res.config);
  };
  assert.deepEqual(conf('sasl-server "services.test"; services-server "svc.test"; sasl-timeout 20s;'), { server: 'services.test', servicesServer: 'svc.test', timeout: 20 });
  assert.deepEqual(conf('sasl-timeout 3;'), { server: null, servicesServer: null, timeout: 15 });
  assert.deepEqual(conf(''), { server: null, servicesServer: null, timeout: 15 });
});
