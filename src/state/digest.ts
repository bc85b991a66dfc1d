// A canonical, order-independent digest of the network state. Everything two linked
// servers must agree on goes in; viewpoint-dependent facts (hop counts, which link a
// server is behind, local config such as U-lines) stay out. Server edges are unordered.
// Times go in as JSON numbers, or as strings of their digits beyond 2^53 (tsJson()).
import { createHash } from 'node:crypto';
import type { Network } from './network.ts';
import type { TklTable } from '../tkl/tklTable.ts';
import { isLive } from '../tkl/types.ts';
import { memberMdCount, memberMdEntries } from './membership.ts';
import { tsJson } from './ts.ts';

const sortedMap = (m: Iterable<[string, string]>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function canonicalState(net: Network, tkl?: TklTable, now?: number): unknown {
  const servers = [...net.serversBySid.values()].map((s) => [s.sid, s.name, s.info, sortedMap(s.md)]).sort((a, b) => cmp(a[0] as string, b[0] as string));
  const edges = [...net.serversBySid.values()].filter((s) => s.uplink).map((s) => [s.sid, s.uplink!.sid].sort().join('-')).sort();
  const users = [...net.usersByUid.values()].map((u) => [
    u.uid, u.nick, tsJson(u.ts), u.ident, u.realHost, u.vhost, u.ip, u.account, [...u.umodes].sort().join(''), u.realname,
    u.server.sid, u.away, u.swhois.map((s) => `${s.tag}\0${s.prio}\0${s.text}`).sort(), sortedMap(u.md),
  ]).sort((a, b) => cmp(a[0] as string, b[0] as string));
  const channels = [...net.channels.values()].map((c) => [
    c.name.toLowerCase(), c.name, tsJson(c.ts), sortedMap(c.modes),
    (['b', 'e', 'I'] as const).map((l) => [...c.lists[l]].map(([m, e]) => `${m}\0${e.setBy}\0${e.setAt}`).sort()),
    c.topic ? [c.topic.text, c.topic.setBy, tsJson(c.topic.ts)] : null,
    [...c.members.values()].map((m) => `${m.user.uid}\0${[...m.modes].sort().join('')}\0${memberMdCount(m) ? JSON.stringify(sortedMap(new Map(memberMdEntries(m, 'member')))) + '\0' + JSON.stringify(sortedMap(new Map(memberMdEntries(m, 'membership')))) : '[]\0[]'}`).sort(),
    sortedMap(c.md), c.mlock,
  ]).sort((a, b) => cmp(a[0] as string, b[0] as string));
  const bans = tkl
    ? [...tkl.values()].filter((e) => now === undefined || isLive(e, now)).map((e) => JSON.stringify([e.type, e.user, e.host, e.setBy, tsJson(e.expireAt), tsJson(e.setAt), e.reason, e.bantypes ?? null, e.spamfilter ?? null])).sort()
    : [];
  return { servers, edges, users, channels, bans };
}

export function stateDigest(net: Network, tkl?: TklTable, now?: number): string {
  return createHash('sha256').update(JSON.stringify(canonicalState(net, tkl, now)), 'latin1').digest('hex');
}

export interface StateCounts {
  servers: number; users: number; channels: number; memberships: number;
  tkl: Record<string, number>; md: number;
}

export function stateCounts(net: Network, tkl: TklTable, now: number): StateCounts {
  let md = 0;
  for (const s of net.serversBySid.values()) md += s.md.size;
  for (const u of net.usersByUid.values()) md += u.md.size;
  for (const c of net.channels.values()) {
    md += c.md.size;
    for (const m of c.members.values()) md += memberMdCount(m);
  }
  const t = tkl.countsByType(now);
  const sorted: Record<string, number> = {};
  for (const k of Object.keys(t).sort()) sorted[k] = t[k];
  return { servers: net.serversBySid.size, users: net.usersByUid.size, channels: net.channels.size, memberships: net.memberships(), tkl: sorted, md };
}

/** Invariants every state must keep (used by property tests). Returns a list of violations. */
export function checkInvariants(net: Network): string[] {
  const bad: string[] = [];
  for (const c of net.channels.values()) {
    if (c.members.size === 0 && !c.modes.has('P')) bad.push(`empty channel ${c.name} survives`);
    for (const [u, m] of c.members) {
      if (net.usersByUid.get(u.uid) !== u) bad.push(`member ${u.uid} of ${c.name} is not a live user`);
      if (u.channels.get(c) !== m) bad.push(`membership ${u.uid}/${c.name} not mirrored`);
    }
    if (net.channel(c.name) !== c) bad.push(`channel ${c.name} not indexed`);
  }
  for (const u of net.usersByUid.values()) {
    if (net.serversBySid.get(u.server.sid) !== u.server) bad.push(`user ${u.uid} on dead server ${u.server.sid}`);
    if (net.userByNick(u.nick) !== u) bad.push(`user ${u.uid} nick ${u.nick} not indexed`);
    for (const [c, m] of u.channels) {
      if (net.channel(c.name) !== c) bad.push(`user ${u.uid} in dead channel ${c.name}`);
      else if (c.members.get(u) !== m) bad.push(`user ${u.uid} lists a membership of ${c.name} the channel does not hold`);
    }
  }
  if (net.usersByNick.size !== net.usersByUid.size) bad.push(`nick index ${net.usersByNick.size} != uid index ${net.usersByUid.size}`);
  for (const s of net.serversBySid.values()) {
    if (s.uplink && net.serversBySid.get(s.uplink.sid) !== s.uplink) bad.push(`server ${s.sid} behind dead uplink`);
  }
  return bad;
}
