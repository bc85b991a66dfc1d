// Channel mode groups (CHANMODES=A,B,C,D) and member modes (modes.md), and what each parameter
// mode's UnrealIRCd module makes of its parameter (below).
import { KEYLEN } from '../wire/limits.ts';
import { casefold } from '../wire/casemap.ts';
import { atoi, validChannelNameUtf8 } from './banMask.ts';
export const DEFAULT_CHANMODES = 'beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ';
export const DEFAULT_USERMODES = 'diopqrstwxzBDGHIRSTWZ';
export const DEFAULT_PREFIX = '(qaohv)~&@%+';

export class ChanModeGroups {
  readonly list = new Set<string>();
  readonly paramAlways = new Set<string>();   // group B: param on set and unset
  readonly paramOnSet = new Set<string>();    // group C: param on set only
  readonly noParam = new Set<string>();       // group D
  constructor(readonly spec: string) {
    const [a = '', b = '', c = '', d = ''] = spec.split(',');
    for (const ch of a) this.list.add(ch);
    for (const ch of b) this.paramAlways.add(ch);
    for (const ch of c) this.paramOnSet.add(ch);
    for (const ch of d) this.noParam.add(ch);
  }
  /** Does this mode take a parameter in this direction? Member modes always do. */
  takesParam(mode: string, adding: boolean): boolean {
    if ('qaohv'.includes(mode)) return true;
    if (this.list.has(mode) || this.paramAlways.has(mode)) return true;
    if (this.paramOnSet.has(mode)) return adding;
    return false;
  }
  known(mode: string): boolean {
    return 'qaohv'.includes(mode) || this.list.has(mode) || this.paramAlways.has(mode) || this.paramOnSet.has(mode) || this.noParam.has(mode);
  }
}

/** SJOIN member prefix → member mode. Note '~' is admin and '*' is owner in SJOIN. */
export const SJOIN_PREFIX_TO_MODE: Record<string, string> = { '*': 'q', '~': 'a', '@': 'o', '%': 'h', '+': 'v' };
export const MODE_TO_SJOIN_PREFIX: Record<string, string> = { q: '*', a: '~', o: '@', h: '%', v: '+' };
/** The list mode an SJOIN list item's prefix (char code) stands for: & b, " e, ' I; '' for none. */
export function sjoinListMode(c: number): 'b' | 'e' | 'I' | '' {
  // A switch rather than a lookup object: read once per list item, and object lookups by a
  // one-character key were megamorphic there.
  switch (c) {
    case 38: return 'b'; // &
    case 34: return 'e'; // "
    case 39: return 'I'; // '
    default: return '';
  }
}
export const LIST_TO_SJOIN_PREFIX: Record<string, string> = { b: '&', e: '"', I: "'" };

// ---------------------------------------------------------------- parameter modes (conflicts.md
// "Parameters are stored in canonical form"): what each UnrealIRCd module's is_ok(EXCHK_PARAM) and
// conv_param() make of a parameter, and its sjoin_check() for an equal-TS merge. A source is never
// one of our own clients, so the access checks never apply; what is left is the parameter itself.

/** A parameter as a mode's module takes it: the value the channel then holds (and bursts), and the one the MODE is relayed with. */
export interface ConvertedParam { stored: string; wire: string }

/** Modes a remote source cannot set (flagged local: delayjoin +d, issecure +Z); mode.c skips them, and no server bursts them. */
export const REMOTE_IGNORED_CHANMODES = new Set(['d', 'Z']);

/** The channel facts a conversion looks at. */
export interface ParamChannel { name: string; modes: { has(m: string): boolean } }

/** set_mode() copies each parameter into a MODEBUFLEN (200) byte buffer first. */
export const MODE_PARAM_MAX = 200;

/**
 * `param` for mode `m` on `ch` as its module takes it, or null when the module refuses it
 * (is_ok() fails or conv_param() returns nothing). Modes tslink has no module for keep the
 * parameter as it came.
 */
