// The streamed burst (src/s2s/burst.ts; issue 13 "Outgoing burst", issue 14 item 3): written as
// the link drains (Engine.burstMore()), from a cursor that stays consistent while the state changes.
//  - On a quiet network it sends exactly the lines the burst sent before it was streamed
//    (burstReference.ts, verbatim), whatever the budgets, over every capture in fixtures/ and
//    generated networks.
//  - Live traffic interleaved with the burst steps (quits, nick changes, joins, parts, kicks,
//    modes, new users and servers, SQUITs, bans, away, MD, topics): the receiving engine ends
//    with the sending engine's state (digest) and never sees a line about a user, server or
//    channel it does not know; the named cases below show each rule on its own.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { Engine } from '../../src/s2s/engine.ts';
import type { Effect } from '../../src/s2s/effects.ts';
import { replayCapture } from '../../src/replay/offline.ts';
import { generateBurst } from '../../src/replay/genBurst.ts';
import { canonicalState, checkInvariants, stateDigest } from '../../src/state/digest.ts';
import { parseLine, splitTagsAndBody } from '../../src/wire/message.ts';
import { referenceBurst } from './burstReference.ts';
import { TEST_TIMEOUT, connect, hub, pump, uid } from './harness.ts';

const NOW = 1795400000;
const RUNS = Number(process.env.BURST_RUNS ?? 400);
const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;

/** The handshake of a peer x.test (9XX) linking in to `e` on `id`, up to (not including) its SERVER. */
function peerHandshake(e: Engine, id: string, caps = 'NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS'): void {
  const now = e.now();
  e.linkUp(id, 'in', '127.0.0.1');
  for (const l of ['PASS :x', 'PROTOCTL EAUTH=x.test,6100,Fhn6OoE,Fake-0.1', 'PROTOCTL SERVERS=', `PROTOCTL ${caps}`,
    `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ USERMODES=diopqrstwxzBDGHIRSTWZ BOOTED=${now - 100} PREFIX=(qaohv)~&@%+ SID=9XX MLOCK TS=${now} EXTSWHOIS`,
    'PROTOCTL NICKCHARS= CHANNELCHARS=utf8 BIGLINES']) e.receive(id, l);
}

const SERVER_X = 'SERVER x.test 1 :U6100-Fhn6OoE-9XX Fake';

/** Lines (with their tags) sent on `id` in these effects. */
function linesTo(effects: Effect[], id: string): string[] {
  const out: string[] = [];
  for (const ef of effects) if (ef.kind === 'send' && ef.link === id) out.push(ef.line);
  return out;
}

/**
 * The burst `e` sends to a new peer, three ways: streamed (burstMore() with the given budgets, the
 * last one repeated), at once (no streamBurst), and by the reference (the burst before streaming).
 */
function threeBursts(e: Engine, budgets: number[], caps?: string): { streamed: string[]; eager: string[]; reference: string[] } {
  const opts = e.opts as { streamBurst?: boolean };
  const saved = opts.streamBurst;
  e.drain();
  try {
    opts.streamBurst = true;
    peerHandshake(e, 'xs', caps);
    e.drain();
    e.receive('xs', SERVER_X);
    const first = e.drain();
    assert.ok(first.some((x) => x.kind === 'burst' && x.link === 'xs'), 'a streamed burst says so with a burst effect');
    const streamed = linesTo(first, 'xs');
    for (let k = 0; e.burstMore('xs', budgets[Math.min(k, budgets.length - 1)]); k++) {
      streamed.push(...linesTo(e.drain(), 'xs'));
      assert.ok(k < 10_000_000, 'the streamed burst ends');
    }
    streamed.push(...linesTo(e.drain(), 'xs'));
    assert.equal(e.bursting('xs'), false, 'done: no burst left');
    e.linkDown('xs', 'test');
    e.drain();

    opts.streamBurst = false;
    peerHandshake(e, 'xe', caps);
    e.drain();
    e.receive('xe', SERVER_X);
    const eager = linesTo(e.drain(), 'xe');
    // The reference, from the same state (x.test is behind xe, as it was behind xs).
    referenceBurst(e, e.links.get('xe')!);
    const reference = linesTo(e.drain(), 'xe');
    e.linkDown('xe', 'test');
    e.drain();
    const cut = (l: string[]) => l.slice(l.findIndex((x) => x.startsWith('SERVER ')) + 1);
    return { streamed: cut(streamed), eager: cut(eager), reference };
  } finally {
    opts.streamBurst = saved;
  }
}

function assertSameBurst(r: { streamed: string[]; eager: string[]; reference: string[] }, what: string): void {
  assert.ok(r.reference.length > 0 && r.reference[r.reference.length - 1].endsWith(' EOS'), `${what}: the reference burst ends with EOS`);
  assert.deepEqual(r.eager, r.reference, `${what}: the burst sent at once is the reference burst`);
  assert.deepEqual(r.streamed, r.reference, `${what}: the streamed burst is the reference burst`);
}

