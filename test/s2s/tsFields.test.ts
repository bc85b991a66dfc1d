// TS fields (issue 12 item 7): every timestamp a peer sends is read as UnrealIRCd 6 reads it,
// atol() into a 64-bit time_t (glibc: leading white space and one sign skipped, digits up to the
// first non-digit, no digits = 0, clamped to INT64_MIN/INT64_MAX), kept exactly over the whole
// range, and stored, relayed, bursted, digested and dumped as that exact value. What each field
// does with a 0, a negative or an out-of-range value follows the handler that reads it:
//   SJOIN TS       sjoin.c cmd_sjoin(): <= 1000000 (IsInvalidChannelTS) counts as ours; relayed as used
//   SJSBY set-at   sjoin.c: atol(), any value; relayed re-written by add_sjsby() ("<%ld,setby>")
//   UID            nick.c cmd_uid(): lastnick = atol(), any value (0 too), relayed "%lld"
//   NICK           nick.c cmd_nick_remote(): atol() when given (0 collides as a TS); 0 stored as now
//   MODE           mode.c cmd_mode(): last param atol()'d into a long unsigned; non-zero and above
//                  ours as unsigned (negatives too) from a non-U-line: ignored; 0 without a leading
//                  '0', or -1: not a TS; else taken off the params (_do_mode(): <= 1000000 → ours)
//   TOPIC          topic.c: atol(); non-zero is a set-at, compared signed; 0 → now
//   MLOCK          mode.c cmd_mlock(): atol(); dropped when above ours; relayed with OUR TS
//   SVSNICK        svsnick.c: lastnick = atol(), as it is
//   TKL            tkl.c cmd_tkl_add(): atol() for both; refused when < 0 or gmtime() fails
//                  (past 67768036191676799, which includes INT64_MAX)
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseTs } from '../../src/s2s/validate.ts';
import { parseTkl } from '../../src/tkl/tklWire.ts';
import { sendBurst } from '../../src/s2s/burst.ts';
import { canonicalState, stateDigest } from '../../src/state/digest.ts';
import { buildStateDump, formatStateDump } from '../../src/replay/stateDump.ts';
import { Engine } from '../../src/s2s/engine.ts';
import { hub, linkLeaf, local, feed, uid, drainSent, connect, pump, T0, assertInvariants } from './harness.ts';

const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;
const D400 = '1'.repeat(400);
const BIG = '9007199254740993'; // 2^53 + 1: a float reads 9007199254740992
const LONG_MAX_PLUS_1 = '9223372036854775808';
const TC = 1795305735;

// ---------------------------------------------------------------- reference model

/** strtol(s, NULL, 10) into an int64, written from the C standard's description with BigInt. */
function strtolModel(s: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(s)!;
  if (m[2] === '') return 0n;
  const v = (m[1] === '-' ? -1n : 1n) * BigInt(m[2]);
  return v > MAX ? MAX : v < MIN ? MIN : v;
}

/** A Ts as a bigint, checking the canonical form (a number exactly when it is a safe integer). */
function big(v: unknown): bigint {
  if (typeof v === 'number') {
    assert.ok(Number.isSafeInteger(v) && !Object.is(v, -0), `number ${v} must be a safe integer`);
    return BigInt(v);
  }
  assert.equal(typeof v, 'bigint', `${String(v)} is neither number nor bigint`);
  const b = v as bigint;
  assert.ok(b > 9007199254740991n || b < -9007199254740991n, `bigint ${b} should have been a number`);
  return b;
}

const uidLine = (sid: string, nick: string, ts: string, id: string, ident = nick.toLowerCase(), host = 'host.example') =>
  `:${sid} UID ${nick} 0 ${ts} ${ident} ${host} ${id} 0 +i * * fwAAAQ== :Real ${nick}`;

/** Hub with alice (local), #c at TC, and two leaves (leaf.test/0AA with leafA and leaf2.test/0AB). */
function setup(o: { ulines?: string[] } = {}) {
  const e = hub(o.ulines ? { ulines: o.ulines } : {});
  local(e, uid('001', 'alice', T0, '001UI2J0L', { ident: 'alice', host: 'a.hub.example' }), `:001 SJOIN ${TC} #c +nt :@001UI2J0L`);
  linkLeaf(e, { burst: [uid('0AA', 'leafA', T0 - 1000, '0AAAAAAA1', { ident: 'leafa', host: 'host-1.leaf.example' }), `:0AA SJOIN ${TC} #c :0AAAAAAA1`] });
  linkLeaf(e, { id: 'leaf2', name: 'leaf2.test', sid: '0AB' });
  return e;
}

