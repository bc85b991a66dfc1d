// Offline replay: rebuild the network the two recorded servers agreed on.
// The '<' lines are fed to the engine as received from the peer; the '>' lines as the
// recording server's own (local origin), both through the same rules, so a collision the
// recording side provoked resolves exactly as the peer resolved it. Counts describe the
// network just before the line that ends the link (SQUIT of either end, ERROR, or close).
import { eauthOf, protoctlToken } from '../s2s/protoctl.ts';
import { parseTs } from '../s2s/validate.ts';
import { serverDescription } from '../s2s/handlers/server.ts';
import { Engine } from '../s2s/engine.ts';
import { commandOf, parseLine } from '../wire/message.ts';
import { casefold } from '../wire/casemap.ts';
import { stateCounts, stateDigest, type StateCounts } from '../state/digest.ts';
import type { Effect } from '../s2s/effects.ts';
import { flipRows, readCapture, readCaptureLazily, type CaptureRow } from './captureFormat.ts';
import { rowCommands, splitConnections, type Connection } from './connections.ts';

export interface ReplayError { line: number; message: string }
export interface ReplayResult extends StateCounts {
  digest: string;
  errors: ReplayError[];
  /** Capture line at which the (last replayed) link ended; null when it never ended. */
  endLine?: number | null;
  /** True when the ending row was not applied (SQUIT/ERROR ending the link, an annotation): the state is the one before it. */
  endBefore?: boolean;
}

/** Which side of a capture tslink plays: the recorder ('>' rows, the default), or a role. */
export type ReplaySide = 'recorder' | 'hub' | 'leaf';

export interface ReplayOptions {
  /** Stop after this capture line number (inclusive). */
  untilLine?: number;
  /** Called with the engine at the end (for --state dumps). */
  onEngine?: (e: Engine, now: number) => void;
  /**
   * The side tslink plays: 'recorder' (default) = the '>' rows; 'leaf' = the side that sent
   * SERVER first in each connection (the connecting side); 'hub' = the side that accepted.
   */
  as?: ReplaySide;
  /** Called every few thousand rows and at the end, for progress displays. */
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
}

const PEER = 'peer';
const HANDSHAKE = new Set(['PASS', 'PROTOCTL', 'SERVER']);

interface Identity { name: string; sid: string; info: string; ts: number | null; tsMs: number; caps: Set<string> }

function identityOf(rows: CaptureRow[], dir: '<' | '>', commands?: string[]): Identity {
  const id: Identity = { name: '', sid: '', info: '', ts: null, tsMs: 0, caps: new Set() };
  for (const r of rows) {
    if (r.kind !== 'line' || r.dir !== dir) continue;
    const c = commands !== undefined ? commands[r.lineNo] : commandOf(r.line);
    if (c !== 'PROTOCTL' && c !== 'SERVER') continue;
    const m = parseLine(r.line);
    if (!m) continue;
    if (m.command === 'PROTOCTL') {
      // Read as the engine reads PROTOCTL (protoctlToken/eauthOf, parseTs).
      for (const tok of m.params) {
        const { name: k, value } = protoctlToken(tok);
        const v = value ?? '';
        if (k === 'EAUTH' && value !== null && !id.name) id.name = eauthOf([tok])!.name;
        else if (k === 'SID' && value !== null && !id.sid) id.sid = v;
        else if (k === 'TS' && value !== null && id.ts === null) {
          const ts = parseTs(v);
          if (typeof ts === 'number' && ts >= 10000) { id.ts = ts; id.tsMs = r.ms; }
        } else id.caps.add(k);
      }
    } else if (m.command === 'SERVER') {
      if (!id.name) id.name = m.params[0] ?? '';
      const desc = m.params[2] ?? '';
      // The description as the engine reads it (server.ts serverDescription), the SID from the VL prefix.
      id.info = serverDescription(desc, id.caps.has('VL'));
      const vl = /^U\d+-[^ ]*-([0-9A-Z]{3})(?: |$)/.exec(desc);
      if (!id.sid && vl) id.sid = vl[1];
    }
  }
  return id;
}

/** The clock anchor of a file: the first TS= seen anywhere, with its row time. `commands`: as for replayConnection(). */
function fileAnchor(rows: CaptureRow[], commands?: string[]): { ts: number; ms: number } | null {
  for (const r of rows) {
    if (r.kind !== 'line') continue;
    const m = /\bTS=(\d{5,})/.exec(r.line);
    if (m && /^PROTOCTL /i.test(r.line.replace(/^(@\S+ )?(:\S+ )?/, ''))) return { ts: Number(m[1]), ms: r.ms };
  }
  for (const r of rows) {
    if (r.kind !== 'line' || (commands !== undefined ? commands[r.lineNo] : commandOf(r.line)) !== 'NETINFO') continue;
    const m = parseLine(r.line);
    if (m?.command === 'NETINFO' && Number(m.params[1]) > 1000000) return { ts: Number(m.params[1]), ms: r.ms };
  }
  return null;
}

