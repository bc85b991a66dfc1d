// The objects the RPC serves, in UnrealIRCd 6.1's shapes (src/json.c json_expand_client,
// json_expand_channel, json_expand_tkl), made from the same objects `tslink replay --state`
// prints (src/replay/stateDump.ts) so that both say the same about a network. What changes:
//  - times become ISO 8601 strings ("2024-10-17T16:30:07.000Z", null for none), as UnrealIRCd
//    sends them;
//  - the "tslink" key (state UnrealIRCd's JSON does not have) is left out: clients build their
//    objects from the keys they know, and some (unrealircd-rpc-py) fail on a key they don't;
//  - the object_detail_level of a call picks the fields, as in UnrealIRCd (users 0, 1, 2, 4;
//    channels 0..4+; servers always in full);
//  - what UnrealIRCd adds and tslink can work out is added: a user's connected_since (its
//    "creationtime" moddata), a server's features.rpc_modules (its "rrpc" moddata), our own
//    server's features and boot time, a ban's *_string and set_at_delta fields, a spamfilter's
//    ban_duration_string and hit counters (0: tslink has no clients to match).
// Left out as in the dump: geoip, reputation, security-groups, tls, idle_since, ports.
import type { Json, JsonObject } from '../replay/stateDump.ts';
import { isoTime, prettyDuration, shortDate, toSeconds } from './times.ts';

export type { Json, JsonObject };

/** Facts about our own server that the state dump does not hold (UnrealIRCd shows them for "me"). */
export interface MeFacts {
  sid: string;
  software: string;
  protocol: number;
  bootTime: number;
  usermodes: string;
  /** The four CHANMODES groups. */
  chanmodes: string[];
  /** RPC modules (name, version), as features.rpc_modules. */
  rpcModules: { name: string; version: string }[];
}

const obj = (v: Json | undefined): JsonObject | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v : undefined);

function withoutTslink(o: JsonObject): JsonObject {
  const { tslink: _drop, ...rest } = o;
  return rest;
}

/** "name:version,name:version" (an UnrealIRCd server's rrpc moddata) as rpc_modules. */
export function rpcModulesOf(rrpc: string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const item of rrpc.split(',')) {
    const i = item.indexOf(':');
    if (i > 0) out.push({ name: item.slice(0, i), version: item.slice(i + 1) });
  }
  return out;
}

/** server.list / server.get: a server at UnrealIRCd's full detail. */
export function serverRpc(d: JsonObject, me: MeFacts): JsonObject {
  const out = withoutTslink(d);
  const server: JsonObject = { ...(obj(d.server) ?? {}) };
  const md = obj(obj(d.tslink)?.md);
  if (d.id === me.sid) {
    // Our own server: UnrealIRCd shows its boot time and features, and no synced/ulined/uplink.
    delete server.synced;
    delete server.ulined;
    delete server.uplink;
    server.boot_time = isoTime(me.bootTime);
    server.features = {
      software: me.software,
      protocol: me.protocol,
      usermodes: me.usermodes,
      chanmodes: me.chanmodes,
      rpc_modules: me.rpcModules.map((m) => ({ name: m.name, version: m.version })),
    };
  } else {
    server.boot_time = server.boot_time === undefined ? null : isoTime(server.boot_time);
    const features: JsonObject = { ...(obj(server.features) ?? { protocol: 0 }) };
    if (typeof md?.rrpc === 'string') features.rpc_modules = rpcModulesOf(md.rrpc);
    server.features = features;
  }
  out.server = server;
  return out;
}

/** Valid object_detail_level values of user.* calls (3 is for logs only in UnrealIRCd). */
export const USER_DETAIL_LEVELS = new Set([0, 1, 2, 4]);

/** user.list / user.get at a detail level: 0 name+id, 1 +hostname/ip/details, 2 +user, 4 +user.channels. */
export function userRpc(d: JsonObject, detail: number): JsonObject {
  const out: JsonObject = { name: d.name, id: d.id };
  if (detail === 0) return out;
  out.hostname = d.hostname;
  out.ip = d.ip ?? null;
  out.details = d.details;
  if (detail < 2) return out;
  const md = obj(obj(d.tslink)?.md);
  const since = md?.creationtime;
  if (typeof since === 'string' && toSeconds(since) !== null) {
    const iso = isoTime(since);
    if (iso) out.connected_since = iso;
  }
  const user: JsonObject = { ...(obj(d.user) ?? {}) };
  // UnrealIRCd shows channels (an empty list too) only above detail 2.
  if (detail > 2) user.channels = Array.isArray(user.channels) ? user.channels : [];
  else delete user.channels;
  out.user = user;
  return out;
}

function listWithIsoTimes(v: Json | undefined): Json[] {
  return (Array.isArray(v) ? v : []).map((e) => {
    const o = obj(e);
    return o ? { ...o, set_at: isoTime(o.set_at) } : e;
  });
}

/**
 * channel.list / channel.get at a detail level: 0 name; 1 + creation time, users, topic, modes;
 * 2 + the ban/exception/invex lists; 3 + members (name, id, level); 4 and up: members as users at
 * detail level - 3. `user` finds a member's user object (by UID) for levels above 3.
 */
export function channelRpc(d: JsonObject, detail: number, user: (id: string) => JsonObject | undefined): JsonObject {
  const out: JsonObject = { name: d.name };
  if (detail === 0) return out;
  out.creation_time = isoTime(d.creation_time);
  out.num_users = d.num_users;
  if (d.topic !== undefined) {
    out.topic = d.topic;
    out.topic_set_by = d.topic_set_by ?? null;
    out.topic_set_at = isoTime(d.topic_set_at);
  }
  out.modes = d.modes;
  if (detail > 1) {
    out.bans = listWithIsoTimes(d.bans);
    out.ban_exemptions = listWithIsoTimes(d.ban_exemptions);
    out.invite_exceptions = listWithIsoTimes(d.invite_exceptions);
  }
  if (detail >= 3) {
    out.members = (Array.isArray(d.members) ? d.members : []).map((m) => {
      const mo = obj(m) ?? {};
      const u = detail > 3 ? user(String(mo.id)) : undefined;
      // A member at client detail level - 3 (its level 3, channel names for logs, is shown as 2).
      const memberDetail = Math.min(detail - 3, 4);
      const e: JsonObject = u ? userRpc(u, memberDetail === 3 ? 2 : memberDetail) : { name: mo.name, id: mo.id };
      if (mo.level !== undefined) e.level = mo.level;
      return e;
    });
  }
  return out;
}

/** A server ban / exception / name ban / spamfilter as json_expand_tkl() shows it; `now` for set_at_delta. */
export function tklRpc(d: JsonObject, now: number): JsonObject {
  const out = withoutTslink(d);
  const setAt = toSeconds(d.set_at) ?? 0n;
  const expireAt = d.expire_at === null ? 0n : toSeconds(d.expire_at) ?? 0n;
  out.set_at = isoTime(setAt);
  out.expire_at = isoTime(expireAt);
  out.set_at_string = shortDate(setAt);
  if (expireAt <= 0n) {
    out.expire_at_string = 'Never';
    out.duration_string = 'permanent';
  } else {
    out.expire_at_string = shortDate(expireAt);
    out.duration_string = prettyDuration(expireAt - setAt);
  }
  out.set_at_delta = Number(BigInt(now) - setAt);
  if (d.type === 'spamfilter') {
    const dur = typeof d.ban_duration === 'number' ? d.ban_duration : 0;
    out.ban_duration_string = prettyDuration(dur);
    out.hits = 0;
    out.hits_except = 0;
  }
  return out;
}
