// TKL entries as UnrealIRCd keeps them (src/modules/tkl.c cmd_tkl_add, cmd_tkl_del, find_tkl_*,
// tkl_sync_send_entry; src/misc.c spamfilter_gettargets, unreal_decodespace; src/conf.c
// config_checkval): an entry's identity, the canonical form of its fields as they are relayed,
// and (tslink, issue 15 item 5) a peer's re-add of a ban removed here.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { feed, hub, linkLeaf, local, logs } from './harness.ts';
import { parseTkl } from '../../src/tkl/tklWire.ts';
import { parseDuration } from '../../src/tkl/spamfilter.ts';
import { buildStateDump } from '../../src/replay/stateDump.ts';
import type { TklEntry } from '../../src/tkl/types.ts';

const T = 1795305700;

/** A hub with two leaves: what one sends, the other gets relayed. */
function twoLeaves(opts: Parameters<typeof hub>[0] = {}) {
  const e = hub(opts);
  const a = linkLeaf(e, { id: 'a', name: 'a.test', sid: '0AA' });
  const b = linkLeaf(e, { id: 'b', name: 'b.test', sid: '0BB' });
  return { e, a, b };
}
const entries = (e: ReturnType<typeof hub>): TklEntry[] => [...e.tkl.values()];

describe('TKL identity (find_tkl_serverban / _banexception / _nameban / _spamfilter)', () => {
  it('server bans and exceptions: user and host masks compare case-insensitively; the soft % counts', () => {
    const { e, a, b } = twoLeaves();
    feed(e, a, `:a.test TKL + G * Bad.Example x!x@x ${T + 1000} ${T} :first`);
    const out = feed(e, a, `:a.test TKL + G * bad.EXAMPLE z!z@z ${T + 2000} ${T} :second`);
    assert.equal(e.tkl.size, 1, 'one entry');
    const [g] = entries(e);
    // Merged as one entry (conflicts.md §6): the first one's masks and reason, the longer expiry, the greater set_by.
    assert.deepEqual([g.host, g.reason, g.expireAt, g.setBy], ['Bad.Example', 'first', T + 2000, 'z!z@z']);
    assert.deepEqual(out.to(b), [`:a.test TKL + G * Bad.Example z!z@z ${T + 2000} ${T} :first`]);
    feed(e, a, `:a.test TKL + G %* bad.example x!x@x 0 ${T} :soft`);
    feed(e, a, `:a.test TKL + E *Ident* 192.0.2.1 x!x@x 0 ${T} GZ :except`, `:a.test TKL + E *ident* 192.0.2.1 x!x@x 0 ${T} GZ :except`);
    assert.equal(e.tkl.size, 3, 'a soft ban is another entry; the exception is one');
    feed(e, a, ':a.test TKL - G * BAD.example op', ':a.test TKL - E *IDENT* 192.0.2.1 op');
    assert.deepEqual(entries(e).map((x) => x.user), ['%*']);
  });

  it('Q-lines: the name compares case-insensitively, the hold flag does not count and is kept as H or *', () => {
    const { e, a } = twoLeaves();
    feed(e, a, `:a.test TKL + Q H NickServ services 0 ${T} :held`, `:a.test TKL + Q * nickserv oper 0 ${T} :qline`, `:a.test TKL + Q Xyz Other* oper 0 ${T} :odd flag`);
    assert.deepEqual(entries(e).map((x) => [x.user, x.host]), [['H', 'NickServ'], ['*', 'Other*']]);
    feed(e, a, ':a.test TKL - Q * NICKSERV op');
    assert.deepEqual(entries(e).map((x) => x.host), ['Other*']);
  });

  it('spamfilters: the match string exactly, the action letter and the target set; not the match type', () => {
    const { e, a } = twoLeaves();
    feed(e, a, `:a.test TKL + F pc b x!x@x 0 ${T} 86400 no_spam simple :*Spam*`);
    feed(e, a, `:a.test TKL + F cpx b y!y@y 0 ${T} 3600 other regex :*Spam*`); // same set {c,p}, same action: the same entry
    feed(e, a, `:a.test TKL + F cp b y!y@y 0 ${T} 86400 no_spam simple :*spam*`); // another match string
    feed(e, a, `:a.test TKL + F cp K y!y@y 0 ${T} 86400 no_spam simple :*Spam*`); // another action
    assert.equal(e.tkl.size, 3);
    const first = entries(e)[0];
    assert.deepEqual([first.setBy, first.spamfilter!.duration, first.spamfilter!.matchType], ['y!y@y', '86400', 'simple']);
    // The removal names it by its set (any order), action and match; the old 9-parameter form works too.
    feed(e, a, ':a.test TKL - F pc b op 0 0 0 x regex :*Spam*');
    feed(e, a, ':a.test TKL - F cp K op 0 0 *Spam*');
    assert.deepEqual(entries(e).map((x) => x.spamfilter!.match), ['*spam*']);
  });
});

