// Server ban matching (src/tkl/match/): match_user() semantics for every host form, extended
// server bans, soft bans, exceptions per type, Q-lines, and the index against a linear scan.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileUserMask } from '../../src/tkl/match/userMask.ts';
import { prepareUser, type MatchUser } from '../../src/tkl/match/user.ts';
import { TklIndex, banUhost } from '../../src/tkl/match/tklIndex.ts';
import { MaskIndex, keyHash, userKeys, userKeyStrings } from '../../src/tkl/match/maskIndex.ts';
import { formatIp, ipFromBase64, parseIp, parseIPv4, parseIPv6 } from '../../src/tkl/match/ip.ts';
import type { GroupResolver } from '../../src/tkl/match/extban.ts';
import type { TklEntry } from '../../src/tkl/types.ts';
import { matchUserFromState, parseGeoip } from '../../src/tkl/match/fromState.ts';
import type { User } from '../../src/state/model.ts';

const base: MatchUser = { nick: 'Alice', ident: '~alice', realhost: 'dsl-1.Example.NET', ip: '192.0.2.10', account: null, realname: 'Alice Liddell' };
const user = (o: Partial<MatchUser> = {}) => prepareUser({ ...base, ...o });
const m = (mask: string, o: Partial<MatchUser> = {}, groups: GroupResolver | null = null) => compileUserMask(mask).test(user(o), groups);
const tkl = (type: string, userMask: string, host: string, extra: Partial<TklEntry> = {}): TklEntry =>
  ({ type, user: userMask, host, setBy: 'op', expireAt: 0, setAt: 1, reason: 'r', ...extra });

