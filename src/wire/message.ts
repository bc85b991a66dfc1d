// IRC line codec: IRCv3 message tags, :source, command, params, trailing.
//
// Lines are bytes, not guaranteed UTF-8. tslink keeps every protocol string as a
// "byte string": a JS string in which each char code is one byte (latin1 decoding).
// That is lossless, so a non-UTF-8 byte that passes through is never corrupted, and
// string length equals wire length in bytes. Use `bytesToLine`/`lineToBytes` at the
// edges and `displayText` when a human-readable (UTF-8) form is wanted.

export type Tags = Record<string, string>; // value '' = tag without value

export interface Message {
  tags?: Tags;
  source?: string;
  command: string;
  params: string[];
}

/** Decode raw bytes (without CR LF) to a byte string. */
export function bytesToLine(buf: Uint8Array): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
}

/** Encode a byte string back to the exact bytes. */
export function lineToBytes(line: string): Buffer {
  return Buffer.from(line, 'latin1');
}

/**
 * The bytes that put one line on the wire: `line` and its CR LF. Every line tslink writes to a
 * peer goes through here, and a line that holds a CR, LF or NUL is refused (null): on the wire it
 * would be more than the one line that was composed, the rest of it lines the peer takes as ours.
 * The caller logs and counts the refusal and writes nothing.
 */
export function encodeLine(line: string): Buffer | null {
  return isOneLine(line) ? Buffer.from(line + '\r\n', 'latin1') : null;
}

/** No CR, LF or NUL in the line: on the wire it is exactly the one line (see encodeLine()). */
export function isOneLine(line: string): boolean {
  return firstBreak(line) < 0;
}

/** Convert a (UTF-8) JS string into a byte string. */
export function utf8ToByteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** Best-effort human form of a byte string: UTF-8 when it decodes cleanly, else latin1 as is. */
export function displayText(s: string): string {
  // Fast path: pure ASCII.
  let ascii = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) { ascii = false; break; }
  if (ascii) return s;
  const buf = Buffer.from(s, 'latin1');
  const text = buf.toString('utf8');
  return text.includes('\ufffd') && !s.includes('\u00ef\u00bf\u00bd') ? s : text;
}

/**
 * What each escape stands for. `\r` and `\n` stand for CR and LF in IRCv3, but a value tslink
 * unescapes is kept (an s2s-md tag becomes MD) and may be written later as a param of a line,
 * where a CR or LF would end that line and start one of the peer's choosing: they yield nothing.
 */
const TAG_UNESCAPE: Record<string, string> = { ':': ';', s: ' ', '\\': '\\', r: '', n: '' };

/**
 * A tag value unescaped. The result never holds CR, LF or NUL (see TAG_UNESCAPE; a raw CR, LF or
 * NUL, which no line read from a socket holds, is dropped too), so it is safe in any param.
 */
export function unescapeTagValue(v: string): string {
  if (!v.includes('\\')) return firstBreak(v) < 0 ? v : dropBreaks(v);
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c !== '\\') { out += c; continue; }
    i++;
    if (i >= v.length) break; // trailing lone backslash is dropped
    const n = v[i];
    out += Object.hasOwn(TAG_UNESCAPE, n) ? TAG_UNESCAPE[n] : n;
  }
  return firstBreak(out) < 0 ? out : dropBreaks(out);
}

/** `s` without its CR, LF and NUL characters. */
function dropBreaks(s: string): string {
  return s.replace(/[\r\n\0]/g, '');
}

export function escapeTagValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    switch (c) {
      case ';': out += '\\:'; break;
      case ' ': out += '\\s'; break;
      case '\\': out += '\\\\'; break;
      case '\r': out += '\\r'; break;
      case '\n': out += '\\n'; break;
      default: out += c;
    }
  }
  return out;
}

export function parseTags(s: string): Tags {
  const tags: Tags = {};
  for (const part of s.split(';')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) tags[part] = '';
    else tags[part.slice(0, eq)] = unescapeTagValue(part.slice(eq + 1));
  }
  return tags;
}