/** Every line of our burst toward a fresh SJSBY + MLOCK link. */
function burstLines(e: ReturnType<typeof hub>): string[] {
  linkLeaf(e, { id: 'late', name: 'late.test', sid: '0AZ', caps: 'NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS MLOCK' });
  sendBurst(e, e.links.get('late')!);
  return drainSent(e).to('late');
}

// ---------------------------------------------------------------- the parser

describe('TS fields: the parser (atol into int64)', () => {
  it('reads digits after white space and a sign, stops at the first non-digit, clamps to the int64 range, never a float', () => {
    const cases: [string, bigint][] = [
      ['1795305734', 1795305734n], ['0', 0n], ['', 0n], ['abc', 0n], ['-0', 0n], ['+0', 0n],
      ['+1795305734', 1795305734n], ['\t 42', 42n], ['\v\f\r\n7', 7n], ['12abc', 12n], ['1e3', 1n], ['0x10', 0n], ['1.9', 1n],
      ['-5', -5n], ['--5', 0n], ['+-5', 0n], ['- 5', 0n], ['\u00a05', 0n], ['٣', 0n],
      [BIG, 9007199254740993n], ['-' + BIG, -9007199254740993n], ['9007199254740991', 9007199254740991n],
      ['9223372036854775807', MAX], [LONG_MAX_PLUS_1, MAX], ['-9223372036854775808', MIN], ['-9223372036854775809', MIN],
      [D400, MAX], ['-' + D400, MIN], ['0'.repeat(300) + '77', 77n], ['000000000000000000009007199254740993x', 9007199254740993n],
    ];
    for (const [s, want] of cases) assert.equal(big(parseTs(s)), want, JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s));
  });

  it('agrees with a strtol-into-int64 model for any string (fast-check)', () => {
    const ch = fc.constantFrom(' ', '\t', '\v', '\f', '+', '-', '0', '1', '5', '9', 'x', ':', '.', 'e', '\u00a0');
    const str = fc.oneof(
      fc.array(ch, { maxLength: 30 }).map((a) => a.join('')),
      fc.tuple(fc.constantFrom('', ' ', '\t', '+', '-', ' -', '\t+'), fc.stringMatching(/^[0-9]{1,420}$/), fc.constantFrom('', 'x', ' 1', '9', '-'))
        .map(([a, b, c]) => a + b + c),
      fc.bigInt({ min: MIN - 10n ** 30n, max: MAX + 10n ** 30n }).map(String),
      fc.string({ maxLength: 24 }),
    );
    fc.assert(fc.property(str, (s) => { assert.equal(big(parseTs(s)), strtolModel(s)); }), { numRuns: 3000 });
  });
});

// ---------------------------------------------------------------- SJOIN

