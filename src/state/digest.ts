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
import type { Channel, ListEntry, Membership, Server, User } from './model.ts';
import type { Network } from './network.ts';
import type { TklTable } from '../tkl/tklTable.ts';
import type { TklEntry } from '../tkl/types.ts';
import { isLive } from '../tkl/types.ts';
import { anyMemberMd, memberMdCount, memberMdEntries } from './membership.ts';
import { packedUser, userMdSize } from './user.ts';
import { SmallMap, type Store } from './smallMap.ts';
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
  putUsers(w, net);
  w.raw('],"channels":[');
  putChannels(w, net, anyMemberMd());
  w.raw('],"bans":');
  w.text(JSON.stringify(liveBans(tkl, now).map(banJson).sort()));
  w.raw('}');
  return w.digest();
}

const CHUNK = 1 << 18;
/** The most bytes one fixed-size write (a member entry, a UID, a number) needs at once. */
const ROOM = 64;
/** The characters of the base-36 digits 0-9 A-Z. */
const DIGIT36 = Uint8Array.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', (c) => c.charCodeAt(0));
/** 36^4: a UID's last four characters as a base-36 number are below it (see uidIndex.ts). */
const B36_4 = 36 ** 4;
/** The two base-36 digits of each number below 36^2, as character codes: PAIR36[2n], PAIR36[2n + 1]. */
const PAIR36 = Uint8Array.from({ length: 2 * 1296 }, (_, i) => DIGIT36[i & 1 ? (i >> 1) % 36 : Math.floor((i >> 1) / 36)]);

/**
 * Writes JSON text as latin1 bytes (each character's low byte, as update(text, 'latin1') takes
 * them) into a reused buffer that goes to SHA-256 whenever it fills: no string is built for the
 * text itself. str() writes a string as JSON.stringify() would; a string with a character that
 * JSON escapes (rare: control characters, '"', '\\', lone surrogates) is written from
 * JSON.stringify() itself.
 */
class DigestWriter {
  private readonly hash: Hash = createHash('sha256');
  readonly buf = Buffer.allocUnsafe(CHUNK);
  at = 0;

  private flush(): void {
    if (this.at > 0) this.hash.update(this.buf.subarray(0, this.at));
    this.at = 0;
  }

  /** Make room for n ≤ CHUNK bytes written straight into buf at `at`. */
  room(n: number): void {
    if (this.at + n > CHUNK) this.flush();
  }

