// Ban masks (+b/+e/+I entries) in UnrealIRCd's normal form, as its clean_ban_mask() (src/channel.c)
// leaves them for a remote source (a server, or a user on another server): what a hub stores, bursts
// and relays for any +b/+e/+I, from MODE and from SJOIN alike. Written from the behaviour of
// UnrealIRCd 6.1.8.1 (src/channel.c clean_ban_mask(), convert_regular_ban(), trim_str();
// src/misc.c make_nick_user_host_r(); src/api-extban.c findmod_by_bantype(),
// extban_conv_param_nuh[_or_extban](), prefix_with_extban(); each extban module's conv_param in
// src/modules/extbans/*.c and chanmodes/link.c for ~forward):
//
//  * a leading run of ':' is dropped; the mask ends at its first space; any other byte <= 0x20
//    rejects it; at most 511 bytes are looked at;
//  * nick!user@host completion: "bar" -> "bar!*@*", "c!d" -> "c!d@*", "e@" -> "*!e@*",
//    "1.2.3.4" (a '.' or ':' and no '!'/'@') -> "*!*@1.2.3.4"; an empty part is '*'; a part over
//    its length (nick 30, user 10, host 63) keeps its last characters behind a '*'
//    ("*" + the last 29 of the nick); the whole mask is cut at 78 bytes (UnrealIRCd's buffer);
//    "~x" without '@' and without ':' is no mask at all;
//  * extended bans ("~" ... ":" ...): the name or letter picks the extban ("~t:5:x" is "~time:5:x");
//    an unknown one is kept exactly as it came (a remote source may use a module we lack);
//    a known one is rewritten by its own conversion and written with its name;
//  * nothing else (no case folding: entries compare case-insensitively, see sameBan()).
//
// Pure except for ~inherit, whose conversion counts the ~inherit entries already on the channel's
// list (extbans/inherit.c: at most one per +b and +I list by default, and one on +e).
import { validUtf8 } from '../wire/utf8.ts';
import type { Channel, ListEntry, ListMode } from '../state/model.ts';
import type { MapLike } from '../state/smallMap.ts';
import type { Ts } from '../state/ts.ts';
import { CHANNELLEN, HOSTLEN, NICKLEN, REALLEN, USERLEN } from '../wire/limits.ts';

/** MODE_ADD / MODE_DEL, and the "neither" a ~time inner mask is converted with (timedban.c builds a fresh context). */
export type BanWhat = 'add' | 'del' | 'none';

/** Where a mask is being converted: the list it goes to, and the channel (for ~inherit's count). */
export interface BanContext {
  what: BanWhat;
  type: ListMode;
  channel: Channel | null;
}

/** The normal form of `mask` for the list `type` of `channel`, or null when UnrealIRCd rejects it. */
export function normalBan(mask: string, type: ListMode, what: BanWhat = 'add', channel: Channel | null = null): string | null {
  // The usual case first: a plain nick!user@host mask already in normal form comes back as it is.
  if (isPlainNormal(mask)) return mask;
  return cleanBanMask(mask, { what, type, channel });
}

/**
 * True for a mask that clean_ban_mask() returns unchanged without an extban lookup: n!u@h with
 * exactly one '!' before the last '@' (nick, user, host non-empty and within their lengths, at
 * most 78 bytes in all), no byte <= 0x20, not starting with ':' or '~'.
 */
function isPlainNormal(m: string): boolean {
  const n = m.length;
  if (n < 5 || n > 78) return false;
  let bang = -1, at = -1;
  for (let i = 0; i < n; i++) {
    const c = m.charCodeAt(i);
    if (c <= 32) return false;
    if (c === 33 /* ! */ && bang < 0) bang = i;
    else if (c === 64 /* @ */) at = i;
  }
  const c0 = m.charCodeAt(0);
  if (c0 === 58 /* : */ || c0 === 126 /* ~ */) return false;
  // nick = [0, bang), user = (bang, at), host = (at, n); the '@' must be after the '!'.
  return bang > 0 && at > bang + 1 && at < n - 1 && bang <= NICKLEN && at - bang - 1 <= USERLEN && n - at - 1 <= HOSTLEN;
}