describe('IP parsing (inet_pton rules)', () => {
  it('IPv4: four octets, no leading zeros', () => {
    assert.equal(parseIPv4('192.0.2.1'), 0xc0000201);
    for (const bad of ['192.0.2', '192.0.2.1.5', '192.0.2.01', '256.0.0.1', '1..2.3', '', '1.2.3.4 ', 'a.b.c.d']) assert.equal(parseIPv4(bad), -1, bad);
    assert.equal(parseIPv4('0.0.0.0'), 0);
  });
  it('IPv6: groups, ::, embedded IPv4; canonical text', () => {
    const ok: [string, string][] = [['2001:db8::1', '2001:db8::1'], ['2001:0DB8:0:0:0:0:0:1', '2001:db8::1'], ['::', '::'], ['::1', '::1'],
      ['1::', '1::'], ['::ffff:192.0.2.1', '::ffff:c000:201'], ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'], ['1:0:0:1:0:0:0:1', '1:0:0:1::1']];
    for (const [a, c] of ok) assert.equal(formatIp({ v6: true, words: parseIPv6(a)! }), c, a);
    for (const bad of ['1:2:3:4:5:6:7:8::', ':1', '1:', '1:::2', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '::1.2.3']) assert.equal(parseIPv6(bad), null, bad);
  });
  it('UID base64 addresses', () => {
    assert.equal(ipFromBase64(Buffer.from([192, 0, 2, 7]).toString('base64')), '192.0.2.7');
    assert.equal(ipFromBase64(Buffer.from([0x20, 1, 0x0d, 0xb8, ...new Array(11).fill(0), 1]).toString('base64')), '2001:db8::1');
    assert.equal(ipFromBase64('*'), null);
    assert.equal(parseIp('2001:db8::1')!.v6, true);
  });
});

describe('match_user(): user@host masks', () => {
  it('user part against the username, host part against IP and real host', () => {
    assert.equal(m('*@192.0.2.10'), true);
    assert.equal(m('~alice@*'), true);
    assert.equal(m('alice@*'), false);
    assert.equal(m('?alice@*.example.net'), true);
    assert.equal(m('*@DSL-1.example.net'), true);
    assert.equal(m('*@192.0.2.*'), true); // glob on the IP text
    assert.equal(m('*@*.10'), true);
    assert.equal(m('*@192.0.2.11'), false);
  });
  it('CIDR: IPv4 and IPv6, bad lengths match nobody', () => {
    assert.equal(m('*@192.0.2.0/24'), true);
    assert.equal(m('*@192.0.3.0/24'), false);
    assert.equal(m('*@192.0.2.0/0'), false);
    assert.equal(m('*@192.0.2.0/33'), false);
    assert.equal(m('*@192.0.2.0/x'), false);
    assert.equal(m('*@192.0.2.0/24x'), true); // atoi
    const v6 = { ip: '2001:db8:1:2::5', realhost: '2001:db8:1:2::5' };
    assert.equal(m('*@2001:db8:1::/48', v6), true);
    assert.equal(m('*@2001:db8:2::/48', v6), false);
    assert.equal(m('*@2001:DB8:1:2:0:0:0:5', v6), true); // exact, any spelling
    assert.equal(m('*@2001:db8::/129', v6), false);
    assert.equal(m('*@2001:db8:1::/48'), false); // an IPv4 user
    assert.equal(m('*@2001:zz8::1', v6), false);
  });
  it('an IPv6 mask never looks at the real host; a host with /N is compared without it', () => {
    assert.equal(m('*@::1', { realhost: '::1', ip: '192.0.2.10' }), false);
    assert.equal(m('*@dsl-1.example.net/16'), true);
  });
  it('an IPv4 literal also matches a real host written as that address', () => {
    assert.equal(m('*@198.51.100.1', { ip: '2001:db8::1', realhost: '198.51.100.1' }), true);
    assert.equal(m('*@198.51.100.0/24', { ip: '2001:db8::1', realhost: '198.51.100.0' }), true);
    assert.equal(m('*@198.51.100.0/24', { ip: '2001:db8::1', realhost: '198.51.100.7' }), false);
  });
  it('nick!user@host; bad forms match nobody', () => {
    assert.equal(m('alice!*@*'), true);
    assert.equal(m('bob!*@*'), false);
    assert.equal(m('!*@*'), false);
    assert.equal(m('alice!x'), false);
    assert.equal(m('@host'), false);
    assert.equal(m('user@'), false);
    assert.equal(m('dsl-1.example.net'), true); // a bare host
  });
  it('no ident: the user part is compared with what the user has', () => {
    assert.equal(m('*@*', { ident: '' }), true);
    assert.equal(m('x@*', { ident: '' }), false);
  });
});

describe('extended server bans', () => {
  it('~account: 0, *, globs; letter form', () => {
    assert.equal(m('~account:0'), true);
    assert.equal(m('~account:0', { account: 'Bob' }), false);
    assert.equal(m('~account:*', { account: 'Bob' }), true);
    assert.equal(m('~account:*'), false);
    assert.equal(m('~account:bo?', { account: 'Bob' }), true);
    assert.equal(m('~a:BOB', { account: 'bob' }), true);
    assert.equal(m('~account:?'), true); // not logged in: the account is "0"
    assert.equal(m('~account:bob', { account: '*' }), false);
  });
  it('~certfp: exact; ~realname: with escapes and _ for spaces', () => {
    const fp = 'ab'.repeat(32);
    assert.equal(m(`~certfp:${fp}`, { certfp: fp }), true);
    assert.equal(m(`~certfp:${fp.toUpperCase()}`, { certfp: fp }), false);
    assert.equal(m(`~S:${fp}`), false);
    assert.equal(m('~realname:alice_liddell'), true);
    assert.equal(m('~r:*Lid*'), true);
    assert.equal(m('~realname:\\*'), false);
    assert.equal(m('~realname:\\*', { realname: '*' }), true);
  });
  it('~channel: with and without a status prefix', () => {
    const o = { channels: [{ name: '#Warez', modes: 'v' }, { name: '#ops', modes: 'o' }] };
    assert.equal(m('~channel:#warez', o), true);
    assert.equal(m('~channel:+#warez', o), true);
    assert.equal(m('~channel:@#warez', o), false);
    assert.equal(m('~channel:@#op*', o), true);
    assert.equal(m('~c:%#ops', o), true);
    assert.equal(m('~channel:~#ops', o), false);
    assert.equal(m('~channel:*warez', o), false); // '*' read as a status prefix: never
    assert.equal(m('~channel:#warez'), false);
  });
  it('~operclass:, ~security-group:, ~country: / ~asn: need data', () => {
    assert.equal(m('~operclass:net*', { oper: true, operclass: 'netadmin' }), true);
    assert.equal(m('~operclass:net*', { oper: false, operclass: 'netadmin' }), false);
    const groups: GroupResolver = { inGroup: (g) => g === 'tls-users' };
    assert.equal(m('~security-group:tls-users', {}, groups), true);
    assert.equal(m('~security-group:!tls-users', {}, groups), false);
    assert.equal(m('~G:known-users', {}, groups), false);
    assert.equal(m('~country:NL'), false);
    assert.equal(m('~country:*'), false);
    assert.equal(m('~asn:0'), false);
    assert.equal(m('~country:NL', { country: 'NL' }), true);
    assert.equal(m('~asn:64496', { asn: 64496 }), true);
  });
  it('unknown or channel-only extbans, and a ~ident on an IPv6 host, match nobody', () => {
    assert.equal(compileUserMask('~text:foo').never, true);
    assert.equal(compileUserMask('~x:foo').never, true);
    assert.equal(compileUserMask('~account:').never, true);
    assert.equal(compileUserMask('~alice@2001:db8::1').never, true);
    assert.equal(m('~alice@*'), true); // no ':' anywhere: an ordinary mask
  });
  it('TKL fields to the mask: extbans without @, soft prefix apart', () => {
    assert.deepEqual(banUhost({ user: '~account:', host: 'Evil' }), { uhost: '~account:Evil', soft: false });
    assert.deepEqual(banUhost({ user: '%~account:', host: 'Evil' }), { uhost: '~account:Evil', soft: true });
    assert.deepEqual(banUhost({ user: '%*', host: '192.0.2.1' }), { uhost: '*@192.0.2.1', soft: true });
  });
});

describe('TklIndex: find_tkline_match / shun / zap / exceptions / Q-lines', () => {
  it('soft bans apply to users not logged in; skipSoft skips them', () => {
    const ix = new TklIndex();
    ix.add(tkl('G', '%*', '192.0.2.10'));
    assert.ok(ix.findBan(user()));
    assert.equal(ix.findBan(user({ account: 'alice' })), null);
    assert.equal(ix.findBan(user(), { skipSoft: true }), null);
  });
  it('exceptions per type: G exempts G only, soft exceptions need a login, s covers shuns', () => {
    const ix = new TklIndex();
    const g = tkl('G', '*', '192.0.2.10'), k = tkl('k', '*', '192.0.2.10'), s = tkl('s', '*', '*.example.net');
    ix.add(g); ix.add(k); ix.add(s);
    ix.add(tkl('E', '*', '192.0.2.0/24', { bantypes: 'Gs' }));
    const hit = ix.findBan(user());
    assert.equal(hit, k); // G exempted, K-line still applies
    assert.equal(ix.findShun(user()), null);
    ix.add(tkl('E', '%*', '*.example.net', { bantypes: 'k' }));
    assert.equal(ix.findBan(user()), k);
    assert.equal(ix.findBan(user({ account: 'alice' })), null);
    assert.equal(ix.isExempt(user(), 'm'), false);
    ix.add(tkl('E', '*', '192.0.2.10', { bantypes: 'mb' }));
    assert.equal(ix.isExempt(user(), 'm'), true);
    assert.equal(ix.isExempt(user(), 'b'), true);
  });
  it('(G)Z-lines before DNS: the IP only', () => {
    const ix = new TklIndex();
    const z = tkl('Z', '*', '192.0.2.0/24');
    ix.add(z); ix.add(tkl('Z', '*', 'dsl-1.example.net')); ix.add(tkl('G', '*', '192.0.2.10'));
    assert.equal(ix.findZap(user()), z);
    assert.equal(ix.findZap(user({ ip: '198.51.100.1' })), null);
    ix.add(tkl('E', '*', '192.0.2.10', { bantypes: 'Z' }));
    assert.equal(ix.findZap(user()), null);
  });
  it('removal and re-add by entry object', () => {
    const ix = new TklIndex();
    const g = tkl('G', '*', '*.example.net');
    ix.add(g);
    assert.equal(ix.findBan(user()), g);
    assert.equal(ix.remove(g), true);
    assert.equal(ix.findBan(user()), null);
    assert.equal(ix.remove(g), false);
    ix.add(g);
    assert.equal(ix.findBan(user()), g);
  });
  it('Q-lines: nick masks, # only against #, holds are not exempted', () => {
    const ix = new TklIndex();
    const q = tkl('Q', '*', 'Bad*'), h = tkl('Q', 'H', 'NickServ'), c = tkl('Q', '*', '#*warez*');
    ix.add(q); ix.add(h); ix.add(c);
    assert.equal(ix.findQline('badboy', null)?.entry, q);
    assert.equal(ix.findQline('#badboy', null), null);
    assert.equal(ix.findQline('#WAREZ', null)?.entry, c);
    assert.equal(ix.findQline('warez', null), null);
    assert.deepEqual(ix.findQline('nickserv', null), { entry: h, hold: true });
    ix.add(tkl('E', '*', '*', { bantypes: 'Q' }));
    assert.equal(ix.findQline('badboy', user()), null);
    assert.deepEqual(ix.findQline('nickserv', user()), { entry: h, hold: true });
  });
});

// --- The index finds exactly what a linear scan finds -------------------------------------------

// Small address spaces, so that masks and users meet often.
const octet = fc.constantFrom(0, 1, 255);
const ip4 = fc.tuple(fc.constantFrom(10, 192), fc.constantFrom(0, 168), octet, octet).map((a) => a.join('.'));
const ip6 = fc.tuple(fc.constantFrom('2001:db8', 'fe80:0'), fc.constantFrom('0', '1', 'a'), fc.constantFrom('1', '2', 'ff')).map(([a, b, c]) => `${a}:${b}::${c}`);
const hostName = fc.tuple(fc.constantFrom('a', 'dsl-1', 'x'), fc.constantFrom('example', 'isp'), fc.constantFrom('net', 'com')).map((a) => a.join('.'));
const hostMask = fc.oneof(
  ip4, ip6, hostName,
  fc.tuple(ip4, fc.integer({ min: -1, max: 34 })).map(([a, b]) => `${a}/${b}`),
  fc.tuple(ip6, fc.integer({ min: 0, max: 130 })).map(([a, b]) => `${a}/${b}`),
  fc.tuple(fc.constantFrom('*', '?', ''), fc.constantFrom('.example.net', 'example.com', '.0.1', '1', 'dsl', '.', ':1', 'db8'), fc.constantFrom('', '*', '?')).map((a) => a.join('')),
  fc.constantFrom('*', '192.168.*', '10.*', '*.net', '2001:db8:*', 'a.example.net/8', '*/16'),
);
const userPart = fc.constantFrom('*', 'alice', '~alice', '?alice', 'a*', '*bot*', 'x!*', '');
const extMask = fc.oneof(
  fc.constantFrom('~account:', '~a:', '%~account:').chain((p) => fc.constantFrom('0', '*', 'alice', 'ALI*', 'bob').map((v) => [p, v] as const)),
  fc.constantFrom('~certfp:').chain((p) => fc.constantFrom('ab', 'cd').map((v) => [p, v] as const)),
  fc.constantFrom('~realname:', '~r:').chain((p) => fc.constantFrom('*Liddell', 'alice_liddell', 'x', '*_*').map((v) => [p, v] as const)),
  fc.constantFrom(['~channel:', '#lobby'] as const, ['~country:', 'NL'] as const, ['~asn:', '64496'] as const, ['~security-group:', 'tls-users'] as const, ['~text:', 'x'] as const),
);
const entry = fc.oneof(
  fc.tuple(fc.constantFrom('G', 'k', 'Z', 'z', 's', 'E'), fc.boolean(), userPart, hostMask, fc.constantFrom('G', 'Zz', 'ks', 'GkZzs', 'Q')).map(([type, soft, u, h, bt]) =>
    tkl(type, (soft ? '%' : '') + (u || '*'), h, type === 'E' ? { bantypes: bt } : {})),
  fc.tuple(fc.constantFrom('G', 's', 'E'), extMask).map(([type, [p, v]]) => tkl(type, p, v, type === 'E' ? { bantypes: 'Gs' } : {})),
);
const matchUser: fc.Arbitrary<MatchUser> = fc.record({
  nick: fc.constantFrom('alice', 'x'), ident: fc.constantFrom('alice', '~alice', 'bot1', ''),
  realhost: fc.oneof(hostName, ip4, ip6), ip: fc.oneof(ip4, ip6, fc.constant(null)),
  account: fc.constantFrom(null, 'alice', 'Bob', '*', '0'), realname: fc.constantFrom('Alice Liddell', 'x'),
  certfp: fc.constantFrom(null, 'ab'), country: fc.constantFrom(undefined, 'NL'), asn: fc.constantFrom(undefined, 64496),
  channels: fc.constantFrom(undefined, [{ name: '#Lobby', modes: 'o' }]),
});

describe('index = linear scan', () => {
  it("a user's key hashes, computed from prefix hashes, equal the hashes of the spelt keys", () => {
    fc.assert(fc.property(matchUser, (u) => {
      const pu = prepareUser(u);
      const hs = userKeys(pu), ks = userKeyStrings(pu);
      assert.equal(hs.length, ks.length);
      ks.forEach((k, i) => assert.equal(hs[i], keyHash(k), k));
    }), { numRuns: 300 });
  });
  const groups: GroupResolver = { inGroup: (g, pu) => g === 'tls-users' && !!pu.u.tls };
  it('MaskIndex.findAll finds exactly the masks whose test() matches', () => {
    fc.assert(fc.property(fc.array(entry, { maxLength: 40 }), fc.array(matchUser, { minLength: 1, maxLength: 6 }), (entries, users) => {
      const ix = new MaskIndex<number>();
      const masks = entries.map((e) => compileUserMask(banUhost(e).uhost));
      masks.forEach((mk, i) => ix.add(mk, i));
      // remove a few and put one back, to exercise removal
      const items = masks.map((mk, i) => ({ mk, i }));
      for (const u of users) {
        const pu = prepareUser(u);
        const want = items.filter((x) => x.mk.test(pu, groups)).map((x) => x.i).sort((a, b) => a - b);
        const got = ix.findAll(pu, groups).map((x) => x.value).sort((a, b) => a - b);
        assert.deepEqual(got, want, JSON.stringify({ u, masks: masks.map((x) => x.mask) }));
      }
    }), { numRuns: 400 });
  });

  it('TklIndex.findBan/findShun/findZap/isExempt agree with a linear reading of the rules', () => {
    fc.assert(fc.property(fc.array(entry, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 8 }), fc.array(matchUser, { minLength: 1, maxLength: 4 }), (entries, drops, users) => {
      const ix = new TklIndex({ groups });
      for (const e of entries) ix.add(e);
      const live = new Set(entries);
      for (const d of drops) { if (entries.length === 0) break; const e = entries[d % entries.length]; if (live.delete(e)) ix.remove(e); }
      const all = [...live];
      for (const u of users) {
        const pu = prepareUser(u);
        const hits = (e: TklEntry) => compileUserMask(banUhost(e).uhost).test(pu, groups);
        const exempt = (letter: string) => all.some((x) => (x.type === 'E') && x.bantypes!.includes(letter) && hits(x) && (!banUhost(x).soft || pu.loggedIn));
        const applies = (e: TklEntry) => hits(e) && (!banUhost(e).soft || !pu.loggedIn) && !exempt(e.type);
        const wantBan = all.filter((e) => 'GkZz'.includes(e.type)).some(applies);
        const wantShun = all.filter((e) => e.type === 's').some(applies);
        const wantZap = all.filter((e) => 'Zz'.includes(e.type)).some((e) => compileUserMask(e.host, true).test(pu) && !exempt(e.type));
        const gotBan = ix.findBan(pu);
        assert.equal(gotBan !== null, wantBan, 'findBan');
        if (gotBan) assert.ok(applies(gotBan));
        assert.equal(ix.findShun(pu) !== null, wantShun, 'findShun');
        assert.equal(ix.findZap(pu) !== null, wantZap, 'findZap');
        for (const l of 'GkZzsQ') assert.equal(ix.isExempt(pu, l), exempt(l), `isExempt ${l}`);
      }
    }), { numRuns: 300 });
  });
});

