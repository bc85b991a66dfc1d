// A full, stable dump of a network state, in the object shapes and field names of UnrealIRCd's
// JSON-RPC (server.list, user.list at object_detail_level 4, channel.list at level 3,
// server_ban.list, server_ban_exception.list, spamfilter.list, name_ban.list), so that
// `tslink replay --state` output can be diffed, and the node can serve the same objects later.
//
// Differences from UnrealIRCd's JSON (see fixtures/README.md, "tslink replay --state"):
//  - times are unix seconds (numbers), not ISO 8601 strings; a permanent ban has expire_at null;
//    a time beyond 2^53 (UnrealIRCd's time_t goes to 2^63 - 1) is the string of its exact digits,
//    which JSON readers would round as a number (tsJson());
//  - every object's keys are sorted, and every list is sorted (servers/users/channels/members/
//    list entries by name, bans by type then name), so equal states give byte-identical output;
//  - strings are shown with displayText(): UTF-8 when the bytes decode cleanly, else latin1;
//  - fields tslink cannot know (geoip, reputation, security-groups, connected_since, idle_since,
//    tls, ports) and clock-relative or prose fields (set_at_delta, set_at_string,
//    expire_at_string, duration_string, ban_duration_string) are left out;
//  - state UnrealIRCd's JSON does not show (nick TS, away, swhois, moddata, mlock, member moddata)
//    is kept under a "tslink" key on users, channels and servers.
// Pure: a function of (net, tkl, now) only.
import { decodeSpace } from '../tkl/spamfilter.ts';
import type { Network } from '../state/network.ts';
import type { Channel, Server, User } from '../state/model.ts';
import type { TklTable } from '../tkl/tklTable.ts';
import { isLive, type TklEntry } from '../tkl/types.ts';
import { displayText } from '../wire/message.ts';
import { channelModeString } from '../s2s/channelWire.ts';
import { modeSort } from '../s2s/userWire.ts';
import { memberMdCount, memberMdEntries } from '../state/membership.ts';
import { tsJson, type Ts } from '../state/ts.ts';
import { parseTs } from '../s2s/validate.ts';
import { virtualHost } from '../state/user.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface StateDump {
  servers: JsonObject[];
  users: JsonObject[];
  channels: JsonObject[];
  server_bans: JsonObject[];
  server_ban_exceptions: JsonObject[];
  spamfilters: JsonObject[];
  name_bans: JsonObject[];
}

const t = (s: string) => displayText(s);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byName = (a: JsonObject, b: JsonObject) => cmp(String(a.name), String(b.name)) || cmp(String(a.id ?? ''), String(b.id ?? ''));

/** Member modes in rank order, as UnrealIRCd shows a membership "level". */
const LEVEL_ORDER = 'qaohv';
function level(modes: string): string {
  let s = '';
  for (const m of LEVEL_ORDER) if (modes.includes(m)) s += m;
  return s;
}

function mdObject(md: { keys(): Iterable<string>; get(k: string): string | undefined }): JsonObject {
  const o: JsonObject = {};
  for (const k of [...md.keys()].sort(cmp)) o[t(k)] = t(md.get(k)!);
  return o;
}

/** A UID line's base64 IP as text ('*' or undecodable → null, like a services client). */
export function decodeIp(b64: string): string | null {
  if (!b64 || b64 === '*') return null;
  const buf = Buffer.from(b64, 'base64');
  if (buf.length === 4) return [...buf].join('.');
  if (buf.length === 16) return formatIpv6(buf);
  return null;
}

