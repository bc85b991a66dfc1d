// allow::password (UnrealIRCd's nick.c AllowClient(): a block whose password the client did not give
// tries the next block, or refuses with reject-on-auth-failure): only hashes ($scrypt$ from tslink
// mkpasswd, UnrealIRCd's $argon2id$) or a certfp, never plaintext (a file:line configuration error);
// the PASS checked off the event loop by the node's SecretVerifier while the client's registration
// and its later lines wait; a refusal after a wrong password is the ERROR alone (no 464); a PASS longer
// than 256 bytes, an empty one or none is refused without hashing. Then the same over real sockets.
import { test, describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfigText, type TslinkConfig } from '../../src/config/index.ts';
import { PLAINTEXT_PASSWORD } from '../../src/config/rules.ts';
import { admitByAllow, REJECT } from '../../src/runtime/clientAdmission.ts';
import { allowPasswordCheck } from '../../src/runtime/allowAuth.ts';
import { SecretVerifier } from '../../src/runtime/secretVerifier.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { hashPasswordSync } from '../../src/link/passwords.ts';
import { leafNode, TIMEOUT, type Node } from './clientHarness.ts';
import { Harness, freePort, rawTcp, rawTls, type RawPeer } from '../runtime/helpers.ts';

/** A $scrypt$ hash as "tslink mkpasswd" makes it, with cheap parameters for the tests. */
const hash = (password: string): string => hashPasswordSync(password, { N: 1024, r: 8, p: 1 });
/** UnrealIRCd's mkpasswd parameters, password "secret" (test/rpc/argon2.test.ts). */
const ARGON2_SECRET = '$argon2id$v=19$m=6144,t=2,p=2$dW5yZWFsc2FsdDEyMzQ1Ng$SJVYb2C/cEft8BRZDcwx2ICvxs2uhaw3eukJdErCnQc';
const CERTFP = 'cd'.repeat(32);
const LONG = 'L'.repeat(256);

const HEAD = 'me { name "tslink.test"; info "x"; sid "0TS"; }\nset { network-name "TestNet"; }\n' +
  'class vip { pingfreq 90; maxclients 10; sendq 1M; }\nclass clients { pingfreq 90; maxclients 10; sendq 200k; }\n';

function config(body: string): TslinkConfig {
  const r = parseConfigText(HEAD + body, 't.conf');
  assert.deepEqual(r.errors.map((e) => e.text), []);
  return r.config!;
}

interface Setup { n: Node; verifier: SecretVerifier; logs: Record<string, unknown>[] }
const verifiers: SecretVerifier[] = [];
after(async () => { for (const v of verifiers) await v.close(); });

function nodeWith(body: string): Setup {
  const cfg = config(body);
  const n = leafNode();
  const verifier = new SecretVerifier();
  verifiers.push(verifier);
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({ write(chunk, _enc, cb) { logs.push(JSON.parse(String(chunk))); cb(); } });
  const check = allowPasswordCheck(verifier, createLogger({ level: 'info', destination }));
  n.clients.admit = (s) => admitByAllow(cfg, n.clients, s, check);
  return { n, verifier, logs };
}

/** Connect, send `pre`, NICK, USER and the cookie's PONG; then wait (bounded) until 001 or the close. */
async function registered(n: Node, id: string, nick: string, pre: string[], info: { certfp?: string; tls?: boolean } = {}): Promise<string[]> {
  n.clients.connect(id, { ip: '192.0.2.10', ...info });
  for (const l of pre) n.clients.receive(id, l);
  n.clients.receive(id, `NICK ${nick}`);
  n.clients.receive(id, `USER ${nick} 0 * :Real ${nick}`);
  const got = n.pump().get(id) ?? [];
  const ping = got.find((l) => l.startsWith('PING :'));
  if (ping) n.clients.receive(id, `PONG :${ping.slice(6)}`);
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    got.push(...(n.pump().get(id) ?? []));
    if (got.some((l) => / 001 /.test(l) || l.startsWith('ERROR '))) return got;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`${id}: neither 001 nor ERROR; got:\n${got.join('\n')}`);
}

const TWO_BLOCKS = `allow { mask *; class vip; password "${hash('letmein')}"; maxperip 20; }\nallow { mask *; class clients; maxperip 3; }`;

