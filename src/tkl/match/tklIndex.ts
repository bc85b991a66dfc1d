// The TKL matching index: which server ban, shun, exception or Q-line applies to a user, as
// UnrealIRCd's find_tkline_match(), find_tkline_match_zap(), find_shun(), find_qline() and
// find_tkl_exception() decide it (src/modules/tkl.c), over any number of entries.
//
// Facts:
// * Server bans G k Z z (and shuns s) match with match_user(user@host or ~extban, MATCH_CHECK_REAL);
//   (G)Z-lines checked before DNS/ident (findZap) use the host part against the IP only.
// * A soft ban ('%' before the user mask) only applies to users not logged in; findBan can skip
//   soft bans altogether (skipSoft: UnrealIRCd's early check before SASL can complete).
// * A matching ban is void for a user exempted from its type by an exception (E, or local e):
//   the exception's mask matches, its type letters include the ban's, and a soft exception only
//   exempts users who are logged in. Letters: G k Z z exempt exactly that type; s any shun, F any
//   spamfilter, Q any Q-line (global or local); b c d m r 8 v exempt from the non-TKL checks
//   (blacklist, connect-flood, handshake-data-flood, maxperip, antirandom, antimixedutf8,
//   ban-version) — ask isExempt(user, letter).
// * A Q-line (Q, or local q) name mask matches a nick with match_simple, and a mask starting with
//   '#' only matches names starting with '#' (and the other way round). A services hold ('H')
//   cannot be exempted.
// * Expiry is not this index's business: the table removes expired entries (remove()).
import type { TklEntry } from '../types.ts';
import type { GroupResolver } from './extban.ts';
import { compileGlob, type Glob } from './glob.ts';
import { MaskIndex, type Indexed } from './maskIndex.ts';
import { compileUserMask, type UserMask } from './userMask.ts';
import type { PreparedUser } from './user.ts';
import { casefold } from '../../wire/casemap.ts';

export const SERVER_BAN_TYPES = 'GkZzs';
export const EXCEPTION_TYPES = 'Ee';
export const NAME_BAN_TYPES = 'Qq';

export interface IndexedBan {
  readonly entry: TklEntry;
  readonly type: string;
  readonly soft: boolean;
  /** E/e: the ban types exempted. */
  readonly bantypes: string;
}

/** A user check a config `ban {}` / `except ban {}` block makes instead of a mask (a security group). */
export type CustomMatcher = (pu: PreparedUser, groups: GroupResolver | null) => boolean;

/** The user mask of a server ban or exception as match_user() receives it (tkl_uhost()), without the soft '%'. */
export function banUhost(e: Pick<TklEntry, 'user' | 'host'>): { uhost: string; soft: boolean } {
  const soft = e.user.charCodeAt(0) === 37;
  const user = soft ? e.user.slice(1) : e.user;
  // is_extended_server_ban(usermask): "~name:" + "value" is written without '@'.
  const ext = user.charCodeAt(0) === 126 && user.indexOf(':') >= 0;
  return { uhost: ext ? user + e.host : `${user}@${e.host}`, soft };
}

/** The E letter that exempts a ban of this type (tkl_banexception_matches_type). */
export function exceptionLetterFor(banType: string): string {
  switch (banType) {
    case 'f': return 'F';
    case 'q': return 'Q';
    default: return banType;
  }
}

interface NameBan { entry: TklEntry; hold: boolean; glob: Glob; channel: boolean }

export interface TklIndexOptions {
  /** For ~security-group: (and custom matchers). */
  groups?: GroupResolver | null;
}

export class TklIndex {
  private readonly kill = new MaskIndex<IndexedBan>();
  private readonly zap = new MaskIndex<IndexedBan>();
  private readonly shun = new MaskIndex<IndexedBan>();
  private readonly except = new MaskIndex<IndexedBan>();
  private readonly names = new Map<string, NameBan[]>();
  private nameGlobs: NameBan[] = [];
  /** Keyed by the entry object itself: the table's stored copy (TklTable.add's result; what TklTable.remove returns). */
  private readonly recs = new Map<TklEntry, { items: Indexed<IndexedBan>[]; idx: MaskIndex<IndexedBan>[]; name?: NameBan }>();
  groups: GroupResolver | null;

  constructor(opts: TklIndexOptions = {}) {
    this.groups = opts.groups ?? null;
  }

  get size(): number { return this.recs.size; }
  has(e: TklEntry): boolean { return this.recs.has(e); }

  /**
   * Index an entry (server ban, shun, exception or Q-line; other types are ignored). The entry is
   * known by its object: pass the table's stored copy, and the same object to remove(). Merges
   * (set-at, expire-at, set-by) need nothing: the mask did not change. `custom` replaces the mask
   * (config blocks matching by security group). Returns false when the entry can never match anyone.
   */
  add(e: TklEntry, custom?: CustomMatcher): boolean {
    if (this.recs.has(e)) this.remove(e);
    const t = e.type;
    if (NAME_BAN_TYPES.includes(t)) {
      const nb: NameBan = { entry: e, hold: e.user.charCodeAt(0) === 72 /* H */, glob: compileGlob(e.host), channel: e.host.charCodeAt(0) === 35 };
      if (nb.glob.kind === 'exact' && !nb.glob.spaceAsUnderscore) {
        const k = nb.glob.literal;
        const l = this.names.get(k);
        if (l) l.push(nb); else this.names.set(k, [nb]);
      } else this.nameGlobs.push(nb);
      this.recs.set(e, { items: [], idx: [], name: nb });
      return true;
    }
    const isBan = SERVER_BAN_TYPES.includes(t), isExc = EXCEPTION_TYPES.includes(t);
    if (!isBan && !isExc) return false;
    const { uhost, soft } = banUhost(e);
    const ban: IndexedBan = { entry: e, type: t, soft, bantypes: isExc ? e.bantypes ?? '' : '' };
    const rec = { items: [] as Indexed<IndexedBan>[], idx: [] as MaskIndex<IndexedBan>[] };
    const mask: UserMask = custom ? customMask(uhost, custom) : compileUserMask(uhost);
    const first = isExc ? this.except : t === 's' ? this.shun : this.kill;
    const it = first.add(mask, ban);
    if (it) { rec.items.push(it); rec.idx.push(first); }
    if (t === 'Z' || t === 'z') {
      const z = this.zap.add(custom ? mask : compileUserMask(e.host, true), ban);
      if (z) { rec.items.push(z); rec.idx.push(this.zap); }
    }
    this.recs.set(e, rec);
    return rec.items.length > 0;
  }

