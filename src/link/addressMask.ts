/**
 * Incoming address masks (`link { incoming { mask ...; } }`): the one parser
 * and matcher, used by the configuration checks (a mask that does not parse
 * is a config error) and by link authorization.
 *
 * A mask is one of:
 *  - `*`: any address;
 *  - an IP address (`192.0.2.10`, `2001:db8::10`): that address only;
 *  - a CIDR block (`10.0.0.0/8`, `2001:db8::/32`): prefix 0..32 for IPv4,
 *    0..128 for IPv6, written in decimal without leading zeros;
 *  - a wildcard mask with `*` (any run of characters) and `?` (one character)
 *    (`192.168.*`, `2001:db8:*`), matched case-insensitively against the
 *    address's canonical text: dotted IPv4, or RFC 5952 IPv6 (lowercase, zeros
 *    compressed). Only IP address characters are allowed: masks are matched
 *    against the peer's IP address, never against a host name.
 *
 * An IPv4-mapped IPv6 address (`::ffff:192.0.2.10`, as a dual-stack socket
 * reports an IPv4 peer) is an IPv4 address here: it matches IPv4 masks. A
 * mask written as an IPv4-mapped block of /96 or longer is an IPv4 mask.
 *
 * Fail closed: `addressMatches` returns false for a mask or an address it
 * cannot parse (an IPv6 zone index like `fe80::1%eth0` included).
 */
import { isIP } from 'node:net';

export type IpFamily = 4 | 6;

/** An IP address as bytes (4 for IPv4, 16 for IPv6; an IPv4-mapped address is IPv4). */
export interface IpAddress {
  readonly family: IpFamily;
  readonly bytes: Uint8Array;
}

export type AddressMask =
  | { readonly kind: 'any'; readonly text: string }
  /** An exact address is a block with every bit fixed (/32, /128). */
  | { readonly kind: 'cidr'; readonly text: string; readonly family: IpFamily; readonly bytes: Uint8Array; readonly bits: number }
  /** `pattern` is lowercase; matched against `canonicalAddress`. */
  | { readonly kind: 'glob'; readonly text: string; readonly pattern: string };

export type MaskParseResult = { ok: true; mask: AddressMask } | { ok: false; reason: string };

const PREFIX_PATTERN = /^(0|[1-9][0-9]{0,2})$/;
const GLOB_PATTERN = /^[0-9a-f.:*?]+$/i;
const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** Parses an incoming mask; the reason names what is wrong (for a config error). */
export function parseAddressMask(text: string): MaskParseResult {
  if (typeof text !== 'string' || text.length === 0) return { ok: false, reason: 'is empty' };
  if (text === '*') return { ok: true, mask: { kind: 'any', text } };
  if (text.includes('%')) return { ok: false, reason: 'IPv6 zone indexes (%...) are not supported in masks' };
  const slash = text.indexOf('/');
  if (slash !== -1) return parseCidr(text, slash);
  if (text.includes('*') || text.includes('?')) {
    if (!GLOB_PATTERN.test(text)) {
      return {
        ok: false,
        reason: 'a wildcard mask may contain only IP address characters (digits, a-f, "." and ":") and * or ? (masks match IP addresses, not host names)',
      };
    }
    let pattern = text.toLowerCase();
    // "::ffff:10.*" means IPv4 addresses, which are matched in their dotted form.
    if (pattern.startsWith('::ffff:') && !pattern.slice(7).includes(':')) pattern = pattern.slice(7);
    return { ok: true, mask: { kind: 'glob', text, pattern } };
  }
  const address = parseIpAddress(text);
  if (!address) {
    return { ok: false, reason: 'is not an IP address, a CIDR block (like 10.0.0.0/8) or a wildcard mask (like 192.168.*)' };
  }
  return { ok: true, mask: { kind: 'cidr', text, family: address.family, bytes: address.bytes, bits: address.bytes.length * 8 } };
}

