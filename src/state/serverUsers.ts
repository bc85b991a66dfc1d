// The users of one server: an array in which each user knows its slot (User.serverSlot; -1 or
// absent when in none), so adding appends and removing moves the last user into the freed slot,
// both O(1) without a hash table (a user belongs to exactly one server). Iteration walks a copy, so removing users while
// iterating (a netsplit) neither skips nor repeats one.
import type { User } from './model.ts';

export class ServerUsers implements Iterable<User> {
  private list: User[] = [];

  get size(): number { return this.list.length; }

  has(u: User): boolean {
    const i = u.serverSlot ?? -1;
    return i >= 0 && this.list[i] === u;
  }

  /** Add a user not yet in the list. */
  add(u: User): this {
    if (this.has(u)) return this;
    u.serverSlot = this.list.length;
    this.list.push(u);
    return this;
  }

  delete(u: User): boolean {
    if (!this.has(u)) return false;
    const l = this.list, i = u.serverSlot!;
    const last = l.pop()!;
    if (last !== u) { l[i] = last; last.serverSlot = i; }
    u.serverSlot = -1;
    return true;
  }

  *values(): IterableIterator<User> { yield* this.list.slice(); }
  [Symbol.iterator](): IterableIterator<User> { return this.values(); }
}
