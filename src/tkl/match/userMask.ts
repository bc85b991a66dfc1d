// A user mask matched as UnrealIRCd's match_user(mask, client, MATCH_CHECK_REAL) does: the mask
// of a server ban or exception ("user@host", or "~extban:value"), a security-group mask, or a
// link block's mask. Compiled once; tested against PreparedUser records.
//
// The facts reproduced (match_user, src/modules/tkl.c):
// * An extended server ban ('~' ... ':' anywhere) is an extban as a whole (extban.ts) — so
//   "~ident@2001:db8::1" is one too, naming the extban "ident@2001", which matches nobody.
// * "nick!user@host": the nick part must be non-empty and match the nick; "user@host": both parts
//   non-empty, the user part matched against the username; a bare "host" is only a host
//   ("nick!x" without '@' matches nobody).
// * The host part: a '/' cuts a CIDR length (atoi; <= 0 matches nobody). A host with '*' or '?'
//   is a glob on the IP text, then on the real host (the CIDR length is ignored then). A host with
//   ':' is an IPv6 address: only the IP is compared (exactly, or by the CIDR length; > 128 never),
//   never the real host. Otherwise, when both the IP and the host are IPv4: exact (then the real
//   host is still tried) or by CIDR length (> 32 never; decided by the IP alone). Last, the host
//   is matched as a glob against the real host (with a CIDR cut off: "host.example/16" matches
//   the real host "host.example").
import { compileGlob, hasWildcard, type Glob } from './glob.ts';
import { compileExtban, isExtendedServerBan, type CompiledExtban, type GroupResolver } from './extban.ts';
import { inPrefix, parseIPv4, parseIPv6, formatIp } from './ip.ts';
import type { PreparedUser } from './user.ts';

/** Where an index may file a mask so that every user it can match is found through that key. */
export type MaskKey =
  | { kind: 'key'; key: string }
  /** An exact IPv4 address: users whose IP, or whose real host written as an IPv4, is this one. */
  | { kind: 'ip4'; ip: number }
  | { kind: 'cidr4'; addr: Uint32Array; bits: number }
  | { kind: 'cidr6'; addr: Uint32Array; bits: number };

export interface UserMask {
  readonly mask: string;
  /** True when no user can ever match (bad CIDR, unparsable IPv6, unknown extban ...). */
  readonly never: boolean;
  /** Index keys: every user that can match has one of them (see maskIndex.ts). Empty = scan. */
  readonly keys: readonly MaskKey[];
  test(pu: PreparedUser, groups?: GroupResolver | null): boolean;
  /** The extban, when this is an extended ban. */
  readonly extban: CompiledExtban | null;
}

/** atoi(): optional blanks and sign, then digits (0 when none), clamped. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(s);
  if (!m) return 0;
  const v = Math.min(Number(m[2]), 2147483647);
  return m[1] === '-' ? -v : v;
}

const BOUNDARY = /[.:]/;

/** Index keys for a host glob matched against both the IP text and the real host. */
function globKeys(g: Glob, out: MaskKey[]): boolean {
  const pre = literalPrefix(g.mask), suf = literalSuffix(g.mask);
  if (pre) {
    const b = Math.max(pre.lastIndexOf('.'), pre.lastIndexOf(':'));
    out.push({ kind: 'key', key: b >= 0 ? 'p' + pre.slice(0, b + 1) : 'q' + pre[0] });
    return true;
  }
  if (suf) {
    const m = BOUNDARY.exec(suf);
    out.push({ kind: 'key', key: m ? 's' + suf.slice(m.index) : 't' + suf[suf.length - 1] });
    return true;
  }
  return false;
}

/** The literal characters a glob must start with (folded; stops at any wildcard or '_'). */
function literalPrefix(mask: string): string {
  let i = 0;
  while (i < mask.length) { const c = mask[i]; if (c === '*' || c === '?' || c === '_' || c === '\\') break; i++; }
  return fold(mask.slice(0, i));
}
function literalSuffix(mask: string): string {
  let i = mask.length;
  while (i > 0) { const c = mask[i - 1]; if (c === '*' || c === '?' || c === '_' || c === '\\') break; i--; }
  return fold(mask.slice(i));
}
function fold(s: string): string { return s.replace(/[A-Z]+/g, (m) => m.toLowerCase()); }

