// Convergence properties: two engines, each with its own random network, link in memory;
// once both bursts (and any live traffic) have been delivered their state digests must be
// equal, and the state invariants must hold after every single step.
//
// What the generators deliberately avoid, because UnrealIRCd itself does not converge there
// (these are protocol properties, not engine bugs; see shared/protocol/conflicts.md):
//  * Two topics with the SAME TS but different text on the two sides: "ts <= ours is ignored"
//    on both ends, so each side keeps its own text. Topic TS values are therefore distinct
//    across the two sides (and across live TOPIC events).
//  * The same list mask (+b/+e/+I) with different setter/time on the two sides: an entry that is
//    already present is never updated, so each side keeps its own setter. Shared masks carry the
//    same setter/time on both sides.
//  * The same TKL identity with different reasons (reason is never merged). Shared TKL keys carry
//    the same reason / bantypes / spamfilter fields.
//  * A channel that is emptied on one side while the other side's burst for it is in flight: it
//    is destroyed and re-created from the other side's SJOIN with that side's TS/modes, while the
//    other side already merged the first side's state. Every side therefore has an "anchor" user
//    (never quits, parts, is kicked, or collides) that is in all of its initial channels.
//  * Live state changes racing with each other (UnrealIRCd has no ordering between servers):
//    - channel MODEs are only sent by the side with the lower channel TS (the "writer"; with an
//      equal TS a concurrent -m crosses the other side's +m in the merge), and member-status MODEs
//      only target users of the writer's side (a +o crossing a KICK/re-JOIN diverges);
//    - KICKs only target users of the kicking side (a KICK crossing a re-JOIN diverges);
//    - TOPICs are only set on channels the side's anchor is in (a topic set on a channel that
//      is later emptied and re-created is lost on one side only);
//    - live TKL changes use per-side identities (a "+" crossing a "-" diverges);
//    - the clock does not move during a run (MODE +b stamps each server's own current time).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Engine } from '../../src/s2s/engine.ts';
import type { Effect } from '../../src/s2s/effects.ts';
import { canonicalState, checkInvariants, stateDigest } from '../../src/state/digest.ts';
import { casefold } from '../../src/wire/casemap.ts';
import { TEST_TIMEOUT } from '../s2s/harness.ts';

const NOW = 1795400000;
const T0 = NOW - 50000;
const TC = NOW - 40000;
const RUNS = Number(process.env.CONVERGENCE_RUNS ?? 1000);
/**
 * Each property stops (and fails) after this long, shrinking included: the runs are synchronous,
 * so the runner's { timeout } could not end a property whose runs got slow after a regression.
 * About 2 s per property normally; 60 ms a run leaves room for a slow machine.
 */
const FC_LIMITS = { interruptAfterTimeLimit: Math.max(60_000, RUNS * 60), markInterruptAsFailure: true } as const;

// ---------------------------------------------------------------- generators

const NICKS = ['alice', 'Alice', 'ALICE', 'bob', 'carol', 'dave', 'eve', 'mallory', 'trent', 'peggy', 'Victor', 'walter'];
const CHANNELS = ['#a', '#b', '#c', '#d', '#Mixed'];
const MASKS = ['*!*@a.example', '*!*@b.example', 'x!*@*', '~account:foo', '*!*@c.example', '~time:5:*!*@d.example'];
const maskInfo = (m: string) => ({ setBy: `op${MASKS.indexOf(m)}!o@set.example`, setAt: NOW - 1000 + MASKS.indexOf(m) });
const PREFIXES = ['', '', '', '@', '+', '@+', '*@', '~', '%'];
const WHO = [{ ident: 'same', host: 'same.example' }, { ident: 'other', host: 'other.example' }];
const TOPICS = ['hello', 'world', 'release 2.1', 'x', ''];