export function serializeTags(tags: Tags): string {
  const parts: string[] = [];
  for (const k of Object.keys(tags)) {
    const v = tags[k];
    parts.push(v === '' ? k : `${k}=${escapeTagValue(v)}`);
  }
  return parts.join(';');
}

/**
 * The command of a raw line, upper-cased, as parseLine() would give it (tags and source skipped),
 * or '' when there is none; without cutting up the rest. For scans that look for a few commands.
 */
export function commandOf(raw: string): string {
  // Reads only up to the command's end: the line is cut at its first CR, LF or NUL (cutAtBreak()),
  // so meeting one of those on the way ends the line there, and what lies past the command (an
  // SJOIN's thousand bytes) is never scanned.
  const n = raw.length;
  let i = 0;
  while (i < n && raw.charCodeAt(i) === 32) i++;
  for (let mark = 64 /* @ */; mark !== 0; mark = mark === 64 ? 58 /* : */ : 0) {
    if (i >= n || raw.charCodeAt(i) !== mark) continue;
    for (;;) {
      if (i >= n) return '';
      const c = raw.charCodeAt(i);
      if (c === 32) break;
      if (c === 10 || c === 13 || c === 0) return '';
      i++;
    }
    while (i < n && raw.charCodeAt(i) === 32) i++;
  }
  let sp = i;
  for (; sp < n; sp++) {
    const c = raw.charCodeAt(sp);
    if (c === 32 || c === 10 || c === 13 || c === 0) break;
  }
  if (sp === i) return '';
  return commandAt(raw, i, sp);
}

/**
 * Parse one line (without CR LF; stray CR/LF/NUL are cut where they appear, as
 * UnrealIRCd ends a line at any of them). Returns null for an empty line or a line
 * that holds only tags and/or a source (UnrealIRCd ignores those from servers).
 * `maxParams` glues everything past that many params into the last one.
 */
export function parseLine(raw: string, maxParams = 30): Message | null {
  return parseFrom(cutAtBreak(raw), 0, maxParams);
}

/**
 * parseLine() of line.slice(start) for a line already cut at its first break (no CR, LF or
 * NUL): the engine parses the body after the tag section without copying it out.
 */
export function parseFrom(line: string, start: number, maxParams = 30): Message | null {
  let i = start;
  const n = line.length;
  while (i < n && line.charCodeAt(i) === 32) i++;
  let tags: Tags | undefined;
  if (line.charCodeAt(i) === 64 /* @ */) {
    const sp = line.indexOf(' ', i);
    if (sp < 0) return null;
    tags = parseTags(line.slice(i + 1, sp));
    i = sp;
    while (i < n && line.charCodeAt(i) === 32) i++;
  }
  let source: string | undefined;
  if (line.charCodeAt(i) === 58 /* : */) {
    const sp = line.indexOf(' ', i);
    if (sp < 0) return null;
    source = line.slice(i + 1, sp);
    i = sp;
    while (i < n && line.charCodeAt(i) === 32) i++;
  }
  if (i >= n) return null;
  let sp = line.indexOf(' ', i);
  if (sp < 0) sp = n;
  const command = commandAt(line, i, sp);
  i = sp;
  // Collected in a scratch array, then copied out at their exact count.
  const p = SCRATCH;
  let k = 0;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    if (line.charCodeAt(i) === 58 /* : */) { p[k++] = line.slice(i + 1); break; }
    if (k === maxParams - 1) {
      // Glue the remainder into the last param, as UnrealIRCd does for commands
      // registered with fewer params.
      let rest = line.slice(i);
      if (rest.charCodeAt(0) === 58) rest = rest.slice(1);
      p[k++] = rest.replace(/ +$/, '');
      break;
    }
    let e = line.indexOf(' ', i);
    if (e < 0) e = n;
    p[k++] = line.slice(i, e);
    i = e;
  }
  const params = k === 0 ? [] : p.slice(0, k);
  const msg: Message = { command, params };
  if (tags) msg.tags = tags;
  if (source !== undefined) msg.source = source;
  return msg;
}

