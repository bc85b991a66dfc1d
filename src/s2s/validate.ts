// Syntax checks for identifiers on the wire (protocol README "SID / UID format").
import { CHANNELLEN, HOSTLEN, NICKLEN } from '../wire/limits.ts';
import { validUtf8 } from '../wire/utf8.ts';
import { INT64_MAX, INT64_MIN, tsOf, type Ts } from '../state/ts.ts';

export function validSid(s: string): boolean {
  return /^[0-9][0-9A-Z]{2}$/.test(s);
}

/** /^[0-9][0-9A-Z]{5,11}$/ (as a loop: this runs for every UID of a burst). */
export function validUid(s: string): boolean {
  if (s.length < 6 || s.length > 12) return false;
  const c0 = s.charCodeAt(0);
  if (c0 < 48 || c0 > 57) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) return false;
  }
  return true;
}

export function validServerName(s: string): boolean {
  return s.length <= HOSTLEN && s.includes('.') && /^[A-Za-z0-9.\-_*]+$/.test(s) && !s.startsWith('.');
}

const NICK_SPECIAL = '[]\\`^{}|_-';

/**
 * UnrealIRCd's do_nick_name() for ASCII nicks; bytes >= 0x80 are accepted only as valid UTF-8
 * (utf8 nickchars: an invalid sequence is a bad nick, as UnrealIRCd's charsys has it).
 */
export function validNick(s: string): boolean {
  if (!s || s.length > NICKLEN) return false;
  const c0 = s.charCodeAt(0);
  if ((c0 >= 48 && c0 <= 57) || s[0] === '-') return false;
  let utf8 = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) { utf8 = true; continue; }
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57)) continue;
    if (NICK_SPECIAL.includes(s[i])) continue;
    return false;
  }
  return !utf8 || validUtf8(s);
}

/** valid_host(): letters, digits, and . - : _ / (IPv6 and cloaks included). */
export function validHost(s: string): boolean {
  if (s.length === 0 || s.length > HOSTLEN) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 45 && c <= 58) || c === 95) continue; // a-z A-Z - . / 0-9 : _
    return false;
  }
  return true;
}

/** 1-12 characters, no ASCII white space, '@', '!' or ':'; non-ASCII only as valid UTF-8. */
export function validIdent(s: string): boolean {
  if (s.length === 0 || s.length > 12) return false;
  let utf8 = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 64 || c === 33 || c === 58 || isSpace(c)) return false;
    if (c >= 0x80) utf8 = true;
  }
  return !utf8 || validUtf8(s);
}

/** ASCII white space. */
function isSpace(c: number): boolean {
  // Byte strings: one char per byte, so only ASCII white space can be a space here (0xa0 is a
  // UTF-8 continuation byte, as in "à" = c3 a0; a U+00A0 no-break space is c2 a0).
  return c === 32 || (c >= 9 && c <= 13);
}

/** UID ip field: '*' or base64 of 4 or 16 bytes (8 or 24 characters, '==' padded). */
export function validIpField(s: string): boolean {
  if (s === '*') return true;
  if (s.length !== 8 && s.length !== 24) return false;
  if (s.charCodeAt(s.length - 1) !== 61 || s.charCodeAt(s.length - 2) !== 61) return false;
  for (let i = 0; i < s.length - 2; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47)) return false;
  }
  return true;
}

/** '#', 2..32 bytes, no space, ',', BEL or control character; non-ASCII only as valid UTF-8 (CHANNELCHARS=utf8). */
export function validChannelName(s: string): boolean {
  if (s.length < 2 || s.length > CHANNELLEN || s[0] !== '#') return false;
  let utf8 = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 44 || c === 7 || c < 32) return false;
    if (c >= 0x80) utf8 = true;
  }
  return !utf8 || validUtf8(s);
}

/**
 * A TS field as UnrealIRCd reads it: atol() into a 64-bit time_t (glibc strtol semantics).
 * Leading white space (C locale: space, \t \n \v \f \r) and one '+' or '-' are skipped, the
 * decimal digits that follow are the value, reading stops at the first non-digit; no digits give
 * 0; beyond the int64 range the value is clamped to INT64_MIN / INT64_MAX. Exact for the whole
 * range (state/ts.ts: a number while safe, else a bigint). Each caller decides, as UnrealIRCd's
 * handler does, what a 0, a negative or an out-of-range value means for its field.
 */
export function parseTs(s: string): Ts {
  let i = 0;
  let c = s.charCodeAt(0); // NaN past the end: every comparison below is then false
  while (c === 32 || (c >= 9 && c <= 13)) c = s.charCodeAt(++i);
  let neg = false;
  if (c === 45 /* - */) { neg = true; c = s.charCodeAt(++i); } else if (c === 43 /* + */) c = s.charCodeAt(++i);
  const start = i;
  let v = 0;
  while (c >= 48 && c <= 57) { v = v * 10 + (c - 48); c = s.charCodeAt(++i); }
  // Up to 15 digits the sum is exact (and a safe integer); longer ones are read again exactly.
  if (i - start <= 15) return neg ? (v === 0 ? 0 : -v) : v;
  return longDigits(s, start, i, neg);
}

/** parseTs() for 16 digits or more: s[start, end) are the digits. */
function longDigits(s: string, start: number, end: number, neg: boolean): Ts {
  while (start < end && s.charCodeAt(start) === 48) start++;
  if (end - start > 19) return neg ? INT64_MIN : INT64_MAX;
  let b = BigInt(s.slice(start, end));
  if (neg) b = -b;
  return tsOf(b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b);
}
