// The capture format (fixtures/README.md): one protocol line per row,
//   +NNNNNN D LINE      milliseconds since start, D '<' received from the peer / '>' sent by the recorder
//   # text              annotation (scenario steps, "connection closed by peer", reconnects)
// Lines are read and written as bytes (latin1 byte strings), never re-encoded.
export const CAPTURE_FORMAT_VERSION = 1;

export type CaptureRow =
  | { kind: 'line'; lineNo: number; ms: number; dir: '<' | '>'; line: string }
  | { kind: 'note'; lineNo: number; text: string };

/** Parse a capture file's bytes. Malformed rows are reported, not thrown. */
export function readCapture(buf: Buffer): { rows: CaptureRow[]; problems: { line: number; message: string }[] } {
  const text = buf.toString('latin1');
  const rows: CaptureRow[] = [];
  const problems: { line: number; message: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let row = lines[i];
    if (row.endsWith('\r')) row = row.slice(0, -1);
    const lineNo = i + 1;
    if (row === '') continue;
    if (row.startsWith('#')) { rows.push({ kind: 'note', lineNo, text: row.replace(/^# ?/, '') }); continue; }
    const m = /^\+(\d+) ([<>]) ?(.*)$/s.exec(row);
    if (!m) { problems.push({ line: lineNo, message: 'not a capture row' }); continue; }
    rows.push({ kind: 'line', lineNo, ms: Number(m[1]), dir: m[2] as '<' | '>', line: m[3] });
  }
  return { rows, problems };
}

/** Format one row. */
export function formatRow(ms: number, dir: '<' | '>', line: string): string {
  return `+${String(ms).padStart(6, '0')} ${dir} ${line}`;
}

/** A capture header line with the format version. */
export function captureHeader(note: string): string {
  return `# tslink capture v${CAPTURE_FORMAT_VERSION}: ${note}`;
}
