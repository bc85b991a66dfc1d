/**
 * Reconnect backoff: exponential growth with "full jitter" (AWS architecture
 * blog variant): the ceiling grows as base * factor^attempt up to maxMs, and
 * each delay is drawn uniformly from [minMs, ceiling]. Deterministic when a
 * random source is injected.
 */

export interface BackoffOptions {
  /** Lower bound of every delay (default 1000 ms). */
  minMs?: number;
  /** Upper bound of every delay (default 300000 ms). */
  maxMs?: number;
  /** Ceiling for attempt 0 (default = minMs, or 1000 if minMs is 0). */
  baseMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Uniform source in [0, 1) (default Math.random). */
  random?: () => number;
}

interface Resolved {
  minMs: number;
  maxMs: number;
  baseMs: number;
  factor: number;
  random: () => number;
}

function resolve(opts: BackoffOptions): Resolved {
  const minMs = opts.minMs ?? 1000;
  const maxMs = opts.maxMs ?? 300_000;
  const baseMs = opts.baseMs ?? (minMs > 0 ? minMs : 1000);
  const factor = opts.factor ?? 2;
  if (!Number.isFinite(minMs) || minMs < 0) throw new RangeError('backoff: minMs must be a finite number >= 0');
  if (!Number.isFinite(maxMs) || maxMs < minMs) throw new RangeError('backoff: maxMs must be finite and >= minMs');
  if (!Number.isFinite(baseMs) || baseMs <= 0) throw new RangeError('backoff: baseMs must be > 0');
  if (!Number.isFinite(factor) || factor < 1) throw new RangeError('backoff: factor must be >= 1');
  return { minMs, maxMs, baseMs, factor, random: opts.random ?? Math.random };
}

/** The ceiling for `attempt` (0-based), clamped to [minMs, maxMs]. Never overflows. */
export function backoffCeiling(attempt: number, opts: BackoffOptions = {}): number {
  const r = resolve(opts);
  return ceiling(attempt, r);
}

function ceiling(attempt: number, r: Resolved): number {
  const a = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  // base * factor^a without overflow: stop growing once past maxMs.
  const raw = r.baseMs * Math.pow(r.factor, Math.min(a, 1100));
  const c = Number.isFinite(raw) ? Math.min(raw, r.maxMs) : r.maxMs;
  return Math.max(c, r.minMs);
}

function draw(attempt: number, r: Resolved): number {
  const c = ceiling(attempt, r);
  let u = r.random();
  if (!Number.isFinite(u) || u < 0) u = 0;
  if (u >= 1) u = 1 - Number.EPSILON;
  const d = r.minMs + u * (c - r.minMs);
  // Float safety: keep inside the bounds.
  return Math.min(Math.max(d, r.minMs), c);
}

/** One delay for `attempt` (0-based), in ms, within [minMs, ceiling(attempt)] ⊆ [minMs, maxMs]. */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  return draw(attempt, resolve(opts));
}

export interface Backoff {
  /** Delay before the next attempt; increments the attempt counter. */
  next(): number;
  /** Call after a successful link. */
  reset(): void;
  readonly attempt: number;
}

export function createBackoff(opts: BackoffOptions = {}): Backoff {
  const r = resolve(opts);
  let attempt = 0;
  return {
    next() {
      const d = draw(attempt, r);
      if (attempt < 1_000_000) attempt++;
      return d;
    },
    reset() {
      attempt = 0;
    },
    get attempt() {
      return attempt;
    },
  };
}