interface TklKey { type: string; user: string; host: string; reason: string; bantypes?: string; sf?: { duration: string; tklReason: string; matchType: string } }
const TKL_POOL: TklKey[] = [
  { type: 'G', user: '*', host: '192.0.2.1', reason: 'g one' },
  { type: 'G', user: '*', host: '192.0.2.2', reason: 'g two' },
  { type: 'Z', user: '*', host: '198.51.100.0/24', reason: 'zline' },
  { type: 's', user: '*', host: '203.0.113.5', reason: 'shun' },
  { type: 'Q', user: '*', host: 'bad*', reason: 'qline' },
  { type: 'E', user: '*', host: '10.0.0.0/8', reason: 'trusted', bantypes: 'GZ' },
  { type: 'F', user: 'cp', host: 'b', reason: '*spam*', sf: { duration: '86400', tklReason: 'No_spam', matchType: 'simple' } },
];
const tklLine = (server: string, op: '+' | '-', k: TklKey, setBy: string, exp: number, setAt: number) => {
  if (k.sf) return `:${server} TKL ${op} F ${k.user} ${k.host} ${setBy} ${exp} ${setAt} ${k.sf.duration} ${k.sf.tklReason} ${k.sf.matchType} :${k.reason}`;
  if (k.type === 'E') return `:${server} TKL ${op} E ${k.user} ${k.host} ${setBy} ${exp} ${setAt} ${k.bantypes} :${k.reason}`;
  return `:${server} TKL ${op} ${k.type} ${k.user} ${k.host} ${setBy} ${exp} ${setAt} :${k.reason}`;
};

const userGen = fc.record({
  nick: fc.constantFrom(...NICKS),
  ts: fc.constantFrom(T0 - 100, T0, T0 + 100),
  who: fc.integer({ min: 0, max: 1 }),
  umodes: fc.subarray(['i', 'w', 'x', 'B', 'o']),
  vhost: fc.option(fc.constantFrom('v1.example', 'staff.example'), { nil: undefined }),
  away: fc.option(fc.constantFrom('lunch', 'zzz'), { nil: undefined }),
  account: fc.option(fc.constantFrom('acc1', 'acc2'), { nil: undefined }),
  certfp: fc.option(fc.constantFrom('aa11', 'bb22'), { nil: undefined }),
  swhois: fc.boolean(),
  onSub: fc.boolean(),
});

const channelGen = (equalTsAllowed: boolean) => fc.record({
  name: fc.constantFrom(...CHANNELS),
  tsOff: equalTsAllowed ? fc.integer({ min: 0, max: 2 }) : fc.integer({ min: 0, max: 1000 }),
  simple: fc.subarray(['i', 'm', 'n', 'p', 's', 't', 'R', 'C']),
  key: fc.option(fc.constantFrom('k1', 'k2', 'Zk'), { nil: undefined }),
  limit: fc.option(fc.constantFrom(5, 7, 50), { nil: undefined }),
  bans: fc.subarray(MASKS, { maxLength: 3 }),
  excepts: fc.subarray(MASKS, { maxLength: 2 }),
  invex: fc.subarray(MASKS, { maxLength: 2 }),
  members: fc.array(fc.record({ user: fc.nat(20), prefix: fc.constantFrom(...PREFIXES) }), { maxLength: 6 }),
  topic: fc.option(fc.record({ text: fc.constantFrom(...TOPICS), r: fc.nat(400) }), { nil: undefined }),
});

const tklGen = fc.record({ key: fc.nat(TKL_POOL.length - 1), setBy: fc.constantFrom('a!a@a', 'b!b@b', 'z!z@z'), exp: fc.constantFrom(0, NOW + 1000, NOW + 2000, NOW - 10), setAt: fc.constantFrom(NOW - 1000, NOW - 500) });

const sideGen = (equalTsAllowed: boolean) => fc.record({
  sub: fc.boolean(),
  users: fc.uniqueArray(userGen, { maxLength: 6, selector: (u) => casefold(u.nick) }),
  channels: fc.uniqueArray(channelGen(equalTsAllowed), { maxLength: 4, selector: (c) => c.name }),
  tkls: fc.uniqueArray(tklGen, { maxLength: 4, selector: (t) => t.key }),
});
type SideSpec = ReturnType<typeof sideGen> extends fc.Arbitrary<infer T> ? T : never;

interface Meta { sid: string; name: string; subSid: string; subName: string; side: 0 | 1 }
const META: [Meta, Meta, Meta] = [
  { sid: '1AA', name: 'a.test', subSid: '1AS', subName: 'sub-a.test', side: 0 },
  { sid: '2BB', name: 'b.test', subSid: '2BS', subName: 'sub-b.test', side: 1 },
  { sid: '3CC', name: 'c.test', subSid: '3CS', subName: 'sub-c.test', side: 2 as 0 },
];