function formatIpv6(buf: Buffer): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(buf.readUInt16BE(i));
  // RFC 5952: compress the longest run (≥ 2) of zero groups, the first one on a tie.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best >= 0 && best === 0 && bestLen === 5 && g[5] === 0xffff) return `::ffff:${buf[12]}.${buf[13]}.${buf[14]}.${buf[15]}`;
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function serverObject(s: Server, me: Server): JsonObject {
  const server: JsonObject = {
    info: t(s.info),
    num_users: s.users.size,
    synced: s.synced,
    ulined: s.ulined,
  };
  if (s.uplink) server.uplink = t(s.uplink.name);
  if (s.sinfo) {
    const i = s.sinfo;
    const boot = parseTs(i.boot); // sinfo.c: boottime = atol(parv[1])
    server.boot_time = boot > 0 ? tsJson(boot) : null;
    const features: JsonObject = { protocol: Number(i.protocol) || 0 };
    if (i.software && i.software !== '*') features.software = t(i.software);
    if (i.umodes && i.umodes !== '*') features.usermodes = t(i.umodes);
    if (i.chanmodes && i.chanmodes !== '*') {
      const groups = i.chanmodes.split(',');
      while (groups.length < 4) groups.push('');
      features.chanmodes = groups.slice(0, 4).map(t);
    }
    if (i.nickchars && i.nickchars !== '*') features.nick_character_sets = t(i.nickchars);
    server.features = features;
  }
  const o: JsonObject = { name: t(s.name), id: s.sid, details: t(s.name), server };
  const extra: JsonObject = { hops: s.hops };
  if (s === me) extra.me = true;
  if (s.md.size) extra.md = mdObject(s.md);
  o.tslink = extra;
  return o;
}

function userObject(u: User): JsonObject {
  const user: JsonObject = {
    username: t(u.ident),
    servername: t(u.server.name),
    modes: [...u.umodes].sort(modeSort).join(''),
  };
  if (u.realname) user.realname = t(u.realname);
  // json.c: the virtual host while +x, unless it is the real host; for a +x user without a vhost
  // of its own that is its cloak (UnrealIRCd's virthost := cloakedhost).
  const vhost = virtualHost(u);
  if (u.umodes.has('x') && vhost !== u.realHost) user.vhost = t(vhost);
  if (u.cloak && u.cloak !== '*') user.cloakedhost = t(u.cloak);
  if (u.account && u.account !== '0' && u.account !== '*') user.account = t(u.account);
  const operlogin = u.md.get('operlogin'), operclass = u.md.get('operclass');
  if (operlogin) user.operlogin = t(operlogin);
  if (operclass) user.operclass = t(operclass);
  if (u.channels.size) {
    user.channels = [...u.channels.values()]
      .map((m) => {
        const e: JsonObject = { name: t(m.channel.name) };
        const l = level(m.modes);
        if (l) e.level = l;
        return e;
      })
      .sort(byName);
  }
  const extra: JsonObject = { nick_ts: tsJson(u.ts), ip_base64: u.ip };
  if (u.away !== null) extra.away = t(u.away);
  if (u.swhois.length) {
    extra.swhois = u.swhois
      .map((s) => ({ tag: t(s.tag), priority: s.prio, text: t(s.text) }) as JsonObject)
      .sort((a, b) => cmp(String(a.tag), String(b.tag)) || (a.priority as number) - (b.priority as number) || cmp(String(a.text), String(b.text)));
  }
  if (u.md.size) extra.md = mdObject(u.md);
  return {
    name: t(u.nick),
    id: u.uid,
    hostname: t(u.realHost),
    ip: decodeIp(u.ip),
    details: t(`${u.nick}!${u.ident}@${u.realHost}`),
    user,
    tslink: extra,
  };
}

function listEntries(m: Iterable<[string, { setBy: string; setAt: Ts }]>): JsonObject[] {
  return [...m].map(([mask, e]) => ({ name: t(mask), set_by: t(e.setBy), set_at: tsJson(e.setAt) }) as JsonObject).sort(byName);
}

