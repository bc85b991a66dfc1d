import assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { generateSelfSigned } from '../../src/link/certs.ts';
import { after, before, describe, it } from 'node:test';
import { parseConfigText, type ConfigMessage, type ConfigResult } from '../../src/config/index.ts';
import { makeConfigFiles, type ConfigFiles } from './configFiles.ts';

/** Real password, secret and CA files (they are checked at load). */
let files: ConfigFiles;
before(() => {
  files = makeConfigFiles();
});
after(() => files.cleanup());
const q = (s: string): string => JSON.stringify(s);

const ME = 'me { name "leaf.test"; info "x"; sid "0AB"; }';
const SET = 'set { network-name "T"; }';
const SPKIFP = '9ac71+1dyBIPmKoe2sSVsHCjN8i5oX4CIf1AbXeiygs=';
const CERTFP = '2392e999b636d78fe590f011f7c899b84fb8a6f8213cc9380739e8fa3792c618';
const HASH = '$scrypt$N=32768,r=8,p=1$PJS0i//cxK44egY6FkhS3g$/YAVYXNh/9IxGPTSZmuh7bZmeN0b1dm3KWZI+tWh2R8';

/** Loads `body` (starting at line 1 of link.conf) followed by a valid me and set block. */
function load(body: string): ConfigResult {
  return parseConfigText(`${body}\n${ME}\n${SET}\n`, 'link.conf');
}

function loadClean(body: string) {
  const result = load(body);
  assert.deepEqual(result.errors.map((e) => e.text), []);
  assert.ok(result.config);
  return result.config;
}

/** The single error of `result` (fails if there are none or several). */
function onlyError(result: ConfigResult): ConfigMessage {
  assert.equal(result.config, undefined);
  assert.equal(result.errors.length, 1, `expected one error, got:\n${result.errors.map((e) => e.text).join('\n')}`);
  return result.errors[0];
}

function link(name: string, ...items: string[]): string {
  return [`link ${name} {`, ...items.map((i) => `\t${i}`), '}'].join('\n');
}

const INCOMING = 'incoming { mask *; }';
const OUTGOING = 'outgoing { hostname 10.0.0.1; port 6900; options { tls; } }';
const VERIFY = `verify { spkifp "${SPKIFP}"; }`;