// ---------------------------------------------------------------- building a side

interface SideState { e: Engine; meta: Meta; anchor: string; uids: string[]; initialChannels: Map<string, number> }

/** `streamed`: the engine streams its bursts (EngineOptions.streamBurst, as the node runs it); the harnesses pump them with burstMore(). */
function newEngine(meta: Meta, now: () => number, streamed: boolean): Engine {
  return new Engine({ me: { sid: meta.sid, name: meta.name, info: `${meta.name} server` }, now, authorize: () => ({ ok: true, hub: '*' }), streamBurst: streamed });
}

function localOk(e: Engine, line: string): void {
  e.local(line);
  for (const ef of e.drain()) if (ef.kind === 'log' && ef.event === 'ENGINE_EXCEPTION') throw new Error(`${ef.msg} (line ${line})`);
}

function buildSide(meta: Meta, spec: SideSpec, now: () => number, topicTs: (side: number, r: number) => number, distinctChannelTs: boolean, streamed: boolean): SideState {
  const e = newEngine(meta, now, streamed);
  const uids: string[] = [];
  if (spec.sub) localOk(e, `:${meta.sid} SID ${meta.subName} 2 ${meta.subSid} :behind ${meta.name}`);
  const anchor = `${meta.sid}ANCHR`;
  localOk(e, `:${meta.sid} UID anchor${'ABC'[meta.side]} 0 ${T0} anchor anchor.example ${anchor} 0 +i * * fwAAAQ== :anchor`);
  spec.users.forEach((u, i) => {
    const srv = u.onSub && spec.sub ? meta.subSid : meta.sid;
    const id = `${srv}USER${i}`;
    const w = WHO[u.who];
    const modes = '+' + u.umodes.join('') + (u.vhost ? 't' : '');
    localOk(e, `:${srv} UID ${u.nick} 0 ${u.ts} ${w.ident} ${w.host} ${id} ${u.account ?? '0'} ${modes} ${u.vhost ?? '*'} * fwAAAQ== :real ${u.nick}`);
    if (u.certfp) localOk(e, `:${srv} MD client ${id} certfp :${u.certfp}`);
    if (u.away) localOk(e, `:${id} AWAY :${u.away}`);
    if (u.swhois) localOk(e, `:${meta.sid} SWHOIS ${id} + tag${meta.side} 0 :swhois ${i}`);
    uids.push(id);
  });
  const initialChannels = new Map<string, number>();
  for (const c of spec.channels) {
    // Without equal TS across the two sides: even offsets on one side, odd on the other.
    const ts = distinctChannelTs ? TC + c.tsOff * 2 + meta.side : TC + c.tsOff;
    initialChannels.set(c.name, ts);
    const letters = c.simple.join('') + (c.key ? 'k' : '') + (c.limit ? 'l' : '');
    const params = [c.key, c.limit === undefined ? undefined : String(c.limit)].filter((x): x is string => x !== undefined);
    const items = [`@${anchor}`];
    const seen = new Set<string>();
    for (const m of c.members) {
      if (!uids.length) break;
      const id = uids[m.user % uids.length];
      if (seen.has(id)) continue;
      seen.add(id);
      items.push(m.prefix + id);
    }
    for (const [list, pfx] of [[c.bans, '&'], [c.excepts, '"'], [c.invex, "'"]] as const) {
      for (const mask of list) { const i = maskInfo(mask); items.push(`<${i.setAt},${i.setBy}>${pfx}${mask}`); }
    }
    const modePart = letters ? ` +${letters}${params.length ? ' ' + params.join(' ') : ''}` : '';
    localOk(e, `:${meta.sid} SJOIN ${ts} ${c.name}${modePart} :${items.join(' ')}`);
    if (c.topic) localOk(e, `TOPIC ${c.name} setter${meta.side}!t@t ${topicTs(meta.side, c.topic.r)} :${c.topic.text}`);
  }
  for (const t of spec.tkls) {
    const k = TKL_POOL[t.key];
    localOk(e, tklLine(meta.name, '+', k, t.setBy, t.exp, t.setAt));
  }
  assert.deepEqual(checkInvariants(e.net), []);
  return { e, meta, anchor, uids, initialChannels };
}

