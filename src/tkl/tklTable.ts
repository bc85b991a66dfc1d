import { own } from '../wire/message.ts';
// The in-memory TKL table: every network ban, complete and re-sendable in a burst.
// Merge rule for a re-added entry: conflicts.md §6.
import { isLive, tklKey, type TklEntry } from './types.ts';
import { tsMax, tsMin } from '../state/ts.ts';

export type TklAddResult = { kind: 'added'; entry: TklEntry } | { kind: 'merged'; entry: TklEntry } | { kind: 'unchanged'; entry: TklEntry };

export class TklTable {
  private readonly entries = new Map<string, TklEntry>();

  get size(): number { return this.entries.size; }
  values(): IterableIterator<TklEntry> { return this.entries.values(); }
  get(key: string): TklEntry | undefined { return this.entries.get(key); }

  /** Add or merge. Merge: oldest set_at, permanent-or-longest expiry, set_by greater by strcmp;
   *  reason, bantypes and spamfilter fields stay as they were (conflicts.md §6). */
  add(e: TklEntry, now?: number): TklAddResult {
    const key = tklKey(e);
    let cur = this.entries.get(key);
    // An entry that has already expired only waits for the next expiry run (UnrealIRCd runs it
    // every 5 s): a re-add replaces it instead of merging with it. Otherwise a side that still
    // holds the dead entry would merge its set_by/set_at into the new one, while its peer (which
    // never received the expired entry in the burst) would not.
    if (cur && now !== undefined && !isLive(cur, now)) { this.entries.delete(key); cur = undefined; }
    if (!cur) {
      const copy: TklEntry = { type: e.type, user: own(e.user), host: own(e.host), setBy: own(e.setBy), expireAt: e.expireAt, setAt: e.setAt, reason: own(e.reason) };
      if (e.bantypes !== undefined) copy.bantypes = own(e.bantypes);
      if (e.spamfilter) copy.spamfilter = { duration: own(e.spamfilter.duration), tklReason: own(e.spamfilter.tklReason), matchType: own(e.spamfilter.matchType), match: own(e.spamfilter.match) };
      this.entries.set(key, copy);
      return { kind: 'added', entry: copy };
    }
    if (!(e.setAt < cur.setAt || e.expireAt !== cur.expireAt || e.setBy !== cur.setBy)) return { kind: 'unchanged', entry: cur };
    const setAt = tsMin(cur.setAt, e.setAt);
    const expireAt = cur.expireAt === 0 || e.expireAt === 0 ? 0 : tsMax(cur.expireAt, e.expireAt);
    const setBy = strcmp(e.setBy, cur.setBy) > 0 ? e.setBy : cur.setBy;
    if (setAt === cur.setAt && expireAt === cur.expireAt && setBy === cur.setBy) return { kind: 'unchanged', entry: cur };
    cur.setAt = setAt; cur.expireAt = expireAt; cur.setBy = setBy;
    return { kind: 'merged', entry: cur };
  }

  remove(key: string): TklEntry | undefined {
    const cur = this.entries.get(key);
    if (cur) this.entries.delete(key);
    return cur;
  }

  /** Drop expired entries; returns them. */
  expire(now: number): TklEntry[] {
    const gone: TklEntry[] = [];
    for (const [k, e] of this.entries) if (!isLive(e, now)) { gone.push(e); this.entries.delete(k); }
    return gone;
  }

  countsByType(now: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries.values()) if (isLive(e, now)) out[e.type] = (out[e.type] ?? 0) + 1;
    return out;
  }
}

/** C strcmp on byte strings. */
export function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
