// IP addresses for ban matching: parsing as inet_pton() does, and a binary prefix trie for CIDRs.
//
// Parsing facts (glibc inet_pton): IPv4 is exactly four dotted decimal octets 0-255, with no
// leading zero before another digit ("01" is refused, "0" is fine). IPv6 is up to eight groups of
// 1-4 hex digits, one "::" standing for one or more zero groups, optionally ending in a dotted IPv4.
// An address is held as four 32-bit words (IPv4: one word), most significant first.

export interface IpAddr {
  v6: boolean;
  /** IPv4: [addr]; IPv6: four words. Unsigned 32-bit values. */
  words: Uint32Array;
}

/** IPv4 as an unsigned 32-bit number, or -1. */
export function parseIPv4(s: string): number {
  let value = 0, octet = 0, digits = 0, parts = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0) return -1;
      value = value * 256 + octet;
      parts++;
      if (parts > 4) return -1;
      octet = 0; digits = 0;
    } else return -1;
  }
  return parts === 4 ? value >>> 0 : -1;
}

/** IPv6 as four words, or null. */
export function parseIPv6(s: string): Uint32Array | null {
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  const n = s.length;
  if (n < 2) return null;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return null;
    gap = 0; i = 2;
    if (i === n) return finish(groups, gap);
  }
  while (i < n) {
    // One group, or a trailing dotted IPv4.
    let j = i, v = 0;
    while (j < n && j - i < 5) {
      const c = s.charCodeAt(j);
      const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (h < 0) break;
      v = v * 16 + h;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 46) {
      // Embedded IPv4: must be the last thing, and leave room for two groups.
      const v4 = parseIPv4(s.slice(i));
      if (v4 < 0 || groups.length > 6) return null;
      groups.push(v4 >>> 16, v4 & 0xffff);
      return finish(groups, gap);
    }
    if (j === i || j - i > 4) return null;
    groups.push(v);
    if (groups.length > 8) return null;
    if (j === n) break;
    if (s.charCodeAt(j) !== 58) return null;
    j++;
    if (j < n && s.charCodeAt(j) === 58) {
      if (gap >= 0) return null;
      gap = groups.length;
      j++;
      if (j === n) break;
    } else if (j === n) return null; // trailing single ':'
    i = j;
  }
  return finish(groups, gap);
}

function finish(groups: number[], gap: number): Uint32Array | null {
  let g = groups;
  if (gap >= 0) {
    if (g.length > 7) return null; // '::' must stand for at least one group
    g = [...groups.slice(0, gap), ...new Array<number>(8 - groups.length).fill(0), ...groups.slice(gap)];
  } else if (g.length !== 8) return null;
  const w = new Uint32Array(4);
  for (let k = 0; k < 4; k++) w[k] = ((g[2 * k] << 16) | g[2 * k + 1]) >>> 0;
  return w;
}

/** Parse an address the way match_user() would: a ':' means IPv6, else IPv4. */
export function parseIp(s: string): IpAddr | null {
  if (s.indexOf(':') >= 0) {
    const w = parseIPv6(s);
    return w ? { v6: true, words: w } : null;
  }
  const v = parseIPv4(s);
  return v < 0 ? null : { v6: false, words: Uint32Array.of(v) };
}