// ---------------------------------------------------------------- running two linked engines

type Op = { kind: 'deliver'; dir: 0 | 1 } | { kind: 'event'; side: 0 | 1; type: number; a: number; b: number; c: number } | { kind: 'split' };

class Duo {
  readonly q: [string[], string[]] = [[], []]; // q[0]: lines from side 0 to side 1
  readonly links = ['toB', 'toA'];
  steps = 0;
  constructor(readonly s: [SideState, SideState]) {}

  collect(side: 0 | 1): void {
    const e = this.s[side].e;
    for (const ef of e.drain()) this.route(side, ef);
    // A streamed burst: the next part, of a size that varies from step to step.
    if (e.bursting(this.links[side])) { e.burstMore(this.links[side], 1 + (this.steps * 37) % 400); for (const ef of e.drain()) this.route(side, ef); }
  }

  private route(side: 0 | 1, ef: Effect): void {
    if (ef.kind === 'send') { if (ef.link === this.links[side]) this.q[side].push(ef.line); }
    else if (ef.kind === 'close') throw new Error(`side ${side} closed the link: ${ef.reason}`);
    else if (ef.kind === 'log' && ef.event === 'ENGINE_EXCEPTION') throw new Error(`side ${side}: ${ef.msg}`);
  }

  deliver(dir: 0 | 1): boolean {
    const line = this.q[dir].shift();
    if (line === undefined) return false;
    const to = (1 - dir) as 0 | 1;
    this.s[to].e.receive(this.links[to], line);
    this.collect(to);
    this.check();
    return true;
  }

  check(): void {
    this.steps++;
    for (const x of this.s) {
      const bad = checkInvariants(x.e.net);
      if (bad.length) throw new Error(`invariants violated on ${x.meta.name} after step ${this.steps}:\n${bad.join('\n')}`);
    }
  }

  connect(): void {
    this.s[0].e.linkUp('toB', 'out');
    this.s[1].e.linkUp('toA', 'in');
    this.collect(0); this.collect(1);
  }

  /** The connection drops (both ends see it; whatever was in flight is lost), then it is re-made. */
  splitAndRelink(): void {
    this.q[0].length = 0; this.q[1].length = 0;
    for (const side of [0, 1] as const) {
      this.s[side].e.linkDown(this.links[side], 'Connection reset by peer');
      for (const ef of this.s[side].e.drain()) if (ef.kind === 'log' && ef.event === 'ENGINE_EXCEPTION') throw new Error(ef.msg);
      // Nothing of the other side may survive the split.
      const other = this.s[1 - side].meta;
      const e = this.s[side].e;
      assert.ok(!e.net.server(other.sid) && !e.net.server(other.subSid), 'servers behind the lost link are gone');
      for (const u of e.net.usersByUid.values()) assert.ok(!u.uid.startsWith(other.sid) && !u.uid.startsWith(other.subSid), `user ${u.uid} survived the split`);
    }
    this.check();
    this.connect();
  }

  run(ops: Op[], onEvent?: (op: Extract<Op, { kind: 'event' }>) => void): void {
    this.connect();
    for (const op of ops) {
      if (op.kind === 'deliver') this.deliver(op.dir);
      else if (op.kind === 'split') this.splitAndRelink();
      else { onEvent?.(op); this.collect(op.side); this.check(); }
    }
    // Then everything still in flight, alternating directions.
    let guard = 0, dir: 0 | 1 = 0;
    while (this.q[0].length || this.q[1].length || this.s[0].e.bursting('toB') || this.s[1].e.bursting('toA')) {
      if (++guard > 100000) throw new Error('no quiescence');
      if (!this.q[0].length && !this.q[1].length) { this.collect(0); this.collect(1); continue; }
      if (!this.deliver(dir)) this.deliver((1 - dir) as 0 | 1);
      dir = (1 - dir) as 0 | 1;
    }
  }
}