export function convertParam(m: string, param: string, ch: ParamChannel): ConvertedParam | null {
  if (param.length > MODE_PARAM_MAX) param = param.slice(0, MODE_PARAM_MAX);
  let v: string | null;
  switch (m) {
    case 'k': v = validKey(param) && param !== '' ? param : null; break;
    case 'l': v = String(limitValue(param)); break;
    case 'L': v = !param.includes(',') && validChannelNameUtf8(param) && casefold(param) !== casefold(ch.name) ? param : null; break;
    case 'F': v = floodProfile(param); break;
    case 'H': {
      // conv_param() with the channel's +r; the channel then holds what put_param() (which reads
      // that again, with the +r limits) and get_param() make of it: "1:3601s" is sent as 1:60m, held as 1:1h.
      const wire = historyParam(param, ch.modes.has('r'));
      return wire === null ? null : { stored: historyParam(wire, true) ?? wire, wire };
    }
    case 'f': {
      if (parseFlood(param, true) === null) return null; // is_ok(): the strict parse
      const wire = floodString(param);
      return wire === null ? null : { stored: floodString(wire) ?? wire, wire };
    }
    // Held as given (a mode tslink has no module for); one that no MODE or SJOIN could carry as a
    // middle parameter (empty, with a space, starting with ':') is refused rather than held unsent.
    default: v = param === '' || param.includes(' ') || param.charCodeAt(0) === 58 ? null : param;
  }
  return v === null ? null : { stored: v, wire: v };
}

/**
 * The equal-TS merge of a parameter mode both sides hold (sjoin.c with the mode's sjoin_check()):
 * `ours` as we had it, `theirs` as their SJOIN set it. Returns what the channel ends with.
 */
export function mergeParam(m: string, ours: string, theirs: string): string {
  switch (m) {
    case 'k': case 'L': case 'F':
      return ours > theirs ? ours : theirs; // strcmp(): we win when ours is greater, else theirs stays
    case 'l':
      return Number(ours) > Number(theirs) ? ours : theirs;
    case 'H': {
      const a = parseHistory(ours, true), b = parseHistory(theirs, true);
      if (a === null || b === null) return ours > theirs ? ours : theirs;
      if (a.lines === b.lines && a.time === b.time) return theirs;
      return historyString(Math.max(a.lines, b.lines), Math.max(a.time, b.time));
    }
    case 'f': {
      const a = parseFlood(ours, false), b = parseFlood(theirs, false);
      if (a === null || b === null) return ours > theirs ? ours : theirs;
      // Equal limits, actions and remove-after times: EXSJ_SAME, their value stays (their period too).
      if (a.limit.every((x, i) => x === b.limit[i] && a.action[i] === b.action[i] && a.remove[i] === b.remove[i])) return theirs;
      const merged: Flood = {
        per: Math.max(a.per, b.per),
        limit: a.limit.map((x, i) => Math.max(x, b.limit[i])),
        action: a.action.map((x, i) => Math.max(x, b.action[i])),
        remove: a.remove.map((x, i) => Math.max(x, b.remove[i])),
      };
      const s = formatFlood(merged);
      return floodString(s) ?? s; // stored as put_param() then get_param() leave it
    }
    default:
      return ours >= theirs ? ours : theirs; // a mode without a known module: the byte-wise greater one, on both sides
  }
}

// +k (chanmodes/key.c): at most KEYLEN bytes, none of them <= 0x20, ':' or ','; the key is kept as given.
function validKey(p: string): boolean {
  if (p.length > KEYLEN) return false;
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c <= 32 || c === 58 || c === 44) return false;
  }
  return true;
}

// +l (chanmodes/limit.c): atoi(), below 1 is 1, above 1000000 is 1000000; anything is accepted.
function limitValue(p: string): number {
  const v = atoi(p);
  return v <= 0 ? 1 : v > 1000000 ? 1000000 : v;
}

// +F (chanmodes/floodprot.c): a profile name (case-insensitive) of the default configuration, held as the profile spells it.
const FLOOD_PROFILES = ['very-strict', 'strict', 'normal', 'relaxed', 'very-relaxed', 'off'];
function floodProfile(p: string): string | null {
  const l = p.replace(/[A-Z]+/g, (x) => x.toLowerCase());
  return FLOOD_PROFILES.includes(l) ? l : null;
}

