// Users by UID, with the operations of a Map<string, User>.
//
// A burst's SJOIN lines look up hundreds of thousands of members in a random order, so what a
// lookup costs is mostly memory misses. A string-keyed Map (or V8's Map with any key) walks a
// bucket, then one or more chained entries, each a dependent miss, before it reaches the user. Here
// a UID of UnrealIRCd's usual form (a SID [0-9][0-9A-Z]{2} and six characters [0-9A-Z]) becomes
// two small integers, and the table is an open-addressed array of the users themselves with their
// hashes (hashSlots.ts): a lookup reads one slot and then the user, whose own `uidKeyHi` /
// `uidKeyLo` fields (set here on insertion) confirm the hit — and the caller wanted the user's
// fields next anyway. getRange() looks up part of a line (an SJOIN item) without cutting it out.
// Any other UID (peers may use 6 to 12 characters) goes to a plain Map.
// Iteration order: the table's, then the others (not insertion order).
import type { User } from './model.ts';
import { HASH_SEED, SlotTable, hashEnd, hashStep } from './hashSlots.ts';

/** The base-36 digit c stands for ([0-9A-Z]), -1 for any other character. */
function digit36(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 90 ? c - 55 : -1;
}

// A UID of the usual form is 9 characters: a SID [0-9][0-9A-Z]{2} and six [0-9A-Z]. Its two
// halves, as base-36 numbers: the SID and the next two characters (under 10·36^4 < 2^24), and the
// last four characters (under 36^4 < 2^21). Both are small integers.
let keyLo = 0;

/** The first half of s[from, to) when it is a UID of the usual form (the second in keyLo), else -1. */
function keyOf(s: string, from: number, to: number): number {
  if (to - from !== 9) return -1;
  const c0 = s.charCodeAt(from);
  if (c0 < 48 || c0 > 57) return -1;
  let hi = c0 - 48;
  for (let i = from + 1; i < from + 5; i++) {
    const d = digit36(s.charCodeAt(i));
    if (d < 0) return -1;
    hi = hi * 36 + d;
  }
  let lo = 0;
  for (let i = from + 5; i < to; i++) {
    const d = digit36(s.charCodeAt(i));
    if (d < 0) return -1;
    lo = lo * 36 + d;
  }
  keyLo = lo;
  return hi;
}

/** The hash of a canonical UID's two halves (seeded). */
function hashOf(hi: number, lo: number): number { return hashEnd(hashStep(hashStep(HASH_SEED, hi), lo)); }

/** Canonical UIDs: the users themselves in the table (hashSlots.ts); other UIDs in a Map. */
export class UidIndex extends SlotTable<User> {
  private readonly other = new Map<string, User>();

  get size(): number { return this.n + this.other.size; }

  get(uid: string): User | undefined { return this.getRange(uid, 0, uid.length); }

  /** The user whose UID is s.slice(from, to). */
  getRange(s: string, from: number, to: number): User | undefined {
    const hi = keyOf(s, from, to), lo = keyLo;
    if (hi < 0) return this.other.get(from === 0 && to === s.length ? s : s.slice(from, to));
    const h = hashOf(hi, lo);
    const t = this.t, mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const u = t[2 * i + 1] as User | undefined;
      if (u === undefined) return undefined;
      if (t[2 * i] === h && u.uidKeyHi === hi && u.uidKeyLo === lo) return u;
    }
  }

  has(uid: string): boolean { return this.get(uid) !== undefined; }

  set(uid: string, u: User): this {
    const hi = keyOf(uid, 0, uid.length), lo = keyLo;
    if (hi < 0) { this.other.set(uid, u); return this; }
    const h = hashOf(hi, lo);
    u.uidKeyHi = hi; u.uidKeyLo = lo;
    const t = this.t, mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = t[2 * i + 1] as User | undefined;
      if (x === undefined) { this.fill(i, h, u); return this; }
      if (t[2 * i] === h && x.uidKeyHi === hi && x.uidKeyLo === lo) { t[2 * i + 1] = u; return this; }
    }
  }

  delete(uid: string): boolean {
    const hi = keyOf(uid, 0, uid.length), lo = keyLo;
    if (hi < 0) return this.other.delete(uid);
    const h = hashOf(hi, lo);
    const t = this.t, mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = t[2 * i + 1] as User | undefined;
      if (x === undefined) return false;
      if (t[2 * i] !== h || x.uidKeyHi !== hi || x.uidKeyLo !== lo) continue;
      this.free(i);
      return true;
    }
  }

  /** The users in an array of their own (values() without the iterator). */
  list(): User[] {
    const out = this.entryList();
    for (const u of this.other.values()) out.push(u);
    return out;
  }

  *values(): IterableIterator<User> {
    // A copy: the caller may delete while iterating (a delete shifts entries backwards).
    yield* this.entryList();
    yield* [...this.other.values()];
  }
  *keys(): IterableIterator<string> { for (const u of this.values()) yield u.uid; }
  *entries(): IterableIterator<[string, User]> { for (const u of this.values()) yield [u.uid, u]; }
  [Symbol.iterator](): IterableIterator<[string, User]> { return this.entries(); }
}