  /** One ASCII byte. */
  byte(c: number): void {
    if (this.at >= CHUNK) this.flush();
    this.buf[this.at++] = c;
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
  str(s: string): void { this.strRange(s, 0, s.length); }

  /**
   * s.slice(from, to) as a JSON string value. A NUL (the separator of the digest's list, member
   * and swhois strings) is written as JSON.stringify() writes it, `\u0000`, in place.
   */
  strRange(s: string, from: number, to: number): void {
    const n = to - from;
    if (this.at + 6 * n + 2 > CHUNK) {
      this.flush();
      if (6 * n + 2 > CHUNK) { this.text(JSON.stringify(s.slice(from, to))); return; }
    }
    const b = this.buf;
    const start = this.at;
    let at = start;
    b[at++] = 34;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c < 32 || c === 34 || c === 92 || (c & 0xf800) === 0xd800) {
        if (c === 0) { for (let k = 0; k < 6; k++) b[at++] = MEMBER_TAIL[k]; continue; }
        this.at = start; this.text(JSON.stringify(s.slice(from, to))); return;
      }
      b[at++] = c;
    }
    b[at++] = 34;
    this.at = at;
  }

  /**
   * A packed user's info (ident, realHost, vhost, cloak, ip, account, realname, NUL-separated:
   * user.ts pack()) as the JSON strings ident, realHost, vhost, ip, account, `letters`, realname
   * with commas between them (the cloak left out), in one pass over the text. Returns false, having
   * written nothing, when a character needs JSON escaping or the info is not seven fields (the
   * caller then writes the fields one by one).
   */
  userInfo(info: string, letters: string): boolean {
    const n = info.length, nl = letters.length;
    if (this.at + n + nl + 32 > CHUNK) {
      this.flush();
      if (n + nl + 32 > CHUNK) return false;
    }
    const b = this.buf;
    let at = this.at;
    b[at++] = 34;
    let field = 0;
    for (let i = 0; i < n; i++) {
      const c = info.charCodeAt(i);
      if (c === 0) {
        if (field === 6) return false;
        b[at++] = 34; b[at++] = 44; b[at++] = 34;
        if (field === 2) {
          // The cloak: skipped.
          const j = info.indexOf('\0', i + 1);
          if (j < 0) return false;
          i = j;
          field = 4;
        } else if (field === 5) {
          for (let k = 0; k < nl; k++) {
            const x = letters.charCodeAt(k);
            if (x < 32 || x === 34 || x === 92 || (x & 0xf800) === 0xd800) return false;
            b[at++] = x;
          }
          b[at++] = 34; b[at++] = 44; b[at++] = 34;
          field = 6;
        } else field++;
        continue;
      }
      if (c < 32 || c === 34 || c === 92 || (c & 0xf800) === 0xd800) return false;
      b[at++] = c;
    }
    if (field !== 6) return false;
    b[at++] = 34;
    this.at = at;
    return true;
  }

  /**
   * A list of one entry (a SmallMap store [mask, entry]) as listStrings() JSON, `["mask\0setBy\0setAt"]`,
   * without building the string; false, having written nothing, when a part needs JSON escaping.
   */
  oneListEntry(a: Store): boolean {
    const mask = a[0], e = a[1] as ListEntry;
    if (typeof mask !== 'string' || typeof e.setBy !== 'string') return false;
    const setAt = `${e.setAt}`;
    const need = mask.length + e.setBy.length + setAt.length + 20;
    if (this.at + need > CHUNK) {
      this.flush();
      if (need > CHUNK) return false;
    }
    const b = this.buf;
    let at = this.at;
    b[at++] = 91; b[at++] = 34;
    at = plainInto(b, at, mask);
    if (at < 0) return false;
    for (let i = 0; i < 6; i++) b[at++] = MEMBER_TAIL[i]; // \u0000
    at = plainInto(b, at, e.setBy);
    if (at < 0) return false;
    for (let i = 0; i < 6; i++) b[at++] = MEMBER_TAIL[i];
    at = plainInto(b, at, setAt);
    if (at < 0) return false;
    b[at++] = 34; b[at++] = 93;
    this.at = at;
    return true;
  }

  /** A value in an array, as JSON.stringify writes it there (undefined as null). */
  value(v: unknown): void {
    if (typeof v === 'string') this.str(v);
    else this.text(JSON.stringify(v) ?? 'null');
  }

  /** A whole number 0 ≤ n < 2^53, in decimal (as String() writes it). */
  uint(n: number): void {
    this.room(ROOM);
    this.at = putUint(this.buf, this.at, n);
  }

  ts(v: Ts): void {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 53) this.uint(v);
    else if (typeof v === 'number' && Number.isFinite(v)) this.text(String(v));
    else this.value(tsJson(v));
  }

  /** The UID whose uidKey() is `key`, as a JSON string. */
  uid(key: number): void {
    this.room(ROOM);
    const b = this.buf;
    b[this.at] = 34;
    putUid(b, this.at + 1, key);
    b[this.at + 10] = 34;
    this.at += 11;
  }

  /** sortedMap(m) as JSON: [["k","v"],...] by key. */
  sortedMap(m: Iterable<[string, string]>): void {
    if (m instanceof SmallMap && this.sortedStore(m.store())) return;
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

  /**
   * A SmallMap's store of string keys and values whose keys are already in ascending order (a
   * channel's modes as an SJOIN sets them, most often) as sortedMap() JSON, without building the
   * pairs; false, having written nothing, for any other store.
   */
  private sortedStore(a: Store): boolean {
    const n = a.length;
    for (let i = 0; i < n; i += 2) {
      const k = a[i], v = a[i + 1];
      if (typeof k !== 'string' || typeof v !== 'string' || (i > 0 && !((a[i - 2] as string) < k))) return false;
    }
    this.byte(91);
    for (let i = 0; i < n; i += 2) {
      if (i > 0) this.byte(44);
      this.byte(91);
      this.str(a[i] as string);
      this.byte(44);
      this.str(a[i + 1] as string);
      this.byte(93);
    }
    this.byte(93);
    return true;
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

/** The characters of s into b at `at` as they are inside a JSON string: the end, or -1 when one needs escaping. */
function plainInto(b: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c & 0xf800) === 0xd800) return -1;
    b[at++] = c;
  }
  return at;
}