/**
 * The params of `line` from `at` when they have the plain form a fast path takes (see
 * CommandSpec.fast): single spaces between them, none empty or starting with ':' but the last, which
 * is a ':' trailing. Writes each one's [start, end) into `bounds` and the trailing's ':' position
 * after them; returns how many came before the trailing, or -1 when the params are not of that form
 * or `bounds` has no room for them. For such params parseFrom() gives the same strings.
 */
export function plainParams(line: string, at: number, bounds: Int32Array): number {
  let n = 0, pos = at;
  while (line.charCodeAt(pos) !== 58 /* : */) {
    const sp = line.indexOf(' ', pos);
    if (sp <= pos || 2 * n + 2 >= bounds.length) return -1;
    bounds[2 * n] = pos; bounds[2 * n + 1] = sp;
    n++;
    pos = sp + 1;
  }
  bounds[2 * n] = pos;
  return n;
}

/**
 * Scratch space for parseFrom()'s params (at most maxParams of them). Never handed out:
 * parseFrom() copies what it collected (it may keep the last line's params alive meanwhile).
 */
const SCRATCH: string[] = [];

/** Commands S2S traffic is made of: parsed as these constants instead of a new string per line. */
const KNOWN_COMMANDS = [
  'UID', 'SJOIN', 'MD', 'AWAY', 'TOPIC', 'TKL', 'EOS', 'SID', 'SINFO', 'NETINFO', 'PRIVMSG', 'NOTICE', 'TAGMSG',
  'MODE', 'NICK', 'QUIT', 'KILL', 'PART', 'KICK', 'JOIN', 'INVITE', 'PING', 'PONG', 'UMODE2', 'SWHOIS', 'MLOCK',
  'SETHOST', 'SETIDENT', 'SETNAME', 'CHGHOST', 'CHGIDENT', 'CHGNAME', 'SVSMODE', 'SVS2MODE', 'SVSNICK', 'SVSKILL',
  'SVSLOGIN', 'SVSJOIN', 'SVSPART', 'SQLINE', 'UNSQLINE', 'SQUIT', 'SERVER', 'PROTOCTL', 'PASS', 'ERROR', 'SMOD',
  'SDESC', 'SLOG', 'SENDUMODE', 'SMO', 'SENDSNO', 'WALLOPS', 'GLOBOPS', 'SASL', 'REPUTATION',
];
/** Known commands by (length, first character). */
const COMMANDS_BY_HEAD = new Map<number, string[]>();
for (const c of KNOWN_COMMANDS) {
  const k = c.length * 256 + c.charCodeAt(0);
  const list = COMMANDS_BY_HEAD.get(k);
  if (list) list.push(c); else COMMANDS_BY_HEAD.set(k, [c]);
}

/** line.slice(i, sp).toUpperCase(), without a new string when it is a known command as is. */
function commandAt(line: string, i: number, sp: number): string {
  const c0 = line.charCodeAt(i);
  const list = c0 < 256 ? COMMANDS_BY_HEAD.get((sp - i) * 256 + c0) : undefined;
  if (list !== undefined) for (let k = 0; k < list.length; k++) if (line.startsWith(list[k], i)) return list[k];
  return line.slice(i, sp).toUpperCase();
}

/**
 * commandOf() of the latin1 text of bytes[from, to) (a capture row's line, as readCapture() would
 * cut it), read from the bytes themselves: the same steps over the same character codes, so the
 * same command, without a string for the line.
 */
