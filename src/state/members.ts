// A channel's members: user → membership, with the operations of a Map. Stored as an array of
// memberships (each knows its slot), so joining appends and leaving moves the last membership
// into the freed slot: O(1) without a hash table per channel. A hash index (user → membership) is
// built the first time a channel of more than SCAN members is searched, and kept up to date from
// then on; a smaller channel is searched by walking its array. A burst creates tens of thousands
// of channels that are only appended to while it runs (SJOIN finds a member it repeats without
// searching: see Network.joinUnlessMarked), so those are built without one.
import type { Membership, User } from './model.ts';
import type { MapLike } from './smallMap.ts';

/** Channels up to this many members are searched without an index. */
const SCAN = 8;

export class MemberMap implements MapLike<User, Membership> {
  private list: Membership[] = [];
  private index: Map<User, Membership> | null = null;

  get size(): number { return this.list.length; }

  get(u: User): Membership | undefined {
    if (this.index !== null) return this.index.get(u);
    const l = this.list;
    if (l.length > SCAN) return this.buildIndex().get(u);
    for (let i = 0; i < l.length; i++) if (l[i].user === u) return l[i];
    return undefined;
  }

  has(u: User): boolean { return this.get(u) !== undefined; }

  private buildIndex(): Map<User, Membership> {
    const ix = new Map<User, Membership>();
    for (const m of this.list) ix.set(m.user, m);
    this.index = ix;
    return ix;
  }

  /** Set `u`'s membership to `m` (m.user === u), replacing any other. */
  set(u: User, m: Membership): this {
    const old = this.get(u);
    if (old === m) return this;
    if (old !== undefined) this.remove(old);
    this.add(m);
    return this;
  }

  /** Append a membership whose user is known not to be a member. */
  add(m: Membership): void {
    m.slot = this.list.length;
    this.list.push(m);
    if (this.index !== null) this.index.set(m.user, m);
  }

  delete(u: User): boolean {
    const m = this.get(u);
    if (m === undefined) return false;
    this.remove(m);
    return true;
  }

  /** Remove a membership this map holds (as get() returned it). */
  remove(m: Membership): void {
    const l = this.list;
    if (l[m.slot] !== m) return;
    const last = l.pop()!;
    if (last !== m) { l[m.slot] = last; last.slot = m.slot; }
    if (this.index !== null) this.index.delete(m.user);
  }

  /** The memberships as they are stored (no copy): for a reader that changes nothing meanwhile (the state digest). */
  array(): readonly Membership[] { return this.list; }

  clear(): void { this.list = []; this.index = null; }

  // Iteration walks a copy, so a membership removed or added meanwhile neither hides nor repeats another.
  *keys(): IterableIterator<User> { for (const m of this.list.slice()) yield m.user; }
  *values(): IterableIterator<Membership> { yield* this.list.slice(); }
  *entries(): IterableIterator<[User, Membership]> { for (const m of this.list.slice()) yield [m.user, m]; }
  [Symbol.iterator](): IterableIterator<[User, Membership]> { return this.entries(); }
}
