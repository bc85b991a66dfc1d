// The User record the engine creates (handlers/uid.ts): one object per user, lean because a
// network has tens of thousands. The user modes live in a string on the user itself (`umodes`
// is the user seen through the LetterSet interface); the seldom-read text fields share one
// string, and so do the MD pairs; the channel map is a list threaded through the memberships; MD
// and channels are reached through small views made on access (`u.md`, `u.channels`); users
// without SWHOIS share one empty list.
import type { Channel, Membership, Server, Swhois, User } from './model.ts';
import type { LetterSet } from './letters.ts';
import type { MapLike } from './smallMap.ts';
import type { Ts } from './ts.ts';

/** The SWHOIS list of every user that has none. Frozen: SWHOIS replaces the list, never edits it. */
export const NO_SWHOIS: Swhois[] = Object.freeze([]) as unknown as Swhois[];

export class UserEntry implements User, LetterSet {
  // Instances come from newUser() (an object literal; see there), never from a constructor.
  declare uid: string;
  declare nick: string;
  declare ts: Ts;
  /** ident, realHost, vhost, cloak, ip, account and realname, in that order, NUL-separated (see pack()). */
  declare private info: string;
  /** The user mode letters, distinct. */
  declare private letters: string;
  declare server: Server;
  declare away: string | null;
  declare sjoinMark: number;
  declare serverSlot: number;
  /** Set by the UID index (uidIndex.ts) that holds the user. */
  declare uidKeyHi: number;
  declare uidKeyLo: number;
  declare swhois: Swhois[];
  /** MD pairs packed in one string (see UserMd), except a creationtime held in `ctime`. */
  declare mdPacked: string;
  /** The value of the MD key creationtime when it is a number written canonically (see ctimeOf()), else -1. */
  declare ctime: number;
  /** The user's memberships, the first of a list (mirrors the channels' member maps; see chanAdd()). */
  declare chanHead: Membership | null;
  private constructor() { throw new Error('use newUser()'); }

  get ident(): string { return field(this.info, IDENT); }
  set ident(v: string) { this.info = withField(this.info, IDENT, v); }
  get realHost(): string { return field(this.info, HOST); }
  set realHost(v: string) { this.info = withField(this.info, HOST, v); }
  get vhost(): string { return field(this.info, VHOST); }
  set vhost(v: string) { this.info = withField(this.info, VHOST, v); }
  get cloak(): string { return field(this.info, CLOAK); }
  set cloak(v: string) { this.info = withField(this.info, CLOAK, v); }
  get ip(): string { return field(this.info, IP); }
  set ip(v: string) { this.info = withField(this.info, IP, v); }
  get account(): string { return field(this.info, ACCOUNT); }
  set account(v: string) { this.info = withField(this.info, ACCOUNT, v); }
  get realname(): string { return field(this.info, REALNAME); }
  set realname(v: string) { this.info = withField(this.info, REALNAME, v); }

  get md(): MapLike<string, string> { return new UserMd(this); }
  get channels(): MapLike<Channel, Membership> { return new UserChannels(this); }

  get umodes(): LetterSet { return this; }
  has(l: string): boolean { return this.letters.includes(l); }
  add(l: string): this { if (l.length === 1 && !this.letters.includes(l)) this.letters += l; return this; }
  delete(l: string): boolean {
    const i = this.letters.indexOf(l);
    if (i < 0 || l.length !== 1) return false;
    this.letters = this.letters.slice(0, i) + this.letters.slice(i + 1);
    return true;
  }
  clear(): void { this.letters = ''; }
  get size(): number { return this.letters.length; }
  [Symbol.iterator](): Iterator<string> { return this.letters[Symbol.iterator](); }
}

/**
 * A new user. Its text fields come from a UID line, which ends at its first NUL (the engine cuts
 * every line there), so none holds a NUL: they are packed as they are.
 * Made as an object literal on purpose: V8 tracks where literals are allocated and,
 * seeing that nearly all users it allocates survive, allocates them directly in the old
 * generation (allocation-site pretenuring) instead of copying each one twice through the young
 * generation; a class constructor call gets no such treatment. The same goes for memberships.
 */
export function newUser(uid: string, nick: string, ts: Ts, ident: string, realHost: string, vhost: string, cloak: string, ip: string, account: string, umodes: string, realname: string, server: Server): UserEntry {
  return {
    __proto__: UserEntry.prototype,
    // First the fields an SJOIN member touches (next to the object's header: one cache line).
    server, chanHead: null, sjoinMark: 0, serverSlot: -1, uidKeyHi: -1, uidKeyLo: -1,
    uid, nick, ts, info: pack(ident, realHost, vhost, cloak, ip, account, realname), letters: umodes,
    away: null, swhois: NO_SWHOIS, mdPacked: '', ctime: -1,
  } as unknown as UserEntry;
}

