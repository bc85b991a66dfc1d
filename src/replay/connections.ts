// Splitting a capture into connections: a new one starts when a side sends the opening
// of a handshake (PASS, or PROTOCTL EAUTH without a PASS before it) after it already
// did in the current connection. Rows after "connection closed" belong to a dead socket.
import type { CaptureRow } from './captureFormat.ts';
import { commandOf, parseLine } from '../wire/message.ts';

export interface Connection { rows: CaptureRow[] }

function opensHandshake(line: string): boolean {
  const c = commandOf(line);
  if (c === 'PASS') return true;
  if (c !== 'PROTOCTL') return false;
  const m = parseLine(line);
  if (!m) return false;
  if (m.command === 'PASS') return true;
  return m.command === 'PROTOCTL' && m.params.some((p) => p.toUpperCase().startsWith('EAUTH='));
}

export function splitConnections(rows: CaptureRow[]): Connection[] {
  const conns: Connection[] = [];
  let cur: Connection | null = null;
  const opened = { '<': false, '>': false };
  for (const r of rows) {
    if (r.kind === 'line' && opensHandshake(r.line)) {
      const isPass = commandOf(r.line) === 'PASS';
      if (!cur || opened[r.dir] && (isPass || !passSeen(cur, r.dir))) {
        cur = { rows: [] };
        conns.push(cur);
        opened['<'] = false; opened['>'] = false;
      }
      opened[r.dir] = true;
    }
    if (!cur) { cur = { rows: [] }; conns.push(cur); }
    cur.rows.push(r);
  }
  return conns;
}

function passSeen(c: Connection, dir: '<' | '>'): boolean {
  return c.rows.some((r) => r.kind === 'line' && r.dir === dir && commandOf(r.line) === 'PASS');
}
