// Recording a link's traffic to a capture file (format: captureFormat.ts, fixtures/README.md).
//
//   const cap = new CaptureWriter('captures/hub.log', { secrets, log, note: 'link hub.example.net (out#3)' });
//   cap.record('<', line);   // every line received from the peer (a byte string, no CR LF)
//   cap.record('>', line);   // every line sent to the peer
//   cap.note('connection closed by peer');
//   await cap.close();
//
// Properties the link relies on:
//  - record()/note()/close() never throw and never block: rows go to a buffered fs.WriteStream.
//  - A write error (ENOSPC, EIO, EACCES, a missing directory, ...) stops the capture: one log
//    line (event CAPTURE_FAILED), every later record() is a no-op, the link itself carries on.
//  - If the disk falls behind by more than `maxBuffered` bytes, rows are dropped (counted, and a
//    "# N rows dropped" annotation is written once the stream drains) instead of growing memory.
//  - Redaction before anything reaches the stream: PASS arguments (unless `*`), the values of
//    PROTOCTL TSLINK-NONCE / TSLINK-PROOF, and every configured secret string anywhere in a row.
import { createWriteStream, promises as fsp, type WriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { captureHeader, formatNote, formatRow, type CaptureDir } from './captureFormat.ts';
import { utf8ToByteString } from '../wire/message.ts';
import type { TslinkConfig } from '../config/index.ts';

/** A pino-style logger (warn(obj, msg)) or a plain function. */
export type CaptureLog = { warn: (obj: object, msg: string) => void } | ((msg: string, fields: object) => void);

export interface CaptureWriterOptions {
  /** Secret strings (link passwords, HMAC secrets, ...) that must never appear in the file. */
  secrets?: readonly string[];
  /** Where the single "capture stopped" line goes. */
  log?: CaptureLog;
  /** Text for the header annotation (e.g. the link name and id). */
  note?: string;
  /** Millisecond clock for the row times (default performance.now()). */
  nowMs?: () => number;
  /** Bytes queued in the stream before rows are dropped (default 32 MiB). */
  maxBuffered?: number;
  /** File open flags: 'a' (default) appends, so a reconnecting link continues its file; 'w' truncates. */
  flags?: 'a' | 'w';
  /** File mode when the file is created (default 0o600: captures hold addresses and hosts). */
  mode?: number;
}

export const REDACTED = '[redacted]';

/** Build the redaction function for a set of secrets (exported for tests and other writers). */
export function makeRedactor(secrets: readonly string[] = []): (line: string) => string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string') continue;
    for (const v of [s, s.trim()]) {
      if (!v || v === '*') continue;
      forms.add(utf8ToByteString(v));
      if (!/[^\x00-\xff]/.test(v)) forms.add(v); // maybe already a byte string (latin1 form)
    }
  }
  const list = [...forms].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
  const secretRe = list.length ? new RegExp(list.map(escapeRe).join('|'), 'g') : null;
  return (line: string): string => {
    let out = secretRe ? line.replace(secretRe, REDACTED) : line;
    out = redactProtocol(out);
    return out;
  };
}

const PASS_RE = /^((?:@\S+ +)?(?::\S+ +)?)(PASS)( +)(.*)$/is;
const PROTOCTL_RE = /^(?:@\S+ +)?(?::\S+ +)?PROTOCTL /i;
const TOKEN_RE = /(^|[ :])(TSLINK-(?:NONCE|PROOF))=[^ ]*/gi;