function channelObject(ch: Channel): JsonObject {
  const o: JsonObject = {
    name: t(ch.name),
    creation_time: tsJson(ch.ts),
    num_users: ch.members.size,
    modes: t(channelModeString(ch).slice(1)),
    bans: listEntries(ch.lists.b),
    ban_exemptions: listEntries(ch.lists.e),
    invite_exceptions: listEntries(ch.lists.I),
    members: [...ch.members.values()]
      .map((m) => {
        const e: JsonObject = { name: t(m.user.nick), id: m.user.uid };
        const l = level(m.modes);
        if (l) e.level = l;
        return e;
      })
      .sort(byName),
  };
  if (ch.topic) {
    o.topic = t(ch.topic.text);
    o.topic_set_by = t(ch.topic.setBy);
    o.topic_set_at = tsJson(ch.topic.ts);
  }
  const extra: JsonObject = {};
  if (ch.mlock !== null) extra.mlock = t(ch.mlock);
  if (ch.md.size) extra.md = mdObject(ch.md);
  const memberMd: JsonObject = {};
  for (const m of [...ch.members.values()].sort((a, b) => cmp(a.user.uid, b.user.uid))) {
    if (memberMdCount(m)) {
      const x: JsonObject = {};
      const md = new Map<string, string>(memberMdEntries(m, 'member')), mdship = new Map<string, string>(memberMdEntries(m, 'membership'));
      if (md.size) x.member = mdObject(md);
      if (mdship.size) x.membership = mdObject(mdship);
      memberMd[m.user.uid] = x;
    }
  }
  if (Object.keys(memberMd).length) extra.member_md = memberMd;
  if (Object.keys(extra).length) o.tslink = extra;
  return o;
}

/** UnrealIRCd's tkl_types[] names (config name, logging name) for the global TKL letters. */
const TKL_TYPES: Record<string, [string, string]> = {
  G: ['gline', 'G-Line'], Z: ['gzline', 'Global Z-Line'], s: ['shun', 'Shun'],
  Q: ['qline', 'Q-Line'], E: ['except', 'Exception'], F: ['spamfilter', 'Spamfilter'],
  k: ['kline', 'K-Line'], z: ['zline', 'Z-Line'],
};

/** Spamfilter action letter → ban_action name (UnrealIRCd's banacttable). */
export const BAN_ACTIONS: Record<string, string> = {
  K: 'kill', i: 'soft-kill', S: 'tempshun', T: 'soft-tempshun', s: 'shun', H: 'soft-shun',
  k: 'kline', I: 'soft-kline', z: 'zline', g: 'gline', G: 'soft-gline', Z: 'gzline',
  b: 'block', B: 'soft-block', d: 'dccblock', D: 'soft-dccblock', v: 'viruschan', V: 'soft-viruschan',
  w: 'warn', W: 'soft-warn',
};

/** user@host as tkl_uhost() prints it: an extended server ban (~x:) is user and host glued together. */
function uhost(e: TklEntry): string {
  const user = e.user.startsWith('%') ? e.user.slice(1) : e.user;
  const soft = e.user.startsWith('%') ? '%' : '';
  return user.startsWith('~') ? `${soft}${user}${e.host}` : `${soft}${user}@${e.host}`;
}

function tklObject(e: TklEntry): JsonObject {
  const [type, typeString] = TKL_TYPES[e.type] ?? [e.type, 'Unknown *-Line'];
  const soft = (e.type === 'G' || e.type === 'Z' || e.type === 's' || e.type === 'E') && e.user.startsWith('%');
  const o: JsonObject = {
    type,
    type_string: soft && e.type !== 'E' ? `Soft ${typeString}` : typeString,
    set_by: t(e.setBy),
    set_at: tsJson(e.setAt),
    expire_at: e.expireAt > 0 ? tsJson(e.expireAt) : null,
    reason: t(e.reason),
  };
  if (e.type === 'F' && e.spamfilter) {
    const sf = e.spamfilter;
    o.name = t(sf.match);
    o.match_type = sf.matchType;
    o.ban_action = BAN_ACTIONS[e.host] ?? e.host;
    const d = Number(sf.duration);
    o.ban_duration = Number.isFinite(d) ? d : 0;
    o.spamfilter_targets = e.user;
    o.reason = t(decodeSpace(sf.tklReason)); // unreal_decodespace(): '__' is a '_'
  } else if (e.type === 'Q') {
    o.name = t(e.host);
    if (e.user === 'H') o.tslink = { hold: true };
  } else {
    o.name = t(uhost(e));
    if (e.type === 'E') o.exception_types = e.bantypes ?? '';
  }
  return o;
}

