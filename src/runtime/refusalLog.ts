// Refusal log lines, rate-limited per address: a flood of refused connections cannot flood the
// log. Per address (IPv6: per /64), at most `burst` lines per `windowMs`; the ones over that are
// counted, and the count is reported on the address's next logged line or, if none comes, by
// flush() (called from a timer) as one summary per address. Memory is bounded (maxEntries).
import { addressKey } from '../link/throttle.ts';

export interface RefusalLogOptions {
  burst?: number;
  windowMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry { windowStart: number; logged: number; suppressed: number }

export class RefusalLog {
  private readonly burst: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  /** Refusals not logged at all because the table was full (reported by flush()). */
  private overflow = 0;

  constructor(opts: RefusalLogOptions = {}) {
    this.burst = opts.burst ?? 5;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * A refusal from `address`: null when its line is suppressed, else the number of refusals
   * suppressed since the address's last logged line (0 usually), to put on this line.
   */
  admit(address: string): number | null {
    const key = addressKey(address || '-');
    const now = this.now();
    let e = this.entries.get(key);
    if (!e) {
      if (this.entries.size >= this.maxEntries) this.prune(now);
      if (this.entries.size >= this.maxEntries) { this.overflow++; return null; }
      e = { windowStart: now, logged: 0, suppressed: 0 };
      this.entries.set(key, e);
    }
    if (now - e.windowStart >= this.windowMs) { e.windowStart = now; e.logged = 0; }
    if (e.logged >= this.burst) { e.suppressed++; return null; }
    e.logged++;
    const carried = e.suppressed;
    e.suppressed = 0;
    return carried;
  }

  /** Addresses whose window has passed with refusals suppressed: each once, with its count; stale entries dropped. */
  flush(): { address: string; suppressed: number }[] {
    const now = this.now();
    const out: { address: string; suppressed: number }[] = [];
    for (const [k, e] of this.entries) {
      if (now - e.windowStart < this.windowMs) continue;
      if (e.suppressed > 0) out.push({ address: k, suppressed: e.suppressed });
      this.entries.delete(k);
    }
    if (this.overflow > 0) { out.push({ address: '*', suppressed: this.overflow }); this.overflow = 0; }
    return out;
  }

  get size(): number { return this.entries.size; }

  private prune(now: number): void {
    for (const [k, e] of this.entries) {
      if (now - e.windowStart >= this.windowMs && e.suppressed === 0) this.entries.delete(k);
    }
  }
}
