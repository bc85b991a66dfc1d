// An index over many user masks (compiled with userMask.ts), answering "which of them match this
// user?" without looking at most of them.
//
// Every mask is filed under the keys its compiler gave it (a mask can only match users that hold
// one of those keys): an exact IPv4 address (by number: the user's IP, or its real host written as
// an IPv4), an exact host name ('h'), exact IPv6 ('x'), a literal prefix of the
// host or IP up to a '.' or ':' ('p', or its first character 'q'), a literal suffix from a '.' or
// ':' ('s', or its last character 't'), an exact username ('u'), an exact account ('a'), certfp
// ('c'), realname ('r'), country ('C'), ASN ('A'); CIDRs go into a binary prefix trie per family;
// masks with no key are scanned. A user's own keys are computed once (userKeys) and looked up in
// one hash map, behind a counting filter of key hashes (most of a user's keys are filed nowhere,
// and a filter probe is far cheaper than a map lookup). Whatever is found is then tested with the
// mask's full matcher, so the index only ever narrows the search: the result is the same as
// testing every mask (test/tkl/matchIndex.test.ts checks it against a linear scan).
import type { GroupResolver } from './extban.ts';
import { PrefixTrie } from './ip.ts';
import type { MaskKey, UserMask } from './userMask.ts';
import type { PreparedUser } from './user.ts';

export interface Indexed<T> {
  readonly mask: UserMask;
  readonly value: T;
}

// Key hashes: a polynomial hash over the char codes (mod 2^32), so that the hash of a prefix or a
// suffix of a user's host can be computed from one pass over the host without making the key
// string; the string is only made when the key passes the Bloom filter. Finished with murmur3's
// mixer so that both probes see well-spread bits.
const P = 0x01000193;
const POW: number[] = [1];
function pow(n: number): number {
  while (POW.length <= n) POW.push(Math.imul(POW[POW.length - 1], P));
  return POW[n];
}
function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The hash of an index key string (its first character is the family). */
export function keyHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, P) + s.charCodeAt(i)) | 0;
  return fmix(h);
}

// Scratch buffers for prefix hashes (typed arrays are costly to allocate; these are reused).
let scratchA = new Int32Array(256);
let scratchB = new Int32Array(256);

/** Prefix hashes of s into a scratch buffer (which: 0 or 1): H[i] = polynomial hash of s[0..i). */
function prefixHashes(s: string, which = 1): Int32Array {
  if (s.length + 1 > scratchA.length) { scratchA = new Int32Array(2 * s.length + 2); scratchB = new Int32Array(2 * s.length + 2); }
  const H = which === 0 ? scratchA : scratchB;
  H[0] = 0;
  for (let i = 0; i < s.length; i++) H[i + 1] = (Math.imul(H[i], P) + s.charCodeAt(i)) | 0;
  return H;
}

/** keyHash(String.fromCharCode(fam) + s.slice(a, b)) from s's prefix hashes. */
function subHash(fam: number, H: Int32Array, a: number, b: number): number {
  const n = b - a;
  const body = (H[b] - Math.imul(H[a], pow(n))) | 0;
  return fmix((Math.imul(fam, pow(n)) + body) | 0);
}

// Sources of a user's keys (index into keySources).
const SRC_HOST = 0, SRC_IP = 1, SRC_IDENT = 2, SRC_ACCOUNT = 3, SRC_CERTFP = 4, SRC_REALNAME = 5, SRC_COUNTRY = 6, SRC_ASN = 7, SRC_IP6 = 8;

/**
 * The keys a user can be found under (see the file comment), as hashes plus a spec per key
 * (family, source, start, end) to spell it when needed. Cached on the record.
 */
export function userKeys(pu: PreparedUser): Int32Array {
  if (pu.keyHashes) return pu.keyHashes;
  const sources = [pu.host.c, pu.ipF.c, pu.ident.c, pu.accountF.c, pu.certfp ?? '', pu.realnameF.c, pu.u.country ?? '', pu.u.asn != null ? String(pu.u.asn) : '', pu.ip6Text];
  const hashes: number[] = [];
  const specs: number[] = [];
  const host = sources[SRC_HOST], ip = sources[SRC_IP];
  const HH = prefixHashes(host, 0);
  addKey(hashes, specs, 104 /* h */, SRC_HOST, HH, 0, host.length);
  if (pu.ip6Text) addWhole(hashes, specs, 120 /* x */, SRC_IP6, sources);
  addWhole(hashes, specs, 117 /* u */, SRC_IDENT, sources);
  for (let src = SRC_HOST; src <= SRC_IP; src++) {
    const s = sources[src];
    if (s.length === 0) continue;
    const H = src === SRC_HOST ? HH : prefixHashes(s);
    addKey(hashes, specs, 113 /* q */, src, H, 0, 1);
    addKey(hashes, specs, 116 /* t */, src, H, s.length - 1, s.length);
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c === 46 || c === 58) { addKey(hashes, specs, 112 /* p */, src, H, 0, k + 1); addKey(hashes, specs, 115 /* s */, src, H, k, s.length); }
    }
  }
  addWhole(hashes, specs, 97 /* a */, SRC_ACCOUNT, sources);
  if (pu.certfp) addWhole(hashes, specs, 99 /* c */, SRC_CERTFP, sources);
  addWhole(hashes, specs, 114 /* r */, SRC_REALNAME, sources);
  if (pu.u.country != null) addWhole(hashes, specs, 67 /* C */, SRC_COUNTRY, sources);
  if (pu.u.asn != null) addWhole(hashes, specs, 65 /* A */, SRC_ASN, sources);
  const w = pu as { keyHashes?: Int32Array; keySpecs?: number[]; keySources?: string[] };
  w.keySources = sources;
  w.keySpecs = specs;
  const out = new Int32Array(hashes.length);
  for (let i = 0; i < hashes.length; i++) out[i] = hashes[i];
  w.keyHashes = out;
  return w.keyHashes;
}

