// Security groups (src/tkl/securityGroups.ts) and crule (src/tkl/crule.ts): UnrealIRCd's
// built-in groups, criteria and exclude- criteria, nesting, ~security-group: in bans.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { SecurityGroups, checkSecurityGroup, securityGroupFromRaw, securityGroupSchema, compileMaskList, maskListMatches } from '../../src/tkl/securityGroups.ts';
import { compileCrule } from '../../src/tkl/crule.ts';
import { prepareUser, type MatchUser } from '../../src/tkl/match/user.ts';
import { TklIndex } from '../../src/tkl/match/tklIndex.ts';

const NOW = 1_800_000_000;
const base: MatchUser = { nick: 'alice', ident: 'alice', realhost: 'host.example.net', ip: '192.0.2.10', realname: 'Alice', account: null };
const u = (o: Partial<MatchUser> = {}) => prepareUser({ ...base, ...o });
const sg = (defs: ConstructorParameters<typeof SecurityGroups>[0] = []) => new SecurityGroups(defs, { now: () => NOW });

describe('built-in groups', () => {
  const g = sg();
  it('known-users: identified, or reputation >= 25; unknown-users is the rest', () => {
    assert.equal(g.inGroup('known-users', u()), false);
    assert.equal(g.inGroup('unknown-users', u()), true);
    assert.equal(g.inGroup('known-users', u({ account: 'alice' })), true);
    assert.equal(g.inGroup('known-users', u({ reputation: 25 })), true);
    assert.equal(g.inGroup('known-users', u({ reputation: 24 })), false);
    assert.equal(g.inGroup('KNOWN-USERS', u({ account: 'alice' })), true);
  });
  it('tls-users, webirc-users, websocket-users; groupsOf in UnrealIRCd order', () => {
    const x = u({ tls: true, webirc: true });
    assert.equal(g.inGroup('tls-users', x), true);
    assert.equal(g.inGroup('webirc-users', x), true);
    assert.equal(g.inGroup('websocket-users', x), false);
    assert.deepEqual(g.groupsOf(x), ['unknown-users', 'webirc-users', 'tls-users']);
    assert.equal(g.inGroup('no-such-group', x), false);
  });
});