/** PASS arguments and TSLINK-NONCE/-PROOF values. */
export function redactProtocol(line: string): string {
  const m = PASS_RE.exec(line);
  if (m) {
    const arg = m[4];
    const value = arg.startsWith(':') ? arg.slice(1) : arg.split(' ')[0];
    if (value === '*' || value === '') return line;
    return `${m[1]}${m[2]}${m[3]}:${REDACTED}`;
  }
  if (PROTOCTL_RE.test(line)) return line.replace(TOKEN_RE, `$1$2=${REDACTED}`);
  return line;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class CaptureWriter {
  readonly path: string;
  private stream: WriteStream | null;
  private readonly redact: (line: string) => string;
  private readonly nowMs: () => number;
  private readonly t0: number;
  private readonly maxBuffered: number;
  private readonly log?: CaptureLog;
  private dropped = 0;
  private failed: string | null = null;
  private closing: Promise<void> | null = null;
  /** Rows accepted into the stream (after redaction). */
  rows = 0;

  constructor(path: string, opts: CaptureWriterOptions = {}) {
    this.path = path;
    this.redact = makeRedactor(opts.secrets);
    this.nowMs = opts.nowMs ?? (() => performance.now());
    this.t0 = this.nowMs();
    this.maxBuffered = opts.maxBuffered ?? 32 * 1024 * 1024;
    this.log = opts.log;
    let stream: WriteStream | null = null;
    try {
      stream = createWriteStream(path, { flags: opts.flags ?? 'a', mode: opts.mode ?? 0o600 });
      stream.on('error', (err: NodeJS.ErrnoException) => this.fail(err));
      stream.on('drain', () => this.onDrain());
    } catch (err) {
      this.stream = null;
      this.fail(err as NodeJS.ErrnoException);
      return;
    }
    this.stream = stream;
    this.put(captureHeader(`${opts.note ? `${this.redact(opts.note)}, ` : ''}started ${new Date().toISOString()}`));
  }

  /** Is the capture still being written? */
  get active(): boolean { return this.stream !== null && this.failed === null && this.closing === null; }
  /** Why the capture stopped (null while it runs or after a clean close). */
  get failure(): string | null { return this.failed; }
  /** Rows dropped because the disk fell behind. */
  get droppedRows(): number { return this.dropped; }

  /** One protocol line: '<' received from the peer, '>' sent to it. */
  record(dir: CaptureDir, line: string): void {
    if (!this.active) return;
    try {
      this.put(formatRow(this.nowMs() - this.t0, dir, this.redact(line)));
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
    }
  }

  /** An annotation row ("# text"). */
  note(text: string): void {
    if (!this.active) return;
    try {
      this.put(formatNote(this.redact(text)));
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
    }
  }

  /** Flush and close. Resolves once the file is closed (or the capture had already failed). */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const s = this.stream;
    if (!s || this.failed) { this.closing = Promise.resolve(); return this.closing; }
    if (this.dropped) this.writeDroppedNote();
    this.closing = new Promise<void>((resolve) => {
      const done = () => resolve();
      s.once('close', done);
      s.once('error', done);
      try { s.end(); } catch { resolve(); }
    }).then(() => { this.stream = null; });
    return this.closing;
  }

  private put(row: string): void {
    const s = this.stream;
    if (!s) return;
    if (s.writableLength > this.maxBuffered) { this.dropped++; return; }
    s.write(Buffer.from(row + '\n', 'latin1'));
    this.rows++;
  }

  private onDrain(): void {
    if (this.dropped && this.active) this.writeDroppedNote();
  }

  private writeDroppedNote(): void {
    const n = this.dropped;
    this.dropped = 0;
    const s = this.stream;
    if (s) s.write(Buffer.from(formatNote(`capture: ${n} rows dropped (disk too slow)`) + '\n', 'latin1'));
  }

  private fail(err: NodeJS.ErrnoException): void {
    if (this.failed) return;
    this.failed = `${err?.code ? `${err.code}: ` : ''}${err?.message ?? String(err)}`;
    const s = this.stream;
    this.stream = null;
    try { s?.destroy(); } catch { /* already gone */ }
    const fields = { event: 'CAPTURE_FAILED', path: this.path, reason: this.failed };
    const msg = `capture to ${this.path} stopped: ${this.failed}`;
    try {
      if (typeof this.log === 'function') this.log(msg, fields);
      else this.log?.warn(fields, msg);
    } catch { /* a broken logger must not take the link down either */ }
  }
}

/**
 * The secret strings a node knows from its configuration, for CaptureWriter's `secrets`:
 * the contents of every link's password-file and hmac-secret-file (whole file, trimmed, and
 * each non-empty line). Unreadable files are skipped (the link fails on its own later).
 */
export async function captureSecretsFromConfig(config: Pick<TslinkConfig, 'links'>): Promise<string[]> {
  const out = new Set<string>();
  const files = new Set<string>();
  for (const l of config.links) {
    if (l.passwordFile) files.add(l.passwordFile);
    if (l.hmacSecretFile) files.add(l.hmacSecretFile);
  }
  for (const f of files) {
    let text: string;
    try { text = await fsp.readFile(f, 'utf8'); } catch { continue; }
    if (text.trim()) out.add(text.trim());
    for (const line of text.split(/\r?\n/)) if (line.trim()) out.add(line.trim());
  }
  return [...out];
}
