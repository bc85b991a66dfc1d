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
//    PROTOCTL TSLINK-NONCE / TSLINK-PROOF, the client data of SASL lines (users' AUTHENTICATE
//    payloads), and every configured secret string anywhere in a row.
//    PASS and PROTOCTL are recognised on the line as the engine parses it (engineParse()), and a
//    row that cannot be redacted with confidence is not written: it is counted and a note stands in.
import { createWriteStream, promises as fsp, type WriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { captureHeader, formatNote, formatRow, type CaptureDir } from './captureFormat.ts';
import { utf8ToByteString, type Message } from '../wire/message.ts';
import { parseReceived } from '../s2s/engine.ts';
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
  /** Bytes this writer puts in its file at most; then one note and nothing more (default unlimited). */
  maxFileBytes?: number;
}

export const REDACTED = '[redacted]';

/**
 * Build the redaction function for a set of secrets (exported for tests and other writers).
 * It returns the row to write, or null when the row must not be written at all (redactRow()).
 */
export function makeRedactor(secrets: readonly string[] = []): (line: string) => string | null {
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
  return (line: string): string | null => {
    try {
      // Protocol redaction decides on the line as received (the secrets pass could change how it parses).
      const out = redactRow(line);
      if (out === null) return null;
      const final = secretRe ? out.replace(secretRe, REDACTED) : out;
      return final === out || !hasSecretToken(final) ? final : null;
    } catch {
      return null; // anything the redactor cannot process is not written
    }
  };
}

/** How the engine reads a received line (Engine.dispatch): the one parser, so redaction sees what the engine sees. */
const engineParse = parseReceived;

const SECRET_TOKENS = new Set(['TSLINK-NONCE', 'TSLINK-PROOF']);
const TOKEN_RE = /(^|[ :])(TSLINK-(?:NONCE|PROOF))=[^ ]*/gi;
const BREAK_RE = /[\r\n\0]/;

/**
 * PROTOCTL tokens, split more widely than the PROTOCTL handler splits them (it takes each param as
 * one token with a case-sensitive name): params are also cut at spaces and names upper-cased, so
 * any spelling that could carry a nonce or proof is redacted.
 */
function protoctlTokens(msg: Message): { key: string; value: string; tok: string }[] {
  const out: { key: string; value: string; tok: string }[] = [];
  for (const tok of msg.params.join(' ').split(' ')) {
    if (!tok) continue;
    const eq = tok.indexOf('=');
    out.push({ key: (eq < 0 ? tok : tok.slice(0, eq)).toUpperCase(), value: eq < 0 ? '' : tok.slice(eq + 1), tok });
  }
  return out;
}

/** A PASS whose argument is nothing or '*' carries no password. */
function passIsEmpty(msg: Message): boolean {
  return msg.params.length === 0 || (msg.params.length === 1 && (msg.params[0] === '' || msg.params[0] === '*'));
}

/** Does the engine read a password, nonce or proof from this parsed line that is not already redacted? */
function secretIn(msg: Message | null): boolean {
  if (!msg) return false;
  if (msg.command === 'PASS') return !passIsEmpty(msg) && !(msg.params.length === 1 && msg.params[0] === REDACTED);
  if (msg.command === 'PROTOCTL') return protoctlTokens(msg).some((t) => SECRET_TOKENS.has(t.key) && t.value !== '' && t.value !== REDACTED);
  if (msg.command === 'SASL') return saslData(msg) !== null && saslData(msg) !== REDACTED;
  return false;
}

/**
 * The client data of an S2S SASL line (`SASL <server> <uid> C <data>`: a user's AUTHENTICATE
 * payload, e.g. PLAIN's base64 of the account and password), or null for any other SASL line.
 */
function saslData(msg: Message): string | null {
  return msg.params.length >= 4 && msg.params[2].toUpperCase() === 'C' && msg.params[3] !== '' && msg.params[3] !== '+' ? msg.params.slice(3).join(' ') : null;
}