// The text fields a user keeps but seldom reads (ident, hosts, ip, account, realname) share one
// string: one string header and one field instead of seven, and a copy that holds nothing of the
// line they came from. Fields never contain NUL (a line ends at its first NUL), so NUL separates
// them; reading one slices it out.
const IDENT = 0, HOST = 1, VHOST = 2, CLOAK = 3, IP = 4, ACCOUNT = 5, REALNAME = 6;

/** The packed fields; none of them may hold a NUL (newUser()'s come from a line, setters cut theirs). */
function pack(ident: string, realHost: string, vhost: string, cloak: string, ip: string, account: string, realname: string): string {
  // join() writes the result in one go: a flat string of its own, no intermediate concatenations.
  return [ident, realHost, vhost, cloak, ip, account, realname].join('\0');
}

/** A value up to its first NUL (what a line could have carried). */
function noNul(v: string): string {
  const k = v.indexOf('\0');
  return k < 0 ? v : v.slice(0, k);
}

function field(info: string, k: number): string {
  if (k === REALNAME) return info.slice(info.lastIndexOf('\0') + 1);
  let start = 0;
  for (let i = 0; i < k; i++) start = info.indexOf('\0', start) + 1;
  return info.slice(start, info.indexOf('\0', start));
}

function withField(info: string, k: number, v: string): string {
  const f = info.split('\0');
  f[k] = noNul(v);
  return pack(f[IDENT], f[HOST], f[VHOST], f[CLOAK], f[IP], f[ACCOUNT], f[REALNAME]);
}

/**
 * The user's MD as one string: key NUL value NUL key NUL value ... ('' when there is none). Users
 * carry one or two MD pairs (creationtime, and a few more with services), so one string per user
 * replaces an array, its backing store and a string per value; reading a key scans the string.
 * Keys and values hold no NUL (a line ends at its first NUL; noNul() cuts local values).
 */
function mdParts(packed: string): string[] { return packed === '' ? [] : packed.split('\0'); }
function mdPack(parts: string[]): string { return parts.length === 0 ? '' : parts.join('\0'); }

/** Where key's value starts in `packed` (-1 when the key is absent). */
function mdValueAt(packed: string, key: string): number {
  if (packed === '') return -1;
  for (let k = 0; ;) {
    const e = packed.indexOf('\0', k);
    if (e < 0) return -1;
    if (e - k === key.length && packed.startsWith(key, k)) return e + 1;
    const v = packed.indexOf('\0', e + 1);
    if (v < 0) return -1;
    k = v + 1;
  }
}

function mdValueEnd(packed: string, at: number): number {
  const e = packed.indexOf('\0', at);
  return e < 0 ? packed.length : e;
}

/**
 * u.md.set(key, value) for a user made by newUser(), unless the key is new and the user holds
 * `maxKeys` keys already (then nothing changes and the answer is false). One scan of the packed
 * MD; the key is stored through `keep` (interning) only when it is new.
 */
export function setUserMd(u: User, key: string, value: string, maxKeys: number, keep: (key: string) => string): boolean {
  const e = u as UserEntry;
  const p = e.mdPacked;
  key = noNul(key); value = noNul(value);
  if (key === CREATIONTIME) {
    const n = ctimeOf(value);
    if (e.ctime >= 0) {
      if (n >= 0) { e.ctime = n; return true; }
      e.ctime = -1; // a value a number cannot give back: packed below like any other key
    } else if (n >= 0 && mdValueAt(p, key) < 0) {
      if (mdSize(e) >= maxKeys) return false;
      e.ctime = n;
      return true;
    }
  }
  const at = mdValueAt(p, key);
  if (at < 0) {
    if (mdSize(e) >= maxKeys) return false;
    e.mdPacked = p === '' ? [keep(key), value].join('\0') : [p, keep(key), value].join('\0');
    return true;
  }
  const end = mdValueEnd(p, at);
  if (end - at === value.length && p.startsWith(value, at)) return true; // the same value again
  e.mdPacked = [p.slice(0, at), value, p.slice(end)].join('');
  return true;
}

const keepAsIs = (k: string): string => k;

/**
 * Every user carries the MD key creationtime (the burst sends it twice per user: as a UID tag and
 * as an MD line), nearly always a number of seconds. Held as a number, it needs no string of its
 * own per user and a repeated value is recognised without a scan.
 */
const CREATIONTIME = 'creationtime';