/** Canonical text of an address (IPv4 dotted; IPv6 RFC 5952: lower case, longest zero run as '::'). */
export function formatIp(a: IpAddr): string {
  if (!a.v6) {
    const v = a.words[0];
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const g: number[] = [];
  for (let k = 0; k < 4; k++) g.push(a.words[k] >>> 16, a.words[k] & 0xffff);
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = (x: number[]) => x.map((v) => v.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** The address as text from UnrealIRCd's UID base64 form (4 or 16 raw bytes); null when '*' or bad. */
export function ipFromBase64(b64: string): string | null {
  if (!b64 || b64 === '*') return null;
  const buf = Buffer.from(b64, 'base64');
  if (buf.length === 4) return `${buf[0]}.${buf[1]}.${buf[2]}.${buf[3]}`;
  if (buf.length === 16) {
    const w = new Uint32Array(4);
    for (let k = 0; k < 4; k++) w[k] = buf.readUInt32BE(4 * k);
    return formatIp({ v6: true, words: w });
  }
  return null;
}

/** Does `addr` fall in `net`/`bits` (comp_with_mask)? Both the same family. */
export function inPrefix(addr: Uint32Array, net: Uint32Array, bits: number): boolean {
  let k = 0;
  for (; bits >= 32; bits -= 32, k++) if (addr[k] !== net[k]) return false;
  if (bits === 0) return true;
  const m = (0xffffffff << (32 - bits)) >>> 0;
  return ((addr[k] & m) >>> 0) === ((net[k] & m) >>> 0);
}

/**
 * A binary trie of prefixes (one per family): every prefix is a path of its bits from the root; a
 * lookup walks the address's bits and collects what hangs on the nodes it passes, stopping where
 * the path ends. Level-compressed at depth R (16 bits for IPv4, 32 for IPv6): prefixes of R bits or
 * more hang below a table slot chosen by the address's first R bits, so a lookup jumps over those
 * R levels at once and walks only what lies below (usually a few nodes); the few shorter prefixes
 * live in a small trie of their own. Nodes are kept in one Int32Array: [zero, one, slot] each.
 */
export class PrefixTrie<T> {
  private nodes: Int32Array;
  private used = 0;
  private values: T[][] = [];
  private count = 0;
  private readonly R: number;
  /** IPv4: first-16-bit table of subtrie roots (-1 = none). IPv6: map of the first word. */
  private readonly table4: Int32Array | null;
  private readonly table6: Map<number, number> | null;
  private readonly shortRoot: number;

  constructor(private readonly bitsTotal: 32 | 128) {
    this.nodes = new Int32Array(3 * 1024).fill(-1);
    this.R = bitsTotal === 32 ? 16 : 32;
    this.table4 = bitsTotal === 32 ? new Int32Array(1 << 16).fill(-1) : null;
    this.table6 = bitsTotal === 128 ? new Map() : null;
    this.shortRoot = this.newNode();
  }

  get size(): number { return this.count; }

  private newNode(): number {
    if ((this.used + 1) * 3 > this.nodes.length) {
      const n = new Int32Array(this.nodes.length * 2).fill(-1);
      n.set(this.nodes);
      this.nodes = n;
    }
    return this.used++;
  }

  private top(words: Uint32Array): number {
    return this.table4 ? words[0] >>> 16 : words[0];
  }

  /** The node of a prefix (created when `create`), or -1. */
  private node(words: Uint32Array, bits: number, create: boolean): number {
    let node: number, d: number;
    if (bits < this.R) { node = this.shortRoot; d = 0; } else {
      const t = this.top(words);
      node = this.table4 ? this.table4[t] : this.table6!.get(t) ?? -1;
      if (node < 0) {
        if (!create) return -1;
        node = this.newNode();
        if (this.table4) this.table4[t] = node; else this.table6!.set(t, node);
      }
      d = this.R;
    }
    for (; d < bits; d++) {
      const bit = (words[d >>> 5] >>> (31 - (d & 31))) & 1;
      let next = this.nodes[3 * node + bit];
      if (next < 0) {
        if (!create) return -1;
        next = this.newNode();
        this.nodes[3 * node + bit] = next;
      }
      node = next;
    }
    return node;
  }

  add(words: Uint32Array, bits: number, value: T): void {
    const node = this.node(words, Math.min(bits, this.bitsTotal), true);
    let s = this.nodes[3 * node + 2];
    if (s < 0) { s = this.values.length; this.values.push([]); this.nodes[3 * node + 2] = s; }
    this.values[s].push(value);
    this.count++;
  }

  remove(words: Uint32Array, bits: number, value: T): boolean {
    const node = this.node(words, Math.min(bits, this.bitsTotal), false);
    if (node < 0) return false;
    const s = this.nodes[3 * node + 2];
    if (s < 0) return false;
    const list = this.values[s];
    const i = list.indexOf(value);
    if (i < 0) return false;
    list.splice(i, 1);
    this.count--;
    return true;
  }

  /** Call `fn` for every value whose prefix contains the address, shorter prefixes first; stop when it returns true. */
  find(words: Uint32Array, fn: (v: T) => boolean): boolean {
    if (this.walk(words, this.shortRoot, 0, this.R - 1, fn)) return true;
    const t = this.top(words);
    const root = this.table4 ? this.table4[t] : this.table6!.get(t) ?? -1;
    return root >= 0 && this.walk(words, root, this.R, this.bitsTotal, fn);
  }

  /** Walk from `node` at depth `d`, visiting slots down to depth `last` inclusive. */
  private walk(words: Uint32Array, node: number, d: number, last: number, fn: (v: T) => boolean): boolean {
    const nodes = this.nodes, values = this.values;
    for (; ; d++) {
      const s = nodes[3 * node + 2];
      if (s >= 0) {
        const list = values[s];
        for (let i = 0; i < list.length; i++) if (fn(list[i])) return true;
      }
      if (d >= last) return false;
      node = nodes[3 * node + ((words[d >>> 5] >>> (31 - (d & 31))) & 1)];
      if (node < 0) return false;
    }
  }
}
