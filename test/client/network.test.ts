// Local clients and the network: what crosses the link in S2S form, and what local users see in
// client form (formats from fixtures/unreal6/client-view.txt), against a real Engine linked to a
// scripted hub, and between two real engines (test/s2s/harness.ts pump()).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leafNode, register, body, TIMEOUT, KEYS } from './clientHarness.ts';
import { hub, connect, pump } from '../s2s/harness.ts';
import { LocalClients } from '../../src/client/clients.ts';
import { clientConfig } from '../../src/client/config.ts';
import { cloakHost } from '../../src/client/cloak.ts';

const BOB = ':001 UID bob 0 1795305700 bob host-9.example.org 001AAAAAB 0 +iwx * Clk-X.example.org xhICDA== :Bob';
const CAROL = ':001 UID carol 0 1795305701 carol 198.51.100.3 001AAAAAC 0 +w * * xjNkAw== :Carol';

function setup() {
  const n = leafNode({ burst: [BOB, CAROL, ':001 SJOIN 1795305000 #lobby +nt :@001AAAAAB 001AAAAAC', 'TOPIC #lobby bob!bob@Clk-X.example.org 1795305100 :Welcome'] });
  const aliceHost = cloakHost('192.0.2.10', { keys: KEYS });
  register(n, 'a', 'alice');
  n.sent();
  return { n, alice: `alice!alice@${aliceHost}` };
}

test('JOIN of an existing channel: SJOIN to the hub, JOIN/332/333/353/366 to the client', { timeout: TIMEOUT }, () => {
  const { n, alice } = setup();
  n.clients.receive('a', 'JOIN #lobby');
  assert.deepEqual(n.pump().get('a'), [
    `:${alice} JOIN :#lobby`,
    ':tslink.test 332 alice #lobby :Welcome',
    ':tslink.test 333 alice #lobby bob!bob@Clk-X.example.org 1795305100',
    ':tslink.test 353 alice = #lobby :alice carol @bob',
    ':tslink.test 366 alice #lobby :End of /NAMES list.',
  ].map((l, i) => (i === 3 ? l.replace('alice carol @bob', namesOrder(n)) : l)));
  assert.deepEqual(n.sent().to('hub'), [':0TS SJOIN 1795305000 #lobby :0TSAAAAAA']);
});

/** NAMES lists members in the engine's member order; compute the expected text from it. */
function namesOrder(n: ReturnType<typeof leafNode>): string {
  const ch = n.engine.net.channel('#lobby')!;
  return [...ch.members.values()].map((m) => (m.modes.includes('o') ? '@' : '') + m.user.nick).join(' ');
}

test('a new channel: SJOIN with @ and MODE +nt to the hub, as UnrealIRCd sends them; the creator sees JOIN, MODE, NAMES', { timeout: TIMEOUT }, () => {
  const { n, alice } = setup();
  const now = n.engine.now();
  n.clients.receive('a', 'JOIN #new');
  assert.deepEqual(n.pump().get('a'), [
    `:${alice} JOIN :#new`,
    ':tslink.test MODE #new +nt ',
    ':tslink.test 353 alice = #new :@alice',
    ':tslink.test 366 alice #new :End of /NAMES list.',
  ]);
  const toHub = n.sent().to('hub');
  assert.equal(toHub[0], `:0TS SJOIN ${now} #new :@0TSAAAAAA`);
  assert.match(toHub[1], new RegExp(`^:0TS MODE #new \\+nt +${now}$`));
});

