// Reverse DNS for connecting clients as UnrealIRCd does it (src/client/rdns.ts): PTR, then the
// name's A/AAAA must hold the client's IP, a bad or over-long name is not used, results cached per
// IP; nothing is read (so registration waits) until the lookup is done, bounded by a deadline;
// the NOTICE AUTH lines of set::options::show-connect-info; set::options::dont-resolve turns it
// off. The resolver is a fake one (no real DNS): in the sans-I/O client side, and in a node whose
// client (on 127.0.0.2, still loopback) registers with the name the fake resolver verified.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { leafNode, TIMEOUT } from './clientHarness.ts';
import { confirmedHost, HostCache, lookupHost, validHost, type HostLookupConfig, type HostResolver, REPORT_DO_DNS, REPORT_FAIL_DNS, REPORT_FIN_DNSC } from '../../src/client/rdns.ts';
import { clientDnsSettings } from '../../src/runtime/clientDns.ts';
import { parseConfigText } from '../../src/config/index.ts';
import { Harness, configText, freePort, waitFor } from '../runtime/helpers.ts';
import { clientBlocks, closeUsers, connectUser, untagged, WAIT } from './e2eHelpers.ts';
import { KEYS } from './clientHarness.ts';
import { cloakHost } from '../../src/client/cloak.ts';

/** A resolver from two tables; `calls` counts the queries; `gate` (when set) holds every answer until opened. */
function fakeResolver(ptr: Record<string, string[]>, addrs: Record<string, string[]>) {
  let open: () => void = () => {};
  const r = {
    calls: 0,
    gate: null as Promise<void> | null,
    hold() { r.gate = new Promise<void>((res) => { open = res; }); },
    release() { open(); r.gate = null; },
    async reverse(ip: string) { r.calls++; if (r.gate) await r.gate; const n = ptr[ip]; if (!n) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }); return n; },
    async forward(name: string, family: 4 | 6) { r.calls++; if (r.gate) await r.gate; return (addrs[name] ?? []).filter((a) => a.includes(':') === (family === 6)); },
  };
  return r;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('reverse DNS rules', () => {
  it('forward-confirmed, valid, lower-cased names only', { timeout: TIMEOUT }, () => {
    assert.equal(confirmedHost('192.0.2.7', 'Host.Example.NET', ['198.51.100.1', '192.0.2.7']), 'host.example.net');
    assert.equal(confirmedHost('192.0.2.7', 'host.example.net', ['198.51.100.1']), null, 'A records without the IP');
    assert.equal(confirmedHost('192.0.2.7', 'host.example.net', []), null);
    assert.equal(confirmedHost('192.0.2.7', undefined, ['192.0.2.7']), null);
    // IPv6: the client's IP as UnrealIRCd writes it (8 full groups) and the resolver's compressed form are the same address
    assert.equal(confirmedHost('2001:db8:0:0:0:0:0:5', 'v6.example.net', ['2001:db8::5']), 'v6.example.net');
    assert.equal(confirmedHost('192.0.2.7', 'bad name.example', ['192.0.2.7']), null, 'a space');
    assert.equal(confirmedHost('192.0.2.7', 'a/b.example', ['192.0.2.7']), null, 'a slash (strict valid_host)');
    assert.equal(confirmedHost('192.0.2.7', 'x'.repeat(64), ['192.0.2.7']), null, 'over HOSTLEN (63)');
    assert.equal(validHost('x'.repeat(63)), true);
    assert.equal(validHost(''), false);
  });

  it('the cache: a name for 600 s, a failure for 60 s, at most its bound (the oldest dropped)', { timeout: TIMEOUT }, () => {
    const c = new HostCache(2);
    c.add('192.0.2.1', 'a.example', 1000);
    c.add('192.0.2.2', null, 1000);
    assert.equal(c.get('192.0.2.1', 1599), 'a.example');
    assert.equal(c.get('192.0.2.1', 1600), undefined);
    assert.equal(c.get('192.0.2.2', 1059), null);
    assert.equal(c.get('192.0.2.2', 1060), undefined);
    c.add('192.0.2.3', 'c', 2000); c.add('192.0.2.4', 'd', 2000); c.add('192.0.2.5', 'e', 2000);
    assert.equal(c.size, 2);
    assert.equal(c.get('192.0.2.3', 2000), undefined, 'the oldest went');
    assert.equal(c.get('192.0.2.5', 2000), 'e');
  });

  it('a resolver that never answers (or throws) gives the IP, within the deadline', { timeout: TIMEOUT }, async () => {
    const never: HostResolver = { reverse: () => new Promise(() => {}), forward: () => new Promise(() => {}) };
    // It returns at all (a lookup that waited for the resolver would never return: the per-test timeout).
    assert.equal(await lookupHost(never, '192.0.2.7', 150), null);
    const broken: HostResolver = { reverse: () => { throw new Error('boom'); }, forward: async () => [] };
    assert.equal(await lookupHost(broken, '192.0.2.7', 1000), null);
    const junk = { reverse: async () => [42], forward: async () => [] } as unknown as HostResolver;
    assert.equal(await lookupHost(junk, '192.0.2.7', 1000), null);
  });

});