/** Does this connection have more peer protocol traffic after index i (not ERROR/SLOG)?
 *  Peer rows recorded in the same millisecond as row i were already in flight and do not count. */
function peerContinues(rows: CaptureRow[], i: number): number | null {
  const at = rows[i].kind === 'line' ? (rows[i] as { ms: number }).ms : -1;
  for (let k = i + 1; k < rows.length; k++) {
    const r = rows[k];
    if (r.kind === 'note') { if (/closed/i.test(r.text)) return null; continue; }
    if (r.dir !== '<' || r.ms <= at) continue;
    const c = commandOf(r.line);
    if (c !== '' && c !== 'ERROR' && c !== 'SLOG') return r.lineNo;
  }
  return null;
}

/** Which direction ('<' or '>') plays a role in a connection: the leaf sent SERVER first. */
export function roleDir(rows: CaptureRow[], role: 'hub' | 'leaf'): '<' | '>' {
  for (const r of rows) {
    if (r.kind !== 'line') continue;
    if (commandOf(r.line) === 'SERVER') return role === 'leaf' ? r.dir : r.dir === '<' ? '>' : '<';
  }
  // No SERVER at all: the side that opened the connection (first protocol row) is the leaf.
  const first = rows.find((r) => r.kind === 'line');
  const opener = first && first.kind === 'line' ? first.dir : '>';
  return role === 'leaf' ? opener : opener === '<' ? '>' : '<';
}

/** The rows of a connection as seen by the side tslink plays (that side's rows become '>'). */
export function rowsForSide(rows: CaptureRow[], as: ReplaySide = 'recorder'): CaptureRow[] {
  if (as === 'recorder') return rows;
  return roleDir(rows, as) === '>' ? rows : flipRows(rows);
}

/** The replay clock of a connection: a TS anchored at a row time (own TS=, else the peer's, else the file's). */
export function connectionClock(rows: CaptureRow[], anchor: { ts: number; ms: number } | null, own = identityOf(rows, '>'), peer = identityOf(rows, '<')): { ts: number; ms: number } {
  return own.ts !== null ? { ts: own.ts, ms: own.tsMs } : peer.ts !== null ? { ts: peer.ts, ms: peer.tsMs } : anchor ?? { ts: Math.floor(Date.now() / 1000), ms: 0 };
}

/** The server name and SID each side of a connection announces. */
export function connectionIdentities(rows: CaptureRow[]): { own: { name: string; sid: string; info: string }; peer: { name: string; sid: string; info: string } } {
  const own = identityOf(rows, '>'), peer = identityOf(rows, '<');
  return { own: { name: own.name, sid: own.sid, info: own.info }, peer: { name: peer.name, sid: peer.sid, info: peer.info } };
}

/** The clock anchor of a whole file (exported for the live replay). */
export function captureAnchor(rows: CaptureRow[]): { ts: number; ms: number } | null {
  return fileAnchor(rows);
}

const PROGRESS_EVERY = 4096;

