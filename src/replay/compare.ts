// Comparing what a live server sent with what the recorded peer sent: a pure function over two
// lists of lines and a normaliser (fixtures/README.md, "Live replay").
//
//   const r = compareLines(expected, actual, { expected: s2sNormaliser(recordedNames), actual: s2sNormaliser(liveNames) });
//   if (!r.equal) console.log(formatDiff(r));
//
// A normaliser maps a raw line to a canonical string, or to null when the line is not compared
// at all. Both lists are normalised, then aligned with a longest-common-subsequence diff, so a
// missing reply, an extra one and a changed one (= one missing + one unexpected) are reported
// where they happen, with the lines around them.
import { displayText, parseLine, type Message } from '../wire/message.ts';

export interface LineItem {
  line: string;
  /** Where the line comes from: a capture line number, or the index of the received line. */
  ref?: number;
}

export type Normaliser = (line: string) => string | null;

export interface DiffEntry {
  op: 'same' | 'missing' | 'unexpected';
  /** The canonical form that was compared. */
  norm: string;
  expected?: LineItem;
  actual?: LineItem;
}

export interface CompareResult {
  equal: boolean;
  /** Every compared line in order: same / missing (expected, not received) / unexpected (received, not expected). */
  entries: DiffEntry[];
  missing: number;
  unexpected: number;
  /** How many lines of each list were compared (not normalised away). */
  compared: { expected: number; actual: number };
}

const toItems = (xs: (string | LineItem)[]): LineItem[] => xs.map((x, i) => (typeof x === 'string' ? { line: x, ref: i + 1 } : x));

/** Largest middle section solved exactly (cells of the LCS table); bigger differences fall back to a block diff. */
const MAX_CELLS = 16_000_000;

export function compareLines(
  expectedIn: (string | LineItem)[],
  actualIn: (string | LineItem)[],
  normalise: Normaliser | { expected: Normaliser; actual: Normaliser },
): CompareResult {
  const ne = typeof normalise === 'function' ? normalise : normalise.expected;
  const na = typeof normalise === 'function' ? normalise : normalise.actual;
  const e: { item: LineItem; norm: string }[] = [];
  const a: { item: LineItem; norm: string }[] = [];
  for (const item of toItems(expectedIn)) { const n = ne(item.line); if (n !== null) e.push({ item, norm: n }); }
  for (const item of toItems(actualIn)) { const n = na(item.line); if (n !== null) a.push({ item, norm: n }); }

  const entries: DiffEntry[] = [];
  // Common prefix and suffix first: the usual case is a few differences in long equal lists.
  let p = 0;
  while (p < e.length && p < a.length && e[p].norm === a[p].norm) p++;
  let s = 0;
  while (s < e.length - p && s < a.length - p && e[e.length - 1 - s].norm === a[a.length - 1 - s].norm) s++;
  for (let i = 0; i < p; i++) entries.push({ op: 'same', norm: e[i].norm, expected: e[i].item, actual: a[i].item });
  const em = e.slice(p, e.length - s), am = a.slice(p, a.length - s);
  if (em.length * am.length <= MAX_CELLS) {
    entries.push(...lcsDiff(em, am));
  } else {
    for (const x of em) entries.push({ op: 'missing', norm: x.norm, expected: x.item });
    for (const x of am) entries.push({ op: 'unexpected', norm: x.norm, actual: x.item });
  }
  for (let i = 0; i < s; i++) {
    const x = e[e.length - s + i], y = a[a.length - s + i];
    entries.push({ op: 'same', norm: x.norm, expected: x.item, actual: y.item });
  }
  const missing = entries.filter((x) => x.op === 'missing').length;
  const unexpected = entries.filter((x) => x.op === 'unexpected').length;
  return { equal: missing === 0 && unexpected === 0, entries, missing, unexpected, compared: { expected: e.length, actual: a.length } };
}