export function commandOfBytes(bytes: Buffer, from: number, to: number): string {
  let i = from;
  while (i < to && bytes[i] === 32) i++;
  for (let mark = 64 /* @ */; mark !== 0; mark = mark === 64 ? 58 /* : */ : 0) {
    if (i >= to || bytes[i] !== mark) continue;
    for (;;) {
      if (i >= to) return '';
      const c = bytes[i];
      if (c === 32) break;
      if (c === 10 || c === 13 || c === 0) return '';
      i++;
    }
    while (i < to && bytes[i] === 32) i++;
  }
  let sp = i;
  for (; sp < to; sp++) {
    const c = bytes[sp];
    if (c === 32 || c === 10 || c === 13 || c === 0) break;
  }
  if (sp === i) return '';
  // commandAt() on bytes: a known command as it is (the list holds names of this length), else the text upper-cased.
  const list = COMMANDS_BY_HEAD.get((sp - i) * 256 + bytes[i]);
  if (list !== undefined) {
    for (let k = 0; k < list.length; k++) {
      const name = list[k];
      let j = 1;
      while (j < name.length && bytes[i + j] === name.charCodeAt(j)) j++;
      if (j === name.length) return name;
    }
  }
  return bytes.toString('latin1', i, sp).toUpperCase();
}

/** The line up to its first CR, LF or NUL (where UnrealIRCd ends a line). */
export function cutAtBreak(s: string): string {
  const k = firstBreak(s);
  return k < 0 ? s : s.slice(0, k);
}

function firstBreak(s: string): number {
  let best = s.indexOf('\n');
  let k = s.indexOf('\r');
  if (k >= 0 && (best < 0 || k < best)) best = k;
  k = s.indexOf('\0');
  if (k >= 0 && (best < 0 || k < best)) best = k;
  return best;
}

/** Serialize a message (no CR LF). The last param gets ':' when it needs it. */
export function serialize(msg: Message): string {
  let out = '';
  if (msg.tags && Object.keys(msg.tags).length) out += '@' + serializeTags(msg.tags) + ' ';
  if (msg.source !== undefined) out += ':' + msg.source + ' ';
  out += msg.command;
  const p = msg.params;
  for (let k = 0; k < p.length; k++) {
    const v = p[k];
    if (k === p.length - 1 && (v === '' || v.includes(' ') || v.charCodeAt(0) === 58)) out += ' :' + v;
    else out += ' ' + v;
  }
  return out;
}

/** Build a line from parts; the last param is always written as trailing when `trailing` is set. */
export function line(source: string | undefined, command: string, params: string[], trailing?: string): string {
  let out = source !== undefined ? ':' + source + ' ' + command : command;
  for (const p of params) out += ' ' + p;
  if (trailing !== undefined) out += ' :' + trailing;
  return out;
}

/** Split "@tags rest" into the tag section (without '@') and the body. */
export function splitTagsAndBody(raw: string): { tags: string | null; body: string } {
  if (raw.charCodeAt(0) !== 64) return { tags: null, body: raw };
  const sp = raw.indexOf(' ');
  if (sp < 0) return { tags: raw.slice(1), body: '' };
  let j = sp;
  while (j < raw.length && raw.charCodeAt(j) === 32) j++;
  return { tags: raw.slice(1, sp), body: raw.slice(j) };
}

/**
 * A copy of `s` that does not keep the line it was cut from alive. V8 represents a slice
 * of 13+ characters as a view into its parent string, so a stored field would pin its whole
 * line (hundreds of bytes per user). Concatenating two pieces and reading a character makes
 * a flat copy held by a cons string with an empty second half, which the next scavenge
 * replaces by the flat copy itself: the field ends up as a plain string of its own, with no
 * view object in front of it. Use for every field the state keeps.
 */
export function own(s: string): string {
  return s.length < 13 ? s : flat(s[0] + s.slice(1));
}

/** Where flat() stores what it reads, so the read cannot be optimised away. */
let flattenSink = 0;

/**
 * `s` after making it flat: reading a character of a concatenation makes V8 copy its pieces into
 * one string (which the next scavenge substitutes for the concatenation itself).
 */
export function flat(s: string): string {
  flattenSink = s.charCodeAt(0);
  return s;
}
