// A canonical, order-independent digest of the network state. Everything two linked
// servers must agree on goes in; viewpoint-dependent facts (hop counts, which link a
// server is behind, local config such as U-lines) stay out. Server edges are unordered.
// Times go in as JSON numbers, or as strings of their digits beyond 2^53 (tsJson()).
//
// The digest is the SHA-256 of JSON.stringify(canonicalState(...)) (latin1 bytes). stateDigest()
// writes that same text straight into the hash, in pieces, without building the nested arrays,
// the member strings or the one 20 MB string a 50,000-user network makes (canonicalState() is
// kept as the definition, for tests and diffs: test/runtime/digest.test.ts checks the two agree).
import { createHash, type Hash } from 'node:crypto';
import type { Channel, Membership, Server, User } from './model.ts';
import type { Network } from './network.ts';
import type { TklTable } from '../tkl/tklTable.ts';
import type { TklEntry } from '../tkl/types.ts';
import { isLive } from '../tkl/types.ts';
import { memberMdCount, memberMdEntries } from './membership.ts';
import { tsJson, type Ts } from './ts.ts';

const sortedMap = (m: Iterable<[string, string]>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Channels by lowercased name, and by name when two lowercase alike (latin1 bytes: "#\xc0" and "#\xe0" are two channels). */
const channelOrder = (a: Channel, b: Channel) => cmp(a.name.toLowerCase(), b.name.toLowerCase()) || cmp(a.name, b.name);
const sortedLetters = (s: Iterable<string>) => [...s].sort().join('');
const memberString = (m: Membership) => `${m.user.uid}\0${sortedLetters(m.modes)}\0${memberMdCount(m) ? JSON.stringify(sortedMap(new Map(memberMdEntries(m, 'member')))) + '\0' + JSON.stringify(sortedMap(new Map(memberMdEntries(m, 'membership')))) : '[]\0[]'}`;
const banJson = (e: TklEntry) => JSON.stringify([e.type, e.user, e.host, e.setBy, tsJson(e.expireAt), tsJson(e.setAt), e.reason, e.bantypes ?? null, e.spamfilter ?? null]);
const liveBans = (tkl: TklTable | undefined, now: number | undefined): TklEntry[] => (tkl ? [...tkl.values()].filter((e) => now === undefined || isLive(e, now)) : []);

/** The state the digest is taken of, as plain JSON data (its JSON text is what is hashed). */
export function canonicalState(net: Network, tkl?: TklTable, now?: number): unknown {
  const servers = [...net.serversBySid.values()].map((s) => [s.sid, s.name, s.info, sortedMap(s.md)]).sort((a, b) => cmp(a[0] as string, b[0] as string));
  const edges = serverEdges(net);
  const users = [...net.usersByUid.values()].map((u) => [
    u.uid, u.nick, tsJson(u.ts), u.ident, u.realHost, u.vhost, u.ip, u.account, sortedLetters(u.umodes), u.realname,
    u.server.sid, u.away, u.swhois.map((s) => `${s.tag}\0${s.prio}\0${s.text}`).sort(), sortedMap(u.md),
  ]).sort((a, b) => cmp(a[0] as string, b[0] as string));
  const channels = [...net.channels.values()].sort(channelOrder).map((c) => [
    c.name.toLowerCase(), c.name, tsJson(c.ts), sortedMap(c.modes),
    (['b', 'e', 'I'] as const).map((l) => [...c.lists[l]].map(([m, e]) => `${m}\0${e.setBy}\0${e.setAt}`).sort()),
    c.topic ? [c.topic.text, c.topic.setBy, tsJson(c.topic.ts)] : null,
    [...c.members.values()].map(memberString).sort(),
    sortedMap(c.md), c.mlock,
  ]);
  const bans = liveBans(tkl, now).map(banJson).sort();
  return { servers, edges, users, channels, bans };
}

function serverEdges(net: Network): string[] {
  return [...net.serversBySid.values()].filter((s) => s.uplink).map((s) => [s.sid, s.uplink!.sid].sort().join('-')).sort();
}

/** SHA-256 (hex) of the JSON text of canonicalState(net, tkl, now), written piece by piece. */
export function stateDigest(net: Network, tkl?: TklTable, now?: number): string {
  const w = new DigestWriter();
  w.raw('{"servers":[');
  const servers = [...net.serversBySid.values()].sort((a, b) => cmp(a.sid, b.sid));
  for (let i = 0; i < servers.length; i++) putServer(w, servers[i], i > 0);
  w.raw('],"edges":');
  w.text(JSON.stringify(serverEdges(net)));
  w.raw(',"users":[');
  const users = usersByUid(net);
  for (let i = 0; i < users.length; i++) putUser(w, users[i], i > 0);
  w.raw('],"channels":[');
  const channels = [...net.channels.values()].sort(channelOrder);
  for (let i = 0; i < channels.length; i++) putChannel(w, channels[i], i > 0);
  w.raw('],"bans":');
  w.text(JSON.stringify(liveBans(tkl, now).map(banJson).sort()));
  w.raw('}');
  return w.digest();
}

const CHUNK = 1 << 16;

/**
 * Writes JSON text as latin1 bytes (each character's low byte, as update(text, 'latin1') takes
 * them) into a reused buffer that goes to SHA-256 whenever it fills: no string is built for the
 * text itself. str() writes a string as JSON.stringify() would; a string with a character that
 * JSON escapes (rare: control characters, '"', '\\', lone surrogates) is written from
 * JSON.stringify() itself.
 */
class DigestWriter {
  private readonly hash: Hash = createHash('sha256');
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private at = 0;

  private flush(): void {
    if (this.at > 0) this.hash.update(this.buf.subarray(0, this.at));
    this.at = 0;
  }

  /** Text as it is (JSON punctuation, numbers, JSON from JSON.stringify). */
  text(s: string): void {
    const n = s.length;
    if (this.at + n > CHUNK) {
      this.flush();
      if (n > CHUNK) { this.hash.update(s, 'latin1'); return; }
    }
    const b = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) b[at++] = s.charCodeAt(i);
    this.at = at;
  }

  /** ASCII punctuation. */
  raw(s: string): void { this.text(s); }

  /** A JSON string value. */
  str(s: string): void {
    const n = s.length;
    if (this.at + n + 2 > CHUNK) {
      this.flush();
      if (n + 2 > CHUNK) { this.text(JSON.stringify(s)); return; }
    }
    const b = this.buf;
    const start = this.at;
    let at = start;
    b[at++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 32 || c === 34 || c === 92 || (c & 0xf800) === 0xd800) { this.at = start; this.text(JSON.stringify(s)); return; }
      b[at++] = c;
    }
    b[at++] = 34;
    this.at = at;
  }

  /** A value in an array, as JSON.stringify writes it there (undefined as null). */
  value(v: unknown): void {
    if (typeof v === 'string') this.str(v);
    else this.text(JSON.stringify(v) ?? 'null');
  }

  ts(v: Ts): void {
    if (typeof v === 'number' && Number.isFinite(v)) this.text(String(v));
    else this.value(tsJson(v));
  }

  /** sortedMap(m) as JSON: [["k","v"],...] by key. */
  sortedMap(m: Iterable<[string, string]>): void {
    const a = sortedMap(m);
    this.raw('[');
    for (let i = 0; i < a.length; i++) {
      this.raw(i > 0 ? ',[' : '[');
      this.value(a[i][0]);
      this.raw(',');
      this.value(a[i][1]);
      this.raw(']');
    }
    this.raw(']');
  }

  strings(a: string[]): void {
    this.raw('[');
    for (let i = 0; i < a.length; i++) { if (i > 0) this.raw(','); this.value(a[i]); }
    this.raw(']');
  }

  digest(): string {
    this.flush();
    return this.hash.digest('hex');
  }
}