/** clean_ban_mask() for a remote source. */
export function cleanBanMask(maskIn: string, ctx: BanContext): string | null {
  let i = 0;
  while (i < maskIn.length && maskIn.charCodeAt(i) === 58 /* : */) i++;
  if (i === maskIn.length) return null;
  let mask = maskIn.slice(i, i + 511);
  const sp = mask.indexOf(' ');
  if (sp >= 0) mask = mask.slice(0, sp);
  if (hasControlOrSpace(mask)) return null;
  if (isExtendedBan(mask)) {
    const found = findExtban(mask);
    if (found === null) return mask; // unknown (or nothing after its ':'): allowed from a remote source, unchanged
    return withName(found.extban, found.extban.conv(found.rest, ctx, NO_STATE), 511);
  }
  return convertRegularBan(mask, 78);
}

/** Any byte <= 0x20 (UnrealIRCd is built with unsigned chars: bytes >= 0x80 are fine). */
function hasControlOrSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) <= 32) return true;
  return false;
}

/** is_extended_ban(): '~' first and a ':' somewhere after it. */
export function isExtendedBan(s: string): boolean {
  return s.charCodeAt(0) === 126 /* ~ */ && s.indexOf(':', 1) > 0;
}

/** trim_str(): a string over `len` keeps its last len - 1 characters behind a '*'. */
function trimPart(s: string | null, len: number): string | null {
  if (s === null || s.length <= len) return s;
  return '*' + s.slice(s.length - len + 1);
}

/** make_nick_user_host_r(): missing or empty parts are '*'; the result is cut to bufLen bytes. */
function nickUserHost(nick: string | null, user: string | null, host: string | null, bufLen: number): string {
  const part = (x: string | null, max: number) => (x ? (x.length > max ? x.slice(0, max) : x) : '*');
  const s = part(nick, NICKLEN + 1) + '!' + part(user, USERLEN + 1) + '@' + part(host, HOSTLEN + 1);
  return s.length > bufLen ? s.slice(0, bufLen) : s;
}

/** convert_regular_ban(): nick!user@host completion and trimming; null when rejected. */
function convertRegularBan(mask: string, bufLen: number): string | null {
  if (mask === '') return null;
  if (mask.charCodeAt(0) === 126 /* ~ */ && mask.indexOf('@') < 0) return null; // looks like an extban, is no n!u@h
  const bang = mask.indexOf('!');
  const nick = bang >= 0 ? mask.slice(0, bang) : mask;
  let user: string | null = bang >= 0 ? mask.slice(bang + 1) : null;
  const hostIn = user !== null ? user : nick;
  const at = hostIn.lastIndexOf('@');
  if (at >= 0) {
    const host = hostIn.slice(at + 1);
    if (user === null) return nickUserHost(null, trimPart(hostIn.slice(0, at), USERLEN), trimPart(host, HOSTLEN), bufLen);
    user = hostIn.slice(0, at);
    return nickUserHost(trimPart(nick, NICKLEN), trimPart(user, USERLEN), trimPart(host, HOSTLEN), bufLen);
  }
  if (user === null && (mask.indexOf('.') >= 0 || mask.indexOf(':') >= 0)) return nickUserHost(null, null, trimPart(mask, HOSTLEN), bufLen);
  return nickUserHost(trimPart(nick, NICKLEN), trimPart(user, USERLEN), null, bufLen);
}

// ---------------------------------------------------------------- extended bans

/** Recursion guards that are static variables in UnrealIRCd (nuh_or_extban stacking, ~time inside ~time). */
interface ConvState { stacked: boolean; timed: boolean }
const NO_STATE: ConvState = { stacked: false, timed: false };

interface Extban {
  letter: string;
  name: string;
  /** EXTBOPT_ACTMODIFIER or EXTBOPT_NOSTACKCHILD: may not be stacked inside another extban. */
  noStack: boolean;
  /** The extban's conv_param for the part after "~name:"; null rejects the mask. */
  conv(rest: string, ctx: BanContext, st: ConvState): string | null;
}

/** prefix_with_extban(): "~name:" + the converted rest (named extbans are UnrealIRCd's default), cut to max bytes. */
function withName(e: Extban, rest: string | null, max: number): string | null {
  if (rest === null) return null;
  const s = `~${e.name}:${rest}`;
  return s.length > max ? s.slice(0, max) : s;
}

/** findmod_by_bantype(): the extban named (or lettered) between '~' and the first ':', and what follows. */
function findExtban(s: string): { extban: Extban; rest: string } | null {
  const p = s.indexOf(':');
  if (p < 0 || p + 1 >= s.length) return null;
  const key = s.slice(1, p);
  const e = key.length === 1 ? BY_LETTER.get(key) : BY_NAME.get(key);
  return e === undefined ? null : { extban: e, rest: s.slice(p + 1) };
}

