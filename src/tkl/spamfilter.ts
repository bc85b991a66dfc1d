// Spamfilters (TKL type F, and local f): targets, actions, match types, and matching text on a
// linear-time engine (regexEngine.ts) or with a glob (glob.ts).
//
// Facts (UnrealIRCd 6, src/modules/tkl.c, src/misc.c, src/match.c):
// * Targets (letter, name): c channel, p private, n private-notice, N channel-notice, P part,
//   q quit, d dcc, u user, a away, t topic, T message-tag, R raw. On receipt unknown letters are
//   skipped; none known = refused. UnrealIRCd sends them in that canonical order.
// * Actions (letter, name, severity): Z gzline 1100, g gline 1000, G soft-gline 950, z zline 900,
//   I soft-kline 850, k kline 800, s shun 700, H soft-shun 650, K kill 600, i soft-kill 550,
//   S tempshun 500, T soft-tempshun 450, v viruschan 400, V soft-viruschan 350, d dccblock 300,
//   D soft-dccblock 250, b block 200, B soft-block 150, w warn 100, W soft-warn 50; config only:
//   r report 40, 1 set 30, 0 stop 5 (refused on the wire). Soft actions are skipped for users
//   who are logged in.
// * Match types: simple / glob (match_simple), regex / pcre (case-insensitive; UTF-8 by default,
//   set::spamfilter::utf8), none (config spamfilters with a rule only).
// * The text is stripped of mIRC control codes first, except for target u, whose text is
//   "nick!user@host:realname" (an IPv6 host in brackets).
// * Of the spamfilters that match, the one with the strongest action wins; then the smaller match
//   string (strcmp), then the smaller ban reason, then the larger target set.
// * tkl_reason travels with '_' for spaces; "__" is a literal '_' (unreal_decodespace).
// * Identity: (match string, action, targets as a set) — not the match type.
// Here: a regex the engine cannot compile (PCRE-only syntax, or no engine installed) is kept,
// listed and propagated unchanged but not enforced; this is logged once per pattern, and
// list() flags it. A 'none' spamfilter received from a peer (it has no rule) matches nothing.
import type { TklEntry } from './types.ts';
import { compileGlob, type Glob } from './match/glob.ts';
import { RegexCompileError, type CompiledRegex, type RegexEngine } from './regexEngine.ts';

export const SPAMFILTER_TARGETS: readonly { letter: string; name: string; bit: number }[] = [
  ['c', 'channel'], ['p', 'private'], ['n', 'private-notice'], ['N', 'channel-notice'], ['P', 'part'], ['q', 'quit'],
  ['d', 'dcc'], ['u', 'user'], ['a', 'away'], ['t', 'topic'], ['T', 'message-tag'], ['R', 'raw'],
].map(([letter, name], i) => ({ letter, name, bit: 1 << i }));

export interface BanAction { letter: string; name: string; severity: number; soft: boolean; configOnly: boolean }

export const BAN_ACTIONS: readonly BanAction[] = ([
  ['K', 'kill', 600], ['i', 'soft-kill', 550], ['S', 'tempshun', 500], ['T', 'soft-tempshun', 450], ['s', 'shun', 700],
  ['H', 'soft-shun', 650], ['k', 'kline', 800], ['I', 'soft-kline', 850], ['z', 'zline', 900], ['g', 'gline', 1000],
  ['G', 'soft-gline', 950], ['Z', 'gzline', 1100], ['b', 'block', 200], ['B', 'soft-block', 150], ['d', 'dccblock', 300],
  ['D', 'soft-dccblock', 250], ['v', 'viruschan', 400], ['V', 'soft-viruschan', 350], ['w', 'warn', 100], ['W', 'soft-warn', 50],
  ['1', 'set', 30], ['r', 'report', 40], ['0', 'stop', 5],
] as const).map(([letter, name, severity]) => ({ letter, name, severity, soft: name.startsWith('soft-'), configOnly: letter === '1' || letter === 'r' || letter === '0' }));

