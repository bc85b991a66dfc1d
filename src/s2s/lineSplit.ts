// Splitting an outgoing line that is too long for its peer (Engine.send()): SJOIN and MODE are
// cut into several complete lines the way UnrealIRCd builds its own, so nothing is lost; any
// other command cannot be split (the engine then cuts it and logs LINE_CUT_FOR_PEER).
//
//  - SJOIN (sjoin.c, the relay buffers uid_buf / uid_sjsby_buf): the first line keeps the
//    channel's modes and their params, every further line repeats only
//    ":<src> SJOIN <ts> <#chan> :". Items go in in order, each followed by a space; a new line is
//    started when the one being built would pass max - 8 bytes (BUFSIZE - 10 for 510), counting
//    for a member its status prefixes plus IDLEN (12, whatever its UID's length), for a list item
//    (&mask "mask 'mask) the item, and for one with SJSBY data (<setat,setby>&mask) the item and
//    its space. An item that does not fit even a line of its own (max - 3) is dropped (sjoin.c
//    logs BUG_OVERSIZED_SJOIN and skips it) and reported to the caller.
//  - MODE: read back into its changes with the mode groups tslink announces (CHANMODES=; a line
//    those do not account for exactly is left to be cut), then laid out again by modeLines()
//    (modeLines.ts, the formatter of every MODE tslink sends): in order, at most `max` bytes and
//    MAXMODEPARAMS parameters a line, each line with the source, channel and (for a server
//    source) the TS.
import { IDLEN } from '../wire/limits.ts';
import type { ChanModeGroups } from './chanmodes.ts';
import type { ModeChange } from './channelModes.ts';
import { modeLines } from './modeLines.ts';

export interface SplitLines {
  /** The lines to send instead, each at most `max` bytes. */
  lines: string[];
  /** SJOIN items or MODE changes that fit no line (left out). */
  dropped: string[];
}

/** `body` (over `max` bytes) as several lines of at most `max` bytes, or null when it cannot be split. */
export function splitLine(body: string, max: number, groups: ChanModeGroups): SplitLines | null {
  let i = 0;
  if (body.charCodeAt(0) === 58 /* : */) { i = body.indexOf(' ') + 1; if (i === 0) return null; }
  const sp = body.indexOf(' ', i);
  if (sp < 0) return null;
  const cmd = body.slice(i, sp).toUpperCase();
  if (cmd === 'SJOIN') return splitSjoin(body, sp + 1, max);
  if (cmd === 'MODE') return splitMode(body, i, sp + 1, max, groups);
  return null;
}

/** sjoin.c: the status prefixes of a member item. */
function isStatusPrefix(c: number): boolean {
  return c === 42 /* * */ || c === 126 /* ~ */ || c === 64 /* @ */ || c === 37 /* % */ || c === 43 /* + */;
}

function splitSjoin(body: string, at: number, max: number): SplitLines | null {
  // The buffer is the trailing param (after " :"), else the last one.
  const colon = body.indexOf(' :', at);
  let head: string, buffer: string;
  if (colon >= 0) { head = body.slice(0, colon); buffer = body.slice(colon + 2); } else {
    const last = body.lastIndexOf(' ');
    head = body.slice(0, last); buffer = body.slice(last + 1);
  }
  const fields = head.split(' ');
  if (fields.length < 4) return null; // <src> SJOIN <ts> <#chan> at least
  const first = head + ' :';
  const next = fields.slice(0, 4).join(' ') + ' :';
  if (first.length > max - 3) return null;
  const addLimit = max - 8, newLimit = max - 3;
  const lines: string[] = [];
  const dropped: string[] = [];
  let cur = first;
  let items = 0;
  for (const item of buffer.split(' ')) {
    if (item === '') continue;
    const c0 = item.charCodeAt(0);
    const list = c0 === 60 /* < */ || c0 === 38 /* & */ || c0 === 34 /* " */ || c0 === 39 /* ' */;
    let prefixLen = 0;
    if (!list) while (prefixLen < item.length && isStatusPrefix(item.charCodeAt(prefixLen))) prefixLen++;
    const cost = list ? item.length + (c0 === 60 ? 1 : 0) : prefixLen + IDLEN;
    if (cur.length + cost > addLimit) {
      // Send what there is (the first line even without items: it carries the modes).
      if (items > 0 || cur === first) lines.push(cur);
      cur = next;
      items = 0;
      const need = list ? cost : item.length;
      if (cur.length + need > newLimit) { dropped.push(item); continue; }
    }
    cur += item + ' ';
    items++;
  }
  if (items > 0 || lines.length === 0) lines.push(cur);
  return { lines, dropped };
}

function splitMode(body: string, cmdAt: number, at: number, max: number, groups: ChanModeGroups): SplitLines | null {
  const src = cmdAt > 0 ? body.slice(0, cmdAt - 1) : '';
  const fields = body.slice(at).split(' ');
  if (fields.length < 2) return null;
  const target = fields[0];
  if (target.charCodeAt(0) !== 35 /* # */) return null;
  const params = fields.slice(2);
  for (const p of params) if (p === '' || p.charCodeAt(0) === 58 /* : */) return null;
  // A server source's MODE ends with the channel TS (mode.c sends it on every line).
  const fromServer = src !== '' && (src.includes('.') || /^:[0-9][0-9A-Z]{2}$/.test(src));
  const ts = fromServer ? params.pop() : undefined;
  if (fromServer && ts === undefined) return null;
  const changes: ModeChange[] = [];
  let dir: '+' | '-' = '+';
  let pi = 0;
  for (const letter of fields[1]) {
    if (letter === '+' || letter === '-') { dir = letter; continue; }
    if (groups.takesParam(letter, dir === '+')) {
      if (pi >= params.length) return null;
      changes.push({ dir, mode: letter, param: params[pi++] });
    } else changes.push({ dir, mode: letter });
  }
  if (pi !== params.length || changes.length === 0) return null;
  const head = `${src === '' ? '' : src + ' '}MODE ${target}`;
  const r = modeLines(head, changes, ts === undefined ? '' : ' ' + ts, max);
  return { lines: r.lines, dropped: r.dropped.map((c) => c.dir + c.mode + (c.param === undefined ? '' : ' ' + c.param)) };
}
