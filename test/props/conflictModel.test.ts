// A differential property: the tslink engine against a small, independent model of the TS
// conflict rules in shared/protocol/conflicts.md (§1 nick collision on UID, §3 SJOIN merge, §4
// channel MODE with TS, §5 TOPIC). The convergence properties compare tslink with itself, so a
// rule error both ends share (an inverted SJOIN TS comparison) is invisible to them; here the
// model is the reference.
//
// The model (class Model) is written from the documents alone: it uses nothing of tslink, keeps
// its own state (users, channels) and applies each event by the rules as conflicts.md words
// them. A hub engine (001, built by test/s2s/harness.ts) with two scripted leaves (leaf 0AA,
// leaf2 0AB) gets the same events as real lines; after every event the hub's users (uid, nick,
// TS) and channels (TS, modes with parameters, bans, members with statuses, topic), read from
// its state, must equal the model's.
//
// Scope (what the generators produce):
//  * hub users (distinct nicks) and hub channels (local SJOIN with modes, members, bans; a topic);
//  * UIDs from either leaf whose nicks collide with anyone's, in any case, with equal or
//    different user@host (in any case) and older, equal or newer TS, from the same or the other link;
//  * SJOINs from a leaf for new or existing channels with a TS older, equal or newer than ours,
//    simple modes (at most one of +s/+p), +k, +l, +f (in any order, with default or other
//    actions, remove-after times), +H, members with any status prefixes (the leaf's own users,
//    some already killed, some named twice), bans (in and out of their normal form, in any case);
//  * server MODEs with a TS older, equal or newer than ours, or 0: simple modes (no s/p: their
//    interplay in MODE is not in the documents), +k/-k, +l/-l, +f/-f, +H/-H (a letter repeated in
//    one line), +o/+h/+v and their removal by UID, +b/-b;
//  * server TOPICs with a TS older, equal or newer than the channel's topic.
// Left out: +P (empty channels), MLOCK, U-lines, SJSBY setters and list setter/time, +L +F,
// invalid parameters and TS values.
//
// Rules the model takes from UnrealIRCd's source where conflicts.md is silent or says less (each
// marked where it is used): "counts" in "One change per parameter mode per MODE line" is a change
// that takes effect (mode.c do_extmode_char(): a "+" equal to the held value, a "-" of an unset
// mode, and any "-" of a mode without a parameter on unset such as -l or -H do not count); "-k"
// takes any parameter; an equal-TS +f whose limits, actions and remove-after times are the same
// on both sides keeps theirs, period included (floodprot.c cmodef_sjoin_check() EXSJ_SAME);
// list entries compare case-insensitively (channel.c identical_ban()).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hub, linkLeaf, local, T0, uid as uidLine, TEST_TIMEOUT } from '../s2s/harness.ts';
import type { Engine } from '../../src/s2s/engine.ts';

const RUNS = Number(process.env.CONFLICT_MODEL_RUNS ?? 1000);
const TC = T0 + 1; // channel TS base

// ---------------------------------------------------------------- the model (conflicts.md)

type Side = 'hub' | 'leaf' | 'leaf2';
const SID: Record<Side, string> = { hub: '001', leaf: '0AA', leaf2: '0AB' };

interface MUser { uid: string; nick: string; ts: number; ident: string; host: string; side: Side }
interface MChan {
  name: string; ts: number;
  /** letter → parameter ('' for a mode without one), parameters in canonical form. */
  modes: Map<string, string>;
  /** folded mask → mask as first added. */
  bans: Map<string, string>;
  /** uid → status letters. */
  members: Map<string, Set<string>>;
  topic: { text: string; setter: string; ts: number } | null;
}

/** ASCII case folding (conflicts.md §1: "case-insensitive, ASCII casemapping"). */
const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
/** strcmp() on byte strings. */
const strcmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const PARAM_MODES = new Set(['k', 'l', 'f', 'H']);
/** Parameter modes that take a parameter on unset too (CHANMODES group B). */
const UNSET_WITH_PARAM = new Set(['k', 'f']);
const STATUS_OF_PREFIX: Record<string, string> = { '*': 'q', '~': 'a', '@': 'o', '%': 'h', '+': 'v' };