describe('reverse DNS in the client side (sans-I/O, fake resolver)', () => {
  function nodeWith(r: HostResolver, showConnectInfo = true, deadlineMs = 5000) {
    const n = leafNode();
    const cfg: HostLookupConfig = { resolver: r, deadlineMs, showConnectInfo };
    n.clients.hostLookup = () => cfg;
    return n;
  }
  async function registerAfterLookup(n: ReturnType<typeof leafNode>, id: string, nick: string, ip: string, r?: ReturnType<typeof fakeResolver>) {
    n.clients.connect(id, { ip });
    n.clients.receive(id, `NICK ${nick}`);
    n.clients.receive(id, `USER ${nick} 0 * :R`);
    const early = n.pump().get(id) ?? [];
    r?.release();
    await waitFor(() => (n.pump().get(id) ?? []).length > 0 || (n.seen.get(id) ?? []).some((l) => l.startsWith('PING :')), 5000, 'the lookup done');
    const ping = n.seen.get(id)!.find((l) => l.startsWith('PING :'))!;
    n.clients.receive(id, `PONG :${ping.slice(6)}`);
    n.pump();
    return { early, all: n.seen.get(id)! };
  }

  it('registration waits for the lookup; the verified name is the real host (UID, 378); the NOTICE AUTH lines', { timeout: TIMEOUT }, async () => {
    const r = fakeResolver({ '192.0.2.7': ['Client7.Example.NET'] }, { 'Client7.Example.NET': ['192.0.2.7'] });
    r.hold();
    const n = nodeWith(r);
    const { early, all } = await registerAfterLookup(n, 'c1', 'ana', '192.0.2.7', r);
    // Before the answer: only the notice; NICK/USER not read yet (no PING cookie, no 001).
    assert.deepEqual(early, [`:tslink.test NOTICE * :${REPORT_DO_DNS}`]);
    assert.equal(all[1], `:tslink.test NOTICE * :${REPORT_FIN_DNSC}`);
    assert.ok(all.some((l) => / 001 ana .*ana!ana@client7\.example\.net$/.test(l)), all.join('\n'));
    const uid = [...n.sent().values()].flat().find((l) => / UID ana /.test(l));
    assert.ok(uid && / client7\.example\.net /.test(uid), uid);
    assert.equal(n.engine.net.userByNick('ana')!.realHost, 'client7.example.net');
  });

  it('an unconfirmed name is not used; the failure is cached (one lookup for two connections)', { timeout: TIMEOUT }, async () => {
    const r = fakeResolver({ '192.0.2.8': ['liar.example.net'] }, { 'liar.example.net': ['198.51.100.9'] });
    const n = nodeWith(r);
    const { all } = await registerAfterLookup(n, 'c1', 'bo', '192.0.2.8');
    assert.equal(all[1], `:tslink.test NOTICE * :${REPORT_FAIL_DNS}`);
    assert.ok(all.some((l) => / 001 bo .*bo!bo@192\.0\.2\.8$/.test(l)), all.join('\n'));
    assert.equal(r.calls, 2);
    const second = await registerAfterLookup(n, 'c2', 'cy', '192.0.2.8');
    assert.equal(second.all[1], `:tslink.test NOTICE * :${REPORT_FAIL_DNS}`);
    assert.equal(r.calls, 2, 'answered from the cache');
  });

  it('without show-connect-info no notice; a lookup that never ends gives the IP at the deadline', { timeout: TIMEOUT }, async () => {
    const never: HostResolver = { reverse: () => new Promise(() => {}), forward: () => new Promise(() => {}) };
    const n = nodeWith(never, false, 200);
    const { early, all } = await registerAfterLookup(n, 'c1', 'dee', '192.0.2.9');
    assert.deepEqual(early, []);
    assert.ok(all.some((l) => / 001 dee .*dee!dee@192\.0\.2\.9$/.test(l)), all.join('\n'));
    assert.ok(!all.some((l) => l.includes('NOTICE * :***')));
  });

  it('connections from an address being looked up share that lookup', { timeout: TIMEOUT }, async () => {
    const r = fakeResolver({ '192.0.2.11': ['many.example'] }, { 'many.example': ['192.0.2.11'] });
    r.hold();
    const n = nodeWith(r);
    for (let i = 0; i < 5; i++) n.clients.connect(`c${i}`, { ip: '192.0.2.11' });
    r.release();
    await waitFor(() => [...n.clients.sessions.values()].every((s) => s.realHost === 'many.example'), 5000, 'all resolved');
    assert.equal(r.calls, 2, 'one PTR and one A query for five connections');
  });

  it('a client that closes during the lookup is not touched afterwards', { timeout: TIMEOUT }, async () => {
    const r = fakeResolver({ '192.0.2.10': ['x.example'] }, { 'x.example': ['192.0.2.10'] });
    r.hold();
    const n = nodeWith(r);
    n.clients.connect('c1', { ip: '192.0.2.10' });
    n.clients.disconnected('c1', 'gone');
    n.pump();
    r.release();
    await tick(); await tick();
    assert.equal(n.clients.sessions.size, 0);
    assert.deepEqual(n.pump().get('c1') ?? [], []);
  });
});

