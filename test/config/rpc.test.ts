// listen { options { rpc; } } and rpc-user blocks in the configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/index.ts';
import { hashPasswordSync } from '../../src/link/passwords.ts';

const HASH = hashPasswordSync('pw', { N: 1024, r: 8, p: 1 });
/** "secret" as UnrealIRCd's mkpasswd hashes it (argon2id, m=6144, t=2, p=2; made with Debian's argon2 CLI). */
const ARGON2 = '$argon2id$v=19$m=6144,t=2,p=2$dW5yZWFsc2FsdDEyMzQ1Ng$SJVYb2C/cEft8BRZDcwx2ICvxs2uhaw3eukJdErCnQc';
const base = (extra: string, set = 'set { network-name "T"; data-directory "/var/lib/tslink"; }') => `me { name "a.test"; info "i"; sid "0AA"; }\n${set}\n${extra}`;
const parse = (extra: string, set?: string) => parseConfigText(base(extra, set), 'r.conf');
const errors = (extra: string) => parse(extra).errors.map((e) => e.text);
const warnings = (extra: string) => parse(extra).warnings.map((e) => e.text);

test('an rpc unix socket: relative to the data directory; an rpc port is HTTPS', () => {
  const r = parse('listen { file "rpc.socket"; options { rpc; } }\nlisten { ip 127.0.0.1; port 8600; options { rpc; } }\nlisten { file "/run/t.sock"; options { rpc; } }');
  assert.deepEqual(r.errors, []);
  const [unix, web, abs] = r.config!.listen;
  assert.deepEqual([unix.rpc, unix.file, unix.tls], [true, '/var/lib/tslink/rpc.socket', false]);
  assert.deepEqual([web.rpc, web.tls, web.port], [true, true, 8600]);
  assert.equal(abs.file, '/run/t.sock');
  // Without set::data-directory the path stays relative: the node puts it in its --data-dir.
  const nodir = parse('listen { file "rpc.socket"; options { rpc; } }', 'set { network-name "T"; }');
  assert.equal(nodir.config!.listen[0].file, 'rpc.socket');
  // A server-link listener is unchanged.
  const link = parse('listen { ip 127.0.0.1; port 6900; options { tls; } }');
  assert.equal(link.config!.listen[0].rpc, undefined);
});

test('rpc-user blocks', () => {
  const r = parse(`rpc-user admin { match { ip 127.0.0.1; ip 10.0.0.0/8; } password "${HASH}"; rpc-class read-only; }\nrpc-user old { mask *@192.0.2.1; password "${ARGON2}"; rpc-class full; }`);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.config!.rpcUsers.map((u) => [u.name, u.match, u.rpcClass]), [['admin', ['127.0.0.1', '10.0.0.0/8'], 'read-only'], ['old', ['192.0.2.1'], 'full']]);
  assert.equal(r.config!.rpcUsers[0].passwordHash, HASH);
  assert.deepEqual(parse('').config!.rpcUsers, []);
});

test('rpc-user mistakes are errors at their line', () => {
  assert.ok(errors('rpc-user admin { match { ip 127.0.0.1; } password "plain"; }').some((e) => /r\.conf:3: rpc-user "admin": "password" must be a password hash/.test(e)));
  assert.ok(errors(`rpc-user admin { password "${HASH}"; }`).some((e) => /needs match \{ ip/.test(e)));
  assert.ok(errors(`rpc-user admin { match { ip 300.1.1.1; } password "${HASH}"; }`).some((e) => /mask "300\.1\.1\.1"/.test(e)));
  assert.ok(errors(`rpc-user bad.name { match { ip 127.0.0.1; } password "${HASH}"; }`).some((e) => /"name" must be a login name/.test(e)));
  assert.ok(errors(`rpc-user a { match { ip 127.0.0.1; } password "${HASH}"; rpc-class admin; }`).some((e) => /rpc-class" must be full or read-only/.test(e)));
  assert.ok(errors(`rpc-user a { match { ip 127.0.0.1; } password "${HASH}"; }\nrpc-user a { match { ip 127.0.0.1; } password "${HASH}"; }`).some((e) => /duplicate rpc-user block/.test(e)));
  assert.ok(errors(`rpc-user a { match { account x; } password "${HASH}"; }`).some((e) => /unknown item "account"/.test(e)));
  assert.ok(errors('rpc-user { }').some((e) => /needs a name/.test(e)));
});

test('an $argon2id$ rpc-user hash with an absurd cost or a bad form is an error at its line', () => {
  const at = (hash: string) => errors(`rpc-user u {\n match { ip 127.0.0.1; }\n password "${hash}";\n rpc-class full;\n}`);
  const salted = (params: string) => ARGON2.replace('m=6144,t=2,p=2', params);
  assert.ok(at(salted('m=4194304,t=2,p=2')).some((e) => /^r\.conf:5: rpc-user "u": unacceptable argon2 cost: m=4194304: memory over 262144 KiB: use a \$scrypt\$ hash/.test(e)));
  assert.ok(at(salted('m=6144,t=5000,p=2')).some((e) => /^r\.conf:5: rpc-user "u": unacceptable argon2 cost: t=5000/.test(e)));
  assert.ok(at(salted('m=6144,t=2,p=200')).some((e) => /^r\.conf:5: .*p=200: lanes must be 1 to 16/.test(e)));
  assert.ok(at(ARGON2.replace('v=19', 'v=16')).some((e) => /^r\.conf:5: .*only argon2 version 19/.test(e)));
  assert.ok(at('$argon2id$v=19$m=6144,t=2,p=2$c2FsdA$aGFzaA').some((e) => /^r\.conf:5: .*salt of 4 bytes/.test(e)));
  assert.deepEqual(at(ARGON2), []);
  assert.deepEqual(at(salted('m=6144,p=2,t=2')), [], 'node-argon2 parameter order');
  // No warning about a missing package: $argon2id$ is always checkable.
  assert.deepEqual(warnings(`rpc-user u { match { ip 127.0.0.1; } password "${ARGON2}"; rpc-class full; }`), []);
});

test('rpc listen mistakes, and warnings', () => {
  assert.ok(errors('listen { file "rpc.socket"; options { rpc; serversonly; } }').some((e) => /takes no server or client connections/.test(e)));
  assert.ok(errors('listen { file "rpc.socket"; options { rpc; tls; } }').some((e) => /unix rpc socket has no TLS/.test(e)));
  assert.ok(errors('listen { options { rpc; } }').some((e) => /needs file "rpc.socket"/.test(e)));
  assert.ok(warnings('listen { ip 127.0.0.1; port 8600; options { rpc; } }').some((w) => /needs rpc-user blocks/.test(w)));
  assert.ok(warnings(`rpc-user a { match { ip 127.0.0.1; } password "${HASH}"; }`).some((w) => /no rpc-class: assuming rpc-class full/.test(w)));
  assert.ok(warnings('rpc-class full { permissions { all; } }').some((w) => /rpc-class full \{ \} ignored/.test(w)));
  // A plaintext rpc unix socket is not a plaintext server-link listener.
  assert.deepEqual(errors('listen { file "rpc.socket"; options { rpc; } }'), []);
});