// conflicts.md "Parameters are stored in canonical form", +f: "[<limit><type>[#<action>[<remove-after>]],...]:<seconds>",
// the types in the order c j k m n t r, "#<action>" only when it is not the type's default or a
// remove-after time is set. (The generator writes only well-formed specs with valid actions.)
const FLOOD_ORDER = 'cjkmntr';
const FLOOD_DEFAULT: Record<string, string> = { c: 'C', j: 'i', k: 'K', m: 'm', n: 'N', t: '', r: '' };
interface MFlood { per: number; types: Map<string, { limit: number; action: string; after: number }> }
function floodOf(spec: string): MFlood {
  const [, body, per] = /^\[(.*)\]:(\d+)$/.exec(spec)!;
  const types = new Map<string, { limit: number; action: string; after: number }>();
  for (const e of body.split(',')) {
    const [, n, t, a, after] = /^(\d+)([a-z])(?:#([A-Za-z])(\d*))?$/.exec(e)!;
    types.set(t, { limit: Number(n), action: a ?? FLOOD_DEFAULT[t], after: Number(after || 0) });
  }
  return { per: Number(per), types };
}
function floodText(f: MFlood): string {
  const parts: string[] = [];
  for (const t of FLOOD_ORDER) {
    const x = f.types.get(t);
    if (!x) continue;
    parts.push(`${x.limit}${t}${x.action !== FLOOD_DEFAULT[t] || x.after ? `#${x.action}${x.after || ''}` : ''}`);
  }
  return `[${parts.join(',')}]:${f.per}`;
}
/** §3 "+f flood: field-wise MAX of per-time, each limit, each action, each remove-after" (a missing type: 0, no action). */
function mergeFloodModel(ours: string, theirs: string): string {
  const a = floodOf(ours), b = floodOf(theirs);
  const entry = (f: MFlood, t: string) => f.types.get(t) ?? { limit: 0, action: '', after: 0 };
  const same = [...FLOOD_ORDER].every((t) => JSON.stringify(entry(a, t)) === JSON.stringify(entry(b, t)));
  stat(`merge +f ${same ? 'same' : 'merged'}`);
  if (same) return theirs; // floodprot.c EXSJ_SAME: theirs stays, their period too
  const types = new Map<string, { limit: number; action: string; after: number }>();
  for (const t of FLOOD_ORDER) {
    const x = entry(a, t), y = entry(b, t);
    if (!x.limit && !y.limit) continue;
    types.set(t, { limit: Math.max(x.limit, y.limit), action: strcmp(x.action, y.action) >= 0 ? x.action : y.action, after: Math.max(x.after, y.after) });
  }
  return floodText({ per: Math.max(a.per, b.per), types });
}
/** +H "lines:time" (the generator writes canonical ones: whole days or hours): §3 "MAX of lines and MAX of time". */
const historySeconds = (t: string) => Number(t.slice(0, -1)) * (t.endsWith('d') ? 86400 : 3600);
function mergeHistoryModel(ours: string, theirs: string): string {
  const [al, at] = ours.split(':'), [bl, bt] = theirs.split(':');
  return `${Math.max(Number(al), Number(bl))}:${historySeconds(at) >= historySeconds(bt) ? at : bt}`;
}
/** A parameter as the channel holds it. */
const canonical = (l: string, p: string) => (l === 'f' ? floodText(floodOf(p)) : p);

/** The normal form of the generator's masks (the issue's examples: "bar" is "bar!*@*", "c!d" "c!d@*", "e@" "*!e@*", "~t:5:x" "~time:5:x", "*!*@" "*!*@*"). */
const EXTBAN_NAME: Record<string, string> = { t: 'time', a: 'account' };
function normalMask(m: string): string {
  const x = /^~([^:]+):(.*)$/.exec(m);
  if (x) return `~${EXTBAN_NAME[x[1]] ?? x[1]}:${x[2]}`;
  const bang = m.indexOf('!'), at = m.lastIndexOf('@');
  if (bang < 0 && at < 0) return `${m}!*@*`;
  if (at < 0) return `${m}@*`;
  if (bang < 0) return `*!${m.slice(0, at) || '*'}@${m.slice(at + 1) || '*'}`;
  return `${m.slice(0, bang) || '*'}!${m.slice(bang + 1, at) || '*'}@${m.slice(at + 1) || '*'}`;
}

/** Outcome counts (CONFLICT_MODEL_STATS=1 prints them: what the scenarios reach). */
const STATS: Record<string, number> = {};
const stat = (k: string) => { STATS[k] = (STATS[k] ?? 0) + 1; };

class Model {
  readonly users = new Map<string, MUser>();
  readonly nicks = new Map<string, string>();
  readonly chans = new Map<string, MChan>();

  chan(name: string): MChan | undefined { return this.chans.get(fold(name)); }

  private removeUser(uid: string): void {
    const u = this.users.get(uid);
    if (!u) return;
    this.users.delete(uid);
    this.nicks.delete(fold(u.nick));
    for (const [k, c] of this.chans) {
      c.members.delete(uid);
      if (c.members.size === 0) this.chans.delete(k); // no +P in the scenarios
    }
  }

  /** §1: a UID from `side`. */
  uid(side: Side, u: Omit<MUser, 'side'>): void {
    const key = fold(u.nick);
    const eUid = this.nicks.get(key);
    if (eUid !== undefined) {
      const e = this.users.get(eUid)!;
      const differ = fold(e.ident) !== fold(u.ident) || fold(e.host) !== fold(u.host);
      stat(`uid collision ${e.ts === u.ts ? 'equal' : differ ? 'differ' : 'same'}${e.side === side ? ' same-link' : ''}`);
      if (e.ts === u.ts) { this.removeUser(e.uid); return; } // both die: U is never introduced
      const sameLink = e.side === side;
      const newWins = (differ && e.ts > u.ts) || (!differ && e.ts < u.ts) || sameLink;
      if (!newWins) return; // existing wins: U killed toward its link, UID dropped
      this.removeUser(e.uid);
    }
    this.users.set(u.uid, { ...u, side });
    this.nicks.set(key, u.uid);
  }

  /** §3: an SJOIN from `side`. */
  sjoin(side: Side, name: string, theirs: number, modes: Map<string, string>, members: { uid: string; statuses: string }[], bans: string[]): void {
    let c = this.chan(name);
    let outcome: 'new' | 'theirs' | 'ours' | 'equal';
    if (!c) {
      c = { name, ts: theirs, modes: new Map(), bans: new Map(), members: new Map(), topic: null };
      this.chans.set(fold(name), c);
      outcome = 'new';
    } else outcome = theirs < c.ts ? 'theirs' : theirs > c.ts ? 'ours' : 'equal';
    stat(`sjoin ${outcome}`);
    if (outcome === 'theirs') {
      // removeours: our modes, lists and every member status go; our TS becomes theirs.
      c.modes.clear(); c.bans.clear();
      for (const s of c.members.values()) s.clear();
      c.ts = theirs;
    }
    // Members are always joined (the leaf's own users only: a killed one is unknown, skipped).
    // "Member statuses, in every TS case": a status counts only for a member joining with this
    // SJOIN (one named twice joins with its first item); after removeours an existing member has none.
    for (const m of members) {
      const u = this.users.get(m.uid);
      if (!u || u.side !== side) continue;
      const joining = !c.members.has(m.uid);
      const st = c.members.get(m.uid) ?? new Set<string>();
      c.members.set(m.uid, st);
      if (outcome === 'ours') continue;
      if (joining) for (const l of m.statuses) st.add(l);
    }
    // List items: a non-extban mask without '!' or '@' is dropped (modes.md), the rest go in normal form.
    const items = bans.filter((b) => b.startsWith('~') || (b.includes('!') && b.includes('@'))).map(normalMask);
    if (outcome !== 'ours') for (const b of items) if (c.bans.has(fold(b))) stat(`sjoin ban already there${c.bans.get(fold(b)) === b ? '' : ' in another case'}`);
    if (outcome === 'new' || outcome === 'theirs') {
      for (const [l, p] of modes) c.modes.set(l, canonical(l, p));
      for (const b of items) addMask(c, b);
    } else if (outcome === 'equal') {
      const hadS = c.modes.has('s'), hadP = c.modes.has('p');
      for (const [l, raw] of modes) {
        const p = canonical(l, raw);
        const cur = c.modes.get(l);
        if (cur === undefined) c.modes.set(l, p); // a mode only they have: adopted
        else if (l === 'k') c.modes.set(l, strcmp(cur, p) >= 0 ? cur : p); // byte-wise greater key
        else if (l === 'l') c.modes.set(l, String(Math.max(Number(cur), Number(p)))); // higher limit
        else if (l === 'f') c.modes.set(l, mergeFloodModel(cur, p));
        else if (l === 'H') c.modes.set(l, mergeHistoryModel(cur, p));
      }
      // Secret wins over private, in both directions.
      if (hadS && c.modes.has('p')) { c.modes.delete('p'); c.modes.set('s', ''); }
      if (hadP && modes.has('s')) c.modes.delete('p');
      for (const b of items) addMask(c, b);
    }
    if (c.members.size === 0) this.chans.delete(fold(name));
  }

  /** §4: a server MODE with TS `t` (0: none). */
  mode(name: string, changes: Change[], t: number): void {
    const c = this.chan(name);
    if (!c) return; // 403
    stat(`mode ${t === 0 ? 'no-ts' : t > c.ts ? 'newer' : t < c.ts ? 'older' : 'equal'}`);
    if (t !== 0 && t > c.ts) return; // newer than ours, not U-lined: ignored
    if (t !== 0 && t < c.ts) c.ts = t; // lowered, modes applied on top (no wipe)
    // "One change per parameter mode per MODE line": the first change of a letter that takes
    // effect counts, later ones are dropped (their parameters consumed). Member modes and list
    // entries are not parameter modes: each of those counts.
    const counted = new Set<string>();
    for (const ch of changes) {
      if (PARAM_MODES.has(ch.letter)) {
        if (counted.has(ch.letter)) { stat(`mode repeated ${ch.letter} dropped`); continue; }
        if (ch.sign === '+') {
          const p = canonical(ch.letter, ch.param!);
          if (c.modes.get(ch.letter) === p) continue; // no change: does not count
          counted.add(ch.letter);
          c.modes.set(ch.letter, p);
        } else {
          if (!c.modes.has(ch.letter)) continue;
          if (UNSET_WITH_PARAM.has(ch.letter)) counted.add(ch.letter); // -l, -H carry no parameter and do not count
          c.modes.delete(ch.letter);
        }
      } else if ('qaohv'.includes(ch.letter)) {
        const st = c.members.get(ch.param!);
        if (!st) continue;
        if (ch.sign === '+') st.add(ch.letter); else st.delete(ch.letter);
      } else if (ch.letter === 'b') {
        if (ch.sign === '+') addMask(c, normalMask(ch.param!)); else c.bans.delete(fold(normalMask(ch.param!)));
      } else if (ch.sign === '+') c.modes.set(ch.letter, '');
      else c.modes.delete(ch.letter);
    }
  }

  /** §5: a server TOPIC. */
  topic(name: string, setter: string, ts: number, text: string): void {
    const c = this.chan(name);
    if (!c) return;
    stat(`topic ${c.topic && !(ts > c.topic.ts) ? 'ignored' : 'applied'}`);
    if (c.topic && !(ts > c.topic.ts)) return; // older or equal: ignored
    c.topic = { text, setter, ts };
  }

  snapshot(): Snapshot {
    return {
      users: [...this.users.values()].map((u) => `${u.uid} ${u.nick} ${u.ts}`).sort(),
      channels: [...this.chans.entries()].map(([k, c]) => ({
        name: k, ts: c.ts,
        modes: [...c.modes].map(([l, p]) => (p === '' ? l : `${l}=${p}`)).sort().join(' '),
        bans: [...c.bans.values()].sort(),
        members: [...c.members].map(([u, s]) => `${u}:${[...s].sort().join('')}`).sort(),
        topic: c.topic ? `${c.topic.ts} ${c.topic.setter} :${c.topic.text}` : null,
      })).sort((a, b) => strcmp(a.name, b.name)),
    };
  }
}

/** A list entry, unless one equal to it under case folding is there already (it keeps its case). */
function addMask(c: MChan, mask: string): void {
  if (!c.bans.has(fold(mask))) c.bans.set(fold(mask), mask);
}

interface Snapshot {
  users: string[];
  channels: { name: string; ts: number; modes: string; bans: string[]; members: string[]; topic: string | null }[];
}

/** The same view of the engine's state (read only: users, channels). */
function engineSnapshot(e: Engine): Snapshot {
  return {
    users: [...e.net.usersByUid.values()].map((u) => `${u.uid} ${u.nick} ${Number(u.ts)}`).sort(),
    channels: [...e.net.channels.values()].map((c) => ({
      name: fold(c.name), ts: Number(c.ts),
      modes: [...c.modes].map(([l, p]) => (p === '' ? l : `${l}=${p}`)).sort().join(' '),
      bans: [...c.lists.b.keys()].sort(),
      members: [...c.members.values()].map((m) => `${m.user.uid}:${[...m.modes].sort().join('')}`).sort(),
      topic: c.topic ? `${Number(c.topic.ts)} ${c.topic.setBy} :${c.topic.text}` : null,
    })).sort((a, b) => strcmp(a.name, b.name)),
  };
}

/** The fields that differ, one phrase each ("#a modes: tslink 'l=2' model 'l=1'"). */
function diffSummary(got: Snapshot, want: Snapshot): string {
  const out: string[] = [];
  const gu = new Set(got.users), wu = new Set(want.users);
  for (const u of gu) if (!wu.has(u)) out.push(`user ${u} only in tslink`);
  for (const u of wu) if (!gu.has(u)) out.push(`user ${u} only in the model`);
  const names = new Set([...got.channels, ...want.channels].map((c) => c.name));
  for (const n of names) {
    const g = got.channels.find((c) => c.name === n), w = want.channels.find((c) => c.name === n);
    if (!g || !w) { out.push(`${n} only in ${g ? 'tslink' : 'the model'}`); continue; }
    for (const k of ['ts', 'modes', 'bans', 'members', 'topic'] as const) {
      if (JSON.stringify(g[k]) !== JSON.stringify(w[k])) out.push(`${n} ${k}: tslink ${JSON.stringify(g[k])} model ${JSON.stringify(w[k])}`);
    }
  }
  return out.join('; ');
}

// ---------------------------------------------------------------- scenarios

interface Change { sign: '+' | '-'; letter: string; param?: string }
type LeafSide = 'leaf' | 'leaf2';

type Op =
  | { k: 'uid'; side: LeafSide; nick: string; ts: number; ident: string; host: string }
  | ({ k: 'sjoin'; side: LeafSide; chan: string; rel: number; members: { ref: number; prefix: string }[]; bans: string[] } & SjoinModes)
  | { k: 'mode'; side: LeafSide; chan: string; rel: -1 | 0 | 1 | 'none'; changes: { sign: '+' | '-'; letter: string; key: string; limit: number; flood: string; history: string; ref: number; mask: string }[] }
  | { k: 'topic'; side: LeafSide; chan: string; rel: -1 | 0 | 1; setter: string; text: string };

interface HubUser { nick: string; ts: number; ident: string; host: string }
interface SjoinModes { simple: string[]; key: string | null; limit: number | null; flood: string | null; history: string | null }
interface HubChan extends SjoinModes { chan: string; rel: number; members: { ref: number; prefix: string }[]; bans: string[]; topic: { ts: number; text: string } | null }
interface Scenario { hubUsers: HubUser[]; hubChans: HubChan[]; ops: Op[] }

const NICKS = ['alice', 'Alice', 'ALICE', 'bob', 'Bob', 'carol', 'dave'];
const IDENTS = ['same', 'Same', 'other'];
const HOSTS = ['h.example', 'H.Example', 'x.example'];
const CHANS = ['#a', '#A', '#b'];
const SIMPLE = ['n', 't', 'i', 'm', 'c', 'C'];
const KEYS = ['alpha', 'beta', 'Zed', 'alpha2'];
const MASKS = ['*!*@a.example', '*!*@b.example', 'x!*@*', '*!*@c.example', 'X!*@*', '*!*@A.example', 'bar', 'c!d', 'e@', '*!*@', '~t:5:tb!*@*', '~time:5:tb!*@*', '~a:acct', '~account:ACCT'];
const PREFIXES = ['', '', '@', '+', '@+', '%', '*', '~', '*@'];
const TOPICS = ['hello', 'world', ''];

const tsArb = fc.integer({ min: -2, max: 2 }).map((d) => T0 + d);
/** A +f spec as a client might write it: types in any order, the default action written or not, another valid action, remove-after minutes. */
const FLOOD_ALT: Record<string, string> = { c: 'C', j: 'R', m: 'M', t: 'b' };
const floodArb = fc.tuple(
  fc.uniqueArray(fc.record({ type: fc.constantFrom('c', 'j', 'm', 't'), limit: fc.constantFrom(5, 10, 20), action: fc.constantFrom('none', 'default', 'alt'), after: fc.constantFrom(0, 0, 5, 10) }), { minLength: 1, maxLength: 3, selector: (x) => x.type }),
  fc.constantFrom(5, 10, 15),
).map(([entries, per]) => `[${entries.map((x) => {
  const a = x.action === 'none' ? '' : x.action === 'default' ? FLOOD_DEFAULT[x.type] : FLOOD_ALT[x.type];
  return `${x.limit}${x.type}${a ? `#${a}${x.after || ''}` : ''}`;
}).join(',')}]:${per}`);
const historyArb = fc.tuple(fc.constantFrom(10, 50, 100), fc.constantFrom('1d', '2d', '5h', '1h')).map(([l, t]) => `${l}:${t}`);
const modesArb = fc.record({
  simple: fc.subarray(SIMPLE, { maxLength: 3 }),
  sp: fc.constantFrom('', '', 's', 'p'),
  key: fc.option(fc.constantFrom(...KEYS), { nil: null }),
  limit: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }),
  flood: fc.option(floodArb, { nil: null, freq: 3 }),
  history: fc.option(historyArb, { nil: null, freq: 3 }),
}).map(({ simple, sp, ...rest }): SjoinModes => ({ simple: sp ? [...simple, sp] : simple, ...rest }));
const membersArb = fc.array(fc.record({ ref: fc.nat(20), prefix: fc.constantFrom(...PREFIXES) }), { maxLength: 4 });
const bansArb = fc.subarray(MASKS, { maxLength: 2 });

