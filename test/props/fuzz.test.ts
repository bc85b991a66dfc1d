// Fuzzing: arbitrary bytes and mutated capture lines fed to a linked engine never make it throw
// or log ENGINE_EXCEPTION, never put CR/LF/NUL into an outgoing line, and leave the state
// invariants intact after every line.
//
// The engine under test plays the capture's leaf (leaf.test / 0AA) linked to hub.test / 001, as
// in fixtures/unreal6/burst-and-live.txt: '<' lines are what the hub sends it (fed with
// receive()), '>' lines are its own (fed with local()). A second peer, other.test / 0BB, is
// linked too so relaying code runs.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Engine } from '../../src/s2s/engine.ts';
import { checkInvariants } from '../../src/state/digest.ts';
import { parseLine, splitTagsAndBody } from '../../src/wire/message.ts';
import { BIGLINES_MAX } from '../../src/wire/limits.ts';
import { COMMANDS } from '../../src/s2s/commandTable.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const FIXTURE = new URL('../../fixtures/unreal6/burst-and-live.txt', import.meta.url);

interface Row { dir: '<' | '>'; line: string }
const ROWS: Row[] = readFileSync(FIXTURE).toString('latin1').split('\n').flatMap((r) => {
  const m = /^\+\d+ ([<>]) ?(.*)$/.exec(r.replace(/\r$/, ''));
  return m ? [{ dir: m[1] as '<' | '>', line: m[2] }] : [];
});
const EOS_AT = ROWS.findIndex((r) => r.dir === '>' && r.line === ':0AA EOS');
const SETUP = ROWS.slice(0, EOS_AT + 1);
const LIVE = ROWS.slice(EOS_AT + 1).filter((r) => !/SQUIT leaf\.test/.test(r.line));
const TS = 1795305738;
const TOKENS = [...new Set(ROWS.flatMap((r) => r.line.split(' ')).filter((t) => t.length && t.length < 40))];
const COMMAND_NAMES = [...COMMANDS.keys(), '461', '401', 'FOOBAR'];

function linkedEngine(): Engine {
  let t = TS;
  const e = new Engine({ me: { sid: '0AA', name: 'leaf.test', info: 'Fake leaf' }, now: () => t, authorize: () => ({ ok: true, hub: '*' }), localCaps: ['NOQUIT', 'SJSBY', 'MTAGS', 'NEXTBANS', 'EXTSWHOIS', 'BIGLINES', 'MLOCK', 'VL'] });
  e.linkUp('hub', 'out', '127.0.0.1');
  for (const r of SETUP) {
    if (r.dir === '<') e.receive('hub', r.line);
    else if (!/^(PASS|PROTOCTL|SERVER) /.test(r.line)) e.local(r.line);
  }
  e.linkUp('other', 'in', '127.0.0.2');
  for (const l of ['PASS :x', 'PROTOCTL EAUTH=other.test,6100,x,Other-1.0 SID=0BB', 'PROTOCTL NOQUIT SJSBY MTAGS VHP EXTSWHOIS', `PROTOCTL TS=${TS}`, 'SERVER other.test 1 :Other',
    ':0BB UID otto 0 1795305700 otto o.example 0BBAAAAA1 0 +i * * fwAAAQ== :Otto', ':0BB SJOIN 1795305735 #lobby :@0BBAAAAA1', ':0BB EOS']) e.receive('other', l);
  t += 5;
  const setupProblems = e.drain().filter((x) => x.kind === 'close' || (x.kind === 'log' && x.event === 'ENGINE_EXCEPTION'));
  assert.deepEqual(setupProblems, []);
  assert.equal(e.links.get('hub')?.phase, 'linked');
  assert.equal(e.links.get('other')?.phase, 'linked');
  return e;
}

/** Check one step: no engine exception, clean outgoing lines, invariants. */
function check(e: Engine, what: string): void {
  for (const ef of e.drain()) {
    if (ef.kind === 'log' && ef.event === 'ENGINE_EXCEPTION') throw new Error(`ENGINE_EXCEPTION after ${JSON.stringify(what)}: ${ef.msg}`);
    if (ef.kind === 'send') assertOneLine(ef.line, what);
  }
  const bad = checkInvariants(e.net);
  if (bad.length) throw new Error(`invariants violated after ${JSON.stringify(what)}:\n${bad.join('\n')}`);
}

/** An outgoing line is one well-formed line: no CR/LF/NUL, a command, within the length limit. */
function assertOneLine(line: string, what: string): void {
  assert.ok(!/[\r\n\0]/.test(line), `CR/LF/NUL in an outgoing line after ${JSON.stringify(what)}: ${JSON.stringify(line)}`);
  assert.ok(splitTagsAndBody(line).body.length <= BIGLINES_MAX, `oversized line after ${JSON.stringify(what)}`);
  const m = parseLine(line);
  assert.ok(m && /^([A-Z][A-Z0-9]*|\d{3})$/.test(m.command), `not a well-formed line after ${JSON.stringify(what)}: ${JSON.stringify(line)}`);
}

