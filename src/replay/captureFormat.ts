// The capture format (fixtures/README.md, "Capture format v1"): one protocol line per row,
//   +NNNNNN D LINE      milliseconds since start, D '<' received from the peer / '>' sent by the recorder
//   # text              annotation (scenario steps, "connection closed by peer", reconnects)
// Lines are read and written as bytes (latin1 byte strings), never re-encoded: a non-UTF-8
// byte in a line survives a read → write round trip unchanged.
// This module is the reader and the writer; CaptureWriter (captureWriter.ts) streams rows to disk.
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

/** Parse a capture file's bytes. Malformed rows are reported, not thrown. */
export function readCapture(buf: Buffer): { rows: CaptureRow[]; problems: CaptureProblem[] } {
  const text = buf.toString('latin1');
  const rows: CaptureRow[] = [];
  const problems: CaptureProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let row = lines[i];
    if (row.endsWith('\r')) row = row.slice(0, -1);
    const lineNo = i + 1;
    if (row === '') continue;
    if (row.startsWith('#')) { rows.push({ kind: 'note', lineNo, text: row.replace(/^# ?/, '') }); continue; }
    // "+" digits " " direction [" "] line (the line is the rest of the row, as it is).
    let k = 1;
    while (k < row.length && row.charCodeAt(k) >= 48 && row.charCodeAt(k) <= 57) k++;
    const d = row.charCodeAt(k + 1);
    if (row.charCodeAt(0) !== 43 /* + */ || k === 1 || row.charCodeAt(k) !== 32 || (d !== 60 && d !== 62)) { problems.push({ line: lineNo, message: 'not a capture row' }); continue; }
    const at = row.charCodeAt(k + 2) === 32 ? k + 3 : k + 2;
    rows.push({ kind: 'line', lineNo, ms: Number(row.slice(1, k)), dir: d === 60 ? '<' : '>', line: row.slice(at) });
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
