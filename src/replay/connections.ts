// Splitting a capture into connections: a new one starts when a side sends the opening
// of a handshake (PASS, or PROTOCTL EAUTH without a PASS before it) after it already
// did in the current connection. Rows after "connection closed" belong to a dead socket.
import type { CaptureRow } from './captureFormat.ts';
import { commandOf, parseLine } from '../wire/message.ts';

export interface Connection {
  rows: CaptureRow[];
  /**
   * The rows of `rows` whose command is PROTOCTL or SERVER, in order (splitConnections() with the
   * commands notes them as it goes): all the identities read (offline.ts identityOf()), without
   * another pass over the whole connection. Absent: read `rows`.
   */
  idRows?: CaptureRow[];
}

/**
 * The command of every protocol row (commandOf() of its line), by the row's line number: the
 * offline replay reads each row's command in several passes (this split, the identities, the
 * replay loop) and takes it once for all of them.
 */
export function rowCommands(rows: CaptureRow[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.kind === 'line') out[r.lineNo] = commandOf(r.line);
  }
  return out;
}

function opensHandshake(line: string, c: string): boolean {
  if (c === 'PASS') return true;
  if (c !== 'PROTOCTL') return false;
  const m = parseLine(line);
  if (!m) return false;
  if (m.command === 'PASS') return true;
  return m.command === 'PROTOCTL' && m.params.some((p) => p.toUpperCase().startsWith('EAUTH='));
}

/** `commands`: rowCommands(rows), when the caller has it. */
export function splitConnections(rows: CaptureRow[], commands?: string[]): Connection[] {
  const conns: Connection[] = [];
  let cur: Connection | null = null;
  const opened = { '<': false, '>': false };
  for (const r of rows) {
    const c = r.kind !== 'line' ? '' : commands !== undefined ? commands[r.lineNo] : commandOf(r.line);
    if (r.kind === 'line' && (c === 'PASS' || c === 'PROTOCTL') && opensHandshake(r.line, c)) {
      const isPass = c === 'PASS';
      if (!cur || opened[r.dir] && (isPass || !passSeen(cur, r.dir))) {
        cur = commands !== undefined ? { rows: [], idRows: [] } : { rows: [] };
        conns.push(cur);
        opened['<'] = false; opened['>'] = false;
      }
      opened[r.dir] = true;
    }
    if (!cur) { cur = commands !== undefined ? { rows: [], idRows: [] } : { rows: [] }; conns.push(cur); }
    cur.rows.push(r);
    if (cur.idRows !== undefined && (c === 'PROTOCTL' || c === 'SERVER')) cur.idRows.push(r);
  }
  return conns;
}

function passSeen(c: Connection, dir: '<' | '>'): boolean {
  return c.rows.some((r) => r.kind === 'line' && r.dir === dir && commandOf(r.line) === 'PASS');
}
