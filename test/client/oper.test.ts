// OPER, KILL and WALLOPS of local users (UnrealIRCd src/modules/oper.c, kill.c, usermodes/wallops.c),
// with the oper blocks of a real configuration and the node's password checks (runtime/operAuth.ts):
// $scrypt$ and UnrealIRCd's $argon2id$ hashes, certfp; a plaintext password is a configuration error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { leafNode, register, TIMEOUT, type Node } from './clientHarness.ts';
import { parseConfigText, type TslinkConfig } from '../../src/config/index.ts';
import { NodeOperAuthority } from '../../src/runtime/operAuth.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { hashPasswordSync } from '../../src/link/passwords.ts';

/** UnrealIRCd's mkpasswd parameters, password "secret" (test/rpc/argon2.test.ts). */
const ARGON2_SECRET = '$argon2id$v=19$m=6144,t=2,p=2$dW5yZWFsc2FsdDEyMzQ1Ng$SJVYb2C/cEft8BRZDcwx2ICvxs2uhaw3eukJdErCnQc';
/** A $scrypt$ hash as "tslink mkpasswd" makes it, with cheap parameters for the tests. */
const hash = (password: string): string => hashPasswordSync(password, { N: 1024, r: 8, p: 1 });
const SCRYPT_HUNTER2 = hash('hunter2');
const CERTFP = 'ab'.repeat(32);

const CONF = `me { name tslink.test; info "t"; sid 0TS; }
class clients { pingfreq 90; maxclients 100; sendq 200k; recvq 8000; }
class opers { pingfreq 90; maxclients 10; sendq 1M; recvq 8000; }
allow { mask *; class clients; maxperip 10; }
oper nightop { class opers; mask *; password "${hash('operpassword')}"; operclass netadmin; swhois "is the night shift"; }
oper scryptop { class clients; mask *@127.0.0.1; password "${SCRYPT_HUNTER2}"; operclass netadmin; }
oper argonop { class clients; mask *; password "${ARGON2_SECRET}"; operclass admin; }
oper certop { class clients; mask *; password "${CERTFP.toUpperCase().match(/../g)!.join(':')}" { certfp; } operclass netadmin; }
oper farop { class clients; mask *@10.0.0.*; password "${hash('x')}"; operclass netadmin; }
oper localop { class clients; mask *; password "${hash('local')}"; operclass locop; maxlogins 1; }
oper oddop { class clients; mask *; password "${hash('odd')}"; operclass custom-class; }
`;

const BOB = ':001 UID bob 0 1795305700 bob host-9.example.org 001AAAAAB 0 +iwx * Clk-X.example.org xhICDA== :Bob';

function loadConf(): TslinkConfig {
  const r = parseConfigText(CONF, 'oper.conf');
  assert.ok(r.config, r.errors.map((e) => e.text).join('\n'));
  return r.config;
}

interface Setup { n: Node; logs: Record<string, unknown>[]; auth: NodeOperAuthority }

function setup(): Setup {
  const cfg = loadConf();
  const n = leafNode({ burst: [BOB, ':001 SJOIN 1795305000 #ops +nt :001AAAAAB'] });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({ write(chunk, _enc, cb) { logs.push(JSON.parse(String(chunk))); cb(); } });
  const auth = new NodeOperAuthority({ config: () => cfg, log: createLogger({ level: 'info', destination }), baseLimits: () => n.clients.cfg.limits });
  n.clients.opers = auth;
  n.sent();
  return { n, logs, auth };
}

/** Let `seconds` pass (fake lag from OPER's failures wears off), and the sessions see it. */
function pass(n: Node, seconds: number): void { n.engine.clock.advance(seconds); n.clients.tick(); }

/** Send a line; wait (bounded) until a line of the client matches `re`; return what it got meanwhile. */
async function until(n: Node, id: string, line: string, re: RegExp, ms = 10_000): Promise<string[]> {
  if (line) n.clients.receive(id, line);
  const got: string[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    got.push(...(n.pump().get(id) ?? []));
    if (got.some((l) => re.test(l))) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`no line like ${re} for ${id}; got:\n${got.join('\n')}`);
}

