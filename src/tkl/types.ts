// Network-wide bans (TKL) as they travel on the wire (shared protocol commands.md "Bans: TKL").
import type { Ts } from '../state/ts.ts';

/** TKL type letters that are global (synced between servers). */
export const GLOBAL_TKL_TYPES = new Set(['G', 'Z', 's', 'Q', 'F', 'E']);
/** Spamfilter actions allowed on the wire (config-only 1, r, 0 are not). */
export const SPAMFILTER_ACTIONS = new Set('KiSTsHkIzgGZbBdDvVwW'.split(''));
export const SPAMFILTER_TARGETS = new Set('cpnNPqduatTR'.split(''));
export const SPAMFILTER_MATCH_TYPES = new Set(['simple', 'glob', 'regex', 'pcre', 'none']);

export interface TklEntry {
  type: string;
  /** Server bans/E: user mask (may start with % for soft bans, or be an extban prefix "~account:").
   *  Q: 'H' or '*'.  F: target letters. */
  user: string;
  /** Server bans/E: host mask.  Q: nick mask.  F: action letter. */
  host: string;
  setBy: string;
  /** Unix time; 0 = permanent. 0 to 67768036191676799 (tklWire.ts parseTime()), exact (state/ts.ts). */
  expireAt: Ts;
  setAt: Ts;
  reason: string;
  /** E only: letters of the TKL types exempted. */
  bantypes?: string;
  /** F only. */
  spamfilter?: { duration: string; tklReason: string; matchType: string; match: string };
}

/** The identity of an entry (conflicts.md §6). */
export function tklKey(e: Pick<TklEntry, 'type' | 'user' | 'host' | 'spamfilter'>): string {
  if (e.type === 'F') return `F\0${e.spamfilter?.match ?? ''}\0${e.host}\0${e.user}`;
  return `${e.type}\0${e.user}\0${e.host}`;
}

export function isLive(e: TklEntry, now: Ts): boolean {
  return e.expireAt === 0 || e.expireAt > now;
}