const ACTION_BY_LETTER = new Map(BAN_ACTIONS.map((a) => [a.letter, a]));
const TARGET_BY_LETTER = new Map(SPAMFILTER_TARGETS.map((t) => [t.letter, t]));

/** spamfilter_gettargets() on receipt: the target bits (unknown letters skipped); 0 = refused. */
export function parseTargets(letters: string): number {
  let bits = 0;
  for (const c of letters) bits |= TARGET_BY_LETTER.get(c)?.bit ?? 0;
  return bits;
}

/** spamfilter_target_inttostring(): canonical letters ("-" for none). */
export function targetsToString(bits: number): string {
  let s = '';
  for (const t of SPAMFILTER_TARGETS) if (bits & t.bit) s += t.letter;
  return s || '-';
}

/** banact_chartoval() (the first character only). */
export function actionOf(letter: string): BanAction | null {
  return ACTION_BY_LETTER.get(letter[0] ?? '') ?? null;
}

export type MatchType = 'simple' | 'regex' | 'none';

/** unreal_match_method_strtoval(). */
export function matchTypeOf(s: string): MatchType | null {
  if (s === 'regex' || s === 'pcre') return 'regex';
  if (s === 'simple' || s === 'glob') return 'simple';
  if (s === 'none') return 'none';
  return null;
}

/** unreal_decodespace(): '_' is a space, "__" a '_'. */
export function decodeSpace(s: string): string {
  return s.replace(/__|_/g, (m) => (m === '__' ? '_' : ' '));
}

/** unreal_encodespace(): a space becomes '_', a '_' becomes "__". */
export function encodeSpace(s: string): string {
  return s.replace(/[_ ]/g, (m) => (m === '_' ? '__' : '_'));
}

const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** atoi() of a run of digits: strtol's clamp to a long, then the cast to a 32-bit int. */
function atoiDigits(s: string): number {
  if (s === '') return 0;
  const v = BigInt(s);
  return Number(BigInt.asIntN(32, v > 0x7fffffffffffffffn ? 0x7fffffffffffffffn : v));
}

/**
 * config_checkval(CFG_TIME), as UnrealIRCd reads a spamfilter's ban duration from the wire:
 * every run of letters multiplies the digits just before it (w 604800, d 86400, h 3600, m 60,
 * any other letter 1: there is no 'y'), digits at the end count as seconds, and whatever else
 * separates the numbers is skipped. "86400" 86400, "1d2h" 93600, "1y" 1, "abc" 0. The products
 * are 32-bit ints as in C (a huge number wraps).
 */
export function parseDuration(s: string): number {
  let total = 0;
  const digitsBefore = (end: number): string => {
    let i = end;
    while (i > 0 && s.charCodeAt(i - 1) >= 48 && s.charCodeAt(i - 1) <= 57) i--;
    return s.slice(i, end);
  };
  let i = 0;
  while (i < s.length) {
    if (!isAlpha(s.charCodeAt(i))) { i++; continue; }
    const unit = s[i].toLowerCase();
    const factor = unit === 'w' ? 604800 : unit === 'd' ? 86400 : unit === 'h' ? 3600 : unit === 'm' ? 60 : 1;
    total += Math.imul(atoiDigits(digitsBefore(i)), factor);
    while (i < s.length && isAlpha(s.charCodeAt(i))) i++;
  }
  return total + atoiDigits(digitsBefore(s.length));
}

/**
 * StripControlCodes(): drop bold (2), colour (3 + up to two digits, optionally ",<one or two
 * digits>"), hex colour (4 + six hex digits, optionally ",<six>"; fewer than six: the 4 alone is
 * dropped), reset (15), monospace (17), reverse (22), italic (29), strikethrough (30),
 * underline (31), and the UTF-8 zero-width space (E2 80 8B). Byte strings in, byte strings out.
 */