const LOCAL = { ip: '127.0.0.1' } as const;

test('OPER with a $scrypt$ password: swhois, +o to the network, MODE +os, 008, operlogin/operclass MD, 381; 313 in WHOIS', { timeout: TIMEOUT }, async (t) => {
  const { n, logs, auth } = setup();
  t.after(() => auth.close());
  register(n, 'a', 'alice', LOCAL);
  n.sent();
  const got = await until(n, 'a', 'OPER nightop operpassword', / 381 /);
  assert.deepEqual(got, [
    ':alice MODE alice :+os',
    ':tslink.test 008 alice +bBcdfkoOqsS :Server notice mask',
    ':tslink.test 381 alice :You are now an IRC Operator',
  ]);
  const hub = n.sent().to('hub');
  const uid = n.clients.sessions.get('a')!.uid;
  assert.deepEqual(hub.map((l) => l.replace(/^@\S+ /, '')), [
    `:0TS SWHOIS ${uid} + oper -100 :is the night shift`,
    `:${uid} UMODE2 +o`,
    `:0TS MD client ${uid} operlogin :nightop`,
    `:0TS MD client ${uid} operclass :netadmin`,
  ]);
  assert.equal(n.clients.sessions.get('a')!.className, 'opers');
  const whois = await until(n, 'a', 'WHOIS alice', / 318 /);
  assert.ok(whois.includes(':tslink.test 313 alice alice :is an IRC Operator (nightop) [netadmin]'), whois.join('\n'));
  assert.ok(whois.includes(':tslink.test 320 alice alice :is the night shift'), whois.join('\n'));
  assert.ok(whois.includes(':tslink.test 379 alice alice :is using modes +ioswx bBcdfkoOqsS'), whois.join('\n'));
  // Another user sees the bare words, and a * in WHO.
  register(n, 'b', 'bea', LOCAL);
  const other = await until(n, 'b', 'WHOIS alice', / 318 /);
  assert.ok(other.includes(':tslink.test 313 bea alice :is an IRC Operator'), other.join('\n'));
  const who = await until(n, 'b', 'WHO alice', / 315 /);
  assert.match(who[0], / 352 bea \* alice \S+ tslink\.test alice H\* :0 /);
  assert.ok(logs.some((l) => l.event === 'OPER_SUCCESS' && l.oper_block === 'nightop'));
  // Already an oper.
  assert.deepEqual(await until(n, 'a', 'OPER nightop operpassword', /NOTICE/), [':tslink.test NOTICE alice :You are already an IRC Operator. If you want to re-oper then de-oper first via /MODE yournick -o']);
  // MODE -o: the oper modes and the snomask go, the MD and swhois are unset.
  n.sent();
  assert.deepEqual(await until(n, 'a', 'MODE alice -o', /MODE/), [':alice MODE alice :-os']);
  assert.deepEqual(n.sent().to('hub').map((l) => l.replace(/^@\S+ /, '')), [
    `:${uid} UMODE2 -o`, `:0TS MD client ${uid} operlogin`, `:0TS MD client ${uid} operclass`, `:0TS SWHOIS ${uid} - oper 0 :*`,
  ]);
  assert.equal(n.clients.sessions.get('a')!.oper, null);
});