const hubUserArb = fc.record({ nick: fc.constantFrom(...NICKS), ts: tsArb, ident: fc.constantFrom(...IDENTS), host: fc.constantFrom(...HOSTS) });
const hubChanArb = fc.tuple(fc.constantFrom(...CHANS), fc.integer({ min: -3, max: 3 }), modesArb, membersArb, bansArb, fc.option(fc.record({ ts: fc.integer({ min: 0, max: 4 }), text: fc.constantFrom(...TOPICS) }), { nil: null }))
  .map(([chan, rel, m, members, bans, topic]): HubChan => ({ chan, rel, ...m, members, bans, topic }));
const sideArb = fc.constantFrom<LeafSide>('leaf', 'leaf2');

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('uid' as const), side: sideArb, nick: fc.constantFrom(...NICKS), ts: tsArb, ident: fc.constantFrom(...IDENTS), host: fc.constantFrom(...HOSTS) }) },
  { weight: 4, arbitrary: fc.tuple(sideArb, fc.constantFrom(...CHANS), fc.constantFrom(-2, -1, 0, 0, 0, 1, 2), modesArb, fc.array(fc.record({ ref: fc.nat(20), prefix: fc.constantFrom(...PREFIXES) }), { minLength: 1, maxLength: 4 }), bansArb)
    .map(([side, chan, rel, m, members, bans]): Op => ({ k: 'sjoin', side, chan, rel, ...m, members, bans })) },
  { weight: 3, arbitrary: fc.record({
    k: fc.constant('mode' as const), side: sideArb, chan: fc.constantFrom(...CHANS), rel: fc.constantFrom<-1 | 0 | 1 | 'none'>(-1, 0, 0, 1, 'none'),
    changes: fc.array(fc.record({ sign: fc.constantFrom<'+' | '-'>('+', '-'), letter: fc.constantFrom(...SIMPLE, 'k', 'k', 'l', 'l', 'f', 'f', 'H', 'o', 'v', 'h', 'b', 'b'), key: fc.constantFrom(...KEYS), limit: fc.integer({ min: 1, max: 60 }), flood: floodArb, history: historyArb, ref: fc.nat(30), mask: fc.constantFrom(...MASKS) }), { minLength: 1, maxLength: 5 }),
  }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('topic' as const), side: sideArb, chan: fc.constantFrom(...CHANS), rel: fc.constantFrom<-1 | 0 | 1>(-1, 0, 1), setter: fc.constantFrom('op!o@h', 'srv.test'), text: fc.constantFrom(...TOPICS) }) },
);

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  hubUsers: fc.uniqueArray(hubUserArb, { minLength: 1, maxLength: 3, selector: (u) => fold(u.nick) }),
  hubChans: fc.uniqueArray(hubChanArb, { minLength: 1, maxLength: 2, selector: (c) => fold(c.chan) }),
  // Each leaf starts with a user or two, so that its SJOINs have members.
  ops: fc.tuple(fc.array(fc.record({ k: fc.constant('uid' as const), side: sideArb, nick: fc.constantFrom(...NICKS), ts: tsArb, ident: fc.constantFrom(...IDENTS), host: fc.constantFrom(...HOSTS) }), { minLength: 2, maxLength: 4 }), fc.array(opArb, { minLength: 5, maxLength: 40 }))
    .map(([a, b]): Op[] => [...a, ...b]),
});