export function stripControlCodes(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x02-\x04\x0f\x11\x16\x1d-\x1f\xe2]/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 2: case 15: case 17: case 22: case 29: case 30: case 31: continue;
      case 3: {
        let j = i + 1, n = 0;
        while (n < 2 && isDigit(s.charCodeAt(j))) { j++; n++; }
        if (n > 0 && s[j] === ',' && isDigit(s.charCodeAt(j + 1))) {
          j++;
          let k = 0;
          while (k < 2 && isDigit(s.charCodeAt(j))) { j++; k++; }
        }
        i = j - 1;
        continue;
      }
      case 4: {
        let j = i + 1, n = 0;
        while (n < 6 && isHex(s.charCodeAt(j))) { j++; n++; }
        if (n === 6) {
          if (s[j] === ',') {
            let k = 0, jj = j + 1;
            while (k < 6 && isHex(s.charCodeAt(jj))) { jj++; k++; }
            if (k === 6) j = jj;
          }
          i = j - 1;
        }
        continue;
      }
      case 0xe2:
        if (s.charCodeAt(i + 1) === 0x80 && s.charCodeAt(i + 2) === 0x8b) { i += 2; continue; }
        out += s[i];
        continue;
      default:
        out += s[i];
    }
  }
  return out;
}
const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/** The text a 'u' spamfilter sees: nick!user@host:realname (IPv6 hosts in brackets). */
export function spamfilterUserString(nick: string, ident: string, realhost: string, realname: string): string {
  return `${nick}!${ident}@${realhost.includes(':') ? `[${realhost}]` : realhost}:${realname}`;
}

export interface SpamfilterEntryInfo {
  entry: TklEntry;
  targets: number;
  action: BanAction;
  matchType: MatchType;
  /** False when this node does not enforce it (the regex did not compile here, or no engine). */
  enforced: boolean;
  /** Why it is not enforced (the engine's message). */
  notEnforced?: string;
  /** The ban reason with spaces decoded. */
  reason: string;
  /** The duration of bans it places, in seconds. */
  banDuration: number;
}

interface Compiled extends SpamfilterEntryInfo {
  glob: Glob | null;
  re: CompiledRegex | null;
}

export interface SpamfilterLog {
  (event: { event: 'SPAMFILTER_NOT_ENFORCED'; match: string; matchType: string; error: string; engine: string | null }): void;
}

export interface SpamfilterSetOptions {
  /** null: no engine installed (every regex is kept but not enforced). */
  engine: RegexEngine | null;
  /** set::spamfilter::utf8 (default yes): regexes see the text decoded from UTF-8. */
  utf8?: boolean;
  log?: SpamfilterLog;
}

export interface SpamfilterContext {
  /** Logged in to services (soft actions do not apply). */
  loggedIn: boolean;
  /** Exempt from spamfilters (an E-line with F, or the spamfilter except group): a hit is not acted on. */
  exempt?: boolean;
}

export interface SpamfilterHit {
  entry: TklEntry;
  action: BanAction;
  reason: string;
  banDuration: number;
}

/** The spamfilters in force on this node, matched against text. */
export class SpamfilterSet {
  private readonly items = new Map<TklEntry, Compiled>();
  private readonly loggedOnce = new Set<string>();
  private readonly engine: RegexEngine | null;
  private readonly utf8: boolean;
  private readonly log: SpamfilterLog | undefined;

  constructor(opts: SpamfilterSetOptions) {
    this.engine = opts.engine;
    this.utf8 = opts.utf8 ?? true;
    this.log = opts.log;
  }

  get size(): number { return this.items.size; }

  /**
   * Take a spamfilter entry (TklEntry of type F/f: user = targets, host = action letter,
   * spamfilter = {duration, tklReason, matchType, match}). Returns its info, or null when the
   * entry is not a valid spamfilter at all (no known target, unknown or config-only action, bad
   * match type) — the wire parser refuses those already.
   */
  add(e: TklEntry): SpamfilterEntryInfo | null {
    const sf = e.spamfilter;
    if (!sf) return null;
    const targets = parseTargets(e.user);
    const action = actionOf(e.host);
    const matchType = matchTypeOf(sf.matchType);
    if (!targets || !action || !matchType) return null;
    this.remove(e);
    const c: Compiled = {
      entry: e, targets, action, matchType, enforced: true, reason: decodeSpace(sf.tklReason), banDuration: parseDuration(sf.duration),
      glob: null, re: null,
    };
    if (matchType === 'simple') c.glob = compileGlob(sf.match);
    else if (matchType === 'none') { c.enforced = false; c.notEnforced = "match type 'none' without a rule matches nothing"; }
    else if (!this.engine) this.notEnforced(c, 'no linear-time regex engine is installed (re2js)');
    else {
      try {
        c.re = this.engine.compile(this.utf8 ? fromUtf8(sf.match) : sf.match);
      } catch (err) {
        this.notEnforced(c, err instanceof RegexCompileError ? err.message : String(err));
      }
    }
    this.items.set(e, c);
    return info(c);
  }