test('messages both ways: channel and private, with server-time/msgid for clients that asked, echo-message', { timeout: TIMEOUT }, () => {
  const { n, alice } = setup();
  n.clients.receive('a', 'CAP REQ :server-time message-tags echo-message');
  n.clients.receive('a', 'JOIN #lobby');
  n.pump(); n.sent();
  // from the hub to the channel and to alice
  n.engine.receive('hub', '@unrealircd.org/userhost=bob@host-9.example.org;msgid=F9kb5AFNoeTmlnB8zdYpkC;time=2026-11-22T00:02:20.285Z :bob PRIVMSG #lobby :hello everyone');
  n.engine.receive('hub', '@msgid=WdHGM5dMDaZaXlligSjuXg;time=2026-11-22T00:02:20.586Z :001AAAAAB PRIVMSG 0TSAAAAAA :hi alice');
  n.engine.receive('hub', ':001AAAAAC NOTICE alice :a notice');
  const got = n.pump().get('a')!;
  assert.equal(got[0], '@msgid=F9kb5AFNoeTmlnB8zdYpkC;time=2026-11-22T00:02:20.285Z :bob!bob@Clk-X.example.org PRIVMSG #lobby :hello everyone');
  assert.equal(got[1], '@msgid=WdHGM5dMDaZaXlligSjuXg;time=2026-11-22T00:02:20.586Z :bob!bob@Clk-X.example.org PRIVMSG alice :hi alice');
  assert.match(got[2], /^@msgid=[A-Za-z0-9]{22};time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z :carol!carol@198\.51\.100\.3 NOTICE alice :a notice$/);
  // from alice: S2S forms as UnrealIRCd sends them (channel by nick, user by UID), tags userhost/userip/msgid/time
  n.clients.receive('a', 'PRIVMSG #lobby :hello from tslink');
  n.clients.receive('a', 'PRIVMSG bob :private reply');
  const raw = n.engine.drain().filter((e) => e.kind === 'send').map((e) => (e as { line: string }).line);
  assert.match(raw[0], /^@unrealircd\.org\/userhost=alice@192\.0\.2\.10;unrealircd\.org\/userip=alice@192\.0\.2\.10;msgid=[A-Za-z0-9]{22};time=[0-9T:.Z-]+ :alice PRIVMSG #lobby :hello from tslink$/);
  assert.equal(body(raw[1]), ':0TSAAAAAA PRIVMSG 001AAAAAB :private reply');
  // echo-message: alice sees her own lines, with the msgid that went to the network
  const echo = n.pump().get('a')!;
  assert.equal(body(echo[0]), `:${alice} PRIVMSG #lobby :hello from tslink`);
  const msgidOf = (l: string) => l.slice(1, l.indexOf(' ')).split(';').find((t) => t.startsWith('msgid='));
  assert.equal(msgidOf(echo[0]), msgidOf(raw[0]));
  assert.equal(body(echo[1]), `:${alice} PRIVMSG bob :private reply`);
});

test('PRIVMSG errors as UnrealIRCd words them: 401, 404 (+n, +m), 411, 412; 301 for an away target', { timeout: TIMEOUT }, () => {
  const { n } = setup();
  n.engine.receive('hub', ':001AAAAAB AWAY :gone fishing');
  n.engine.receive('hub', ':001 SJOIN 1795305000 #mod +m :@001AAAAAB');
  n.pump();
  n.clients.receive('a', 'PRIVMSG nobody :x');
  n.clients.receive('a', 'PRIVMSG #lobby :x');
  n.clients.receive('a', 'PRIVMSG');
  n.clients.receive('a', 'PRIVMSG bob');
  n.clients.receive('a', 'PRIVMSG bob :x');
  assert.deepEqual(n.pump().get('a'), [
    ':tslink.test 401 alice nobody :No such nick/channel',
    ':tslink.test 404 alice #lobby :No external channel messages (#lobby)',
    ':tslink.test 411 alice :No recipient given (PRIVMSG)',
    ':tslink.test 412 alice :No text to send',
    ':tslink.test 301 alice bob :gone fishing',
  ]);
  n.clients.receive('a', 'JOIN #mod');
  n.pump();
  n.clients.receive('a', 'PRIVMSG #mod :x');
  n.clients.receive('a', 'NOTICE #lobby :x');
  assert.deepEqual(n.pump().get('a'), [':tslink.test 404 alice #mod :You need voice (+v) (#mod)']);
});

test('channel events from the network in client form: JOIN, MODE, TOPIC, KICK, PART, NICK, QUIT, AWAY (away-notify)', { timeout: TIMEOUT }, () => {
  const { n, alice } = setup();
  n.clients.receive('a', 'CAP REQ :away-notify');
  n.clients.receive('a', 'JOIN #lobby');
  n.pump(); n.sent();
  n.engine.receive('hub', ':001 UID dave 0 1795305702 dave 203.0.113.4 001AAAAAD 0 +w * * y3EABA== :Dave');
  n.engine.receive('hub', ':001 SJOIN 1795305000 #lobby :001AAAAAD');
  n.engine.receive('hub', ':001AAAAAB MODE #lobby +v-v+lb dave dave 30 *!*@bad.example');
  n.engine.receive('hub', ':001AAAAAB MODE #lobby +o alice');
  n.engine.receive('hub', ':001AAAAAB TOPIC #lobby bob!bob@Clk-X.example.org 1795305800 :New topic');
  n.engine.receive('hub', ':001AAAAAB KICK #lobby 001AAAAAD :behave');
  n.engine.receive('hub', ':001AAAAAC PART #lobby :see you');
  n.engine.receive('hub', ':001AAAAAB NICK bobby 1795305801');
  n.engine.receive('hub', ':001AAAAAB AWAY :lunch');
  n.engine.receive('hub', ':bobby AWAY');
  n.engine.receive('hub', ':001AAAAAB QUIT :Quit: bye');
  assert.deepEqual(n.pump().get('a'), [
    ':dave!dave@203.0.113.4 JOIN :#lobby',
    ':bob!bob@Clk-X.example.org MODE #lobby +lb 30 *!*@bad.example',
    ':bob!bob@Clk-X.example.org MODE #lobby +o alice',
    ':bob!bob@Clk-X.example.org TOPIC #lobby :New topic',
    ':bob!bob@Clk-X.example.org KICK #lobby dave :behave',
    ':carol!carol@198.51.100.3 PART #lobby :see you',
    ':bob!bob@Clk-X.example.org NICK :bobby',
    ':bobby!bob@Clk-X.example.org AWAY :lunch',
    ':bobby!bob@Clk-X.example.org AWAY',
    ':bobby!bob@Clk-X.example.org QUIT :Quit: bye',
  ]);
  void alice;
});

test('channel operations by the local user: MODE, TOPIC, KICK, PART cross in S2S form and are shown to the user', { timeout: TIMEOUT }, () => {
  const { n, alice } = setup();
  n.clients.receive('a', 'JOIN #new');
  n.pump(); n.sent();
  n.engine.receive('hub', ':001 SJOIN 1 #new :001AAAAAC');
  n.pump(); n.sent();
  n.clients.receive('a', 'MODE #new +ov-t carol carol');
  n.clients.receive('a', 'MODE #new +k sekrit');
  n.clients.receive('a', 'TOPIC #new :Our topic');
  n.clients.receive('a', 'MODE #new');
  n.clients.receive('a', 'MODE #new +b');
  n.clients.receive('a', 'KICK #new carol :out');
  n.clients.receive('a', 'PART #new :bye');
  const ts = n.engine.now();
  assert.deepEqual(n.pump().get('a'), [
    `:${alice} MODE #new +ov-t carol carol`,
    `:${alice} MODE #new +k sekrit`,
    `:${alice} TOPIC #new :Our topic`,
    ':tslink.test 324 alice #new +kn sekrit',
    `:tslink.test 329 alice #new ${ts}`,
    ':tslink.test 368 alice #new :End of Channel Ban List',
    `:${alice} KICK #new carol :out`,
    `:${alice} PART #new :bye`,
  ]);
  assert.deepEqual(n.sent().to('hub'), [
    ':0TSAAAAAA MODE #new +ov-t carol carol',
    ':0TSAAAAAA MODE #new +k sekrit',
    `:0TSAAAAAA TOPIC #new alice!alice@${alice.split('@')[1]} ${ts} :Our topic`,
    ':0TSAAAAAA KICK #new 001AAAAAC :out',
    ':0TSAAAAAA PART #new :bye',
  ]);
});

test('a non-op gets 482 for MODE and (on +t) TOPIC; user MODE shows 221 and a change', { timeout: TIMEOUT }, () => {
  const { n } = setup();
  n.clients.receive('a', 'JOIN #lobby');
  n.pump(); n.sent();
  n.clients.receive('a', 'MODE #lobby +m');
  n.clients.receive('a', 'TOPIC #lobby :mine');
  n.clients.receive('a', 'MODE alice');
  n.clients.receive('a', 'MODE bob +i');
  n.clients.receive('a', 'MODE alice -i');
  assert.deepEqual(n.pump().get('a'), [
    ':tslink.test 482 alice #lobby :You\'re not channel operator',
    ':tslink.test 482 alice #lobby :You\'re not channel operator',
    ':tslink.test 221 alice +iwx',
    ':tslink.test 502 alice :Cant change mode for other users',
    ':alice MODE alice :-i',
  ]);
  // (the engine relays a user's UMODE2 with its UID as source; UnrealIRCd writes the nick)
  assert.deepEqual(n.sent().to('hub'), [':0TSAAAAAA UMODE2 -i']);
});

test('WHOIS, WHO, WHOX and NAMES formats (multi-prefix, userhost-in-names)', { timeout: TIMEOUT }, () => {
  const { n, alice } = setup();
  n.clients.receive('a', 'JOIN #lobby');
  n.pump();
  n.clients.receive('a', 'WHOIS bob');
  n.clients.receive('a', 'WHOIS nobody');
  assert.deepEqual(n.pump().get('a'), [
    ':tslink.test 311 alice bob bob Clk-X.example.org * :Bob',
    ':tslink.test 319 alice bob :@#lobby ',
    ':tslink.test 312 alice bob hub.test :Fake leaf',
    ':tslink.test 318 alice bob :End of /WHOIS list.',
    ':tslink.test 401 alice nobody :No such nick/channel',
    ':tslink.test 318 alice nobody :End of /WHOIS list.',
  ]);
  n.clients.receive('a', 'WHOIS alice');
  const self = n.pump().get('a')!;
  assert.equal(self[1], ':tslink.test 379 alice alice :is using modes +iwx ');
  assert.equal(self[2], ':tslink.test 378 alice alice :is connecting from *@192.0.2.10 192.0.2.10');
  assert.match(self.at(-2)!, /^:tslink\.test 317 alice alice 0 \d+ :seconds idle, signon time$/);
  n.clients.receive('a', 'WHO bob');
  n.clients.receive('a', 'WHO #lobby %tcnuhfar,42');
  const who = n.pump().get('a')!;
  assert.equal(who[0], ':tslink.test 352 alice #lobby bob Clk-X.example.org hub.test bob H@ :1 Bob');
  assert.equal(who[1], ':tslink.test 315 alice bob :End of /WHO list.');
  assert.ok(who.includes(':tslink.test 354 alice 42 #lobby bob Clk-X.example.org bob H@ 0 :Bob'), who.join('\n'));
  assert.equal(who.at(-1), ':tslink.test 315 alice #lobby :End of /WHO list.');
  n.engine.receive('hub', ':001AAAAAB MODE #lobby +v bob');
  n.clients.receive('a', 'CAP REQ :multi-prefix userhost-in-names');
  n.clients.receive('a', 'NAMES #lobby');
  const names = n.pump().get('a')!.filter((l) => l.includes(' 353 '));
  assert.ok(names[0].includes('@+bob!bob@Clk-X.example.org'), names[0]);
  assert.ok(names[0].includes(alice), names[0]);
});

test('a KILL of a local user: KILL and ERROR to it, QUIT to its channel mates', { timeout: TIMEOUT }, () => {
  const { n, alice } = setup();
  register(n, 'b', 'bea');
  n.clients.receive('a', 'JOIN #lobby');
  n.clients.receive('b', 'JOIN #lobby');
  n.pump(); n.sent();
  n.engine.receive('hub', ':001AAAAAB KILL 0TSAAAAAA :go away');
  const got = n.pump();
  assert.deepEqual(got.get('a'), [
    ':bob!bob@Clk-X.example.org KILL alice :go away',
    'ERROR :Closing Link: alice[192.0.2.10] (Killed by bob (go away))',
  ]);
  assert.deepEqual(got.get('b'), [`:${alice} QUIT :Killed by bob (go away)`]);
  assert.equal(n.closed.get('a'), 'Killed by bob (go away)');
  assert.deepEqual(n.sent().to('hub'), [], 'no QUIT for a killed user');
});

test('a netsplit: the users behind the split server QUIT with "<uplink> <server>"', { timeout: TIMEOUT }, () => {
  const { n } = setup();
  n.engine.receive('hub', ':001 SID far.test 2 002 :Far away');
  n.engine.receive('hub', ':002 UID erin 0 1795305703 erin 203.0.113.5 002AAAAAE 0 +w * * y3EABQ== :Erin');
  n.engine.receive('hub', ':002 SJOIN 1795305000 #lobby :002AAAAAE');
  n.clients.receive('a', 'JOIN #lobby');
  n.pump();
  n.engine.receive('hub', 'SQUIT far.test :gone');
  assert.deepEqual(n.pump().get('a'), [':erin!erin@203.0.113.5 QUIT :hub.test far.test']);
  n.engine.linkDown('hub', 'Connection closed');
  const after = n.pump().get('a')!;
  assert.deepEqual(after.sort(), [':bob!bob@Clk-X.example.org QUIT :tslink.test hub.test', ':carol!carol@198.51.100.3 QUIT :tslink.test hub.test'].sort());
});

test('two tslink nodes: a user on each sees the other join, talk, change nick and quit', { timeout: TIMEOUT }, () => {
  const A = hub({ me: { sid: '0TA', name: 'a.test', info: 'A' } });
  const B = hub({ me: { sid: '0TB', name: 'b.test', info: 'B' }, clock: A.clock });
  const ca = LocalClients.onEngine(A, clientConfig({ cloak: { keys: KEYS }, pingCookie: false }), () => A.now() * 1000);
  const cb = LocalClients.onEngine(B, clientConfig({ cloak: { keys: KEYS }, pingCookie: false }), () => B.now() * 1000);
  const w = connect(A, B, 'toB', 'toA');
  pump([A, B], [w]);
  const lines = (c: LocalClients, id: string) => c.drain().filter((e) => e.kind === 'line' && e.client === id).map((e) => (e as { line: string }).line);
  ca.connect('x', { ip: '192.0.2.1' });
  ca.receiveChunk('x', ['NICK ann', 'USER ann 0 * :Ann']);
  cb.connect('y', { ip: '192.0.2.2' });
  cb.receiveChunk('y', ['NICK ben', 'USER ben 0 * :Ben']);
  pump([A, B], [w]);
  ca.drain(); cb.drain();
  const annHost = cloakHost('192.0.2.1', { keys: KEYS }), benHost = cloakHost('192.0.2.2', { keys: KEYS });
  // The same cloak on both nodes (same keys).
  assert.equal(B.net.userByNick('ann')!.cloak, annHost);
  ca.receive('x', 'JOIN #both');
  pump([A, B], [w]);
  cb.receive('y', 'JOIN #both');
  pump([A, B], [w]);
  assert.deepEqual(lines(cb, 'y'), [`:ben!ben@${benHost} JOIN :#both`, ':b.test 353 ben = #both :@ann ben', ':b.test 366 ben #both :End of /NAMES list.']);
  const annSees = lines(ca, 'x');
  assert.ok(annSees.includes(`:ben!ben@${benHost} JOIN :#both`), annSees.join('\n'));
  cb.receive('y', 'PRIVMSG #both :hi ann');
  pump([A, B], [w]);
  assert.deepEqual(lines(ca, 'x'), [`:ben!ben@${benHost} PRIVMSG #both :hi ann`]);
  ca.receive('x', 'PRIVMSG ben :hi ben');
  ca.receive('x', 'NICK anna');
  pump([A, B], [w]);
  assert.deepEqual(lines(cb, 'y'), [`:ann!ann@${annHost} PRIVMSG ben :hi ben`, `:ann!ann@${annHost} NICK :anna`]);
  assert.deepEqual(lines(ca, 'x'), [`:ann!ann@${annHost} NICK :anna`]);
  cb.receive('y', 'WHOIS anna');
  cb.receive('y', 'QUIT :later');
  pump([A, B], [w]);
  const whois = lines(cb, 'y');
  assert.equal(whois[0], `:b.test 311 ben anna ann ${annHost} * :Ann`);
  assert.ok(whois.includes(':b.test 312 ben anna a.test :A'), whois.join('\n'));
  assert.equal(whois.at(-1), `ERROR :Closing Link: ben[192.0.2.2] (Quit: later)`);
  assert.deepEqual(lines(ca, 'x'), [`:ben!ben@${benHost} QUIT :Quit: later`]);
});
