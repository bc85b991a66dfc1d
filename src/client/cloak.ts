// Host cloaking, byte-identical to UnrealIRCd 6's cloak_sha256 module for the same
// set::cloak-keys and set::cloak-prefix (a user gets the same cloak on every server of the
// network). Written from the algorithm, not from UnrealIRCd's code:
//
//  - The host is lowercased (ASCII only, as C's tolower() in the C locale) and cut to 255 bytes
//    (make_cloakedhost()), then classified as IPv4, IPv6 or a host name by inet_pton() rules.
//  - Each piece is downsample(SHA256(SHA256(text) ‖ key)): `text` is "<keyA>:<part>:<keyB>" cut
//    to 511 bytes (the module formats it into a 512-byte buffer), the appended key is cut to 479
//    bytes (what is left of a 512-byte buffer after the 32-byte digest).
//  - downsample() XORs each quarter of the 32-byte digest into one byte and puts the four bytes
//    together big-endian (shifted by 24/16/8/0). The bytes are *unsigned*: UnrealIRCd is always
//    compiled with -funsigned-char (its configure.ac adds it), so no byte sign-extends into the
//    others (a harness compiled without that flag gets other cloaks). The pieces are written with
//    %X: upper case, no leading zeros (a quarter that XORs to 0 gives fewer than 8 digits).
//  - IPv4 a.b.c.d -> ALPHA.BETA.GAMMA.IP, ALPHA over the address as written with keys (2,3)+1,
//    BETA over "a.b.c" with keys (3,1)+2, GAMMA over "a.b" with keys (1,2)+3.
//  - IPv6 -> ALPHA:BETA:GAMMA:IP, ALPHA over the address as written, BETA over its first seven
//    groups, GAMMA over its first four, each group in lower-case hex without leading zeros.
//  - A host name -> <prefix>-ALPHA.<rest>, ALPHA over the name with keys (1,2)+3, <rest> the name
//    after its first dot that is followed by a letter, cut from the left so that the whole fits in
//    HOSTLEN (63); no such dot: <prefix>-ALPHA.
// Keys and hosts are byte strings (one char per byte, as everywhere in tslink).
import { createHash } from 'node:crypto';
import { HOSTLEN } from '../wire/limits.ts';
import type { TslinkConfig } from '../config/index.ts';

export interface CloakKeys {
  /** set::cloak-keys, in order (three keys). */
  keys: readonly [string, string, string];
  /** set::cloak-prefix (UnrealIRCd's default: Clk). */
  prefix?: string;
  /** set::cloak-method ip: cloak the IP even when the user has a host name. */
  ipOnly?: boolean;
}

/** The size of the module's text buffers (buf, res). */
const BUF = 512;
const DIGEST = 32;

/** A byte string as bytes. */
function bytes(s: string): Buffer { return Buffer.from(s, 'latin1'); }

/** SHA256(SHA256(text cut to 511 bytes) ‖ key cut to 479 bytes), downsampled. */
function piece(text: string, key: string): number {
  const first = createHash('sha256').update(bytes(text).subarray(0, BUF - 1)).digest();
  const second = createHash('sha256').update(first).update(bytes(key).subarray(0, BUF - DIGEST - 1)).digest();
  return downsample(second);
}

/**
 * The module's downsample(): four XORed quarters, each an unsigned byte (-funsigned-char),
 * as one big-endian 32-bit number.
 */
export function downsample(d: Uint8Array): number {
  let out = 0;
  for (let q = 0; q < 4; q++) {
    let x = 0;
    for (let i = 0; i < 8; i++) x ^= d[q * 8 + i];
    out = out * 256 + x;
  }
  return out;
}

const hex = (n: number): string => n.toString(16).toUpperCase();

/**
 * The cloaked host of a user whose real host is `host` (and whose IP is `ip`, for cloak-method
 * ip), as UnrealIRCd's make_cloakedhost() with cloak_sha256 computes it.
 */
export function cloakHost(host: string, k: CloakKeys, ip?: string): string {
  const [k1, k2, k3] = k.keys;
  // make_cloakedhost(): lowercase, at most 255 bytes. (With cloak-method ip the module uses the
  // IP string as it is: UnrealIRCd's IP strings are lower case already.)
  const h = k.ipOnly && ip !== undefined ? ip : asciiLower(host).slice(0, 255);
  const kind = ipKind(h);
  let out: string;
  if (kind === 4) {
    const [a, b, c] = h.split('.');
    const alpha = piece(`${k2}:${h}:${k3}`, k1);
    const beta = piece(`${k3}:${a}.${b}.${c}:${k1}`, k2);
    const gamma = piece(`${k1}:${a}.${b}:${k2}`, k3);
    out = `${hex(alpha)}.${hex(beta)}.${hex(gamma)}.IP`;
  } else if (kind === 6) {
    // UnrealIRCd cloaks its own IPv6 strings, always the 8-group form (inetntop()); the module
    // reads the groups with sscanf("%x:..."), which a "::" form would leave partly unread, so
    // such a string is written in the 8-group form first.
    const v6 = h.includes('::') || h.includes('.') ? ipv6String(parseIpv6(h)!) : h;
    const g = v6.split(':').map((x) => parseInt(x, 16).toString(16));
    const alpha = piece(`${k2}:${v6}:${k3}`, k1);
    const beta = piece(`${k3}:${g.slice(0, 7).join(':')}:${k1}`, k2);
    const gamma = piece(`${k1}:${g.slice(0, 4).join(':')}:${k2}`, k3);
    out = `${hex(alpha)}:${hex(beta)}:${hex(gamma)}:IP`;
  } else {
    const alpha = piece(`${k1}:${h}:${k2}`, k3);
    const head = `${k.prefix ?? 'Clk'}-${hex(alpha)}`;
    let dot = -1;
    for (let i = 0; i < h.length; i++) if (h.charCodeAt(i) === 46 && isAlpha(h.charCodeAt(i + 1))) { dot = i; break; }
    if (dot < 0) out = head;
    else {
      const rest = h.slice(dot + 1);
      const len = head.length + 1 + rest.length;
      out = `${head}.${len <= HOSTLEN ? rest : rest.slice(len - HOSTLEN)}`;
    }
  }
  return out.slice(0, HOSTLEN); // strlcpy into a HOSTLEN+1 buffer
}