// +f (chanmodes/floodprot.c parse_channel_mode_flood(), channel_modef_string()).
/** Flood types in the order the string lists them, with their default action and the other actions they accept. */
const FLOOD_TYPES: readonly { letter: string; def: number; actions: string }[] = [
  { letter: 'c', def: 67 /* C */, actions: '' },
  { letter: 'j', def: 105 /* i */, actions: 'R' },
  { letter: 'k', def: 75 /* K */, actions: '' },
  { letter: 'm', def: 109 /* m */, actions: 'M' },
  { letter: 'n', def: 78 /* N */, actions: '' },
  { letter: 't', def: 0, actions: 'bd' },
  { letter: 'r', def: 0, actions: 'bd' },
];

interface Flood { per: number; limit: number[]; action: number[]; remove: number[] }

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * parse_channel_mode_flood() for a remote source: "[<n><type>[#<action>[<minutes>]],...]:<seconds>".
 * `strict` (is_ok()) refuses a count outside 1-999; otherwise counts are clamped. Unknown types
 * are skipped; at least one known type is needed. A '#' ending an entry reads the action as
 * missing and the minutes from what follows the entry's comma, as UnrealIRCd's parser does.
 */
function parseFlood(param: string, strict: boolean): Flood | null {
  const buf = param.length > 255 ? param.slice(0, 255) : param;
  if (buf[0] !== '[') return null;
  const close = buf.indexOf(']', 1);
  if (close < 0 || buf[close + 1] !== ':') return null;
  const f: Flood = { per: 0, limit: [0, 0, 0, 0, 0, 0, 0], action: [0, 0, 0, 0, 0, 0, 0], remove: [0, 0, 0, 0, 0, 0, 0] };
  const body = buf.slice(1, close);
  for (let s = 0; s <= body.length;) {
    let e = body.indexOf(',', s);
    if (e < 0) e = body.length;
    if (e === s) { s = e + 1; continue; } // strtok() skips empty entries
    let p = s;
    while (p < e && isDigit(body.charCodeAt(p))) p++;
    const type = p < e ? FLOOD_TYPES.findIndex((t) => t.letter === body[p]) : -1;
    if (type >= 0) {
      let v = atoi(body.slice(s, p));
      if (strict && (v < 1 || v > 999)) return null;
      if (v < 1) v = 1;
      if (v > 999) v = 999;
      p++;
      let a = 0, r = 0;
      if (p < e && body[p] === '#') {
        p++;
        const bare = p === e; // '#' ends the entry: the action is the entry's terminator
        a = bare ? 0 : body.charCodeAt(p);
        p++;
        // The minutes: the rest of this entry; after a bare '#', the C string past the entry's
        // terminator (the rest of the list after its comma, or ":<seconds>" after the last one).
        const rest = !bare ? body.slice(p, e) : e < body.length ? body.slice(e + 1) : buf.slice(close + 1);
        if (rest !== '') {
          let tv = atoi(rest);
          if (tv <= 0) tv = 0;
          if (tv > 255) tv = 255;
          r = tv;
        }
      }
      const t = FLOOD_TYPES[type];
      f.limit[type] = v;
      f.action[type] = a !== 0 && t.actions.includes(String.fromCharCode(a)) ? a : t.def;
      f.remove[type] = r;
    }
    s = e + 1;
  }
  const perStr = buf.slice(close + 2);
  if (perStr === '') return null;
  let per = atoi(perStr);
  if (per < 1) per = 1;
  f.per = per & 0xffff; // an unsigned short
  if (f.limit.every((x) => x === 0)) return null; // nothing turned on
  return f;
}

