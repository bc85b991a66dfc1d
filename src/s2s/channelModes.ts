// Parsing and applying channel mode changes (modes.md; conflicts.md §3 parameter tie-breaks).
import type { Channel, ListMode } from '../state/model.ts';
import type { Network } from '../state/network.ts';
import type { ChanModeGroups } from './chanmodes.ts';
import { KEYLEN } from '../wire/limits.ts';
import { addMemberMode, delMemberMode } from '../state/membership.ts';
import type { Ts } from '../state/ts.ts';

export interface ModeChange { dir: '+' | '-'; mode: string; param?: string }

/** Max entries per list mode (b/e/I): a hard cap so no peer can grow a channel without bound. */
export const MAX_LIST_ENTRIES = 1000;

/** Split a mode string + params into changes, consuming params per the sender's CHANMODES groups. */
export function parseModeChanges(groups: ChanModeGroups, modes: string, params: string[]): ModeChange[] {
  const out: ModeChange[] = [];
  let dir: '+' | '-' = '+';
  let pi = 0;
  for (const m of modes) {
    if (m === '+' || m === '-') { dir = m; continue; }
    if (groups.takesParam(m, dir === '+')) {
      if (pi >= params.length) continue; // missing param: skip the mode
      out.push({ dir, mode: m, param: params[pi++] });
    } else out.push({ dir, mode: m });
  }
  return out;
}

/** Is this mode one we store as a channel mode (not a member or list mode)? */
function isListMode(m: string): m is ListMode { return m === 'b' || m === 'e' || m === 'I'; }

/**
 * Apply changes to a channel. Returns the changes that took effect.
 * `groups` tells which letters carry parameters; unknown letters are stored as given.
 */
export function applyModeChanges(net: Network, ch: Channel, changes: ModeChange[], setBy: string, setAt: Ts, groups: ChanModeGroups): ModeChange[] {
  const applied: ModeChange[] = [];
  for (const c of changes) {
    const { dir, mode: m, param } = c;
    if ('qaohv'.includes(m)) {
      const u = param !== undefined ? net.user(param) : undefined;
      const mem = u ? ch.members.get(u) : undefined;
      if (!mem) continue;
      if (!(dir === '+' ? addMemberMode(mem, m) : delMemberMode(mem, m))) continue;
      applied.push(c);
      continue;
    }
    if (isListMode(m)) {
      if (param === undefined || param === '') continue;
      const list = ch.lists[m];
      if (dir === '+') {
        if (list.has(param) || list.size >= MAX_LIST_ENTRIES) continue;
        list.set(param, { setBy, setAt });
      } else {
        if (!list.delete(param)) continue;
      }
      applied.push(c);
      continue;
    }
    if (dir === '+') {
      let value = '';
      if (groups.takesParam(m, true)) {
        if (param === undefined) continue;
        value = normalizeParam(m, param);
        if (value === '') continue;
      }
      if (ch.modes.get(m) === value) continue;
      ch.modes.set(m, value);
      // +s and +p exclude each other: setting one clears the other (chanmodes/secret.c, private.c).
      if (m === 's') ch.modes.delete('p');
      if (m === 'p') ch.modes.delete('s');
      applied.push({ dir, mode: m, param: value || undefined });
    } else {
      if (!ch.modes.has(m)) continue;
      ch.modes.delete(m);
      applied.push(c);
    }
  }
  return applied;
}

/** Parameter as the mode's handler stores it ('' = invalid, not set). */
export function normalizeParam(m: string, p: string): string {
  if (m === 'k') return p.replace(/[ :,]/g, '').slice(0, KEYLEN);
  if (m === 'l') {
    const n = parseInt(p, 10);
    if (!Number.isFinite(n)) return '';
    return String(Math.min(Math.max(n, 1), 1000000));
  }
  return p;
}

/** Format changes as "+ov-b a b c" with params. */
export function formatModeChanges(changes: ModeChange[]): { modes: string; params: string[] } {
  let modes = '', dir = '';
  const params: string[] = [];
  for (const c of changes) {
    if (c.dir !== dir) { modes += c.dir; dir = c.dir; }
    modes += c.mode;
    if (c.param !== undefined) params.push(c.param);
  }
  return { modes, params };
}

// ---- equal-TS parameter merge (conflicts.md §3 table) ----

/** Decide the merged value of a parameter mode both sides have. */
export function mergeParam(m: string, ours: string, theirs: string): string {
  switch (m) {
    case 'k': case 'L': case 'F':
      return ours >= theirs ? ours : theirs; // byte-wise greater wins
    case 'l':
      return Number(ours) >= Number(theirs) ? ours : theirs; // higher limit wins
    case 'H':
      return mergeHistory(ours, theirs);
    case 'f':
      return mergeFlood(ours, theirs);
    default:
      return ours >= theirs ? ours : theirs;
  }
}

function timeValue(s: string): number {
  const m = /^(\d+)([smhdw]?)$/.exec(s);
  if (!m) return Number(s) || 0;
  const mult: Record<string, number> = { '': 60, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  return Number(m[1]) * mult[m[2]];
}

function mergeHistory(a: string, b: string): string {
  const [al = '0', at = '0'] = a.split(':');
  const [bl = '0', bt = '0'] = b.split(':');
  const lines = Math.max(Number(al) || 0, Number(bl) || 0);
  const ta = timeValue(at), tb = timeValue(bt);
  // Ties (e.g. "1d" vs "1440") go to the byte-wise greater string so both sides pick the same one.
  const time = ta > tb ? at : tb > ta ? bt : at >= bt ? at : bt;
  return `${lines}:${time}`;
}

interface FloodSpec { items: Map<string, { n: number; action: string; time: number }>; per: number }

function parseFlood(s: string): FloodSpec | null {
  const m = /^\[([^\]]*)\]:(\d+)$/.exec(s);
  if (!m) return null;
  const items = new Map<string, { n: number; action: string; time: number }>();
  for (const part of m[1].split(',')) {
    const p = /^(\d+)([A-Za-z])(?:#([A-Za-z])(\d+)?)?$/.exec(part);
    if (!p) return null;
    items.set(p[2], { n: Number(p[1]), action: p[3] ?? '', time: Number(p[4] ?? 0) });
  }
  return { items, per: Number(m[2]) };
}

/** +f merge: field-wise maximum of every limit, action and remove-after time, and of the period. */
function mergeFlood(a: string, b: string): string {
  const fa = parseFlood(a), fb = parseFlood(b);
  if (!fa || !fb) return a >= b ? a : b;
  const keys = [...new Set([...fa.items.keys(), ...fb.items.keys()])].sort();
  const parts: string[] = [];
  for (const k of keys) {
    const x = fa.items.get(k), y = fb.items.get(k);
    const n = Math.max(x?.n ?? 0, y?.n ?? 0);
    const action = (x?.action ?? '') >= (y?.action ?? '') ? x?.action ?? '' : y?.action ?? '';
    const time = Math.max(x?.time ?? 0, y?.time ?? 0);
    parts.push(`${n}${k}${action ? '#' + action + (time ? time : '') : ''}`);
  }
  return `[${parts.join(',')}]:${Math.max(fa.per, fb.per)}`;
}