/** An engine holding the generated burst `o` (ingested from its hub, as in bench/engineIngest.ts), plus extras. */
function generated(o: { users: number; channels: number; tkl: number; servers: number; seed: number }): Engine {
  const e = new Engine({ me: { sid: '0AA', name: 'leaf.gen.test', info: 'bench' }, now: () => 1795305700, authorize: () => ({ ok: true, hub: '*' }) });
  e.linkUp('hub', 'out', '127.0.0.1', { hub: '*' });
  for (const r of generateBurst(o)) if (r.startsWith('+') && r.includes(' < ')) e.receive('hub', r.slice(r.indexOf(' < ') + 3));
  // What the generator does not make: SWHOIS, more MD (user, channel, member), MLOCK, +x users, a +P channel with nobody in it.
  const users = [...e.net.usersByUid.values()].slice(0, 20);
  const chans = [...e.net.channels.values()].slice(0, 10);
  users.forEach((u, i) => {
    if (i % 3 === 0) e.receive('hub', `:001 SWHOIS ${u.uid} + tag${i} ${i} :is a test ${i}`);
    if (i % 4 === 0) e.receive('hub', `:001 MD client ${u.uid} certfp :${'ab'.repeat(32)}`);
    if (i % 5 === 0) e.receive('hub', `:${u.uid} UMODE2 +xt`);
  });
  chans.forEach((ch, i) => {
    e.receive('hub', `:001 MD channel ${ch.name} key${i} :value ${i}`);
    e.receive('hub', `:001 MLOCK ${ch.ts} ${ch.name} :nt`);
    const m = [...ch.members.keys()][0];
    if (m && i % 2 === 0) e.receive('hub', `:001 MD member ${ch.name}:${m.uid} floodprot :x${i}`);
    if (m && i % 3 === 0) e.receive('hub', `:001 MD membership ${m.uid}:${ch.name} key :y${i}`);
  });
  e.receive('hub', ':001 SJOIN 1795300000 #permanent +P :');
  e.drain();
  assert.ok(e.net.channel('#permanent'), 'the empty +P channel exists');
  return e;
}

describe('streamed burst: a quiet network gets exactly the lines it got before', { timeout: TEST_TIMEOUT }, () => {
  it('every capture in fixtures/ (the network as replayed), with budgets from 1 byte to all at once', () => {
    let n = 0;
    for (const dir of ['unreal6', 'services']) {
      for (const f of readdirSync(FIXTURES + dir).filter((x) => x.endsWith('.txt'))) {
        let checked = false;
        replayCapture(readFileSync(`${FIXTURES}${dir}/${f}`), {
          onEngine: (e) => {
            for (const budgets of [[1], [64, 1, 700], [4096], [1e9]]) assertSameBurst(threeBursts(e, budgets), `${dir}/${f} budgets ${budgets}`);
            checked = true;
          },
        });
        assert.ok(checked, `${f} replayed`);
        n++;
      }
    }
    assert.ok(n >= 10, `${n} captures`);
  });

  it('generated networks (gen-burst plus SWHOIS, MD of every kind, MLOCK, +x users, an empty +P channel), random budgets, with and without the peer\'s optional capabilities', () => {
    const e = generated({ users: 1500, channels: 300, tkl: 120, servers: 6, seed: 5 });
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 8 }), fc.constantFrom(undefined, 'NOQUIT NICKv2 SJOIN SJ3 NICKIP', 'SJSBY MTAGS VHP EXTSWHOIS'), (budgets, caps) => {
      assertSameBurst(threeBursts(e, budgets, caps), `budgets ${budgets} caps ${caps ?? 'default'}`);
    }), { numRuns: 12 });
    const big = generated({ users: 20_000, channels: 4000, tkl: 1000, servers: 10, seed: 42 });
    assertSameBurst(threeBursts(big, [32 * 1024]), '20,000 users, 32 KB steps');
  });

  it('the in-memory harness pumps streamed bursts to the end: two streaming engines link and agree', () => {
    const a = hub({ streamBurst: true });
    const b = hub({ streamBurst: true, me: { sid: '002', name: 'two.test', info: 'two' } });
    for (let i = 0; i < 200; i++) a.local(uid('001', `a${i}`, NOW - 100, `001AAA${String(i).padStart(3, '0')}`));
    for (let i = 0; i < 150; i++) b.local(uid('002', `b${i}`, NOW - 100, `002BBB${String(i).padStart(3, '0')}`));
    a.local(`:001 SJOIN ${NOW - 50} #both +nt :@001AAA000 001AAA001`);
    b.local(`:002 SJOIN ${NOW - 50} #both +nt :@002BBB000`);
    a.drain(); b.drain();
    pump([a, b], [connect(a, b, 'toB', 'toA')], { burstBudget: 700 });
    assert.equal(a.bursting('toB') || b.bursting('toA'), false, 'both bursts are complete');
    assert.equal(a.net.usersByUid.size, 350);
    assert.equal(stateDigest(a.net, a.tkl, NOW), stateDigest(b.net, b.tkl, NOW));
  });
});

// ---------------------------------------------------------------- two engines, one bursting to the other

/**
 * A (hub.test, 001) holds a network: its own users, and leaf.test (0AA) with s1.test (0A1) and
 * s2.test (0A2) behind it, a scripted leaf on link 'c' whose lines A is fed. B (b.test, 002) is a
 * fresh server linking to A; A streams its burst to B. Lines between A and B wait in two FIFOs.
 */