const byTkl = (a: JsonObject, b: JsonObject) => cmp(String(a.type), String(b.type)) || cmp(String(a.name), String(b.name))
  || cmp(String(a.spamfilter_targets ?? ''), String(b.spamfilter_targets ?? '')) || cmp(String(a.ban_action ?? ''), String(b.ban_action ?? ''));

/** Sort every object's keys, recursively (arrays keep their order). */
export function sortKeysDeep<T extends Json>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => sortKeysDeep(x)) as T;
  if (v && typeof v === 'object') {
    const o = v as JsonObject;
    const out: JsonObject = {};
    for (const k of Object.keys(o).sort(cmp)) out[k] = sortKeysDeep(o[k]);
    return out as T;
  }
  return v;
}

/** The dump. `now` decides which network bans are still live. */
export function buildStateDump(net: Network, tkl: TklTable, now: number): StateDump {
  const bans: Record<'server_bans' | 'server_ban_exceptions' | 'spamfilters' | 'name_bans', JsonObject[]> = {
    server_bans: [], server_ban_exceptions: [], spamfilters: [], name_bans: [],
  };
  for (const e of tkl.values()) {
    if (!isLive(e, now)) continue;
    const o = tklObject(e);
    if (e.type === 'E') bans.server_ban_exceptions.push(o);
    else if (e.type === 'F') bans.spamfilters.push(o);
    else if (e.type === 'Q') bans.name_bans.push(o);
    else bans.server_bans.push(o);
  }
  const dump: StateDump = {
    servers: [...net.serversBySid.values()].map((s) => serverObject(s, net.me)).sort(byName),
    users: [...net.usersByUid.values()].map(userObject).sort(byName),
    channels: [...net.channels.values()].map(channelObject).sort(byName),
    server_bans: bans.server_bans.sort(byTkl),
    server_ban_exceptions: bans.server_ban_exceptions.sort(byTkl),
    spamfilters: bans.spamfilters.sort(byTkl),
    name_bans: bans.name_bans.sort(byTkl),
  };
  return sortKeysDeep(dump as unknown as Json) as unknown as StateDump;
}

/** Pretty, stable JSON text of a dump (2-space indent, trailing newline). */
export function formatStateDump(d: StateDump): string {
  return JSON.stringify(d, null, 2) + '\n';
}

/**
 * The part of a dump that belongs to one side of a link: the servers on `root`'s side of the
 * root–peer edge, their users, and the channels those users are in (members limited to them).
 * Viewpoint facts (hops, "me", the root's uplink and features, which depend on who looks) are
 * removed, so the dumps of both ends of a link restrict to the same object. Network bans are
 * kept only with `withBans` (they are shared by both sides and not attributable to one).
 */