/** extban_conv_param_nuh(): the rest as a nick!user@host mask (at most 134 bytes). */
function convNuh(rest: string): string | null {
  const max = USERLEN + NICKLEN + HOSTLEN + 31;
  return convertRegularBan(rest.length > max ? rest.slice(0, max) : rest, max);
}

/** extban_conv_param_nuh_or_extban(): a n!u@h mask, or one stacked extban that is not an action modifier. */
function convNuhOrExtban(rest: string, ctx: BanContext, st: ConvState): string | null {
  if (!isExtendedBan(rest)) return convNuh(rest);
  if (st.stacked) return null; // only one level of stacking
  const max = USERLEN + NICKLEN + HOSTLEN + 31;
  const cut = rest.length > max ? rest.slice(0, max) : rest;
  const found = findExtban(cut);
  if (found === null) return rest; // an unknown stacked extban: kept as it is
  if (found.extban.noStack) return null;
  return withName(found.extban, found.extban.conv(found.rest, ctx, { ...st, stacked: true }), 255);
}

/** timedban.c generic_clean_ban_mask(): clean_ban_mask() for the mask inside ~time, where an unknown extban is refused. */
function cleanInnerMask(s: string, ctx: BanContext, st: ConvState): string | null {
  let m = s.length > 511 ? s.slice(0, 511) : s;
  const sp = m.indexOf(' ');
  if (sp >= 0) m = m.slice(0, sp);
  let i = 0;
  while (i < m.length && m.charCodeAt(i) === 58) i++;
  if (i > 0) m = m.slice(i);
  if (m === '' || hasControlOrSpace(m)) return null;
  if (isExtendedBan(m)) {
    const found = findExtban(m);
    if (found === null) return null;
    return withName(found.extban, found.extban.conv(found.rest, ctx, st), 511);
  }
  return convertRegularBan(m, 78);
}

/** strlcpy() into a buffer of `size` bytes. */
const cut = (s: string, size: number) => (s.length >= size ? s.slice(0, size - 1) : s);

const ASCII_LOWER = /[A-Z]+/g, ASCII_UPPER = /[a-z]+/g;
const lower = (s: string) => s.replace(ASCII_LOWER, (m) => m.toLowerCase());
const upper = (s: string) => s.replace(ASCII_UPPER, (m) => m.toUpperCase());

/** valid_channelname() with set::allowed-channelchars utf8 (what tslink announces): '#', at most 32 bytes, no byte < 33, ',' or ':', valid UTF-8. */
export function validChannelNameUtf8(s: string): boolean {
  if (s.charCodeAt(0) !== 35 /* # */ || s.length > CHANNELLEN) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 33 || c === 44 || c === 58) return false;
  }
  return validUtf8(s);
}

/** glibc atoi(): strtol() (white space, one sign, digits; clamped to the 64-bit range) taken as a 32-bit int. */
export function atoi(s: string): number {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 32 || (s.charCodeAt(i) >= 9 && s.charCodeAt(i) <= 13))) i++;
  let neg = false;
  if (s[i] === '-' || s[i] === '+') { neg = s[i] === '-'; i++; }
  const start = i;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === start) return 0;
  const digits = s.slice(start, i);
  if (digits.length <= 9) return neg ? -Number(digits) : Number(digits);
  let v = BigInt(digits);
  if (neg) v = -v;
  const MAX = (1n << 63n) - 1n, MIN = -(1n << 63n);
  if (v > MAX) v = MAX; else if (v < MIN) v = MIN;
  return Number(BigInt.asIntN(32, v));
}

/** The inherit limits (extbans/inherit.c defaults: set::max-inherit-{bans,exempts,invex} 1, 0, 1). */
const INHERIT_LIMIT: Record<ListMode, number> = { b: 1, e: 0, I: 1 };

/** exceeds_inherit_ban_count(): is there already an ~inherit entry (~time wrapped or not) at the limit? */
function inheritCountExceeded(ch: Channel, type: ListMode): boolean {
  const limit = INHERIT_LIMIT[type];
  let n = 0;
  for (const mask of (ch.lists[type] as MapLike<string, ListEntry>).keys()) {
    let m = mask;
    if (m.startsWith('~t:') || m.startsWith('~time:')) {
      const p = m.indexOf(':', m.startsWith('~t:') ? 3 : 6);
      if (p < 0) continue;
      m = m.slice(p + 1);
    }
    if ((lower(m.slice(0, 9)) === '~inherit:' || m.startsWith('~i:')) && ++n >= limit) return true;
  }
  return false;
}