function lcsDiff(e: { item: LineItem; norm: string }[], a: { item: LineItem; norm: string }[]): DiffEntry[] {
  const n = e.length, m = a.length;
  const out: DiffEntry[] = [];
  if (!n || !m) {
    for (const x of e) out.push({ op: 'missing', norm: x.norm, expected: x.item });
    for (const y of a) out.push({ op: 'unexpected', norm: y.norm, actual: y.item });
    return out;
  }
  // L[i][j] = LCS length of e[i..] and a[j..]
  const w = m + 1;
  const L = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      L[i * w + j] = e[i].norm === a[j].norm ? L[(i + 1) * w + j + 1] + 1 : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
    }
  }
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (e[i].norm === a[j].norm) { out.push({ op: 'same', norm: e[i].norm, expected: e[i].item, actual: a[j].item }); i++; j++; }
    else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) { out.push({ op: 'missing', norm: e[i].norm, expected: e[i].item }); i++; }
    else { out.push({ op: 'unexpected', norm: a[j].norm, actual: a[j].item }); j++; }
  }
  for (; i < n; i++) out.push({ op: 'missing', norm: e[i].norm, expected: e[i].item });
  for (; j < m; j++) out.push({ op: 'unexpected', norm: a[j].norm, actual: a[j].item });
  return out;
}

export interface FormatOptions {
  /** Equal lines shown around each difference (default 2). */
  context?: number;
  /** How a reference is described (default "line N" for expected, "#N" for actual). */
  describe?: (side: 'expected' | 'actual', item: LineItem) => string;
  /** Longest line shown before it is cut (default 300 characters). */
  width?: number;
}

/** A readable, unified-diff-like rendering: "-" expected but not received, "+" received but not expected. */
export function formatDiff(r: CompareResult, opts: FormatOptions = {}): string {
  const ctx = opts.context ?? 2;
  const width = opts.width ?? 300;
  const describe = opts.describe ?? ((side, it) => (side === 'expected' ? `capture line ${it.ref ?? '?'}` : `received #${it.ref ?? '?'}`));
  const cut = (s: string) => { const d = displayText(s); return d.length > width ? `${d.slice(0, width)}… (${d.length} chars)` : d; };
  if (r.equal) return `no divergence (${r.compared.expected} lines compared)\n`;
  const out: string[] = [`${r.missing + r.unexpected} divergence(s): ${r.missing} expected line(s) not received, ${r.unexpected} unexpected line(s) received`];
  const show = new Array<boolean>(r.entries.length).fill(false);
  r.entries.forEach((x, i) => {
    if (x.op === 'same') return;
    for (let k = Math.max(0, i - ctx); k <= Math.min(r.entries.length - 1, i + ctx); k++) show[k] = true;
  });
  let last = -2;
  r.entries.forEach((x, i) => {
    if (!show[i]) return;
    if (i !== last + 1) {
      const here = r.entries[i];
      const where = here.expected ? describe('expected', here.expected) : here.actual ? describe('actual', here.actual) : '';
      out.push(`@@ ${where}`);
    }
    last = i;
    if (x.op === 'same') out.push(`  ${cut(x.norm)}`);
    else if (x.op === 'missing') out.push(`- ${cut(x.norm)}    [${describe('expected', x.expected!)}: ${cut(x.expected!.line)}]`);
    else out.push(`+ ${cut(x.norm)}    [${describe('actual', x.actual!)}: ${cut(x.actual!.line)}]`);
  });
  return out.join('\n') + '\n';
}

// ------------------------------------------------------------------ the S2S normaliser

/** The identities on one side of a comparison (recorded or live). */
export interface SideNames {
  /** The server that answers (the recorded peer, or the live server under test). */
  peerName: string;
  peerSid: string;
  /** The side that was replayed (our own lines). */
  selfName: string;
  selfSid: string;
}

export interface S2sNormaliseOptions {
  /**
   * 'replies' (default): only lines a server sends in answer to the other side — PONG, ERROR,
   * numerics, KILL and SQUIT from a server source, and the link closing (*CLOSED*).
   * 'all': every line except the handshake (PASS, PROTOCTL, SERVER) and SMOD/SLOG.
   */
  scope?: 'replies' | 'all';
}

/**
 * Is this line (from the server `peerName`/`peerSid`) a reply the server makes on its own to
 * what the other side sent — as opposed to traffic its users or operators caused? PONG, ERROR,
 * numerics, and KILL/SQUIT with the server itself as source (collision kills, "Ghost user",
 * "Unknown prefix"; not a SQUIT of the server itself).
 */
export function isReply(m: Message, peerName: string, peerSid: string): boolean {
  const src = m.source;
  const fromServer = src === undefined || src.toLowerCase() === peerName.toLowerCase() || src === peerSid;
  if (m.command === 'ERROR') return true;
  if (m.command === 'PONG') return fromServer;
  if (/^[0-9]{3}$/.test(m.command)) return fromServer;
  if (m.command === 'SQUIT') {
    // A server SQUITting itself is leaving on its own, not answering.
    const target = (m.params[0] ?? '').toLowerCase();
    return fromServer && src !== undefined && target !== peerName.toLowerCase() && target !== peerSid.toLowerCase();
  }
  if (SERVER_REPLY_COMMANDS.has(m.command)) return fromServer && src !== undefined;
  return false;
}