/** A new server links to `e` (after whatever happened to it) and gets the burst; every line is checked. */
function lateLink(e: Engine, what: string): void {
  e.linkUp('late', 'in', '127.0.0.3');
  for (const l of ['PASS :x', 'PROTOCTL EAUTH=late.test,6100,x,Late-1.0 SID=0LL', 'PROTOCTL NOQUIT SJSBY MTAGS VHP EXTSWHOIS BIGLINES MLOCK', `PROTOCTL TS=${TS + 5}`, 'SERVER late.test 1 :Late']) e.receive('late', l);
  check(e, `${what}, then a late link's burst`);
}

// ---------------------------------------------------------------- mutations

const byteChar = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
const byteString = (maxLength: number) => fc.string({ unit: byteChar, maxLength });
const EXTREMES = ['0', '-1', '1000000', '1000001', '99999999999999999999', '1e309', 'NaN', '-0', '4294967296', '', ':', '*', '+', '-', '@', '&', '#', '<', '>', '<1,>', '<,x>&', '~', '!', '%'];

/** Tag sections whose values unescape to line breaks (a peer trying to smuggle lines into ours). */
const INJECTING_TAGS = ['s2s-md/certfp=a\\r\\n:0AA\\sKILL\\s001GXG705\\s:x', 's2s-md/operlogin=\\n:001\\sSID\\sfake.test\\s2\\s0FK\\s:x;s2s-md/x=\\r', 'msgid=a\\r\\nQUIT'];

type Mutation = { row: number; kind: number; i: number; j: number; junk: string; n: number };
const mutationGen: fc.Arbitrary<Mutation> = fc.record({ row: fc.nat(), kind: fc.nat(10), i: fc.nat(), j: fc.nat(), junk: byteString(12), n: fc.nat(40) });

function mutate(line: string, m: Mutation): string {
  const toks = line.split(' ');
  const i = m.i % toks.length, j = m.j % toks.length;
  switch (m.kind) {
    case 0: toks.splice(i, 1); break; // drop a param
    case 1: toks.splice(i, 0, toks[i]); break; // duplicate one
    case 2: [toks[i], toks[j]] = [toks[j], toks[i]]; break; // swap two tokens
    case 3: { const p = m.i % (line.length + 1); return line.slice(0, p) + m.junk + line.slice(p); } // random bytes
    case 4: toks[i] = m.junk; break;
    case 5: return line.slice(0, m.i % (line.length + 1)); // truncate
    case 6: toks[i] = TOKENS[m.j % TOKENS.length]; break;
    case 7: toks[i] = EXTREMES[m.j % EXTREMES.length]; break;
    case 8: for (let k = 0; k < m.n; k++) toks.push(TOKENS[(m.j + k * 7) % TOKENS.length]); break; // many params
    case 9: toks[i] = toks[i].toLowerCase(); toks[j] = toks[j] + m.junk; break;
    default: return line;
  }
  return toks.join(' ');
}

type Op =
  | { kind: 'mutated'; m: Mutation; m2: Mutation | null; via: number }
  | { kind: 'bytes'; s: string; via: number }
  | { kind: 'uid'; tags: number; n: number; via: number }
  | { kind: 'command'; tags: string | null; source: number; cmd: number; params: string[]; via: number };

const opGen: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('mutated' as const), m: mutationGen, m2: fc.option(mutationGen, { nil: null }), via: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), s: byteString(300), via: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('uid' as const), tags: fc.nat(), n: fc.nat(999), via: fc.nat(9) }) },
  { weight: 3, arbitrary: fc.record({
    kind: fc.constant('command' as const),
    tags: fc.option(fc.oneof(byteString(30), fc.constantFrom(...INJECTING_TAGS)), { nil: null }),
    source: fc.nat(),
    cmd: fc.nat(),
    params: fc.array(fc.oneof(byteString(20), fc.constantFrom(...EXTREMES), fc.constantFrom(...TOKENS)), { maxLength: 16 }),
    via: fc.nat(9),
  }) },
);

/** Feed one op: via 0-5 the hub link, 6-7 the second peer, 8-9 local origin. */
function apply(e: Engine, op: Op): string {
  let line: string;
  let dir: '<' | '>';
  if (op.kind === 'mutated') {
    const r = LIVE.concat(SETUP)[op.m.row % (LIVE.length + SETUP.length)];
    line = mutate(r.line, op.m);
    if (op.m2) line = mutate(line, op.m2);
    dir = r.dir;
  } else if (op.kind === 'uid') {
    // A new user from the hub (or the second peer) whose s2s-md tags try to smuggle in lines.
    const sid = op.via >= 6 && op.via < 8 ? '0BB' : '001';
    line = `@${INJECTING_TAGS[op.tags % INJECTING_TAGS.length]} :${sid} UID fz${op.n} 0 ${TS - 10} fz h.example ${sid}FZ${String(op.n).padStart(4, '0')} 0 +i * * fwAAAQ== :fuzz`;
    dir = '<';
  } else if (op.kind === 'bytes') {
    line = op.s;
    dir = '<';
  } else {
    const sources = [undefined, '001', '0AA', '0BB', '001GXG705', '0AAAAAAA1', '0BBAAAAA1', 'hub.test', 'orla|away', 'nobody', '0ZZ'];
    const src = sources[op.source % sources.length];
    line = `${op.tags !== null ? '@' + op.tags + ' ' : ''}${src ? ':' + src + ' ' : ''}${COMMAND_NAMES[op.cmd % COMMAND_NAMES.length]}${op.params.length ? ' ' + op.params.join(' ') : ''}`;
    dir = '<';
  }
  if (op.via >= 8 || (op.kind === 'mutated' && dir === '>' && op.via >= 4)) e.local(line);
  else if (op.via >= 6) e.receive('other', line);
  else e.receive('hub', line);
  return line;
}