/** Decimal digits of a whole number 0 ≤ n < 2^53 into b at `at`; returns the end. */
function putUint(b: Buffer, at: number, n: number): number {
  if (n < 10) { b[at] = 48 + n; return at + 1; }
  let len = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
  for (let i = at + len - 1; i >= at; i--) {
    const q = Math.floor(n / 10);
    b[i] = 48 + (n - q * 10);
    n = q;
  }
  return at + len;
}

/** The nine characters of the UID whose uidKey() is `key`, into b at `at`. */
function putUid(b: Buffer, at: number, key: number): void {
  // Two digits at a time (PAIR36): the first five characters are hi < 36^5, the last four lo < 36^4.
  const hi = Math.floor(key / B36_4), lo = key - hi * B36_4;
  const d0 = (hi / B36_4) | 0, h = hi - d0 * B36_4;
  const h1 = (h / 1296) | 0, h2 = h - h1 * 1296, l1 = (lo / 1296) | 0, l2 = lo - l1 * 1296;
  b[at] = DIGIT36[d0];
  b[at + 1] = PAIR36[2 * h1]; b[at + 2] = PAIR36[2 * h1 + 1];
  b[at + 3] = PAIR36[2 * h2]; b[at + 4] = PAIR36[2 * h2 + 1];
  b[at + 5] = PAIR36[2 * l1]; b[at + 6] = PAIR36[2 * l1 + 1];
  b[at + 7] = PAIR36[2 * l2]; b[at + 8] = PAIR36[2 * l2 + 1];
}

function putServer(w: DigestWriter, s: Server, comma: boolean): void {
  w.raw(comma ? ',[' : '[');
  w.value(s.sid); w.raw(','); w.value(s.name); w.raw(','); w.value(s.info); w.raw(',');
  w.sortedMap(s.md);
  w.raw(']');
}

/**
 * uidKey(u.uid) without reading the string: the UID index stored the UID's two base-36 halves on
 * every user of UnrealIRCd's form it holds (uidIndex.ts); others are read from the string.
 */
function userKey(u: User): number {
  const hi = u.uidKeyHi;
  if (hi !== undefined && hi >= 0) return hi * B36_4 + u.uidKeyLo!;
  return uidKey(u.uid);
}

/** The users by UID: as base-36 numbers when every UID has UnrealIRCd's form, else as strings. */
function putUsers(w: DigestWriter, net: Network): void {
  const users = net.usersByUid.list();
  const n = users.length;
  const keys = new Float64Array(n);
  let numeric = true;
  for (let i = 0; i < n; i++) {
    const k = userKey(users[i]);
    keys[i] = k;
    if (k < 0) numeric = false;
  }
  let order: ArrayLike<number>;
  if (numeric) order = n <= PACKED_MAX ? packedOrder(keys, n) : radixOrder(keys, n);
  else {
    const o: number[] = new Array(n);
    for (let i = 0; i < n; i++) o[i] = i;
    order = o.sort((a, b) => cmp(users[a].uid, users[b].uid));
  }
  for (let k = 0; k < n; k++) {
    const i = order[k];
    putUser(w, users[i], k > 0, numeric ? keys[i] : -1);
  }
}

/** packedOrder() takes up to 2^17 keys (their positions fill a packed value's low 17 bits). */
const PACKED_MAX = 1 << 17;
/** Which of a 64-bit element's two 32-bit words is the low one (byte order of the machine). */
const LOW_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/**
 * radixOrder() for up to PACKED_MAX keys below 2^47 (uidKey()s: 36^9 < 2^47), by one native sort:
 * each key and its position packed as key · 2^17 + position into a 64-bit unsigned element, so
 * ties keep their positions' order, exactly as radixOrder() orders them.
 */
function packedOrder(keys: Float64Array, n: number): Uint32Array {
  const packed = new BigUint64Array(n);
  const words = new Uint32Array(packed.buffer);
  const lo = LOW_WORD, hi = 1 - LOW_WORD;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    const top = Math.floor(k / 32768); // k < 2^47: below 2^32
    words[2 * i + lo] = (k - top * 32768) * 131072 + i;
    words[2 * i + hi] = top;
  }
  packed.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = words[2 * i + lo] & 0x1ffff;
  return order;
}

/**
 * The positions of keys[0, n) in ascending order of the keys (whole numbers below 2^48; ties keep
 * their positions' order): a least-significant-digit radix sort, four passes of 12 bits, with no
 * comparisons.
 */
