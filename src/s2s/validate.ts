// Syntax checks for identifiers on the wire (protocol README "SID / UID format").
import { CHANNELLEN, HOSTLEN, NICKLEN } from '../wire/limits.ts';

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

/** UnrealIRCd's do_nick_name() for ASCII nicks; bytes >= 0x80 are accepted (utf8 nickchars). */
export function validNick(s: string): boolean {
  if (!s || s.length > NICKLEN) return false;
  const c0 = s.charCodeAt(0);
  if ((c0 >= 48 && c0 <= 57) || s[0] === '-') return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) continue;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57)) continue;
    if (NICK_SPECIAL.includes(s[i])) continue;
    return false;
  }
  return true;
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

/** 1-12 characters, none of them white space (as /\s/ has it), '@', '!' or ':'. */
export function validIdent(s: string): boolean {
  if (s.length === 0 || s.length > 12) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 64 || c === 33 || c === 58 || isSpace(c)) return false;
  }
  return true;
}

/** The characters /\s/ matches. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a)
    || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
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

export function validChannelName(s: string): boolean {
  if (s.length < 2 || s.length > CHANNELLEN || s[0] !== '#') return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 44 || c === 7 || c < 32) return false;
  }
  return true;
}

/** An integer /^-?\d+$/ as a number, else null. */
export function parseTs(s: string | undefined): number | null {
  if (s === undefined) return null;
  let i = s.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (i >= s.length) return null;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(s);
}