/** Three engines in a chain A — B — C; every directed edge has its own FIFO. */
class Trio {
  // edges: 0 A→B, 1 B→A, 2 B→C, 3 C→B
  readonly q: string[][] = [[], [], [], []];
  constructor(readonly e: [Engine, Engine, Engine]) {}
  private route(from: number, effects: Effect[]): void {
    for (const ef of effects) {
      if (ef.kind === 'close') throw new Error(`${from} closed ${ef.link}: ${ef.reason}`);
      if (ef.kind === 'log' && ef.event === 'ENGINE_EXCEPTION') throw new Error(ef.msg);
      if (ef.kind !== 'send') continue;
      const edge = from === 0 ? 0 : from === 2 ? 3 : ef.link === 'toA' ? 1 : 2;
      this.q[edge].push(ef.line);
    }
  }
  deliver(edge: number): boolean {
    const line = this.q[edge].shift();
    if (line === undefined) return false;
    const [to, link] = [[1, 'toA'], [0, 'toB'], [2, 'toB'], [1, 'toC']][edge] as [number, string];
    this.e[to].receive(link, line);
    this.route(to, this.e[to].drain());
    this.pump();
    for (const x of this.e) { const bad = checkInvariants(x.net); if (bad.length) throw new Error(bad.join('\n')); }
    return true;
  }
  /** Streamed bursts: the next part of each one still under way. */
  private pump(): void {
    this.e.forEach((x, i) => {
      for (const l of i === 1 ? ['toA', 'toC'] : ['toB']) if (x.bursting(l)) { x.burstMore(l, 97); this.route(i, x.drain()); }
    });
  }
  private busy(): boolean { return this.q.some((x) => x.length) || this.e[0].bursting('toB') || this.e[2].bursting('toB') || this.e[1].bursting('toA') || this.e[1].bursting('toC'); }
  run(edges: number[]): void {
    this.e[0].linkUp('toB', 'out'); this.e[1].linkUp('toA', 'in');
    this.e[2].linkUp('toB', 'out'); this.e[1].linkUp('toC', 'in');
    this.e.forEach((x, i) => this.route(i, x.drain()));
    for (const k of edges) this.deliver(k);
    let guard = 0, k = 0;
    while (this.busy()) {
      if (++guard > 200000) throw new Error('no quiescence');
      if (!this.q.some((x) => x.length)) { this.pump(); continue; }
      this.deliver(k++ % 4);
    }
  }
}

function assertConverged(a: Engine, b: Engine): void {
  const da = stateDigest(a.net, a.tkl, NOW), db = stateDigest(b.net, b.tkl, NOW);
  if (da === db) return;
  const ca = JSON.stringify(canonicalState(a.net, a.tkl, NOW), null, 1).split('\n');
  const cb = JSON.stringify(canonicalState(b.net, b.tkl, NOW), null, 1).split('\n');
  const diff: string[] = [];
  for (let i = 0; i < Math.max(ca.length, cb.length) && diff.length < 30; i++) if (ca[i] !== cb[i]) diff.push(`${i}: A ${ca[i]} | B ${cb[i]}`);
  throw new Error(`digests differ:\n${diff.join('\n')}`);
}

/** Topic TS values: distinct between the two sides (parity), random order. */
const initialTopicTs = (side: number, r: number) => NOW - 3000 + 2 * r + side;

function setup(specs: [SideSpec, SideSpec], distinctChannelTs: boolean, streamed: boolean): Duo {
  const now = () => NOW;
  return new Duo([buildSide(META[0], specs[0], now, initialTopicTs, distinctChannelTs, streamed), buildSide(META[1], specs[1], now, initialTopicTs, distinctChannelTs, streamed)]);
}

const deliverOps = fc.array(fc.constantFrom<Op>({ kind: 'deliver', dir: 0 }, { kind: 'deliver', dir: 1 }), { maxLength: 300, size: 'max' });

