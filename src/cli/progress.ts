// Progress for long replays: one self-overwriting line on stderr (lines, lines/s, ETA), only
// when stderr is a terminal. Piped or redirected output stays clean, and stdout (--json,
// --state, --digest) is never touched.
export interface Progress {
  update(done: number, total: number): void;
  /** Erase the progress line (call before printing results). */
  finish(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Force on/off (default: stream.isTTY). */
  enabled?: boolean;
  /** Minimum ms between repaints (default 100). */
  intervalMs?: number;
  /** Clock (tests). */
  nowMs?: () => number;
}

const NOOP: Progress = { update() {}, finish() {} };

export function createProgress(label: string, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const enabled = opts.enabled ?? stream.isTTY === true;
  if (!enabled) return NOOP;
  const now = opts.nowMs ?? (() => Date.now());
  const every = opts.intervalMs ?? 100;
  const t0 = now();
  let last = -Infinity;
  let shown = false;
  return {
    update(done, total) {
      const t = now();
      if (t - last < every && done < total) return;
      last = t;
      shown = true;
      stream.write(`\r${formatProgress(label, done, total, (t - t0) / 1000)}\x1b[K`);
    },
    finish() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

/** "label: 12,345/100,000 lines  8,120 lines/s  ETA 0:11" */
export function formatProgress(label: string, done: number, total: number, elapsedS: number): string {
  const n = (x: number) => Math.round(x).toLocaleString('en');
  const rate = elapsedS > 0 ? done / elapsedS : 0;
  const left = rate > 0 ? Math.max(0, (total - done) / rate) : NaN;
  const eta = Number.isFinite(left) ? `${Math.floor(left / 60)}:${String(Math.floor(left % 60)).padStart(2, '0')}` : '-:--';
  return `${label}: ${n(done)}/${n(total)} lines  ${n(rate)} lines/s  ETA ${eta}`;
}