export function restrictDump(d: StateDump, root: string, peer: string | null, opts: { withBans?: boolean } = {}): StateDump {
  const lc = (s: string) => s.toLowerCase();
  const adj = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (!adj.has(a)) adj.set(a, new Set());
    adj.get(a)!.add(b);
  };
  for (const s of d.servers) {
    const name = lc(String(s.name));
    const up = (s.server as JsonObject | undefined)?.uplink;
    if (typeof up === 'string') { link(name, lc(up)); link(lc(up), name); }
  }
  const side = new Set<string>([lc(root)]);
  const queue = [lc(root)];
  while (queue.length) {
    const x = queue.shift()!;
    for (const y of adj.get(x) ?? []) {
      if (side.has(y)) continue;
      if (peer && ((x === lc(root) && y === lc(peer)) || (y === lc(root) && x === lc(peer)))) continue;
      side.add(y);
      queue.push(y);
    }
  }
  const servers = d.servers.filter((s) => side.has(lc(String(s.name)))).map((s) => {
    const server = { ...(s.server as JsonObject) };
    const out: JsonObject = { ...s, server };
    delete out.tslink;
    if (lc(String(s.name)) === lc(root)) { delete server.uplink; delete server.features; delete server.boot_time; }
    return out;
  });
  const users = d.users.filter((u) => side.has(lc(String((u.user as JsonObject).servername))));
  const ids = new Set(users.map((u) => String(u.id)));
  const channels = d.channels
    .filter((c) => (c.members as JsonObject[]).some((m) => ids.has(String(m.id))))
    .map((c) => {
      const o: JsonObject = { ...c, members: (c.members as JsonObject[]).filter((m) => ids.has(String(m.id))) };
      const extra = c.tslink as JsonObject | undefined;
      if (extra?.member_md) {
        const mm: JsonObject = {};
        for (const [k, v] of Object.entries(extra.member_md as JsonObject)) if (ids.has(k)) mm[k] = v;
        const x: JsonObject = { ...extra, member_md: mm };
        if (!Object.keys(mm).length) delete x.member_md;
        if (Object.keys(x).length) o.tslink = x; else delete o.tslink;
      }
      return o;
    });
  const empty: JsonObject[] = [];
  // The input's objects are key-sorted already; only the top level is rebuilt, in sorted order.
  return {
    channels,
    name_bans: opts.withBans ? d.name_bans : empty,
    server_ban_exceptions: opts.withBans ? d.server_ban_exceptions : empty,
    server_bans: opts.withBans ? d.server_bans : empty,
    servers,
    spamfilters: opts.withBans ? d.spamfilters : empty,
    users,
  };
}

/**
 * The whole dump without the facts that depend on which end of the root–peer link looks at it:
 * server hops and "me", the uplink between the two ends, and their features/boot time (a server
 * knows its peer's from PROTOCTL, not its own).
 */
export function viewpointFree(d: StateDump, root: string, peer: string): StateDump {
  const a = root.toLowerCase(), b = peer.toLowerCase();
  const servers = d.servers.map((s) => {
    const name = String(s.name).toLowerCase();
    const server = { ...(s.server as JsonObject) };
    const out: JsonObject = { ...s, server };
    delete out.tslink;
    if (name === a || name === b) {
      const up = typeof server.uplink === 'string' ? server.uplink.toLowerCase() : null;
      if (up === a || up === b) delete server.uplink;
      delete server.features;
      delete server.boot_time;
    }
    return out;
  });
  return { ...d, servers };
}

export interface JsonDifference { path: string; expected: Json | undefined; actual: Json | undefined }

/** Structural differences between two JSON values; arrays of named objects are matched by name/id. */
export function diffJson(expected: Json | undefined, actual: Json | undefined, path = ''): JsonDifference[] {
  if (JSON.stringify(expected) === JSON.stringify(actual)) return [];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const keyed = (a: Json[]) => a.every((x) => x && typeof x === 'object' && !Array.isArray(x) && ('name' in x || 'id' in x));
    if (keyed(expected) && keyed(actual)) {
      const keyOf = (x: Json) => { const o = x as JsonObject; return String(o.name ?? o.id) + (o.type !== undefined ? `/${String(o.type)}` : ''); };
      const em = new Map(expected.map((x) => [keyOf(x), x])), am = new Map(actual.map((x) => [keyOf(x), x]));
      if (em.size === expected.length && am.size === actual.length) {
        const out: JsonDifference[] = [];
        for (const k of [...new Set([...em.keys(), ...am.keys()])].sort(cmp)) out.push(...diffJson(em.get(k), am.get(k), `${path}[${k}]`));
        return out;
      }
    }
    return [{ path: path || '.', expected, actual }];
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object' && !Array.isArray(expected) && !Array.isArray(actual)) {
    const out: JsonDifference[] = [];
    for (const k of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort(cmp)) {
      out.push(...diffJson((expected as JsonObject)[k], (actual as JsonObject)[k], `${path}.${k}`));
    }
    return out;
  }
  return [{ path: path || '.', expected, actual }];
}
