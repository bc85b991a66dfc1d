// Glob masks with UnrealIRCd's match_simple() / match_esc() semantics (src/match.c), in time
// linear in the name, with no backtracking of any kind.
//
// Semantics (the facts we reproduce):
//   '*'  any run of characters, also none;      '?'  exactly one character;
//   '_'  in the mask matches '_' or ' ' in the name (so a mask without spaces can match text with them);
//   letters compare case-insensitively with ASCII folding only (A-Z = a-z; []\^ and bytes >= 0x80
//   are not folded: UnrealIRCd's tolowertab);
//   escapes (match_esc only, used by ~realname: and ~channel:): '\x' is a literal x ('\_' still
//   matches a space, as there); a mask ending in a lone '\' matches nothing.
//
// How: a mask is compiled once into one of a few shapes. Masks without '?' are literal segments
// between stars, placed leftmost-first (each found by indexOf from where the last one ended, so
// the name is scanned once). Masks with '?' run as a bit-parallel NFA (one bit per non-star
// token, a self-loop for each star): O(name length x words) per test, words = ceil(tokens / 31).
// Known divergence: match_esc() accepts a few masks whose tail is an ESCAPED '*' followed only by
// '?'s in a way plain glob semantics would not (its "trailing ?s after a star" shortcut does not
// look at escapes); we follow plain glob semantics there.
import { casefold } from '../../wire/casemap.ts';

export { casefold };

/** A name prepared once for many masks: case-folded, and case-folded with ' ' read as '_'. */
export interface FoldedText {
  /** casefold(name) */
  readonly c: string;
  /** casefold(name) with every ' ' turned into '_' (for masks holding '_' but no ' '). */
  readonly g: string;
}

export function foldText(name: string): FoldedText {
  const c = casefold(name);
  return { c, g: c.indexOf(' ') < 0 ? c : c.replace(SPACES, '_') };
}
const SPACES = / /g;

export interface Glob {
  readonly mask: string;
  /** Test a raw name (folds it first). */
  test(name: string): boolean;
  /** Test a name folded with foldText(). */
  testFolded(t: FoldedText): boolean;
  /** 'any' (only stars), 'never', 'exact', 'prefix' (lit*), 'suffix' (*lit), 'contains' (*lit*), 'segments', 'nfa'. */
  readonly kind: GlobKind;
  /** For 'exact' / 'prefix' / 'suffix' / 'contains': the literal (folded; '_' stands for '_' or ' ' when `spaceAsUnderscore`). */
  readonly literal: string;
  /** True when literals are compared with the name's `g` form. */
  readonly spaceAsUnderscore: boolean;
}

export type GlobKind = 'any' | 'never' | 'exact' | 'prefix' | 'suffix' | 'contains' | 'segments' | 'nfa';

const STAR = -1, ANY = -2, US = -3;

/** Tokens of a mask: STAR, ANY, US ('_' class) or a folded character code; null = never matches. */
function tokenize(mask: string, escapes: boolean): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    let c = mask.charCodeAt(i);
    if (c === 42 /* * */) { if (out.length === 0 || out[out.length - 1] !== STAR) out.push(STAR); continue; }
    if (c === 63 /* ? */) { out.push(ANY); continue; }
    if (escapes && c === 92 /* \ */) {
      if (i + 1 >= mask.length) return null; // unfinished escape: match_esc() returns "no match"
      c = mask.charCodeAt(++i);
    }
    if (c === 95 /* _ */) { out.push(US); continue; }
    out.push(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return out;
}

const enum K { Any, Never, Exact, Prefix, Suffix, Contains, Segments, Nfa }
const KIND_NAMES: GlobKind[] = ['any', 'never', 'exact', 'prefix', 'suffix', 'contains', 'segments', 'nfa'];