// Each property twice: bursts queued whole (tests, replay) and streamed as a link drains (the node).
for (const streamed of [false, true]) describe(`convergence properties, ${streamed ? 'streamed' : 'whole'} bursts`, { timeout: TEST_TIMEOUT }, () => {
  const runs = streamed ? Math.max(100, Math.floor(RUNS / 2)) : RUNS;
  it('two random networks (with nick, channel and TKL conflicts) converge after linking, invariants hold at every step', () => {
    fc.assert(fc.property(sideGen(true), sideGen(true), deliverOps, (a, b, ops) => {
      const duo = setup([a, b], false, streamed);
      duo.run(ops);
      assertConverged(duo.s[0].e, duo.s[1].e);
      // Both bursts were complete: each side saw the other's EOS.
      assert.ok(duo.s[0].e.net.server('2BB')?.synced && duo.s[1].e.net.server('1AA')?.synced, 'both bursts complete: each side saw the other\'s EOS (2BB and 1AA synced)');
    }), { numRuns: runs, includeErrorInReport: true, ...FC_LIMITS });
  });

  it('random live events (join/part/kick/mode/topic/nick/quit/tkl) interleaved with the bursts still converge', () => {
    const opGen: fc.Arbitrary<Op> = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom<Op>({ kind: 'deliver', dir: 0 }, { kind: 'deliver', dir: 1 }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('event' as const), side: fc.constantFrom<0 | 1>(0, 1), type: fc.nat(9), a: fc.nat(1000), b: fc.nat(1000), c: fc.nat(1000) }) },
    );
    fc.assert(fc.property(sideGen(false), sideGen(false), fc.array(opGen, { minLength: 20, maxLength: 300, size: 'max' }), (a, b, ops) => {
      const duo = setup([a, b], true, streamed);
      const topicSeen = new Set<number>();
      // Lower initial TS writes the channel's modes; a channel only one side has belongs to that side.
      const writer = (name: string): 0 | 1 => {
        const ta = duo.s[0].initialChannels.get(name), tb = duo.s[1].initialChannels.get(name);
        if (ta === undefined) return 1;
        if (tb === undefined) return 0;
        return ta <= tb ? 0 : 1;
      };
      duo.run(ops, (op) => liveEvent(duo, op, writer, topicSeen));
      assertConverged(duo.s[0].e, duo.s[1].e);
    }), { numRuns: runs, includeErrorInReport: true, ...FC_LIMITS });
  });

  it('three engines in a chain (A — B — C, linking at the same time) converge too', () => {
    fc.assert(fc.property(sideGen(true), sideGen(true), sideGen(true), fc.array(fc.nat(3), { maxLength: 400, size: 'max' }), (a, b, c, edges) => {
      const now = () => NOW;
      const sides = [a, b, c].map((spec, i) => buildSide(META[i], spec, now, (side, r) => NOW - 3000 + 3 * r + side, false, streamed).e) as [Engine, Engine, Engine];
      new Trio(sides).run(edges);
      assertConverged(sides[0], sides[1]);
      assertConverged(sides[1], sides[2]);
    }), { numRuns: Math.max(50, Math.floor(runs / 2)), includeErrorInReport: true, ...FC_LIMITS });
  });

  it('invariants hold after every step through splits at random points (mid-handshake, mid-burst, after) and relinks, which converge again', () => {
    const opGen = fc.oneof(
      { weight: 30, arbitrary: fc.constantFrom<Op>({ kind: 'deliver', dir: 0 }, { kind: 'deliver', dir: 1 }) },
      { weight: 1, arbitrary: fc.constant<Op>({ kind: 'split' }) },
    );
    fc.assert(fc.property(sideGen(true), sideGen(true), fc.array(opGen, { maxLength: 300, size: 'max' }), (a, b, ops) => {
      const duo = setup([a, b], false, streamed);
      duo.run(ops);
      assertConverged(duo.s[0].e, duo.s[1].e);
    }), { numRuns: runs, includeErrorInReport: true, ...FC_LIMITS });
  });
});

// ---------------------------------------------------------------- live events

const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);

