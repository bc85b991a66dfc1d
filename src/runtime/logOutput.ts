// Where the node's log lines go: stdout (JSON lines, for journald; pretty on a terminal) by
// default, or the file of a `log { destination { file "..." { maxsize ...; } } }` block, rotated
// by size with pino-roll (tslink.log → tslink.1.log, tslink.2.log, ...; the newest
// LOG_FILES_KEPT are kept). The logger writes to `stream`, which passes each line on to the
// current target, so a reload can switch targets under a logger that the node (and its RPC
// log tap) already hold. Redaction happens in the logger, before a line reaches any target.
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import pino from 'pino';
import type { LogFileConfig, TslinkConfig } from '../config/index.ts';

/** Rotated files kept besides the one being written. */
export const LOG_FILES_KEPT = 9;

interface Target { write(chunk: string): unknown; flushSync?: () => void; end?: () => void; once?: (ev: string, cb: () => void) => unknown }

/** What the log file of a configuration is (the file resolved against the data directory). */
export function logFileOf(config: TslinkConfig): LogFileConfig | undefined {
  const l = config.log;
  if (!l) return undefined;
  const file = isAbsolute(l.file) ? l.file : resolve(config.set.dataDirectory ?? '.tslink-data', l.file);
  return { ...l, file };
}

function describe(file: LogFileConfig | undefined): string {
  return file ? `log file ${file.file} (rotated at ${file.maxSize} bytes)` : 'stdout';
}

export class LogOutput {
  private target: Target;
  private file: LogFileConfig | undefined;
  private readonly stdout: Target;
  /** What the logger writes to. */
  readonly stream: { write(chunk: string): void };

  constructor(opts: { pretty?: boolean; stdout?: Target } = {}) {
    this.stdout = opts.stdout ?? stdoutTarget(opts.pretty ?? process.stdout.isTTY === true);
    this.target = this.stdout;
    this.stream = { write: (chunk: string) => { this.target.write(chunk); } };
  }

  /** Where lines go now. */
  get where(): string { return describe(this.file); }

  /**
   * Switch to the configuration's destination (nothing happens when it is the current one);
   * returns what changed. When the file cannot be opened, lines keep going where they went, and
   * the error says so.
   */
  async apply(config: TslinkConfig): Promise<string[]> {
    const next = logFileOf(config);
    if (next?.file === this.file?.file && next?.maxSize === this.file?.maxSize) return [];
    const before = this.target;
    const target = next ? await openRolling(next) : this.stdout;
    this.target = target;
    this.file = next;
    if (before !== this.stdout && before !== target) await closeTarget(before);
    return [`logging to ${describe(next)}`];
  }

  /** NodeOptions.logOutput: a reload applies the log block (a file that cannot be opened is reported, not fatal). */
  async reload(config: TslinkConfig): Promise<string[]> {
    try {
      return await this.apply(config);
    } catch (err) {
      return [`log file ${logFileOf(config)?.file ?? ''} FAILED: ${(err as Error).message}; still logging to ${this.where}`];
    }
  }

  /** Flush and close the file (stdout stays open). */
  async close(): Promise<void> {
    const t = this.target;
    this.target = this.stdout;
    this.file = undefined;
    if (t !== this.stdout) await closeTarget(t);
  }
}

function stdoutTarget(pretty: boolean): Target {
  if (pretty) {
    try {
      const require = createRequire(import.meta.url);
      const prettyStream = require('pino-pretty') as (o: object) => Target;
      return prettyStream({ colorize: true, translateTime: 'SYS:standard' });
    } catch {
      // pino-pretty unavailable: JSON it is.
    }
  }
  return pino.destination({ fd: 1, sync: true });
}

async function openRolling(file: LogFileConfig): Promise<Target> {
  const roll = (await import('pino-roll')).default;
  // Synchronous writes, as on stdout: a file that cannot be opened fails here (not later, in an
  // error event), every line is on disk before the process exits, and the rotation check runs
  // after each write (pino-roll rolls on the stream's drain, which a busy async stream delays).
  const stream = await roll({ file: file.file, size: `${file.maxSize}b`, mkdir: true, sync: true, limit: { count: LOG_FILES_KEPT, removeOtherLogFiles: true } });
  // A write error (disk full, file removed with its directory) must not take the node down.
  stream.on('error', () => {});
  return stream;
}

function closeTarget(t: Target): Promise<void> {
  return new Promise((resolve) => {
    try { t.flushSync?.(); } catch { /* not open yet, or closed */ }
    if (!t.end || !t.once) { resolve(); return; }
    const timer = setTimeout(resolve, 1000);
    t.once('close', () => { clearTimeout(timer); resolve(); });
    try { t.end(); } catch { clearTimeout(timer); resolve(); }
  });
}