describe('criteria', () => {
  it('exclusions win over inclusions', () => {
    const g = sg([{ name: 'staff', mask: ['*@*.example.net'], exclude: { tls: false, mask: ['alice@*'] } }]);
    assert.equal(g.inGroup('staff', u({ ident: 'bob' })), true);
    assert.equal(g.inGroup('staff', u()), false);
  });
  it('mask lists: ! entries; only ! entries means everyone else', () => {
    const g = sg([{ name: 'a', mask: ['*@*.net', '!*@host.example.net'] }, { name: 'b', mask: ['!*@host.example.net'] }]);
    assert.equal(g.inGroup('a', u()), false);
    assert.equal(g.inGroup('a', u({ realhost: 'x.other.net' })), true);
    assert.equal(g.inGroup('b', u()), false);
    assert.equal(g.inGroup('b', u({ realhost: 'x.other.org' })), true);
    const l = compileMaskList(['~account:alice', '10.0.0.0/8']);
    assert.equal(maskListMatches(l, u({ account: 'alice' }), null), true);
  });
  it('ip lists: globs, CIDR, exact; a CIDR <= 0 stops the list', () => {
    const g = sg([{ name: 'lan', ip: ['10.*', '192.0.2.0/24', '2001:db8::/32'] }, { name: 'stop', ip: ['1.2.3.4/0', '192.0.2.10'] }]);
    assert.equal(g.inGroup('lan', u()), true);
    assert.equal(g.inGroup('lan', u({ ip: '10.1.1.1' })), true);
    assert.equal(g.inGroup('lan', u({ ip: '2001:db8::5' })), true);
    assert.equal(g.inGroup('lan', u({ ip: '198.51.100.1' })), false);
    assert.equal(g.inGroup('stop', u()), false);
  });
  it('reputation-score and connect-time with "<"', () => {
    const g = sg([{ name: 'new', reputationScore: '<10' }, { name: 'old', connectTime: 3600 }, { name: 'fresh', connectTime: '<60' }]);
    assert.equal(g.inGroup('new', u({ reputation: 5 })), true);
    assert.equal(g.inGroup('new', u({ reputation: 10 })), false);
    assert.equal(g.inGroup('old', u({ connectedAt: NOW - 3600 })), true);
    assert.equal(g.inGroup('old', u({ connectedAt: NOW - 10 })), false);
    assert.equal(g.inGroup('fresh', u({ connectedAt: NOW - 10 })), true);
    assert.equal(g.inGroup('fresh', u()), true); // unknown connect time counts as 0
  });
  it('extended items (account, certfp, realname, channel, country), server-port, security-group nesting', () => {
    const fp = 'ab'.repeat(32);
    const g = sg([
      { name: 'acct', extended: { account: ['ali*'] } }, { name: 'fp', extended: { certfp: [fp] } },
      { name: 'rn', extended: { r: ['*lic*'] } }, { name: 'chan', extended: { channel: ['@#ops'] } }, { name: 'geo', extended: { country: ['NL'] } },
      { name: 'port', serverPort: [6697] }, { name: 'nest', securityGroup: ['acct', 'port'] }, { name: 'loop', securityGroup: ['loop'] },
    ]);
    assert.equal(g.inGroup('acct', u({ account: 'alice' })), true);
    assert.equal(g.inGroup('fp', u({ certfp: fp })), true);
    assert.equal(g.inGroup('rn', u()), true);
    assert.equal(g.inGroup('chan', u({ channels: [{ name: '#ops', modes: 'o' }] })), true);
    assert.equal(g.inGroup('chan', u({ channels: [{ name: '#ops', modes: 'v' }] })), false);
    assert.equal(g.inGroup('geo', u()), false);
    assert.equal(g.inGroup('geo', u({ country: 'NL' })), true);
    assert.equal(g.inGroup('port', u({ serverPort: 6697 })), true);
    assert.equal(g.inGroup('nest', u({ serverPort: 6697 })), true);
    assert.equal(g.inGroup('nest', u()), false);
    assert.equal(g.inGroup('loop', u()), false); // nesting stops
  });
  it('a configured block with a built-in name changes that group', () => {
    const g = sg([{ name: 'known-users', reputationScore: 50 }]);
    assert.equal(g.inGroup('known-users', u({ reputation: 30 })), false);
    assert.equal(g.inGroup('known-users', u({ account: 'x' })), true);
  });
  it('rule (crule)', () => {
    const g = sg([{ name: 'r', rule: "reputation() < 10 && !is_tls() && match_mask('*@*.example.net')" }]);
    assert.equal(g.inGroup('r', u({ reputation: 3 })), true);
    assert.equal(g.inGroup('r', u({ reputation: 3, tls: true })), false);
    assert.equal(g.inGroup('r', u({ reputation: 30 })), false);
    const c = compileCrule('(online_time() > 60 || in_security_group(tls-users)) && has_user_mode(iw)');
    assert.equal(c.eval({ pu: u({ connectedAt: NOW - 100, umodes: 'iwx' }), groups: g, now: NOW }), true);
    assert.equal(c.eval({ pu: u({ connectedAt: NOW - 100, umodes: 'i' }), groups: g, now: NOW }), false);
    for (const bad of ['reputation(', 'nosuch()', 'is_tls(1)', 'reputation() >', 'connected(hub.*)', 'a && ']) assert.throws(() => compileCrule(bad), bad);
  });
});

describe('config checks and the schema fragment', () => {
  it('refuses unknown-users, bad names, out-of-range values, bad rules', () => {
    assert.match(checkSecurityGroup({ name: 'unknown-users' })[0], /inverse of 'known-users'/);
    assert.equal(checkSecurityGroup({ name: 'bad name' }).length, 1);
    assert.equal(checkSecurityGroup({ name: 'x', reputationScore: 0 }).length, 1);
    assert.equal(checkSecurityGroup({ name: 'x', connectTime: '<0' }).length, 1);
    assert.equal(checkSecurityGroup({ name: 'x', rule: 'foo(' }).length, 1);
    assert.equal(checkSecurityGroup({ name: 'x', exclude: { reputationScore: 20000 } }).length, 1);
    assert.throws(() => sg([{ name: 'unknown-users' }]), /unknown-users/);
  });
  it('raw block to definition, and the schema lists every criterion with its exclude- form', () => {
    const def = securityGroupFromRaw({ name: 'g', tls: true, 'exclude-mask': ['*@bad'], account: ['a'], 'exclude-reputation-score': '<5', 'server-port': ['6697'] });
    assert.deepEqual(def, { name: 'g', priority: undefined, public: undefined, tls: true, exclude: { mask: ['*@bad'], reputationScore: '<5' }, extended: { account: ['a'] }, serverPort: [6697] });
    const s = securityGroupSchema({}) as { properties: Record<string, unknown> };
    for (const k of ['mask', 'ip', 'identified', 'tls', 'reputation-score', 'connect-time', 'account', 'realname', 'certfp', 'channel', 'server-port', 'security-group', 'rule'])
      assert.ok(s.properties[k] && s.properties[`exclude-${k}`], k);
  });
});

describe('~security-group: in server bans', () => {
  it('the index asks the groups', () => {
    const ix = new TklIndex({ groups: sg() });
    const e = { type: 'G', user: '~security-group:', host: 'unknown-users', setBy: 'x', expireAt: 0, setAt: 1, reason: 'r' };
    ix.add(e);
    assert.equal(ix.findBan(u()), e);
    assert.equal(ix.findBan(u({ account: 'alice' })), null);
  });
});