describe('config validation: link block', () => {
  it('accepts a minimal verified link and fills defaults', () => {
    const config = loadClean(link('hub.test', INCOMING, OUTGOING, VERIFY));
    const [hub] = config.links;
    assert.equal(hub.name, 'hub.test');
    assert.deepEqual(hub.incoming, { mask: ['*'] });
    assert.deepEqual(hub.outgoing, { hostname: '10.0.0.1', port: 6900, tls: true, autoconnect: false });
    assert.deepEqual(hub.verify, { certfp: [], spkifp: [SPKIFP] });
    assert.equal(hub.className, 'servers');
    assert.equal(hub.requireHmac, false);
    assert.equal(hub.plaintextLoopback, false);
    assert.equal(hub.passwordHash, undefined);
    assert.deepEqual(hub.pos, { file: 'link.conf', line: 1 });
    assert.ok(config.classes.servers, 'the servers class always exists');
  });

  it('names file, line and block path for a bad outgoing port', () => {
    const error = onlyError(
      load(link('hub.test', INCOMING, 'outgoing {', '\thostname 10.0.0.1;', '\tport 99999;', '\toptions { tls; }', '}', VERIFY)),
    );
    assert.deepEqual(error, {
      file: 'link.conf',
      line: 5,
      block: 'link "hub.test" → outgoing',
      message: '"port" must be an integer 1..65535',
      text: 'link.conf:5: link "hub.test" → outgoing: "port" must be an integer 1..65535',
    });
    const notNumber = onlyError(load(link('hub.test', INCOMING, 'outgoing { hostname h.test; port abc; options { tls; } }', VERIFY)));
    assert.equal(notNumber.text, 'link.conf:3: link "hub.test" → outgoing: "port" must be an integer 1..65535');
  });

  it('reports a missing required item at the block that lacks it', () => {
    const error = onlyError(load(link('hub.test', INCOMING, 'outgoing { hostname h.test; options { tls; } }', VERIFY)));
    assert.equal(error.line, 3);
    assert.equal(error.block, 'link "hub.test" → outgoing');
    assert.equal(error.message, '"port" is required (an integer 1..65535)');
  });

  it('rejects a plaintext incoming password, explaining how to hash it, without echoing it', () => {
    const error = onlyError(load(link('hub.test', INCOMING, VERIFY, 'password "s3cretpw";')));
    assert.equal(error.line, 4);
    assert.equal(error.block, 'link "hub.test"');
    assert.match(error.message, /^"password" must be a password hash/);
    assert.match(error.message, /plaintext password is not accepted/);
    assert.match(error.message, /tslink mkpasswd/);
    assert.doesNotMatch(error.text, /s3cretpw/);
  });

  it('accepts a hash or "*" as password', () => {
    assert.equal(loadClean(link('hub.test', INCOMING, VERIFY, `password "${HASH}";`)).links[0].passwordHash, HASH);
    assert.equal(loadClean(link('hub.test', INCOMING, VERIFY, 'password "*";')).links[0].passwordHash, undefined);
    const argon = load(link('hub.test', INCOMING, VERIFY, 'password "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";'));
    assert.deepEqual(argon.errors, []);
    assert.match(argon.warnings[0].text, /^link\.conf:4: link "hub\.test": this node cannot check argon2 hashes/);
  });

  it('takes the password we send only from password-file, never inline in outgoing', () => {
    const config = loadClean(link('hub.test', INCOMING, VERIFY, `password-file ${q(files.pass)};`));
    assert.equal(config.links[0].passwordFile, files.pass);

    const error = onlyError(
      load(link('hub.test', INCOMING, 'outgoing {', '\thostname h.test; port 1; options { tls; }', '\tpassword "plain";', '}', VERIFY)),
    );
    assert.equal(error.line, 5);
    assert.equal(error.block, 'link "hub.test" → outgoing');
    assert.match(error.message, /^unknown item "password" \(.*password-file "path"/);
    assert.doesNotMatch(error.text, /plain"/);
  });

  it('requires a verification method (certfp, spkifp or ca)', () => {
    const error = onlyError(load(`\n${link('hub.test', INCOMING, OUTGOING, `password "${HASH}";`)}`));
    assert.equal(error.line, 2);
    assert.equal(error.block, 'link "hub.test"');
    assert.match(error.message, /^no way to verify the peer: add verify \{ certfp/);
    assert.equal(loadClean(link('hub.test', INCOMING, `verify { ca ${q(files.ca)}; }`)).links[0].verify.ca, files.ca);
  });

  it('normalises certfp (colons, capitals) and rejects a wrong length at its line', () => {
    const colon = CERTFP.toUpperCase().match(/../g)?.join(':');
    const config = loadClean(link('hub.test', INCOMING, `verify { certfp "${colon}"; certfp ${CERTFP}; }`));
    assert.deepEqual(config.links[0].verify.certfp, [CERTFP, CERTFP]);

    const error = onlyError(load(link('hub.test', INCOMING, 'verify {', `\tcertfp "${CERTFP}";`, '\tcertfp "abcd";', '}')));
    assert.equal(error.line, 5);
    assert.equal(error.block, 'link "hub.test" → verify');
    assert.match(error.message, /^"certfp" must be 64 hex digits/);
  });

  it('accepts spkifp as base64 of 32 bytes (padding optional) and rejects other lengths', () => {
    const config = loadClean(link('hub.test', INCOMING, `verify { spkifp "${SPKIFP.slice(0, -1)}"; }`));
    assert.deepEqual(config.links[0].verify.spkifp, [SPKIFP]);
    const error = onlyError(load(link('hub.test', INCOMING, 'verify { spkifp "AAAA"; }')));
    assert.equal(error.line, 3);
    assert.match(error.message, /^"spkifp" must be base64 of 32 bytes/);
  });

  it("understands UnrealIRCd's password \"<fp>\" { spkifp; } notation as verify", () => {
    const config = loadClean(link('hub.test', INCOMING, `password "${SPKIFP}" { spkifp; };`, `password "${CERTFP}" { tlsclientcertfp; };`));
    assert.deepEqual(config.links[0].verify, { certfp: [CERTFP], spkifp: [SPKIFP] });
    assert.equal(config.links[0].passwordHash, undefined);
    const error = onlyError(load(link('hub.test', INCOMING, VERIFY, 'password "x" { bcrypt; };')));
    assert.equal(error.line, 4);
    assert.match(error.message, /password types other than/);
  });

  it('stores hub and leaf as mask strings and rejects a block there', () => {
    const config = loadClean(link('hub.test', INCOMING, VERIFY, 'hub *;', 'leaf "*.leaf.test";', 'leaf-depth 3;'));
    assert.equal(config.links[0].hub, '*');
    assert.equal(config.links[0].leaf, '*.leaf.test');
    assert.equal(config.links[0].leafDepth, 3);
    const error = onlyError(load(link('hub.test', INCOMING, VERIFY, 'hub { a.test; }')));
    assert.equal(error.line, 4);
    assert.equal(error.message, '"hub" must be a value, not a block: hub <value>;');
  });

  it('requires hmac-secret-file for require-hmac yes, and a yes/no value', () => {
    const error = onlyError(load(link('hub.test', INCOMING, VERIFY, 'require-hmac yes;')));
    assert.equal(error.text, 'link.conf:4: link "hub.test": require-hmac yes needs hmac-secret-file "path"');
    const bad = onlyError(load(link('hub.test', INCOMING, VERIFY, `hmac-secret-file ${q(files.secret)};`, 'require-hmac maybe;')));
    assert.equal(bad.text, 'link.conf:5: link "hub.test": "require-hmac" must be yes or no');
    const config = loadClean(link('hub.test', INCOMING, VERIFY, `hmac-secret-file ${q(files.secret)};`, 'require-hmac yes;', 'capture "cap.log";'));
    assert.equal(config.links[0].requireHmac, true);
    assert.equal(config.links[0].hmacSecretFile, files.secret);
    assert.equal(config.links[0].capture, path.resolve('cap.log'));
  });

  it('refuses an outgoing connection without TLS unless plaintext-loopback', () => {
    const error = onlyError(load(link('hub.test', INCOMING, VERIFY, 'outgoing { hostname h.test; port 1; }')));
    assert.equal(error.line, 4);
    assert.equal(error.block, 'link "hub.test" → outgoing');
    assert.match(error.message, /^connects without TLS: add options \{ tls; \}/);
  });

  it('checks names, duplicates, class references and shape', () => {
    assert.match(onlyError(load(link('nodot', INCOMING, VERIFY))).text, /^link\.conf:1: link "nodot": "name" must be a server name containing a dot/);
    assert.equal(onlyError(load('link { }')).text, 'link.conf:1: a link block needs a name: link <name> { ... }');
    assert.equal(
      onlyError(load(`${link('hub.test', INCOMING, VERIFY)}\n${link('HUB.test', INCOMING, VERIFY)}`)).text,
      'link.conf:5: link "HUB.test": duplicate link block (the first is at link.conf:1)',
    );
    assert.equal(
      onlyError(load(link('hub.test', INCOMING, VERIFY, 'class nope;'))).text,
      'link.conf:4: link "hub.test": class "nope" is not defined (add class nope { ... })',
    );
    assert.equal(
      onlyError(load(link('hub.test', VERIFY))).text,
      'link.conf:1: link "hub.test": needs incoming { mask ...; } and/or outgoing { hostname ...; port ...; }',
    );
    assert.equal(onlyError(load(link('hub.test', INCOMING, VERIFY, 'foo bar;'))).text, 'link.conf:4: link "hub.test": unknown item "foo"');
    assert.equal(
      onlyError(load(link('hub.test', INCOMING, VERIFY, 'leaf-depth 1;', 'leaf-depth 2;'))).text,
      'link.conf:5: link "hub.test": duplicate "leaf-depth" (the first is at link.conf:4)',
    );
    assert.equal(
      onlyError(load(link('hub.test', 'incoming { mask *; }', 'outgoing { hostname h; port 1; options { tls yes; } }', VERIFY))).text,
      'link.conf:3: link "hub.test" → outgoing → options: "tls" is a flag and takes no value: tls;',
    );
  });

  it('accepts several incoming masks, repeated or as a block', () => {
    const config = loadClean(link('hub.test', 'incoming { mask 10.0.0.1; mask { 10.0.0.2; "10.0.1.0/24"; } }', VERIFY));
    assert.deepEqual(config.links[0].incoming?.mask, ['10.0.0.1', '10.0.0.2', '10.0.1.0/24']);
    const error = onlyError(load(link('hub.test', 'incoming { }', VERIFY)));
    assert.equal(error.text, 'link.conf:2: link "hub.test" → incoming: "mask" is required (one or more items, each an IP mask like *, 127.0.0.1, 10.0.0.0/8 or 192.168.*)');
  });
});

describe('config validation: plaintext-loopback and listen TLS', () => {
  const SERVICES = link('services.test', 'incoming { mask 127.0.0.1; }', `password "${HASH}";`, 'options { plaintext-loopback; }');

  it('allows an unverified plaintext-loopback link with a password hash', () => {
    const config = loadClean(SERVICES);
    assert.equal(config.links[0].plaintextLoopback, true);
    assert.deepEqual(config.links[0].verify, { certfp: [], spkifp: [] });
  });

  it('requires loopback masks, a loopback outgoing address and a password on plaintext-loopback links', () => {
    const mask = onlyError(load(link('services.test', 'incoming {', '\tmask 127.0.0.1;', '\tmask 10.0.0.0/8;', '}', `password "${HASH}";`, 'options { plaintext-loopback; }')));
    assert.equal(mask.line, 4);
    assert.equal(mask.block, 'link "services.test" → incoming');
    assert.match(mask.message, /allows only loopback incoming masks/);

    const host = onlyError(load(link('services.test', 'outgoing { hostname services.test; port 1; }', `password "${HASH}";`, 'options { plaintext-loopback; }')));
    assert.equal(host.line, 2);
    assert.match(host.message, /allows only a loopback IP address as hostname/);

    const nopass = onlyError(load(link('services.test', 'incoming { mask 127.0.0.1; }', 'options { plaintext-loopback; }')));
    assert.equal(nopass.line, 1);
    assert.match(nopass.message, /^a plaintext-loopback link must check the peer's password: set password to a hash/);

    loadClean(link('services.test', 'incoming { mask "127.*"; mask ::1; mask 127.0.0.0/8; }', 'outgoing { hostname ::1; port 7000; }', `password "${HASH}";`, 'options { plaintext-loopback; }'));
    assert.equal(onlyError(load(link('s.test', 'incoming { mask 127.0.0.0/4; }', `password "${HASH}";`, 'options { plaintext-loopback; }'))).line, 2);
  });

  it('refuses a server listener without TLS on a public address', () => {
    const error = onlyError(load(`${SERVICES}\nlisten { ip 0.0.0.0; port 6900; options { serversonly; } }`));
    assert.equal(error.line, 6);
    assert.equal(error.block, 'listen');
    assert.match(error.message, /^accepts server links without TLS: add options \{ tls; \}/);
  });

  it('refuses a plaintext loopback listener unless a link says plaintext-loopback', () => {
    const error = onlyError(load('listen {\n\tip 127.0.0.1;\n\tport 6900;\n}'));
    assert.equal(error.text.split(':').slice(0, 2).join(':'), 'link.conf:1');
    assert.match(error.message, /plaintext-loopback/);
    assert.match(onlyError(load('listen { ip ::1; port 6900; }')).message, /accepts server links without TLS/);
    assert.match(onlyError(load('listen { file "tslink.sock"; }')).message, /accepts server links without TLS/);

    const config = loadClean(`${SERVICES}\nlisten { ip 127.0.0.1; port 6900; }\nlisten { ip ::1; port 6900; }\nlisten { file "run/tslink.sock"; options { serversonly; } }`);
    assert.equal(config.listen.length, 3);
    assert.equal(config.listen[2].file, path.resolve('run/tslink.sock'));
  });

  it('accepts TLS listeners and plaintext client-only listeners anywhere', () => {
    // check-config reads the certificate and key: real ones, in a temporary directory.
    const dir = mkdtempSync(path.join(tmpdir(), 'tslink-val-'));
    const kc = generateSelfSigned({ commonName: 'x.test' });
    const c = path.join(dir, 'c.pem'), k = path.join(dir, 'k.pem');
    writeFileSync(c, kc.certPem);
    writeFileSync(k, kc.keyPem, { mode: 0o600 });
    const config = loadClean(
      `listen { ip *; port 6900; options { tls; serversonly; } tls-options { certificate "${c}"; key "${k}"; } }\nlisten { ip 0.0.0.0; port 6667; options { clientsonly; } }`,
    );
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(config.listen[0], {
      ip: '*',
      port: 6900,
      serversOnly: true,
      clientsOnly: false,
      tls: true,
      tlsOptions: { certificate: c, key: k },
      pos: { file: 'link.conf', line: 1 },
    });
    assert.equal(config.listen[1].clientsOnly, true);
  });

  it('checks listen addresses and combinations', () => {
    assert.equal(onlyError(load('listen { ip nowhere; port 1; options { tls; } }')).text, 'link.conf:1: listen: "ip" must be an IPv4 or IPv6 address, or *');
    assert.equal(onlyError(load('listen { port 1; options { tls; } }')).text, 'link.conf:1: listen: needs ip and port, or file (a unix socket)');
    assert.equal(onlyError(load('listen { ip *; options { tls; } }')).text, 'link.conf:1: listen: "port" is required with "ip"');
    assert.match(onlyError(load('listen { ip *; port 1; options { tls; } }\nlisten { ip *; port 1; options { tls; } }')).text, /^link\.conf:2: listen: listens on the same \* port 1/);
    assert.match(onlyError(load('listen { ip *; port 1; options { tls; } tls-options { key "k"; } }')).message, /certificate and key must be given together/);
  });
});

describe('config validation: me, class, ulines, set, deny, unknown blocks', () => {
  it('validates me', () => {
    const sid = onlyError(parseConfigText(`me {\n\tname "a.test";\n\tinfo "x";\n\tsid "AAA";\n}\n${SET}`, 'link.conf'));
    assert.equal(sid.text, 'link.conf:4: me: "sid" must be a server ID of 3 characters: a digit, then two digits or capital letters (like 0AB)');
    const name = onlyError(parseConfigText(`me { name "nodot"; info "x"; sid "0AA"; }\n${SET}`, 'link.conf'));
    assert.match(name.text, /^link\.conf:1: me: "name" must be a server name containing a dot/);
    const info = onlyError(parseConfigText(`me { name "a.test"; sid "0AA"; }\n${SET}`, 'link.conf'));
    assert.match(info.text, /^link\.conf:1: me: "info" is required/);
    const missing = onlyError(parseConfigText(SET, 'link.conf'));
    assert.equal(missing.line, 0);
    assert.match(missing.text, /^link\.conf: "me" is required \(a block: me \{/);
    assert.match(onlyError(load('me { name "b.test"; info "y"; sid "0BB"; }')).text, /^link\.conf:2: duplicate me block \(the first is at link\.conf:1\)$/);
  });

  it('parses class times and sizes with units', () => {
    const config = loadClean('class slow { pingfreq 2m; connfreq 1h2m; maxclients 5; sendq 20M; recvq 64k; }\nclass servers { sendq 1g; }');
    assert.deepEqual(config.classes.slow, {
      name: 'slow',
      pingFreq: 120,
      connFreq: 3720,
      maxClients: 5,
      sendQ: 20 * 1024 * 1024,
      recvQ: 64 * 1024,
      // What the block wrote (a client class takes UnrealIRCd's client defaults for the rest).
      written: { pingFreq: 120, maxClients: 5, sendQ: 20 * 1024 * 1024, recvQ: 64 * 1024 },
      pos: { file: 'link.conf', line: 1 },
    });
    assert.equal(config.classes.servers.sendQ, 1024 ** 3);
    assert.deepEqual(config.classes.servers.written, { sendQ: 1024 ** 3 });
    assert.equal(config.classes.servers.pingFreq, 90);
    assert.equal(onlyError(load('class c {\n\tsendq 20X;\n}')).text, 'link.conf:2: class "c": "sendq" must be a size like 8192, 64k, 20M or 1G, between 1k and 1G');
    assert.equal(onlyError(load('class c { pingfreq 1d2h; }')).text, 'link.conf:1: class "c": "pingfreq" must be a time like 90, 30s, 5m or 1d2h, between 10s and 1h');
    assert.match(onlyError(load('class c { }\nclass c { }')).text, /^link\.conf:2: class "c": duplicate class block/);
  });

  it('collects ulines', () => {
    const config = loadClean('ulines { services.test; "stats.test"; }\nulines { other.test; }');
    assert.deepEqual(config.ulines, ['services.test', 'stats.test', 'other.test']);
    assert.equal(onlyError(load('ulines {\n\tservices.test yes;\n}')).text, 'link.conf:2: ulines: each entry is a server name alone, like: services.example.net;');
    assert.match(onlyError(load('ulines { leaf.test; }')).message, /our own server name/);
  });

  it('validates the set items it defines and keeps the others', () => {
    const config = loadClean(
      'set {\n\tdata-directory "d";\n\tcloak-keys { "k1"; "k2"; }\n\tserver-linking { connect-timeout 5s; handshake-timeout 1m; autoconnect-strategy parallel; }\n\thandshake-limits { per-ip 3; total 30; }\n\tsome-flag;\n}',
    );
    assert.equal(config.set.networkName, 'T');
    assert.equal(config.set.dataDirectory, path.resolve('d'));
    assert.deepEqual(config.set.serverLinking, { connectTimeout: 5, handshakeTimeout: 60, autoconnectStrategy: 'parallel' });
    assert.deepEqual(config.set.handshakeLimits, { perIp: 3, perPrefix: 200, total: 30 });
    assert.deepEqual(
      config.set.extra.map((n) => [n.name, n.pos.line, n.children?.map((c) => c.name)]),
      [
        ['cloak-keys', 3, ['k1', 'k2']],
        ['some-flag', 6, undefined],
      ],
    );
    assert.equal(
      onlyError(load('set {\n\thandshake-limits {\n\t\tper-ip many;\n\t}\n}')).text,
      'link.conf:3: set → handshake-limits: "per-ip" must be an integer 1..100000',
    );
    assert.equal(onlyError(load('set { network-name "Other"; }')).text, 'link.conf:3: set: duplicate "network-name" (the first is at link.conf:1)');
  });

  it('applies set defaults and warns when network-name is missing', () => {
    const result = parseConfigText(ME, 'link.conf');
    assert.deepEqual(result.errors, []);
    assert.equal(result.config?.set.networkName, 'TestNet');
    assert.deepEqual(result.config?.set.serverLinking, { connectTimeout: 10, handshakeTimeout: 20, autoconnectStrategy: 'sequential' });
    assert.deepEqual(result.config?.set.handshakeLimits, { perIp: 20, perPrefix: 200, total: 2000 });
    assert.deepEqual(result.config?.set.antiFlood, { connectFlood: { count: 3, periodSeconds: 60 } });
    assert.deepEqual(result.config?.exceptBan, []);
    assert.equal(result.config?.set.dataDirectory, undefined);
    assert.match(result.warnings[0].text, /^link\.conf: set \{ network-name/);
  });

  it('stores deny link blocks and warns about other deny types', () => {
    const result = load('deny link { mask "*.bad"; rule "connected(x.*)"; reason "no"; }\ndeny version { mask *; }');
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.config?.denyLink, [{ mask: '*.bad', rule: 'connected(x.*)', reason: 'no', type: 'all', pos: { file: 'link.conf', line: 1 } }]);
    assert.equal(result.warnings[0].text, 'link.conf:2: deny version { } is not supported by tslink; ignored');
    assert.equal(onlyError(load('deny link { mask *; rule "connected(x)"; type sometimes; }')).text, 'link.conf:1: deny link: "type" must be all or auto');
  });

  it('warns (does not fail) on UnrealIRCd blocks tslink does not use, with file:line', () => {
    const result = load('\noperclass netadmin2 { parent netadmin; }\nloadmodule "foo";\nsecurity-group x { }');
    assert.deepEqual(result.errors, []);
    assert.ok(result.config);
    assert.deepEqual(
      result.warnings.map((w) => w.text),
      ['link.conf:2: operclass: ignored: tslink does not use it', 'link.conf:3: loadmodule: ignored: tslink does not use it', 'link.conf:4: security-group: ignored: tslink does not use it'],
    );
  });

  it('a typo of a block name is an error with file:line and the name it is closest to', () => {
    const result = load('\nlnik hub.test { }\nsett { }\nLink x { }\nopre x { }\nrpc-usr x { }\nulnes { }\nlisten2 { }\nfrobnicate { }\nincldue "x";');
    assert.equal(result.config, undefined);
    assert.deepEqual(result.errors.map((e) => e.text), [
      'link.conf:2: lnik: unknown block; did you mean "link"?',
      'link.conf:3: sett: unknown block; did you mean "set"?',
      'link.conf:4: Link: unknown block; did you mean "link"?',
      'link.conf:5: opre: unknown block; did you mean "oper"?',
      'link.conf:6: rpc-usr: unknown block; did you mean "rpc-user"?',
      'link.conf:7: ulnes: unknown block; did you mean "ulines"?',
      'link.conf:8: listen2: unknown block; did you mean "listen"?',
      "link.conf:9: frobnicate: unknown block (tslink reads me, listen, link, class, ulines, set, deny, except, rpc-user, rpc-class, allow, oper, and ignores UnrealIRCd's other blocks)",
      'link.conf:10: incldue: unknown top-level item; did you mean "include"?',
    ]);
  });
});