class Pair {
  readonly a: Engine;
  readonly b: Engine;
  readonly toB: string[] = [];
  readonly toA: string[] = [];
  /** Lines B was sent (for the assertions of the named cases). */
  readonly seenByB: string[] = [];
  /** Lines B was sent about something it did not know, and what. */
  readonly unknown: string[] = [];
  private n = 0;
  constructor(opts: { aOut?: boolean; bUsers?: string[] } = {}) {
    this.a = new Engine({ me: { sid: '001', name: 'hub.test', info: 'A' }, now: () => NOW, authorize: () => ({ ok: true, hub: '*' }), streamBurst: true });
    this.b = new Engine({ me: { sid: '002', name: 'b.test', info: 'B' }, now: () => NOW, authorize: () => ({ ok: true, hub: '*' }) });
    // The scripted leaf C.
    const a = this.a;
    a.linkUp('c', 'in', '127.0.0.1');
    for (const l of ['PASS :x', 'PROTOCTL EAUTH=leaf.test,6100,Fhn6OoE,Fake-0.1', 'PROTOCTL SERVERS=', 'PROTOCTL NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS',
      `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ USERMODES=diopqrstwxzBDGHIRSTWZ BOOTED=${NOW - 100} PREFIX=(qaohv)~&@%+ SID=0AA MLOCK TS=${NOW} EXTSWHOIS`,
      'PROTOCTL NICKCHARS= CHANNELCHARS=utf8', 'SERVER leaf.test 1 :U6100-Fhn6OoE-0AA leaf',
      ':0AA SID s1.test 2 0A1 :s1', ':0A1 EOS', ':0AA SID s2.test 2 0A2 :s2', ':0A2 EOS']) a.receive('c', l);
    for (const l of opts.bUsers ?? []) this.b.local(l);
    this.check(a.drain(), 'A');
    this.check(this.b.drain(), 'B');
    if (opts.aOut) { a.linkUp('b', 'out'); this.b.linkUp('a', 'in'); } else { this.b.linkUp('a', 'out'); a.linkUp('b', 'in'); }
    this.collect();
  }

  private check(effects: Effect[], who: string): void {
    for (const ef of effects) {
      if (ef.kind === 'log' && ef.event === 'ENGINE_EXCEPTION') throw new Error(`${who}: ${ef.msg}`);
      if (ef.kind === 'close' && (ef.link === 'b' || ef.link === 'a')) throw new Error(`${who} closed the A–B link: ${ef.reason}`);
    }
  }

  collect(): void {
    const ea = this.a.drain(), eb = this.b.drain();
    this.check(ea, 'A');
    this.check(eb, 'B');
    for (const ef of ea) if (ef.kind === 'send' && ef.link === 'b') this.toB.push(ef.line);
    for (const ef of eb) {
      if (ef.kind !== 'send' || ef.link !== 'a') continue;
      this.toA.push(ef.line);
      // B never complains about what it was told: no ghost, unknown server or channel replies.
      const body = splitTagsAndBody(ef.line).body;
      if (/ KILL \S+ :Ghost user| SQUIT \S+ :Unknown prefix|:Fake direction| (401|402|403|442) /.test(body)) this.unknown.push(`B answered ${body}`);
    }
  }

  /** Deliver the next line A → B; false when none. */
  deliverToB(): boolean {
    const line = this.toB.shift();
    if (line === undefined) return false;
    this.seenByB.push(splitTagsAndBody(line).body);
    const why = unknownTo(this.b, line);
    if (why) this.unknown.push(`${why}: ${line}`);
    this.b.receive('a', line);
    this.collect();
    this.steps();
    return true;
  }

  deliverToA(): boolean {
    const line = this.toA.shift();
    if (line === undefined) return false;
    this.a.receive('b', line);
    this.collect();
    this.steps();
    return true;
  }

  burst(budget: number): void {
    this.a.burstMore('b', budget);
    this.collect();
  }

  /** A line from the scripted leaf C (0AA and the servers behind it), or of A's own origin. */
  fromC(line: string): void { this.a.receive('c', line); this.collect(); }
  local(line: string): void { this.a.local(line); this.collect(); }
  /** The line comes from wherever its source user is (C's side or A's own). */
  byUser(uidOf: string, line: string): void {
    const u = this.a.net.usersByUid.get(uidOf);
    if (u?.server.link === 'c') this.fromC(line); else this.local(line);
  }

  private steps(): void {
    if (++this.n % 16 !== 0) return;
    for (const [w, e] of [['A', this.a], ['B', this.b]] as const) {
      const bad = checkInvariants(e.net);
      if (bad.length) throw new Error(`${w} invariants: ${bad.join('; ')}`);
    }
  }

  /** Everything to the end: all lines delivered, the burst finished. */
  finish(): void {
    for (let guard = 0; ; guard++) {
      assert.ok(guard < 1_000_000, 'quiescence');
      if (this.deliverToB() || this.deliverToA()) continue;
      if (this.a.bursting('b')) { this.burst(1 << 20); continue; }
      break;
    }
    assert.equal(this.a.net.server('002')?.synced, true, 'A has B\'s EOS');
    assert.equal(this.b.net.server('001')?.synced, true, 'B has A\'s EOS');
  }

