// The capture format (fixtures/README.md, "Capture format v1"): one protocol line per row,
//   +NNNNNN D LINE      milliseconds since start, D '<' received from the peer / '>' sent by the recorder
//   # text              annotation (scenario steps, "connection closed by peer", reconnects)
// Lines are read and written as bytes (latin1 byte strings), never re-encoded: a non-UTF-8
// byte in a line survives a read → write round trip unchanged.
// This module is the reader and the writer; CaptureWriter (captureWriter.ts) streams rows to disk.
import { commandOfBytes } from '../wire/message.ts';

export const CAPTURE_FORMAT_VERSION = 1;

export type CaptureDir = '<' | '>';

export type CaptureRow =
  | { kind: 'line'; lineNo: number; ms: number; dir: CaptureDir; line: string }
  | { kind: 'note'; lineNo: number; text: string };

export interface CaptureProblem { line: number; message: string }

/** The version announced by a `# tslink capture vN: ...` header, or null (e.g. the fixtures, which predate it). */
export function captureVersion(rows: CaptureRow[]): number | null {
  for (const r of rows) {
    if (r.kind !== 'note') return null;
    const m = /^tslink (?:capture|gen-burst) v(\d+)\b/.exec(r.text);
    if (m) return Number(m[1]);
  }
  return null;
}

/** Buffer's latin1 string method (undocumented; what toString('latin1', a, b) ends up calling). */
interface RawBuffer extends Buffer { latin1Slice(start: number, end: number): string }

/**
 * Parse a capture file's bytes. Malformed rows are reported, not thrown. One pass over the text:
 * each row's line is cut from the file's text once (no array of row strings first).
 */
export function readCapture(buf: Buffer): { rows: CaptureRow[]; problems: CaptureProblem[] } {
  const { rows, problems } = scanCapture(buf, null);
  return { rows, problems };
}

/**
 * A protocol row of readCaptureLazily(): its line is cut from the file's bytes each time it is
 * read, as readCapture() cuts it. A whole capture's lines are not held for the whole replay (17 MB
 * of strings for the 50k capture, which the scavenges copied twice to keep): each line is made
 * when the replay feeds it to the engine, and dies young.
 */
class BufferRow {
  readonly kind = 'line' as const;
  constructor(private readonly bytes: RawBuffer, readonly lineNo: number, readonly ms: number, readonly dir: CaptureDir, private readonly start: number, private readonly end: number) {}
  get line(): string { return this.bytes.latin1Slice(this.start, this.end); }
}

/**
 * readCapture() with lines read on demand (BufferRow), and the command of every protocol row
 * (commandOf() of its line, by line number, as connections.ts rowCommands() gives them) read from
 * the bytes. For the offline replay, which reads each line once: a spread copy of such a row
 * (flipRows()) has no line, so rows to be flipped come from readCapture().
 */
export function readCaptureLazily(buf: Buffer): { rows: CaptureRow[]; problems: CaptureProblem[]; commands: string[] } {
  const commands: string[] = [];
  const { rows, problems } = scanCapture(buf, commands);
  return { rows, problems, commands };
}

/** readCapture() (commands === null) or readCaptureLazily() (the rows' commands into `commands`). */
function scanCapture(buf: Buffer, commands: string[] | null): { rows: CaptureRow[]; problems: CaptureProblem[] } {
  // Buffer's own latin1Slice (what toString('latin1', a, b) calls after checking its arguments, as tklTable.ts uses it): once per row.
  const raw = buf as RawBuffer;
  const rows: CaptureRow[] = [];
  const problems: CaptureProblem[] = [];
  const n = buf.length;
  let lineNo = 0;
  for (let start = 0; start < n; ) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = n;
    lineNo++;
    const from = start;
    start = end + 1;
    if (end > from && buf[end - 1] === 13 /* \r */) end--;
    if (end === from) continue;
    const c0 = buf[from];
    if (c0 === 35 /* # */) { rows.push({ kind: 'note', lineNo, text: raw.latin1Slice(buf[from + 1] === 32 ? from + 2 : from + 1, end) }); continue; }
    // "+" digits " " direction [" "] line (the line is the rest of the row, as it is).
    let k = from + 1;
    let ms = 0;
    while (k < end && buf[k] >= 48 && buf[k] <= 57) { ms = ms * 10 + (buf[k] - 48); k++; }
    const d = k + 1 < end ? buf[k + 1] : -1;
    if (c0 !== 43 /* + */ || k === from + 1 || k >= end || buf[k] !== 32 || (d !== 60 && d !== 62)) { problems.push({ line: lineNo, message: 'not a capture row' }); continue; }
    const at = k + 2 < end && buf[k + 2] === 32 ? k + 3 : k + 2;
    if (k - from - 1 > 15) ms = Number(buf.toString('latin1', from + 1, k));
    const dir = d === 60 ? '<' : '>';
    if (commands === null) rows.push({ kind: 'line', lineNo, ms, dir, line: raw.latin1Slice(at, end) });
    else {
      rows.push(new BufferRow(raw, lineNo, ms, dir, at, end));
      commands[lineNo] = commandOfBytes(buf, at, end);
    }
  }
  const v = captureVersion(rows);
  if (v !== null && v > CAPTURE_FORMAT_VERSION) problems.push({ line: 1, message: `capture format v${v} is newer than this reader (v${CAPTURE_FORMAT_VERSION})` });
  return { rows, problems };
}

/** Format one protocol row (a byte string; an LF would end the row early, so it is written as a space). */
export function formatRow(ms: number, dir: CaptureDir, line: string): string {
  return `+${String(Math.max(0, Math.floor(ms))).padStart(6, '0')} ${dir} ${line.includes('\n') ? line.replace(/\n/g, ' ') : line}`;
}

/** Format one annotation row. */
export function formatNote(text: string): string {
  return `# ${text.replace(/[\r\n]+/g, ' ')}`;
}

/** A capture header line with the format version. */
export function captureHeader(note: string): string {
  return formatNote(`tslink capture v${CAPTURE_FORMAT_VERSION}: ${note}`);
}

/** Rows back to file bytes (the inverse of readCapture for well-formed input; blank rows are not kept). */
export function writeCapture(rows: CaptureRow[]): Buffer {
  const out: string[] = [];
  for (const r of rows) out.push(r.kind === 'note' ? formatNote(r.text) : formatRow(r.ms, r.dir, r.line));
  return Buffer.from(out.join('\n') + (out.length ? '\n' : ''), 'latin1');
}

/** Swap the two sides of a capture ('<' ↔ '>'): the same traffic seen from the other end. */
export function flipRows(rows: CaptureRow[]): CaptureRow[] {
  return rows.map((r) => (r.kind === 'line' ? { ...r, dir: r.dir === '<' ? '>' : '<' } : r));
}
