// Tombstones of removed network bans (issue 15 item 5, beyond UnrealIRCd): the known weakness of
// IRC networks is a ban removed while a server was split coming back when that server relinks
// and bursts it again. A tombstone remembers the removal until the ban's own expiry; a re-add
// of the same ban whose set-at is not newer than the removal is refused (the node answers it
// with the standard TKL -, so the network converges on the removal).
//
// Bounded: at most `max` tombstones; beyond that the oldest removals are forgotten first.
// Permanent bans' tombstones live until evicted that way.
import type { TklEntry } from '../tkl/types.ts';
import { tklKey } from '../tkl/types.ts';
import type { Tombstone } from './types.ts';

export const DEFAULT_MAX_TOMBSTONES = 100_000;

export function tombstoneFor(e: TklEntry, removedAt: number, removedBy: string): Tombstone {
  const t: Tombstone = { key: tklKey(e), type: e.type, user: e.user, host: e.host, removedAt, removedBy, setAt: e.setAt, expireAt: e.expireAt };
  if (e.spamfilter) t.match = e.spamfilter.match;
  return t;
}

export function tombstoneLive(t: Tombstone, now: number): boolean {
  return t.expireAt === 0 || t.expireAt > now;
}

export class TombstoneSet {
  /** Insertion order = removal order (a re-recorded key moves to the end). */
  private readonly byKey = new Map<string, Tombstone>();

  constructor(readonly max = DEFAULT_MAX_TOMBSTONES) {}

  get size(): number { return this.byKey.size; }
  values(): IterableIterator<Tombstone> { return this.byKey.values(); }
  get(key: string): Tombstone | undefined { return this.byKey.get(key); }

  /** Record a removal; returns the tombstones evicted to stay within `max`. */
  add(t: Tombstone): Tombstone[] {
    this.byKey.delete(t.key);
    this.byKey.set(t.key, t);
    const evicted: Tombstone[] = [];
    while (this.byKey.size > this.max) {
      const oldest = this.byKey.values().next().value as Tombstone;
      this.byKey.delete(oldest.key);
      evicted.push(oldest);
    }
    return evicted;
  }

  delete(key: string): boolean { return this.byKey.delete(key); }

  /** The tombstone that refuses this re-add (live, and the entry's set-at <= the removal time), or null. */
  refuse(e: TklEntry, now: number): Tombstone | null {
    const t = this.byKey.get(tklKey(e));
    if (!t || !tombstoneLive(t, now)) return null;
    return e.setAt <= t.removedAt ? t : null;
  }

  /** Drop the tombstones whose ban would have expired by now; returns them. */
  expire(now: number): Tombstone[] {
    const gone: Tombstone[] = [];
    for (const t of this.byKey.values()) if (!tombstoneLive(t, now)) gone.push(t);
    for (const t of gone) this.byKey.delete(t.key);
    return gone;
  }
}