describe('reverse DNS in a node (client on 127.0.0.2, fake resolver)', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-rdns-');
  after(async () => { closeUsers(); await h.cleanup(); });

  it('set::options::dont-resolve / show-connect-info and set::dns::client as UnrealIRCd names them', { timeout: TIMEOUT }, () => {
    const base = configText({ id: h.identity('x.test'), sid: '0XX', port: 1, links: [], dataDir: '/tmp' });
    const parse = (extra: string) => { const r = parseConfigText(base + extra, 'x.conf'); assert.ok(r.config, r.errors.map((e) => e.text).join('; ')); return clientDnsSettings(r.config); };
    assert.deepEqual(parse(''), { dontResolve: false, showConnectInfo: false, timeoutMs: 1500, tries: 2 });
    assert.deepEqual(parse('set { options { dont-resolve; show-connect-info; } dns { client { timeout 3000; retry 4; } } }'), { dontResolve: true, showConnectInfo: true, timeoutMs: 3000, tries: 4 });
    // several set blocks add up
    assert.deepEqual(parse('set { options { show-connect-info; } }\nset { options { dont-resolve; } dns { client { retry 1; } } }'), { dontResolve: true, showConnectInfo: true, timeoutMs: 1500, tries: 1 });
    // out of UnrealIRCd's ranges (1000-10000 ms, 0-5): the defaults
    assert.deepEqual(parse('set { dns { client { timeout 50; retry 9; } } }'), { dontResolve: false, showConnectInfo: false, timeoutMs: 1500, tries: 2 });
  });

  it('the host is the verified name; dont-resolve keeps the IP', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const n = await h.startNode({ id: h.identity('d.test'), sid: '0DD', port: await freePort(), links: [], extra: clientBlocks(port, { resolve: true }) + 'set { options { show-connect-info; } }\n' });
    const r = fakeResolver({ '127.0.0.2': ['Where.Example.TEST'] }, { 'Where.Example.TEST': ['127.0.0.2'] });
    n.node.clientSide!.resolver = r;
    const u = await connectUser(port, 'rosa', { localAddress: '127.0.0.2' });
    assert.equal(untagged(await u.line(/NOTICE \* :\*\*\* Looking/)), ':d.test NOTICE * :*** Looking up your hostname...');
    assert.equal(untagged(await u.line(/NOTICE \* :\*\*\* Found/)), ':d.test NOTICE * :*** Found your hostname (cached)');
    assert.match(untagged(await u.line(/ 001 rosa /)), /rosa!rosa@where\.example\.test$/);
    assert.equal(n.node.engine.net.userByNick('rosa')!.realHost, 'where.example.test');
    // the cloak is that of the host name (cloak_sha256's host form), not of the IP
    assert.equal(n.node.engine.net.userByNick('rosa')!.cloak, cloakHost('where.example.test', { keys: KEYS }, '127.0.0.2'));
    assert.notEqual(n.node.engine.net.userByNick('rosa')!.cloak, cloakHost('127.0.0.2', { keys: KEYS }, '127.0.0.2'));
    // dont-resolve at a rehash: the next client keeps its IP, no lookup made
    const cfg = parseConfigText(configText({ ...n.spec, extra: clientBlocks(port, { resolve: true }) + 'set { options { dont-resolve; show-connect-info; } }\n' }), 'd.conf').config!;
    assert.ok((await n.node.rehash(cfg)).ok);
    const calls = r.calls;
    const v = await connectUser(port, 'vic', { localAddress: '127.0.0.2' });
    assert.match(untagged(await v.line(/ 001 vic /)), /vic!vic@127\.0\.0\.2$/);
    assert.equal(r.calls, calls);
    assert.ok(!v.lines.some((l) => l.includes('Looking up')), v.lines.join('\n'));
    await waitFor(() => true, WAIT, 'done');
  });
});
