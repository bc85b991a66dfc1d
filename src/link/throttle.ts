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

  /** Forgets the addresses with no attempt left in the window; returns how many it forgot. */
  prune(): number {
    const cutoff = this.now() - this.windowMs;
    let n = 0;
    for (const [k, times] of this.table) {
      if (times.length > 0 && times[times.length - 1]! > cutoff) continue;
      this.table.delete(k);
      n++;
    }
    return n;
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

export interface HandshakeSlotOptions {
  /** Unfinished handshakes allowed per address (IPv6: per /64). */
  perIp: number;
  /** Unfinished handshakes allowed per network prefix (IPv4 /24, IPv6 /48). */
  perPrefix: number;
  /** Unfinished handshakes allowed overall, trusted addresses not counted. */
  total: number;
}

/** Whoever holds a slot: evict() closes its connection when its slot is taken for a newer one. */
export interface SlotHolder { evict(): void }

/**
 * A slot taken (acquire()): release() when the handshake is over or the connection closed (again
 * is a no-op), trust() once its certificate matched a link block. One object per connection, its
 * methods on the prototype: no closures per connection (issue 14 item 2, memory per half-open
 * connection).
 */
export class HandshakeSlot {
  /** @internal */ released = false;
  /** @internal */
  constructor(private readonly slots: HandshakeSlots, readonly ip: string, readonly prefix: string, public trusted: boolean, readonly holder: (() => void) | SlotHolder, readonly evicted: boolean) {}
  get ok(): true { return true; }
  release(): void { this.slots.free(this); }
  trust(): void { this.slots.trustSlot(this); }
  /** @internal */
  evict(): void {
    const h = this.holder;
    if (typeof h === 'function') h(); else h.evict();
  }
}

export type SlotResult = HandshakeSlot | { ok: false; reason: string };

type Slot = HandshakeSlot;

/** The network prefix an address is counted under: IPv4 /24, IPv6 /48 (a site), else the text itself. */
export function prefixKey(addr: string): string {
  const a = addressKey(addr, 48);
  if (net.isIPv4(a)) return a.slice(0, a.lastIndexOf('.')) + '.0/24';
  return a;
}

/**
 * Slots for connections that have not finished their handshake (TLS, PASS, SERVER), which an
 * attacker cannot fill for everyone else:
 *  - an address trusted by the configuration (it matches a link block) always gets a slot (up to
 *    `perIp` of its own), is not counted in `total` and is never evicted; a connection becomes
 *    trusted too once its certificate matched a link block (`trust()`);
 *  - any other address gets at most `perIp` slots, its /24 (/48) at most `perPrefix`;
 *  - when `total` is reached, the newcomer takes the slot of the oldest connection of the prefix
 *    holding the most, if that prefix holds more than the newcomer's would; else it is refused.
 * Memory is bounded by total + the trusted ones (each at most perIp per trusted address).
 */
export class HandshakeSlots {
  private readonly ipCount = new Map<string, number>();
  private readonly prefixSlots = new Map<string, Set<Slot>>();
  private untrusted = 0;
  private trustedCount = 0;

  private opts: HandshakeSlotOptions;
  constructor(opts: HandshakeSlotOptions) {
    this.opts = HandshakeSlots.checked(opts);
  }

  /** New limits (a rehash): slots held stay; new connections see the new caps. */
  setLimits(opts: HandshakeSlotOptions): void {
    this.opts = HandshakeSlots.checked(opts);
  }

  private static checked(opts: HandshakeSlotOptions): HandshakeSlotOptions {
    for (const k of ['perIp', 'perPrefix', 'total'] as const) {
      if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new RangeError(`${k} must be an integer >= 1`);
    }
    return { perIp: opts.perIp, perPrefix: opts.perPrefix, total: opts.total };
  }

  /**
   * Takes a slot for a new connection from `addr`; `evict` (a function, or an object's evict())
   * closes that connection if its slot is taken for another.
   */
  acquire(addr: string, trusted: boolean, evict: (() => void) | SlotHolder): SlotResult {
    const ip = addressKey(addr);
    const prefix = prefixKey(addr);
    if ((this.ipCount.get(ip) ?? 0) >= this.opts.perIp) return { ok: false, reason: 'too many unregistered connections from this address' };
    let evicted = false;
    if (!trusted) {
      const held = this.prefixSlots.get(prefix)?.size ?? 0;
      if (held >= this.opts.perPrefix) return { ok: false, reason: 'too many unregistered connections from this network' };
      if (this.untrusted >= this.opts.total) {
        const victim = this.oldestOfHeaviest(held);
        if (!victim) return { ok: false, reason: 'too many unregistered connections' };
        this.free(victim);
        victim.evict();
        evicted = true;
      }
    }
    const slot = new HandshakeSlot(this, ip, prefix, trusted, evict, evicted);
    this.ipCount.set(ip, (this.ipCount.get(ip) ?? 0) + 1);
    if (trusted) this.trustedCount++;
    else {
      this.untrusted++;
      let set = this.prefixSlots.get(prefix);
      if (!set) { set = new Set(); this.prefixSlots.set(prefix, set); }
      set.add(slot);
    }
    return slot;
  }

  /** @internal HandshakeSlot.trust(): no longer counted in `total`, never evicted. */
  trustSlot(slot: Slot): void {
    if (slot.released || slot.trusted) return;
    this.removeFromPrefix(slot);
    this.untrusted--;
    slot.trusted = true;
    this.trustedCount++;
  }

  /** The oldest untrusted slot of the prefix holding the most, if it holds more than `than` + 1. */
  private oldestOfHeaviest(than: number): Slot | undefined {
    let best: Set<Slot> | undefined;
    for (const set of this.prefixSlots.values()) if (!best || set.size > best.size) best = set;
    if (!best || best.size <= than + 1) return undefined;
    return best.values().next().value;
  }

  private removeFromPrefix(slot: Slot): void {
    const set = this.prefixSlots.get(slot.prefix);
    if (!set) return;
    set.delete(slot);
    if (set.size === 0) this.prefixSlots.delete(slot.prefix);
  }

  /** @internal HandshakeSlot.release(). */
  free(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    if (slot.trusted) this.trustedCount--;
    else { this.untrusted--; this.removeFromPrefix(slot); }
    const c = (this.ipCount.get(slot.ip) ?? 1) - 1;
    if (c <= 0) this.ipCount.delete(slot.ip); else this.ipCount.set(slot.ip, c);
  }

  /** Unfinished handshakes: untrusted (counted in total) and trusted. */
  get pending(): number { return this.untrusted + this.trustedCount; }
  get pendingUntrusted(): number { return this.untrusted; }
  /** Tracked addresses (bounded by pending). */
  get size(): number { return this.ipCount.size; }
  pendingFor(addr: string): number { return this.ipCount.get(addressKey(addr)) ?? 0; }
}
