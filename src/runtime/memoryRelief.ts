// Giving memory back after a wave of connections (issue 14 item 2). A flood of half-open or
// refused connections grows V8's heap: the young generation to its cap (2 x 4 MB with the
// node's --max-semi-space-size=4) and the old one by what the sockets and TLS sessions held. When they
// have closed nearly nothing of that is still alive (a heap snapshot 30 s after the attack of
// bench/attack.ts holds < 1 MB more than before it), but V8 shrinks its spaces only in a GC that
// runs while allocation is low, and its memory reducer skips the GC when the old generation grew
// by less than ~10 MB: the heap then stays at ~32 MB instead of ~13 MB for minutes. So once a wave
// of connections has gone and the node has been quiet for a few seconds, one full GC runs (a few
// tens of ms, once per wave). It always gives back the old generation's empty pages; the young
// generation shrinks only when V8 also judges the allocation rate low (about one run in two in
// bench/attack.ts): a plain GC cannot ask V8 for its memory-reducing mode.
// That GC cannot shrink the young generation: V8 shrinks it only in a GC that finds the allocation
// rate low since the GC before it, and before the relief GC come the attack's own scavenges. So
// the first follow-up (below, ~6 s later, the node still quiet) runs one more full GC, which finds
// the rate low and gives the young generation back (2 x 4 MB → 2 x 1 MB with
// --max-semi-space-size=4): RSS 30 s after bench/attack.ts was +4.0 to +20.8 % without it, +5.8
// to +8.0 % with it, and -0.1 to +1.5 % with it and one V8 worker thread (README).
// After the GC, malloc's free pages go back to the kernel (malloc_trim, mallocTrim.ts): glibc
// otherwise keeps ~20 MB of what OpenSSL and the sockets freed (its main arena stays at ~27 MB
// with ~4 MB in use after bench/attack.ts), as free() gives back only the top of an arena.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { mallocTrim } from './mallocTrim.ts';

export interface MemoryReliefOptions {
  /** How many connections at once count as a wave worth a GC once they are gone. */
  wave?: number;
  /** How long the count must stay low (at most a tenth of the wave) before the GC runs. */
  quietMs?: number;
  /** Runs a full GC (tests replace it). */
  gc?: () => void;
  /** Gives malloc's free pages back after the GC (mallocTrim(); tests replace it). */
  trim?: () => 'trimmed' | 'nothing' | 'unavailable';
  /**
   * How long after the GC the trim runs (ms): the native memory of collected sockets and TLS
   * sessions is freed by callbacks V8 runs after the GC, and its sweeper works on meanwhile.
   */
  trimDelayMs?: number;
  /**
   * Trims after that, every followUpMs, followUps times while the node stays quiet: memory the
   * next GCs free after a wave (V8 runs its own a few seconds later) goes back too.
   */
  followUps?: number;
  followUpMs?: number;
  /**
   * Whether the first follow-up runs a second full GC before its trim (default true): the one in
   * which V8 shrinks its young generation (see the header).
   */
  secondGc?: boolean;
  /** Called after each GC it ran: the heap's size and the RSS before and after (bytes), what the trim did. */
  onRelief?: (r: ReliefFigures) => void;
}

export interface ReliefFigures {
  peak: number;
  heapBefore: number;
  heapAfter: number;
  rssBefore: number;
  rssAfter: number;
  trim: 'trimmed' | 'nothing' | 'unavailable';
  ms: number;
}

let exposedGc: (() => void) | null = null;
/**
 * V8's full GC as a function: globalThis.gc under --expose-gc, else the same function taken from a
 * fresh context after turning the flag on (the flag only adds `gc` to contexts made after it).
 */
export function fullGc(): void {
  if (!exposedGc) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') exposedGc = g;
    else {
      v8.setFlagsFromString('--expose-gc');
      exposedGc = vm.runInNewContext('gc') as () => void;
    }
  }
  exposedGc();
}

/**
 * Watches how many connections are open before authentication (opened(), and closed() when one
 * authenticates or closes): when at least
 * `wave` were open at once and the count has then stayed at a tenth of that or less for `quietMs`,
 * runs one GC and starts watching for the next wave.
 */
export class MemoryRelief {
  private readonly wave: number;
  private readonly quietMs: number;
  private readonly gc: () => void;
  private readonly trim: () => 'trimmed' | 'nothing' | 'unavailable';
  private readonly trimDelayMs: number;
  private trimTimer: NodeJS.Timeout | null = null;
  private readonly followUps: number;
  private readonly followUpMs: number;
  private readonly secondGc: boolean;
  /** Second GCs run so far (the first follow-up's, once per relief). */
  secondGcs = 0;
  /** Trims run so far (each relief: one with its GC, one trimDelayMs later, then the follow-ups). */
  trims = 0;
  private readonly onRelief?: MemoryReliefOptions['onRelief'];
  private open = 0;
  private peak = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** GCs run so far (each followed, trimDelayMs later, by a trim and onRelief). */
  runs = 0;

  constructor(opts: MemoryReliefOptions = {}) {
    this.wave = opts.wave ?? 256;
    this.quietMs = opts.quietMs ?? 5_000;
    this.gc = opts.gc ?? fullGc;
    this.trim = opts.trim ?? mallocTrim;
    this.trimDelayMs = opts.trimDelayMs ?? 1_000;
    this.followUps = opts.followUps ?? 5;
    this.followUpMs = opts.followUpMs ?? 5_000;
    this.secondGc = opts.secondGc ?? true;
    this.onRelief = opts.onRelief;
  }