test('allow::password in the configuration: a plaintext one is a file:line error (not echoed); hashes and a certfp load', { timeout: TIMEOUT }, () => {
  const errors = (body: string): string[] => parseConfigText(HEAD + body, 't.conf').errors.map((e) => e.text);
  for (const pw of ['letmein', 'Qz7-secret', 'x'.repeat(300)]) {
    const r = parseConfigText(`${HEAD}allow {\n  mask *;\n  class clients;\n  maxperip 3;\n  password "${pw}";\n}`, 't.conf');
    assert.equal(r.config, undefined, 'a plaintext password does not load');
    assert.deepEqual(r.errors.map((e) => e.text), [`t.conf:9: allow: ${PLAINTEXT_PASSWORD}`]);
    assert.ok(r.errors.every((e) => !e.text.includes(pw)), 'the password is not repeated');
  }
  assert.match(errors('allow { mask *; class clients; maxperip 3; password "$2y$10$abcdefghijklmnopqrstuv"; }').join('\n'), /t\.conf:5: allow: tslink checks \$argon2id\$ and \$scrypt\$ password hashes only/);
  assert.match(errors('allow { mask *; class clients; maxperip 3; password "$scrypt$junk"; }').join('\n'), /t\.conf:5: allow: .*make one with "tslink mkpasswd"/);
  assert.match(errors('allow { mask *; class clients; maxperip 3; password "abcd" { certfp; } }').join('\n'), /t\.conf:5: allow: a certfp is the SHA-256 fingerprint/);
  assert.match(errors(`allow { mask *; class clients; maxperip 3; password "${CERTFP}" { spkifp; } }`).join('\n'), /t\.conf:5: allow: the password type tslink checks for allow blocks is \{ certfp; \}/);
  const cfg = config(`allow { mask *; class vip; password "${hash('a')}"; maxperip 3; }\nallow { mask *; class vip; password "${ARGON2_SECRET}"; maxperip 3; }\n` +
    `allow { mask *; class vip; password "${CERTFP.toUpperCase().match(/../g)!.join(':')}" { certfp; } maxperip 3; }\nallow { mask *; class clients; maxperip 3; }`);
  assert.deepEqual(cfg.allow.map((a) => a.auth?.type), ['hash', 'hash', 'certfp', undefined]);
  assert.deepEqual(cfg.allow[2].auth, { type: 'certfp', fingerprint: CERTFP });
});

