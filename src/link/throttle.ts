/**
 * Connection throttling for the server-link listener.
 *
 *  - ConnectThrottle: at most `limit` connection attempts per address within
 *    a sliding `windowMs`. Memory is bounded: at most `maxEntries` addresses
 *    × `limit` timestamps.
 *  - HalfOpenLimiter: caps connections that are accepted but not yet
 *    registered (TLS handshake / PASS / SERVER pending), per address and in
 *    total. Its map can never exceed `total` entries.
 *
 * Addresses are keyed after normalisation: IPv4-mapped IPv6 becomes IPv4,
 * IPv6 is grouped by prefix (default /64, one site), and anything that is not
 * an IP address is used verbatim (e.g. a unix socket path).
 */
import * as net from 'node:net';

/** Parses an IPv6 address into 8 16-bit groups, or null. */
function ipv6Groups(addr: string): number[] | null {
  let ip = addr;
  const pct = ip.indexOf('%');
  if (pct >= 0) ip = ip.slice(0, pct);
  if (!net.isIPv6(ip)) return null;
  let tail: number[] = [];
  // Embedded IPv4 in the last 32 bits.
  const lastColon = ip.lastIndexOf(':');
  const last = ip.slice(lastColon + 1);
  if (last.includes('.')) {
    const o = last.split('.').map(Number);
    if (o.length !== 4 || o.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return null;
    tail = [(o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!];
    ip = ip.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = ip.indexOf('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  let groups: number[];
  if (dbl >= 0) {
    const head = parse(ip.slice(0, dbl));
    const rest = parse(ip.slice(dbl + 2));
    const fill = 8 - head.length - rest.length;
    if (fill < 0) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    groups = parse(ip);
  }
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return null;
  if (tail.length === 2) {
    groups[6] = tail[0]!;
    groups[7] = tail[1]!;
  }
  return groups;
}

/**
 * The throttling key for an address. `ipv6PrefixBits` (1..128, default 64)
 * groups IPv6 addresses by network prefix.
 */
export function addressKey(addr: string, ipv6PrefixBits = 64): string {
  const a = addr.trim();
  if (net.isIPv4(a)) return a;
  const g = ipv6Groups(a);
  if (!g) return a;
  // ::ffff:a.b.c.d → a.b.c.d
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.${g[7]! & 0xff}`;
  }
  const bits = Math.min(128, Math.max(1, Math.floor(ipv6PrefixBits)));
  const masked = g.map((x, i) => {
    const keep = Math.min(16, Math.max(0, bits - i * 16));
    return keep === 0 ? 0 : x & (0xffff << (16 - keep)) & 0xffff;
  });
  return `${masked.map((x) => x.toString(16)).join(':')}/${bits}`;
}

export interface ConnectThrottleOptions {
  /** Attempts allowed per address per window. */
  limit: number;
  windowMs: number;
  /** Hard cap on tracked addresses (default 10000). */
  maxEntries?: number;
  /**
   * When the table is full of live entries and a new address arrives:
   * 'evict-oldest' (default) forgets the least recently seen address;
   * 'reject' refuses the new address (fail closed).
   */
  onFull?: 'evict-oldest' | 'reject';
  ipv6PrefixBits?: number;
  /** Clock (tests). */
  now?: () => number;
}

export class ConnectThrottle {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly onFull: 'evict-oldest' | 'reject';
  private readonly prefix: number;
  private readonly now: () => number;
  /** key → attempt times (ascending, ≤ limit). Map order = least recently hit first. */
  private readonly table = new Map<string, number[]>();

  constructor(opts: ConnectThrottleOptions) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new RangeError('limit must be an integer >= 1');
    if (!Number.isFinite(opts.windowMs) || opts.windowMs <= 0) throw new RangeError('windowMs must be > 0');
    const maxEntries = opts.maxEntries ?? 10_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be an integer >= 1');
    this.limit = opts.limit;
    this.windowMs = opts.windowMs;
    this.maxEntries = maxEntries;
    this.onFull = opts.onFull ?? 'evict-oldest';
    this.prefix = opts.ipv6PrefixBits ?? 64;
    this.now = opts.now ?? Date.now;
  }

  /** Records an attempt from `addr`; returns whether it is allowed. */
  hit(addr: string): boolean {
    const key = addressKey(addr, this.prefix);
    const now = this.now();
    const cutoff = now - this.windowMs;
    let times = this.table.get(key);
    if (times) {
      let drop = 0;
      while (drop < times.length && times[drop]! <= cutoff) drop++;
      if (drop > 0) times.splice(0, drop);
      if (times.length >= this.limit) return false;
      this.table.delete(key); // re-insert: keep "least recently hit first" order
    } else {
      if (!this.makeRoom(cutoff)) return false;
      times = [];
    }
    times.push(now);
    this.table.set(key, times);
    return true;
  }

  /** Number of tracked addresses (≤ maxEntries). */
  get size(): number {
    return this.table.size;
  }

  private makeRoom(cutoff: number): boolean {
    if (this.table.size < this.maxEntries) return true;
    // Front entries were hit least recently; drop those fully expired.
    for (const [k, times] of this.table) {
      if (times.length > 0 && times[times.length - 1]! > cutoff) break;
      this.table.delete(k);
    }
    if (this.table.size < this.maxEntries) return true;
    if (this.onFull === 'reject') return false;
    const oldest = this.table.keys().next();
    if (!oldest.done) this.table.delete(oldest.value);
    return true;
  }
}

export interface HalfOpenOptions {
  /** Pending connections allowed per address. */
  perIp: number;
  /** Pending connections allowed overall. */
  total: number;
  ipv6PrefixBits?: number;
}

export type AcquireResult = { ok: true; release: () => void } | { ok: false; reason: string };

export class HalfOpenLimiter {
  private readonly perIp: number;
  private readonly total: number;
  private readonly prefix: number;
  private readonly counts = new Map<string, number>();
  private inUse = 0;

  constructor(opts: HalfOpenOptions) {
    if (!Number.isInteger(opts.perIp) || opts.perIp < 1) throw new RangeError('perIp must be an integer >= 1');
    if (!Number.isInteger(opts.total) || opts.total < opts.perIp) throw new RangeError('total must be an integer >= perIp');
    this.perIp = opts.perIp;
    this.total = opts.total;
    this.prefix = opts.ipv6PrefixBits ?? 64;
  }

  /**
   * Takes a slot for a new connection from `addr`. Call `release()` when the
   * connection registers or closes (idempotent: extra calls do nothing).
   */
  tryAcquire(addr: string): AcquireResult {
    if (this.inUse >= this.total) return { ok: false, reason: 'too many unregistered connections' };
    const key = addressKey(addr, this.prefix);
    const n = this.counts.get(key) ?? 0;
    if (n >= this.perIp) return { ok: false, reason: 'too many unregistered connections from this address' };
    this.counts.set(key, n + 1);
    this.inUse++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.inUse--;
        const c = (this.counts.get(key) ?? 1) - 1;
        if (c <= 0) this.counts.delete(key);
        else this.counts.set(key, c);
      },
    };
  }

  /** Pending connections overall. */
  get pending(): number {
    return this.inUse;
  }

  /** Tracked addresses (never more than `total`). */
  get size(): number {
    return this.counts.size;
  }

  pendingFor(addr: string): number {
    return this.counts.get(addressKey(addr, this.prefix)) ?? 0;
  }
}