/** How a host part is compared (see the file comment). */
const enum HostKind { Never, Wild, WildIp, V6, V4Exact, V4ExactIp, V4Cidr, V4CidrIp, V4BigCidr, Name }

class HostMatcher {
  constructor(
    readonly kind: HostKind,
    readonly keys: MaskKey[],
    private readonly g: Glob | null,
    private readonly v4: number,
    private readonly net: Uint32Array | null,
    private readonly bits: number,
  ) {}
  get never(): boolean { return this.kind === HostKind.Never; }
  test(pu: PreparedUser): boolean {
    switch (this.kind) {
      case HostKind.Never: return false;
      case HostKind.Wild: return (pu.ipText !== '' && this.g!.testFolded(pu.ipF)) || this.g!.testFolded(pu.host);
      case HostKind.WildIp: return pu.ipText !== '' && this.g!.testFolded(pu.ipF);
      case HostKind.V6: return pu.ip6 !== null && inPrefix(pu.ip6, this.net!, this.bits);
      // The real host equals an IPv4 literal exactly when it reads as that address (a valid
      // dotted IPv4 has one spelling), so the host compare is a number compare.
      case HostKind.V4Exact: return pu.ip4 === this.v4 || pu.host4 === this.v4;
      case HostKind.V4ExactIp: return pu.ip4 === this.v4;
      case HostKind.V4Cidr: return pu.ip4w !== null ? inPrefix(pu.ip4w, this.net!, this.bits) : pu.host4 === this.v4;
      case HostKind.V4CidrIp: return pu.ip4w !== null && inPrefix(pu.ip4w, this.net!, this.bits);
      case HostKind.V4BigCidr: return pu.ip4 < 0 && pu.host4 === this.v4;
      case HostKind.Name: return this.g!.testFolded(pu.host);
    }
  }
}

const NEVER_HOST = new HostMatcher(HostKind.Never, [], null, -1, null, 0);

/** One class for every mask shape (keeps the index's call sites monomorphic). */
class CompiledMask implements UserMask {
  constructor(
    readonly mask: string,
    readonly never: boolean,
    readonly keys: readonly MaskKey[],
    private readonly nickG: Glob | null,
    private readonly userG: Glob | null,
    private readonly host: HostMatcher | null,
    readonly extban: CompiledExtban | null,
  ) {}
  test(pu: PreparedUser, groups?: GroupResolver | null): boolean {
    if (this.never) return false;
    if (this.extban !== null) return this.extban.test(pu, groups ?? null);
    if (this.nickG !== null && !this.nickG.testFolded(pu.nick)) return false;
    if (this.userG !== null && !this.userG.testFolded(pu.ident)) return false;
    return this.host!.test(pu);
  }
}

const neverMask = (mask: string) => new CompiledMask(mask, true, [], null, null, null, null);

/**
 * Compile a mask. `ipOnly`: match_user(mask, client, MATCH_CHECK_IP) as (G)Z-lines are checked
 * before DNS and ident: the mask is a host part only, compared with the IP alone.
 */