describe('TS fields: SJOIN channel TS (sjoin.c)', () => {
  it('a 400-digit TS is INT64_MAX (a valid TS), in the state, the relay and the burst; 2^53+1 and LONG_MAX+1 stay exact', () => {
    const e = setup();
    const r = feed(e, 'leaf', `:0AA SJOIN ${D400} #huge :0AAAAAAA1`, `:0AA SJOIN ${BIG} #big :0AAAAAAA1`, `:0AA SJOIN ${LONG_MAX_PLUS_1} #max :0AAAAAAA1`);
    assert.equal(big(e.net.channel('#huge')!.ts), MAX);
    assert.equal(big(e.net.channel('#big')!.ts), 9007199254740993n);
    assert.equal(big(e.net.channel('#max')!.ts), MAX);
    assert.deepEqual(r.to('leaf2'), [
      ':0AA SJOIN 9223372036854775807 #huge :0AAAAAAA1',
      ':0AA SJOIN 9007199254740993 #big :0AAAAAAA1',
      ':0AA SJOIN 9223372036854775807 #max :0AAAAAAA1',
    ]);
    // An older TS than INT64_MAX wins over it exactly (a float would see 9007199254740992 == ...993).
    feed(e, 'leaf', ':0AA SJOIN 9007199254740992 #big +m :0AAAAAAA1');
    assert.equal(big(e.net.channel('#big')!.ts), 9007199254740992n);
    assert.equal(e.net.channel('#big')!.modes.has('m'), true);
    const b = burstLines(e);
    assert.ok(b.includes(':001 SJOIN 9223372036854775807 #huge :0AAAAAAA1'), b.join('\n'));
    assert.ok(b.includes(':001 SJOIN 9007199254740992 #big +m :0AAAAAAA1'), b.join('\n'));
    assertInvariants(e);
  });

  it("'+', white space and trailing garbage are read as atol does; negative, 0 and non-numeric TS count as ours", () => {
    const e = setup();
    // '+<older>' is an older TS: theirs wins (our +nt goes, TS lowered), relayed with the number.
    let r = feed(e, 'leaf', `:0AA SJOIN +${TC - 100} #c +s :0AAAAAAA1`);
    let ch = e.net.channel('#c')!;
    assert.equal(ch.ts, TC - 100);
    assert.equal(ch.modes.has('n'), false);
    assert.equal(ch.modes.has('s'), true);
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC - 100} #c +s :0AAAAAAA1`]);
    r = feed(e, 'leaf', `:0AA SJOIN \t${TC - 200}xyz #c :0AAAAAAA1`);
    assert.equal(ch.ts, TC - 200);
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC - 200} #c :0AAAAAAA1`]);
    // Invalid ones merge as equal and are relayed with our TS.
    for (const bad of [`-${TC - 300}`, '-' + D400, '0', 'abc', '1000000']) {
      r = feed(e, 'leaf', `:0AA SJOIN ${bad} #c +i :0AAAAAAA1`);
      assert.equal(ch.ts, TC - 200, bad);
      assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC - 200} #c +i :0AAAAAAA1`], bad.slice(0, 20));
    }
    // A channel an invalid TS creates gets now.
    r = feed(e, 'leaf', `:0AA SJOIN -${D400} #new :0AAAAAAA1`);
    ch = e.net.channel('#new')!;
    assert.equal(ch.ts, e.now());
    assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${e.now()} #new :0AAAAAAA1`]);
  });
});

describe('TS fields: SJSBY list set-at (sjoin.c, add_sjsby())', () => {
  it('set-at is atol(): clamped, exact, kept negative; relayed and bursted as the number UnrealIRCd writes', () => {
    const e = setup();
    const items = [
      `<${D400},a!a@a>&huge!*@a.example`, `<-${D400},b!b@b>&neg!*@b.example`, `<${BIG},c!c@c>&big!*@c.example`,
      '<+5,d!d@d>&plus!*@d.example', '<\t6x,e!e@e>&tab!*@e.example', '<abc,f!f@f>&garbage!*@f.example', '<-7,g!g@g>&minus!*@g.example',
      `<${LONG_MAX_PLUS_1},h!h@h>"ex!*@h.example`,
    ];
    // One SJOIN per item: two 400-digit fields do not fit one 512-byte line.
    const r = feed(e, 'leaf', ...items.map((it) => `:0AA SJOIN ${TC} #c :${it}`));
    const b = e.net.channel('#c')!.lists.b;
    const setAt = (m: string) => big(b.get(m)!.setAt);
    assert.equal(setAt('huge!*@a.example'), MAX);
    assert.equal(setAt('neg!*@b.example'), MIN);
    assert.equal(setAt('big!*@c.example'), 9007199254740993n);
    assert.equal(setAt('plus!*@d.example'), 5n);
    assert.equal(setAt('tab!*@e.example'), 6n);
    assert.equal(setAt('garbage!*@f.example'), 0n);
    assert.equal(setAt('minus!*@g.example'), -7n);
    assert.equal(big(e.net.channel('#c')!.lists.e.get('ex!*@h.example')!.setAt), MAX);
    assert.deepEqual(r.to('leaf2'), [
      '<9223372036854775807,a!a@a>&huge!*@a.example', '<-9223372036854775808,b!b@b>&neg!*@b.example', '<9007199254740993,c!c@c>&big!*@c.example',
      '<5,d!d@d>&plus!*@d.example', '<6,e!e@e>&tab!*@e.example', '<0,f!f@f>&garbage!*@f.example', '<-7,g!g@g>&minus!*@g.example',
      '<9223372036854775807,h!h@h>"ex!*@h.example',
    ].map((it) => `:0AA SJOIN ${TC} #c :${it}`));
    const burst = burstLines(e).filter((l) => l.includes(' SJOIN ') && l.includes('#c')).join(' ');
    for (const want of ['<9223372036854775807,a!a@a>&huge!*@a.example', '<-9223372036854775808,b!b@b>&neg!*@b.example', '<9007199254740993,c!c@c>&big!*@c.example', '<5,d!d@d>&plus!*@d.example', '<0,f!f@f>&garbage!*@f.example', '<9223372036854775807,h!h@h>"ex!*@h.example']) {
      assert.ok(burst.includes(want), `${want} in ${burst}`);
    }
  });
});

