// allow { } blocks and the client settings of the configuration, as UnrealIRCd reads them
// (src/conf.c _conf_allow/_test_allow, _conf_class; set::handshake-timeout).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText, type ConfigResult } from '../../src/config/index.ts';
import { classLimits, clientConfigFrom } from '../../src/runtime/clientAdmission.ts';
import { cloakKeysOf } from '../../src/client/cloak.ts';
import { DEFAULT_LIMITS } from '../../src/client/config.ts';
import { hashPasswordSync } from '../../src/link/passwords.ts';

const ME = 'me { name "leaf.test"; info "x"; sid "0AB"; }';
const SET = 'set { network-name "T"; }';
const PW_HASH = hashPasswordSync('pw', { N: 1024, r: 8, p: 1 });
const CLIENTS = 'class clients { pingfreq 90; maxclients 1000; sendq 200k; recvq 8000; }';

function load(body: string): ConfigResult {
  return parseConfigText(`${body}\n${ME}\n${SET}\n`, 'link.conf');
}

describe('config: allow blocks and client classes', () => {
  it('an allow block: its masks (mask, match, ip, hostname), class, maxperip; global-maxperip defaults to maxperip + 1', () => {
    const r = load(`${CLIENTS}\nallow { mask *; class clients; maxperip 3; }\nallow { mask 192.0.2.1; ip 10.0.0.0/8; class clients; password "${PW_HASH}"; maxperip 20; global-maxperip 5; options { tls; reject-on-auth-failure; } }`);
    assert.deepEqual(r.errors.map((e) => e.text), []);
    const [a, b] = r.config!.allow;
    assert.deepEqual({ ...a, pos: undefined }, { masks: ['*'], className: 'clients', maxPerIp: 3, globalMaxPerIp: 4, tlsOnly: false, rejectOnAuthFailure: false, pos: undefined });
    assert.deepEqual(b.masks, ['192.0.2.1', '10.0.0.0/8']);
    assert.deepEqual(b.auth, { type: 'hash', hash: PW_HASH });
    assert.equal(b.globalMaxPerIp, 20, 'never below maxperip');
    assert.equal(b.tlsOnly, true);
    assert.equal(b.rejectOnAuthFailure, true);
  });

  it('allow needs class and maxperip, a defined class and a mask', () => {
    const texts = load('allow { mask *; }').errors.map((e) => e.text).join('\n');
    assert.match(texts, /class/);
    assert.match(texts, /maxperip/);
    assert.match(load('allow { mask *; class nosuch; maxperip 3; }').errors.map((e) => e.text).join('\n'), /link\.conf:1: allow: class "nosuch" is not defined/);
    assert.match(load(`${CLIENTS}\nallow { class clients; maxperip 3; }`).errors.map((e) => e.text).join('\n'), /allow block needs a mask/);
    assert.match(load(`${CLIENTS}\nallow { mask *; class clients; maxperip 0; }`).errors.map((e) => e.text).join('\n'), /maxperip.*1\.\.1000000/);
  });

  it('a clientsonly port without any allow block is warned about (nobody could connect); allow channel { } is not client admission', () => {
    const r = load('listen { ip 127.0.0.1; port 6667; options { clientsonly; } }\nallow channel { channel "#x"; }');
    assert.deepEqual(r.errors.map((e) => e.text), []);
    assert.ok(r.warnings.some((w) => /clientsonly port, but no allow/.test(w.text)), r.warnings.map((w) => w.text).join('\n'));
    assert.ok(r.warnings.some((w) => /allow channel \{ \} is not used/.test(w.text)));
    assert.deepEqual(r.config!.allow, []);
  });

  it("a client class takes UnrealIRCd's client defaults for what it leaves out (recvq 8000, sendq 3000000), set::handshake-timeout (30 s) is the registration timeout", () => {
    const r = load('class small { pingfreq 60; maxclients 5; sendq 100k; }\nallow { mask *; class small; maxperip 2; }\nset { handshake-timeout 20s; cloak-keys { "k1"; "k2"; "k3"; } }');
    assert.deepEqual(r.errors.map((e) => e.text), []);
    const lim = classLimits(DEFAULT_LIMITS, r.config!.classes.small);
    assert.equal(lim.recvq, 8000);
    assert.equal(lim.sendq, 100 * 1024);
    assert.equal(lim.pingFreq, 60);
    assert.equal(classLimits(DEFAULT_LIMITS, r.config!.classes.servers).sendq, 3000000);
    const cc = clientConfigFrom(r.config!);
    assert.equal(cc.limits.handshakeTimeout, 20);
    assert.deepEqual(cloakKeysOf(r.config!), ['k1', 'k2', 'k3']);
    assert.equal(load('').config!.set.handshakeTimeout, 30);
  });
});
