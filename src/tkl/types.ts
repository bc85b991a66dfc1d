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

/** ASCII case folding (UnrealIRCd compares masks with strcasecmp: only A-Z fold). */
function foldAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/**
 * Spamfilter target letters as a set, in UnrealIRCd's order (spamfilter_gettargets() then
 * spamfilter_target_inttostring()): unknown letters are skipped, repeats collapse, "-" for none.
 */
export function canonicalTargets(letters: string): string {
  let out = '';
  for (const c of 'cpnNPqduatTR') if (letters.includes(c)) out += c;
  return out || '-';
}

/**
 * The identity of an entry, as UnrealIRCd finds an existing one (tkl.c find_tkl_serverban,
 * _banexception, _nameban, _spamfilter): server bans and exceptions by type, user mask (with its
 * soft '%') and host mask, case-insensitively; name bans by type and name, case-insensitively,
 * whatever the hold flag; spamfilters by match string (exactly), action letter and target set
 * (not the match type). Two entries with the same key are one entry (conflicts.md §6 merges them).
 */
export function tklKey(e: Pick<TklEntry, 'type' | 'user' | 'host' | 'spamfilter'>): string {
  if (e.type === 'F') return `F\0${e.spamfilter?.match ?? ''}\0${e.host.slice(0, 1)}\0${canonicalTargets(e.user)}`;
  if (e.type === 'Q') return `Q\0*\0${foldAscii(e.host)}`;
  return `${e.type}\0${foldAscii(e.user)}\0${foldAscii(e.host)}`;
}

export function isLive(e: TklEntry, now: Ts): boolean {
  return e.expireAt === 0 || e.expireAt > now;
}