// ---------------------------------------------------------------- users

describe('TS fields: UID nick TS (nick.c cmd_uid())', () => {
  it('kept as atol() reads it (clamped, exact, negative, 0 for no digits), relayed and bursted so', () => {
    const e = setup();
    const cases: [string, string, bigint][] = [
      ['u400', D400, MAX], ['ubig', BIG, 9007199254740993n], ['umax', LONG_MAX_PLUS_1, MAX], ['uneg', '-' + D400, MIN],
      ['uplus', '+1795305000', 1795305000n], ['utab', '\t1795305001', 1795305001n], ['ujunk', '1795305002junk', 1795305002n], ['uzero', 'abc', 0n],
    ];
    const lines = cases.map(([nick, ts], i) => uidLine('0AA', nick, ts, `0AAAAAAB${i}`));
    const r = feed(e, 'leaf', ...lines);
    cases.forEach(([nick, , want], i) => {
      assert.equal(big(e.net.user(`0AAAAAAB${i}`)!.ts), want, nick);
      assert.equal(r.to('leaf2')[i], uidLine('0AA', nick, String(want), `0AAAAAAB${i}`), nick);
    });
    const b = burstLines(e);
    cases.forEach(([nick, , want], i) => assert.ok(b.includes(uidLine('0AA', nick, String(want), `0AAAAAAB${i}`)), nick));
  });

  it('collisions compare the exact TS: 2^53+1 against 2^53 is not a tie', () => {
    const e = setup();
    feed(e, 'leaf', uidLine('0AA', 'twin', '9007199254740992', '0AAAAAAC1', 'one', 'one.example'));
    // Different user@host, newer by one second: the existing (older) one keeps the nick.
    const r = feed(e, 'leaf2', uidLine('0AB', 'twin', BIG, '0ABAAAAC2', 'two', 'two.example'));
    assert.equal(e.net.userByNick('twin')?.uid, '0AAAAAAC1');
    assert.deepEqual(r.to('leaf2'), [':001 KILL 0ABAAAAC2 :Nick collision: leaf2.test <- leaf.test']);
    assert.deepEqual(r.to('leaf'), []);
  });
});

describe('TS fields: NICK (nick.c cmd_nick_remote())', () => {
  it('exact and clamped TS stored and relayed; a TS without digits is 0 (a TS for the collision, now for the change)', () => {
    const e = setup();
    let r = feed(e, 'leaf', `:0AAAAAAA1 NICK leafB ${BIG}`);
    const u = e.net.user('0AAAAAAA1')!;
    assert.equal(big(u.ts), 9007199254740993n);
    assert.deepEqual(r.to('leaf2'), [`:0AAAAAAA1 NICK leafB ${BIG}`]);
    r = feed(e, 'leaf', `:0AAAAAAA1 NICK leafC ${D400}`);
    assert.equal(big(u.ts), MAX);
    assert.deepEqual(r.to('leaf2'), [':0AAAAAAA1 NICK leafC 9223372036854775807']);
    r = feed(e, 'leaf', ':0AAAAAAA1 NICK leafD +1795305000');
    assert.equal(u.ts, 1795305000);
    assert.deepEqual(r.to('leaf2'), [':0AAAAAAA1 NICK leafD 1795305000']);
    // 'x' is TS 0: against alice (T0, another user@host) the new one is older and wins.
    r = feed(e, 'leaf', ':0AAAAAAA1 NICK alice x');
    assert.equal(e.net.userByNick('alice')?.uid, '0AAAAAAA1');
    assert.equal(e.net.user('001UI2J0L'), undefined);
    assert.equal(u.ts, e.now());
    assert.deepEqual(r.to('leaf2'), [':001 KILL 001UI2J0L :Nick collision: hub.test <- leafD', `:0AAAAAAA1 NICK alice ${e.now()}`]);
  });
});