function radixOrder(keys: Float64Array, n: number): Int32Array {
  const lo = new Int32Array(n), hi = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    const h = Math.floor(k / 16777216);
    hi[i] = h;
    lo[i] = k - h * 16777216;
  }
  let a = new Int32Array(n), b = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  const count = new Int32Array(4097);
  for (let pass = 0; pass < 4; pass++) {
    const part = pass < 2 ? lo : hi, shift = (pass & 1) * 12;
    count.fill(0);
    for (let i = 0; i < n; i++) count[((part[i] >> shift) & 4095) + 1]++;
    for (let d = 0; d < 4096; d++) count[d + 1] += count[d];
    for (let i = 0; i < n; i++) { const x = a[i]; b[count[(part[x] >> shift) & 4095]++] = x; }
    const t = a; a = b; b = t;
  }
  return a;
}

/** `key`: the user's uidKey() (its UID is written from it), or -1. */
function putUser(w: DigestWriter, u: User, comma: boolean, key: number): void {
  if (comma) w.byte(44);
  w.byte(91);
  if (key >= 0) w.uid(key); else w.value(u.uid);
  w.byte(44);
  w.value(u.nick); w.byte(44);
  w.ts(u.ts); w.byte(44);
  const p = packedUser(u);
  if (p !== null) {
    // ident, realHost, vhost, (cloak: not in the digest), ip, account, umodes, realname.
    const info = p.info;
    const l = ascendingLetters(p.letters) ? p.letters : sortedAsciiLetters(p.letters) ?? sortedLetters(u.umodes);
    if (!w.userInfo(info, l)) {
      let a = 0, b = info.indexOf('\0');
      w.strRange(info, a, b); w.byte(44);
      a = b + 1; b = info.indexOf('\0', a);
      w.strRange(info, a, b); w.byte(44);
      a = b + 1; b = info.indexOf('\0', a);
      w.strRange(info, a, b); w.byte(44);
      a = b + 1; b = info.indexOf('\0', a);
      a = b + 1; b = info.indexOf('\0', a);
      w.strRange(info, a, b); w.byte(44);
      a = b + 1; b = info.indexOf('\0', a);
      w.strRange(info, a, b); w.byte(44);
      w.str(l);
      w.byte(44);
      w.strRange(info, b + 1, info.length);
    }
  } else {
    w.value(u.ident); w.byte(44);
    w.value(u.realHost); w.byte(44);
    w.value(u.vhost); w.byte(44);
    w.value(u.ip); w.byte(44);
    w.value(u.account); w.byte(44);
    w.str(sortedLetters(u.umodes)); w.byte(44);
    w.value(u.realname);
  }
  w.byte(44);
  w.value(u.server.sid); w.byte(44);
  if (u.away === null) w.raw('null'); else w.value(u.away);
  w.byte(44);
  if (u.swhois.length === 0) w.raw('[]');
  else w.strings(u.swhois.map((s) => `${s.tag}\0${s.prio}\0${s.text}`).sort());
  w.byte(44);
  if (p !== null && p.mdPacked === '') {
    // The usual MD: a numeric creationtime alone, or nothing.
    if (p.ctime >= 0) { w.raw('[["creationtime","'); w.uint(p.ctime); w.raw('"]]'); } else w.raw('[]');
  } else {
    const md = u.md;
    if (md.size === 0) w.raw('[]'); else w.sortedMap(md);
  }
  w.byte(93);
}

/** ASCII letters in strictly ascending order (then they are sortedLetters() of themselves). */
function ascendingLetters(s: string): boolean {
  let prev = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= prev || (c | 32) < 97 || (c | 32) > 122) return false;
    prev = c;
  }
  return true;
}

/** LETTER_CODES: scratch for sortedAsciiLetters(). */
const LETTER_CODES: number[] = [];

/**
 * sortedLetters() of a user's mode letters when they are all ASCII letters (each a character of
 * its own, so sorting their codes sorts them as sortedLetters() does), without the iterator and the
 * array of strings; null for any other string.
 */
function sortedAsciiLetters(s: string): string | null {
  const n = s.length;
  if (n > 64) return null;
  const a = LETTER_CODES;
  a.length = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c | 32) < 97 || (c | 32) > 122) return null;
    let j = i;
    while (j > 0 && a[j - 1] > c) { a[j] = a[j - 1]; j--; }
    a[j] = c;
  }
  return String.fromCharCode(...a);
}