/**
 * Does `row` carry a secret in any reading of it: the engine's (up to the first CR/LF/NUL), the
 * text after each break taken as a line of its own, and the row as the file holds it (an LF is
 * written as a space, so replay sees the pieces as one line)?
 */
function hasSecretToken(row: string): boolean {
  if (secretIn(engineParse(row))) return true;
  if (!BREAK_RE.test(row)) return false;
  for (const piece of row.split(/[\r\n\0]/).slice(1)) if (secretIn(engineParse(piece))) return true;
  return secretIn(engineParse(row.replace(/\n/g, ' ')));
}

/**
 * The protocol redaction of one row, decided on the parsed command (the engine's parser, so
 * every spelling the engine takes as PASS or PROTOCTL is covered: leading spaces, tags, a
 * source, lower case, a middle or trailing param): a PASS keeps its tags/source/command and gets
 * `:[redacted]` for all its params (unless it has none, or just `*`); a PROTOCTL gets its
 * TSLINK-NONCE / TSLINK-PROOF values replaced. Null: the row cannot be redacted with confidence
 * (a line holding CR/LF/NUL with a secret in one of its readings, or a result that still
 * parses as carrying one) and must be dropped.
 */
export function redactRow(line: string): string | null {
  if (BREAK_RE.test(line)) return hasSecretToken(line) ? null : line;
  const msg = engineParse(line);
  let out = line;
  if (msg && msg.command === 'PASS' && !passIsEmpty(msg)) {
    out = `${commandPrefix(line)} :${REDACTED}`;
  } else if (msg && msg.command === 'SASL' && saslData(msg) !== null) {
    out = `${commandPrefix(line)} ${msg.params[0]} ${msg.params[1]} ${msg.params[2]} :${REDACTED}`;
  } else if (msg && msg.command === 'PROTOCTL') {
    const tokens = protoctlTokens(msg);
    if (tokens.some((t) => SECRET_TOKENS.has(t.key))) {
      const want = tokens.map((t) => (SECRET_TOKENS.has(t.key) && t.value !== '' ? `${t.tok.slice(0, t.tok.indexOf('='))}=${REDACTED}` : t.tok));
      const prefix = commandPrefix(line);
      // In place when that gives exactly the wanted tokens, else the params rebuilt as one trailing.
      out = prefix + line.slice(prefix.length).replace(TOKEN_RE, `$1$2=${REDACTED}`);
      const got = engineParse(out);
      if (!got || got.command !== 'PROTOCTL' || protoctlTokens(got).map((t) => t.tok).join(' ') !== want.join(' ')) out = `${prefix} :${want.join(' ')}`;
      // The PROTOCTL handler takes each param whole as one token: a trailing param such as
      // `:TSLINK-NONCE=a b=c` is read as TSLINK-NONCE with the value `a b=c`, all of it the secret.
      // Then that whole param is written as `TSLINK-NONCE=[redacted]`, so the row is read back as the
      // same tokens with their values replaced.
      const last = msg.params[msg.params.length - 1] ?? '';
      const eq = last.indexOf('=');
      if (last.includes(' ') && eq > 0 && SECRET_TOKENS.has(last.slice(0, eq))) {
        const middle = msg.params.slice(0, -1).map((p) => {
          const e = p.indexOf('=');
          return e > 0 && SECRET_TOKENS.has(p.slice(0, e).toUpperCase()) && e < p.length - 1 ? `${p.slice(0, e)}=${REDACTED}` : p;
        });
        out = `${prefix} ${middle.length ? `${middle.join(' ')} ` : ''}:${last.slice(0, eq)}=${REDACTED}`;
      }
    }
  }
  // Unchanged and not a PASS/PROTOCTL with a secret: nothing to check again (no break in it, one reading).
  if (out === line && !secretIn(msg)) return line;
  return hasSecretToken(out) ? null : out;
}

