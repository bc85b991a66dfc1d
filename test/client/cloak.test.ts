// Cloaks byte-identical to UnrealIRCd 6.1.8.1's cloak_sha256.
//
// How the vectors were derived: UnrealIRCd's own src/modules/cloak_sha256.c and src/ircsprintf.c
// (git show of the 6.1.8.1 tag, commit 30b9f66f7), unmodified, were compiled with gcc on this
// machine (x86-64 Debian 12, glibc 2.36, OpenSSL 3.0), as an unprivileged user, outside the
// repository, into a small C harness. The harness supplied only what the module takes from the
// rest of UnrealIRCd: sha256hash_binary() through OpenSSL's EVP SHA256 (as src/misc.c does),
// strlcpy()/strlcat() with BSD semantics (as src/support.c), is_valid_ip() through inet_pton()
// (as src/socket.c), CLOAK_PREFIX, and make_cloakedhost()'s lower-casing and 255-byte cut
// (src/user.c). It ran the module's cloak_config_test()/cloak_config_run() on the three keys
// below and printed hidehost() for each host and cloakcsum(). Neither the harness nor its binary
// is in the repository. The same harness agreed with src/client/cloak.ts on 2,100 random hosts
// (700 IPv4, 700 IPv6, 700 host names); the ones below were chosen for their edge cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloakHost, cloakChecksum, cloakKeyProblems, downsample, ipKind, ipString, ipField, parseIpv6 } from '../../src/client/cloak.ts';
import { KEYS, TIMEOUT } from './clientHarness.ts';

const keys = { keys: KEYS };

/** host -> cloak, printed by the harness for KEYS (set::cloak-prefix unset: "Clk"). */
const VECTORS: [string, string][] = [
  // IPv4: ALPHA.BETA.GAMMA.IP, %X (no leading zeros: 8DB5026, F69434C are 7 digits)
  ['100.148.11.107', '8DB5026.C41E977D.C819C01E.IP'],
  ['10.193.102.89', '48A330AF.7BF22040.3F76EBAA.IP'],
  ['127.0.0.1', 'BC32A031.2B89ADA8.3105D35A.IP'],
  ['0.0.0.0', '5C465208.FDBF6D49.FC00A4FF.IP'],
  ['255.255.255.255', 'F69434C.78C47914.7B93F15C.IP'],
  ['192.0.2.20', '2D5B3EBD.F21A11F9.21C50FA1.IP'],
  ['81.92.46.205', '2E0E5B0E.61C7DC4C.7B39ED87.IP'],
  // IPv6 in UnrealIRCd's 8-group form; upper case is lowered first
  ['2001:db8:552c:e545:0:0:0:b8b4', '88386313:28F0C777:4A6C5E00:IP'],
  ['2001:db8:0:0:0:0:0:1', '97C9FB32:82F95BB3:8032230F:IP'],
  ['0:0:0:0:0:0:0:1', 'C4E919C5:6AD5851C:4CCB9CEC:IP'],
  ['fe80:0:0:0:1234:5678:9abc:def0', '8675BB0E:88B32E0E:A80A2C63:IP'],
  ['2001:DB8:ABCD:EF01:2345:6789:ABCD:EF01', 'B5F71672:E4C20152:E61478B0:IP'],
  // host names: Clk-ALPHA.<after the first dot followed by a letter>
  ['host-7.leaf.example', 'Clk-DC3BAD23.leaf.example'],
  ['HOST-7.Leaf.Example', 'Clk-DC3BAD23.leaf.example'],
  ['localhost', 'Clk-D495ABA8'],
  ['client.example.com', 'Clk-937D4F2F.example.com'],
  ['1.2.3.host.example', 'Clk-BEA4A09E.host.example'],
  ['192-0-2-1.dyn.example.net', 'Clk-51C4924D.dyn.example.net'],
  ['123.456', 'Clk-E19DA516'],
  ['a.b', 'Clk-DA568646.b'],
  ['d1.2.example.org', 'Clk-D722215E.example.org'],
  ['host-with-a-very-long-name-0123456789.some-long-subdomain.isp-example.co.uk', 'Clk-EE6BFFB3.some-long-subdomain.isp-example.co.uk'],
  // longer than HOSTLEN (63): the kept part is cut from its left
  ['x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example', 'Clk-639A5520.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example'],
];

test('cloaks equal the ones UnrealIRCd cloak_sha256 computes (IPv4, IPv6, host names)', { timeout: TIMEOUT }, () => {
  for (const [host, cloak] of VECTORS) assert.equal(cloakHost(host, keys), cloak, host);
});

