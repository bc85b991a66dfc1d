/**
 * Issue 12, configuration half: rules that make a link that cannot be
 * authenticated (or can never link) a config error, and the files a link
 * block names checked at load (and so at every rehash, which loads the file
 * again through loadConfigFile).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigFile, parseConfigText, type ConfigMessage, type ConfigResult } from '../../src/config/index.ts';
import { makeConfigFiles, type ConfigFiles } from './configFiles.ts';

const ME = 'me { name "leaf.test"; info "x"; sid "0AB"; }';
const SET = 'set { network-name "T"; }';
const SPKIFP = '9ac71+1dyBIPmKoe2sSVsHCjN8i5oX4CIf1AbXeiygs=';
const HASH = '$scrypt$N=32768,r=8,p=1$PJS0i//cxK44egY6FkhS3g$/YAVYXNh/9IxGPTSZmuh7bZmeN0b1dm3KWZI+tWh2R8';
const VERIFY = `verify { spkifp "${SPKIFP}"; }`;
const q = (s: string): string => JSON.stringify(s);

let files: ConfigFiles;
before(() => {
  files = makeConfigFiles();
});
after(() => files.cleanup());

function load(body: string): ConfigResult {
  return parseConfigText(`${body}\n${ME}\n${SET}\n`, 'link.conf');
}

function link(name: string, ...items: string[]): string {
  return [`link ${name} {`, ...items.map((i) => `\t${i}`), '}'].join('\n');
}

function errorTexts(result: ConfigResult): string[] {
  return result.errors.map((e) => e.text);
}

function onlyError(result: ConfigResult): ConfigMessage {
  assert.equal(result.config, undefined);
  assert.equal(result.errors.length, 1, `expected one error, got:\n${errorTexts(result).join('\n')}`);
  return result.errors[0];
}

function clean(result: ConfigResult): void {
  assert.deepEqual(errorTexts(result), []);
  assert.ok(result.config);
}

/** A services link on loopback without TLS (line 1 = link, 2 = incoming, then `items`). */
function services(...items: string[]): string {
  return link('services.test', 'incoming { mask 127.0.0.1; }', 'options { plaintext-loopback; }', ...items);
}