/** The channels in channelOrder(), each name lowercased once. */
function putChannels(w: DigestWriter, net: Network, memberMd: boolean): void {
  const chans = [...net.channels.values()];
  const n = chans.length;
  const lows: string[] = new Array(n);
  const order: number[] = new Array(n);
  for (let i = 0; i < n; i++) { lows[i] = chans[i].name.toLowerCase(); order[i] = i; }
  order.sort((a, b) => cmp(lows[a], lows[b]) || cmp(chans[a].name, chans[b].name));
  for (let k = 0; k < n; k++) putChannel(w, chans[order[k]], lows[order[k]], k > 0, memberMd);
}

function putChannel(w: DigestWriter, c: Channel, low: string, comma: boolean, memberMd: boolean): void {
  w.raw(comma ? ',[' : '[');
  w.value(low); w.raw(',');
  w.value(c.name); w.raw(',');
  w.ts(c.ts); w.raw(',');
  w.sortedMap(c.modes);
  w.raw(',[');
  for (const l of ['b', 'e', 'I'] as const) {
    const list = c.lists[l];
    if (l !== 'b') w.raw(',');
    if (list.size === 0) w.raw('[]');
    else if (list.size !== 1 || !(list instanceof SmallMap) || !w.oneListEntry(list.store())) w.strings(listStrings(list));
  }
  w.raw('],');
  const t = c.topic;
  if (t) { w.raw('['); w.value(t.text); w.raw(','); w.value(t.setBy); w.raw(','); w.ts(t.ts); w.raw(']'); } else w.raw('null');
  w.raw(',');
  putMembers(w, c, memberMd);
  w.raw(',');
  if (c.md.size === 0) w.raw('[]'); else w.sortedMap(c.md);
  w.raw(',');
  if (c.mlock === null) w.raw('null'); else w.value(c.mlock);
  w.raw(']');
}

/** A +b/+e/+I list's entries as `mask\0setBy\0setAt` strings, sorted (read from a SmallMap's store without an iterator). */
function listStrings(list: Channel['lists']['b']): string[] {
  if (!(list instanceof SmallMap)) return [...list].map(([m, e]) => `${m}\0${e.setBy}\0${e.setAt}`).sort();
  const a = list.store();
  const out: string[] = new Array(a.length >> 1);
  for (let i = 0; i < a.length; i += 2) {
    const e = a[i + 1] as ListEntry;
    out[i >> 1] = `${a[i] as string}\0${e.setBy}\0${e.setAt}`;
  }
  return out.length > 1 ? out.sort() : out;
}

/**
 * `items` in the order of their UIDs as strings (`uids[i]` is the UID of `items[i]`; ties, which a
 * consistent state never has, by `tie`). UnrealIRCd's UIDs are nine characters of 0-9 and A-Z: as
 * base-36 numbers they order as the strings do. Anything else sorts by the strings.
 */