  assertConverged(): void {
    const da = stateDigest(this.a.net, this.a.tkl, NOW), db = stateDigest(this.b.net, this.b.tkl, NOW);
    if (da === db) return;
    const ca = JSON.stringify(canonicalState(this.a.net, this.a.tkl, NOW), null, 1).split('\n');
    const cb = JSON.stringify(canonicalState(this.b.net, this.b.tkl, NOW), null, 1).split('\n');
    const diff: string[] = [];
    for (let i = 0; i < Math.max(ca.length, cb.length) && diff.length < 20; i++) if (ca[i] !== cb[i]) diff.push(`${i}: A ${ca[i]} | B ${cb[i]}`);
    throw new Error(`digests differ:\n${diff.join('\n')}`);
  }
}

const UIDF = /^[0-9][0-9A-Z]{8}$/;

/**
 * Why `raw` (a line for `e`) is about a user, server or channel `e` does not know, or null. Written
 * from the protocol (what each line names), independently of the engine's own burst filter.
 * Not judged: the removal of a ban (the peer may hold the same ban itself; one it does not hold
 * changes nothing), and messages (none are generated here).
 */
function unknownTo(e: Engine, raw: string): string | null {
  const m = parseLine(splitTagsAndBody(raw).body);
  if (!m) return null;
  const p = m.params;
  const user = (x: string) => e.net.usersByUid.get(x) ?? e.net.usersByNick.get(x);
  const server = (x: string) => e.net.server(x);
  const chan = (x: string) => e.net.channel(x);
  if (m.source !== undefined && !server(m.source) && !user(m.source)) return `unknown source ${m.source}`;
  switch (m.command) {
    case 'UID': return user(p[5]) ? `UID of a user it has already (${p[5]})` : null;
    case 'SID': return server(p[2]) ? `SID of a server it has already (${p[2]})` : null;
    case 'KILL': case 'SVSKILL': for (const t of p[0].split(',')) if (!user(t)) return `kill of an unknown user ${t}`; return null;
    case 'SJOIN': {
      for (const it of (p[p.length - 1] ?? '').split(' ')) {
        if (!it || '&"\'<'.includes(it[0])) continue;
        const id = it.replace(/^[*~@%+]+/, '');
        const u = user(id);
        if (!u) return `SJOIN names an unknown user ${id}`;
        if (u.server.link !== 'a') return `SJOIN names the receiver's own user ${id}`;
      }
      return null;
    }
    case 'MODE':
      if (!p[0].startsWith('#')) return user(p[0]) ? null : `MODE of an unknown user ${p[0]}`;
      if (!chan(p[0])) return `MODE of an unknown channel ${p[0]}`;
      for (const x of p.slice(2)) if (UIDF.test(x) && !user(x)) return `MODE names an unknown user ${x}`;
      return null;
    case 'KICK': return !chan(p[0]) ? `KICK on an unknown channel ${p[0]}` : !user(p[1]) ? `KICK of an unknown user ${p[1]}` : null;
    case 'PART': case 'TOPIC': return chan(p[0]) ? null : `${m.command} of an unknown channel ${p[0]}`;
    case 'MLOCK': return chan(p[1]) ? null : `MLOCK of an unknown channel ${p[1]}`;
    case 'SQUIT': return server(p[0]) ? null : `SQUIT of an unknown server ${p[0]}`;
    case 'MD': {
      const t = p[1] ?? '';
      if (p[0] === 'client') return user(t) || server(t) ? null : `MD of an unknown client ${t}`;
      if (p[0] === 'channel') return chan(t) ? null : `MD of an unknown channel ${t}`;
      const [x, y] = t.split(':');
      const [c, u] = p[0] === 'member' ? [x, y] : [y, x];
      return chan(c) && user(u) ? null : `MD ${p[0]} of an unknown ${t}`;
    }
    default: return null;
  }
}

/**
 * A's network before B links: users on 001 (A's own), 0AA, 0A1, 0A2; channels #c0..; bans. B
 * (`shared`): channels #c0.. of its own too (with a TS older or newer than A's, never equal), each
 * with an anchor of B's and maybe more of B's users, so that A's live changes meet channels the peer
 * holds itself. What the changes avoid there is what UnrealIRCd's protocol itself does not converge
 * on (see test/props/convergence.test.ts): a shared channel emptied while the other side's SJOIN
 * is in flight (both sides' anchors stay), channel modes set by the side with the newer TS, and
 * member statuses given to or taken from the other side's users (not forwarded before the channel
 * is bursted: an SJOIN never removes one, and sent early it would cross the SJOIN's TS decision).
 */
interface Spec {
  users: { srv: number; away: boolean; swhois: boolean; md: boolean; x: boolean }[];
  channels: { members: number[]; ops: number[]; modes: string; ban: boolean; topic: boolean }[];
  tkls: number;
  shared: { older: boolean; extra: boolean }[];
  /** How many of A's bans B holds too (the same ban: identity, reason, setter, times). */
  sharedTkls: number;
}
const SRV = ['001', '0AA', '0A1', '0A2'];
const specGen: fc.Arbitrary<Spec> = fc.record({
  users: fc.array(fc.record({ srv: fc.nat(3), away: fc.boolean(), swhois: fc.boolean(), md: fc.boolean(), x: fc.boolean() }), { minLength: 1, maxLength: 30 }),
  channels: fc.array(fc.record({ members: fc.uniqueArray(fc.nat(29), { minLength: 1, maxLength: 8 }), ops: fc.uniqueArray(fc.nat(29), { maxLength: 3 }), modes: fc.constantFrom('+nt', '+ntm', '+s', '+ntl 20', '+k key'), ban: fc.boolean(), topic: fc.boolean() }), { maxLength: 6 }),
  tkls: fc.nat(4),
  shared: fc.array(fc.record({ older: fc.boolean(), extra: fc.boolean() }), { maxLength: 3 }),
  sharedTkls: fc.nat(2),
});