/**
 * The cloak key checksum UnrealIRCd puts in NETINFO: "SHA256:" and the hex SHA256 of
 * "key1:key2:key3", the whole cut to 63 characters (a 64-byte buffer). Servers with other keys
 * warn about it when they link.
 */
export function cloakChecksum(k: CloakKeys): string {
  const text = bytes(`${k.keys[0]}:${k.keys[1]}:${k.keys[2]}`).subarray(0, 4095);
  return `SHA256:${createHash('sha256').update(text).digest('hex')}`.slice(0, 63);
}

/**
 * set::cloak-keys checks (UnrealIRCd refuses the config otherwise): three keys, each 80 to 1000
 * characters, each with a lower-case letter, an upper-case letter and a digit, the first two and
 * the last two not equal. The messages are tslink's; an empty list means the keys are fine.
 */
export function cloakKeyProblems(keys: readonly string[]): string[] {
  const out: string[] = [];
  keys.forEach((key, i) => {
    if (!(/[a-z]/.test(key) && /[A-Z]/.test(key) && /[0-9]/.test(key))) out.push(`key ${i + 1} must mix a-z, A-Z and 0-9`);
    if (key.length < 80) out.push(`key ${i + 1} must be at least 80 characters`);
    if (key.length > 1000) out.push(`key ${i + 1} must be at most 1000 characters`);
  });
  if (keys.length !== 3) out.push(`3 keys are needed, not ${keys.length}`);
  else if (keys[0] === keys[1] || keys[1] === keys[2]) out.push('the keys must not be equal');
  return out;
}

function isAlpha(c: number): boolean { return (c >= 65 && c <= 90) || (c >= 97 && c <= 122); }

function asciiLower(s: string): string { return s.replace(/[A-Z]+/g, (m) => m.toLowerCase()); }

// ---------------------------------------------------------------- addresses (inet_pton/inetntop)

/** 4 or 6 when `s` is an IPv4 or IPv6 address as inet_pton() (glibc) accepts it, else 0. */
export function ipKind(s: string): 0 | 4 | 6 {
  if (parseIpv4(s) !== null) return 4;
  if (parseIpv6(s) !== null) return 6;
  return 0;
}

/** inet_pton(AF_INET): four decimal parts 0-255, no leading zeros, nothing else. */
export function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** inet_pton(AF_INET6): eight groups of 1-4 hex digits, one "::", an IPv4 tail; no zone. */
export function parseIpv6(s: string): Uint8Array | null {
  if (s.length === 0 || s.length > 45) return null;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4(it);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
      out.push(parseInt(it, 16));
    }
    return out;
  };
  let all: number[];
  if (dbl >= 0) {
    const left = groups(s.slice(0, dbl)), right = groups(s.slice(dbl + 2));
    if (!left || !right) return null;
    if (left.length + right.length > 7) return null;
    // An IPv4 tail is only allowed at the very end (groups() checks it is the last item).
    if (s.slice(0, dbl).includes('.')) return null;
    all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  } else {
    const g = groups(s);
    if (!g || g.length !== 8) return null;
    all = g;
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) { out[2 * i] = all[i] >> 8; out[2 * i + 1] = all[i] & 0xff; }
  return out;
}

/** UnrealIRCd's inetntop() of an IPv6 address: eight groups, lower-case hex, no "::". */
export function ipv6String(b: Uint8Array): string {
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[2 * i] << 8) | b[2 * i + 1]).toString(16));
  return g.join(':');
}

/**
 * The IP string UnrealIRCd keeps for a connection (client->ip): IPv4 dotted, IPv6 in eight groups;
 * an IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack listener sees) is the IPv4 one.
 * Null when `addr` is no address.
 */
export function ipString(addr: string): string | null {
  const v4 = parseIpv4(addr);
  if (v4) return addr;
  const v6 = parseIpv6(addr);
  if (!v6) return null;
  if (v6.subarray(0, 10).every((x) => x === 0) && v6[10] === 0xff && v6[11] === 0xff) return `${v6[12]}.${v6[13]}.${v6[14]}.${v6[15]}`;
  return ipv6String(v6);
}

/** The UID line's ip field: base64 of the raw address bytes (IPv4-mapped as IPv4); '*' when unknown. */
export function ipField(ip: string): string {
  const v4 = parseIpv4(ip);
  if (v4) return Buffer.from(v4).toString('base64');
  const v6 = parseIpv6(ip);
  if (!v6) return '*';
  if (v6.subarray(0, 10).every((x) => x === 0) && v6[10] === 0xff && v6[11] === 0xff) return Buffer.from(v6.subarray(12)).toString('base64');
  return Buffer.from(v6).toString('base64');
}

/** set::cloak-keys { "k1"; "k2"; "k3"; } (kept unvalidated in set.extra); null unless there are three. */
export function cloakKeysOf(cfg: TslinkConfig): [string, string, string] | null {
  const node = cfg.set.extra.find((n) => n.name === 'cloak-keys');
  const keys = (node?.children ?? []).map((c) => c.name);
  return keys.length === 3 ? [keys[0], keys[1], keys[2]] : null;
}
