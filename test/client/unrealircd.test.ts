// Interop on the client side (issue 17, acceptance 2): a real UnrealIRCd 6 hub (hub.test, SID 001)
// and a tslink leaf (tslink.test, SID 0TL) linked over TLS, both with the same set::cloak-keys.
// Users through irc-framework: on tslink over TLS, on the hub over plaintext, each from 127.0.0.1
// (real host "localhost", cloaked as a host name) and from 127.0.0.2 (no reverse DNS: cloaked as
// an IP). They message each other, share a channel (JOIN, NAMES, TOPIC, MODE, KICK seen on both
// sides), see each other in WHOIS, and see the same cloaks: what the hub shows of a tslink user is
// what tslink computed, a tslink user gets the cloak the hub gives its own user of the same host,
// and tslink's cloak function on a hub user's host and IP (from the hub's UID) gives the hub's cloak.
//
// Skipped (with a message) unless UNREALIRCD_BIN is set; see test/runtime/unrealHub.ts.
import { describe, it, before, after } from 'node:test';
import { strict as assert } from 'node:assert';
import { Harness, handshakeLines, rawTls, serverLine, waitFor, type RawPeer } from '../runtime/helpers.ts';
import { UNREALIRCD_BIN, UNREALIRCD_SKIP, startHub, type Hub } from '../runtime/unrealHub.ts';
import { cloakChecksum, cloakHost, ipField, ipString } from '../../src/client/cloak.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS } from './clientHarness.ts';
import { clientNode, closeUsers, connectUser, untagged, WAIT, type ClientNode, type User } from './e2eHelpers.ts';

/** The members of a 353 line (userhost-in-names: nick!user@host, the prefixes kept). */
const members = (l: string): string[] => l.slice(l.lastIndexOf(':') + 1).trim().split(' ').sort();

/** The numeric lines of the WHOIS reply to `me` about `nick`, without server name and requester. */
function whoisShape(u: User, me: string, nick: string, from: number): string[] {
  const out: string[] = [];
  for (const l of u.lines.slice(from)) {
    const m = new RegExp(`^:\\S+ (\\d{3}) ${me} (.*)$`).exec(untagged(l));
    if (m && (m[2].startsWith(`${nick} `) || m[2] === nick)) out.push(`${m[1]} ${m[2]}`);
    if (m && m[1] === '318') break;
  }
  return out;
}