/** channel_modef_string(): the types in order, "#<action>[<minutes>]" only when not the default or with minutes; the period as a signed short. */
function formatFlood(f: Flood): string {
  const parts: string[] = [];
  for (let i = 0; i < FLOOD_TYPES.length; i++) {
    if (!f.limit[i]) continue;
    const t = FLOOD_TYPES[i], a = f.action[i], r = f.remove[i];
    let s = `${f.limit[i]}${t.letter}`;
    if (a && (a !== t.def || r)) s += '#' + String.fromCharCode(a) + (r ? String(r) : '');
    parts.push(s);
  }
  const per = f.per > 32767 ? f.per - 65536 : f.per;
  return `[${parts.join(',')}]:${per}`;
}

/** cmodef_conv_param(): the lenient parse written back in canonical form; null when nothing is left. */
function floodString(p: string): string | null {
  const f = parseFlood(p, false);
  return f === null ? null : formatFlood(f);
}

// +H (chanmodes/history.c): "<lines>:<time>", time in minutes when all digits, else a time value
// ("1d2h"); at least 1 line and 60 s; capped (200 lines / 31 days, 5000 lines on a +r channel);
// written in whole days, hours or minutes.
const HISTORY_MAX_TIME = 86400 * 31;

function parseHistory(param: string, registered: boolean): { lines: number; time: number } | null {
  const buf = param.length > 63 ? param.slice(0, 63) : param;
  const colon = buf.indexOf(':');
  if (colon < 0) return null;
  let lines = atoi(buf.slice(0, colon));
  const t = buf.slice(colon + 1);
  let time = /^[0-9]*$/.test(t) ? Math.imul(atoi(t), 60) : configTime(t);
  if (lines < 1 || time < 60) return null;
  const maxLines = registered ? 5000 : 200;
  if (lines > maxLines) lines = maxLines;
  if (time > HISTORY_MAX_TIME) time = HISTORY_MAX_TIME;
  return { lines, time };
}

function historyString(lines: number, time: number): string {
  if (time % 86400 === 0) return `${lines}:${time / 86400}d`;
  if (time % 3600 === 0) return `${lines}:${time / 3600}h`;
  return `${lines}:${Math.floor(time / 60)}m`;
}

function historyParam(p: string, registered: boolean): string | null {
  const h = parseHistory(p, registered);
  return h === null ? null : historyString(h.lines, h.time);
}

const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/**
 * src/conf.c config_checkval(value, CFG_TIME): every run of letters multiplies the digits just
 * before it (w 604800, d 86400, h 3600, m 60, anything else 1), trailing digits count as seconds.
 * Its quirks kept: the character right after a run of letters is not looked at for a new run, and
 * the trailing number is read from the last non-digit before the final character.
 */
function configTime(s: string): number {
  if (s === '') return 0;
  const v: number[] = [];
  for (let i = 0; i < s.length; i++) v.push(s.charCodeAt(i));
  const n = v.length;
  // atoi() of the C string starting at `from` (it ends at the first 0 written into the buffer).
  const atoiAt = (from: number) => {
    let end = from;
    while (end < n && v[end] !== 0) end++;
    return atoi(String.fromCharCode(...v.slice(Math.max(from, 0), end)));
  };
  // Walk back from `sz` over digits (white space is cut), as the C loops do; returns where the number starts, minus one.
  const back = (sz: number, stopAtZero: boolean) => {
    for (;;) {
      const more = sz > 0;
      sz--;
      if (!more || (stopAtZero && v[sz] === 0)) break;
      if (isSpace(v[sz])) v[sz] = 0;
      if (!isDigit(v[sz])) break;
    }
    return sz;
  };
  let ret = 0;
  let t = 0;
  for (; t < n; t++) {
    if (!isAlpha(v[t])) continue;
    const l = v[t] | 0x20;
    const factor = l === 119 ? 604800 : l === 100 ? 86400 : l === 104 ? 3600 : l === 109 ? 60 : 1;
    const sz = t;
    while (t < n && isAlpha(v[t])) t++;
    v[sz] = 0;
    ret += Math.imul(atoiAt(back(sz, true) + 1), factor);
    if (t >= n) { t++; break; }
  }
  ret += atoiAt(back(t - 1, false) + 1);
  return ret;
}