function addKey(hashes: number[], specs: number[], fam: number, src: number, H: Int32Array, a: number, b: number): void {
  hashes.push(subHash(fam, H, a, b));
  specs.push(fam, src, a, b);
}
function addWhole(hashes: number[], specs: number[], fam: number, src: number, sources: string[]): void {
  const s = sources[src];
  addKey(hashes, specs, fam, src, prefixHashes(s), 0, s.length);
}

/** Spell key i of a user (after userKeys()). */
function userKey(pu: PreparedUser, i: number): string {
  const sp = pu.keySpecs!;
  const src = pu.keySources![sp[4 * i + 1]];
  return String.fromCharCode(sp[4 * i]) + src.slice(sp[4 * i + 2], sp[4 * i + 3]);
}

/** All of a user's keys, spelt (tests, findAll). */
export function userKeyStrings(pu: PreparedUser): string[] {
  const n = userKeys(pu).length;
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(userKey(pu, i));
  return out;
}

// A Bloom filter (two probes) of 2^20 bits (128 KiB, small enough to stay in the CPU's cache
// while a user's keys are probed in it): with 100,000 keys filed, about 2.5 % of the keys a user
// holds but nobody filed pass it and cost a map lookup. Removals leave their bits set (a stale bit
// only costs a lookup); the filter is rebuilt from the live keys once removals reach a quarter.
const FILTER_BITS = 20;
const FILTER_MASK = (1 << FILTER_BITS) - 1;

export class MaskIndex<T> {
  private readonly byKey = new Map<string, Indexed<T>[]>();
  private readonly byIp4 = new Map<number, Indexed<T>[]>();
  /** Bit filter over the hashes of the filed keys. */
  private readonly filter = new Int32Array(1 << (FILTER_BITS - 5));
  private staleBits = 0;
  private readonly trie4 = new PrefixTrie<Indexed<T>>(32);
  private readonly trie6 = new PrefixTrie<Indexed<T>>(128);
  private readonly scan: Indexed<T>[] = [];
  private count = 0;
  // State of the current find() (the trie calls visit() back); saved around re-entrant calls.
  private curUser: PreparedUser | null = null;
  private curAccept: ((v: T) => boolean) | null = null;
  private curGroups: GroupResolver | null = null;
  private curHit: Indexed<T> | null = null;
  private readonly visit = (it: Indexed<T>): boolean => {
    if (it.mask.test(this.curUser!, this.curGroups) && (this.curAccept === null || this.curAccept(it.value))) { this.curHit = it; return true; }
    return false;
  };

  get size(): number { return this.count; }

  /** File a compiled mask with its value. A mask that can never match is kept out (returns null). */
  add(mask: UserMask, value: T): Indexed<T> | null {
    if (mask.never) return null;
    const item: Indexed<T> = { mask, value };
    const keys = mask.keys;
    if (keys.length === 0) this.scan.push(item);
    for (const k of keys) {
      if (k.kind === 'key') {
        let list = this.byKey.get(k.key);
        if (!list) { list = []; this.byKey.set(k.key, list); this.filterSet(keyHash(k.key)); }
        list.push(item);
      } else if (k.kind === 'ip4') {
        const list = this.byIp4.get(k.ip);
        if (list) list.push(item); else this.byIp4.set(k.ip, [item]);
      } else (k.kind === 'cidr4' ? this.trie4 : this.trie6).add(k.addr, k.bits, item);
    }
    this.count++;
    return item;
  }

  remove(item: Indexed<T>): void {
    let found = false;
    const keys = item.mask.keys;
    if (keys.length === 0) found = spliceOut(this.scan, item);
    for (const k of keys) {
      if (k.kind === 'key') {
        const list = this.byKey.get(k.key);
        if (!list) continue;
        if (spliceOut(list, item)) found = true;
        if (list.length === 0) { this.byKey.delete(k.key); this.staleBits++; }
      } else if (k.kind === 'ip4') {
        const list = this.byIp4.get(k.ip);
        if (list && spliceOut(list, item)) { found = true; if (list.length === 0) this.byIp4.delete(k.ip); }
      } else if ((k.kind === 'cidr4' ? this.trie4 : this.trie6).remove(k.addr, k.bits, item)) found = true;
    }
    if (found) this.count--;
    if (this.staleBits > 64 && this.staleBits * 4 > this.byKey.size) this.rebuildFilter();
  }