/** The marker a live replay records when the peer closed the link (a capture's "# connection closed by peer"). */
export const CLOSED_MARKER = '*CLOSED*';

const SERVER_REPLY_COMMANDS = new Set(['KILL', 'SQUIT']);
const NEVER = new Set(['PASS', 'PROTOCTL', 'SERVER', 'SMOD', 'SLOG']);
const UID_RE = /^[0-9][A-Z0-9]{2}[A-Z0-9]{6}$/;
const TS_RE = /(?<![0-9])1[0-9]{9}(?![0-9])/g;

/**
 * A normaliser for S2S lines from one side. Volatile parts are removed: message tags (msgid,
 * time, json-log, ...), timestamps (→ <ts>), the peer's and our own names and SIDs (→ <peer>,
 * <peer-sid>, <self>, <self-sid>), the peer's UIDs (→ <peer-uid#N>, numbered by first
 * appearance, so the same user maps the same way on both sides), other SIDs/UIDs (→ <sid#N>,
 * <uid#N>) and link addresses in "[...]". The result is "[:source] COMMAND p1 ... :last".
 * Stateful (UID numbering): make one per list.
 */
export function s2sNormaliser(names: SideNames, opts: S2sNormaliseOptions = {}): Normaliser {
  const scope = opts.scope ?? 'replies';
  const peerUids = new Map<string, string>(), otherUids = new Map<string, string>(), otherSids = new Map<string, string>();
  const lc = (s: string) => s.toLowerCase();
  const peerName = lc(names.peerName), selfName = lc(names.selfName);

  const mapToken = (tok: string, sourcePos: boolean): string => {
    const l = lc(tok);
    if (peerName && l === peerName) return '<peer>';
    if (selfName && l === selfName) return '<self>';
    if (tok === names.peerSid) return sourcePos ? '<peer>' : '<peer-sid>';
    if (tok === names.selfSid) return sourcePos ? '<self>' : '<self-sid>';
    if (UID_RE.test(tok)) {
      const sid = tok.slice(0, 3);
      if (sid === names.selfSid) return `<self>${tok.slice(3)}`;
      if (sid === names.peerSid) {
        if (!peerUids.has(tok)) peerUids.set(tok, `<peer-uid#${peerUids.size + 1}>`);
        return peerUids.get(tok)!;
      }
      if (!otherUids.has(tok)) otherUids.set(tok, `<uid#${otherUids.size + 1}>`);
      return otherUids.get(tok)!;
    }
    if (/^[0-9]{10}$/.test(tok) && Number(tok) > 1_000_000_000) return '<ts>';
    return tok;
  };
  const wordRe = (() => {
    const words = [names.peerName, names.selfName].filter(Boolean).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const ids = [names.peerSid, names.selfSid].filter(Boolean);
    const alts = [...words, ...ids.map((sid) => `${sid}(?:[A-Z0-9]{6})?`)];
    return alts.length ? new RegExp(`(?<![A-Za-z0-9._-])(${alts.join('|')})(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`, 'gi') : null;
  })();
  const mapText = (s: string): string => {
    let out = wordRe ? s.replace(wordRe, (w) => mapToken(w, false)) : s;
    out = out.replace(/\[[0-9a-fA-F.:]+\]/g, '[<addr>]');
    return out.replace(TS_RE, '<ts>');
  };

  return (raw: string): string | null => {
    if (raw === CLOSED_MARKER) return CLOSED_MARKER;
    const m = parseLine(raw);
    if (!m) return null;
    if (NEVER.has(m.command)) return null;
    if (scope === 'replies' && !isReply(m, names.peerName, names.peerSid)) return null;
    let out = m.source !== undefined ? `:${mapToken(m.source, true)} ` : '';
    out += m.command;
    const ps = m.params;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i];
      const last = i === ps.length - 1;
      const mapped = p.includes(' ') || last ? mapText(p) : mapToken(p, false) === p ? mapText(p) : mapToken(p, false);
      out += last ? ` :${mapped}` : ` ${mapped}`;
    }
    return out;
  };
}