export function compileUserMask(mask: string, ipOnly = false): UserMask {
  if (ipOnly) {
    const host = compileHost(mask, true);
    return host.never ? neverMask(mask) : new CompiledMask(mask, false, host.keys, null, null, host, null);
  }
  if (isExtendedServerBan(mask)) {
    // The soft-ban '%' is never part of a mask handed to match_user(); strip it if present.
    const ext = compileExtban(mask.charCodeAt(0) === 37 ? mask.slice(1) : mask);
    return new CompiledMask(mask, ext.name === null, ext.key ? [{ kind: 'key', key: ext.key }] : [], null, null, null, ext);
  }
  let nickG: Glob | null = null, userG: Glob | null = null;
  let hostPart = mask;
  const bang = mask.indexOf('!');
  let rest = mask;
  if (bang >= 0) {
    if (bang === 0) return neverMask(mask);
    nickG = compileGlob(mask.slice(0, bang));
    rest = mask.slice(bang + 1);
  }
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userPart = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    // '...@' or '@...' (for nick!user@host the check is on the whole mask's start, i.e. the nick).
    if (hostPart === '' || (bang < 0 && userPart === '')) return neverMask(mask);
    if (userPart !== '*' || nickG) userG = compileGlob(userPart);
  } else {
    if (nickG) return neverMask(mask);
    hostPart = rest;
  }
  const host = compileHost(hostPart);
  if (host.never) return neverMask(mask);
  let keys: MaskKey[] = [];
  if (!nickG) {
    keys = host.keys;
    if (keys.length === 0 && userG && userG.kind === 'exact' && !userG.spaceAsUnderscore) keys = [{ kind: 'key', key: 'u' + userG.literal }];
  }
  return new CompiledMask(mask, false, keys, nickG, userG, host, null);
}

function compileHost(hostIn: string, ipOnly = false): HostMatcher {
  let h = hostIn;
  let cidr = -1;
  const slash = h.indexOf('/');
  if (slash >= 0) {
    cidr = atoi(h.slice(slash + 1));
    if (cidr <= 0) return NEVER_HOST;
    h = h.slice(0, slash);
  }
  const keys: MaskKey[] = [];
  if (hasWildcard(h)) {
    const hostG = compileGlob(h);
    // Glob on the IP text, then on the real host.
    globKeys(hostG, keys);
    return new HostMatcher(ipOnly ? HostKind.WildIp : HostKind.Wild, keys, hostG, -1, null, 0);
  }
  if (h.indexOf(':') >= 0) {
    const net = parseIPv6(h);
    const bits = cidr < 0 ? 128 : cidr;
    if (!net || bits > 128) return NEVER_HOST;
    keys.push(bits === 128 ? { kind: 'key', key: 'x' + formatIp({ v6: true, words: net }) } : { kind: 'cidr6', addr: net, bits });
    return new HostMatcher(HostKind.V6, keys, null, -1, net, bits);
  }
  const v4 = parseIPv4(h);
  if (v4 >= 0) {
    // The real host can only equal an IPv4 literal when it is written as that IPv4: filed by number.
    const ipKey: MaskKey = { kind: 'ip4', ip: v4 };
    if (ipOnly) {
      if (cidr > 32) return NEVER_HOST;
      if (cidr < 0 || cidr === 32) { keys.push(ipKey); return new HostMatcher(HostKind.V4ExactIp, keys, null, v4, null, 32); }
      const net = Uint32Array.of(v4);
      keys.push({ kind: 'cidr4', addr: net, bits: cidr });
      return new HostMatcher(HostKind.V4CidrIp, keys, null, v4, net, cidr);
    }
    if (cidr < 0) {
      keys.push(ipKey); // the IP or the real host is this address
      return new HostMatcher(HostKind.V4Exact, keys, null, v4, null, 32);
    }
    if (cidr > 32) {
      // Decided by the IP alone when the user has an IPv4 address (never then); else the real host.
      keys.push(ipKey);
      return new HostMatcher(HostKind.V4BigCidr, keys, null, v4, null, cidr);
    }
    const net = Uint32Array.of(v4);
    keys.push({ kind: 'cidr4', addr: net, bits: cidr }, ipKey);
    return new HostMatcher(HostKind.V4Cidr, keys, null, v4, net, cidr);
  }
  // A plain host name (a CIDR suffix, if any, was cut off): the real host only.
  if (ipOnly) return NEVER_HOST;
  const hostG = compileGlob(h);
  keys.push({ kind: 'key', key: 'h' + hostG.literal });
  return new HostMatcher(HostKind.Name, keys, hostG, -1, null, 0);
}
