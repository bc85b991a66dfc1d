// The --state dump: JSON-RPC shapes and field names, stability, agreement with the independent
// per-channel oracle, viewpoint independence, restriction to one side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { replayCapture } from '../../src/replay/offline.ts';
import { buildStateDump, decodeIp, diffJson, formatStateDump, restrictDump, viewpointFree, type Json, type JsonObject, type StateDump } from '../../src/replay/stateDump.ts';
import { Network } from '../../src/state/network.ts';
import { TklTable } from '../../src/tkl/tklTable.ts';

const dir = join(import.meta.dirname, '../../fixtures/unreal6');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt') && f !== 'client-view.txt').sort();

function dumpOf(f: string, as: 'recorder' | 'hub' = 'recorder'): { dump: StateDump; res: ReturnType<typeof replayCapture> } {
  let dump: StateDump | null = null;
  const res = replayCapture(readFileSync(join(dir, f)), { as, onEngine: (e, now) => { dump = buildStateDump(e.net, e.tkl, now); } });
  return { dump: dump!, res };
}

function keysSorted(v: Json, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => keysSorted(x, `${path}[${i}]`));
  if (v && typeof v === 'object') {
    const k = Object.keys(v);
    const bad = k.join() === [...k].sort().join() ? [] : [path || '.'];
    return [...bad, ...k.flatMap((x) => keysSorted((v as JsonObject)[x], `${path}.${x}`))];
  }
  return [];
}

test('top level: the JSON-RPC list names, every object key sorted, counts agree with the replay', () => {
  const { dump, res } = dumpOf('burst-and-live.txt');
  assert.deepEqual(Object.keys(dump), ['channels', 'name_bans', 'server_ban_exceptions', 'server_bans', 'servers', 'spamfilters', 'users']);
  assert.deepEqual(keysSorted(dump as unknown as Json), []);
  assert.equal(dump.servers.length, res.servers);
  assert.equal(dump.users.length, res.users);
  assert.equal(dump.channels.length, res.channels);
  assert.equal(dump.channels.reduce((n, c) => n + (c.members as unknown[]).length, 0), res.memberships);
  const tkl = res.tkl;
  assert.equal(dump.server_bans.length, (tkl.G ?? 0) + (tkl.Z ?? 0) + (tkl.s ?? 0));
  assert.equal(dump.server_ban_exceptions.length, tkl.E ?? 0);
  assert.equal(dump.spamfilters.length, tkl.F ?? 0);
  assert.equal(dump.name_bans.length, tkl.Q ?? 0);
});

test('objects use UnrealIRCd\'s field names; times are unix seconds; UTF-8 is shown as text', () => {
  const { dump } = dumpOf('burst-and-live.txt');
  const victor = dump.users.find((u) => u.name === 'victor-')!;
  assert.deepEqual(Object.keys(victor), ['details', 'hostname', 'id', 'ip', 'name', 'tslink', 'user']);
  const u = victor.user as JsonObject;
  for (const k of ['username', 'realname', 'cloakedhost', 'servername', 'modes', 'operlogin', 'operclass', 'channels']) assert.ok(k in u, k);
  assert.equal(u.realname, 'Élodie from Lyon');
  assert.equal(victor.ip, '100.148.11.107');
  assert.equal(victor.details, 'victor-!vict@100.148.11.107');
  assert.ok((u.channels as JsonObject[]).every((c) => typeof c.name === 'string' && (c.level === undefined || /^[qaohv]+$/.test(String(c.level)))));
  const ch = dump.channels.find((c) => (c.topic as string | undefined) !== undefined)!;
  for (const k of ['name', 'creation_time', 'num_users', 'topic', 'topic_set_by', 'topic_set_at', 'modes', 'bans', 'ban_exemptions', 'invite_exceptions', 'members']) assert.ok(k in ch, k);
  assert.equal(typeof ch.creation_time, 'number');
  assert.ok((ch.creation_time as number) > 1_700_000_000);
  const hub = dump.servers.find((s) => s.name === 'hub.test')!;
  const server = hub.server as JsonObject;
  assert.equal(server.info, 'Reference UnrealIRCd hub');
  assert.equal((server.features as JsonObject).software, 'UnrealIRCd-6.1.8.1');
  assert.equal(server.num_users, dump.users.filter((x) => (x.user as JsonObject).servername === 'hub.test').length);
  const g = dump.server_bans.find((b) => b.type === 'gline')!;
  for (const k of ['type', 'type_string', 'name', 'set_by', 'set_at', 'expire_at', 'reason']) assert.ok(k in g, k);
  const sf = dump.spamfilters[0];
  assert.deepEqual([sf.type, sf.type_string, sf.match_type, sf.ban_action, sf.ban_duration, sf.spamfilter_targets], ['spamfilter', 'Spamfilter', 'regex', 'gline', 86400, 'cp']);
  const e = dump.server_ban_exceptions[0];
  assert.equal(e.type, 'except');
  assert.ok(typeof e.exception_types === 'string');
  assert.ok(dump.server_bans.some((b) => b.expire_at === null), 'a permanent ban has expire_at null');
});