describe('TS fields: SVSNICK (svsnick.c)', () => {
  it('the new nick TS is atol() of the field, exact, 0 kept as 0', () => {
    const e = setup({ ulines: ['services.test'] });
    linkLeaf(e, { id: 'svc', name: 'services.test', sid: '00B', burst: [uid('00B', 'NickServ', T0, '00BAAAAAG', { ident: 'services', host: 'services.test' })] });
    let r = feed(e, 'svc', `:00B SVSNICK alice Guest1 ${BIG}`);
    const a = e.net.user('001UI2J0L')!;
    assert.equal(a.nick, 'Guest1');
    assert.equal(big(a.ts), 9007199254740993n);
    assert.deepEqual(r.to('leaf'), [`:001UI2J0L NICK Guest1 :${BIG}`]);
    r = feed(e, 'svc', `:00B SVSNICK Guest1 Guest2 ${D400}`);
    assert.equal(big(a.ts), MAX);
    assert.deepEqual(r.to('leaf'), [':001UI2J0L NICK Guest2 :9223372036854775807']);
    r = feed(e, 'svc', ':00B SVSNICK Guest2 Guest3 abc');
    assert.equal(a.ts, 0);
    assert.deepEqual(r.to('leaf'), [':001UI2J0L NICK Guest3 :0']);
    const b = burstLines(e);
    assert.ok(b.some((l) => l.startsWith(':001 UID Guest3 0 0 ')), b.join('\n'));
  });
});

// ---------------------------------------------------------------- channel MODE, TOPIC, MLOCK

describe('TS fields: MODE from a server (mode.c cmd_mode(), _do_mode())', () => {
  it('a negative or out-of-range TS from a non-U-lined server is above ours as unsigned: the MODE is ignored', () => {
    const e = setup();
    for (const ts of ['-5', '-1', '-' + D400, D400, LONG_MAX_PLUS_1, BIG]) {
      const r = feed(e, 'leaf', `:0AA MODE #c +m ${ts}`);
      assert.equal(e.net.channel('#c')!.modes.has('m'), false, ts.slice(0, 20));
      assert.deepEqual(r.to('leaf2'), [], ts.slice(0, 20));
    }
  });

  it("'+', white space and garbage around an older TS: read as atol does, the TS lowered, relayed with the number", () => {
    const e = setup();
    let r = feed(e, 'leaf', `:0AA MODE #c +m +${TC - 10}`);
    const ch = e.net.channel('#c')!;
    assert.equal(ch.ts, TC - 10);
    assert.equal(ch.modes.has('m'), true);
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +m ${TC - 10}`]);
    r = feed(e, 'leaf', `:0AA MODE #c +i ${TC - 20}z`);
    assert.equal(ch.ts, TC - 20);
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +i ${TC - 20}`]);
    // A last param that atol() reads as a number is a TS even when it was meant as a parameter.
    r = feed(e, 'leaf', ':0AA MODE #c +b 5*!*@x.example');
    assert.equal(ch.lists.b.size, 0);
    assert.deepEqual(r.to('leaf2'), []);
    // The mode string itself is the last param when there is no other: "MODE #c <older TS>" lowers the TS.
    r = feed(e, 'leaf', `:0AA MODE #c ${TC - 30}`);
    assert.equal(ch.ts, TC - 30);
    assert.deepEqual(r.to('leaf2'), [`:001 MODE #c + ${TC - 30}`]);
  });

  it('a U-lined server: a negative TS is taken off and relayed as it is; -1 stays a parameter', () => {
    const e = setup({ ulines: ['services.test'] });
    linkLeaf(e, { id: 'svc', name: 'services.test', sid: '00B' });
    let r = feed(e, 'svc', ':00B MODE #c +m -5');
    const ch = e.net.channel('#c')!;
    assert.equal(ch.modes.has('m'), true);
    assert.equal(ch.ts, TC);
    assert.deepEqual(r.to('leaf'), [':00B MODE #c +m -5']);
    assert.deepEqual(r.to('svc'), []);
    r = feed(e, 'svc', ':00B MODE #c +k -1');
    assert.equal(ch.modes.get('k'), '-1');
    assert.deepEqual(r.to('leaf'), [`:00B MODE #c +k -1 ${TC}`]);
    // Above ours (2^53+1): applied, our TS announced back and relayed.
    r = feed(e, 'svc', `:00B MODE #c +s ${BIG}`);
    assert.equal(ch.modes.has('s'), true);
    assert.deepEqual(r.to('svc'), [`:hub.test MODE #c + ${TC}`]);
    assert.deepEqual(r.to('leaf'), [`:00B MODE #c +s ${TC}`]);
  });

  it('a channel at INT64_MAX: an exact 2^53+1 lowers it and is relayed exactly', () => {
    const e = setup();
    feed(e, 'leaf', `:0AA SJOIN ${D400} #huge :0AAAAAAA1`);
    const r = feed(e, 'leaf', `:0AA MODE #huge +n ${BIG}`, ':0AA MODE #huge +n 9007199254740992');
    const ch = e.net.channel('#huge')!;
    assert.equal(big(ch.ts), 9007199254740992n);
    assert.deepEqual(r.to('leaf2'), [`:0AA MODE #huge +n ${BIG}`, ':001 MODE #huge + 9007199254740992']);
  });
});

