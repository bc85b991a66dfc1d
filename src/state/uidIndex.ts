// Users by UID, with the operations of a Map<string, User>. A UID of UnrealIRCd's usual form (a
// SID [0-9][0-9A-Z]{2} and six characters [0-9A-Z]) is kept under its SID, keyed by the number the
// six characters spell in base 36: a lookup then compares numbers, where a string-keyed table
// compares the key with a stored string (one more memory read on every hit, and a burst's SJOIN
// lines look up hundreds of thousands of members). getRange() looks up part of a line (an SJOIN
// item) without cutting it out. Any other UID (peers may use 6 to 12 characters) goes to a plain
// Map. Iteration: per SID in order of the SID's first user, each in join order; then the others.
import type { User } from './model.ts';

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

export class UidIndex {
  /** By SID number (base 36 of the SID; under 10·36² since a SID starts with a digit). */
  private readonly bySid: (Map<number, User> | undefined)[] = new Array(10 * 36 * 36).fill(undefined);
  /** The same maps by SID number, for iteration (a network has few servers; bySid has 12,960 slots). */
  private readonly live = new Map<number, Map<number, User>>();
  private readonly other = new Map<string, User>();
  private n = 0;

  get size(): number { return this.n; }

  get(uid: string): User | undefined { return this.getRange(uid, 0, uid.length); }

  /** The user whose UID is s.slice(from, to). */
  getRange(s: string, from: number, to: number): User | undefined {
    if (!canonical(s, from, to)) return this.other.get(from === 0 && to === s.length ? s : s.slice(from, to));
    const m = this.bySid[base36(s, from, from + 3)];
    return m === undefined ? undefined : m.get(base36(s, from + 3, to));
  }

  has(uid: string): boolean { return this.get(uid) !== undefined; }

  set(uid: string, u: User): this {
    if (!canonical(uid, 0, uid.length)) {
      if (!this.other.has(uid)) this.n++;
      this.other.set(uid, u);
      return this;
    }
    const sid = base36(uid, 0, 3);
    let m = this.bySid[sid];
    if (m === undefined) { this.bySid[sid] = m = new Map(); this.live.set(sid, m); }
    const k = base36(uid, 3, 9), before = m.size;
    m.set(k, u);
    if (m.size !== before) this.n++;
    return this;
  }

  delete(uid: string): boolean {
    let gone: boolean;
    if (!canonical(uid, 0, uid.length)) gone = this.other.delete(uid);
    else {
      const sid = base36(uid, 0, 3), m = this.bySid[sid];
      gone = m !== undefined && m.delete(base36(uid, 3, 9));
      if (gone && m!.size === 0) { this.bySid[sid] = undefined; this.live.delete(sid); }
    }
    if (gone) this.n--;
    return gone;
  }

  *values(): IterableIterator<User> {
    for (const m of [...this.live.values()]) yield* m.values();
    yield* this.other.values();
  }
  *keys(): IterableIterator<string> { for (const u of this.values()) yield u.uid; }
  *entries(): IterableIterator<[string, User]> { for (const u of this.values()) yield [u.uid, u]; }
  [Symbol.iterator](): IterableIterator<[string, User]> { return this.entries(); }
}