test('per-channel detail agrees with the independent oracle (fixtures/expected/unreal6-detail.json)', () => {
  const detail = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/expected/unreal6-detail.json'), 'utf8')) as Record<string, { channels?: Record<string, { ts: number; modes: string; members: string[]; bans: string[]; excepts: string[]; invex: string[] }> }>;
  const prefix: Record<string, string> = { q: '~', a: '&', o: '@', h: '%', v: '+' };
  for (const f of files) {
    const want = detail[f]?.channels;
    if (!want) continue;
    const { dump } = dumpOf(f);
    for (const [name, w] of Object.entries(want)) {
      const c = dump.channels.find((x) => x.name === name);
      assert.ok(c, `${f} ${name}`);
      assert.equal(c!.creation_time, w.ts, `${f} ${name} ts`);
      assert.equal(`+${c!.modes}`, w.modes, `${f} ${name} modes`);
      const members = (c!.members as JsonObject[]).map((m) => [...String(m.level ?? '')].map((l) => prefix[l]).join('') + m.name).sort();
      assert.deepEqual(members, [...w.members].sort(), `${f} ${name} members`);
      assert.deepEqual((c!.bans as JsonObject[]).map((b) => b.name).sort(), [...w.bans].sort());
      assert.deepEqual((c!.ban_exemptions as JsonObject[]).map((b) => b.name).sort(), [...w.excepts].sort());
      assert.deepEqual((c!.invite_exceptions as JsonObject[]).map((b) => b.name).sort(), [...w.invex].sort());
    }
  }
});

test('stable: the same capture gives byte-identical output', () => {
  const a = formatStateDump(dumpOf('tkl-existing-mask.txt').dump);
  const b = formatStateDump(dumpOf('tkl-existing-mask.txt').dump);
  assert.equal(a, b);
  assert.ok(a.endsWith('}\n'));
});

test('both ends agree: the hub\'s view and the leaf\'s view differ only in viewpoint facts', () => {
  for (const f of files) {
    const leaf = dumpOf(f).dump, hub = dumpOf(f, 'hub').dump;
    if (leaf.servers.length < 2) continue; // rejected last connection: only "me"
    const diffs = diffJson(viewpointFree(leaf, 'leaf.test', 'hub.test') as unknown as Json, viewpointFree(hub, 'leaf.test', 'hub.test') as unknown as Json);
    assert.deepEqual(diffs, [], f);
  }
});

test('restrictDump: one side of the link, members limited to it', () => {
  const { dump } = dumpOf('sjoin-older-ts.txt');
  const side = restrictDump(dump, 'leaf.test', 'hub.test');
  assert.deepEqual(side.servers.map((s) => s.name), ['leaf.test']);
  assert.ok(side.users.length > 0 && side.users.every((u) => (u.user as JsonObject).servername === 'leaf.test'));
  const ids = new Set(side.users.map((u) => u.id));
  assert.ok(side.channels.every((c) => (c.members as JsonObject[]).every((m) => ids.has(m.id))));
  assert.ok(side.channels.some((c) => c.name === '#moderated'));
  assert.deepEqual(side.server_bans, []);
  const hubSide = restrictDump(dump, 'hub.test', 'leaf.test');
  assert.deepEqual(hubSide.servers.map((s) => s.name), ['hub.test']);
  assert.equal(hubSide.users.length + side.users.length, dump.users.length);
});

test('decodeIp: IPv4, IPv6 (RFC 5952), none', () => {
  assert.equal(decodeIp('fwAAAQ=='), '127.0.0.1');
  assert.equal(decodeIp(Buffer.from('20010db8000000000000000000000001', 'hex').toString('base64')), '2001:db8::1');
  assert.equal(decodeIp(Buffer.from('20010db8000100000000000100000001', 'hex').toString('base64')), '2001:db8:1::1:0:1');
  assert.equal(decodeIp(Buffer.from('00000000000000000000000000000000', 'hex').toString('base64')), '::');
  assert.equal(decodeIp('*'), null);
  assert.equal(decodeIp('!!!'), null);
});

test('non-UTF-8 bytes are shown as latin1, UTF-8 as text; an empty network dumps empty lists', () => {
  const net = new Network({ sid: '0AA', name: 'a.test', info: 'x' });
  const s = net.me;
  net.addUser({
    uid: '0AAAAAAA1', nick: 'n', ts: 1, ident: 'i', realHost: 'h', vhost: '', cloak: '', ip: '*', account: '', umodes: new Set(['i']),
    realname: Buffer.from([0x41, 0xff]).toString('latin1') + Buffer.from('é', 'utf8').toString('latin1'), server: s, away: null, swhois: [], md: new Map(), channels: new Map(),
  });
  const d = buildStateDump(net, new TklTable(), 100);
  const u = d.users[0].user as JsonObject;
  assert.equal(u.realname, 'A\u00ff\u00c3\u00a9');
  assert.equal(d.users[0].ip, null);
  const n2 = new Network({ sid: '0AA', name: 'a.test', info: 'x' });
  n2.addUser({ ...[...net.usersByUid.values()][0], uid: '0AAAAAAA2', nick: 'm', realname: Buffer.from('Élodie', 'utf8').toString('latin1'), server: n2.me, channels: new Map() });
  assert.equal((buildStateDump(n2, new TklTable(), 100).users[0].user as JsonObject).realname, 'Élodie');
  const empty = buildStateDump(new Network({ sid: '0AA', name: 'a.test', info: 'x' }), new TklTable(), 0);
  assert.deepEqual([empty.users, empty.channels, empty.server_bans], [[], [], []]);
});

test('diffJson matches named list entries by name and reports paths', () => {
  const d = diffJson({ users: [{ name: 'a', x: 1 }, { name: 'b', x: 2 }] }, { users: [{ name: 'b', x: 3 }, { name: 'a', x: 1 }] });
  assert.deepEqual(d, [{ path: '.users[b].x', expected: 2, actual: 3 }]);
});