describe('MatchUser from the network state', () => {
  it('UID fields, user modes and synced MD', () => {
    const md = new Map([['certfp', 'ab'.repeat(32)], ['webirc', '1'], ['creationtime', '1795305000'], ['geoip', 'cc=NL|cd=Netherlands|asn=64496|asname=X'], ['operclass', 'netadmin']]);
    const chan = { name: '#Ops' };
    const u = {
      nick: 'alice', ident: '~a', realHost: 'h.example', ip: Buffer.from([192, 0, 2, 9]).toString('base64'), account: 'alice', realname: 'A',
      umodes: new Set(['i', 'o', 'z']), md, channels: new Map([[chan, { modes: 'o' }]]), away: null,
    } as unknown as User;
    const m = matchUserFromState(u, { reputation: 40 });
    assert.deepEqual({ ...m, channels: m.channels }, {
      nick: 'alice', ident: '~a', realhost: 'h.example', ip: '192.0.2.9', account: 'alice', realname: 'A', certfp: 'ab'.repeat(32), tls: true,
      webirc: true, websocket: false, reputation: 40, connectedAt: 1795305000, oper: true, operclass: 'netadmin', channels: [{ name: '#Ops', modes: 'o' }],
      country: 'NL', asn: 64496, serverPort: null, umodes: 'ioz', away: null,
    });
    assert.deepEqual(parseGeoip(undefined), { country: null, asn: null });
    assert.equal(compileUserMask('~country:NL').test(prepareUser(m)), true);
  });
});