test('OPER failures: 464 wrong password, 491 no such block / host not matching, no TLS from afar; each logged, counted, 7 s of fake lag', { timeout: TIMEOUT }, async (t) => {
  const { n, logs, auth } = setup();
  t.after(() => auth.close());
  register(n, 'a', 'alice', LOCAL);
  const s = n.clients.sessions.get('a')!;
  const lag0 = s.fakeLag;
  assert.deepEqual(await until(n, 'a', 'OPER nightop nottheoperpassword', / 464 /), [':tslink.test 464 alice :Password Incorrect']);
  assert.ok(s.fakeLag - lag0 >= 7);
  // Two failures in a row put the client 14 s ahead: its next line waits until the lag wears off.
  assert.deepEqual(await until(n, 'a', 'OPER nightop', / 464 /), [':tslink.test 464 alice :Password Incorrect']);
  n.clients.receive('a', 'OPER nosuchop somepassword');
  assert.equal(n.pump().get('a'), undefined);
  pass(n, 8);
  assert.deepEqual(await until(n, 'a', '', / 491 /), [':tslink.test 491 alice :No O-lines for your host']);
  pass(n, 8);
  assert.deepEqual(await until(n, 'a', 'OPER farop x', / 491 /), [':tslink.test 491 alice :No O-lines for your host']);
  pass(n, 8);
  assert.deepEqual(await until(n, 'a', 'OPER', / 461 /), [':tslink.test 461 alice OPER :Not enough parameters']);
  assert.equal(s.oper, null);
  assert.ok(!s.user!.umodes.has('o'));
  const failed = logs.filter((l) => l.event === 'OPER_FAILED').map((l) => l.fail_type);
  assert.deepEqual(failed, ['AUTHENTICATION_FAILED', 'AUTHENTICATION_FAILED', 'UNKNOWN_OPER_NAME', 'NO_HOST_MATCH']);
  assert.equal(n.clients.operFailures, 4);
  assert.ok(logs.every((l) => !JSON.stringify(l).includes('nottheoperpassword')), 'no password in the log');
  // A plaintext connection from elsewhere than localhost: refused before any block is looked at.
  register(n, 'f', 'far');
  const far = await until(n, 'f', 'OPER nightop operpassword', /oper-requires-tls/);
  assert.deepEqual(far, [':tslink.test NOTICE far :You need to use a secure connection (TLS) in order to /OPER.', ':tslink.test NOTICE far :See https://www.unrealircd.org/docs/FAQ#oper-requires-tls']);
  // An unknown operclass: the notice UnrealIRCd sends, no oper.
  pass(n, 8);
  const odd = await until(n, 'a', 'OPER oddop odd', /NOTICE/);
  assert.deepEqual(odd, [':tslink.test NOTICE alice :ERROR: There is a non-existant oper::operclass specified for your oper block']);
  assert.equal(s.oper, null);
});

test('OPER with hashed passwords ($scrypt$, $argon2id$) and certfp; lines sent meanwhile wait for the answer', { timeout: TIMEOUT }, async (t) => {
  const { n, auth } = setup();
  t.after(() => auth.close());
  register(n, 'a', 'alice', LOCAL);
  // The check runs off the event loop; the WHOIS after it is read only once OPER has answered.
  n.clients.receive('a', 'OPER scryptop wrong');
  n.clients.receive('a', 'WHOIS alice');
  const wrong = await until(n, 'a', '', / 318 /);
  assert.equal(wrong[0], ':tslink.test 464 alice :Password Incorrect');
  pass(n, 8);
  n.clients.receive('a', 'OPER scryptop hunter2');
  n.clients.receive('a', 'WHOIS alice');
  const ok = await until(n, 'a', '', / 318 /);
  assert.ok(ok.indexOf(':tslink.test 381 alice :You are now an IRC Operator') >= 0, ok.join('\n'));
  assert.ok(ok.indexOf(':tslink.test 381 alice :You are now an IRC Operator') < ok.findIndex((l) => / 311 /.test(l)), ok.join('\n'));
  assert.ok(ok.includes(':tslink.test 313 alice alice :is an IRC Operator (scryptop) [netadmin]'), ok.join('\n'));

  register(n, 'b', 'bea', { ip: '192.0.2.20', tls: true });
  assert.deepEqual(await until(n, 'b', 'OPER argonop notsecret', / 464 /), [':tslink.test 464 bea :Password Incorrect']);
  pass(n, 8);
  const argon = await until(n, 'b', 'OPER argonop secret', / 381 /);
  assert.equal(argon.at(-1), ':tslink.test 381 bea :You are now an IRC Operator');

  register(n, 'c', 'cat', { ip: '192.0.2.21', tls: true, certfp: 'cd'.repeat(32) });
  assert.deepEqual(await until(n, 'c', 'OPER certop', / 464 /), [':tslink.test 464 cat :Password Incorrect']);
  pass(n, 8);
  register(n, 'd', 'dan', { ip: '192.0.2.22', tls: true, certfp: CERTFP });
  assert.equal((await until(n, 'd', 'OPER certop', / 381 /)).at(-1), ':tslink.test 381 dan :You are now an IRC Operator');
});

