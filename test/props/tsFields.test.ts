// TS fields, differential (issue 12 item 7): any text in a TS field of SJOIN, SJSBY, UID, NICK,
// TOPIC, MLOCK, MODE or TKL gives the state and the relayed line that UnrealIRCd 6's handler
// would, per a small model written here: strtol() into an int64 (with BigInt) and each
// handler's rule for the value (see test/s2s/tsFields.test.ts for the source each comes from).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hub, linkLeaf, local, feed, uid, T0, assertInvariants } from '../s2s/harness.ts';

const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;
const GMTIME_MAX = 67768036191676799n;
const TC = 1795305735;
const U64 = 1n << 64n;

function strtolModel(s: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(s)!;
  if (m[2] === '') return 0n;
  const v = (m[1] === '-' ? -1n : 1n) * BigInt(m[2]);
  return v > MAX ? MAX : v < MIN ? MIN : v;
}
const unsigned = (v: bigint) => (v < 0n ? v + U64 : v);
const asBig = (v: unknown) => (typeof v === 'number' ? BigInt(v) : (v as bigint));

/** A middle parameter (no space, not starting with ':') made of what a TS field may be sent as. */
const tsText = fc.oneof(
  fc.array(fc.constantFrom('\t', '\v', '\f', '+', '-', '0', '1', '7', '9', 'x', '.', 'e', '\u00a0'), { minLength: 1, maxLength: 24 }).map((a) => a.join('')),
  fc.tuple(fc.constantFrom('', '\t', '+', '-', '\t-', '00'), fc.stringMatching(/^[0-9]{1,60}$/), fc.constantFrom('', 'x', '-', '.5'))
    .map(([a, b, c]) => a + b + c),
  fc.bigInt({ min: MIN - 10n ** 25n, max: MAX + 10n ** 25n }).map(String),
  fc.integer({ min: -3, max: 3 }).map((d) => String(TC + d)),
  fc.constantFrom('0', '-1', '1000000', '1000001', String(GMTIME_MAX), String(GMTIME_MAX + 1n), '9007199254740993', '-9007199254740993'),
);

function setup() {
  const e = hub();
  local(e, uid('001', 'alice', T0, '001UI2J0L', { ident: 'alice', host: 'a.hub.example' }), `:001 SJOIN ${TC} #c +nt :@001UI2J0L`);
  linkLeaf(e, { burst: [uid('0AA', 'leafA', T0 - 1000, '0AAAAAAA1', { ident: 'leafa', host: 'host-1.leaf.example' }), `:0AA SJOIN ${TC} #c :0AAAAAAA1`] });
  linkLeaf(e, { id: 'leaf2', name: 'leaf2.test', sid: '0AB', caps: 'NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS MLOCK' });
  return e;
}

describe('TS fields: every handler agrees with the model of UnrealIRCd for any field text', () => {
  it('SJOIN TS, SJSBY set-at, UID, NICK, TOPIC, MLOCK, MODE and TKL (fast-check)', () => {
    fc.assert(fc.property(tsText, (s) => {
      const v = strtolModel(s);
      const e = setup();
      const now = BigInt(e.now());
      const ch = e.net.channel('#c')!;

      // UID: lastnick = v, relayed as v.
      let r = feed(e, 'leaf', `:0AA UID newbie 0 ${s} nb nb.example 0AAAAAAB1 0 +i * * fwAAAQ== :x`);
      assert.equal(asBig(e.net.user('0AAAAAAB1')!.ts), v, 'UID');
      assert.deepEqual(r.to('leaf2'), [`:0AA UID newbie 0 ${v} nb nb.example 0AAAAAAB1 0 +i * * fwAAAQ== :x`]);

      // NICK: TS v (0 → now).
      r = feed(e, 'leaf', `:0AAAAAAB1 NICK newbie2 ${s}`);
      const stored = v === 0n ? now : v;
      assert.equal(asBig(e.net.user('0AAAAAAB1')!.ts), stored, 'NICK');
      assert.deepEqual(r.to('leaf2'), [`:0AAAAAAB1 NICK newbie2 ${stored}`]);

      // MLOCK: applied unless v > ours; relayed with ours.
      r = feed(e, 'leaf', `:0AA MLOCK ${s} #c :nt`);
      assert.equal(ch.mlock, v > BigInt(TC) ? null : 'nt', 'MLOCK');
      assert.deepEqual(r.to('leaf2'), v > BigInt(TC) ? [] : [`:0AA MLOCK ${TC} #c :nt`]);

      // TOPIC (no topic yet): set-at v, 0 → now.
      r = feed(e, 'leaf', `TOPIC #c a!a@a ${s} :t`);
      const topicTs = v === 0n ? now : v;
      assert.equal(asBig(ch.topic!.ts), topicTs, 'TOPIC');
      assert.deepEqual(r.to('leaf2'), [`:0AA TOPIC #c a!a@a ${topicTs} :t`]);

      // TKL: refused when negative or past gmtime(); else kept and relayed as v.
      r = feed(e, 'leaf', `:0AA TKL + G * 192.0.2.1 o!o@o ${s} 1795305000 :r`);
      const tklOk = v >= 0n && v <= GMTIME_MAX;
      assert.deepEqual(r.to('leaf2'), tklOk ? [`:leaf.test TKL + G * 192.0.2.1 o!o@o ${v} 1795305000 :r`] : [], 'TKL');

      // SJSBY set-at: v, relayed re-written.
      r = feed(e, 'leaf', `:0AA SJOIN ${TC} #c :<${s},x!x@x>&m!*@m.example`);
      assert.equal(asBig(ch.lists.b.get('m!*@m.example')!.setAt), v, 'SJSBY');
      assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${TC} #c :<${v},x!x@x>&m!*@m.example`]);

      // MODE from a non-U-lined server, the field last.
      r = feed(e, 'leaf', `:0AA MODE #c +m ${s}`);
      const ignored = v !== 0n && unsigned(v) > BigInt(TC);
      const isTs = !((v === 0n && s[0] !== '0') || v === -1n);
      if (ignored) {
        assert.equal(ch.modes.has('m'), false, 'MODE ignored');
        assert.deepEqual(r.to('leaf2'), []);
      } else {
        let sent = isTs ? v : BigInt(TC);
        if (isTs && v > 0n) sent = v <= 1000000n ? BigInt(TC) : v;
        assert.equal(ch.modes.has('m'), true, 'MODE applied');
        assert.equal(asBig(ch.ts), sent > 0n && sent < BigInt(TC) ? sent : BigInt(TC), 'MODE TS');
        assert.deepEqual(r.to('leaf2'), [`:0AA MODE #c +m ${sent}`]);
      }

      // SJOIN for the channel: an invalid TS (<= 1000000) is ours; relayed with the TS used.
      const before = asBig(ch.ts);
      r = feed(e, 'leaf', `:0AA SJOIN ${s} #c :0AAAAAAA1`);
      const theirs = v > 1000000n ? v : before;
      assert.equal(asBig(e.net.channel('#c')!.ts), theirs < before ? theirs : before, 'SJOIN');
      assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${theirs} #c :0AAAAAAA1`]);
      // A channel it creates: v when valid, else now.
      r = feed(e, 'leaf', `:0AA SJOIN ${s} #fresh :0AAAAAAA1`);
      const created = v > 1000000n ? v : now;
      assert.equal(asBig(e.net.channel('#fresh')!.ts), created, 'SJOIN create');
      assert.deepEqual(r.to('leaf2'), [`:0AA SJOIN ${created} #fresh :0AAAAAAA1`]);
      assertInvariants(e);
    }), { numRuns: 400 });
  });
});