const MSGBYPASS_TYPES = new Set(['external', 'moderated', 'censor', 'color', 'notice']);

/** Split "a:b" at its first ':' into [a, b] with b non-empty, else null. */
function splitFirst(s: string): [string, string] | null {
  const p = s.indexOf(':');
  if (p < 0 || p + 1 >= s.length) return null;
  return [s.slice(0, p), s.slice(p + 1)];
}

const EXTBANS: Extban[] = [
  // extbans/account.c
  { letter: 'a', name: 'account', noStack: false, conv: (r) => (r === '' ? null : cut(r, NICKLEN + 4)) },
  // extbans/asn.c: digits only, as an unsigned 32-bit number (strtoul, clamped, then cast)
  { letter: 'A', name: 'asn', noStack: false, conv: (r) => {
    if (!/^[0-9]+$/.test(r)) return null;
    let v = BigInt(r);
    if (v > 0xffffffffffffffffn) v = 0xffffffffffffffffn;
    return String(BigInt.asUintN(32, v));
  } },
  // extbans/certfp.c: cut to 128, lower case
  { letter: 'S', name: 'certfp', noStack: false, conv: (r) => lower(cut(r, 129)) },
  // extbans/country.c: cut to 63, upper case
  { letter: 'C', name: 'country', noStack: false, conv: (r) => upper(cut(r, 64)) },
  // extbans/inchannel.c: [+%@&~]#channel, a valid channel name
  { letter: 'c', name: 'channel', noStack: false, conv: (r) => {
    const s = cut(r, CHANNELLEN + 6);
    const chan = '+%@&~'.includes(s[0] ?? '\0') ? s.slice(1) : s;
    if (chan[0] !== '#' && chan[0] !== '*' && chan[0] !== '?') return null;
    return validChannelNameUtf8(chan) ? s : null;
  } },
  // extbans/inherit.c
  { letter: 'i', name: 'inherit', noStack: true, conv: (r, ctx) => {
    const s = cut(r, CHANNELLEN + 1);
    if (ctx.what === 'del') return s;
    if (!validChannelNameUtf8(s)) return null;
    if (ctx.channel !== null && inheritCountExceeded(ctx.channel, ctx.type)) return null;
    return s;
  } },
  // extbans/join.c, nickchange.c, partmsg.c, quiet.c: action modifiers over a n!u@h or stacked extban
  { letter: 'j', name: 'join', noStack: true, conv: convNuhOrExtban },
  { letter: 'n', name: 'nickchange', noStack: true, conv: convNuhOrExtban },
  { letter: 'p', name: 'partmsg', noStack: true, conv: convNuhOrExtban },
  { letter: 'q', name: 'quiet', noStack: true, conv: convNuhOrExtban },
  // extbans/msgbypass.c: ~msgbypass:<type>:<mask>
  { letter: 'm', name: 'msgbypass', noStack: true, conv: (r, ctx, st) => {
    const parts = splitFirst(cut(r, 129));
    if (parts === null || !MSGBYPASS_TYPES.has(parts[0])) return null;
    const m = convNuhOrExtban(parts[1], ctx, st);
    return m ? cut(`${parts[0]}:${m}`, 129) : null;
  } },
  // extbans/flood.c: ~flood:<types>:<mask>, types at most 16 characters (not checked further for a remote source)
  { letter: 'F', name: 'flood', noStack: true, conv: (r, ctx, st) => {
    const parts = splitFirst(cut(r, 129));
    if (parts === null || parts[0].length > 16) return null;
    const m = convNuhOrExtban(parts[1], ctx, st);
    return m ? cut(`${parts[0]}:${m}`, 129) : null;
  } },
  // extbans/operclass.c: cut at the first character that is not [A-Za-z0-9_-*?]
  { letter: 'O', name: 'operclass', noStack: false, conv: (r) => {
    const s = cut(r, 64 + 4);
    const m = /[^A-Za-z0-9\-_*?]/.exec(s);
    return m ? s.slice(0, m.index) : s;
  } },
  // extbans/realname.c: at most REALLEN, a leading '~' becomes '?'
  { letter: 'r', name: 'realname', noStack: false, conv: (r) => {
    let s = cut(r, REALLEN + 8);
    if (s === '') return null;
    if (s.length > REALLEN) s = s.slice(0, REALLEN);
    return s[0] === '~' ? '?' + s.slice(1) : s;
  } },
  // extbans/securitygroup.c: [!]<name>, the name 1-48 of [A-Za-z0-9_-]
  { letter: 'G', name: 'security-group', noStack: false, conv: (r) => {
    const s = cut(r, 48 + 8);
    const name = s[0] === '!' ? s.slice(1) : s;
    return name !== '' && name.length <= 48 && /^[A-Za-z0-9_-]+$/.test(name) ? s : null;
  } },
  // extbans/textban.c: ~text:block:<glob> (given '*' at both ends) or ~text:censor:<word>
  { letter: 'T', name: 'text', noStack: true, conv: (r) => {
    const s = cut(r, 151);
    const p = s.indexOf(':');
    if (p < 0 || p + 1 >= s.length) return null;
    let action = lower(s.slice(0, p));
    let text = s.slice(p + 1);
    if (action === 'block') {
      action = 'block';
      text = (text[0] !== '*' ? '*' : '') + text + (text[text.length - 1] !== '*' ? '*' : '');
    } else if (action === 'censor') {
      for (let k = 1; k < text.length - 1; k++) if (text[k] === '*') return null; // only *word, word*, *word* or word
    } else return null;
    if (/[\x02\x03\x16\x1f ]/.test(text)) return null;
    return cut(`${action}:${text}`, 151);
  } },
  // extbans/timedban.c: ~time:<1-9999 minutes>:<mask or extban>
  { letter: 't', name: 'time', noStack: true, conv: (r, ctx, st) => {
    if (st.timed) return null;
    const parts = splitFirst(cut(r, 129));
    if (parts === null) return null;
    const minutes = atoi(parts[0]);
    if (minutes <= 0 || minutes > 9999) return null;
    // generic_clean_ban_mask() with a fresh context: same list and channel, neither add nor del.
    const inner = cleanInnerMask(parts[1], { what: 'none', type: ctx.type, channel: ctx.channel }, { ...st, timed: true });
    if (inner === null || inner.length <= 1) return null;
    return cut(`${minutes}:${inner}`, 129);
  } },
  // chanmodes/link.c: ~forward:#channel:<mask or extban>
  { letter: 'f', name: 'forward', noStack: true, conv: (r, ctx, st) => {
    const parts = splitFirst(cut(r, 129));
    if (parts === null || !validChannelNameUtf8(parts[0])) return null;
    const m = convNuhOrExtban(parts[1], ctx, st);
    return m ? cut(`${parts[0]}:${m}`, 129) : null;
  } },
];