/** The number a creationtime value is written as (digits, no sign, no leading zero, below 2^53), else -1. */
function ctimeOf(v: string): number {
  return ctimeAt(v, 0, v.length);
}

/** ctimeOf() of s[from, to). */
function ctimeAt(s: string, from: number, to: number): number {
  const n = to - from;
  if (n <= 0 || n > 15 || (n > 1 && s.charCodeAt(from) === 48)) return -1;
  let x = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x;
}

/**
 * Does the user's MD hold line[k0, k1) = line[v0, v1) already, so that setting it would change
 * nothing (see setUserMd())? A burst repeats in MD lines what its UID lines' tags set.
 */
export function userMdHolds(u: User, line: string, k0: number, k1: number, v0: number, v1: number): boolean {
  const e = u as UserEntry;
  if (e.ctime >= 0 && k1 - k0 === CREATIONTIME.length && line.startsWith(CREATIONTIME, k0)) return ctimeAt(line, v0, v1) === e.ctime;
  const p = e.mdPacked;
  const at = mdValueAt(p, line.slice(k0, k1));
  if (at < 0 || mdValueEnd(p, at) - at !== v1 - v0) return false;
  for (let i = 0; i < v1 - v0; i++) if (p.charCodeAt(at + i) !== line.charCodeAt(v0 + i)) return false;
  return true;
}

/** The user's MD pairs in order: a numeric creationtime first, then the packed pairs. */
function mdPairs(e: UserEntry): string[] {
  const a = mdParts(e.mdPacked);
  if (e.ctime >= 0) a.unshift(CREATIONTIME, String(e.ctime));
  return a;
}

/** The number of MD pairs a user holds. */
function mdSize(e: UserEntry): number {
  return (e.mdPacked === '' ? 0 : mdCount(e.mdPacked)) + (e.ctime >= 0 ? 1 : 0);
}

/** The number of pairs in a non-empty packed MD. */
function mdCount(p: string): number {
  let n = 1;
  for (let i = p.indexOf('\0'); i >= 0; i = p.indexOf('\0', i + 1)) n++;
  return n >> 1;
}

/** `u.md`: a view of the user's packed MD. */
class UserMd implements MapLike<string, string> {
  constructor(private readonly u: UserEntry) {}
  get size(): number { return mdSize(this.u); }
  get(key: string): string | undefined {
    if (key === CREATIONTIME && this.u.ctime >= 0) return String(this.u.ctime);
    const p = this.u.mdPacked, at = mdValueAt(p, key);
    return at < 0 ? undefined : p.slice(at, mdValueEnd(p, at));
  }
  has(key: string): boolean { return (key === CREATIONTIME && this.u.ctime >= 0) || mdValueAt(this.u.mdPacked, key) >= 0; }
  set(key: string, value: string): this { setUserMd(this.u, key, value, Infinity, keepAsIs); return this; }
  delete(key: string): boolean {
    if (key === CREATIONTIME && this.u.ctime >= 0) { this.u.ctime = -1; return true; }
    const parts = mdParts(this.u.mdPacked);
    for (let i = 0; i < parts.length; i += 2) {
      if (parts[i] !== key) continue;
      parts.splice(i, 2);
      this.u.mdPacked = mdPack(parts);
      return true;
    }
    return false;
  }
  clear(): void { this.u.mdPacked = ''; this.u.ctime = -1; }
  *keys(): IterableIterator<string> { const a = mdPairs(this.u); for (let i = 0; i < a.length; i += 2) yield a[i]; }
  *values(): IterableIterator<string> { const a = mdPairs(this.u); for (let i = 0; i < a.length; i += 2) yield a[i + 1]; }
  *entries(): IterableIterator<[string, string]> { const a = mdPairs(this.u); for (let i = 0; i < a.length; i += 2) yield [a[i], a[i + 1]]; }
  [Symbol.iterator](): IterableIterator<[string, string]> { return this.entries(); }
}

/**
 * A user's channels: its memberships, newest first (as UnrealIRCd keeps them), as a singly linked
 * list threaded through the memberships themselves (`uNext`), the user holding the first. Joining
 * prepends in place: no array per user to allocate, grow and copy, and nothing but the user itself
 * to touch. Users have few channels, so a removal walks the list (as UnrealIRCd walks its own
 * per-user channel list); a removed membership keeps its `uNext`, so an iterator that stands on it
 * still goes on to the memberships after it.
 */
function chanRemove(u: UserEntry, m: Membership): boolean {
  let prev: Membership | null = null;
  for (let x = u.chanHead; x !== null; prev = x, x = x.uNext) {
    if (x !== m) continue;
    if (prev === null) u.chanHead = x.uNext; else prev.uNext = x.uNext;
    return true;
  }
  return false;
}

