// The RPC over its unix socket on a running node linked to a second node: the objects against
// the state dump of the same network (src/replay/stateDump.ts), UnrealIRCd's error codes, the
// calls that change the network (bans, SQUIT, KILL) as seen on the other node, the audit log,
// log.subscribe, the socket's mode, and the bounds.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildStateDump } from '../../src/replay/stateDump.ts';
import { isoTime } from '../../src/rpc/times.ts';
import { RpcCode } from '../../src/rpc/errors.ts';
import { auditLogPath } from '../../src/rpc/nodeAdapter.ts';
import { freePort, seed, waitFor, type TestNode } from '../runtime/helpers.ts';
import { LineClient, startRpcNode, unixCall, type Obj, type RpcNodeHandle } from './helpers.ts';

const T = { timeout: 30_000 };

describe('RPC over the unix socket', { timeout: 120_000 }, () => {
  let r: RpcNodeHandle;
  let b: TestNode;

  before(async () => {
    const bPort = await freePort();
    r = await startRpcNode({ links: (h) => [{ peer: h.identity('peer.test') }] });
    const bId = r.h.identity('peer.test');
    b = await r.h.startNode({ id: bId, sid: '0PE', port: bPort, links: [{ peer: r.h.identity('rpc.test'), port: r.tn.port, autoconnect: true }] });
    seed(r.tn.node, '0RP', 'own');
    seed(b.node, '0PE', 'far');
    await waitFor(() => [...r.tn.node.engine.net.usersByUid.keys()].some((u) => u.startsWith('0PE')) && r.tn.node.engine.net.server('peer.test')?.synced === true, 20_000, 'peer linked and synced');
    await waitFor(() => r.tn.node.engine.tkl.size >= 2, 5000, 'bans of both nodes');
  });
  after(async () => { await r?.cleanup(); });

  test('the socket is in the data directory, a socket, mode 0600, owned by us', T, () => {
    assert.equal(dirname(r.socket), r.tn.node.config.set.dataDirectory);
    const st = statSync(r.socket);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, process.getuid!());
  });

  test('server.list, user.list, channel.list and the ban lists are the state dump in UnrealIRCd\'s shape', T, async () => {
    const node = r.tn.node;
    const dump = buildStateDump(node.engine.net, node.engine.tkl, node.engine.now());
    const c = await LineClient.connect(r.socket);
    try {
      const servers = (await c.call('server.list')).result.list as Obj[];
      const users = (await c.call('user.list', { object_detail_level: 4 })).result.list as Obj[];
      const channels = (await c.call('channel.list', { object_detail_level: 3 })).result.list as Obj[];
      const bans = (await c.call('server_ban.list')).result.list as Obj[];
      // Users: the dump's, without the tslink key, channels always there at level 4.
      assert.deepEqual(users, dump.users.map((u) => {
        const { tslink: _t, ...rest } = u as Obj;
        return { ...rest, user: { ...(u.user as Obj), channels: (u.user as Obj).channels ?? [] } } as Obj;
      }) as Obj[]);
      assert.ok(users.some((u) => u.user.servername === 'peer.test') && users.some((u) => u.user.servername === 'rpc.test'));
      // Servers: times in ISO 8601; our own server with its features and without synced/ulined.
      assert.deepEqual(servers.map((s) => s.name).sort(), ['peer.test', 'rpc.test']);
      for (const d of dump.servers as Obj[]) {
        const got = servers.find((s) => s.id === d.id)!;
        const { tslink: _t, server: ds, ...top } = d;
        assert.deepEqual({ ...got, server: undefined }, { ...top, server: undefined });
        if (d.id === '0RP') {
          assert.equal(got.server.synced, undefined);
          assert.equal(got.server.features.software, 'tslink-0.1.0');
          assert.equal(got.server.features.protocol, 6100);
          assert.equal(got.server.boot_time, isoTime(node.engine.bootTime));
          assert.equal(got.server.num_users, ds.num_users);
        } else {
          assert.deepEqual({ ...got.server, boot_time: undefined, features: undefined }, { ...ds, boot_time: undefined, features: undefined });
          assert.equal(got.server.boot_time, ds.boot_time === undefined ? null : isoTime(ds.boot_time));
          assert.deepEqual(got.server.features, ds.features ?? { protocol: 0 });
        }
      }
      // Channels at level 3: the dump's fields, list times in ISO 8601.
      assert.deepEqual(channels, dump.channels.map((ch) => {
        const o: Obj = { ...ch };
        delete o.tslink;
        o.creation_time = isoTime(ch.creation_time);
        for (const k of ['bans', 'ban_exemptions', 'invite_exceptions']) o[k] = (ch[k] as Obj[]).map((e) => ({ ...e, set_at: isoTime(e.set_at) }));
        if (ch.topic_set_at !== undefined) o.topic_set_at = isoTime(ch.topic_set_at);
        return o;
      }));
      // Server bans: the dump's, with ISO times and UnrealIRCd's *_string fields.
      assert.equal(bans.length, dump.server_bans.length);
      for (const d of dump.server_bans as Obj[]) {
        const got = bans.find((x) => x.name === d.name)!;
        assert.deepEqual({ ...got, set_at: d.set_at, expire_at: d.expire_at, set_at_string: undefined, expire_at_string: undefined, duration_string: undefined, set_at_delta: undefined }, { ...d, set_at_string: undefined, expire_at_string: undefined, duration_string: undefined, set_at_delta: undefined });
        assert.equal(got.set_at, isoTime(d.set_at));
        assert.equal(got.duration_string, '1d');
        assert.match(got.set_at_string, /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \d{4} GMT$/);
      }
    } finally { c.close(); }
  });

  test('detail levels of user.get, channel.get and user.list', T, async () => {
    const c = await LineClient.connect(r.socket);
    try {
      const byNick = (await c.call('user.get', { nick: 'far0' })).result.client;
      assert.equal(byNick.user.servername, 'peer.test');
      assert.deepEqual(byNick.user.channels, [{ name: '#far', level: 'o' }]);
      const byUid = (await c.call('user.get', { nick: byNick.id })).result.client;
      assert.deepEqual(byUid, byNick);
      assert.deepEqual(Object.keys((await c.call('user.get', { nick: 'far0', object_detail_level: 0 })).result.client).sort(), ['id', 'name']);
      assert.deepEqual(Object.keys((await c.call('user.get', { nick: 'far0', object_detail_level: 1 })).result.client).sort(), ['details', 'hostname', 'id', 'ip', 'name']);
      const l2 = (await c.call('user.list')).result.list as Obj[];
      assert.ok(l2.every((u) => u.user && u.user.channels === undefined), 'level 2 has user, no channels');
      assert.equal((await c.call('user.get', { nick: 'far0', object_detail_level: 3 })).error.code, RpcCode.INVALID_PARAMS);
      assert.equal((await c.call('user.get', { nick: 'nobody' })).error.code, RpcCode.NOT_FOUND);
      assert.equal((await c.call('user.get', {})).error.code, RpcCode.INVALID_PARAMS);
      const ch = (await c.call('channel.get', { channel: '#SHARED' })).result.channel;
      assert.equal(ch.name, '#shared');
      assert.equal(ch.num_users, 2);
      assert.deepEqual(ch.members.map((m: Obj) => Object.keys(m).sort()), [['id', 'name'], ['id', 'name']]);
      const ch4 = (await c.call('channel.get', { channel: '#own', object_detail_level: 4 })).result.channel;
      assert.equal(ch4.members.find((m: Obj) => m.level === 'o').details, 'own0!id0@host0.own.test');
      assert.deepEqual(Object.keys((await c.call('channel.list', { object_detail_level: 0 })).result.list[0]), ['name']);
      assert.equal((await c.call('channel.list', { object_detail_level: 5 })).error.code, RpcCode.INVALID_PARAMS);
      assert.equal((await c.call('channel.get', { channel: '#none' })).error.code, RpcCode.NOT_FOUND);
      assert.equal((await c.call('server.get')).result.server.name, 'rpc.test');
      assert.equal((await c.call('server.get', { server: '0PE' })).result.server.server.uplink, 'rpc.test');
      assert.equal((await c.call('server.get', { server: 'no.such' })).error.code, RpcCode.NOT_FOUND);
      const stats = (await c.call('stats.get')).result;
      assert.equal(stats.server.total, 2);
      assert.equal(stats.user.total, 6);
      assert.equal(stats.channel.total, 3);
      assert.equal(stats.server_ban.server_ban, 2);
      const info = (await c.call('rpc.info')).result.methods;
      assert.equal(info['server_ban.add'].module, 'rpc/server_ban');
      assert.ok(info['log.subscribe'] && info['user.kill'] && info['spamfilter.del']);
    } finally { c.close(); }
  });

  test('bad requests get UnrealIRCd\'s error codes', T, async () => {
    const c = await LineClient.connect(r.socket);
    try {
      const send = async (req: unknown, pred: (m: Obj) => boolean) => { c.sendRaw(JSON.stringify(req) + '\n'); return c.waitFor(pred, 5000, JSON.stringify(req)); };
      assert.equal((await send({ id: 1, method: 'rpc.info' }, (m) => m.id === 1)).error.code, RpcCode.INVALID_REQUEST);
      assert.equal((await send({ jsonrpc: '1.0', id: 2, method: 'rpc.info' }, (m) => m.id === 2)).error.code, RpcCode.INVALID_REQUEST);
      const noId = await send({ jsonrpc: '2.0', method: 'stats.get' }, (m) => m.method === 'stats.get');
      assert.equal(noId.error.code, RpcCode.INVALID_REQUEST);
      assert.equal((await send({ jsonrpc: '2.0', id: 'x'.repeat(33), method: 'rpc.info' }, (m) => m.id === 'x'.repeat(33))).error.code, RpcCode.INVALID_REQUEST);
      assert.equal((await send({ jsonrpc: '2.0', id: 1.5, method: 'rpc.info' }, (m) => m.id === 1.5)).error.code, RpcCode.INVALID_REQUEST);
      assert.equal((await send({ jsonrpc: '2.0', id: 3 }, (m) => m.id === 3)).error.code, RpcCode.INVALID_REQUEST);
      const unknown = await send({ jsonrpc: '2.0', id: 4, method: 'user.set_nick', params: {} }, (m) => m.id === 4);
      assert.deepEqual({ code: unknown.error.code, method: unknown.method, jsonrpc: unknown.jsonrpc }, { code: RpcCode.METHOD_NOT_FOUND, method: 'user.set_nick', jsonrpc: '2.0' });
      assert.equal((await send({ jsonrpc: '2.0', id: 5, method: 'user.get', params: { nick: 'x'.repeat(511) } }, (m) => m.id === 5)).error.code, RpcCode.INVALID_REQUEST);
      assert.equal((await send({ jsonrpc: '2.0', id: 6, method: 'user.get', params: { nick: 'a\nb' } }, (m) => m.id === 6)).error.code, RpcCode.INVALID_REQUEST);
      assert.equal((await send({ jsonrpc: '2.0', id: 7, method: 'server_ban.add', params: { type: 'gline', name: '*@x' } }, (m) => m.id === 7)).error.code, RpcCode.INVALID_PARAMS);
      assert.equal((await send({ jsonrpc: '2.0', id: 8, method: 'server_ban.add', params: { type: 'bogus', name: '*@x', reason: 'r' } }, (m) => m.id === 8)).error.code, RpcCode.INVALID_PARAMS);
      assert.equal((await send({ jsonrpc: '2.0', id: 9, method: 'server_ban.add', params: { type: 'kline', name: '*@x', reason: 'r' } }, (m) => m.id === 9)).error.code, RpcCode.INVALID_PARAMS);
      assert.equal((await send({ jsonrpc: '2.0', id: 10, method: 'server_ban.add', params: { type: 'gzline', name: 'u@1.2.3.4', reason: 'r' } }, (m) => m.id === 10)).error.code, RpcCode.INVALID_PARAMS);
      assert.equal((await send({ jsonrpc: '2.0', id: 11, method: 'server_ban.add', params: { type: 'gline', name: '*@x', reason: 'r', duration_string: 'soon' } }, (m) => m.id === 11)).error.code, RpcCode.INVALID_PARAMS);
      assert.equal((await send({ jsonrpc: '2.0', id: 12, method: 'server_ban.add', params: { type: 'gline', name: 'nosuchnick', reason: 'r' } }, (m) => m.id === 12)).error.code, RpcCode.INVALID_PARAMS);
      assert.equal((await send({ jsonrpc: '2.0', id: 13, method: 'server.disconnect', params: { link: 'rpc.test', reason: 'x' } }, (m) => m.id === 13)).error.code, RpcCode.INVALID_PARAMS);
      assert.equal((await send({ jsonrpc: '2.0', id: 14, method: 'server.connect', params: { link: 'peer.test' } }, (m) => m.id === 14)).error.code, RpcCode.ALREADY_EXISTS);
      assert.equal((await send({ jsonrpc: '2.0', id: 15, method: 'server.connect', params: { link: 'nowhere.test' } }, (m) => m.id === 15)).error.code, RpcCode.NOT_FOUND);
      assert.equal((await send({ jsonrpc: '2.0', id: 16, method: 'server.rehash', params: { server: 'peer.test' } }, (m) => m.id === 16)).error.code, RpcCode.REMOTE_SERVER_NO_RPC);
      assert.equal((await send({ jsonrpc: '2.0', id: 17, method: 'log.subscribe', params: {} }, (m) => m.id === 17)).error.code, RpcCode.INVALID_PARAMS);
      // Unparsable JSON: PARSE_ERROR, then the connection is closed.
      c.sendRaw('{"jsonrpc": "2.0", \n');
      const parse = await c.waitFor((m) => m.error?.code === RpcCode.PARSE_ERROR, 5000, 'parse error');
      assert.equal(parse.id, undefined);
      await waitFor(() => c.closed, 5000, 'closed after a parse error');
    } finally { c.close(); }
  });

  test('a G-line added, seen on the peer, refused twice, removed; audited', T, async () => {
    const c = await LineClient.connect(r.socket);
    try {
      const add = await c.call('server_ban.add', { type: 'gline', name: '*@192.0.2.66', reason: 'rpc test ban', duration_string: '2h', set_by: null });
      const tkl = add.result.tkl;
      assert.deepEqual({ type: tkl.type, name: tkl.name, reason: tkl.reason, set_by: tkl.set_by, duration_string: tkl.duration_string, type_string: tkl.type_string }, { type: 'gline', name: '*@192.0.2.66', reason: 'rpc test ban', set_by: 'RPC:local', duration_string: '2h', type_string: 'G-Line' });
      await waitFor(() => [...b.node.engine.tkl.values()].some((e) => e.type === 'G' && e.host === '192.0.2.66' && e.setBy === 'RPC:local'), 5000, 'G-line on the peer');
      assert.equal((await c.call('server_ban.add', { type: 'gline', name: '*@192.0.2.66', reason: 'again' })).error.code, RpcCode.ALREADY_EXISTS);
      assert.equal((await c.call('server_ban.get', { type: 'gline', name: '*@192.0.2.66' })).result.tkl.name, '*@192.0.2.66');
      const soft = await c.call('server_ban.add', { type: 'gline', name: '%*@198.51.100.0/24', reason: 'soft', expire_at: '2099-01-01T00:00:00.000Z' });
      assert.equal(soft.result.tkl.type_string, 'Soft G-Line');
      assert.equal(soft.result.tkl.expire_at, '2099-01-01T00:00:00.000Z');
      const nick = await c.call('server_ban.add', { type: 'shun', name: 'far1', reason: 'by nick' });
      assert.equal(nick.result.tkl.name, '*@host1.far.test');
      const del = await c.call('server_ban.del', { type: 'gline', name: '*@192.0.2.66' });
      assert.equal(del.result.tkl.name, '*@192.0.2.66');
      await waitFor(() => ![...b.node.engine.tkl.values()].some((e) => e.type === 'G' && e.host === '192.0.2.66'), 5000, 'G-line gone on the peer');
      assert.equal((await c.call('server_ban.get', { type: 'gline', name: '*@192.0.2.66' })).error.code, RpcCode.NOT_FOUND);
      assert.equal((await c.call('server_ban.del', { type: 'gline', name: '*@192.0.2.66' })).error.code, RpcCode.NOT_FOUND);
      const auditPath = auditLogPath(r.tn.node.config);
      assert.equal(statSync(auditPath).mode & 0o777, 0o600);
      const audit = readFileSync(auditPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const adds = audit.filter((a) => a.method === 'server_ban.add');
      assert.ok(adds.some((a) => a.result === 'ok' && a.params.name === '*@192.0.2.66' && a.caller === 'RPC:local' && a.transport === 'unix'));
      assert.ok(adds.some((a) => a.result === 'error' && a.code === RpcCode.ALREADY_EXISTS));
      assert.ok(!audit.some((a) => a.method === 'server_ban.get'), 'reads are not audited');
      assert.ok(r.tn.log.events('RPC_CALL').some((e) => e.method === 'server_ban.del' && e.result === 'ok'));
    } finally { c.close(); }
  });

  test('name bans, ban exceptions and spamfilters', T, async () => {
    const c = await LineClient.connect(r.socket);
    try {
      const q = (await c.call('name_ban.add', { name: 'Bad*', reason: 'reserved' })).result.tkl;
      assert.deepEqual([q.type, q.name, q.type_string, q.expire_at, q.duration_string], ['qline', 'Bad*', 'Q-Line', null, 'permanent']);
      assert.equal((await c.call('name_ban.add', { name: 'bad*', reason: 'again' })).error.code, RpcCode.NOT_FOUND);
      assert.equal((await c.call('name_ban.get', { name: 'BAD*' })).result.tkl.name, 'Bad*');
      assert.equal((await c.call('name_ban.list')).result.list.length, 1);
      assert.equal((await c.call('name_ban.del', { name: 'bad*' })).result.tkl.name, 'Bad*');
      assert.equal((await c.call('name_ban.get', { name: 'Bad*' })).error.code, RpcCode.NOT_FOUND);

      const e = (await c.call('server_ban_exception.add', { name: '*@203.0.113.5', exception_types: 'GZ', reason: 'trusted' })).result.tkl;
      assert.deepEqual([e.type, e.name, e.exception_types], ['except', '*@203.0.113.5', 'GZ']);
      assert.equal((await c.call('server_ban_exception.add', { name: '*@203.0.113.5', reason: 'x' })).error.code, RpcCode.INVALID_PARAMS);
      await waitFor(() => [...b.node.engine.tkl.values()].some((t) => t.type === 'E' && t.host === '203.0.113.5'), 5000, 'exception on the peer');
      assert.equal((await c.call('server_ban_exception.del', { name: '*@203.0.113.5' })).result.tkl.name, '*@203.0.113.5');
      assert.equal((await c.call('server_ban_exception.list')).result.list.length, 0);

      const sf = { name: 'buy cheap', match_type: 'simple', spamfilter_targets: 'cp', ban_action: 'block' };
      const f = (await c.call('spamfilter.add', { ...sf, reason: 'no spam please', ban_duration: '1h' })).result.tkl;
      assert.deepEqual([f.type, f.name, f.match_type, f.ban_action, f.spamfilter_targets, f.reason, f.ban_duration, f.ban_duration_string, f.hits], ['spamfilter', 'buy cheap', 'simple', 'block', 'cp', 'no spam please', 3600, '1h', 0]);
      assert.equal((await c.call('spamfilter.add', { ...sf, reason: 'again' })).error.code, RpcCode.ALREADY_EXISTS);
      assert.equal((await c.call('spamfilter.add', { ...sf, ban_action: 'nosuch', reason: 'x' })).error.code, RpcCode.INVALID_PARAMS);
      assert.equal((await c.call('spamfilter.add', { ...sf, match_type: 'regex', name: '(', reason: 'x' })).error.code, RpcCode.INVALID_PARAMS);
      await waitFor(() => [...b.node.engine.tkl.values()].some((t) => t.type === 'F' && t.spamfilter?.match === 'buy cheap'), 5000, 'spamfilter on the peer');
      assert.equal((await c.call('spamfilter.get', sf)).result.tkl.name, 'buy cheap');
      assert.equal((await c.call('spamfilter.del', sf)).result.tkl.name, 'buy cheap');
      assert.equal((await c.call('spamfilter.get', sf)).error.code, RpcCode.NOT_FOUND);
      await waitFor(() => ![...b.node.engine.tkl.values()].some((t) => t.type === 'F'), 5000, 'spamfilter gone on the peer');
    } finally { c.close(); }
  });

  test('log.subscribe streams log events as log.event', T, async () => {
    const c = await LineClient.connect(r.socket);
    try {
      assert.equal((await c.call('log.subscribe', { sources: ['rpc', '!RPC_LISTENING'] })).result, true);
      await unixCall(r.socket, 'name_ban.add', { name: 'Logged*', reason: 'r' });
      const ev = await c.waitFor((m) => m.method === 'log.event' && m.result.event_id === 'RPC_CALL', 5000, 'log.event');
      assert.equal(ev.id, undefined);
      assert.deepEqual([ev.result.level, ev.result.subsystem, ev.result.log_source, ev.result.method], ['info', 'rpc', 'rpc.test', 'name_ban.add']);
      assert.match(ev.result.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal((await c.call('log.unsubscribe')).result, true);
      const before = c.messages.length;
      await unixCall(r.socket, 'name_ban.del', { name: 'Logged*' });
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(c.messages.filter((m) => m.method === 'log.event').length, c.messages.slice(0, before).filter((m) => m.method === 'log.event').length);
    } finally { c.close(); }
  });

  test('user.kill and server.disconnect act on the network', T, async () => {
    const kill = await unixCall(r.socket, 'user.kill', { nick: 'far2', reason: 'rpc kill test' });
    assert.equal(kill.result, true);
    await waitFor(() => !b.node.engine.net.user('far2'), 5000, 'far2 gone on the peer');
    assert.equal((await unixCall(r.socket, 'user.kill', { nick: 'far2', reason: 'again' })).error.code, RpcCode.NOT_FOUND);
    const sq = await unixCall(r.socket, 'server.disconnect', { link: 'peer.test', reason: 'rpc squit test' });
    assert.equal(sq.result, true);
    assert.equal(r.tn.node.engine.net.server('peer.test'), undefined);
    assert.equal((await unixCall(r.socket, 'server.get', { server: 'peer.test' })).error.code, RpcCode.NOT_FOUND);
  });

  test('bounds: a request line over 64 KiB is refused and the connection closed; calls per second', T, async () => {
    const c = await LineClient.connect(r.socket);
    c.sendRaw('{"jsonrpc":"2.0","id":1,"method":"rpc.info","params":{"x":"' + 'a'.repeat(70 * 1024));
    const err = await c.waitFor((m) => m.error?.code === RpcCode.INVALID_REQUEST, 5000, 'too long');
    assert.match(err.error.message, /at most 65536 bytes/);
    await waitFor(() => c.closed, 5000, 'closed');
    const d = await LineClient.connect(r.socket);
    try {
      // In batches of 10 (each answered before the next): the burst of 40 passes, then ~20 per second.
      const call = (i: number) => JSON.stringify({ jsonrpc: '2.0', id: i, method: 'rpc.set_issuer', params: { name: 'tester' } });
      for (let batch = 0; batch < 6; batch++) {
        d.sendRaw(Array.from({ length: 10 }, (_, i) => call(batch * 10 + i)).join('\n') + '\n');
        await d.waitFor(() => d.messages.length >= (batch + 1) * 10, 5000, `batch ${batch}`);
      }
      const limited = d.messages.filter((m) => m.error?.message?.includes('per second'));
      assert.ok(limited.length >= 10 && limited.length <= 20, `rate-limited ${limited.length}`);
      assert.ok(limited.every((m) => m.error.code === RpcCode.INVALID_REQUEST && typeof m.id === 'number'));
    } finally { d.close(); }
    // 60 calls at once on one connection: 16 queued and answered in order, the rest refused.
    const e = await LineClient.connect(r.socket);
    try {
      e.sendRaw(Array.from({ length: 30 }, (_, i) => JSON.stringify({ jsonrpc: '2.0', id: i, method: 'stats.get' })).join('\n') + '\n');
      await e.waitFor(() => e.messages.length >= 30, 5000, '30 answers');
      const queued = e.messages.filter((m) => m.result);
      assert.equal(queued.length, 16);
      assert.deepEqual(queued.map((m) => m.id), Array.from({ length: 16 }, (_, i) => i));
      assert.ok(e.messages.filter((m) => m.error).every((m) => m.error.code === RpcCode.INVALID_REQUEST && /in progress/.test(m.error.message)));
    } finally { e.close(); }
  });
});

describe('server.rehash over the unix socket', { timeout: 60_000 }, () => {
  // unrealircd-rpc-py (Server.rehash) builds a record of exactly these fields from each log entry and
  // fails the whole result on any other key: UnrealIRCd's rehash log carries its config messages bare.
  test('each rehash log entry has exactly UnrealIRCd\'s six fields, also for a warning with a file position', T, async () => {
    const r = await startRpcNode({
      loadConfig: () => ({ config: r.tn.config, errors: [], warnings: [{ file: 'x.conf', line: 2, message: 'odd', text: 'x.conf:2: set: odd' }] }),
    });
    try {
      const res = (await unixCall(r.socket, 'server.rehash')).result;
      assert.equal(res.success, true);
      assert.ok(res.log.some((e: Obj) => e.event_id === 'CONFIG_WARNING' && e.msg === 'x.conf:2: set: odd'));
      assert.ok(res.log.some((e: Obj) => e.event_id === 'REHASH'));
      for (const e of res.log) assert.deepEqual(Object.keys(e).sort(), ['event_id', 'level', 'log_source', 'msg', 'subsystem', 'timestamp'], JSON.stringify(e));
      assert.deepEqual(Object.keys(res).sort(), ['log', 'rehash_client', 'success']);
    } finally { await r.cleanup(); }
  });

  test('applied, or refused with the reasons in its log', T, async () => {
    let text: string | null = null;
    const r = await startRpcNode({
      loadConfig: () => {
        if (text === null) return { config: r.tn.config, errors: [], warnings: [] };
        return { errors: [{ file: 'x.conf', line: 3, message: 'broken', text }], warnings: [] };
      },
    });
    try {
      const ok = (await unixCall(r.socket, 'server.rehash')).result;
      assert.equal(ok.success, true);
      assert.equal(ok.rehash_client.name, 'RPC:local');
      assert.ok(ok.log.some((e: Obj) => e.event_id === 'REHASH'));
      text = 'x.conf:3: link: broken';
      const bad = (await unixCall(r.socket, 'server.rehash')).result;
      assert.equal(bad.success, false);
      assert.ok(bad.log.some((e: Obj) => e.event_id === 'CONFIG_ERROR' && e.msg === 'x.conf:3: link: broken'));
      assert.ok(bad.log.some((e: Obj) => e.event_id === 'REHASH_FAILED'));
      assert.equal(join(r.tn.node.config.set.dataDirectory!, 'rpc.socket'), r.socket);
    } finally { await r.cleanup(); }
  });
});