describe('TKL fields in the form UnrealIRCd keeps and relays them', () => {
  it('a spamfilter: known targets in canonical order, the action by its first letter, the ban duration in seconds, the match type by its main name', () => {
    const { e, a, b } = twoLeaves();
    const out = feed(e, a, `:a.test TKL + F Rxpc bz x!x@x 0 ${T} 1d2h Spam__here_now glob :*buy now*`);
    const [f] = entries(e);
    assert.deepEqual([f.user, f.host, f.spamfilter!.duration, f.spamfilter!.matchType, f.spamfilter!.tklReason], ['cpR', 'b', '93600', 'simple', 'Spam__here_now']);
    assert.deepEqual(out.to(b), [`:a.test TKL + F cpR b x!x@x 0 ${T} 93600 Spam__here_now simple :*buy now*`]);
    feed(e, a, `:a.test TKL + F p b x!x@x 0 ${T} 1w pcre_one pcre :^x+$`);
    assert.equal(entries(e)[1].spamfilter!.matchType, 'regex');
  });

  it('a spamfilter with no known target, a config-only action or an unknown match type is refused', () => {
    const { e, a } = twoLeaves();
    const out = feed(e, a,
      `:a.test TKL + F xyz b x!x@x 0 ${T} 0 r simple :a`,
      `:a.test TKL + F c 1 x!x@x 0 ${T} 0 r simple :b`,
      `:a.test TKL + F c r x!x@x 0 ${T} 0 r simple :c`,
      `:a.test TKL + F c b x!x@x 0 ${T} 0 r posix :d`);
    assert.equal(e.tkl.size, 0);
    assert.deepEqual(logs(out.effects, 'TKL_IGNORED').map((l) => l.msg), [
      'TKL ignored: bad spamfilter targets xyz', 'TKL ignored: bad spamfilter action 1', 'TKL ignored: bad spamfilter action r', 'TKL ignored: bad spamfilter match type posix']);
  });

  it("the ban reason: '_' is a space and '__' a '_' (unreal_decodespace), in the entry and the state dump", () => {
    const p = parseTkl(['+', 'F', 'c', 'b', 'x', '0', String(T), '0', 'use__the_other_channel', 'simple', '*x*']);
    assert.ok(p.op === '+');
    assert.equal(p.entry.reason, 'use_the other channel');
    const e = hub();
    e.tkl.add(p.entry);
    const dump = buildStateDump(e.net, e.tkl, T);
    assert.equal(dump.spamfilters[0].reason, 'use_the other channel');
  });

  it('the ban duration as config_checkval() reads a time: w d h m, any other letter 1 (no years), 32-bit products', () => {
    const cases: [string, number][] = [['86400', 86400], ['1d2h', 93600], ['30m', 1800], ['1w', 604800], ['1y', 1], ['1s', 1], ['abc', 0], ['', 0],
      ['1d 2h', 93600], ['2h1', 7201], ['1dd3', 86403], ['x9m', 540], ['1d-5', 86405], ['3000000000', -1294967296]];
    for (const [s, v] of cases) assert.equal(parseDuration(s), v, JSON.stringify(s));
  });
});

describe('a peer re-adding a ban removed here (EngineOptions.tklRemoved, issue 15 item 5)', () => {
  const removedHere = (host: string) => (x: TklEntry) => (x.host.toLowerCase() === host && x.setAt <= T + 50 ? { removedAt: T + 50, removedBy: 'admin!a@staff' } : null);

  it('is refused, answered with TKL - to that peer only, logged, and not relayed', () => {
    const { e, a, b } = twoLeaves({ tklRemoved: removedHere('gone.example') });
    const out = feed(e, a, `:a.test TKL + G * Gone.Example x!x@x 0 ${T} :old ban`, `:a.test TKL + G * kept.example x!x@x 0 ${T} :other ban`);
    assert.deepEqual(entries(e).map((x) => x.host), ['kept.example']);
    assert.deepEqual(out.to(a), [`:hub.test TKL - G * Gone.Example admin!a@staff 0 ${T} :old ban`]);
    assert.deepEqual(out.to(b), [`:a.test TKL + G * kept.example x!x@x 0 ${T} :other ban`]);
    assert.equal(out.effects.filter((x) => x.kind === 'tkl').length, 1);
    const [log] = logs(out.effects, 'TKL_READD_REFUSED');
    assert.match(log.msg, /G-Line \*@Gone\.Example from a\.test \(set at 1795305700\) was removed here at 1795305750 by admin!a@staff/);
  });

  it('a ban set again since (a newer set-at), or one of our own, is added', () => {
    const { e, a } = twoLeaves({ tklRemoved: removedHere('gone.example') });
    feed(e, a, `:a.test TKL + G * gone.example x!x@x 0 ${T + 60} :set again`);
    assert.equal(e.tkl.size, 1);
    e.tkl.remove(`G\0*\0gone.example`);
    local(e, `:hub.test TKL + G * gone.example x!x@x 0 ${T} :ours`);
    assert.equal(e.tkl.size, 1);
  });

  it('a removal from a peer carries its remover in the effect (the store keeps a tombstone); an expiry does not', () => {
    const { e, a } = twoLeaves();
    feed(e, a, `:a.test TKL + G * x.example x!x@x 0 ${T} :x`, `:a.test TKL + G * y.example x!x@x ${e.now() + 5} ${T} :y`);
    const out = feed(e, a, ':a.test TKL - G * X.EXAMPLE op!o@o');
    assert.deepEqual(out.effects.filter((x) => x.kind === 'tkl').map((x) => x.kind === 'tkl' && [x.op, x.entry.host, x.removedBy]), [['del', 'x.example', 'op!o@o']]);
    assert.match(logs(out.effects, 'TKL_REMOVED')[0].msg, /G-Line \*@x\.example removed by op!o@o \(from a\.test\)/);
    e.clock.advance(10);
    e.tick();
    const expired = e.drain().filter((x) => x.kind === 'tkl');
    assert.deepEqual(expired.map((x) => x.kind === 'tkl' && [x.op, x.entry.host, x.removedBy]), [['del', 'y.example', undefined]]);
  });
});