function putServer(w: DigestWriter, s: Server, comma: boolean): void {
  w.raw(comma ? ',[' : '[');
  w.value(s.sid); w.raw(','); w.value(s.name); w.raw(','); w.value(s.info); w.raw(',');
  w.sortedMap(s.md);
  w.raw(']');
}

function putUser(w: DigestWriter, u: User, comma: boolean): void {
  w.raw(comma ? ',[' : '[');
  w.value(u.uid); w.raw(',');
  w.value(u.nick); w.raw(',');
  w.ts(u.ts); w.raw(',');
  w.value(u.ident); w.raw(',');
  w.value(u.realHost); w.raw(',');
  w.value(u.vhost); w.raw(',');
  w.value(u.ip); w.raw(',');
  w.value(u.account); w.raw(',');
  w.str(letterString(u.umodes)); w.raw(',');
  w.value(u.realname); w.raw(',');
  w.value(u.server.sid); w.raw(',');
  if (u.away === null) w.raw('null'); else w.value(u.away);
  w.raw(',');
  if (u.swhois.length === 0) w.raw('[]');
  else w.strings(u.swhois.map((s) => `${s.tag}\0${s.prio}\0${s.text}`).sort());
  w.raw(',');
  const md = u.md;
  if (md.size === 0) w.raw('[]'); else w.sortedMap(md);
  w.raw(']');
}

/** sortedLetters() of a set of letters, with no array for the usual few letters in order. */
function letterString(set: Iterable<string>): string {
  let s = '';
  let sorted = true;
  for (const l of set) {
    if (l.length !== 1) return [...set].sort().join('');
    if (s !== '' && l < s[s.length - 1]) sorted = false;
    s += l;
  }
  return sorted ? s : sortedLetters(s);
}