function uidOrder<T>(items: T[], uids: string[], tie: (x: T) => string): number[] {
  const n = items.length;
  const order: number[] = new Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const keys = new Float64Array(n);
  let numeric = true;
  for (let i = 0; i < n; i++) {
    const k = uidKey(uids[i]);
    if (k < 0) numeric = false;
    keys[i] = k;
  }
  const byTie = (a: number, b: number) => cmp(tie(items[a]), tie(items[b]));
  if (numeric) order.sort((a, b) => keys[a] - keys[b] || byTie(a, b));
  else order.sort((a, b) => cmp(uids[a], uids[b]) || byTie(a, b));
  return order;
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
 * Member modes as bits, in the order their letters sort (a h o q v), or -1 when `modes` holds any
 * other character or a letter twice (then the member goes through memberString()).
 */
function modeBits(modes: string): number {
  let bits = 0;
  for (let i = 0; i < modes.length; i++) {
    const c = modes.charCodeAt(i);
    const bit = c === 111 ? 4 : c === 118 ? 16 : c === 104 ? 2 : c === 97 ? 1 : c === 113 ? 8 : 0;
    if (bit === 0 || (bits & bit) !== 0) return -1;
    bits |= bit;
  }
  return bits;
}

/** The letters of modeBits() bit i. */
const MODE_BIT_LETTERS = [97, 104, 111, 113, 118];
/** `\u0000[]\u0000[]"`: the end of a member string without member MD, as JSON. */
const MEMBER_TAIL = Uint8Array.from('\\u0000[]\\u0000[]"', (c) => c.charCodeAt(0));
let PACKED = new Float64Array(256);
/** Members written per room() check in putMembers(): as many as fit in one chunk. */
const MEMBER_BATCH = CHUNK / ROOM;

/**
 * The channel's member strings (memberString()), sorted, as JSON. They start with the UID and a
 * NUL, so they sort as the UIDs do (ties, never in a consistent state, by the whole strings).
 * The usual member (no member MD, a UID of 0-9 A-Z, member modes from "ahoqv") becomes one number,
 * uidKey(UID) · 32 + modeBits(modes) (below 36^9 · 32 < 2^52, exact): the channel's numbers are
 * sorted as numbers and written back as text, without reading a UID string. A channel with any
 * other member, or two members of one UID, goes through memberString().
 */
function putMembers(w: DigestWriter, c: Channel, memberMd: boolean): void {
  const ms = c.members.array();
  const n = ms.length;
  if (n === 0) { w.raw('[]'); return; }
  if (PACKED.length < n) PACKED = new Float64Array(Math.max(n, 2 * PACKED.length));
  const P = PACKED;
  let fast = true;
  for (let i = 0; i < n; i++) {
    const m = ms[i];
    const k = userKey(m.user), bits = modeBits(m.modes);
    if (k < 0 || bits < 0 || (memberMd && memberMdCount(m) !== 0)) { fast = false; break; }
    P[i] = k * 32 + bits;
  }
  if (fast) {
    if (n <= 32) {
      for (let i = 1; i < n; i++) {
        const x = P[i];
        let j = i;
        while (j > 0 && P[j - 1] > x) { P[j] = P[j - 1]; j--; }
        P[j] = x;
      }
    } else P.subarray(0, n).sort();
    for (let i = 1; i < n; i++) if (Math.floor(P[i] / 32) === Math.floor(P[i - 1] / 32)) { fast = false; break; }
  }
  if (!fast) {
    const uids = ms.map((m) => m.user.uid);
    const order = uidOrder(ms as Membership[], uids, memberString);
    w.raw('[');
    for (let k = 0; k < n; k++) { if (k > 0) w.raw(','); w.value(memberString(ms[order[k]])); }
    w.raw(']');
    return;
  }
  w.byte(91);
  const b = w.buf;
  // Room for MEMBER_BATCH members at a time (each at most ROOM bytes), then written without checks.
  for (let k0 = 0; k0 < n; k0 += MEMBER_BATCH) {
    const k1 = Math.min(n, k0 + MEMBER_BATCH);
    w.room((k1 - k0) * ROOM);
    let at = w.at;
    for (let k = k0; k < k1; k++) {
      const x = P[k];
      const key = Math.floor(x / 32);
      const bits = x - key * 32;
      if (k > 0) b[at++] = 44;
      b[at++] = 34;
      putUid(b, at, key);
      at += 9;
      for (let i = 0; i < 6; i++) b[at++] = MEMBER_TAIL[i]; // \u0000
      for (let i = 0; i < 5; i++) if ((bits & (1 << i)) !== 0) b[at++] = MODE_BIT_LETTERS[i];
      for (let i = 0; i < MEMBER_TAIL.length; i++) b[at++] = MEMBER_TAIL[i];
    }
    w.at = at;
  }
  w.byte(93);
}

export interface StateCounts {
  servers: number; users: number; channels: number; memberships: number;
  tkl: Record<string, number>; md: number;
}

export function stateCounts(net: Network, tkl: TklTable, now: number): StateCounts {
  let md = 0;
  for (const s of net.serversBySid.values()) md += s.md.size;
  const users = net.usersByUid.list();
  for (let i = 0; i < users.length; i++) md += userMdSize(users[i]);
  const memberMd = anyMemberMd();
  // Net.memberships() counted in the same pass over the channels.
  let memberships = 0;
  for (const c of net.channels.values()) {
    md += c.md.size;
    memberships += c.members.size;
    if (!memberMd) continue;
    const ms = c.members.array();
    for (let i = 0; i < ms.length; i++) md += memberMdCount(ms[i]);
  }
  const t = tkl.countsByType(now);
  const sorted: Record<string, number> = {};
  for (const k of Object.keys(t).sort()) sorted[k] = t[k];
  return { servers: net.serversBySid.size, users: net.usersByUid.size, channels: net.channels.size, memberships, tkl: sorted, md };
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

/** For tests: the two orderings of putUsers(), which must agree. */
export const orderingsForTests = { packedOrder, radixOrder };