describe('TS fields: TOPIC set-at (topic.c)', () => {
  it('exact, clamped and negative set-at stored, compared exactly, relayed and bursted', () => {
    const e = setup();
    let r = feed(e, 'leaf', `TOPIC #c a!a@a ${BIG} :big`);
    const ch = e.net.channel('#c')!;
    assert.equal(big(ch.topic!.ts), 9007199254740993n);
    assert.deepEqual(r.to('leaf2'), [`:0AA TOPIC #c a!a@a ${BIG} :big`]);
    // 2^53 is older than 2^53+1: ignored.
    r = feed(e, 'leaf', 'TOPIC #c b!b@b 9007199254740992 :older');
    assert.equal(ch.topic!.text, 'big');
    assert.deepEqual(r.to('leaf2'), []);
    r = feed(e, 'leaf', `TOPIC #c c!c@c ${D400} :huge`);
    assert.equal(big(ch.topic!.ts), MAX);
    assert.deepEqual(r.to('leaf2'), [':0AA TOPIC #c c!c@c 9223372036854775807 :huge']);
    assert.ok(burstLines(e).includes('TOPIC #c c!c@c 9223372036854775807 :huge'));
    // Negative: a set-at like any other (no topic yet on #d).
    feed(e, 'leaf', ':0AA SJOIN 1795305000 #d :0AAAAAAA1');
    r = feed(e, 'leaf', `TOPIC #d n!n@n -${D400} :negative`);
    assert.equal(big(e.net.channel('#d')!.topic!.ts), MIN);
    assert.deepEqual(r.to('leaf2'), [':0AA TOPIC #d n!n@n -9223372036854775808 :negative']);
  });
});

describe('TS fields: MLOCK (mode.c cmd_mlock())', () => {
  it('a TS without digits is 0 (not above ours: applied); the relay carries our TS; above ours is dropped', () => {
    const e = setup();
    linkLeaf(e, { id: 'ml', name: 'ml.test', sid: '0AC', caps: 'NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS MLOCK' });
    const ch = e.net.channel('#c')!;
    let r = feed(e, 'leaf', ':0AA MLOCK abc #c :nt');
    assert.equal(ch.mlock, 'nt');
    assert.deepEqual(r.to('ml'), [`:0AA MLOCK ${TC} #c :nt`]);
    r = feed(e, 'leaf', `:0AA MLOCK ${TC - 100}x #c :ntm`);
    assert.equal(ch.mlock, 'ntm');
    assert.deepEqual(r.to('ml'), [`:0AA MLOCK ${TC} #c :ntm`]);
    for (const ts of [D400, BIG, String(TC + 1)]) {
      r = feed(e, 'leaf', `:0AA MLOCK ${ts} #c :s`);
      assert.equal(ch.mlock, 'ntm', ts.slice(0, 20));
      assert.deepEqual(r.to('ml'), []);
    }
    // A channel at 2^53+1: a float would see 9007199254740994 as equal and apply it.
    feed(e, 'leaf', `:0AA SJOIN ${BIG} #big :0AAAAAAA1`);
    feed(e, 'leaf', ':0AA MLOCK 9007199254740994 #big :n');
    assert.equal(e.net.channel('#big')!.mlock, null);
    r = feed(e, 'leaf', `:0AA MLOCK ${BIG} #big :n`);
    assert.deepEqual(r.to('ml'), [`:0AA MLOCK ${BIG} #big :n`]);
    assert.ok(burstLines(e).includes(`:001 MLOCK ${BIG} #big :n`));
  });
});