  /** Drop an entry (the object given to add()). */
  remove(e: TklEntry): boolean {
    const rec = this.recs.get(e);
    if (!rec) return false;
    this.recs.delete(e);
    for (let i = 0; i < rec.items.length; i++) rec.idx[i].remove(rec.items[i]);
    if (rec.name) {
      const nb = rec.name;
      if (nb.glob.kind === 'exact' && !nb.glob.spaceAsUnderscore) {
        const l = this.names.get(nb.glob.literal);
        if (l) { l.splice(l.indexOf(nb), 1); if (l.length === 0) this.names.delete(nb.glob.literal); }
      } else this.nameGlobs.splice(this.nameGlobs.indexOf(nb), 1);
    }
    return true;
  }

  clear(): void {
    for (const e of [...this.recs.keys()]) this.remove(e);
  }

  entries(): IterableIterator<TklEntry> { return this.recs.keys(); }

  // The user and exception letter being looked at; accept-callbacks read them (no closure per call).
  private pu: PreparedUser | null = null;
  private letter = '';
  private skipSoft = false;
  private readonly exceptAccept = (x: IndexedBan): boolean => x.bantypes.includes(this.letter) && (!x.soft || this.pu!.loggedIn);
  private readonly banAccept = (b: IndexedBan): boolean => {
    if (b.soft && (this.skipSoft || this.pu!.loggedIn)) return false;
    return !this.isExempt(this.pu!, b.type);
  };
  private readonly zapAccept = (b: IndexedBan): boolean => !this.isExempt(this.pu!, b.type);

  /** find_tkl_exception(): is the user exempt from bans of this type letter (G k Z z s F f Q q b c d m r 8 v)? */
  isExempt(pu: PreparedUser, banType: string): boolean {
    const savedPu = this.pu, savedLetter = this.letter;
    this.pu = pu; this.letter = exceptionLetterFor(banType);
    try {
      return this.except.find(pu, this.exceptAccept, this.groups) !== null;
    } finally { this.pu = savedPu; this.letter = savedLetter; }
  }

  private findWith(idx: MaskIndex<IndexedBan>, pu: PreparedUser, accept: (b: IndexedBan) => boolean, skipSoft: boolean): TklEntry | null {
    const savedPu = this.pu, savedSkip = this.skipSoft;
    this.pu = pu; this.skipSoft = skipSoft;
    try {
      return idx.find(pu, accept, this.groups)?.value.entry ?? null;
    } finally { this.pu = savedPu; this.skipSoft = savedSkip; }
  }

  /** find_tkline_match(): the K-line, G-line or (G)Z-line that bans this user, or null. */
  findBan(pu: PreparedUser, opts?: { skipSoft?: boolean }): TklEntry | null {
    return this.findWith(this.kill, pu, this.banAccept, !!opts?.skipSoft);
  }

  /** find_tkline_match_zap(): the (G)Z-line matching the IP alone (before DNS and ident), or null. */
  findZap(pu: PreparedUser): TklEntry | null {
    return this.findWith(this.zap, pu, this.zapAccept, false);
  }

  /** find_shun(): the shun that applies to this user, or null. */
  findShun(pu: PreparedUser): TklEntry | null {
    return this.findWith(this.shun, pu, this.banAccept, false);
  }

  /** find_qline(): the Q-line for this nick (or channel name); `hold` = services hold. `pu` for exceptions. */
  findQline(name: string, pu: PreparedUser | null): { entry: TklEntry; hold: boolean } | null {
    const isChan = name.charCodeAt(0) === 35;
    const folded = casefold(name);
    const ok = (nb: NameBan): boolean => nb.channel === isChan && nb.glob.test(name);
    let hit: NameBan | undefined = this.names.get(folded)?.find(ok);
    if (!hit) hit = this.nameGlobs.find(ok);
    if (!hit) return null;
    if (hit.hold) return { entry: hit.entry, hold: true };
    if (pu && this.isExempt(pu, 'Q')) return null;
    return { entry: hit.entry, hold: false };
  }

  /** All bans (G k Z z s) whose mask matches, ignoring soft/exception rules: for listings. */
  matchingBans(pu: PreparedUser): TklEntry[] {
    return [...this.kill.findAll(pu, this.groups), ...this.shun.findAll(pu, this.groups)].map((i) => i.value.entry);
  }

  stats(): Record<string, unknown> {
    return { kill: this.kill.stats(), zap: this.zap.stats(), shun: this.shun.stats(), except: this.except.stats(), names: this.names.size, nameGlobs: this.nameGlobs.length };
  }
}

function customMask(mask: string, fn: CustomMatcher): UserMask {
  return { mask, never: false, keys: [], extban: null, test: (pu, groups) => fn(pu, groups ?? null) };
}