  private filterSet(h: number): void {
    const a = h & FILTER_MASK, b = second(h);
    this.filter[a >>> 5] |= 1 << (a & 31);
    this.filter[b >>> 5] |= 1 << (b & 31);
  }

  private rebuildFilter(): void {
    this.filter.fill(0);
    for (const k of this.byKey.keys()) this.filterSet(keyHash(k));
    this.staleBits = 0;
  }

  /**
   * The first filed mask that matches the user and passes `accept` (called only on matches);
   * null when none. A mask filed under two keys can be tested twice; `accept` must be a pure check.
   */
  find(pu: PreparedUser, accept: ((v: T) => boolean) | null, groups: GroupResolver | null = null): Indexed<T> | null {
    if (this.count === 0) return null;
    if (this.byIp4.size > 0) {
      for (let n = 0; n < 2; n++) {
        const ip = n === 0 ? pu.ip4 : pu.host4;
        if (ip < 0 || (n === 1 && ip === pu.ip4)) continue;
        const list = this.byIp4.get(ip);
        if (list === undefined) continue;
        for (let j = 0; j < list.length; j++) {
          const it = list[j];
          if (it.mask.test(pu, groups) && (accept === null || accept(it.value))) return it;
        }
      }
    }
    if (this.byKey.size > 0) {
      const hashes = pu.keyHashes ?? userKeys(pu);
      const filter = this.filter;
      for (let i = 0; i < hashes.length; i++) {
        const h = hashes[i], a = h & FILTER_MASK;
        if ((filter[a >>> 5] & (1 << (a & 31))) === 0) continue;
        const b = second(h);
        if ((filter[b >>> 5] & (1 << (b & 31))) === 0) continue;
        const list = this.byKey.get(userKey(pu, i));
        if (list === undefined) continue;
        for (let j = 0; j < list.length; j++) {
          const it = list[j];
          if (it.mask.test(pu, groups) && (accept === null || accept(it.value))) return it;
        }
      }
    }
    const scan = this.scan;
    const noTrie = (pu.ip4w === null || this.trie4.size === 0) && (pu.ip6 === null || this.trie6.size === 0);
    if (noTrie) {
      for (let j = 0; j < scan.length; j++) {
        const it = scan[j];
        if (it.mask.test(pu, groups) && (accept === null || accept(it.value))) return it;
      }
      return null;
    }
    const sUser = this.curUser, sAccept = this.curAccept, sGroups = this.curGroups, sHit = this.curHit;
    this.curUser = pu; this.curAccept = accept; this.curGroups = groups; this.curHit = null;
    try {
      if (pu.ip4w !== null && this.trie4.size > 0 && this.trie4.find(pu.ip4w, this.visit)) return this.curHit;
      if (pu.ip6 !== null && this.trie6.size > 0 && this.trie6.find(pu.ip6, this.visit)) return this.curHit;
      for (let j = 0; j < scan.length; j++) if (this.visit(scan[j])) return this.curHit;
      return null;
    } finally {
      this.curUser = sUser; this.curAccept = sAccept; this.curGroups = sGroups; this.curHit = sHit;
    }
  }

  /** Every filed mask that matches (each once). */
  findAll(pu: PreparedUser, groups: GroupResolver | null = null): Indexed<T>[] {
    const out = new Set<Indexed<T>>();
    for (const ip of [pu.ip4, pu.host4]) if (ip >= 0) for (const it of this.byIp4.get(ip) ?? []) if (it.mask.test(pu, groups)) out.add(it);
    for (const k of userKeyStrings(pu)) for (const it of this.byKey.get(k) ?? []) if (it.mask.test(pu, groups)) out.add(it);
    const visit = (it: Indexed<T>) => { if (it.mask.test(pu, groups)) out.add(it); return false; };
    if (pu.ip4w) this.trie4.find(pu.ip4w, visit);
    if (pu.ip6) this.trie6.find(pu.ip6, visit);
    for (const it of this.scan) visit(it);
    return [...out];
  }

  /** Sizes of the parts, for diagnostics and the bench. */
  stats(): { ip4: number; keys: number; cidr4: number; cidr6: number; scan: number } {
    return { ip4: this.byIp4.size, keys: this.byKey.size, cidr4: this.trie4.size, cidr6: this.trie6.size, scan: this.scan.length };
  }
}

/** The second filter probe: another slot from the same hash. */
function second(h: number): number {
  return h >>> (32 - FILTER_BITS);
}

function spliceOut<T>(list: T[], item: T): boolean {
  const i = list.indexOf(item);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}

export type { MaskKey };