describe('interop: users on a tslink leaf and on a real UnrealIRCd 6 hub (irc-framework)', { skip: UNREALIRCD_BIN ? false : UNREALIRCD_SKIP, timeout: 120_000 }, () => {
  const h = new Harness('tslink-unreal-client-');
  let hub: Hub;
  let leaf: ClientNode;
  /** tom, tip: on tslink from 127.0.0.1 / 127.0.0.2; hal, hip: on the hub from the same. */
  let tom: User, tip: User, hal: User, hip: User;
  let raw: RawPeer | undefined;
  const fail = (err: unknown): never => {
    throw new Error(`${(err as Error).message}\n--- tslink log:\n${leaf?.log.dump().slice(-6000) ?? ''}\n--- unrealircd output:\n${hub?.output() ?? ''}`);
  };

  before(async () => {
    const hubId = h.identity('hub.test');
    const leafId = h.identity('tslink.test');
    hub = await startHub({ dir: h.dir, certPath: hubId.certPath, keyPath: hubId.keyPath, tslinkName: leafId.name, tslinkSpkifp: leafId.spkifp, cloakKeys: KEYS, moreLinks: [{ name: 'raw.test', spkifp: h.identity('raw.test').spkifp }] });
    leaf = await clientNode(h, leafId, '0TL', [{ peer: hubId, port: hub.serverPort, autoconnect: true, certfp: [], spkifp: [hubId.spkifp], secretFile: h.secret('hub'), requireHmac: false }]);
    try {
      await waitFor(() => leaf.log.records.some((r) => r.event === 'LINK_SYNCED' && r.peer === 'hub.test'), 20_000, 'tslink linked to the hub (EOS)');
      [tom, tip, hal, hip] = await Promise.all([
        connectUser(leaf.clientPort, 'tom'),
        connectUser(leaf.clientPort, 'tip', { localAddress: '127.0.0.2' }),
        connectUser(hub.clientPort, 'hal', { tls: false }),
        connectUser(hub.clientPort, 'hip', { tls: false, localAddress: '127.0.0.2' }),
      ]);
      // Each server knows the other's users before the tests start.
      await waitFor(() => ['hal', 'hip'].every((n) => leaf.node.engine.net.userByNick(n)), WAIT, 'hub users on tslink');
    } catch (err) { fail(err); }
  });
  after(async () => { closeUsers(); raw?.destroy(); await hub?.stop(); await h.cleanup(); });

  /** The cloak tslink holds for a user (its own computation for its users, the hub's UID for the hub's). */
  const cloakOnLeaf = (nick: string): string => {
    const u = leaf.node.engine.net.userByNick(nick);
    assert.ok(u, `${nick} known on tslink`);
    return u.cloak;
  };
  /** The host a user is shown with on the hub: WHOIS from a hub user, 311's host. */
  const hostOnHub = async (asker: User, me: string, nick: string): Promise<string> => {
    const from = asker.lines.length;
    asker.irc.raw('WHOIS', nick);
    await waitFor(() => asker.lines.slice(from).some((l) => new RegExp(` 318 ${me} ${nick} `).test(l)), WAIT, `${me}: WHOIS ${nick}`);
    const l = asker.lines.slice(from).map(untagged).find((x) => new RegExp(`^:hub\\.test 311 ${me} ${nick} `).test(x));
    assert.ok(l, `${me}: 311 for ${nick}: ${asker.lines.slice(from).join('\n')}`);
    return l.split(' ')[5];
  };

  it('cloaks: the hub shows tslink users with the cloak tslink computed, equal to the hub\'s own cloak of the same host', async () => {
    try {
      // The hub's own users' displayed hosts (396 at connect, WHOIS of themselves).
      const halOwn = await hostOnHub(hal, 'hal', 'hal');
      const hipOwn = await hostOnHub(hal, 'hal', 'hip');
      assert.match(halOwn, /^Clk-[0-9A-F]+$/, 'hub cloak of localhost');
      assert.match(hipOwn, /^[0-9A-F]+\.[0-9A-F]+\.[0-9A-F]+\.IP$/, 'hub cloak of 127.0.0.2 (no reverse DNS)');
      // The tslink users as the hub shows them.
      const tomOnHub = await hostOnHub(hal, 'hal', 'tom');
      const tipOnHub = await hostOnHub(hal, 'hal', 'tip');
      assert.equal(tomOnHub, cloakOnLeaf('tom'), 'tom: hub shows the cloak tslink computed');
      assert.equal(tipOnHub, cloakOnLeaf('tip'), 'tip: hub shows the cloak tslink computed');
      assert.equal(tomOnHub, halOwn, 'same host (localhost): same cloak on tslink and on the hub');
      assert.equal(tipOnHub, hipOwn, 'same IP (127.0.0.2): same cloak on tslink and on the hub');
      // tslink's cloak function on the hub users' real host / IP (as the hub's UID gave them) gives the hub's cloak.
      for (const [nick, own] of [['hal', halOwn], ['hip', hipOwn]] as const) {
        const u = leaf.node.engine.net.userByNick(nick)!;
        assert.equal(u.cloak, own, `${nick}: the cloak in the hub's UID`);
        assert.equal(cloakHost(u.realHost, { keys: KEYS }), own, `${nick}: tslink's cloak of ${u.realHost}`);
      }
      assert.equal(cloakHost('127.0.0.2', { keys: KEYS }), hipOwn);
      assert.equal(cloakHost('localhost', { keys: KEYS }), halOwn);
      // The users themselves see their cloak in 396 (the hub) and in tslink's 396.
      assert.match(untagged(await hal.line(/ 396 hal /)), new RegExp(`^:hub\\.test 396 hal ${halOwn.replace(/\./g, '\\.')} :is now your displayed host$`));
      assert.match(untagged(await tom.line(/ 396 tom /)), new RegExp(`^:tslink\\.test 396 tom ${halOwn.replace(/\./g, '\\.')} :is now your displayed host$`));
    } catch (err) { fail(err); }
  });

  it('WHOIS across the link: 311/312/318 with the cloak and server, the same numerics both ways', async () => {
    try {
      const a = tom.lines.length;
      tom.irc.raw('WHOIS', 'hal');
      await tom.line(/ 318 tom hal /);
      const b = hal.lines.length;
      hal.irc.raw('WHOIS', 'tom');
      await waitFor(() => hal.lines.slice(b).some((l) => / 318 hal tom /.test(l)), WAIT, 'hal: WHOIS tom');
      const onLeaf = whoisShape(tom, 'tom', 'hal', a);
      const onHub = whoisShape(hal, 'hal', 'tom', b);
      assert.ok(onLeaf.includes(`311 hal hal ${cloakOnLeaf('hal')} * :Real hal`), onLeaf.join('\n'));
      assert.ok(onLeaf.includes('312 hal hub.test :UnrealIRCd interop hub'), onLeaf.join('\n'));
      assert.ok(onHub.includes(`311 tom tom ${cloakOnLeaf('tom')} * :Real tom`), onHub.join('\n'));
      assert.ok(onHub.includes('312 tom tslink.test :tslink test node'), onHub.join('\n'));
      // tom is on TLS (+z): the hub says so in 671, as it does for its own TLS users.
      assert.ok(onHub.some((l) => l.startsWith('671 tom ')), `671 for tom on the hub:\n${onHub.join('\n')}`);
      // The same numerics in the same order (tom is +z, hal is not: 671 aside).
      const nums = (xs: string[]) => xs.map((l) => l.slice(0, 3)).filter((n) => n !== '671');
      assert.deepEqual(nums(onLeaf), nums(onHub), `tslink:\n${onLeaf.join('\n')}\nhub:\n${onHub.join('\n')}`);
      // And the same text after the nick (318's, for one).
      const end = (xs: string[], nick: string) => xs.find((l) => l.startsWith('318 '))!.slice(4 + nick.length);
      assert.equal(end(onLeaf, 'hal'), end(onHub, 'tom'));
      assert.equal(end(onHub, 'tom'), ' :End of /WHOIS list.');
    } catch (err) { fail(err); }
  });

  it('PRIVMSG both ways with the sender\'s cloak in its prefix', async () => {
    try {
      tom.irc.say('hal', 'hello from tslink');
      const m1 = await hal.event('privmsg', (e) => e.message === 'hello from tslink');
      assert.equal(m1.nick, 'tom');
      assert.equal(m1.hostname, cloakOnLeaf('tom'));
      hal.irc.say('tom', 'hello from the hub');
      const m2 = await tom.event('privmsg', (e) => e.message === 'hello from the hub');
      assert.equal(m2.nick, 'hal');
      assert.equal(m2.hostname, cloakOnLeaf('hal'));
      assert.equal(untagged(await tom.line(/ PRIVMSG tom :hello from the hub$/)), `:hal!hal@${cloakOnLeaf('hal')} PRIVMSG tom :hello from the hub`);
    } catch (err) { fail(err); }
  });

  it('a shared channel: JOIN and NAMES on both sides, channel messages, TOPIC, MODE and KICK seen both sides', async () => {
    try {
      hal.irc.join('#mix');
      await hal.line(/ 366 hal #mix /);
      // hal's join must have reached tslink first, or tom would create #mix there (and be its op).
      await waitFor(() => leaf.node.engine.net.channel('#mix')?.members.size === 1, WAIT, '#mix with hal on tslink');
      tom.irc.join('#mix');
      const names = untagged(await tom.line(/ 353 tom [=@*] #mix /));
      assert.match(names, /^:tslink\.test 353 tom = #mix :/);
      assert.deepEqual(members(names), [`@hal!hal@${cloakOnLeaf('hal')}`, `tom!tom@${cloakOnLeaf('tom')}`]);
      const j = await hal.event('join', (e) => e.nick === 'tom' && e.channel === '#mix');
      assert.equal(j.hostname, cloakOnLeaf('tom'));
      hal.irc.raw('NAMES', '#mix');
      const hn = untagged(await hal.line(/ 353 hal [=@*] #mix .*tom/));
      assert.deepEqual(members(hn), [`@hal!hal@${cloakOnLeaf('hal')}`, `tom!tom@${cloakOnLeaf('tom')}`], 'the same NAMES on the hub');

      tom.irc.say('#mix', 'tom in #mix');
      assert.equal((await hal.event('privmsg', (e) => e.message === 'tom in #mix')).target, '#mix');
      hal.irc.say('#mix', 'hal in #mix');
      assert.equal((await tom.event('privmsg', (e) => e.message === 'hal in #mix')).target, '#mix');

      hal.irc.raw('TOPIC', '#mix', 'topic from the hub');
      const t1 = await tom.event('topic', (e) => e.topic === 'topic from the hub');
      assert.equal(t1.nick, 'hal');
      hal.irc.raw('MODE', '#mix', '+o', 'tom');
      assert.equal(untagged(await tom.line(/ MODE #mix \+o tom$/)), `:hal!hal@${cloakOnLeaf('hal')} MODE #mix +o tom`);
      tom.irc.raw('TOPIC', '#mix', 'topic from tslink');
      const t2 = await hal.event('topic', (e) => e.topic === 'topic from tslink');
      assert.equal(t2.nick, 'tom');
      tom.irc.raw('MODE', '#mix', '+ntl', '12');
      assert.match(untagged(await hal.line(/ MODE #mix \+[nt]*l 12$/)), new RegExp(`^:tom!tom@${cloakOnLeaf('tom').replace(/\./g, '\\.')} MODE #mix \\+[nt]*l 12$`));
      await tom.line(/ MODE #mix \+[nt]*l 12$/);
      hal.irc.raw('MODE', '#mix');
      assert.match(untagged(await hal.line(/ 324 hal #mix /)), /^:hub\.test 324 hal #mix \+\S*l\S* 12$/);
      tom.irc.raw('MODE', '#mix');
      assert.match(untagged(await tom.line(/ 324 tom #mix /)), /^:tslink\.test 324 tom #mix \+\S*l\S* 12$/);

      // TOPIC query on tslink: 332 and 333 with the setter's full mask, as the hub gives them.
      tom.irc.raw('TOPIC', '#mix');
      assert.equal(untagged(await tom.line(/ 332 tom #mix /)), ':tslink.test 332 tom #mix :topic from tslink');
      hal.irc.raw('TOPIC', '#mix');
      const h333 = untagged(await hal.line(/ 333 hal #mix /)).split(' ');
      const t333 = untagged(await tom.line(/ 333 tom #mix /)).split(' ');
      assert.deepEqual(t333.slice(3), h333.slice(3), '333 setter and time equal on both sides');

      // KICK from the hub, seen on tslink; then from tslink, seen on the hub.
      hal.irc.raw('KICK', '#mix', 'tom', 'hub kick');
      const k1 = await tom.event('kick', (e) => e.kicked === 'tom');
      assert.equal(k1.nick, 'hal');
      assert.equal(k1.message, 'hub kick');
      await hal.line(/ KICK #mix tom :hub kick$/);
      await waitFor(() => !leaf.node.engine.net.channel('#mix')?.members.has(leaf.node.engine.net.userByNick('tom')!), WAIT, 'tom out of #mix on tslink');
      tom.irc.join('#mix');
      await hal.event('join', (e) => e.nick === 'tom' && e.channel === '#mix' && hal.events.get('kick')!.length > 0);
      const before = tom.lines.length;
      hal.irc.raw('MODE', '#mix', '+o', 'tom');
      await waitFor(() => tom.lines.slice(before).some((l) => / MODE #mix \+o tom$/.test(l)), WAIT, 'tom opped again');
      tom.irc.raw('KICK', '#mix', 'hal', 'leaf kick');
      const k2 = await hal.event('kick', (e) => e.kicked === 'hal');
      assert.equal(k2.nick, 'tom');
      assert.equal(k2.message, 'leaf kick');
      assert.equal(untagged(await hal.line(/ KICK #mix hal :leaf kick$/)), `:tom!tom@${cloakOnLeaf('tom')} KICK #mix hal :leaf kick`);
      await tom.line(/ KICK #mix hal :leaf kick$/);
    } catch (err) { fail(err); }
  });

  it('the users from 127.0.0.2 chat too (IP cloaks in the prefix)', async () => {
    try {
      tip.irc.say('hip', 'ip to ip');
      const m = await hip.event('privmsg', (e) => e.message === 'ip to ip');
      assert.equal(m.hostname, cloakOnLeaf('tip'));
      hip.irc.say('tip', 'and back');
      assert.equal((await tip.event('privmsg', (e) => e.message === 'and back')).hostname, cloakOnLeaf('hip'));
    } catch (err) { fail(err); }
  });

  it('users of any host: the hub\'s cloak (computed on UID) of IPv4, IPv6 and host names equals tslink\'s', async () => {
    try {
      // A scripted server behind the hub introduces users with these real hosts; the hub computes
      // their cloaks itself (make_cloakedhost() on UID) and passes them on to tslink in its UID.
      const hosts = ['192.0.2.20', '10.193.102.89', '2001:db8:552c:e545:0:0:0:b8b4', '0:0:0:0:0:0:0:1', 'host-7.leaf.example', 'HOST-8.Other.Example', '1.2.3.host.example', 'a.b', `x.${'a'.repeat(53)}.example`];
      raw = await rawTls(hub.serverPort, h.identity('raw.test'));
      raw.send(...handshakeLines('raw.test', '0RW'), serverLine('raw.test', '0RW'), ':0RW EOS');
      const now = Math.floor(Date.now() / 1000);
      raw.send(...hosts.map((host, i) => { const ip = ipString(host); return `:0RW UID vec${i} 0 ${now} vec ${host} 0RW0000${String.fromCharCode(65 + i)}A 0 +ix * * ${ip ? ipField(ip) : 'fwAAAQ=='} :cloak vector`; }));
      await waitFor(() => hosts.every((_, i) => leaf.node.engine.net.userByNick(`vec${i}`)), WAIT, 'the raw server\'s users on tslink');
      for (let i = 0; i < hosts.length; i++) {
        const u = leaf.node.engine.net.userByNick(`vec${i}`)!;
        assert.match(u.cloak, /\.IP$|:IP$|^Clk-/, `${hosts[i]}: a cloak from the hub`);
        assert.equal(cloakHost(u.realHost, { keys: KEYS }), u.cloak, `${hosts[i]}: tslink's cloak equals the hub's`);
      }
      // And a tslink user sees the hub's cloak of one of them in a message prefix.
      raw.send(`:0RW0000EA PRIVMSG tom :from a host name`);
      assert.equal((await tom.event('privmsg', (e) => e.message === 'from a host name')).hostname, cloakHost('host-7.leaf.example', { keys: KEYS }));
    } catch (err) { fail(err); }
  });

  it('NETINFO: the hub\'s cloak key checksum is the one tslink sends for the same keys; neither side warns of a mismatch', async () => {
    try {
      // The hub's NETINFO to the scripted server of the previous test carries its own checksum.
      assert.ok(raw, 'the raw server of the previous test');
      const netinfo = await raw.waitLine(/^NETINFO /, WAIT);
      const ours = leaf.node.engine.opts.cloakKeyChecksum?.();
      assert.equal(netinfo.split(' ')[4], ours, netinfo);
      assert.equal(ours, cloakChecksum({ keys: KEYS }));
      // netinfo.c compared tslink's checksum with its own (it skips only "*"): no warning on either side.
      assert.doesNotMatch(readFileSync(join(h.dir, 'unrealircd.out'), 'utf8'), /DIFFERENT CLOAK KEY/);
      assert.equal(leaf.log.events('CLOAK_KEY_MISMATCH').length, 0);
    } catch (err) { fail(err); }
  });
});