const banLine = (t: number) => `TKL + G * 192.0.2.${t} op!o@o 0 ${NOW - 100} :ban ${t}`;

const A_ANCHOR = '001ANCHR0';
const B_ANCHOR = (k: number) => `002ANCH0${k}`;
const chanTs = (k: number) => NOW - 5000 + k;

/** B's users and channels (its own state before linking), as lines of its own origin. */
function bState(spec: Spec): string[] {
  const out: string[] = [];
  spec.shared.forEach((c, k) => {
    out.push(uid('002', `anchor${k}`, NOW - 900, B_ANCHOR(k)));
    if (c.extra) out.push(uid('002', `bee${k}`, NOW - 900, `002BEE00${k}`));
    out.push(`:002 SJOIN ${chanTs(k) + (c.older ? -50 : 50)} #c${k} +nt :@${B_ANCHOR(k)}${c.extra ? ` 002BEE00${k}` : ''}`);
  });
  for (let t = 0; t < Math.min(spec.sharedTkls, spec.tkls); t++) out.push(`:b.test ${banLine(t)}`);
  return out;
}

function build(pair: Pair, spec: Spec): void {
  const ids: string[] = [];
  spec.users.forEach((u, i) => {
    const sid = SRV[u.srv];
    const id = `${sid}AAA${String(i).padStart(3, '0')}`;
    const line = uid(sid, `user${i}`, NOW - 1000 + i, id, { umodes: u.x ? '+ix' : '+i' });
    if (sid === '001') pair.local(line); else pair.fromC(line);
    if (u.away) pair.byUser(id, `:${id} AWAY :away ${i}`);
    if (u.md) (sid === '001' ? pair.local.bind(pair) : pair.fromC.bind(pair))(`:${sid} MD client ${id} certfp :${'cd'.repeat(32)}`);
    if (u.swhois) pair.fromC(`:0AA SWHOIS ${id} + tag 0 :swhois ${i}`);
    ids.push(id);
  });
  pair.local(uid('001', 'anchorA', NOW - 900, A_ANCHOR));
  spec.channels.forEach((c, k) => {
    const items = [...new Set(c.members.map((x) => ids[x % ids.length]))].map((id) => (c.ops.some((o) => ids[o % ids.length] === id) ? '@' : '') + id);
    if (c.ban) items.push(`<${NOW - 50},op!o@o>&*!*@banned${k}.example`);
    pair.fromC(`:0AA SJOIN ${chanTs(k)} #c${k} ${c.modes} :${items.join(' ')}`);
    if (k < spec.shared.length) pair.local(`:001 SJOIN ${chanTs(k)} #c${k} :${A_ANCHOR}`);
    if (c.topic) pair.fromC(`:0AA TOPIC #c${k} setter!s@s ${NOW - 4000} :topic ${k}`);
  });
  for (let t = 0; t < spec.tkls; t++) pair.fromC(`:leaf.test ${banLine(t)}`);
}

type Step = { k: 'toB' } | { k: 'toA' } | { k: 'burst'; budget: number } | { k: 'live'; type: number; a: number; b: number; c: number };
const stepGen: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Step>({ k: 'toB' }) },
  { weight: 2, arbitrary: fc.constant<Step>({ k: 'toA' }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('burst' as const), budget: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 3000 })) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('live' as const), type: fc.nat(13), a: fc.nat(1000), b: fc.nat(1000), c: fc.nat(1000) }) },
);

const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);

