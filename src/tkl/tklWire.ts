// Parse and format TKL lines. Syntax (after the source):
//   TKL + <type> <user> <host> <set_by> <expire_at> <set_at> :<reason>            G Z s Q (k z q)
//   TKL + E <user> <host> <set_by> <expire_at> <set_at> <bantypes> :<reason>
//   TKL + F <targets> <action> <set_by> <expire_at> <set_at> <tkl_duration> <tkl_reason> <match_type> :<match>
//   TKL - <type> <user> <host> <removed_by> [...]
import { parseTs } from '../s2s/validate.ts';
import type { Ts } from '../state/ts.ts';
import { GLOBAL_TKL_TYPES, SPAMFILTER_ACTIONS, SPAMFILTER_MATCH_TYPES, type TklEntry } from './types.ts';

export type TklParse =
  | { op: '+'; entry: TklEntry }
  | { op: '-'; key: Pick<TklEntry, 'type' | 'user' | 'host' | 'spamfilter'>; removedBy: string; entry: TklEntry | null }
  | { op: 'ignore'; why: string };

/** The last second glibc's gmtime() can express (31 Dec of the year INT_MAX + 1900, 23:59:59 UTC). */
export const GMTIME_MAX = 67768036191676799n;

/**
 * A set-at or expire-at field as tkl.c cmd_tkl_add() takes it: atol() (parseTs()), and the entry
 * refused when the value is negative or not a date short_date() can write (gmtime() fails past
 * GMTIME_MAX, and INT64_MAX is where an overflowing field lands). Anything else is kept, however
 * it was written: '+5' and '5x' are 5, 'abc' is 0 (for an expiry: permanent). Else null.
 */
function parseTime(s: string): Ts | null {
  const v = parseTs(s);
  return v < 0 || v > GMTIME_MAX ? null : v;
}

/** params = message params (params[0] is '+' or '-'). */
export function parseTkl(params: string[]): TklParse {
  const op = params[0];
  const type = params[1];
  if ((op !== '+' && op !== '-') || !type || type.length !== 1) return { op: 'ignore', why: 'bad TKL operation or type' };
  if (!GLOBAL_TKL_TYPES.has(type)) return { op: 'ignore', why: `TKL type ${type} is not a network ban type` };
  if (op === '+') {
    if (type === 'F') {
      if (params.length < 11) return { op: 'ignore', why: 'not enough TKL parameters' };
      const [, , targets, action, setBy, exp, set, duration, tklReason, matchType, match] = params;
      const expireAt = parseTime(exp), setAt = parseTime(set);
      if (expireAt === null || setAt === null) return { op: 'ignore', why: 'bad TKL time' };
      if (!SPAMFILTER_ACTIONS.has(action) || action.length !== 1) return { op: 'ignore', why: `bad spamfilter action ${action}` };
      if (!SPAMFILTER_MATCH_TYPES.has(matchType)) return { op: 'ignore', why: `bad spamfilter match type ${matchType}` };
      if (!match) return { op: 'ignore', why: 'empty spamfilter' };
      return { op: '+', entry: { type, user: targets, host: action, setBy, expireAt, setAt, reason: tklReason.replace(/_/g, ' '), spamfilter: { duration, tklReason, matchType, match } } };
    }
    const need = type === 'E' ? 9 : 8;
    if (params.length < need) return { op: 'ignore', why: 'not enough TKL parameters' };
    const [, , user, host, setBy, exp, set] = params;
    const expireAt = parseTime(exp), setAt = parseTime(set);
    if (expireAt === null || setAt === null) return { op: 'ignore', why: 'bad TKL time' };
    if (type !== 'Q' && (user.includes('@') || host.includes('@'))) return { op: 'ignore', why: 'TKL mask contains @' };
    if (!user || !host) return { op: 'ignore', why: 'empty TKL mask' };
    const entry: TklEntry = { type, user, host, setBy, expireAt, setAt, reason: type === 'E' ? params[8] : params[7] };
    if (type === 'E') entry.bantypes = params[7];
    return { op: '+', entry };
  }
  if (params.length < 5) return { op: 'ignore', why: 'not enough TKL parameters' };
  const [, , user, host, removedBy] = params;
  if (type === 'F') {
    // Match string: parv[11] in the full form, else the last param of older forms.
    const match = params.length >= 11 ? params[10] : params.length >= 10 ? params[9] : params[params.length - 1];
    if (params.length < 8) return { op: 'ignore', why: 'not enough TKL parameters' };
    return { op: '-', key: { type, user, host, spamfilter: { duration: '', tklReason: '', matchType: '', match } }, removedBy, entry: null };
  }
  return { op: '-', key: { type, user, host }, removedBy, entry: null };
}

/** Format an entry as a TKL line (without source). `op` '-' uses `setBy` as the remover. */
export function formatTkl(op: '+' | '-', e: TklEntry, setBy = e.setBy): string {
  const head = `TKL ${op} ${e.type} ${e.user} ${e.host} ${setBy} ${e.expireAt} ${e.setAt}`;
  if (e.type === 'F' && e.spamfilter) {
    const s = e.spamfilter;
    return `${head} ${s.duration} ${s.tklReason} ${s.matchType} :${s.match}`;
  }
  if (e.type === 'E') return `${head} ${e.bantypes || '*'} :${e.reason}`;
  return `${head} :${e.reason}`;
}