function parseCidr(text: string, slash: number): MaskParseResult {
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (addressText.length === 0) return { ok: false, reason: 'a CIDR block needs an address before "/", like 10.0.0.0/8' };
  if (!PREFIX_PATTERN.test(prefixText)) {
    return { ok: false, reason: `the prefix length after "/" must be a decimal number (0..32 for IPv4, 0..128 for IPv6), not "${prefixText}"` };
  }
  const version = isIP(addressText);
  if (version === 0) return { ok: false, reason: `"${addressText}" is not an IP address (a CIDR block is like 10.0.0.0/8 or 2001:db8::/32)` };
  const bits = Number(prefixText);
  const max = version === 4 ? 32 : 128;
  if (bits > max) return { ok: false, reason: `the prefix length /${bits} is too long for an IPv${version} address (at most /${max})` };
  let bytes = version === 4 ? ipv4Bytes(addressText) : ipv6Bytes(addressText);
  if (!bytes) return { ok: false, reason: `"${addressText}" is not an IP address` };
  let family: IpFamily = version === 4 ? 4 : 6;
  let prefix = bits;
  if (version === 6 && bits >= 96 && isMapped(bytes)) {
    bytes = bytes.slice(12);
    family = 4;
    prefix = bits - 96;
  }
  return { ok: true, mask: { kind: 'cidr', text, family, bytes, bits: prefix } };
}

/** Does `addr` match the mask text? False for anything that does not parse (fail closed). */
export function addressMatches(mask: string, addr: string): boolean {
  if (typeof mask !== 'string' || typeof addr !== 'string') return false;
  const parsed = parseAddressMask(mask);
  return parsed.ok && maskMatches(parsed.mask, addr);
}

/** Does `addr` match an already parsed mask? False when `addr` is not an IP address. */
export function maskMatches(mask: AddressMask, addr: string): boolean {
  const address = parseIpAddress(addr);
  if (!address) return false;
  switch (mask.kind) {
    case 'any':
      return true;
    case 'cidr':
      return mask.family === address.family && prefixEqual(mask.bytes, address.bytes, mask.bits);
    case 'glob':
      return wildcardMatch(mask.pattern, canonicalAddress(address));
  }
}

/** True when every address the mask can match is a loopback address (127.0.0.0/8, ::1). */
export function isLoopbackOnlyMask(mask: AddressMask): boolean {
  switch (mask.kind) {
    case 'any':
      return false;
    case 'cidr':
      if (mask.family === 4) return mask.bits >= 8 && mask.bytes[0] === 127;
      return mask.bits === 128 && isIpv6Loopback(mask.bytes);
    case 'glob':
      // A pattern with a "." only matches dotted (IPv4) text; one that starts
      // with the literal "127." only matches 127.0.0.0/8.
      return mask.pattern.startsWith('127.') && !mask.pattern.includes(':');
  }
}

/**
 * A strict IP address parser: IPv4 dotted quad (no leading zeros) or IPv6
 * (with `::` and an embedded IPv4 tail); an IPv4-mapped IPv6 address comes
 * back as IPv4. Undefined for anything else, zone indexes included.
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.includes('%')) return undefined;
  const version = isIP(text);
  if (version === 4) {
    const bytes = ipv4Bytes(text);
    return bytes ? { family: 4, bytes } : undefined;
  }
  if (version !== 6) return undefined;
  const bytes = ipv6Bytes(text);
  if (!bytes) return undefined;
  return isMapped(bytes) ? { family: 4, bytes: bytes.slice(12) } : { family: 6, bytes };
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8. Host names are not loopback. */
export function isLoopbackIp(text: string): boolean {
  const address = parseIpAddress(text);
  if (!address) return false;
  return address.family === 4 ? address.bytes[0] === 127 : isIpv6Loopback(address.bytes);
}

/** Dotted IPv4, or RFC 5952 IPv6 (lowercase hex, no leading zeros, the longest run of 2+ zero groups as "::"). */
export function canonicalAddress(address: IpAddress): string {
  const b = address.bytes;
  if (address.family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestLength < 2) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

function ipv4Bytes(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(parts[i])) return undefined;
    const value = Number(parts[i]);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

/** IPv6 text (already accepted by net.isIP) to 16 bytes. */
function ipv6Bytes(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4Bytes(piece);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(piece)) return undefined;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = toGroups(halves[0]);
  const tail = halves.length === 2 ? toGroups(halves[1]) : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

function isMapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && MAPPED_PREFIX.every((v, i) => bytes[i] === v);
}

function isIpv6Loopback(bytes: Uint8Array): boolean {
  return bytes.length === 16 && bytes.every((v, i) => v === (i === 15 ? 1 : 0));
}

function prefixEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  if (a.length !== b.length || bits < 0 || bits > a.length * 8) return false;
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const keep = (0xff << (8 - rest)) & 0xff;
  return (a[whole] & keep) === (b[whole] & keep);
}

/** `*` = any run (also empty), `?` = one character; linear in practice, no backtracking blow-up. */
function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