/** Compile a mask. `escapes`: match_esc() rules (backslash escapes). */
export function compileGlob(mask: string, escapes = false): Glob {
  // Fast path: a plain literal (the usual host, IP, account or nick).
  let plain = true;
  for (let i = 0; i < mask.length; i++) {
    const c = mask.charCodeAt(i);
    if (c === 42 || c === 63 || c === 95 || (c === 92 && escapes)) { plain = false; break; }
  }
  if (plain) return new GlobImpl(mask, K.Exact, casefold(mask), false, null, null);
  const toks = tokenize(mask, escapes);
  if (toks === null) return new GlobImpl(mask, K.Never, '', false, null, null);
  let hasAny = false, hasUs = false, hasSpace = false, stars = 0;
  for (const t of toks) {
    if (t === ANY) hasAny = true; else if (t === US) hasUs = true; else if (t === 32) hasSpace = true; else if (t === STAR) stars++;
  }
  if (stars > 0 && stars === toks.length) return new GlobImpl(mask, K.Any, '', false, null, null);
  if (hasAny || (hasUs && hasSpace)) return new GlobImpl(mask, K.Nfa, '', false, null, new Nfa(toks));
  // Literal segments: '_' becomes '_' compared against the name's g form (' ' read as '_').
  const g = hasUs;
  const segs: string[] = [];
  let cur: number[] = [];
  for (const t of toks) {
    if (t === STAR) { segs.push(String.fromCharCode(...cur)); cur = []; } else cur.push(t === US ? 95 : t);
  }
  segs.push(String.fromCharCode(...cur));
  if (segs.length === 1) return new GlobImpl(mask, K.Exact, segs[0], g, null, null);
  if (segs.length === 2 && segs[0] === '') return new GlobImpl(mask, K.Suffix, segs[1], g, null, null);
  if (segs.length === 2 && segs[1] === '') return new GlobImpl(mask, K.Prefix, segs[0], g, null, null);
  if (segs.length === 3 && segs[0] === '' && segs[2] === '') return new GlobImpl(mask, K.Contains, segs[1], g, null, null);
  return new GlobImpl(mask, K.Segments, '', g, segs, null);
}

/** One class for every shape (call sites stay monomorphic; the shape is a switch). */
class GlobImpl implements Glob {
  private readonly minLen: number;
  constructor(
    readonly mask: string,
    private readonly k: K,
    readonly literal: string,
    readonly spaceAsUnderscore: boolean,
    private readonly segs: string[] | null,
    private readonly nfa: Nfa | null,
  ) {
    this.minLen = segs ? segs.reduce((n, x) => n + x.length, 0) : 0;
  }

  get kind(): GlobKind { return KIND_NAMES[this.k]; }

  test(name: string): boolean {
    if (this.k === K.Any) return true;
    if (this.k === K.Never) return false;
    return this.testFolded(foldText(name));
  }

  testFolded(t: FoldedText): boolean {
    switch (this.k) {
      case K.Any: return true;
      case K.Never: return false;
      case K.Exact: return (this.spaceAsUnderscore ? t.g : t.c) === this.literal;
      case K.Prefix: return (this.spaceAsUnderscore ? t.g : t.c).startsWith(this.literal);
      case K.Suffix: return (this.spaceAsUnderscore ? t.g : t.c).endsWith(this.literal);
      case K.Contains: return (this.spaceAsUnderscore ? t.g : t.c).includes(this.literal);
      case K.Segments: return this.segments(this.spaceAsUnderscore ? t.g : t.c);
      case K.Nfa: return this.nfa!.run(t.c);
    }
  }

  /** lit0 * lit1 * ... * litN: lit0 anchored at the start, litN at the end, the middle ones leftmost. */
  private segments(s: string): boolean {
    const segs = this.segs!;
    if (s.length < this.minLen) return false;
    const first = segs[0], last = segs[segs.length - 1];
    if (!s.startsWith(first) || !s.endsWith(last)) return false;
    let pos = first.length;
    const end = s.length - last.length;
    for (let i = 1; i < segs.length - 1; i++) {
      const seg = segs[i];
      if (seg.length === 0) continue;
      const at = s.indexOf(seg, pos);
      if (at < 0 || at + seg.length > end) return false;
      pos = at + seg.length;
    }
    return pos <= end;
  }
}

