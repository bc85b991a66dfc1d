// Every TKL type UnrealIRCd 6 knows (src/modules/tkl.c tkl_types[]), and UnrealIRCd's rules for
// the wire entries written out on their own: an entry's identity and a spamfilter's canonical
// fields. The engine applies the same rules through src/tkl/types.ts tklKey() and tklWire.ts
// parseTkl() (test/tkl/tklRules.test.ts checks they agree).
import type { TklEntry } from './types.ts';
import { casefold } from '../wire/casemap.ts';
import { parseDuration, parseTargets, targetsToString } from './spamfilter.ts';

export type TklKind = 'serverban' | 'nameban' | 'spamfilter' | 'exception' | 'exception-only';

export interface TklTypeInfo {
  letter: string;
  /** Config name (ban/except type names, JSON-RPC type names). */
  name: string;
  /** Shown in logs and notices. */
  logName: string;
  kind: TklKind;
  /** Synced between servers (TKL on the wire). */
  global: boolean;
  /** A type TKL carries (false: only an exception letter). */
  tkl: boolean;
  /** Usable as an E-line type letter. */
  exceptionType: boolean;
  /** As an exception type, it must be placed on *@IP (checked before DNS and ident). */
  needsIp: boolean;
}

const T = (letter: string, name: string, logName: string, kind: TklKind, global: boolean, tkl: boolean, exceptionType: boolean, needsIp: boolean): TklTypeInfo =>
  ({ letter, name, logName, kind, global, tkl, exceptionType, needsIp });

/** tkl_types[] of UnrealIRCd 6.1.8.1, in its order. */
export const TKL_TYPES: readonly TklTypeInfo[] = [
  T('G', 'gline', 'G-Line', 'serverban', true, true, true, false),
  T('k', 'kline', 'K-Line', 'serverban', false, true, true, false),
  T('Z', 'gzline', 'Global Z-Line', 'serverban', true, true, true, true),
  T('z', 'zline', 'Z-Line', 'serverban', false, true, true, true),
  T('F', 'spamfilter', 'Spamfilter', 'spamfilter', true, true, true, false),
  T('Q', 'qline', 'Q-Line', 'nameban', true, true, true, false),
  T('E', 'except', 'Exception', 'exception', true, true, false, false),
  T('s', 'shun', 'Shun', 'serverban', true, true, true, false),
  T('q', 'local-qline', 'Local Q-Line', 'nameban', false, true, false, false),
  T('e', 'local-exception', 'Local Exception', 'exception', false, true, false, false),
  T('f', 'local-spamfilter', 'Local Spamfilter', 'spamfilter', false, true, false, false),
  T('b', 'blacklist', 'Blacklist', 'exception-only', false, false, true, true),
  T('c', 'connect-flood', 'Connect flood', 'exception-only', false, false, true, false),
  T('m', 'maxperip', 'Max-per-IP', 'exception-only', false, false, true, false),
  T('d', 'handshake-data-flood', 'Handshake data flood', 'exception-only', false, false, true, true),
  T('r', 'antirandom', 'Antirandom', 'exception-only', false, false, true, false),
  T('8', 'antimixedutf8', 'Antimixedutf8', 'exception-only', false, false, true, false),
  T('v', 'ban-version', 'Ban Version', 'exception-only', false, false, true, false),
];

const BY_LETTER = new Map(TKL_TYPES.map((t) => [t.letter, t]));
export const tklType = (letter: string): TklTypeInfo | undefined => BY_LETTER.get(letter);

/** An except ban {} type name to letters ("all" = every exception type but the Q-line). */
export function exceptionLettersForName(name: string): string | null {
  if (name.toLowerCase() === 'all') return TKL_TYPES.filter((t) => t.exceptionType && t.kind !== 'nameban').map((t) => t.letter).join('');
  const t = TKL_TYPES.find((x) => x.exceptionType && x.name === name.toLowerCase());
  return t ? t.letter : null;
}

/**
 * UnrealIRCd's identity of an entry (find_tkl_serverban / _banexception / _nameban / _spamfilter):
 * server bans and exceptions: type, user mask and host mask compared case-insensitively (ASCII),
 * and the soft flag; name bans: type and name, case-insensitively, whatever the hold flag;
 * spamfilters: the match string exactly, the action letter and the target set (order and
 * unknown letters do not matter; the match type does not count). tklKey() is the same identity.
 */
export function unrealTklKey(e: Pick<TklEntry, 'type' | 'user' | 'host' | 'spamfilter'>): string {
  const t = BY_LETTER.get(e.type);
  if (t?.kind === 'spamfilter') return `${e.type}\0${e.spamfilter?.match ?? ''}\0${e.host[0] ?? ''}\0${parseTargets(e.user)}`;
  if (t?.kind === 'nameban') return `${e.type}\0${casefold(e.host)}`;
  const soft = e.user.charCodeAt(0) === 37;
  return `${e.type}\0${soft ? '%' : ''}${casefold(soft ? e.user.slice(1) : e.user)}\0${casefold(e.host)}`;
}

/** A spamfilter entry as UnrealIRCd re-sends it: targets in canonical order, ban duration in seconds. */
export function canonicalSpamfilter(e: TklEntry): TklEntry {
  if (!e.spamfilter) return e;
  return { ...e, user: targetsToString(parseTargets(e.user)), host: e.host[0] ?? e.host, spamfilter: { ...e.spamfilter, duration: String(parseDuration(e.spamfilter.duration)) } };
}