test('the right PASS ($scrypt$) admits in the block once the hash is checked; meanwhile the client is held (its JOIN waits, then follows 001)', { timeout: TIMEOUT }, async () => {
  const { n, verifier } = nodeWith(TWO_BLOCKS);
  n.clients.connect('a', { ip: '192.0.2.10' });
  n.clients.receive('a', 'PASS :letmein');
  n.clients.receive('a', 'NICK alice');
  n.clients.receive('a', 'USER alice 0 * :Alice');
  const ping = (n.pump().get('a') ?? []).find((l) => l.startsWith('PING :'))!;
  n.clients.sessions.get('a')!.receiveChunk([`PONG :${ping.slice(6)}`, 'JOIN #lobby']);
  const now = n.pump().get('a') ?? [];
  assert.deepEqual(now, [], 'nothing before the check answers (no 001, no 451 for the JOIN)');
  assert.equal(n.clients.sessions.get('a')!.registered, false);
  assert.equal(verifier.started, 1);
  const got: string[] = [];
  const end = Date.now() + 10_000;
  while (Date.now() < end && !got.some((l) => / JOIN :?#lobby/.test(l))) { got.push(...(n.pump().get('a') ?? [])); await new Promise((r) => setTimeout(r, 5)); }
  const welcome = got.findIndex((l) => / 001 alice /.test(l)), join = got.findIndex((l) => / JOIN :?#lobby/.test(l));
  assert.ok(welcome >= 0 && join > welcome, got.join('\n'));
  assert.ok(!got.some((l) => / 451 /.test(l)), 'the JOIN was not read before registration');
  assert.equal(n.clients.sessions.get('a')!.className, 'vip');
  assert.equal(n.clients.sessions.get('a')!.password, null, 'the PASS is dropped once checked');
});

test('allow password refused: a wrong PASS tries the next block; with reject-on-auth-failure it is the ERROR "You are not authorized" alone, no 464 (nick.c AllowClient())', { timeout: TIMEOUT }, async () => {
  const { n, logs } = nodeWith(TWO_BLOCKS);
  const got = await registered(n, 'b', 'bob', ['PASS :wrong-one']);
  assert.ok(got.some((l) => / 001 bob /.test(l)), got.join('\n'));
  assert.ok(!got.some((l) => / 464 /.test(l)));
  assert.equal(n.clients.sessions.get('b')!.className, 'clients');

  const strict = nodeWith(`allow { mask *; class vip; password "${hash('letmein')}"; maxperip 20; options { reject-on-auth-failure; } }\nallow { mask *; class clients; maxperip 3; }`);
  const refused = await registered(strict.n, 'c', 'carol', ['PASS :wrong-two']);
  assert.deepEqual(refused.slice(-1), [`ERROR :Closing Link: carol[192.0.2.10] (${REJECT.unauthorized})`]);
  assert.ok(!refused.some((l) => / 464 /.test(l)), refused.join('\n'));
  assert.equal(strict.n.closed.get('c'), REJECT.unauthorized);
  assert.equal(strict.n.engine.net.userByNick('carol'), undefined, 'never introduced');
  assert.ok([...logs, ...strict.logs].every((l) => !JSON.stringify(l).includes('wrong-')), 'no password in the log');
});

test('no PASS, an empty one or one longer than 256 bytes: refused without hashing (the ERROR, no 464); 256 bytes is still checked', { timeout: TIMEOUT }, async () => {
  const { n, verifier } = nodeWith(`allow { mask *; class vip; password "${hash(LONG)}"; maxperip 20; }`);
  let i = 0;
  for (const pre of [[], ['PASS :'], [`PASS :${LONG}x`], [`PASS :${LONG}${'é'.repeat(1)}`]]) {
    const id = `n${i++}`;
    const got = await registered(n, id, `nopass${i}`, pre);
    assert.deepEqual(got.slice(-1).map((l) => l.replace(/:Closing Link: \S+ /, '')), [`ERROR (${REJECT.unauthorized})`], `${pre[0]?.slice(0, 12)}: ${got.join('\n')}`);
    assert.ok(!got.some((l) => / 464 /.test(l)), got.join('\n'));
  }
  assert.equal(verifier.started, 0, 'no hash was computed');
  const ok = await registered(n, 'ok', 'longpw', [`PASS :${LONG}`]);
  assert.ok(ok.some((l) => / 001 longpw /.test(l)), ok.join('\n'));
  assert.equal(verifier.started, 1);
});

test('the nick taken on the network while the password is checked: 433, and a new NICK registers (the check is made again)', { timeout: TIMEOUT }, async () => {
  const { n, verifier } = nodeWith(TWO_BLOCKS);
  n.clients.connect('a', { ip: '192.0.2.10' });
  n.clients.receive('a', 'PASS :letmein');
  n.clients.receive('a', 'NICK dave');
  n.clients.receive('a', 'USER dave 0 * :Dave');
  const ping = (n.pump().get('a') ?? []).find((l) => l.startsWith('PING :'))!;
  n.clients.receive('a', `PONG :${ping.slice(6)}`);
  n.engine.receive('hub', ':001 UID dave 0 1795305700 dave far.example 001AAAAAD 0 +i * * wAACAQ== :Dave elsewhere');
  const got: string[] = [];
  const end = Date.now() + 10_000;
  while (Date.now() < end && !got.some((l) => / 433 /.test(l))) { got.push(...(n.pump().get('a') ?? [])); await new Promise((r) => setTimeout(r, 5)); }
  assert.deepEqual(got, [':tslink.test 433 dave dave :Nickname is already in use.']);
  assert.equal(n.clients.sessions.get('a')!.registered, false);
  n.clients.receive('a', 'NICK dave2');
  while (Date.now() < end && !got.some((l) => / 001 /.test(l))) { got.push(...(n.pump().get('a') ?? [])); await new Promise((r) => setTimeout(r, 5)); }
  assert.ok(got.some((l) => / 001 dave2 /.test(l)), got.join('\n'));
  assert.equal(n.clients.sessions.get('a')!.className, 'vip');
  assert.equal(verifier.started, 2);
});

test("UnrealIRCd's $argon2id$ hash and a certfp block", { timeout: TIMEOUT }, async () => {
  const { n } = nodeWith(`allow { mask *; class vip; password "${CERTFP}" { certfp; } maxperip 20; }\nallow { mask *; class vip; password "${ARGON2_SECRET}"; maxperip 20; options { reject-on-auth-failure; } }`);
  const cert = await registered(n, 'c', 'certuser', [], { tls: true, certfp: CERTFP.toUpperCase() });
  assert.ok(cert.some((l) => / 001 certuser /.test(l)), cert.join('\n'));
  const other = await registered(n, 'o', 'othercert', [], { tls: true, certfp: 'ee'.repeat(32) });
  assert.deepEqual(other.slice(-1), [`ERROR :Closing Link: othercert[192.0.2.10] (${REJECT.unauthorized})`]);
  assert.ok(!other.some((l) => / 464 /.test(l)), other.join('\n'));
  const argon = await registered(n, 'a', 'argonuser', ['PASS :secret']);
  assert.ok(argon.some((l) => / 001 argonuser /.test(l)), argon.join('\n'));
  const bad = await registered(n, 'b', 'argonbad', ['PASS :Secret']);
  assert.equal(n.closed.get('b'), REJECT.unauthorized, bad.join('\n'));
});

test('no secret is compared with ===/!== on the client side (passwords and fingerprints go through timingSafeEqual)', { timeout: TIMEOUT }, () => {
  const files = ['src/runtime/clientAdmission.ts', 'src/runtime/allowAuth.ts', 'src/runtime/operAuth.ts', 'src/runtime/secretVerifier.ts'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name)); else if (e.name.endsWith('.ts')) files.push(join(dir, e.name));
    }
  };
  walk('src/client');
  const SECRET = /pass(word)?|passwd|secret|certfp|fingerprint|hash/i;
  // An operand that is no secret: a literal, null, undefined, a number, a type tag.
  const HARMLESS = /^(null|undefined|true|false|\d+|'')$/;
  const found: string[] = [];
  for (const f of files) {
    readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      // String literals become '' (a type tag like 'certfp' is no secret), comments go.
      const code = line.replace(/'(\\.|[^'\\])*'|"(\\.|[^"\\])*"|`(\\.|[^`\\])*`/g, "''").replace(/\/\/.*$/, '');
      for (const m of code.matchAll(/([\w.$?!()[\]'"`]+)\s*(===|!==|==|!=)\s*([\w.$?()[\]'"`-]+)/g)) {
        const [, left, , right] = m;
        const l = left.replace(/^!+/, ''), r = right;
        if ((SECRET.test(l) && !HARMLESS.test(r)) || (SECRET.test(r) && !HARMLESS.test(l))) found.push(`${f}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(found, []);
});

describe('allow::password over real sockets', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-e2e-allowpw-');
  const peers: RawPeer[] = [];
  after(async () => { for (const p of peers) p.destroy(); await h.cleanup(); });

  it('right PASS: 001; wrong PASS: the ERROR (no 464) and the close; a certificate opens the certfp block over TLS; no password in the log', async () => {
    const port = await freePort(), tlsPort = await freePort();
    const client = h.identity('client.cert');
    const extra = `listen { ip 127.0.0.1; port ${port}; options { clientsonly; } }
listen { ip 127.0.0.1; port ${tlsPort}; options { clientsonly; tls; } }
class clients { pingfreq 90; maxclients 100; sendq 200k; recvq 8000; }
allow { mask *; class clients; maxperip 10; password "${client.certfp}" { certfp; } }
allow { mask *; class clients; maxperip 10; password "${hash('Right-Horse-9')}"; }
set { anti-flood { everyone { connect-flood 50:60; } } }
`;
    const node = await h.startNode({ id: h.identity('p.test'), sid: '0PP', port: await freePort(), links: [], extra });
    const register = async (p: RawPeer, nick: string, pass: string | null): Promise<void> => {
      peers.push(p);
      if (pass !== null) p.send(`PASS :${pass}`);
      p.send(`NICK ${nick}`, `USER ${nick} 0 * :${nick}`);
      const ping = await p.waitLine(/^PING :/, 10_000);
      p.send(`PONG :${ping.slice(6)}`);
    };
    const good = await rawTcp(port);
    await register(good, 'good', 'Right-Horse-9');
    assert.match(await good.waitLine(/ 001 /, 10_000), /^:p\.test 001 good :/);

    const bad = await rawTcp(port);
    await register(bad, 'bad', 'Wrong-Horse-9');
    await bad.waitClosed(10_000);
    assert.deepEqual(bad.lines.slice(-1), [`ERROR :Closing Link: bad[localhost] (${REJECT.unauthorized})`]);
    assert.ok(!bad.has(/ 464 /), bad.lines.join('\n'));
    assert.ok(!bad.has(/ 001 /));

    const cert = await rawTls(tlsPort, client);
    await register(cert, 'certy', null);
    assert.match(await cert.waitLine(/ 001 /, 10_000), /^:p\.test 001 certy :/);
    assert.ok(node.log.records.every((r) => !JSON.stringify(r).includes('Horse-9')), 'no password in the log');
  });
});
