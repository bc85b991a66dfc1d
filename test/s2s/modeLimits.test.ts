// MODE lines and UnrealIRCd's MAXMODEPARAMS (12; include/channel.h, MAXPARA_USER - 3):
//  - in: a MODE takes at most 12 changes with a parameter, from servers and users alike (mode.c
//    do_mode_char_list_mode() / do_extmode_char() stop once set_mode()'s pvar[] is full); the rest
//    are dropped as UnrealIRCd drops them, and tslink logs MODE_PARAMS_OVER_LIMIT (rate-limited);
//    a user's line has at most 15 params, the last holding the rest (parse.c MAXPARA_USER);
//  - out: every MODE tslink sends (relayed, SVSMODE's removals, a long one split for a peer) goes
//    through modeLines(): the changes in order, each with its parameter, at most 12 parameters and
//    the peer's line limit (510 bytes without BIGLINES) a line, the TS on each line of a server.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Engine } from '../../src/s2s/engine.ts';
import type { Effect } from '../../src/s2s/effects.ts';
import { ChanModeGroups, DEFAULT_CHANMODES } from '../../src/s2s/chanmodes.ts';
import { modeLines } from '../../src/s2s/modeLines.ts';
import type { ModeChange } from '../../src/s2s/channelModes.ts';
import { stateDigest } from '../../src/state/digest.ts';
import { splitTagsAndBody } from '../../src/wire/message.ts';
import { connect, feed, hub, linkLeaf, logs, pump, uid, LEAF_CAPS, T0, TEST_TIMEOUT } from './harness.ts';

const TC = 1795305735;
const BIG = `${LEAF_CAPS} BIGLINES`;
const NOW = 1795305800;
const groups = new ChanModeGroups(DEFAULT_CHANMODES);

/** A ban mask in UnrealIRCd's normal form, about `len` bytes long (its host within HOSTLEN, 63). */
function ban(i: number, len = 8): string {
  const host = `h${i}-${'y'.repeat(Math.max(0, Math.min(48, len - 17)))}.example`;
  return `*!*@${host}`;
}

/** A MODE line read back into its changes (the TS taken off a server's line), with the line's parameter count. */
function reparse(line: string, server: boolean): { changes: ModeChange[]; params: number } {
  const f = line.split(' ');
  if (server) f.pop();
  const ps = f.slice(4);
  const changes: ModeChange[] = [];
  let dir: '+' | '-' = '+', k = 0;
  for (const ch of f[3]) {
    if (ch === '+' || ch === '-') { dir = ch; continue; }
    if (groups.takesParam(ch, dir === '+')) changes.push({ dir, mode: ch, param: ps[k++] });
    else changes.push({ dir, mode: ch });
  }
  assert.equal(k, ps.length, `params consumed exactly: ${line}`);
  return { changes, params: ps.length };
}

/** Lines sent on `link` among effects (bodies, tags off). */
function sentOn(effects: Effect[], link: string): string[] {
  return effects.flatMap((x) => (x.kind === 'send' && x.link === link ? [splitTagsAndBody(x.line).body] : []));
}

/**
 * Hub A (tslink, 001) with scripted BIGLINES leaves 0AA ("big", user 0AAU00000 on #c) and 0AB ("big2"), and a second
 * tslink engine B (002) linked without BIGLINES; both synced.
 */
function twoNodes(): { a: ReturnType<typeof hub>; b: Engine; deliver(effects: Effect[]): void } {
  const a = hub();
  linkLeaf(a, { id: 'big', caps: BIG, burst: [uid('0AA', 'm0', T0, '0AAU00000'), `:0AA SJOIN ${TC} #c +nt :@0AAU00000`] });
  linkLeaf(a, { id: 'big2', name: 'big2.test', sid: '0AB', caps: BIG });
  const caps = ['MTAGS', 'SJSBY', 'NEXTBANS', 'VHP', 'EXTSWHOIS', 'MLOCK', 'VL'];
  const b = new Engine({ me: { sid: '002', name: 'b.test', info: 'b' }, now: () => NOW, authorize: () => ({ ok: true, hub: '*' }), localCaps: caps });
  const w = connect(a, b, 'toB', 'toA');
  pump([a, b], [w]);
  assert.equal(a.links.get('toB')!.phase, 'linked', 'A and B linked');
  assert.equal(a.links.get('toB')!.has('BIGLINES'), false, 'no BIGLINES between A and B');
  assert.equal(a.links.get('big')!.has('BIGLINES'), true, 'the leaf has BIGLINES');
  return {
    a, b,
    deliver(effects) {
      for (const l of effects.flatMap((x) => (x.kind === 'send' && x.link === 'toB' ? [x.line] : []))) b.receive('toA', l);
      pump([a, b], [w]);
    },
  };
}