/** One random change on A's side of the network (as C or A's own users would make it). */
function live(pair: Pair, spec: Spec, s: Extract<Step, { k: 'live' }>, seq: { n: number }): void {
  const a = pair.a;
  const byUid = (x: { uid: string }, y: { uid: string }) => (x.uid < y.uid ? -1 : 1);
  const users = [...a.net.usersByUid.values()].filter((u) => u.server.link !== 'b').sort(byUid);
  // Those that may leave channels or the network: not the anchors.
  const mortal = users.filter((u) => u.uid !== A_ANCHOR);
  const anchor = (x: { uid: string }) => x.uid === A_ANCHOR || x.uid.startsWith('002ANCH');
  const chans = [...a.net.channels.values()].sort((x, y) => (x.name < y.name ? -1 : 1));
  // Channel modes only where A's TS is the older (or B has no such channel); statuses only for A's users.
  const bTs = (name: string): number | undefined => { const k = spec.shared.findIndex((_, i) => `#c${i}` === name); return k < 0 ? undefined : chanTs(k) + (spec.shared[k].older ? -50 : 50); };
  const writable = (ch: { name: string; ts: number | bigint }) => { const t = bTs(ch.name); return t === undefined || ch.ts < t; };
  const u = pick(users, s.a);
  const n = ++seq.n;
  switch (s.type) {
    case 0: { const q = pick(mortal, s.a); if (q) pair.byUser(q.uid, `:${q.uid} QUIT :bye ${n}`); return; }
    case 1: if (u) pair.byUser(u.uid, `:${u.uid} NICK nick${n} ${NOW}`); return;
    case 2: { // join an existing channel or make a new one
      if (!u) return;
      const existing = s.b % 3 !== 0 ? pick(chans, s.b) : undefined;
      const name = existing?.name ?? `#new${s.b % 7}`;
      const ch = a.net.channel(name);
      if (ch?.members.has(u)) return;
      const ts = ch?.ts ?? NOW - 100;
      const line = `:${u.server.sid} SJOIN ${ts} ${name} :${ch ? '' : '@'}${u.uid}`;
      if (u.server.link === 'c') pair.fromC(line); else pair.local(line);
      return;
    }
    case 3: { // part
      const ch = pick(chans.filter((c) => c.members.size), s.b);
      const m = ch && pick([...ch.members.keys()].filter((x) => x.server.link !== 'b' && !anchor(x)).sort(byUid), s.c);
      if (ch && m) pair.byUser(m.uid, `:${m.uid} PART ${ch.name} :bye`);
      return;
    }
    case 4: { // kick (of anyone but an anchor, B's users too), by anyone of A's side (a member or not)
      const ch = pick(chans.filter((c) => c.members.size), s.b);
      const victim = ch && pick([...ch.members.keys()].filter((x) => !anchor(x)).sort(byUid), s.c);
      if (!ch || !victim || !u) return;
      pair.byUser(u.uid, `:${u.uid} KICK ${ch.name} ${victim.uid} :out ${n}`);
      return;
    }
    case 5: { // channel modes by a user: statuses, simple and parameter modes, bans
      const ch = pick(chans.filter(writable), s.b);
      if (!ch || !u) return;
      const member = pick([...ch.members.keys()].filter((x) => x.server.link !== 'b').sort(byUid), s.c);
      const dir = s.c % 2 ? '-' : '+';
      const change = [member ? `${dir}o ${member.uid}` : '+m', `${dir}m`, dir === '+' ? `+l ${5 + (s.c % 9)}` : '-l', `${dir}b *!*@h${s.c % 3}.example`, member ? `${dir}v ${member.uid}` : '-m'][s.a % 5];
      pair.byUser(u.uid, `:${u.uid} MODE ${ch.name} ${change}`);
      return;
    }
    case 6: { // a new user, on any server of A's side
      const sids = [...a.net.serversBySid.values()].filter((x) => x.link !== 'b').map((x) => x.sid).sort();
      const sid = pick(sids, s.b)!;
      const line = uid(sid, `new${n}`, NOW - 10, `${sid}NEW${String(n).padStart(3, '0')}`);
      if (sid === '001') pair.local(line); else pair.fromC(line);
      return;
    }
    case 7: { // a server behind C splits, or one comes (back) with a user
      const sub = pick(['s1.test', 's2.test', 's3.test'], s.b)!;
      const sid = { 's1.test': '0A1', 's2.test': '0A2', 's3.test': '0A3' }[sub]!;
      if (a.net.server(sub)) pair.fromC(`SQUIT ${sub} :split ${n}`);
      else { pair.fromC(`:0AA SID ${sub} 2 ${sid} :back`); pair.fromC(uid(sid, `back${n}`, NOW - 5, `${sid}BCK${String(n).padStart(3, '0')}`)); pair.fromC(`:${sid} EOS`); }
      return;
    }
    case 8: { // bans: add, or remove one there is (one B holds too only once B's burst is all here: else its + crosses our -)
      const shared = (h: string) => h.startsWith('192.0.2.') && Number(h.slice(8)) < spec.sharedTkls;
      const bans = [...a.tkl.values()].filter((t) => !shared(t.host) || a.net.server('002')?.synced).sort((x, y) => (x.host < y.host ? -1 : 1));
      const t = s.c % 2 ? pick(bans, s.b) : undefined;
      if (t) pair.fromC(`:leaf.test TKL - ${t.type} ${t.user} ${t.host} op!o@o`);
      else pair.fromC(`:leaf.test TKL + G * 198.51.100.${s.b % 50} op!o@o 0 ${NOW - 10} :live ban ${n}`);
      return;
    }
    case 9: if (u) pair.byUser(u.uid, s.b % 2 ? `:${u.uid} AWAY :gone ${n}` : `:${u.uid} AWAY`); return;
    case 10: if (u) (u.server.link === 'c' ? pair.fromC.bind(pair) : pair.local.bind(pair))(`:${u.server.sid} MD client ${u.uid} key${s.b % 3} :v${n}`); return;
    case 11: { // topic by a member of A's side
      const ch = pick(chans.filter((c) => c.members.size), s.b);
      const m = ch && pick([...ch.members.keys()].filter((x) => x.server.link !== 'b').sort(byUid), s.c);
      if (ch && m) pair.byUser(m.uid, `:${m.uid} TOPIC ${ch.name} :topic ${n}`);
      return;
    }
    case 12: { // a KILL by one user of another (B's too, but its anchors)
      const v = pick([...a.net.usersByUid.values()].filter((x) => !anchor(x)).sort(byUid), s.b);
      if (u && v && u !== v) pair.byUser(u.uid, `:${u.uid} KILL ${v.uid} :killed ${n}`);
      return;
    }
    default: { // user modes, a host change
      if (!u) return;
      pair.byUser(u.uid, s.b % 2 ? `:${u.uid} UMODE2 ${s.c % 2 ? '+' : '-'}w` : `:${u.uid} SETHOST host${n}.example`);
    }
  }
}