// ---------------------------------------------------------------- TKL

describe('TS fields: TKL set-at / expire-at (tkl.c cmd_tkl_add())', () => {
  const gline = (exp: string, set: string) => ['+', 'G', '*', '192.0.2.1', 'oper!o@h', exp, set, 'reason'];
  it('accepted from 0 to the last second gmtime() can write, exact beyond 2^53, as atol() reads them; refused when negative or past it', () => {
    const ok: [string, bigint][] = [
      [BIG, 9007199254740993n], ['67768036191676799', 67768036191676799n], ['10000000000', 10000000000n],
      ['+1795305735', 1795305735n], ['\t1795305735', 1795305735n], ['1795305735x', 1795305735n], ['abc', 0n], ['-0', 0n],
    ];
    for (const [s, want] of ok) {
      const p = parseTkl(gline(s, '1795305000'));
      assert.equal(p.op, '+', s);
      assert.equal(p.op === '+' && big(p.entry.expireAt), want, s);
      const q = parseTkl(gline('0', s));
      assert.equal(q.op === '+' && big(q.entry.setAt), want, s);
    }
    for (const bad of ['-1', '67768036191676800', LONG_MAX_PLUS_1, D400, '-' + D400]) {
      assert.deepEqual(parseTkl(gline(bad, '1795305000')), { op: 'ignore', why: 'bad TKL time' }, bad.slice(0, 20));
      assert.deepEqual(parseTkl(gline('0', bad)), { op: 'ignore', why: 'bad TKL time' }, bad.slice(0, 20));
    }
  });

  it('stored, merged (longest expiry, oldest set-at) and relayed, bursted, dumped and digested exactly', () => {
    const e = setup();
    const key = ['G', '*', '192.0.2.9'].join('\x00');
    let r = feed(e, 'leaf', `:0AA TKL + G * 192.0.2.9 a!a@a ${BIG} 9007199254740995 :r`);
    assert.deepEqual(r.to('leaf2'), [`:leaf.test TKL + G * 192.0.2.9 a!a@a ${BIG} 9007199254740995 :r`]);
    // Longer expiry (by one second past 2^53) and an older set-at (by one): both merge.
    r = feed(e, 'leaf2', ':0AB TKL + G * 192.0.2.9 a!a@a 9007199254740994 9007199254740994 :r');
    const t = e.tkl.get(key)!;
    assert.equal(big(t.expireAt), 9007199254740994n);
    assert.equal(big(t.setAt), 9007199254740994n);
    assert.deepEqual(r.to('leaf'), [':leaf2.test TKL + G * 192.0.2.9 a!a@a 9007199254740994 9007199254740994 :r']);
    r = feed(e, 'leaf', ':0AA TKL + G * 192.0.2.10 a!a@a abc +1795305000 :permanent');
    assert.deepEqual(r.to('leaf2'), [':leaf.test TKL + G * 192.0.2.10 a!a@a 0 1795305000 :permanent']);
    assert.ok(burstLines(e).includes(':hub.test TKL + G * 192.0.2.9 a!a@a 9007199254740994 9007199254740994 :r'));
    const dump = buildStateDump(e.net, e.tkl, e.now());
    const ban = dump.server_bans.find((b) => b.name === '*@192.0.2.9')!;
    assert.equal(ban.expire_at, '9007199254740994');
    assert.equal(ban.set_at, '9007199254740994');
    assert.match(JSON.stringify(canonicalState(e.net, e.tkl)), /9007199254740994/);
  });
});