function chanFind(u: UserEntry, ch: Channel): Membership | null {
  for (let x = u.chanHead; x !== null; x = x.uNext) if (x.channel === ch) return x;
  return null;
}

function chanAdd(u: UserEntry, m: Membership): void {
  m.uNext = u.chanHead;
  u.chanHead = m;
}

/** `u.channels`: a view of the user's channel list (a membership's key is its channel). */
class UserChannels implements MapLike<Channel, Membership> {
  constructor(private readonly u: UserEntry) {}
  get size(): number { let n = 0; for (let x = this.u.chanHead; x !== null; x = x.uNext) n++; return n; }
  get(key: Channel): Membership | undefined { return chanFind(this.u, key) ?? undefined; }
  has(key: Channel): boolean { return chanFind(this.u, key) !== null; }
  /** `value` is the membership of this user in `key` (value.channel === key), made by Network. */
  set(key: Channel, value: Membership): this {
    const old = chanFind(this.u, key);
    if (old === value) return this;
    if (old !== null) chanRemove(this.u, old);
    chanAdd(this.u, value);
    return this;
  }
  delete(key: Channel): boolean {
    const m = chanFind(this.u, key);
    return m !== null && chanRemove(this.u, m);
  }
  clear(): void { this.u.chanHead = null; }
  *keys(): IterableIterator<Channel> { for (let x = this.u.chanHead; x !== null; x = x.uNext) yield x.channel; }
  *values(): IterableIterator<Membership> { for (let x = this.u.chanHead; x !== null; x = x.uNext) yield x; }
  *entries(): IterableIterator<[Channel, Membership]> { for (let x = this.u.chanHead; x !== null; x = x.uNext) yield [x.channel, x]; }
  [Symbol.iterator](): IterableIterator<[Channel, Membership]> { return this.entries(); }
}

/**
 * What the state digest reads of a user made by newUser(), without the getters' slices: its packed
 * text fields (ident, realHost, vhost, cloak, ip, account, realname, NUL-separated; none holds a
 * NUL), its mode letters, its packed MD and numeric creationtime (see setUserMd()). Null for a user
 * of another kind.
 */
export function packedUser(u: User): { info: string; letters: string; mdPacked: string; ctime: number } | null {
  return u instanceof UserEntry ? (u as unknown as { info: string; letters: string; mdPacked: string; ctime: number }) : null;
}

/** The number of MD pairs a user holds (u.md.size without a view). */
export function userMdSize(u: User): number {
  return u instanceof UserEntry ? mdSize(u) : u.md.size;
}

/** Add a user's membership of `ch`  to its channel list, first; the caller knows it is not there. */
export function appendChannel(u: User, ch: Channel, m: Membership): void {
  if (u instanceof UserEntry) chanAdd(u, m);
  else u.channels.set(ch, m);
}

/** Remove a user's membership from its channel list. */
export function removeChannel(u: User, ch: Channel, m: Membership | undefined): void {
  if (u instanceof UserEntry) { if (m !== undefined) chanRemove(u, m); }
  else u.channels.delete(ch);
}

/** The user modes of a UID's umodes field: its letters except 's', each once, in order of first appearance. */
export function umodeLetters(field: string): string {
  let out = '';
  for (let i = 0; i < field.length; i++) {
    const c = field.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) || c === 115 /* s */) continue;
    const l = field[i];
    if (!out.includes(l)) out += l;
  }
  return out;
}

// ---------------------------------------------------------------- hosts
// UnrealIRCd keeps one virtual host per user (user->virthost): the cloak unless a vhost was set
// (UID field, SETHOST, CHGHOST), and shown instead of the real host while the user is +x
// (GetHost()). tslink keeps `vhost` as the virtual host when it is not the default one, '' when
// it is: the cloak (the UID's cloak field; tslink has no cloak keys), or the real host when no
// cloak is known. So a +x user whose UID virthost was '*' shows its cloak, as UnrealIRCd's
// virthost := cloakedhost does, and two nodes that got the user through different peers hold
// the same value whichever way (VHP or not) its host travelled.

/** user->virthost: the user's virtual host (its vhost, else its cloak, else its real host). */
export function virtualHost(u: User): string {
  return u.vhost || u.cloak || u.realHost;
}

/** GetHost(): the host the network shows for the user, its virtual host while +x, else its real host. */
export function displayedHost(u: User): string {
  return u.umodes.has('x') ? virtualHost(u) : u.realHost;
}

/** The value `vhost` holds for a virtual host `v` of this user: '' for the default one (see virtualHost()). */
export function vhostValue(u: User, v: string): string {
  return v === (u.cloak || u.realHost) ? '' : v;
}
