// Parse and format TKL lines. Syntax (after the source):
//   TKL + <type> <user> <host> <set_by> <expire_at> <set_at> :<reason>            G Z s Q (k z q)
//   TKL + E <user> <host> <set_by> <expire_at> <set_at> <bantypes> :<reason>
//   TKL + F <targets> <action> <set_by> <expire_at> <set_at> <tkl_duration> <tkl_reason> <match_type> :<match>
//   TKL - <type> <user> <host> <removed_by> [...]
import { parseTs } from '../s2s/validate.ts';
import type { Ts } from '../state/ts.ts';
import { GLOBAL_TKL_TYPES, SPAMFILTER_ACTIONS, type TklEntry } from './types.ts';
import { actionOf, decodeSpace, matchTypeOf, parseDuration, parseTargets, targetsToString } from './spamfilter.ts';

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

/** unreal_match_method_valtostr(): the name UnrealIRCd sends back for a match type ('glob' is 'simple', 'pcre' is 'regex'). */
const MATCH_TYPE_NAME = { simple: 'simple', regex: 'regex', none: 'none' } as const;

/**
 * params = message params (params[0] is '+' or '-'). An entry is kept in the form UnrealIRCd keeps
 * and re-sends it (tkl.c cmd_tkl_add, tkl_sync_send_entry): a spamfilter's targets as the set of
 * known letters in canonical order, its action as the first letter, its ban duration in seconds
 * (config_checkval), its match type by its main name; a Q-line's flag as H or *.
 */
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
      const method = matchTypeOf(matchType);
      if (!method) return { op: 'ignore', why: `bad spamfilter match type ${matchType}` };
      const bits = parseTargets(targets);
      if (!bits) return { op: 'ignore', why: `bad spamfilter targets ${targets}` };
      // banact_chartoval(*parv[4]): the first letter is the action; config-only actions are refused.
      if (!SPAMFILTER_ACTIONS.has(action[0])) return { op: 'ignore', why: `bad spamfilter action ${action}` };
      if (!match) return { op: 'ignore', why: 'empty spamfilter' };
      const sf = { duration: String(parseDuration(duration)), tklReason, matchType: MATCH_TYPE_NAME[method], match };
      return { op: '+', entry: { type, user: targetsToString(bits), host: action[0], setBy, expireAt, setAt, reason: decodeSpace(tklReason), spamfilter: sf } };
    }
    const need = type === 'E' ? 9 : 8;
    if (params.length < need) return { op: 'ignore', why: 'not enough TKL parameters' };
    const [, , user, host, setBy, exp, set] = params;
    const expireAt = parseTime(exp), setAt = parseTime(set);
    if (expireAt === null || setAt === null) return { op: 'ignore', why: 'bad TKL time' };
    if (type !== 'Q' && (user.includes('@') || host.includes('@'))) return { op: 'ignore', why: 'TKL mask contains @' };
    if (!user || !host) return { op: 'ignore', why: 'empty TKL mask' };
    // A Q-line's first field is its hold flag: H (services hold) or anything else, sent back as *.
    const entry: TklEntry = { type, user: type === 'Q' ? (user[0] === 'H' ? 'H' : '*') : user, host, setBy, expireAt, setAt, reason: type === 'E' ? params[8] : params[7] };
    if (type === 'E') entry.bantypes = params[7];
    return { op: '+', entry };
  }
  if (params.length < 5) return { op: 'ignore', why: 'not enough TKL parameters' };
  const [, , user, host, removedBy] = params;
  if (type === 'F') {
    // Match string: parv[11] in the full form, parv[10] or parv[8] in older ones (cmd_tkl_del).
    if (params.length < 8) return { op: 'ignore', why: 'not enough TKL parameters' };
    const match = params.length >= 11 ? params[10] : params.length >= 10 ? params[9] : params[7];
    const bits = parseTargets(user);
    if (!bits) return { op: 'ignore', why: `bad spamfilter targets ${user}` };
    // Any action letter names the entry to remove (config-only ones included, as in cmd_tkl_del).
    if (!actionOf(host)) return { op: 'ignore', why: `bad spamfilter action ${host}` };
    return { op: '-', key: { type, user: targetsToString(bits), host: host[0], spamfilter: { duration: '', tklReason: '', matchType: '', match } }, removedBy, entry: null };
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
