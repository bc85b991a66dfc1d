// Users by UID, with the operations of a Map<string, User>.
//
// A burst's SJOIN lines look up hundreds of thousands of members in a random order, so what a
// lookup costs is mostly memory misses. A string-keyed Map (or V8's Map with any key) walks a
// bucket, then one or more chained entries, each a dependent miss, before it reaches the user. Here
// a UID of UnrealIRCd's usual form (a SID [0-9][0-9A-Z]{2} and six characters [0-9A-Z]) becomes
// two small integers, and the table is an open-addressed array of the users themselves (linear
// probing, at most half full): a lookup reads one slot and then the user, whose own `uidKeyHi` /
// `uidKeyLo` fields (set here on insertion) confirm the hit — and the caller wanted the user's
// fields next anyway. getRange() looks up part of a line (an SJOIN item) without cutting it out.
// Any other UID (peers may use 6 to 12 characters) goes to a plain Map.
// Iteration order: the table's, then the others (not insertion order).
import type { User } from './model.ts';

/** What the table stores on each user it holds. */
interface Keyed { uidKeyHi?: number; uidKeyLo?: number }

/** Base-36 value of s[from, to) ([0-9A-Z] only; the caller checked). */
function base36(s: string, from: number, to: number): number {
  let x = 0;
  for (let i = from; i < to; i++) { const c = s.charCodeAt(i); x = x * 36 + (c <= 57 ? c - 48 : c - 55); }
  return x;
}

/** Is s[from, to) a 9-character UID of the usual form? */
function canonical(s: string, from: number, to: number): boolean {
  if (to - from !== 9) return false;
  const c0 = s.charCodeAt(from);
  if (c0 < 48 || c0 > 57) return false;
  for (let i = from + 1; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) return false;
  }
  return true;
}

// The two halves of a canonical UID: SID and the first two characters (under 10·36²·36² <
// 2^26), the last four characters (under 36^4 < 2^21). Both are small integers.
function keyHi(s: string, from: number): number { return base36(s, from, from + 5); }
function keyLo(s: string, from: number): number { return base36(s, from + 5, from + 9); }

function slotOf(hi: number, lo: number, mask: number): number {
  return (Math.imul(hi ^ Math.imul(lo, 0x85ebca6b), 0x9e3779b1) >>> 7) & mask;
}

const MIN_SLOTS = 64;

export class UidIndex {
  /** Open-addressed table of users (undefined = free), a power of two long, at most half full. */
  private slots: (User | undefined)[] = new Array<User | undefined>(MIN_SLOTS).fill(undefined);
  private mask = MIN_SLOTS - 1;
  private inTable = 0;
  private readonly other = new Map<string, User>();

  get size(): number { return this.inTable + this.other.size; }

  get(uid: string): User | undefined { return this.getRange(uid, 0, uid.length); }

  /** The user whose UID is s.slice(from, to). */
  getRange(s: string, from: number, to: number): User | undefined {
    if (!canonical(s, from, to)) return this.other.get(from === 0 && to === s.length ? s : s.slice(from, to));
    const hi = keyHi(s, from), lo = keyLo(s, from);
    const slots = this.slots, mask = this.mask;
    for (let i = slotOf(hi, lo, mask); ; i = (i + 1) & mask) {
      const u = slots[i];
      if (u === undefined) return undefined;
      if ((u as Keyed).uidKeyHi === hi && (u as Keyed).uidKeyLo === lo) return u;
    }
  }

  has(uid: string): boolean { return this.get(uid) !== undefined; }

  set(uid: string, u: User): this {
    if (!canonical(uid, 0, uid.length)) { this.other.set(uid, u); return this; }
    const hi = keyHi(uid, 0), lo = keyLo(uid, 0);
    (u as Keyed).uidKeyHi = hi; (u as Keyed).uidKeyLo = lo;
    const slots = this.slots, mask = this.mask;
    for (let i = slotOf(hi, lo, mask); ; i = (i + 1) & mask) {
      const x = slots[i];
      if (x === undefined) {
        slots[i] = u;
        if (++this.inTable * 2 > slots.length) this.resize(slots.length * 2);
        return this;
      }
      if ((x as Keyed).uidKeyHi === hi && (x as Keyed).uidKeyLo === lo) { slots[i] = u; return this; }
    }
  }

  delete(uid: string): boolean {
    if (!canonical(uid, 0, uid.length)) return this.other.delete(uid);
    const hi = keyHi(uid, 0), lo = keyLo(uid, 0);
    const slots = this.slots, mask = this.mask;
    let i = slotOf(hi, lo, mask);
    for (; ; i = (i + 1) & mask) {
      const x = slots[i];
      if (x === undefined) return false;
      if ((x as Keyed).uidKeyHi === hi && (x as Keyed).uidKeyLo === lo) break;
    }
    // Backward-shift deletion: move later members of the probe run into the hole when their
    // home slot does not lie cyclically in (hole, their slot].
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const x = slots[j];
      if (x === undefined) break;
      const home = slotOf((x as Keyed).uidKeyHi!, (x as Keyed).uidKeyLo!, mask);
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      slots[i] = x;
      i = j;
    }
    slots[i] = undefined;
    this.inTable--;
    if (this.slots.length > MIN_SLOTS && this.inTable * 8 < this.slots.length) this.resize(this.slots.length / 2);
    return true;
  }

  private resize(n: number): void {
    const old = this.slots;
    const slots = new Array<User | undefined>(n).fill(undefined);
    const mask = n - 1;
    for (let k = 0; k < old.length; k++) {
      const u = old[k];
      if (u === undefined) continue;
      let i = slotOf((u as Keyed).uidKeyHi!, (u as Keyed).uidKeyLo!, mask);
      while (slots[i] !== undefined) i = (i + 1) & mask;
      slots[i] = u;
    }
    this.slots = slots;
    this.mask = mask;
  }

  *values(): IterableIterator<User> {
    // A copy: the caller may delete while iterating (a delete shifts entries backwards).
    const slots = this.slots.filter((u) => u !== undefined) as User[];
    yield* slots;
    yield* [...this.other.values()];
  }
  *keys(): IterableIterator<string> { for (const u of this.values()) yield u.uid; }
  *entries(): IterableIterator<[string, User]> { for (const u of this.values()) yield [u.uid, u]; }
  [Symbol.iterator](): IterableIterator<[string, User]> { return this.entries(); }
}