function liveEvent(duo: Duo, op: Extract<Op, { kind: 'event' }>, writer: (name: string) => 0 | 1, topicSeen: Set<number>): void {
  const S = duo.s[op.side];
  const e = S.e;
  const sid = S.meta.sid;
  const allNames = [...new Set([...duo.s[0].initialChannels.keys(), ...duo.s[1].initialChannels.keys()])].sort();
  // Our live users (not the anchor), as this side currently sees them.
  const mine = [...e.net.usersByUid.values()].filter((u) => u.server.link === null && u.uid !== S.anchor).sort((x, y) => (x.uid < y.uid ? -1 : 1));
  const doLocal = (line: string) => e.local(line);
  switch (op.type) {
    case 0: case 1: { // join (the anchor may join other channels too)
      const users = [...mine, e.net.user(S.anchor)!];
      const u = pick(users, op.a); const name = pick(allNames, op.b);
      if (!u || !name) return;
      const ch = e.net.channel(name);
      if (ch && ch.members.has(u)) return;
      doLocal(`:${u.uid} JOIN ${name}`);
      return;
    }
    case 2: { // part
      const u = pick(mine.filter((x) => x.channels.size), op.a);
      if (!u) return;
      const ch = pick([...u.channels.keys()].sort((x, y) => (x.name < y.name ? -1 : 1)), op.b)!;
      doLocal(`:${u.uid} PART ${ch.name} :bye`);
      return;
    }
    case 3: { // kick one of our own users
      const u = pick(mine.filter((x) => x.channels.size), op.a);
      if (!u) return;
      const ch = pick([...u.channels.keys()].sort((x, y) => (x.name < y.name ? -1 : 1)), op.b)!;
      doLocal(`:${sid} KICK ${ch.name} ${u.uid} :kicked`);
      return;
    }
    case 4: case 5: { // channel MODE from the writer side, with our TS
      const names = allNames.filter((n) => writer(n) === op.side && e.net.channel(n));
      const name = pick(names, op.a);
      if (!name) return;
      const ch = e.net.channel(name)!;
      const dir = op.c % 2 ? '-' : '+';
      const kind = op.b % 6;
      let change: string;
      if (kind === 0) change = `${dir}${pick(['i', 'm', 'n', 'p', 's', 't', 'R'], op.c >> 1)}`;
      else if (kind === 1) change = dir === '+' ? `+k ${pick(['k1', 'k2', 'k9'], op.c >> 1)}` : '-k *';
      else if (kind === 2) change = dir === '+' ? `+l ${pick([3, 5, 70], op.c >> 1)}` : '-l';
      else if (kind === 3) change = `${dir}${pick(['b', 'e', 'I'], op.c >> 1)} ${pick(MASKS, op.c >> 3)}`;
      else {
        // Member statuses only for users of the writer's side.
        const m = pick([...ch.members.keys()].filter((u) => u.server.link === null).sort((x, y) => (x.uid < y.uid ? -1 : 1)), op.c >> 1);
        if (!m) return;
        change = `${dir}${pick(['o', 'v', 'h'], op.c >> 4)} ${m.uid}`;
      }
      doLocal(`:${sid} MODE ${name} ${change} ${ch.ts}`);
      return;
    }
    case 6: { // topic, server form, distinct TS everywhere
      const names = allNames.filter((n) => e.net.channel(n)?.members.has(e.net.user(S.anchor)!));
      const name = pick(names, op.a);
      if (!name) return;
      let ts = NOW - 3000 + (op.b % 2000) * 2 + 1001;
      while (topicSeen.has(ts)) ts += 4001;
      topicSeen.add(ts);
      doLocal(`TOPIC ${name} live${op.side}!t@t ${ts} :${pick(TOPICS, op.c)}`);
      return;
    }
    case 7: { // nick change to a nick that is free as far as this side knows
      const u = pick(mine, op.a);
      const nick = pick(NICKS, op.b);
      if (!u || !nick || e.net.userByNick(nick)) return;
      doLocal(`:${u.uid} NICK ${nick} ${NOW}`);
      return;
    }
    case 8: { // quit
      const u = pick(mine, op.a);
      if (!u) return;
      doLocal(`:${u.uid} QUIT :Quit: bye`);
      return;
    }
    case 9: { // TKL add/remove with identities of our own
      const k: TklKey = { type: 'G', user: '*', host: `192.0.${op.side + 10}.${op.a % 3}`, reason: `live ${op.side}` };
      if (op.b % 3 === 0) doLocal(tklLine(S.meta.name, '-', k, 'remover!r@r', 0, NOW));
      else doLocal(tklLine(S.meta.name, '+', k, pick(['a!a@a', 'q!q@q'], op.c)!, pick([0, NOW + 100], op.c >> 1)!, NOW - (op.c % 50)));
      return;
    }
  }
}