/** `commands`: rowCommands() of the capture's rows, when the caller has it (the commands by line number). */
export function replayConnection(conn: Connection, anchor: { ts: number; ms: number } | null, opts: ReplayOptions = {}, commands?: string[]): ReplayResult {
  const rows = conn.rows;
  // identityOf() reads PROTOCTL and SERVER rows alone: the connection's list of them when it has one.
  const idRows = commands !== undefined && conn.idRows !== undefined ? conn.idRows : rows;
  const own = identityOf(idRows, '>', commands);
  const peer = identityOf(idRows, '<', commands);
  const errors: ReplayError[] = [];
  const clock = connectionClock(rows, anchor, own, peer);
  let nowMs = rows.find((r) => r.kind === 'line')?.kind === 'line' ? (rows.find((r) => r.kind === 'line') as { ms: number }).ms : 0;
  const now = () => Math.floor(clock.ts + (nowMs - clock.ms) / 1000);
  let endLine: number | null = null;
  let endBefore = false;
  const firstLine = rows.find((r) => r.kind === 'line');
  const direction: 'in' | 'out' = firstLine && firstLine.kind === 'line' && firstLine.dir === '<' ? 'in' : 'out';
  const e = new Engine({
    me: { sid: own.sid || '0ZZ', name: own.name || 'recorder.invalid', info: own.info || 'replay' },
    now,
    authorize: () => ({ ok: true, hub: '*' }),
    localCaps: own.caps,
    maxClockSkew: 60,
  });
  e.linkUp(PEER, direction, '127.0.0.1', { hub: '*' });
  e.drain();
  let ended = false;
  // Only called for an ERROR or SQUIT row.
  const endsLink = (dir: '<' | '>', line: string): boolean => {
    const m = parseLine(line);
    if (!m) return false;
    if (m.command === 'ERROR') return dir === '<';
    if (m.command === 'SQUIT') {
      const t = casefold(m.params[0] ?? '');
      return [own.name, own.sid, peer.name, peer.sid].some((x) => x && casefold(x) === t);
    }
    return false;
  };
  for (let i = 0; i < rows.length && !ended; i++) {
    const r = rows[i];
    if (opts.untilLine !== undefined && r.lineNo > opts.untilLine) break;
    if (opts.onProgress && i % PROGRESS_EVERY === 0) opts.onProgress(i, rows.length);
    if (r.kind === 'note') { if (/connection closed/i.test(r.text)) { ended = true; endLine = r.lineNo; endBefore = true; } continue; }
    nowMs = r.ms;
    const command = commands !== undefined ? commands[r.lineNo] : commandOf(r.line);
    if (r.dir === '>' && HANDSHAKE.has(command)) continue; // our own handshake: the engine modelled it at linkUp
    const line = r.line; // read once (readCaptureLazily()'s rows cut it from the file at each read)
    if ((command === 'ERROR' || command === 'SQUIT') && endsLink(r.dir, line)) { ended = true; endLine = r.lineNo; endBefore = true; break; }
    if (r.dir === '>') e.local(line);
    else e.receive(PEER, line);
    for (const ef of e.drain()) {
      if (ef.kind === 'log' && ef.event === 'ENGINE_EXCEPTION') errors.push({ line: r.lineNo, message: ef.msg.split('\n')[0] });
      if (ef.kind === 'close' && ef.link === PEER) {
        ended = true;
        endLine = r.lineNo;
        const cont = peerContinues(rows, i);
        if (cont !== null) errors.push({ line: r.lineNo, message: `tslink dropped the link (${ef.reason}) but the peer kept the link up (line ${cont})` });
      }
    }
  }
  const t = now();
  opts.onProgress?.(rows.length, rows.length);
  opts.onEngine?.(e, t);
  return { ...stateCounts(e.net, e.tkl, t), digest: stateDigest(e.net, e.tkl, t), errors, endLine, endBefore };
}

/** Replay a whole capture file: every connection from a fresh state; the last one is reported. */
export function replayCapture(buf: Buffer, opts: ReplayOptions = {}): ReplayResult {
  // The recorder's side: rows that read their line from the file when the replay reaches them
  // (readCaptureLazily()); a role's side flips rows (flipRows() copies them), from readCapture().
  const flips = opts.as !== undefined && opts.as !== 'recorder';
  let rows: CaptureRow[], problems: { line: number; message: string }[], commands: string[];
  if (flips) { ({ rows, problems } = readCapture(buf)); commands = rowCommands(rows); }
  else ({ rows, problems, commands } = readCaptureLazily(buf));
  const conns = splitConnections(rows, commands);
  const anchor = fileAnchor(rows, commands);
  let result: ReplayResult | null = null;
  const errors: ReplayError[] = problems.map((p) => ({ line: p.line, message: p.message }));
  const limited = opts.untilLine !== undefined ? conns.filter((c) => c.rows.length && c.rows[0].lineNo <= opts.untilLine!) : conns;
  const total = limited.reduce((n, c) => n + c.rows.length, 0);
  let before = 0;
  limited.forEach((c, idx) => {
    const last = idx === limited.length - 1;
    const base = before;
    const onProgress = opts.onProgress ? (done: number) => opts.onProgress!(base + done, total) : undefined;
    const conn = opts.as && opts.as !== 'recorder' ? { rows: rowsForSide(c.rows, opts.as) } : c;
    const r = replayConnection(conn, anchor, last ? { ...opts, onProgress } : { untilLine: opts.untilLine, onProgress }, commands);
    before += c.rows.length;
    errors.push(...r.errors);
    result = r;
  });
  const res: ReplayResult = result ?? { servers: 0, users: 0, channels: 0, memberships: 0, tkl: {}, md: 0, digest: '', errors: [] };
  return { ...res, errors };
}

export type { Effect };