test('set::cloak-prefix and the key checksum (NETINFO) as UnrealIRCd writes them', { timeout: TIMEOUT }, () => {
  // harness run with prefix "TestNet"
  assert.equal(cloakHost('host-7.leaf.example', { ...keys, prefix: 'TestNet' }), 'TestNet-DC3BAD23.leaf.example');
  assert.equal(cloakHost('localhost', { ...keys, prefix: 'TestNet' }), 'TestNet-D495ABA8');
  assert.equal(cloakHost('198.51.100.7', { ...keys, prefix: 'TestNet' }), 'B9CD45D1.A3284A7E.B0565D1D.IP');
  // cloakcsum(): "SHA256:" + hex, cut to 63 characters
  assert.equal(cloakChecksum(keys), 'SHA256:584875afa6c8e02c86b959dd79435f268656e133f099b8e22275707d');
});

test('long keys: the module cuts its text to 511 bytes and the appended key to 479', { timeout: TIMEOUT }, () => {
  // Keys of 600, 700 and 1000 characters (the most UnrealIRCd accepts): "KEY2:host:KEY3" is
  // then KEY2's first 511 bytes whatever the host, so IPv4, IPv6 and host name share a piece.
  const long = { keys: [('Ab1Cd2Ef3Gh4'.repeat(60)).slice(0, 600), ('Zy9Xw8Vu7Ts6'.repeat(60)).slice(0, 700), ('Mn5Op4Qr3St2'.repeat(80)).slice(0, 1000)] as [string, string, string] };
  assert.equal(cloakHost('100.148.11.107', long), '96B647B9.283B87F6.DCDCE785.IP');
  assert.equal(cloakHost('2001:db8:552c:e545:0:0:0:b8b4', long), '96B647B9:283B87F6:DCDCE785:IP');
  assert.equal(cloakHost('host-7.leaf.example', long), 'Clk-DCDCE785.leaf.example');
  assert.equal(cloakChecksum(long), 'SHA256:ea9aa6d04a184bf829eb40ddc6d955c5659c49106df717a9ec05339e');
});

test('downsample() takes each XORed byte as a signed char (x86), borrowing from the bytes above', { timeout: TIMEOUT }, () => {
  const d = new Uint8Array(32);
  d[24] = 0x80; // r[3] = -128: 0 + 0 + 0 + (unsigned)-128 = 0xFFFFFF80
  assert.equal(downsample(d), 0xffffff80);
  d[0] = 0x01; // r[0] = 1: 0x01000000 + 0xFFFFFF80 wraps to 0x00FFFF80
  assert.equal(downsample(d), 0x00ffff80);
});

test('IP classification follows inet_pton; IP strings and UID ip fields as UnrealIRCd writes them', { timeout: TIMEOUT }, () => {
  for (const s of ['1.2.3.4', '0.0.0.0', '255.255.255.255']) assert.equal(ipKind(s), 4, s);
  for (const s of ['01.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4 ', '']) assert.notEqual(ipKind(s), 4, s);
  for (const s of ['::', '::1', '2001:db8::1', '1:2:3:4:5:6:7:8', '::ffff:1.2.3.4', '1::2:3:4:5:6:7']) assert.equal(ipKind(s), 6, s);
  for (const s of [':1::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'fe80::1%eth0', '1:2:3:4:5:6:7::8', '1.2.3.4::']) assert.equal(ipKind(s), 0, s);
  assert.equal(ipString('2001:db8:552c:e545::b8b4'), '2001:db8:552c:e545:0:0:0:b8b4');
  assert.equal(ipString('::1'), '0:0:0:0:0:0:0:1');
  assert.equal(ipString('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(ipString('not an ip'), null);
  // The captured UID ip fields (fixtures/unreal6/burst-and-live.txt)
  assert.equal(ipField('100.148.11.107'), 'ZJQLaw==');
  assert.equal(ipField('2001:db8:552c:e545:0:0:0:b8b4'), 'IAENuFUs5UUAAAAAAAC4tA==');
  assert.equal(ipField('127.0.0.1'), 'fwAAAQ==');
  assert.ok(parseIpv6('::') !== null, ':: parses');
  // A "::" address is cloaked as its 8-group form (UnrealIRCd only ever cloaks that form).
  assert.equal(cloakHost('2001:db8::1', keys), cloakHost('2001:db8:0:0:0:0:0:1', keys));
});

test('set::cloak-keys checks', { timeout: TIMEOUT }, () => {
  assert.deepEqual(cloakKeyProblems(KEYS), []);
  assert.ok(cloakKeyProblems(['short', KEYS[1], KEYS[2]]).length > 0, 'a short key is refused');
  assert.ok(cloakKeyProblems([KEYS[0], KEYS[0], KEYS[2]]).length > 0, 'equal keys are refused');
  assert.ok(cloakKeyProblems(['a'.repeat(90), KEYS[1], KEYS[2]]).length > 0, 'a key without upper case and digits is refused');
  assert.ok(cloakKeyProblems([KEYS[0], KEYS[1]]).length > 0, 'two keys are refused');
});