describe('streamed burst: live traffic while it streams', { timeout: TEST_TIMEOUT }, () => {
  it('random changes interleaved with burst steps and deliveries: the peer ends with our state and never hears of anything it does not know', () => {
    let interleaved = 0;
    fc.assert(fc.property(specGen, fc.boolean(), fc.array(stepGen, { minLength: 10, maxLength: 300, size: 'max' }), (spec, aOut, steps) => {
      const pair = new Pair({ aOut, bUsers: bState(spec) });
      build(pair, spec);
      // Linked up to A's SERVER handling: from here on A's burst streams (B's may still be on its way).
      while (!pair.a.bursting('b')) assert.ok(pair.deliverToB() || pair.deliverToA(), 'the link comes up');
      const seq = { n: 0 };
      let during = 0;
      for (const s of steps) {
        if (s.k === 'toB') pair.deliverToB();
        else if (s.k === 'toA') pair.deliverToA();
        else if (s.k === 'burst') pair.burst(s.budget);
        else { if (pair.a.bursting('b')) during++; live(pair, spec, s, seq); }
      }
      if (during > 0) interleaved++;
      pair.finish();
      if (process.env.BURST_DEBUG) console.log(pair.seenByB.join('\n'));
      assert.deepEqual(pair.unknown, [], 'B never heard of anything it did not know');
      pair.assertConverged();
    }), { ...(process.env.BURST_SEED ? { seed: Number(process.env.BURST_SEED), path: process.env.BURST_PATH, endOnFailure: true } : {}), numRuns: RUNS, includeErrorInReport: true, interruptAfterTimeLimit: 90_000, markInterruptAsFailure: true });
    // Most runs changed the network while the burst was streaming (the rest: before it started, or after it ended).
    assert.ok(interleaved > RUNS / 2, `${interleaved} of ${RUNS} runs had changes during the burst`);
  });
});