const BY_LETTER = new Map(EXTBANS.map((e) => [e.letter, e]));
const BY_NAME = new Map(EXTBANS.map((e) => [e.name, e]));

/** Extban names and letters UnrealIRCd 6 ships (for tests and generators). */
export const EXTBAN_NAMES: readonly { letter: string; name: string }[] = EXTBANS.map((e) => ({ letter: e.letter, name: e.name }));

// ---------------------------------------------------------------- list entries

/** identical_ban(): two entries are the same when they are equal under ASCII case folding. */
export function sameBan(a: string, b: string): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  if (a === b) return true;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}

/** The stored mask of the entry `mask` is the same as (sameBan), or undefined. */
export function findBan(list: MapLike<string, ListEntry>, mask: string): string | undefined {
  if (list.size === 0) return undefined;
  if (list.has(mask)) return mask;
  for (const k of list.keys()) if (sameBan(k, mask)) return k;
  return undefined;
}

/** Max entries per list mode (b/e/I) kept from anyone: a hard cap so no peer can grow a channel without bound. */
export const MAX_LIST_ENTRIES = 1000;

/**
 * add_listmode_ex(): add `mask` (normal form) to a list. An entry that is the same (sameBan) is
 * replaced only by an older one (setAt earlier than the stored one, or a stored one of 0 or less):
 * then it takes the new mask's case, setter and time. Returns 'added', 'updated' or null (nothing).
 */
export function addBan(list: MapLike<string, ListEntry>, mask: string, setBy: string, setAt: Ts): 'added' | 'updated' | null {
  const old = findBan(list, mask);
  if (old === undefined) {
    if (list.size >= MAX_LIST_ENTRIES) return null;
    list.set(mask, { setBy, setAt });
    return 'added';
  }
  const cur = list.get(old)!;
  if (cur.setAt > 0 && setAt >= cur.setAt) return null;
  if (old !== mask) list.delete(old);
  list.set(mask, { setBy, setAt });
  return 'updated';
}

/** del_listmode(): remove the entry that is the same as `mask`; false when there is none. */
export function delBan(list: MapLike<string, ListEntry>, mask: string): boolean {
  const old = findBan(list, mask);
  return old !== undefined && list.delete(old);
}

export { validUtf8 };