  private notEnforced(c: Compiled, why: string): void {
    c.enforced = false;
    c.notEnforced = why;
    const key = `${c.entry.spamfilter!.matchType}\0${c.entry.spamfilter!.match}`;
    if (this.loggedOnce.has(key)) return;
    this.loggedOnce.add(key);
    this.log?.({ event: 'SPAMFILTER_NOT_ENFORCED', match: c.entry.spamfilter!.match, matchType: c.entry.spamfilter!.matchType, error: why, engine: this.engine?.name ?? null });
  }

  remove(e: TklEntry): boolean {
    return this.items.delete(e);
  }

  /** Every spamfilter, with whether this node enforces it (for listings: flag the ones it does not). */
  list(): SpamfilterEntryInfo[] {
    return [...this.items.values()].map(info);
  }

  /**
   * match_spamfilter(): the winning spamfilter for this text sent for `target` (a target letter),
   * or null. `text` is a byte string as received; for 'u' pass spamfilterUserString().
   */
  match(text: string, target: string, ctx: SpamfilterContext): SpamfilterHit | null {
    const bit = TARGET_BY_LETTER.get(target)?.bit ?? 0;
    if (!bit) return null;
    const str = target === 'u' ? text : stripControlCodes(text);
    let decoded: string | null = null;
    let winner: Compiled | null = null;
    for (const c of this.items.values()) {
      if (!(c.targets & bit) || !c.enforced) continue;
      if (ctx.loggedIn && c.action.soft) continue;
      let hit: boolean;
      if (c.glob) hit = c.glob.test(str);
      else {
        if (decoded === null) decoded = this.utf8 ? fromUtf8(str) : str;
        hit = c.re!.test(decoded);
      }
      if (hit && (winner === null || wins(c, winner))) winner = c;
    }
    if (!winner || ctx.exempt) return null;
    return { entry: winner.entry, action: winner.action, reason: winner.reason, banDuration: winner.banDuration };
  }
}

/** choose_winning_spamfilter(): is `a` the winner over `b`? */
function wins(a: Compiled, b: Compiled): boolean {
  if (a.action.severity !== b.action.severity) return a.action.severity > b.action.severity;
  const ma = a.entry.spamfilter!.match, mb = b.entry.spamfilter!.match;
  if (ma !== mb) return ma < mb;
  const ra = a.entry.spamfilter!.tklReason, rb = b.entry.spamfilter!.tklReason;
  if (ra !== rb) return ra < rb;
  return a.targets > b.targets;
}

function info(c: Compiled): SpamfilterEntryInfo {
  const { entry, targets, action, matchType, enforced, notEnforced, reason, banDuration } = c;
  return notEnforced === undefined ? { entry, targets, action, matchType, enforced, reason, banDuration } : { entry, targets, action, matchType, enforced, notEnforced, reason, banDuration };
}

/** A byte string read as UTF-8 (invalid sequences become U+FFFD). */
function fromUtf8(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.from(s, 'latin1').toString('utf8');
  return s;
}

/** The identity UnrealIRCd gives a spamfilter: (match string, action, targets as a set). */
export function spamfilterIdentity(e: Pick<TklEntry, 'user' | 'host' | 'spamfilter'>): string {
  return `F\0${e.spamfilter?.match ?? ''}\0${e.host[0] ?? ''}\0${parseTargets(e.user)}`;
}
