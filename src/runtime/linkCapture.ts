// Recording one live link's traffic (a link block's `capture "path";`, `tslink start --capture-dir DIR`).
//
// A LinkCapture belongs to one connection. It records every line the connection processed ('<')
// and wrote ('>') through CaptureWriter (redaction, non-blocking, one log line on a disk error).
// An incoming connection names its link block only with its EAUTH, so its capture starts in
// BUFFERING mode at accept: rows are kept in memory (bounded) with their times, and written —
// handshake included — once the targets are known (`open`) or dropped (`discard`).
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { CaptureWriter, type CaptureLog } from '../replay/captureWriter.ts';
import type { CaptureDir } from '../replay/captureFormat.ts';

/** Where one capture goes, and what its header says; `maxBytes` caps what this connection adds to the file. */
export interface CaptureTarget { path: string; note: string; maxBytes?: number }

/**
 * What captures may take on disk, per link (per file name stem in a capture directory): at most
 * CAPTURE_FILES_PER_LINK files and CAPTURE_BYTES_PER_LINK bytes (the oldest files are removed to
 * make room), and one connection writes at most CAPTURE_BYTES_PER_FILE. A reconnecting link in a
 * retry loop cannot fill a disk.
 */
export const CAPTURE_FILES_PER_LINK = 10;
export const CAPTURE_BYTES_PER_LINK = 256 * 1024 * 1024;
export const CAPTURE_BYTES_PER_FILE = 64 * 1024 * 1024;

/**
 * The capture files of one link in a capture directory: `<stem>-<time>.txt` for a link block; for
 * connections that never named a block (`in-<id>-<time>.txt`), all of them together.
 */
export function captureFilesOf(name: string | null): RegExp {
  if (name === null) return /^in-\d+-\d{4}-[0-9T-]+Z\.txt$/;
  return new RegExp(`^${captureFileStem(name).replace(/[.]/g, '\\.')}-\\d{4}-[0-9T-]+Z\\.txt$`);
}

/**
 * Make room in a capture directory for one more file of a link (`files`: captureFilesOf()):
 * remove its oldest files until at most `maxFiles - 1` remain and they hold at most
 * `maxBytes - perFile` bytes. Returns the removed paths. Errors (a file removed meanwhile, a
 * permission) are ignored: the limit is best effort.
 */
export function pruneCaptureDir(dir: string, files0: RegExp, maxFiles = CAPTURE_FILES_PER_LINK, maxBytes = CAPTURE_BYTES_PER_LINK, perFile = CAPTURE_BYTES_PER_FILE): string[] {
  let files: { path: string; size: number; mtime: number }[] = [];
  try {
    files = readdirSync(dir).filter((f) => files0.test(f)).flatMap((f) => {
      try { const st = statSync(join(dir, f)); return st.isFile() ? [{ path: join(dir, f), size: st.size, mtime: st.mtimeMs }] : []; } catch { return []; }
    });
  } catch { return []; }
  files.sort((a, b) => a.mtime - b.mtime || (a.path < b.path ? -1 : 1));
  let total = files.reduce((n, f) => n + f.size, 0);
  const removed: string[] = [];
  while (files.length > 0 && (files.length > maxFiles - 1 || total > maxBytes - perFile)) {
    const f = files.shift()!;
    try { unlinkSync(f.path); removed.push(f.path); } catch { /* gone already */ }
    total -= f.size;
  }
  return removed;
}

export interface LinkCaptureOptions {
  secrets: readonly string[];
  log?: CaptureLog;
  /** Bytes of rows kept while buffering; beyond it rows are counted and dropped (default 256 KiB). */
  maxBuffer?: number;
  /** Millisecond clock (default performance.now()). */
  nowMs?: () => number;
}

interface Buffered { t: number; dir: CaptureDir | '#'; line: string }

/** A file name part from a server name or link id: only [A-Za-z0-9._-], never empty or dot-only. */
export function captureFileStem(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 100);
  return s || 'link';
}

/** `DIR/<name>-<UTC timestamp>.txt`, e.g. `caps/hub.example.net-2025-01-31T12-00-00-123Z.txt`. */
export function captureDirPath(dir: string, name: string, at = new Date()): string {
  return join(dir, `${captureFileStem(name)}-${at.toISOString().replace(/[:.]/g, '-')}.txt`);
}

export class LinkCapture {
  private writers: CaptureWriter[] = [];
  private buffer: Buffered[] | null;
  private bufferBytes = 0;
  private bufferDropped = 0;
  private readonly t0: number;
  private readonly nowMs: () => number;
  /** While replaying the buffer into a new writer: the time that writer should see. */
  private clockOverride: number | null = null;
  private closed = false;

  /** `targets` given: write now. Omitted: buffer until `open()` or `discard()`. */
  constructor(private opts: LinkCaptureOptions, targets?: CaptureTarget[]) {
    this.nowMs = opts.nowMs ?? (() => performance.now());
    this.t0 = this.nowMs();
    this.buffer = targets ? null : [];
    if (targets) this.addWriters(targets);
  }

  /** Still buffering (targets not known yet)? */
  get buffering(): boolean { return this.buffer !== null; }
  /** The files being written. */
  get paths(): string[] { return this.writers.map((w) => w.path); }

  record(dir: CaptureDir, line: string): void {
    if (this.closed) return;
    if (this.buffer) { this.keep(dir, line); return; }
    for (const w of this.writers) w.record(dir, line);
  }

  note(text: string): void {
    if (this.closed) return;
    if (this.buffer) { this.keep('#', text); return; }
    for (const w of this.writers) w.note(text);
  }

  /** The targets are known: open them and write the buffered rows (with their original times) first. */
  open(targets: CaptureTarget[]): void {
    if (this.closed || !this.buffer) return;
    const rows = this.buffer;
    this.buffer = null;
    this.addWriters(targets, rows);
  }

  /** Nothing to record after all: forget the buffer, record nothing more. */
  discard(): void {
    this.buffer = null;
    this.bufferBytes = 0;
    this.closed = true;
  }

  /** Write the "connection closed" note and close every file (resolves once flushed). */
  close(note: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.note(note);
    this.closed = true;
    this.buffer = null;
    return Promise.all(this.writers.map((w) => w.close())).then(() => undefined);
  }

  private keep(dir: CaptureDir | '#', line: string): void {
    if (this.bufferBytes + line.length > (this.opts.maxBuffer ?? 256 * 1024)) { this.bufferDropped++; return; }
    this.buffer!.push({ t: this.nowMs(), dir, line });
    this.bufferBytes += line.length + 16;
  }

  private addWriters(targets: CaptureTarget[], rows: Buffered[] = []): void {
    for (const t of targets) {
      // The writer's clock starts where this capture started (the accept), not now.
      this.clockOverride = this.t0;
      const w = new CaptureWriter(t.path, {
        secrets: this.opts.secrets,
        log: this.opts.log,
        note: t.note,
        maxFileBytes: t.maxBytes,
        nowMs: () => this.clockOverride ?? this.nowMs(),
      });
      for (const r of rows) {
        this.clockOverride = r.t;
        if (r.dir === '#') w.note(r.line);
        else w.record(r.dir, r.line);
      }
      if (this.bufferDropped) w.note(`capture: ${this.bufferDropped} rows dropped (handshake buffer full)`);
      this.clockOverride = null;
      this.writers.push(w);
    }
  }
}