/** A mode string and its params, the signs written once per run ("+nk-l key"). */
function modeLine(changes: Change[]): string {
  let s = '', sign = '';
  const params: string[] = [];
  for (const c of changes) {
    if (c.sign !== sign) { s += c.sign; sign = c.sign; }
    s += c.letter;
    if (c.param !== undefined) params.push(c.param);
  }
  return [s, ...params].join(' ');
}

function sjoinModes({ simple, key, limit, flood, history }: SjoinModes): { str: string; map: Map<string, string> } {
  const map = new Map<string, string>(simple.map((l) => [l, '']));
  const params: string[] = [];
  let letters = simple.join('');
  const param = (l: string, p: string | null) => { if (p !== null) { letters += l; params.push(p); map.set(l, p); } };
  param('k', key); param('l', limit === null ? null : String(limit)); param('f', flood); param('H', history);
  return { str: letters ? ['+' + letters, ...params].join(' ') + ' ' : '', map };
}

/** Run one scenario through the engine and the model; compare after every event. */
function runScenario(sc: Scenario): void {
  const e = hub();
  linkLeaf(e, { id: 'leaf', name: 'leaf.test', sid: '0AA' });
  linkLeaf(e, { id: 'leaf2', name: 'leaf2.test', sid: '0AB' });
  const m = new Model();
  const bySide: Record<Side, string[]> = { hub: [], leaf: [], leaf2: [] };
  const everyone: string[] = [];
  const log: string[] = [];
  const check = (what: string): void => {
    const drained = e.drain();
    for (const ef of drained) if (ef.kind === 'log' && ef.event === 'ENGINE_EXCEPTION') throw new Error(`${what}: ${ef.msg}`);
    const got = engineSnapshot(e), want = m.snapshot();
    try {
      assert.deepEqual(got, want);
    } catch {
      throw new Error(`after ${what}: tslink and the conflicts.md model differ: ${diffSummary(got, want)}\n${log.join('\n')}\ntslink: ${JSON.stringify(got, null, 1)}\nmodel:  ${JSON.stringify(want, null, 1)}`);
    }
  };
  const send = (side: Side, line: string): void => {
    log.push(`${side} > ${line}`);
    if (side === 'hub') local(e, line); else e.receive(side, line);
  };
  const member = (side: Side, ref: number): string => {
    const list = bySide[side];
    return list.length ? list[ref % list.length] : `${SID[side]}ZZZZZZ`;
  };
  let n = 0;
  const newUid = (side: Side): string => `${SID[side]}AAA${String(n++).padStart(3, '0')}`;
  // A member may be named twice in one SJOIN: the second item is for a member already on the channel.
  const membersOf = (side: Side, ms: { ref: number; prefix: string }[]) => ms.map((x) => ({ uid: member(side, x.ref), prefix: x.prefix }));

  for (const u of sc.hubUsers) {
    const id = newUid('hub');
    bySide.hub.push(id); everyone.push(id);
    send('hub', uidLine('001', u.nick, u.ts, id, { ident: u.ident, host: u.host }));
    m.uid('hub', { uid: id, nick: u.nick, ts: u.ts, ident: u.ident, host: u.host });
    check('a hub UID');
  }
  for (const c of sc.hubChans) {
    const ms = membersOf('hub', c.members);
    if (!ms.length) continue;
    const md = sjoinModes(c);
    send('hub', `:001 SJOIN ${TC + c.rel} ${c.chan} ${md.str}:${[...ms.map((x) => x.prefix + x.uid), ...c.bans.map((b) => '&' + b)].join(' ')}`);
    m.sjoin('hub', c.chan, TC + c.rel, md.map, ms.map((x) => ({ uid: x.uid, statuses: [...x.prefix].map((p) => STATUS_OF_PREFIX[p]).join('') })), c.bans);
    check('a hub SJOIN');
    if (c.topic) {
      send('hub', `TOPIC ${c.chan} hubop!o@hub.example ${TC + c.topic.ts} :${c.topic.text}`);
      m.topic(c.chan, 'hubop!o@hub.example', TC + c.topic.ts, c.topic.text);
      check('a hub TOPIC');
    }
  }
  for (const op of sc.ops) {
    const sid = SID[op.side];
    if (op.k === 'uid') {
      const id = newUid(op.side);
      bySide[op.side].push(id); everyone.push(id);
      send(op.side, uidLine(sid, op.nick, op.ts, id, { ident: op.ident, host: op.host }));
      m.uid(op.side, { uid: id, nick: op.nick, ts: op.ts, ident: op.ident, host: op.host });
    } else if (op.k === 'sjoin') {
      const theirs = (m.chan(op.chan)?.ts ?? TC) + op.rel;
      const ms = membersOf(op.side, op.members);
      const md = sjoinModes(op);
      send(op.side, `:${sid} SJOIN ${theirs} ${op.chan} ${md.str}:${[...ms.map((x) => x.prefix + x.uid), ...op.bans.map((b) => '&' + b)].join(' ')}`);
      m.sjoin(op.side, op.chan, theirs, md.map, ms.map((x) => ({ uid: x.uid, statuses: [...x.prefix].map((p) => STATUS_OF_PREFIX[p]).join('') })), op.bans);
    } else if (op.k === 'mode') {
      const ours = m.chan(op.chan)?.ts ?? TC;
      const t = op.rel === 'none' ? 0 : ours + op.rel;
      const changes: Change[] = op.changes.map((c) => {
        if (c.letter === 'k') return { sign: c.sign, letter: 'k', param: c.key }; // mode.c: -k takes any parameter
        if (c.letter === 'f') return { sign: c.sign, letter: 'f', param: c.flood };
        if (c.letter === 'l') return c.sign === '+' ? { sign: '+', letter: 'l', param: String(c.limit) } : { sign: '-', letter: 'l' };
        if (c.letter === 'H') return c.sign === '+' ? { sign: '+', letter: 'H', param: c.history } : { sign: '-', letter: 'H' };
        if ('ohv'.includes(c.letter)) return { sign: c.sign, letter: c.letter, param: everyone.length ? everyone[c.ref % everyone.length] : '0AAZZZZZZ' };
        if (c.letter === 'b') return { sign: c.sign, letter: 'b', param: c.mask };
        return { sign: c.sign, letter: c.letter };
      });
      send(op.side, `:${sid} MODE ${op.chan} ${modeLine(changes)} ${t}`);
      m.mode(op.chan, changes, t);
    } else {
      const c = m.chan(op.chan);
      const ts = (c?.topic?.ts ?? c?.ts ?? TC) + op.rel;
      send(op.side, `:${sid} TOPIC ${op.chan} ${op.setter} ${ts} :${op.text}`);
      m.topic(op.chan, op.setter, ts, op.text);
    }
    check(`op ${sc.ops.indexOf(op) + 1} (${op.k} from ${op.side})`);
  }
}

