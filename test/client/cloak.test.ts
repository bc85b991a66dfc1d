// Cloaks byte-identical to UnrealIRCd 6.1.8.1's cloak_sha256.
//
// How the vectors were derived: from the UnrealIRCd 6.1.8.1 binary itself (the release commit
// 30b9f66f7 of its source, built on this machine with its own ./configure — which always adds
// -funsigned-char — as an unprivileged user, outside the repository), started with the set::cloak-keys
// below (and, for the prefix vectors, set::cloak-prefix "TestNet"; for the long-key vectors, the
// three long keys). A scripted server linked to it over TLS introduced one user per host below
// (UID with that real host and the matching NICKIP field); UnrealIRCd computes the cloak of a
// remote user itself on UID (make_cloakedhost()), and a client on it read each cloak from WHOIS
// (311). Neither that script nor the build is in the repository. test/client/unrealircd.test.ts
// checks the same against a live hub (UNREALIRCD_BIN). An earlier set of vectors came from a
// harness compiled without -funsigned-char, which sign-extends downsample()'s bytes: those cloaks
// were not UnrealIRCd's (e.g. localhost gave Clk-D495ABA8, UnrealIRCd gives Clk-D596ACA8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloakHost, cloakChecksum, cloakKeyProblems, downsample, ipKind, ipString, ipField, parseIpv6 } from '../../src/client/cloak.ts';
import { KEYS, TIMEOUT } from './clientHarness.ts';

const keys = { keys: KEYS };

/** host -> cloak, as UnrealIRCd 6.1.8.1 computed them for KEYS (set::cloak-prefix unset: "Clk"). */
const VECTORS: [string, string][] = [
  // IPv4: ALPHA.BETA.GAMMA.IP, %X (no leading zeros: 9DB5026, F69434C are 7 digits)
  ['100.148.11.107', '9DB5026.C41F977D.C81AC01E.IP'],
  ['10.193.102.89', '49A331AF.7CF22040.3F77ECAA.IP'],
  ['127.0.0.1', 'BC33A031.2C8AAEA8.3106D35A.IP'],
  ['0.0.0.0', '5C465208.FEBF6D49.FC01A5FF.IP'],
  ['255.255.255.255', 'F69434C.79C47914.7C94F15C.IP'],
  ['192.0.2.20', '2D5B3FBD.F21A12F9.22C510A1.IP'],
  ['81.92.46.205', '2E0E5B0E.62C8DC4C.7B3AEE87.IP'],
  // IPv6 in UnrealIRCd's 8-group form; upper case is lowered first
  ['2001:db8:552c:e545:0:0:0:b8b4', '88386313:29F1C777:4A6C5E00:IP'],
  ['2001:db8:0:0:0:0:0:1', '98CAFB32:83F95CB3:8032230F:IP'],
  ['0:0:0:0:0:0:0:1', 'C5E91AC5:6BD6851C:4DCC9DEC:IP'],
  ['fe80:0:0:0:1234:5678:9abc:def0', '8676BB0E:89B32E0E:A80A2C63:IP'],
  ['2001:DB8:ABCD:EF01:2345:6789:ABCD:EF01', 'B6F71672:E5C20152:E61479B0:IP'],
  // host names: Clk-ALPHA.<after the first dot followed by a letter>
  ['host-7.leaf.example', 'Clk-DC3CAD23.leaf.example'],
  ['HOST-7.Leaf.Example', 'Clk-DC3CAD23.leaf.example'],
  ['localhost', 'Clk-D596ACA8'],
  ['client.example.com', 'Clk-937D4F2F.example.com'],
  ['1.2.3.host.example', 'Clk-BFA5A19E.host.example'],
  ['192-0-2-1.dyn.example.net', 'Clk-52C5924D.dyn.example.net'],
  ['123.456', 'Clk-E29EA516'],
  ['a.b', 'Clk-DA578646.b'],
  ['d1.2.example.org', 'Clk-D722215E.example.org'],
  // 63 characters (HOSTLEN, the longest real host UnrealIRCd takes): the kept part is cut from its left
  [`x.${'a'.repeat(53)}.example`, `Clk-FCAC92D7.${'a'.repeat(42)}.example`],
];

test('cloaks equal the ones UnrealIRCd cloak_sha256 computes (IPv4, IPv6, host names)', { timeout: TIMEOUT }, () => {
  for (const [host, cloak] of VECTORS) assert.equal(cloakHost(host, keys), cloak, host);
});

test('set::cloak-prefix and the key checksum (NETINFO) as UnrealIRCd writes them', { timeout: TIMEOUT }, () => {
  // UnrealIRCd run with set::cloak-prefix "TestNet" (IPs keep their form)
  assert.equal(cloakHost('host-7.leaf.example', { ...keys, prefix: 'TestNet' }), 'TestNet-DC3CAD23.leaf.example');
  assert.equal(cloakHost('localhost', { ...keys, prefix: 'TestNet' }), 'TestNet-D596ACA8');
  assert.equal(cloakHost('198.51.100.7', { ...keys, prefix: 'TestNet' }), 'BACD46D1.A3284A7E.B0565D1D.IP');
  // cloakcsum(): "SHA256:" + hex, cut to 63 characters
  assert.equal(cloakChecksum(keys), 'SHA256:584875afa6c8e02c86b959dd79435f268656e133f099b8e22275707d');
});

test('long keys: the module cuts its text to 511 bytes and the appended key to 479', { timeout: TIMEOUT }, () => {
  // Keys of 600, 700 and 1000 characters (the most UnrealIRCd accepts): "KEY2:host:KEY3" is
  // then KEY2's first 511 bytes whatever the host, so IPv4, IPv6 and host name share a piece.
  const long = { keys: [('Ab1Cd2Ef3Gh4'.repeat(60)).slice(0, 600), ('Zy9Xw8Vu7Ts6'.repeat(60)).slice(0, 700), ('Mn5Op4Qr3St2'.repeat(80)).slice(0, 1000)] as [string, string, string] };
  // (UnrealIRCd run with these three keys)
  assert.equal(cloakHost('100.148.11.107', long), '97B648B9.283C88F6.DDDDE885.IP');
  assert.equal(cloakHost('2001:db8:552c:e545:0:0:0:b8b4', long), '97B648B9:283C88F6:DDDDE885:IP');
  assert.equal(cloakHost('host-7.leaf.example', long), 'Clk-DDDDE885.leaf.example');
  assert.equal(cloakChecksum(long), 'SHA256:ea9aa6d04a184bf829eb40ddc6d955c5659c49106df717a9ec05339e');
});

test('downsample() takes each XORed byte as unsigned (UnrealIRCd is built with -funsigned-char): no borrowing', { timeout: TIMEOUT }, () => {
  const d = new Uint8Array(32);
  d[24] = 0x80; // r[3] = 0x80, not -128
  assert.equal(downsample(d), 0x80);
  d[0] = 0x01; // r[0] = 1: 0x01000000 + 0x80
  assert.equal(downsample(d), 0x01000080);
  d.fill(0xff, 8, 10); d[10] = 0xff; // r[1] = 0xff ^ 0xff ^ 0xff = 0xff
  assert.equal(downsample(d), 0x01ff0080);
  d.fill(0xff); // every quarter XORs eight 0xff to 0
  assert.equal(downsample(d), 0);
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