test('oper blocks in the configuration: a plaintext password refused (file:line, how to hash it, not echoed); unchecked hash types and no password with mask * refused', { timeout: TIMEOUT }, () => {
  const r = parseConfigText(CONF, 'oper.conf');
  assert.deepEqual(r.errors, []);
  const warnings = r.warnings.map((w) => w.text);
  assert.ok(warnings.some((w) => /custom-class.*not one of UnrealIRCd's default operclasses/.test(w)), warnings.join('\n'));
  const base = 'me { name tslink.test; info "t"; sid 0TS; }\nclass clients { pingfreq 90; maxclients 100; sendq 200k; recvq 8000; }\n';
  const parse = (block: string) => parseConfigText(base + block, 'o.conf');
  const bad = (block: string): string[] => parse(block).errors.map((e) => e.text);
  const HASH = hash('p');
  // The same block with a hash loads; with the password as written it does not load at all.
  assert.deepEqual(bad(`oper x { class clients; mask *; password "${HASH}"; operclass netadmin; }`), []);
  for (const pw of ['operpassword', 'Qz7-secret', '', 'x'.repeat(300)]) {
    const plain = parse(`oper x { class clients; mask *;\n  password "${pw}"; operclass netadmin; }`);
    assert.equal(plain.config, undefined, `plaintext ${JSON.stringify(pw)} loaded`);
    assert.equal(plain.errors.length, 1, plain.errors.map((e) => e.text).join('\n'));
    const e = plain.errors[0];
    assert.equal(e.line, 4);
    assert.equal(e.block, 'oper "x"');
    assert.match(e.text, /^o\.conf:4: oper "x": "password" must be a password hash .*a plaintext password is not accepted.*hash it with "tslink mkpasswd"/);
    if (pw) assert.ok(!e.text.includes(pw) && !e.message.includes(pw), 'the password is not echoed');
  }
  assert.ok(bad('oper x { class clients; mask *; operclass netadmin; }').some((e) => /no password and is completely unrestricted/.test(e)));
  assert.ok(bad('oper x { class clients; mask *; password "$2y$10$abcdefghijklmnopqrstuv"; operclass netadmin; }').some((e) => /\$argon2id\$ and \$scrypt\$ password hashes only/.test(e)));
  assert.ok(bad('oper x { class clients; mask *; password "$scrypt$nonsense"; operclass netadmin; }').some((e) => /tslink mkpasswd/.test(e)));
  assert.ok(bad(`oper x { class clients; password "${HASH}"; operclass netadmin; }`).some((e) => /needs a mask/.test(e)));
  assert.ok(bad(`oper x { class nope; mask *; password "${HASH}"; operclass netadmin; }`).some((e) => /class "nope" is not defined/.test(e)));
  assert.ok(bad(`oper x { class clients; mask *; password "${HASH}"; }`).length > 0);
  assert.ok(bad('oper x { class clients; mask *; password "p" { sslclientcert; } operclass netadmin; }').some((e) => /certfp/.test(e)));
});

test('KILL: 481 for users, a local victim quits "Killed by <oper> (<reason>)", a remote one is killed on the network; locop only locally', { timeout: TIMEOUT }, async (t) => {
  const { n, logs, auth } = setup();
  t.after(() => auth.close());
  register(n, 'a', 'alice', LOCAL);
  register(n, 'c', 'carol', LOCAL);
  register(n, 'l', 'lou', LOCAL);
  n.clients.receive('c', 'JOIN #ops');
  n.pump();
  assert.deepEqual(await until(n, 'c', 'KILL alice :some reason', / 481 /), [':tslink.test 481 carol :Permission Denied- You do not have the correct IRC operator privileges']);
  await until(n, 'a', 'OPER nightop operpassword', / 381 /);
  assert.deepEqual(await until(n, 'a', 'KILL carol', / 461 /), [':tslink.test 461 alice KILL :Not enough parameters']);
  assert.deepEqual(await until(n, 'a', 'KILL nobody :x', / 401 /), [':tslink.test 401 alice nobody :No such nick/channel']);
  const carolUid = n.clients.sessions.get('c')!.uid, aliceUid = n.clients.sessions.get('a')!.uid;
  const aliceMask = n.clients.sessions.get('a')!.mask;
  n.sent();
  n.clients.receive('a', 'KILL carol :some arbitrary reason');
  const carol = n.pump().get('c') ?? [];
  assert.deepEqual(carol, [`:${aliceMask} KILL carol :some arbitrary reason`, 'ERROR :Closing Link: carol[localhost] (Killed by alice (some arbitrary reason))']);
  assert.equal(n.closed.get('c'), 'Killed by alice (some arbitrary reason)');
  assert.deepEqual(n.sent().to('hub').map((l) => l.replace(/^@\S+ /, '')), [`:${carolUid} QUIT :Killed by alice (some arbitrary reason)`]);
  // A remote victim: the KILL goes to the network with the oper's UID; bob is gone here too.
  n.clients.receive('a', 'KILL bob :bye bob');
  n.pump();
  assert.deepEqual(n.sent().to('hub').map((l) => l.replace(/^@\S+ /, '')), [`:${aliceUid} KILL 001AAAAAB :bye bob`]);
  assert.equal(n.engine.net.userByNick('bob'), undefined);
  assert.ok(logs.filter((l) => l.event === 'KILL_COMMAND').length === 2);
  // A locop kills on this server only.
  n.engine.receive('hub', BOB);
  await until(n, 'l', 'OPER localop local', / 381 /);
  assert.deepEqual(await until(n, 'l', 'KILL bob :x', / 481 /), [':tslink.test 481 lou :Permission Denied- You do not have the correct IRC operator privileges']);
  assert.ok(n.engine.net.userByNick('bob'));
});

test('WALLOPS: 481 for users; to every +w user as ":<nick!user@host> WALLOPS", once to the sender, to the network as ":<nick> WALLOPS"; from the network to +w users', { timeout: TIMEOUT }, async (t) => {
  const { n, auth } = setup();
  t.after(() => auth.close());
  register(n, 'a', 'alice', LOCAL);
  register(n, 'w', 'wendy', LOCAL);
  register(n, 'q', 'quiet', LOCAL);
  n.clients.receive('q', 'MODE quiet -w');
  n.pump();
  assert.deepEqual(await until(n, 'w', 'WALLOPS :hi everyone', / 481 /), [':tslink.test 481 wendy :Permission Denied- You do not have the correct IRC operator privileges']);
  await until(n, 'a', 'OPER nightop operpassword', / 381 /);
  n.clients.receive('a', 'MODE alice -w');
  n.pump();
  n.sent();
  assert.deepEqual(await until(n, 'a', 'WALLOPS', / 461 /), [':tslink.test 461 alice WALLOPS :Not enough parameters']);
  n.clients.receive('a', 'WALLOPS :hi everyone');
  const got = n.pump();
  const mask = n.clients.sessions.get('a')!.mask;
  assert.deepEqual(got.get('a'), [`:${mask} WALLOPS :hi everyone`]);
  assert.deepEqual(got.get('w'), [`:${mask} WALLOPS :hi everyone`]);
  assert.equal(got.get('q'), undefined);
  assert.deepEqual(n.sent().to('hub').map((l) => l.replace(/^@\S+ /, '')), [':alice WALLOPS :hi everyone']);
  n.engine.receive('hub', ':bob WALLOPS :from afar');
  const far = n.pump();
  assert.deepEqual(far.get('w'), [':bob!bob@Clk-X.example.org WALLOPS :from afar']);
  assert.equal(far.get('a'), undefined);
  assert.equal(far.get('q'), undefined);
});