describe('MODE and MAXMODEPARAMS', { timeout: TEST_TIMEOUT }, () => {
  it('a MODE of 20 +b from a BIGLINES peer reaches a peer without BIGLINES as MODE lines of at most 510 bytes and 12 params, and a second tslink engine applying them holds the same state', () => {
    const { a, b, deliver } = twoNodes();
    const bans = Array.from({ length: 20 }, (_, i) => ban(i, 100));
    a.receive('big', `:0AA MODE #c +${'b'.repeat(20)} ${bans.join(' ')} ${TC}`);
    const effects = a.drain();
    const kept = bans.slice(0, 12);
    assert.deepEqual([...a.net.channel('#c')!.lists.b.keys()], kept, 'A takes the first 12, as UnrealIRCd does');
    const toB = sentOn(effects, 'toB');
    assert.ok(toB.length >= 2, `split into ${toB.length} lines`);
    const got: ModeChange[] = [];
    for (const l of toB) {
      assert.ok(l.length <= 510, `${l.length} bytes: ${l}`);
      assert.ok(l.startsWith(':0AA MODE #c +b'), l);
      assert.ok(l.endsWith(` ${TC}`), `the TS on each line: ${l}`);
      const r = reparse(l, true);
      assert.ok(r.params <= 12, `${r.params} params`);
      got.push(...r.changes);
    }
    assert.deepEqual(got, kept.map((p) => ({ dir: '+', mode: 'b', param: p })), 'every change A took, once, in order');
    const toBig2 = sentOn(effects, 'big2');
    assert.equal(toBig2.length, 1, 'the BIGLINES peer gets one line');
    assert.equal(reparse(toBig2[0], true).params, 12, 'with 12 params');
    deliver(effects);
    assert.deepEqual([...b.net.channel('#c')!.lists.b.keys()], kept, 'B holds the same bans');
    assert.equal(stateDigest(b.net, b.tkl), stateDigest(a.net, a.tkl), 'same network state on A and B');
    assert.equal(logs(effects, 'MODE_PARAMS_OVER_LIMIT').length, 1, 'the 8 dropped changes are logged');
    assert.match(logs(effects, 'MODE_PARAMS_OVER_LIMIT')[0].msg, /8 change\(s\) with a parameter after the first 12/);
    assert.deepEqual(logs(effects).filter((l) => l.event.startsWith('LINE_')), [], 'nothing cut or left out on the way');
  });

  it('a MODE takes at most 12 changes with a parameter that take effect, from a server and from a user: later ones are dropped and logged, ones without a parameter still count, ones that changed nothing do not use up the 12', () => {
    const e = hub();
    linkLeaf(e, { id: 'big', caps: BIG, burst: [uid('0AA', 'm0', T0, '0AAU00000'), `:0AA SJOIN ${TC} #c +ntl 5 :@0AAU00000`, `:0AA SJOIN ${TC} #u +nt :@0AAU00000`] });
    linkLeaf(e, { id: 'peer', name: 'peer.test', sid: '0AB', caps: BIG });
    // From a server: b0 twice (the second changes nothing), b1..b11 (12 in all), then b12 and +k
    // (dropped), then +m +i -t -l, which take no parameter and still count.
    const bs = Array.from({ length: 13 }, (_, i) => ban(i));
    const r = feed(e, 'big', `:0AA MODE #c +bbbbbbbbbbbbbbkmi-tl ${[bs[0], ...bs].join(' ')} key ${TC}`);
    const ch = e.net.channel('#c')!;
    assert.deepEqual([...ch.lists.b.keys()], bs.slice(0, 12), 'the first 12 bans that took effect');
    assert.equal(ch.modes.has('k'), false, '+k after the 12th is dropped');
    assert.deepEqual([...ch.modes.keys()].sort(), ['i', 'm', 'n'], '+m +i -t -l after the limit still apply');
    assert.deepEqual(r.to('peer'), [`:0AA MODE #c +bbbbbbbbbbbbmi-tl ${bs.slice(0, 12).join(' ')} ${TC}`], 'only what took effect is relayed');
    const over = logs(r.effects, 'MODE_PARAMS_OVER_LIMIT');
    assert.equal(over.length, 1, 'logged');
    assert.match(over[0].msg, /MODE for #c from leaf\.test: 2 change\(s\)/);
    // From a user: 14 new bans, 12 are set.
    const us = Array.from({ length: 14 }, (_, i) => ban(100 + i));
    const r2 = feed(e, 'big', `:0AAU00000 MODE #u +${'b'.repeat(14)} ${us.join(' ')}`);
    assert.deepEqual([...e.net.channel('#u')!.lists.b.keys()], us.slice(0, 12), 'a user MODE: the first 12 too');
    assert.deepEqual(r2.to('peer'), [`:0AAU00000 MODE #u +${'b'.repeat(12)} ${us.slice(0, 12).join(' ')}`], 'relayed without the dropped ones');
    assert.equal(logs(r2.effects, 'MODE_PARAMS_OVER_LIMIT').length, 0, 'the second one on the link is counted, not logged at once');
    assert.equal(e.links.get('big')!.limitedCount('MODE_PARAMS_OVER_LIMIT'), 2, 'counted on the link');
  });

  it("a user's MODE has at most 15 params, the last holding the rest of the line (parse.c MAXPARA_USER): a server's has up to 30", () => {
    const e = hub();
    linkLeaf(e, { id: 'big', caps: BIG, burst: [uid('0AA', 'm0', T0, '0AAU00000'), `:0AA SJOIN ${TC} #u +nt :@0AAU00000`, `:0AA SJOIN ${TC} #s +nt :@0AAU00000`] });
    const bs = Array.from({ length: 13 }, (_, i) => ban(200 + i));
    // b0 b0 b1 b1 b2..b12: params 3..14 are b0 b0 b1 b1 b2..b9, the 15th is "b10 b11 b12", which
    // clean_ban_mask() cuts at its space: 11 bans, where the 12 that 16 params would give.
    const list = [bs[0], bs[0], bs[1], bs[1], ...bs.slice(2)];
    feed(e, 'big', `:0AAU00000 MODE #u +${'b'.repeat(list.length)} ${list.join(' ')}`);
    assert.deepEqual([...e.net.channel('#u')!.lists.b.keys()], bs.slice(0, 11), 'from a user: 11 bans');
    feed(e, 'big', `:0AA MODE #s +${'b'.repeat(list.length)} ${list.join(' ')} ${TC}`);
    assert.deepEqual([...e.net.channel('#s')!.lists.b.keys()], bs.slice(0, 12), 'from a server: 12 bans');
  });

  it('SVSMODE removing many bans sends MODE lines of at most 12 params and 510 bytes to a peer without BIGLINES', () => {
    const { a, b, deliver } = twoNodes();
    const bans = Array.from({ length: 30 }, (_, i) => ban(300 + i, 60));
    a.receive('big', `:0AA MODE #c +${'b'.repeat(12)} ${bans.slice(0, 12).join(' ')} ${TC}`);
    a.receive('big', `:0AA MODE #c +${'b'.repeat(12)} ${bans.slice(12, 24).join(' ')} ${TC}`);
    a.receive('big', `:0AA MODE #c +${'b'.repeat(6)} ${bans.slice(24).join(' ')} ${TC}`);
    deliver(a.drain());
    assert.equal(b.net.channel('#c')!.lists.b.size, 30, 'B has the 30 bans');
    a.receive('big', ':0AA SVSMODE #c -b');
    const effects = a.drain();
    const toB = sentOn(effects, 'toB');
    const got: ModeChange[] = [];
    for (const l of toB) {
      assert.ok(l.length <= 510, `${l.length} bytes`);
      const r = reparse(l, true);
      assert.ok(r.params <= 12, `${r.params} params`);
      got.push(...r.changes);
    }
    assert.deepEqual(got.map((c) => c.param), bans, 'every removal once, in order');
    deliver(effects);
    assert.equal(b.net.channel('#c')!.lists.b.size, 0, 'B has none left');
    assert.equal(stateDigest(b.net, b.tkl), stateDigest(a.net, a.tkl), 'same state');
  });

  it('modeLines(): any change list comes out as lines that read back to the same changes in the same order, each within the byte limit and 12 params (property)', () => {
    const param = fc.string({ unit: fc.constantFrom('a', 'b', '1', '.', '*', '!', '@', '~', ':'), minLength: 1, maxLength: 200, size: 'max' })
      .map((p) => (p.charCodeAt(0) === 58 ? 'x' + p : p));
    const change: fc.Arbitrary<ModeChange> = fc.oneof(
      fc.tuple(fc.constantFrom<'+' | '-'>('+', '-'), fc.constantFrom('b', 'e', 'I', 'o', 'v', 'q', 'k', 'L'), param).map(([dir, mode, p]) => ({ dir, mode, param: p })),
      fc.tuple(fc.constant<'+'>('+'), fc.constantFrom('l', 'f', 'H'), param).map(([dir, mode, p]) => ({ dir, mode, param: p })),
      fc.tuple(fc.constantFrom<'+' | '-'>('+', '-'), fc.constantFrom('n', 't', 's', 'm', 'i')).map(([dir, mode]) => ({ dir, mode })),
      fc.constant<ModeChange>({ dir: '-', mode: 'l' }),
    );
    let split = 0;
    fc.assert(fc.property(fc.array(change, { minLength: 0, maxLength: 60, size: 'max' }), fc.boolean(), fc.constantFrom(510, 300, 120, 16381), (changes, server, max) => {
      const head = server ? ':0AA MODE #chan' : ':0AAU00000 MODE #chan';
      const tail = server ? ` ${TC}` : '';
      const r = modeLines(head, changes, tail, max);
      const got: ModeChange[] = [];
      for (const l of r.lines) {
        assert.ok(l.length <= max, `${l.length} > ${max}`);
        assert.ok(l.startsWith(head + ' '), l);
        if (server) assert.ok(l.endsWith(tail), `the TS on each line: ${l}`);
        const p = reparse(l, server);
        assert.ok(p.params <= 12, `${p.params} params`);
        assert.ok(p.changes.length > 0, 'no empty line');
        got.push(...p.changes);
      }
      if (r.lines.length > 1) split++;
      // Only a change too long for a line of its own is left out.
      const fits = (c: ModeChange) => head.length + 1 + tail.length + 1 + 1 + (c.param === undefined ? 0 : 1 + c.param.length) <= max;
      assert.deepEqual(r.dropped, changes.filter((c) => !fits(c)), 'left out: only what fits no line');
      assert.deepEqual(got, changes.filter(fits).map((c) => (c.param === undefined ? { dir: c.dir, mode: c.mode } : c)), 'same changes, same order');
      // No line could have taken the next line's first change (lines are as full as the limits allow).
      for (let i = 0; i + 1 < r.lines.length; i++) {
        const cur = reparse(r.lines[i], server), next = reparse(r.lines[i + 1], server).changes[0];
        const room = next.param === undefined || cur.params < 12;
        const newDir = cur.changes[cur.changes.length - 1].dir !== next.dir ? 1 : 0;
        const grown = r.lines[i].length + newDir + 1 + (next.param === undefined ? 0 : 1 + next.param.length);
        assert.ok(!room || grown > max, `line ${i} had room for ${next.dir}${next.mode}`);
      }
    }), { numRuns: 400 });
    assert.ok(split >= 100, `${split} of 400 runs split`);
  });

  it('random MODEs from a BIGLINES peer leave A and a second tslink engine without BIGLINES in the same state, over lines within 510 bytes and 12 params (property)', () => {
    const { a, b, deliver } = twoNodes();
    // A few more members on #c for member modes.
    const ids = ['0AAU00001', '0AAU00002', '0AAU00003'];
    for (const [i, id] of ids.entries()) a.receive('big', uid('0AA', `m${i + 1}`, T0, id));
    a.receive('big', `:0AA SJOIN ${TC} #c :${ids.join(' ')}`);
    deliver(a.drain());
    const pool = Array.from({ length: 16 }, (_, i) => ban(400 + i, 20 + i * 5));
    const change = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom('+', '+', '-'), fc.constantFrom('b', 'e', 'I'), fc.constantFrom(...pool)).map(([d, m, p]) => ({ m: d + m, p })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('+', '-'), fc.constantFrom('o', 'v', 'h'), fc.constantFrom('0AAU00000', ...ids)).map(([d, m, p]) => ({ m: d + m, p })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('+k', '-k', '+l', '+L'), fc.constantFrom('k1', 'k2', '7', '#other')).map(([m, p]) => ({ m, p })) },
      { weight: 1, arbitrary: fc.constantFrom('+m', '-m', '+i', '-i', '-l', '+s', '-s').map((m) => ({ m, p: null as string | null })) },
    );
    // One run surely over the limit: 20 new bans and exempts, then +m.
    const surelyOver = [...pool.slice(0, 10).map((p) => ({ m: '+b', p })), ...pool.slice(0, 10).map((p) => ({ m: '+e', p })), { m: '+m', p: null }];
    fc.assert(fc.property(fc.array(change, { minLength: 1, maxLength: 28, size: 'max' }), (changes) => {
      const params = changes.flatMap((c) => (c.p === null ? [] : [c.p]));
      if (params.length > 27) return; // a server line has at most 30 params (#chan, modes, TS)
      a.receive('big', `:0AA MODE #c ${changes.map((c) => c.m).join('')} ${params.join(' ')} ${TC}`.replace(/  +/g, ' '));
      const effects = a.drain();
      for (const l of sentOn(effects, 'toB')) {
        assert.ok(l.length <= 510, `${l.length} bytes`);
        assert.ok(reparse(l, true).params <= 12, `at most 12 params: ${l}`);
      }
      assert.deepEqual(logs(effects).filter((x) => x.event.startsWith('LINE_')), [], 'nothing cut or left out');
      deliver(effects);
      assert.equal(stateDigest(b.net, b.tkl), stateDigest(a.net, a.tkl), 'same state on A and B');
    }), { numRuns: 200, examples: [[surelyOver]] });
    assert.ok(a.links.get('big')!.limitedCount('MODE_PARAMS_OVER_LIMIT') > 0, 'some runs went over the limit');
  });

  it('a parameter no MODE line could carry (with a space, or starting with a colon) is not taken for a mode tslink has no module for', () => {
    const e = hub();
    e.linkUp('odd', 'in', '127.0.0.1');
    for (const l of ['PASS :linkpass', 'PROTOCTL EAUTH=odd.test,6100,Fhn6OoE,FakeLeaf-0.1', `PROTOCTL ${BIG}`,
      `PROTOCTL CHANMODES=beI,fkL,lFHX,cdimnprstzCDGKMNOPQRSTVZ PREFIX=(qaohv)~&@%+ SID=0AD MLOCK TS=${e.now()}`, 'SERVER odd.test 1 :U6100-Fhn6OoE-0AD Odd', ':0AD EOS']) e.receive('odd', l);
    linkLeaf(e, { id: 'peer', name: 'peer.test', sid: '0AB', caps: BIG });
    feed(e, 'odd', uid('0AD', 'o1', T0, '0ADU00000'), `:0AD SJOIN ${TC} #c +nt :0ADU00000`);
    const r = feed(e, 'odd', ':0AD MODE #c +X :a b', ':0AD MODE #c +X ::x');
    assert.equal(e.net.channel('#c')!.modes.has('X'), false, 'neither is held');
    assert.deepEqual(r.to('peer'), [], 'nor relayed');
    const r2 = feed(e, 'odd', ':0AD MODE #c +X ok');
    assert.equal(e.net.channel('#c')!.modes.get('X'), 'ok', 'a plain one is held');
    assert.deepEqual(r2.to('peer'), [`:0AD MODE #c +X ok ${TC}`], 'and relayed');
  });
});