describe('plaintext-loopback links (issue 12 items 2 and 15)', () => {
  it('a plaintext-loopback link with verify { } and no password hash is refused (it would check nothing)', () => {
    const result = load(services(VERIFY));
    assert.equal(result.config, undefined);
    assert.deepEqual(errorTexts(result), [
      'link.conf:1: link "services.test": a plaintext-loopback link must check the peer\'s password: set password to a hash from "tslink mkpasswd" (without TLS nothing else authenticates the peer)',
      'link.conf:4: link "services.test": verify { } cannot apply to a plaintext-loopback link (certificate pins and CAs need TLS): remove it; the peer is checked by its password hash',
    ]);
  });

  it('verify { } on a plaintext-loopback link is an error even with a password hash, in every notation', () => {
    assert.equal(onlyError(load(services(`password "${HASH}";`, VERIFY))).line, 5);
    assert.match(onlyError(load(services(`password "${HASH}";`, `verify { ca ${q(files.ca)}; }`))).message, /^verify \{ \} cannot apply to a plaintext-loopback link/);
    assert.match(onlyError(load(services(`password "${HASH}";`, 'verify { }'))).message, /^verify \{ \} cannot apply/);
    // UnrealIRCd's password "<fp>" { spkifp; } means verify too.
    const unreal = onlyError(load(services(`password "${HASH}";`, `password "${SPKIFP}" { spkifp; };`)));
    assert.equal(unreal.line, 5);
    assert.match(unreal.message, /^verify \{ \} cannot apply/);
  });

  it('password "*" or no password is refused on a plaintext-loopback link', () => {
    for (const items of [[], ['password "*";']]) {
      const error = onlyError(load(services(...items)));
      assert.equal(error.line, 1);
      assert.match(error.message, /must check the peer's password/);
    }
    clean(load(services(`password "${HASH}";`)));
  });

  it('require-hmac yes on a plaintext-loopback link is an error (HMAC needs TLS: it could never link)', () => {
    const result = load(services(`password "${HASH}";`, 'require-hmac yes;'));
    assert.equal(
      onlyError(result).text,
      'link.conf:5: link "services.test": require-hmac yes cannot work on a plaintext-loopback link (the HMAC handshake needs TLS): such a link could never be made; remove it',
    );
    clean(load(services(`password "${HASH}";`, 'require-hmac no;')));
  });

  it('hmac-secret-file on a plaintext-loopback link is an error too (its incoming link would always be refused)', () => {
    const result = load(services(`password "${HASH}";`, `hmac-secret-file ${q(files.secret)};`, 'require-hmac yes;'));
    assert.deepEqual(
      result.errors.map((e) => [e.line, e.message.split(' (')[0]]),
      [
        [5, 'hmac-secret-file cannot be used on a plaintext-loopback link'],
        [6, 'require-hmac yes cannot work on a plaintext-loopback link'],
      ],
    );
  });
});

describe('incoming masks are parsed at load (issue 12 item 6)', () => {
  const bad: [string, RegExp][] = [
    ['10.0.0.0/8x', /prefix length after "\/" must be a decimal number/],
    ['/', /needs an address before "\/"/],
    ['10.0.0.0/', /prefix length/],
    ['10.0.0.0/-1', /prefix length/],
    ['10.0.0.0/33', /\/33 is too long for an IPv4 address \(at most \/32\)/],
    ['2001:db8::/129', /\/129 is too long for an IPv6 address \(at most \/128\)/],
    ['10.0.0.256/8', /"10\.0\.0\.256" is not an IP address/],
    ['10.0.0/8', /is not an IP address/],
    ['10.0.0.0/8/8', /prefix length/],
    ['10.*/8', /is not an IP address/],
    ['1.2.3.4.5', /is not an IP address, a CIDR block/],
    ['hub.example.net', /is not an IP address/],
    ['*.example.net', /wildcard mask may contain only IP address characters/],
    ['fe80::1%eth0', /zone indexes/],
  ];
  for (const [mask, reason] of bad) {
    it(`refuses mask ${mask} with file:line`, () => {
      const error = onlyError(load(link('hub.test', 'incoming {', `\tmask ${q(mask)};`, '}', VERIFY)));
      assert.equal(error.line, 3);
      assert.equal(error.block, 'link "hub.test" → incoming');
      assert.ok(error.message.startsWith(`mask ${q(mask)}: `), error.message);
      assert.match(error.message, reason);
    });
  }

  it('accepts *, addresses, CIDR blocks and wildcards of both families', () => {
    const masks = ['*', '192.0.2.10', '2001:db8::10', '10.0.0.0/8', '0.0.0.0/0', '2001:db8::/32', '::/0', '192.168.*', '2001:db8:*', '10.?.0.1', '::ffff:10.0.0.0/104'];
    const result = load(link('hub.test', `incoming { ${masks.map((m) => `mask ${q(m)};`).join(' ')} }`, VERIFY));
    clean(result);
    assert.deepEqual(result.config?.links[0].incoming?.mask, masks);
  });

  it('a malformed mask on a plaintext-loopback link is reported once (not also as "not loopback")', () => {
    const error = onlyError(load(link('services.test', 'incoming { mask 127.0.0.0/8x; }', `password "${HASH}";`, 'options { plaintext-loopback; }')));
    assert.match(error.message, /^mask "127\.0\.0\.0\/8x": the prefix length/);
  });
});

describe('files named by a link block are checked at load (issue 12 items 6 and 11)', () => {
  it('a password-file that does not exist is an error at its line (the node would send PASS :*)', () => {
    const missing = path.join(files.dir, 'nope.pass');
    const error = onlyError(load(link('hub.test', 'incoming { mask *; }', VERIFY, `password-file ${q(missing)};`)));
    assert.equal(error.text, `link.conf:4: link "hub.test": password-file ${q(missing)}: does not exist`);
  });

  it('names the written path and the resolved one', () => {
    const result = load(link('hub.test', 'incoming { mask *; }', VERIFY, 'password-file "secrets/none.pass";'));
    assert.equal(onlyError(result).message, `password-file "secrets/none.pass" (${path.resolve('secrets/none.pass')}): does not exist`);
  });

  it('a password-file with mode 0644 (or any group/other access) is refused like the HMAC secret file', () => {
    for (const mode of [0o644, 0o640, 0o604, 0o620, 0o602, 0o610]) {
      const p = path.join(files.dir, `m${mode.toString(8)}.pass`);
      writeFileSync(p, 'linkpass\n');
      chmodSync(p, mode);
      const error = onlyError(load(link('hub.test', 'incoming { mask *; }', VERIFY, `password-file ${q(p)};`)));
      const shown = mode.toString(8).padStart(4, '0');
      assert.equal(error.text, `link.conf:4: link "hub.test": password-file ${q(p)}: mode ${shown} gives access to group/others; run: chmod 600 ${p}`);
      assert.doesNotMatch(error.text, /linkpass/);
    }
    const ok = path.join(files.dir, 'ro.pass');
    writeFileSync(ok, 'linkpass\n');
    chmodSync(ok, 0o400);
    clean(load(link('hub.test', 'incoming { mask *; }', VERIFY, `password-file ${q(ok)};`)));
  });

  it('an hmac-secret-file with mode 0644, missing, or too short is an error at load', () => {
    const open = path.join(files.dir, 'open.hmac');
    writeFileSync(open, 'c2VjcmV0LWhtYWMta2V5LXRoaXJ0eS10d28tYnl0ZXMh\n');
    chmodSync(open, 0o644);
    const modeError = onlyError(load(link('hub.test', 'incoming { mask *; }', VERIFY, `hmac-secret-file ${q(open)};`)));
    assert.equal(modeError.text, `link.conf:4: link "hub.test": hmac-secret-file ${q(open)}: mode 0644 gives access to group/others; run: chmod 600 ${open}`);
    const missing = onlyError(load(link('hub.test', 'incoming { mask *; }', VERIFY, `hmac-secret-file ${q(path.join(files.dir, 'none'))};`)));
    assert.match(missing.message, /: does not exist$/);
    const short = path.join(files.dir, 'short.hmac');
    writeFileSync(short, 'abc\n', { mode: 0o600 });
    assert.match(onlyError(load(link('hub.test', 'incoming { mask *; }', VERIFY, `hmac-secret-file ${q(short)};`))).message, /secret shorter than 16 bytes/);
  });

  it('a secret file that is a directory, empty, or a FIFO is refused (without hanging)', () => {
    const dir = path.join(files.dir, 'adir');
    mkdirSync(dir, { mode: 0o700 });
    assert.match(onlyError(load(link('hub.test', 'incoming { mask *; }', VERIFY, `password-file ${q(dir)};`))).message, /: not a regular file$/);
    const empty = path.join(files.dir, 'empty.pass');
    writeFileSync(empty, '\n', { mode: 0o600 });
    assert.match(onlyError(load(link('hub.test', 'incoming { mask *; }', VERIFY, `password-file ${q(empty)};`))).message, /first line \(the password we send\) is empty/);
    const fifo = path.join(files.dir, 'fifo.pass');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    assert.match(onlyError(load(link('hub.test', 'incoming { mask *; }', VERIFY, `password-file ${q(fifo)};`))).message, /: not a regular file$/);
  });

  it('a symbolic link to a good secret file is followed; one to a 0644 file is refused', () => {
    const target = path.join(files.dir, 'target.pass');
    writeFileSync(target, 'linkpass\n', { mode: 0o600 });
    const viaLink = path.join(files.dir, 'via-link.pass');
    symlinkSync(target, viaLink);
    clean(load(link('hub.test', 'incoming { mask *; }', VERIFY, `password-file ${q(viaLink)};`)));
    chmodSync(target, 0o644);
    assert.match(onlyError(load(link('hub.test', 'incoming { mask *; }', VERIFY, `password-file ${q(viaLink)};`))).message, /mode 0644/);
  });

  it('a verify { ca } that is missing is an error even when pins are also set (it was silently ignored)', () => {
    const missing = path.join(files.dir, 'no-ca.pem');
    const error = onlyError(load(link('hub.test', 'incoming { mask *; }', 'verify {', `\tspkifp "${SPKIFP}";`, `\tca ${q(missing)};`, '}')));
    assert.equal(error.text, `link.conf:5: link "hub.test" → verify: ca ${q(missing)}: does not exist`);
  });

  it('a verify { ca } without a usable CA certificate is an error', () => {
    const notPem = path.join(files.dir, 'not.pem');
    writeFileSync(notPem, 'hello\n');
    assert.match(onlyError(load(link('hub.test', 'incoming { mask *; }', `verify { ca ${q(notPem)}; }`))).message, /contains no PEM certificate/);
    assert.match(onlyError(load(link('hub.test', 'incoming { mask *; }', `verify { ca ${q(files.nonCa)}; }`))).message, /no certificate in it is a CA certificate/);
    const broken = path.join(files.dir, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    assert.match(onlyError(load(link('hub.test', 'incoming { mask *; }', `verify { ca ${q(broken)}; }`))).message, /a certificate in it cannot be parsed/);
    assert.match(onlyError(load(link('hub.test', 'incoming { mask *; }', `verify { ca ${q(files.dir)}; }`))).message, /is a directory/);
    clean(load(link('hub.test', 'incoming { mask *; }', `verify { ca ${q(files.ca)}; spkifp "${SPKIFP}"; }`)));
  });

  it('reports every bad file of a config at once, in line order', () => {
    const result = load(
      [
        link('a.test', 'incoming { mask *; }', VERIFY, `password-file ${q(path.join(files.dir, 'x1'))};`),
        link('b.test', 'incoming { mask *; }', `verify { ca ${q(path.join(files.dir, 'x2'))}; }`, `hmac-secret-file ${q(path.join(files.dir, 'x3'))};`),
      ].join('\n'),
    );
    assert.deepEqual(
      result.errors.map((e) => e.line),
      [4, 8, 9],
    );
  });

  it('a rehash (loadConfigFile of the same file again) refuses a secret file that became readable by others', () => {
    const conf = path.join(files.dir, 'rehash.conf');
    const pass = path.join(files.dir, 'rehash.pass');
    writeFileSync(pass, 'linkpass\n', { mode: 0o600 });
    writeFileSync(conf, `${ME}\n${SET}\n${link('hub.test', 'incoming { mask *; }', VERIFY, 'password-file "rehash.pass";')}\n`);
    clean(loadConfigFile(conf));
    chmodSync(pass, 0o644);
    const error = onlyError(loadConfigFile(conf));
    assert.equal(error.text, `${conf}:6: link "hub.test": password-file "rehash.pass" (${pass}): mode 0644 gives access to group/others; run: chmod 600 ${pass}`);
  });
});

describe('set { tls { min-version } } (issue 12 item 13)', () => {
  it('defaults to TLSv1.2', () => {
    const result = load('');
    clean(result);
    assert.deepEqual(result.config?.set.tls, { minVersion: 'TLSv1.2' });
  });

  it('accepts TLSv1.3 and TLSv1.2', () => {
    for (const v of ['TLSv1.3', 'TLSv1.2'] as const) {
      const result = parseConfigText(`${ME}\nset { network-name "T"; tls { min-version "${v}"; } }\n`, 'link.conf');
      clean(result);
      assert.equal(result.config?.set.tls.minVersion, v);
      assert.deepEqual(result.config?.set.extra, [], 'set::tls is interpreted, not kept as an unknown item');
    }
  });

  it('refuses other versions at their line', () => {
    const bad = onlyError(parseConfigText(`${ME}\nset {\n\tnetwork-name "T";\n\ttls { min-version TLSv1.1; }\n}\n`, 'link.conf'));
    assert.equal(bad.text, 'link.conf:4: set → tls: "min-version" must be TLSv1.2 or TLSv1.3 (the lowest TLS version a server link may use)');
  });

  it("warns about (and ignores) UnrealIRCd's own set::tls items, so a shared set block still loads", () => {
    const result = parseConfigText(`${ME}\nset {\n\tnetwork-name "T";\n\ttls {\n\t\tprotocols "TLSv1.3";\n\t\tmin-version TLSv1.3;\n\t\toptions { no-client-certificate; }\n\t}\n}\n`, 'link.conf');
    clean(result);
    assert.equal(result.config?.set.tls.minVersion, 'TLSv1.3');
    assert.deepEqual(result.warnings.map((w) => w.text), [
      'link.conf:5: set → tls: "protocols" is not used by tslink (tslink reads only min-version here); ignored',
      'link.conf:7: set → tls: "options" is not used by tslink (tslink reads only min-version here); ignored',
    ]);
  });
});