/** The line up to the end of its command word, split as Engine.dispatch/parseFrom split it. */
function commandPrefix(line: string): string {
  const n = line.length;
  let i = 0;
  const skip = (): void => { while (i < n && line.charCodeAt(i) === 32) i++; };
  const word = (): void => { const sp = line.indexOf(' ', i); i = sp < 0 ? n : sp; };
  if (line.charCodeAt(0) === 64 /* @: the engine's own tag split */) word();
  skip();
  if (line.charCodeAt(i) === 64 /* @ */) { word(); skip(); }
  if (line.charCodeAt(i) === 58 /* : */) { word(); skip(); }
  word();
  return line.slice(0, i);
}

/** PASS arguments and TSLINK-NONCE/-PROOF values (redactRow(); a row it cannot redact becomes null). */
export function redactProtocol(line: string): string | null {
  return redactRow(line);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class CaptureWriter {
  readonly path: string;
  private stream: WriteStream | null;
  private readonly redact: (line: string) => string | null;
  private readonly nowMs: () => number;
  private readonly t0: number;
  private readonly maxBuffered: number;
  private readonly log?: CaptureLog;
  private dropped = 0;
  private unredactable = 0;
  private failed: string | null = null;
  private closing: Promise<void> | null = null;
  /** Rows accepted into the stream (after redaction). */
  rows = 0;
  /** Bytes written to the file by this writer. */
  bytes = 0;
  private readonly maxFileBytes: number;
  private full = false;

  constructor(path: string, opts: CaptureWriterOptions = {}) {
    this.path = path;
    this.redact = makeRedactor(opts.secrets);
    this.nowMs = opts.nowMs ?? (() => performance.now());
    this.t0 = this.nowMs();
    this.maxBuffered = opts.maxBuffered ?? 32 * 1024 * 1024;
    this.maxFileBytes = opts.maxFileBytes ?? Infinity;
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
    const note = opts.note ? this.redact(opts.note) ?? '(note withheld: could not redact it)' : null;
    this.put(captureHeader(`${note ? `${note}, ` : ''}started ${new Date().toISOString()}`));
  }

  /** Is the capture still being written? */
  get active(): boolean { return this.stream !== null && this.failed === null && this.closing === null && !this.full; }
  /** Why the capture stopped (null while it runs or after a clean close). */
  get failure(): string | null { return this.failed; }
  /** Rows dropped because the disk fell behind. */
  get droppedRows(): number { return this.dropped; }
  /** Rows (and notes) not written because redaction could not be done with confidence. */
  get unredactableRows(): number { return this.unredactable; }

  /** One protocol line: '<' received from the peer, '>' sent to it. */
  record(dir: CaptureDir, line: string): void {
    if (!this.active) return;
    try {
      const row = this.redact(line);
      if (row === null) { this.withhold(); return; }
      this.put(formatRow(this.nowMs() - this.t0, dir, row));
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
    }
  }

  /** An annotation row ("# text"). */
  note(text: string): void {
    if (!this.active) return;
    try {
      const row = this.redact(text);
      if (row === null) { this.withhold(); return; }
      this.put(formatNote(row));
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
    const bytes = Buffer.from(row + '\n', 'latin1');
    if (this.bytes + bytes.length > this.maxFileBytes) {
      // The file's share is used up: say so once, then record nothing more (the link carries on).
      this.full = true;
      s.write(Buffer.from(formatNote(`capture: stopped at ${this.bytes} bytes (the capture limit for this link)`) + '\n', 'latin1'));
      return;
    }
    s.write(bytes);
    this.bytes += bytes.length;
    this.rows++;
  }

  /** A row the redactor refused: counted, and a note in its place (so the gap is visible). */
  private withhold(): void {
    this.unredactable++;
    this.put(formatNote(`capture: 1 row dropped (could not redact it; ${this.unredactable} so far)`));
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