/**
 * Bit-parallel NFA. State j (bit j) = the first j non-star tokens are matched; a star after token
 * j is a self-loop on state j. One step: D = ((D << 1) & accepts(c)) | (D & loops).
 * Bits are kept 31 to a word so every word stays a small integer (Smi) in V8.
 */
class Nfa {
  private readonly nStates: number;
  private readonly words: number;
  private readonly loops: Int32Array;
  private readonly anyBits: Int32Array;
  private readonly usBits: Int32Array;
  private readonly charBits: Map<number, Int32Array>;
  private readonly cur: Int32Array;
  private readonly next: Int32Array;
  private readonly acc: Int32Array;

  constructor(toks: number[]) {
    let n = 0;
    for (const t of toks) if (t !== STAR) n++;
    this.nStates = n + 1;
    const W = this.words = Math.ceil(this.nStates / 31);
    this.loops = new Int32Array(W);
    this.anyBits = new Int32Array(W);
    this.usBits = new Int32Array(W);
    this.charBits = new Map();
    this.cur = new Int32Array(W);
    this.next = new Int32Array(W);
    this.acc = new Int32Array(W);
    let state = 0;
    for (const t of toks) {
      if (t === STAR) { this.loops[(state / 31) | 0] |= 1 << (state % 31); continue; }
      state++;
      const w = (state / 31) | 0, b = 1 << (state % 31);
      if (t === ANY) this.anyBits[w] |= b;
      else if (t === US) { this.usBits[w] |= b; this.bitsFor(95)[w] |= b; }
      else this.bitsFor(t)[w] |= b;
    }
  }

  private bitsFor(c: number): Int32Array {
    let m = this.charBits.get(c);
    if (!m) { m = new Int32Array(this.words); this.charBits.set(c, m); }
    return m;
  }

  run(s: string): boolean {
    const W = this.words, cur = this.cur, next = this.next, acc = this.acc;
    const loops = this.loops, anyBits = this.anyBits, usBits = this.usBits;
    cur.fill(0);
    cur[0] = 1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const cb = this.charBits.get(c);
      let alive = 0;
      for (let w = 0; w < W; w++) {
        let a = anyBits[w];
        if (cb !== undefined) a |= cb[w];
        if (c === 32) a |= usBits[w];
        acc[w] = a;
      }
      let carry = 0;
      for (let w = 0; w < W; w++) {
        const d = cur[w];
        const shifted = ((d << 1) | carry) & 0x7fffffff;
        carry = (d >>> 30) & 1;
        const v = (shifted & acc[w]) | (d & loops[w]);
        next[w] = v;
        alive |= v;
      }
      if (alive === 0) return false;
      for (let w = 0; w < W; w++) cur[w] = next[w];
    }
    const last = this.nStates - 1;
    return (cur[(last / 31) | 0] & (1 << (last % 31))) !== 0;
  }
}

// A small cache for one-off calls (matchSimple / matchEsc on masks that are not kept compiled).
const CACHE_MAX = 4096;
const simpleCache = new Map<string, Glob>();
const escCache = new Map<string, Glob>();

function cached(cache: Map<string, Glob>, mask: string, escapes: boolean): Glob {
  let g = cache.get(mask);
  if (!g) {
    if (cache.size >= CACHE_MAX) cache.clear();
    g = compileGlob(mask, escapes);
    cache.set(mask, g);
  }
  return g;
}

/** UnrealIRCd's match_simple(mask, name): true on match. */
export function matchSimple(mask: string, name: string): boolean {
  return cached(simpleCache, mask, false).test(name);
}

/** UnrealIRCd's match_esc(mask, name): match_simple() plus backslash escapes. */
export function matchEsc(mask: string, name: string): boolean {
  return cached(escCache, mask, true).test(name);
}

/** True when the mask holds a wildcard ('*' or '?'), as UnrealIRCd tests with strchr(). */
export function hasWildcard(s: string): boolean {
  return s.indexOf('*') >= 0 || s.indexOf('?') >= 0;
}
