/**
 * Issue 12 item 6: the incoming mask parser/matcher (src/link/addressMask.ts)
 * fails closed on anything it cannot parse.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  addressMatches,
  canonicalAddress,
  isLoopbackIp,
  isLoopbackOnlyMask,
  parseAddressMask,
  parseIpAddress,
} from '../../src/link/addressMask.ts';

const MALFORMED = [
  '10.0.0.0/8x', '/', '/-1', '/8', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/+8', '10.0.0.0/08', '10.0.0.0/8.0', '10.0.0.0/0x8',
  '10.0.0.0/33', '10.0.0.0/1e1', '10.0.0.0/8/8', '10.0.0.0//8', '::/129', '2001:db8::/200', '10.0.0.256/8', '10.0.0/8',
  '10.0.0.0.0/8', '010.0.0.0/8', 'x/8', '10.*/8', '1.2.3.4.5', '1.2.3', '256.1.1.1', '1::2::3', 'gggg::1', 'fe80::1%eth0',
  'hub.example.net', '*.example.net', '*@10.0.0.1', '10.0.0.1 ', ' 10.0.0.1', '', '[::1]',
];

describe('parseAddressMask', () => {
  it('accepts *, addresses, CIDR blocks and wildcard masks', () => {
    assert.deepEqual(parseAddressMask('*'), { ok: true, mask: { kind: 'any', text: '*' } });
    const cidr = parseAddressMask('10.0.0.0/8');
    assert.ok(cidr.ok && cidr.mask.kind === 'cidr' && cidr.mask.family === 4 && cidr.mask.bits === 8);
    const exact = parseAddressMask('2001:db8::10');
    assert.ok(exact.ok && exact.mask.kind === 'cidr' && exact.mask.family === 6 && exact.mask.bits === 128);
    const mapped = parseAddressMask('::ffff:10.0.0.0/104');
    assert.ok(mapped.ok && mapped.mask.kind === 'cidr' && mapped.mask.family === 4 && mapped.mask.bits === 8, 'a mapped /104 is an IPv4 /8');
    const glob = parseAddressMask('192.168.*');
    assert.ok(glob.ok && glob.mask.kind === 'glob' && glob.mask.pattern === '192.168.*');
    for (const m of ['0.0.0.0/0', '::/0', '1.2.3.4/32', '::1/128', '2001:DB8::/32', '10.?.0.1', 'FE80:*', '*:*', '::ffff:10.*']) {
      assert.equal(parseAddressMask(m).ok, true, m);
    }
  });

  for (const mask of MALFORMED) {
    it(`refuses ${JSON.stringify(mask)} with a reason, and it matches no address`, () => {
      const r = parseAddressMask(mask);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.reason.length > 0);
      for (const addr of ['10.0.0.1', '10.1.2.3', '127.0.0.1', '::1', '::ffff:10.0.0.1', '2001:db8::1', '0.0.0.0']) {
        assert.equal(addressMatches(mask, addr), false, `${mask} must not match ${addr}`);
      }
    });
  }
});