function putChannel(w: DigestWriter, c: Channel, comma: boolean): void {
  w.raw(comma ? ',[' : '[');
  w.value(c.name.toLowerCase()); w.raw(',');
  w.value(c.name); w.raw(',');
  w.ts(c.ts); w.raw(',');
  w.sortedMap(c.modes);
  w.raw(',[');
  for (const l of ['b', 'e', 'I'] as const) {
    const list = c.lists[l];
    if (l !== 'b') w.raw(',');
    if (list.size === 0) w.raw('[]');
    else w.strings([...list].map(([m, e]) => `${m}\0${e.setBy}\0${e.setAt}`).sort());
  }
  w.raw('],');
  const t = c.topic;
  if (t) { w.raw('['); w.value(t.text); w.raw(','); w.value(t.setBy); w.raw(','); w.ts(t.ts); w.raw(']'); } else w.raw('null');
  w.raw(',');
  putMembers(w, c);
  w.raw(',');
  if (c.md.size === 0) w.raw('[]'); else w.sortedMap(c.md);
  w.raw(',');
  if (c.mlock === null) w.raw('null'); else w.value(c.mlock);
  w.raw(']');
}

/**
 * `items` in the order of their UIDs as strings (`uids[i]` is the UID of `items[i]`; ties, which a
 * consistent state never has, by `tie`). UnrealIRCd's UIDs are nine characters of 0-9 and A-Z: as
 * base-36 numbers they order as the strings do, and numbers sort without reading the strings
 * again at each comparison (strings and records spread over the heap: following them was most of
 * the sort's time). Anything else sorts by the strings. Returns the positions in order.
 */
function uidOrder<T>(items: T[], uids: string[], tie: ((x: T) => string) | null): number[] {
  const n = items.length;
  const order: number[] = new Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (KEY_OK.length < n) KEY_OK = new Uint8Array(n * 2);
  const keys = new Float64Array(n);
  let numeric = true;
  for (let i = 0; i < n; i++) {
    const k = uidKey(uids[i]);
    KEY_OK[i] = k >= 0 ? 1 : 0;
    if (k < 0) numeric = false;
    keys[i] = k;
  }
  if (n <= 1) return order;
  const byTie = (a: number, b: number) => (tie ? cmp(tie(items[a]), tie(items[b])) : 0);
  if (numeric) order.sort((a, b) => keys[a] - keys[b] || byTie(a, b));
  else order.sort((a, b) => cmp(uids[a], uids[b]) || byTie(a, b));
  return order;
}

/** The users by UID. */
function usersByUid(net: Network): User[] {
  const users = [...net.usersByUid.values()];
  const order = uidOrder(users, users.map((u) => u.uid), null);
  return order.map((i) => users[i]);
}

/** The UID as a base-36 number when it is nine characters of 0-9 A-Z (an order-keeping key), else -1. */
function uidKey(uid: string): number {
  if (typeof uid !== 'string' || uid.length !== 9) return -1;
  let k = 0;
  for (let i = 0; i < 9; i++) {
    const c = uid.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 90 ? c - 55 : -1;
    if (d < 0) return -1;
    k = k * 36 + d;
  }
  return k;
}

/**
 * The channel's member strings (memberString()), sorted, as JSON. They start with the UID and a
 * NUL, so they sort as the UIDs do (ties, never in a consistent state, by the whole strings).
 * The usual one (no member MD, a UID of 0-9 A-Z, member modes that are letters) is written
 * directly, anything else through memberString().
 */
function putMembers(w: DigestWriter, c: Channel): void {
  const ms = [...c.members.values()];
  const n = ms.length;
  const uids: string[] = new Array(n);
  for (let i = 0; i < n; i++) uids[i] = ms[i].user.uid;
  const order = n <= SMALL ? smallUidOrder(uids) ?? uidOrder(ms, uids, memberString) : uidOrder(ms, uids, memberString);
  w.raw('[');
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const m = ms[i], uid = uids[i], modes = m.modes;
    if (k > 0) w.raw(',');
    if (memberMdCount(m) === 0 && KEY_OK[i] === 1 && isLetters(modes)) {
      w.raw('"'); w.raw(uid); w.raw('\\u0000'); w.raw(modes.length <= 1 ? modes : sortedLetters(modes)); w.raw('\\u0000[]\\u0000[]"');
    } else w.value(memberString(m));
  }
  w.raw(']');
}

/** Channels up to this many members are ordered by smallUidOrder(). */
const SMALL = 64;
const KEYS = new Float64Array(SMALL);
/** KEY_OK[i]: uids[i] is a UID of 0-9 A-Z (set by smallUidOrder(), and by uidOrder() for the members it orders). */
let KEY_OK = new Uint8Array(SMALL);

/**
 * The order of a few UIDs when all are of UnrealIRCd's form and differ: an insertion sort of their
 * base-36 keys (no comparator calls, no allocation but the result); null otherwise.
 */
function smallUidOrder(uids: string[]): number[] | null {
  const n = uids.length;
  const order: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = uidKey(uids[i]);
    if (k < 0) return null;
    KEYS[i] = k;
    KEY_OK[i] = 1;
    let j = i;
    while (j > 0 && KEYS[order[j - 1]] > k) { order[j] = order[j - 1]; j--; }
    if (j > 0 && KEYS[order[j - 1]] === k) return null; // two members with one UID: let uidOrder() break the tie
    order[j] = i;
  }
  return order;
}

/** Only ASCII letters (nothing JSON escapes). */
function isLetters(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 32;
    if (c < 97 || c > 122) return false;
  }
  return true;
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