describe('streamed burst: the rules, one at a time', { timeout: TEST_TIMEOUT }, () => {
  /** A pair whose network has `n` users on 0A1 (after 3 on A's own server), B linked and the burst started (servers sent). */
  function started(n: number): Pair {
    const pair = new Pair();
    for (let i = 0; i < 3; i++) pair.local(uid('001', `own${i}`, NOW - 500, `001OWN00${i}`));
    for (let i = 0; i < n; i++) pair.fromC(uid('0A1', `u${i}`, NOW - 400, `0A1AAA${String(i).padStart(3, '0')}`));
    pair.fromC(`:0AA SJOIN ${NOW - 300} #chan +nt :@0A1AAA000 0A1AAA001`);
    while (!pair.a.bursting('b')) assert.ok(pair.deliverToB() || pair.deliverToA(), 'the burst starts');
    return pair;
  }
  const uidsSent = (p: Pair) => p.seenByB.filter((l) => / UID /.test(l)).map((l) => l.split(' ')[7]);

  it('a user who quits before the cursor reaches it is never sent: no UID, no QUIT', () => {
    const p = started(40);
    p.burst(1);
    p.fromC(':0A1AAA039 QUIT :gone');
    p.finish();
    assert.ok(!uidsSent(p).includes('0A1AAA039') && !p.seenByB.some((l) => l.includes('0A1AAA039')), 'nothing about 0A1AAA039');
    assert.equal(uidsSent(p).length, 3 + 39);
    p.assertConverged();
  });

  it('a nick change of a user the cursor has not reached is not relayed: its UID carries the new nick; one already sent goes live', () => {
    const p = started(40);
    p.burst(1); // A's own users first: 0A1's are still ahead
    p.fromC(':0A1AAA030 NICK renamed 1795400000');
    while (!uidsSent(p).includes('0A1AAA031')) { p.burst(1); while (p.deliverToB()); }
    p.fromC(':0A1AAA000 NICK second 1795400000');
    p.finish();
    assert.ok(!p.seenByB.some((l) => l.startsWith(':0A1AAA030 NICK')), 'no NICK for 0A1AAA030');
    assert.ok(p.seenByB.some((l) => / UID renamed .* 0A1AAA030 /.test(l)), 'its UID names it renamed');
    assert.ok(p.seenByB.includes(':0A1AAA000 NICK second 1795400000'), 'the NICK of a user already sent went live');
    p.assertConverged();
  });

  it('a user introduced on a server the cursor has passed goes live; on its current server after it copied the list, live too; on one ahead, with the burst', () => {
    const p = started(40);
    p.burst(1);
    p.local(uid('001', 'ownlate', NOW - 5, '001LATE01')); // 001 is done (its three users were one step)... or current
    p.fromC(uid('0A1', 'ahead', NOW - 5, '0A1LATE01')); // 0A1 is ahead of the cursor
    const live = p.toB.filter((l) => / UID /.test(l)).map((l) => l.split(' ')[8]);
    assert.ok(!live.includes('0A1LATE01'), 'not sent live: the cursor will send it');
    p.finish();
    assert.equal(uidsSent(p).filter((x) => x === '0A1LATE01').length, 1, 'sent once, by the cursor');
    assert.equal(uidsSent(p).filter((x) => x === '001LATE01').length, 1, 'sent once');
    p.assertConverged();
  });

  it('a join to a channel the cursor has not reached is carried by that channel\'s SJOIN; after it has, the join goes live', () => {
    const p = started(10);
    p.burst(1);
    p.fromC(':0A1 SJOIN 1795399700 #chan :0A1AAA005');
    assert.ok(!p.toB.some((l) => / SJOIN \S+ #chan :0A1AAA005$/.test(l)), 'the join is not relayed before #chan is bursted');
    while (!p.seenByB.some((l) => / SJOIN \S+ #chan /.test(l))) { p.burst(1); while (p.deliverToB()); }
    assert.ok(p.seenByB.some((l) => / SJOIN 1795399700 #chan \+nt :@0A1AAA000 0A1AAA001 0A1AAA005$/.test(l)), `the SJOIN holds the new member: ${p.seenByB.filter((l) => l.includes('#chan'))}`);
    p.fromC(':0A1 SJOIN 1795399700 #chan :0A1AAA006');
    assert.ok(p.toB.some((l) => l === ':0A1 SJOIN 1795399700 #chan :0A1AAA006'), 'after, a join goes live');
    p.finish();
    p.assertConverged();
  });

  it('when the peer speaks of a channel first, ours is bursted before its line is taken (our state, not an echo of its own): a change it makes meanwhile is not undone', () => {
    const T = NOW - 3000;
    const p = new Pair({ bUsers: [uid('002', 'bee', NOW - 900, '002BEE001'), `:002 SJOIN ${T} #a +ntk k1 :@002BEE001`] });
    for (let i = 0; i < 30; i++) p.fromC(uid('0A1', `u${i}`, NOW - 400, `0A1AAA${String(i).padStart(3, '0')}`));
    p.fromC(`:0AA SJOIN ${T} #a +nt :@0A1AAA000 0A1AAA001`);
    while (!p.a.net.channel('#a')?.members.has(p.a.net.usersByUid.get('002BEE001')!)) assert.ok(p.deliverToA() || p.deliverToB(), 'B\'s burst arrives');
    assert.ok(p.a.bursting('b'), 'A is still in its user pass');
    const ours = p.toB.filter((l) => / SJOIN \S+ #a /.test(l));
    assert.deepEqual(ours, [`:001 SJOIN ${T} #a +nt :`], 'ours, as it was before B\'s (no key; members B does not know yet left out)');
    p.b.local(`:002 MODE #a -k * ${T}`); // B takes its key off while ours is on its way
    p.collect();
    p.finish();
    assert.ok(p.seenByB.includes(`:001 SJOIN ${T} #a :@0A1AAA000`), 'a member B learned later was joined after its UID');
    assert.equal(p.b.net.channel('#a')?.modes.has('k'), false, 'the key stays off at B');
    assert.deepEqual(p.unknown, []);
    p.assertConverged();
  });

  it('the SJOIN leaves out the peer\'s own members; a KICK of one of them from a channel not yet bursted still reaches the peer, from our server when the kicker is not known there yet', () => {
    const p = new Pair({ bUsers: [uid('002', 'bee', NOW - 900, '002BEE001'), uid('002', 'stays', NOW - 900, '002BEE002'), `:002 SJOIN ${NOW - 300} #shared +nt :@002BEE001 002BEE002`] });
    for (let i = 0; i < 30; i++) p.fromC(uid('0A1', `u${i}`, NOW - 400, `0A1AAA${String(i).padStart(3, '0')}`));
    p.fromC(`:0AA SJOIN ${NOW - 300} #shared +nt :@0A1AAA000`);
    // B's burst reaches A (its user joins A's #shared) before A's burst has got to its channels.
    while (!p.a.net.channel('#shared')?.members.has(p.a.net.usersByUid.get('002BEE001')!)) assert.ok(p.deliverToA() || p.deliverToB(), 'B\'s burst arrives');
    assert.ok(p.a.bursting('b'), 'A is still bursting');
    p.fromC(':0A1AAA029 KICK #shared 002BEE001 :out');
    p.finish();
    assert.ok(p.seenByB.includes(':001 KICK #shared 002BEE001 :out'), `the KICK came, from 001 (0A1AAA029 was not bursted yet): ${p.seenByB.filter((l) => l.includes('KICK'))}`);
    assert.ok(p.seenByB.some((l) => / SJOIN \S+ #shared /.test(l)), 'A bursted #shared');
    assert.ok(!p.seenByB.some((l) => / SJOIN .*#shared.*002BEE/.test(l)), `our SJOIN does not name B's users: ${p.seenByB.filter((l) => l.includes('#shared'))}`);
    assert.deepEqual(p.unknown, []);
    p.assertConverged();
  });

  it('a KILL by a user the peer does not know yet comes from our server; a KILL of such a user is not sent', () => {
    const p = started(40);
    p.burst(1);
    p.fromC(':0A1AAA039 KILL 001OWN000 :by an unbursted user');
    p.fromC(':0A1AAA000 KILL 0A1AAA038 :of an unbursted user');
    p.finish();
    assert.ok(p.seenByB.includes(':001 KILL 001OWN000 :by an unbursted user'), `the kill of a user B knows (the first step sent it) reached it, from 001: ${p.seenByB.filter((l) => l.includes(' KILL '))}`);
    assert.ok(!p.seenByB.some((l) => l.includes('0A1AAA038')), 'nothing about the unbursted victim');
    assert.deepEqual(p.unknown, []);
    p.assertConverged();
  });
});