describe('addressMatches', () => {
  const cases: [string, string, boolean][] = [
    ['*', '192.0.2.1', true],
    ['*', '2001:db8::1', true],
    ['192.0.2.10', '192.0.2.10', true],
    ['192.0.2.10', '192.0.2.11', false],
    ['192.0.2.10', '::ffff:192.0.2.10', true],
    ['::ffff:192.0.2.10', '192.0.2.10', true],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true],
    ['10.0.0.0/8', '::ffff:11.1.2.3', false],
    ['10.1.2.3/8', '10.9.9.9', true], // host bits in the mask are ignored
    ['192.0.2.128/25', '192.0.2.200', true],
    ['192.0.2.128/25', '192.0.2.127', false],
    ['192.0.2.0/31', '192.0.2.1', true],
    ['192.0.2.0/31', '192.0.2.2', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['::/0', '2001:db8::1', true],
    ['::/0', '10.0.0.1', false],
    ['::/0', '::ffff:10.0.0.1', false], // mapped = IPv4
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8::/33', '2001:db8:8000::1', false],
    ['2001:DB8::/32', '2001:0db8:0000::0001', true],
    ['::1', '::1', true],
    ['::1', '0:0:0:0:0:0:0:1', true],
    ['::1', '127.0.0.1', false],
    ['::ffff:0:0/96', '10.0.0.1', true],
    ['192.168.*', '192.168.1.1', true],
    ['192.168.*', '192.169.1.1', false],
    ['192.168.*', '::ffff:192.168.1.1', true],
    ['::ffff:192.168.*', '192.168.4.4', true],
    ['10.?.0.1', '10.5.0.1', true],
    ['10.?.0.1', '10.55.0.1', false],
    ['2001:db8:*', '2001:db8::1', true],
    ['2001:db8:0:*', '2001:db8::1', false], // canonical text is "2001:db8::1"
    ['2001:db8::*', '2001:0DB8::0:1', true],
    ['2001:DB8::*', '2001:db8::1', true],
    ['fe80::*', 'fe80::1%eth0', false], // zone index: not parsed, fail closed
    ['*', 'not-an-address', false],
    ['*', '', false],
    ['10.0.0.0/8', '10.0.0.1 ', false],
    ['10.0.0.0/8', '010.0.0.1', false],
    ['127.*', 'localhost', false],
  ];
  for (const [mask, addr, expected] of cases) {
    it(`${mask} ${expected ? 'matches' : 'does not match'} ${addr}`, () => {
      assert.equal(addressMatches(mask, addr), expected);
    });
  }

  it('never throws and fails closed on non-string input', () => {
    assert.equal(addressMatches(undefined as unknown as string, '10.0.0.1'), false);
    assert.equal(addressMatches('*', undefined as unknown as string), false);
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (mask, addr) => {
        const r = addressMatches(mask, addr);
        if (r) assert.ok(parseAddressMask(mask).ok && parseIpAddress(addr) !== undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('wildcards: * matches any run (also empty), ? exactly one character', () => {
    assert.equal(addressMatches('*****1', '10.0.0.1'), true);
    assert.equal(addressMatches('*.*.*.*', '10.0.0.1'), true);
    assert.equal(addressMatches('*.*.*.*.*', '10.0.0.1'), false);
    assert.equal(addressMatches('10.0.0.1*', '10.0.0.1'), true);
    assert.equal(addressMatches('?0.0.0.1', '10.0.0.1'), true);
    assert.equal(addressMatches('??0.0.0.1', '10.0.0.1'), false);
    assert.equal(addressMatches('*?', '1.2.3.4'), true);
  });

  it('IPv4 CIDR agrees with integer arithmetic (property)', () => {
    const ip = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }), (net, addr, bits) => {
        const keep = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        const expected = ((net & keep) >>> 0) === ((addr & keep) >>> 0);
        assert.equal(addressMatches(`${ip(net)}/${bits}`, ip(addr)), expected);
        assert.equal(addressMatches(`${ip(net)}/${bits}`, `::ffff:${ip(addr)}`), expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('IPv6 CIDR agrees with BigInt arithmetic (property)', () => {
    const text = (v: bigint): string => {
      const groups: string[] = [];
      for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(16 * i)) & 0xffffn).toString(16));
      return groups.join(':');
    };
    const big = fc.bigInt({ min: 0n, max: 2n ** 128n - 1n });
    fc.assert(
      fc.property(big, big, fc.integer({ min: 0, max: 128 }), (net, addr, bits) => {
        const shift = BigInt(128 - bits);
        const expected = net >> shift === addr >> shift;
        const address = parseIpAddress(text(addr))!;
        if (address.family === 4) return; // a mapped address is IPv4 (covered above)
        assert.equal(addressMatches(`${text(net)}/${bits}`, text(addr)), expected);
        assert.equal(addressMatches(`${text(net)}/${bits}`, canonicalAddress(address)), expected, 'canonical text is the same address');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('canonical text and loopback', () => {
  it('writes IPv6 in RFC 5952 form and mapped addresses as IPv4', () => {
    const c = (s: string): string => canonicalAddress(parseIpAddress(s)!);
    assert.equal(c('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(c('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(c('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(c('0:0:0:0:0:0:0:0'), '::');
    assert.equal(c('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(c('::ffff:c000:0201'), '192.0.2.1');
    assert.equal(c('fe80::'), 'fe80::');
    assert.equal(c('1:2:3:4:5:6:7::'), '1:2:3:4:5:6:7:0');
    assert.equal(c('::2:3:4:5:6:7:8'), '0:2:3:4:5:6:7:8');
    assert.equal(c('64:ff9b::192.0.2.1'), '64:ff9b::c000:201');
  });

  it('knows which masks can only match loopback', () => {
    const only = (m: string): boolean => {
      const r = parseAddressMask(m);
      return r.ok && isLoopbackOnlyMask(r.mask);
    };
    for (const m of ['127.0.0.1', '127.0.0.0/8', '127.1.0.0/16', '::1', '::1/128', '127.*', '127.0.0.?', '::ffff:127.0.0.1', '::ffff:127.0.0.0/104']) {
      assert.equal(only(m), true, m);
    }
    for (const m of ['*', '127.0.0.0/7', '::1/127', '::/0', '12?.0.0.1', '*.0.0.1', '1*', '10.0.0.1', '::2', '127:*']) assert.equal(only(m), false, m);
    assert.equal(isLoopbackIp('127.8.9.10'), true);
    assert.equal(isLoopbackIp('::ffff:127.0.0.1'), true);
    assert.equal(isLoopbackIp('::1'), true);
    assert.equal(isLoopbackIp('::2'), false);
    assert.equal(isLoopbackIp('localhost'), false);
  });
});