// ---------------------------------------------------------------- the properties

/** fast-check settings: seeded by the runner, bounded in time (the runs are synchronous). */
const FC = { numRuns: RUNS, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true, includeErrorInReport: true } as const;

describe('tslink against a model of conflicts.md', { timeout: TEST_TIMEOUT }, () => {
  it('random collisions, SJOINs, MODEs and TOPICs leave the hub in the state the model computes', () => {
    let runs = 0, ops = 0;
    fc.assert(fc.property(scenarioArb, (sc) => { runs++; ops += sc.ops.length; runScenario(sc); }), FC);
    if (process.env.CONFLICT_MODEL_STATS) console.error({ runs, ops, stats: STATS });
  });

  it('the model itself reproduces the captured cases of conflicts.md §1 and §3', () => {
    const m = new Model();
    const users = () => [...m.users.keys()];
    m.uid('hub', { uid: '001A', nick: 'x', ts: 1000, ident: 'a', host: 'h' });
    m.uid('leaf', { uid: '0AAA', nick: 'X', ts: 900, ident: 'b', host: 'h' });
    assert.deepEqual(users(), ['0AAA'], 'different user@host: the older newcomer wins');
    m.uid('leaf2', { uid: '0ABA', nick: 'x', ts: 1000, ident: 'B', host: 'H' });
    assert.deepEqual(users(), ['0ABA'], 'same user@host (any case): the newer one, the reconnecting client, wins');
    m.uid('leaf', { uid: '0AAB', nick: 'x', ts: 1100, ident: 'c', host: 'h' });
    assert.deepEqual(users(), ['0ABA'], 'different user@host: the newer newcomer loses');
    m.uid('leaf2', { uid: '0ABB', nick: 'x', ts: 2000, ident: 'c', host: 'h' });
    assert.deepEqual(users(), ['0ABB'], 'from the link the existing user is behind (a missed QUIT): the newcomer wins');
    m.uid('leaf', { uid: '0AAC', nick: 'x', ts: 2000, ident: 'c', host: 'h' });
    assert.deepEqual(users(), [], 'equal TS: both die');
    // sjoin-older-ts: hub #moderated +mnt with an op and a voice; the leaf's SJOIN 1000 s older with +insk.
    for (const [id, side] of [['001O', 'hub'], ['001V', 'hub'], ['0AAL', 'leaf'], ['0AAM', 'leaf']] as const) m.uid(side, { uid: id, nick: id, ts: 1, ident: 'i', host: 'h' });
    m.sjoin('hub', '#moderated', 5000, new Map([['m', ''], ['n', ''], ['t', '']]), [{ uid: '001O', statuses: 'o' }, { uid: '001V', statuses: 'v' }], ['*!*@old.example']);
    m.sjoin('leaf', '#moderated', 4000, new Map([['i', ''], ['n', ''], ['s', ''], ['k', 'leafkey']]), [{ uid: '0AAL', statuses: 'o' }, { uid: '0AAM', statuses: 'v' }], ['*!*@leafban.example']);
    assert.deepEqual(m.snapshot().channels, [{ name: '#moderated', ts: 4000, modes: 'i k=leafkey n s', bans: ['*!*@leafban.example'], members: ['001O:', '001V:', '0AAL:o', '0AAM:v'], topic: null }]);
    // sjoin-newer-ts: hub #dev +klnt s3cr3t 50 keeps everything; leafA joins without op, no ban added.
    m.sjoin('hub', '#dev', 5000, new Map([['k', 's3cr3t'], ['l', '50'], ['n', ''], ['t', '']]), [{ uid: '001O', statuses: 'o' }], []);
    m.sjoin('leaf', '#dev', 6000, new Map([['i', ''], ['m', ''], ['s', ''], ['l', '5']]), [{ uid: '0AAL', statuses: 'o' }], ['*!*@ban.example']);
    assert.deepEqual(m.snapshot().channels[0], { name: '#dev', ts: 5000, modes: 'k=s3cr3t l=50 n t', bans: [], members: ['001O:o', '0AAL:'], topic: null });
    // conflicts.md's +f examples, and the issue's ban masks.
    assert.deepEqual(['[24k#K23,14c#C20]:60', '[50k,32j]:6', '[25c#C,4m#M]:23'].map((x) => canonical('f', x)), ['[14c#C20,24k#K23]:60', '[32j,50k]:6', '[25c,4m#M]:23']);
    assert.deepEqual(['bar', 'c!d', 'e@', '~t:5:tb!*@*', '*!*@'].map(normalMask), ['bar!*@*', 'c!d@*', '*!e@*', '~time:5:tb!*@*', '*!*@*']);
  });

  // The rules the property used to leave out (tslink did not follow them): each on its smallest scenario.
  const leafUser = (nick: string): Op => ({ k: 'uid', side: 'leaf', nick, ts: T0, ident: 'i', host: 'h.example' });
  const noModes: SjoinModes = { simple: [], key: null, limit: null, flood: null, history: null };
  const hubSetup = { hubUsers: [{ nick: 'hubby', ts: T0, ident: 'h', host: 'h.example' }], hubChans: [{ chan: '#a', rel: 0, ...noModes, simple: ['n'], members: [{ ref: 0, prefix: '@' }], bans: [], topic: null }] };
  const mode = (changes: Extract<Op, { k: 'mode' }>['changes']): Op => ({ k: 'mode', side: 'leaf', chan: '#a', rel: 0, changes });
  const c = (sign: '+' | '-', letter: string, x: { key?: string; limit?: number; flood?: string; mask?: string } = {}) =>
    ({ sign, letter, key: x.key ?? 'alpha', limit: x.limit ?? 1, flood: x.flood ?? '[5c]:5', history: '10:1h', ref: 0, mask: x.mask ?? MASKS[0] });

  it('conflicts.md "Member statuses, in every TS case": an existing member named with @ in an older-TS SJOIN ends with no status', () => {
    runScenario({ ...hubSetup, ops: [leafUser('leafy'),
      { k: 'sjoin', side: 'leaf', chan: '#a', rel: 0, ...noModes, members: [{ ref: 0, prefix: '' }], bans: [] },
      { k: 'sjoin', side: 'leaf', chan: '#a', rel: -5, ...noModes, members: [{ ref: 0, prefix: '@' }], bans: [] }] });
  });

  it('conflicts.md "Member statuses, in every TS case": a member named twice in the SJOIN that creates a channel joins with its first item only', () => {
    runScenario({ ...hubSetup, ops: [leafUser('leafy'), { k: 'sjoin', side: 'leaf', chan: '#b', rel: 0, ...noModes, members: [{ ref: 0, prefix: '' }, { ref: 0, prefix: '@' }], bans: [] }] });
  });

  it('conflicts.md "One change per parameter mode per MODE line": MODE #a +l-l 5 <ts> ends with +l 5, +ll 1 2 with +l 1, +kk a b with key a', () => {
    const cases = {
      '+l-l 5': [c('+', 'l', { limit: 5 }), c('-', 'l')],
      '+ll 1 2': [c('+', 'l', { limit: 1 }), c('+', 'l', { limit: 2 })],
      '+kk alpha beta': [c('+', 'k', { key: 'alpha' }), c('+', 'k', { key: 'beta' })],
      '+k-k alpha beta': [c('+', 'k', { key: 'alpha' }), c('-', 'k', { key: 'beta' })],
      '+ff': [c('+', 'f', { flood: '[5c]:5' }), c('+', 'f', { flood: '[7j]:5' })],
      '+b-b (lists count every time)': [c('+', 'b', { mask: 'x!*@*' }), c('-', 'b', { mask: 'X!*@*' }), c('+', 'b', { mask: 'bar' })],
    };
    const failing: string[] = [];
    for (const [name, changes] of Object.entries(cases)) {
      try { runScenario({ ...hubSetup, ops: [mode(changes)] }); } catch (err) { failing.push(`${name}: ${String(err).split('\n')[0].replace(/^.*differ: /, '')}`); }
    }
    assert.deepEqual(failing, [], 'MODE lines where tslink and conflicts.md differ');
  });

  it('conflicts.md "Parameters are stored in canonical form": +f from SJOIN and MODE is held in canonical form, and an equal-TS merge compares canonical values', () => {
    runScenario({ ...hubSetup, ops: [leafUser('leafy'),
      mode([c('+', 'f', { flood: '[20m#M5,10j#i]:10' })]),
      { k: 'sjoin', side: 'leaf', chan: '#a', rel: 0, ...noModes, flood: '[10j,20m#M5]:10', members: [{ ref: 0, prefix: '' }], bans: [] },
      { k: 'sjoin', side: 'leaf', chan: '#a', rel: 0, ...noModes, flood: '[5c#C,10j#R]:5', members: [{ ref: 0, prefix: '' }], bans: [] }] });
  });

  it('ban masks in normal form: +b bar, c!d, e@, ~t:5:tb!*@* and an SJOIN entry &*!*@ are held as bar!*@*, c!d@*, *!e@*, ~time:5:tb!*@*, *!*@*, one entry per mask whatever its case', () => {
    runScenario({ ...hubSetup, ops: [leafUser('leafy'),
      mode([c('+', 'b', { mask: 'bar' }), c('+', 'b', { mask: 'c!d' }), c('+', 'b', { mask: 'e@' }), c('+', 'b', { mask: '~t:5:tb!*@*' })]),
      { k: 'sjoin', side: 'leaf', chan: '#a', rel: 0, ...noModes, members: [{ ref: 0, prefix: '' }], bans: ['*!*@', 'BAR!*@*', '~time:5:tb!*@*'] },
      mode([c('-', 'b', { mask: '*!*@*' }), c('-', 'b', { mask: 'C!D' })])] });
  });
});