  opened(): void {
    this.open++;
    if (this.open > this.peak) this.peak = this.open;
    // Busy again: the quiet period starts over when the count falls back.
    if (this.timer && this.open > this.low()) this.disarm();
  }

  closed(): void {
    if (this.open > 0) this.open--;
    if (this.peak >= this.wave && this.open <= this.low() && !this.timer && !this.stopped) {
      this.timer = setTimeout(() => this.relieve(), this.quietMs);
      this.timer.unref();
    }
  }

  /** No GC after this (the node is stopping). */
  stop(): void {
    this.stopped = true;
    this.disarm();
    if (this.trimTimer) clearTimeout(this.trimTimer);
    this.trimTimer = null;
  }

  private low(): number { return Math.floor(this.wave / 10); }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private relieve(): void {
    this.timer = null;
    if (this.stopped || this.open > this.low()) return;
    const peak = this.peak;
    this.peak = this.open;
    const heapBefore = v8.getHeapStatistics().total_heap_size;
    const rssBefore = process.memoryUsage.rss();
    const t = performance.now();
    let gcRan = true;
    try { this.gc(); } catch { gcRan = false; /* no GC available: nothing lost but the shrink */ }
    // Trimmed at once (what the GC itself freed) and again once its deferred frees have run.
    this.trimNow();
    const ms = performance.now() - t;
    if (gcRan) this.runs++;
    const heapAfter = v8.getHeapStatistics().total_heap_size;
    if (this.trimTimer) clearTimeout(this.trimTimer);
    this.trimTimer = setTimeout(() => {
      this.trimTimer = null;
      if (this.stopped) return;
      const t2 = performance.now();
      const trim = this.trimNow();
      if (trim !== 'unavailable') this.followUp(this.followUps);
      if (!gcRan && trim === 'unavailable') return;
      this.onRelief?.({ peak, heapBefore, heapAfter, rssBefore, rssAfter: process.memoryUsage.rss(), trim, ms: ms + performance.now() - t2 });
    }, this.trimDelayMs);
    this.trimTimer.unref();
  }

  private trimNow(): ReliefFigures['trim'] {
    this.trims++;
    try { return this.trim(); } catch { return 'unavailable'; }
  }

  /**
   * `left` more trims, followUpMs apart, while the count of open connections stays low; the first
   * one after a second GC (secondGc).
   */
  private followUp(left: number, first = true): void {
    if (left <= 0) return;
    this.trimTimer = setTimeout(() => {
      this.trimTimer = null;
      if (this.stopped || this.open > this.low()) return;
      if (first && this.secondGc) {
        try { this.gc(); this.secondGcs++; } catch { /* no GC available */ }
      }
      this.trimNow();
      this.followUp(left - 1, false);
    }, this.followUpMs);
    this.trimTimer.unref();
  }
}

export interface ArrivalReliefOptions {
  /** How many arrivals, none more than `quietMs` after the one before, make a wave. */
  wave?: number;
  /** The pause after a wave before the GC runs. */
  quietMs?: number;
  gc?: () => void;
  onRelief?: (r: { arrivals: number; heapBefore: number; heapAfter: number; heapUsed: number; ms: number }) => void;
}

/**
 * The same relief for a wave of arrivals that stay (client registrations): clients that connect,
 * register and join a channel one after another are never many at once before authentication, so
 * MemoryRelief does not see them, yet each JOIN is sent to every member (1,000 joins to one channel
 * are ~500,000 lines) and the garbage of that stays in V8's heap for minutes (bench/fanout.ts:
 * ~40-60 MB for 1,000 clients, ~7 KiB each once collected). After `wave` arrivals with no pause of
 * `quietMs` between them, once the pause comes, one full GC runs.
 */
export class ArrivalRelief {
  private readonly wave: number;
  private readonly quietMs: number;
  private readonly gc: () => void;
  private readonly onRelief?: ArrivalReliefOptions['onRelief'];
  private count = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** GCs run so far. */
  runs = 0;

  constructor(opts: ArrivalReliefOptions = {}) {
    this.wave = opts.wave ?? 256;
    this.quietMs = opts.quietMs ?? 5_000;
    this.gc = opts.gc ?? fullGc;
    this.onRelief = opts.onRelief;
  }

  /** One more arrival: the quiet period starts over. */
  arrived(): void {
    if (this.stopped) return;
    this.count++;
    if (this.timer) this.timer.refresh();
    else { this.timer = setTimeout(() => this.quiet(), this.quietMs); this.timer.unref(); }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private quiet(): void {
    this.timer = null;
    const arrivals = this.count;
    this.count = 0;
    if (this.stopped || arrivals < this.wave) return;
    const heapBefore = v8.getHeapStatistics().total_heap_size;
    const t = performance.now();
    try { this.gc(); } catch { return; }
    this.runs++;
    const after = v8.getHeapStatistics();
    this.onRelief?.({ arrivals, heapBefore, heapAfter: after.total_heap_size, heapUsed: after.used_heap_size, ms: performance.now() - t });
  }
}