// ---------------------------------------------------------------- digest, dump, a second node

describe('TS fields: digest, state dump and a tslink peer see the exact values', () => {
  it('2^53 and 2^53+1 give different digests; the dump shows the digits; nothing is Infinity or null', () => {
    const mk = (ts: string) => {
      const e = setup();
      feed(e, 'leaf', `:0AA SJOIN ${ts} #x :0AAAAAAA1`);
      return e;
    };
    const a = mk('9007199254740992'), b = mk(BIG);
    assert.notEqual(stateDigest(a.net, a.tkl), stateDigest(b.net, b.tkl));
    const e = setup();
    feed(e, 'leaf', `:0AA SJOIN ${D400} #x :<${D400},s!s@s>&m!*@m.example 0AAAAAAA1`, uidLine('0AA', 'huge', D400, '0AAAAAAD1'), `TOPIC #x t!t@t -${D400} :t`);
    const text = formatStateDump(buildStateDump(e.net, e.tkl, e.now()));
    const ch = buildStateDump(e.net, e.tkl, e.now()).channels.find((c) => c.name === '#x')!;
    assert.equal(ch.creation_time, '9223372036854775807');
    assert.equal(ch.topic_set_at, '-9223372036854775808');
    assert.deepEqual((ch.bans as { set_at: unknown }[]).map((x) => x.set_at), ['9223372036854775807']);
    const user = buildStateDump(e.net, e.tkl, e.now()).users.find((u) => u.name === 'huge')!;
    assert.equal((user.tslink as { nick_ts: unknown }).nick_ts, '9223372036854775807');
    assert.doesNotMatch(text, /Infinity|null,?\s*\n\s*"topic_set_by"/);
    assert.doesNotMatch(JSON.stringify(canonicalState(e.net, e.tkl)), /null,\[\[/);
  });

  it('SINFO boot time in the dump is atol() of the field, exact (sinfo.c)', () => {
    const e = setup();
    feed(e, 'leaf', ':0AA SID sub.test 2 0AD :sub', `:0AD SINFO ${BIG} 6100 * * * :x`, ':0AA SID sub2.test 2 0AE :sub2', ':0AE SINFO 1795305000x 6100 * * * :y');
    const servers = buildStateDump(e.net, e.tkl, e.now()).servers;
    const boot = (name: string) => (servers.find((x) => x.name === name)!.server as { boot_time: unknown }).boot_time;
    assert.equal(boot('sub.test'), '9007199254740993');
    assert.equal(boot('sub2.test'), 1795305000);
  });

  it('a tslink node linked to ours ends with the same state (same digest) from the exact burst', () => {
    const a = new Engine({ me: { sid: '001', name: 'hub.test', info: 'a' }, now: () => 1795400000, authorize: () => ({ ok: true, hub: '*' }) });
    const b = new Engine({ me: { sid: '002', name: 'b.test', info: 'b' }, now: () => 1795400000, authorize: () => ({ ok: true, hub: '*' }) });
    a.local(uidLine('001', 'huge', D400, '001AAAAAA'));
    a.local(uidLine('001', 'big', BIG, '001AAAAAB'));
    a.local(`:001 SJOIN ${BIG} #x +nt :<${D400},s!s@s>&m!*@m.example <-${BIG},t!t@t>&n!*@n.example @001AAAAAA 001AAAAAB`);
    a.local(`TOPIC #x t!t@t ${BIG} :t`);
    a.local(`:001 MLOCK ${BIG} #x :nt`);
    a.local(`:hub.test TKL + G * 192.0.2.9 a!a@a ${BIG} 9007199254740995 :r`);
    a.drain();
    const w = connect(a, b, 'toB', 'toA');
    pump([a, b], [w]);
    assert.equal(big(b.net.channel('#x')!.ts), 9007199254740993n);
    assert.equal(big(b.net.user('001AAAAAA')!.ts), MAX);
    assert.equal(big(b.net.channel('#x')!.lists.b.get('n!*@n.example')!.setAt), -9007199254740993n);
    assert.equal(b.net.channel('#x')!.mlock, 'nt');
    assert.equal(stateDigest(a.net, a.tkl), stateDigest(b.net, b.tkl));
  });
});