describe('fuzz', () => {
  it('mutated capture lines, arbitrary bytes and random commands never throw, never emit ENGINE_EXCEPTION, keep the invariants', () => {
    fc.assert(fc.property(fc.array(opGen, { minLength: 1, maxLength: 60, size: 'max' }), (ops) => {
      const e = linkedEngine();
      for (const op of ops) {
        let line = '';
        assert.doesNotThrow(() => { line = apply(e, op); });
        check(e, line);
      }
      // After the abuse, live traffic still works if the links survived.
      e.tick();
      check(e, 'tick');
      // And whatever the peers stored is bursted to a server that links now as single lines.
      lateLink(e, 'the ops');
    }), { numRuns: RUNS, includeErrorInReport: true });
  });

  it('the handshake phase: arbitrary PASS/PROTOCTL/SERVER lines on a new link never throw and every answer is one line', () => {
    const word = fc.oneof(byteString(12), fc.constantFrom(...EXTREMES, ...TOKENS));
    const token = fc.oneof(
      fc.constantFrom('EAUTH', 'eauth', 'SID', 'SERVERS', 'TS', 'CHANMODES', 'USERMODES', 'NICKCHARS', 'CHANNELCHARS', 'BOOTED', 'MTAGS', 'BIGLINES', 'TSLINK-HMAC', 'TSLINK-NONCE', 'TSLINK-PROOF', 'VL', 'NOQUIT')
        .chain((k) => fc.option(word, { nil: undefined }).map((v) => (v === undefined ? k : `${k}=${v}`))),
      word,
    );
    const hsLine = fc.oneof(
      fc.record({ tags: fc.option(fc.constantFrom('s2s-md/x=a\\r\\nKILL', 'a=b', '', '@'), { nil: null }), cmd: fc.constantFrom('PASS', 'PROTOCTL', 'SERVER', 'pass', 'ERROR', 'SID', 'UID', 'SQUIT'), params: fc.array(fc.oneof(word, token), { maxLength: 8 }), colon: fc.boolean() })
        .map(({ tags, cmd, params, colon }) => `${tags !== null ? '@' + tags + ' ' : ''}${cmd}${params.length ? ' ' + params.slice(0, -1).join(' ') + (params.length > 1 ? ' ' : '') + (colon ? ':' : '') + params[params.length - 1] : ''}`),
      byteString(200),
    );
    fc.assert(fc.property(fc.array(hsLine, { maxLength: 25 }), fc.boolean(), fc.boolean(), (lines, okAuth, out) => {
      let t = TS;
      const e = new Engine({ me: { sid: '001', name: 'hub.test', info: 'Hub' }, now: () => t, authorize: () => (okAuth ? { ok: true, hub: '*' } : { ok: false, reason: 'no' }), onPeerToken: (_l, k) => (k === 'TSLINK-PROOF' ? { error: 'bad proof' } : { send: ['PROTOCTL TSLINK-NONCE=abc'] }) });
      e.linkUp('p', out ? 'out' : 'in', '127.0.0.1');
      check(e, 'linkUp');
      for (const l of lines) { t++; e.receive('p', l); check(e, l); }
      // A well-behaved peer may still link afterwards (if the junk left the link open) and get its burst.
      for (const l of ['PASS :x', 'PROTOCTL EAUTH=peer.test,6100,x,x SID=0PP', 'SERVER peer.test 1 :Peer']) { e.receive('p', l); check(e, l); }
      lateLink(e, 'a fuzzed handshake');
    }), { numRuns: RUNS, includeErrorInReport: true });
  });

  it('every single fixture line, mutated each way, is safe on its own', () => {
    const e = linkedEngine();
    for (let row = 0; row < ROWS.length; row++) {
      for (let kind = 0; kind < 10; kind++) {
        for (const i of [0, 1, 2, 3, 5, 8]) {
          const m: Mutation = { row, kind, i, j: i * 3 + kind, junk: '\u00ff\u0000x\r:', n: 35 };
          const line = mutate(ROWS[row].line, m);
          if (ROWS[row].dir === '<') e.receive('hub', line); else e.local(line);
          check(e, line);
        }
      }
    }
  });
});
