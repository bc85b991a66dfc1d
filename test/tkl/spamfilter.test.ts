// Spamfilters (src/tkl/spamfilter.ts) on the linear-time engine (src/tkl/regexEngine.ts).
// The engine tests skip, saying so, when no engine (re2js, or re2) is installed.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { SpamfilterSet, parseTargets, targetsToString, actionOf, decodeSpace, encodeSpace, parseDuration, stripControlCodes, spamfilterUserString, spamfilterIdentity } from '../../src/tkl/spamfilter.ts';
import { loadRegexEngine, RegexCompileError, type RegexEngine } from '../../src/tkl/regexEngine.ts';
import type { TklEntry } from '../../src/tkl/types.ts';

const engine = await loadRegexEngine();
const NO_ENGINE = engine ? false : 'no linear-time regex engine installed: npm install re2js@2.10.0 (see src/tkl/regexEngine.ts)';

const sf = (targets: string, action: string, matchType: string, match: string, tklReason = 'Spam_is_not_allowed'): TklEntry =>
  ({ type: 'F', user: targets, host: action, setBy: 'op', expireAt: 0, setAt: 1, reason: decodeSpace(tklReason), spamfilter: { duration: '86400', tklReason, matchType, match } });

describe('spamfilter fields', () => {
  it('targets: unknown letters skipped, canonical order, identity as a set', () => {
    assert.equal(targetsToString(parseTargets('pcx')), 'cp');
    assert.equal(parseTargets('xyz'), 0);
    assert.equal(targetsToString(parseTargets('RTtauqdPNnpc')), 'cpnNPqduatTR');
    assert.equal(spamfilterIdentity(sf('pc', 'b', 'simple', '*x*')), spamfilterIdentity(sf('cp', 'b', 'regex', '*x*')));
    assert.notEqual(spamfilterIdentity(sf('pc', 'b', 'simple', '*x*')), spamfilterIdentity(sf('pc', 'B', 'simple', '*x*')));
  });
  it('actions, reasons, durations', () => {
    assert.equal(actionOf('g')!.name, 'gline');
    assert.equal(actionOf('G')!.soft, true);
    assert.equal(actionOf('1')!.configOnly, true);
    assert.equal(actionOf('x'), null);
    assert.equal(decodeSpace('No_free__money'), 'No free_money');
    assert.equal(encodeSpace('No free_money'), 'No_free__money');
    assert.equal(parseDuration('86400'), 86400);
    assert.equal(parseDuration('1d2h'), 93600);
    assert.equal(parseDuration('30m'), 1800);
  });
  it('control codes are stripped (colours, bold, hex colours, zero-width space)', () => {
    assert.equal(stripControlCodes('\x02b\x02\x0304,12free\x03 \x1fmo\x0fney'), 'bfree money');
    assert.equal(stripControlCodes('\x04ff00AAx\x04zz'), 'xzz');
    assert.equal(stripControlCodes('a\xe2\x80\x8bb'), 'ab');
    assert.equal(spamfilterUserString('n', 'u', '2001:db8::1', 'r'), 'n!u@[2001:db8::1]:r');
  });
});

describe('spamfilter matching', () => {
  it('simple (glob) filters, targets, soft actions, exemptions', () => {
    const set = new SpamfilterSet({ engine: null });
    const block = sf('cp', 'b', 'simple', '*free money*');
    const soft = sf('c', 'B', 'simple', '*buy*');
    set.add(block); set.add(soft);
    assert.equal(set.match('get FREE MONEY now', 'p', { loggedIn: false })?.entry, block);
    assert.equal(set.match('get free money', 'n', { loggedIn: false }), null);
    assert.equal(set.match('buy now', 'c', { loggedIn: false })?.entry, soft);
    assert.equal(set.match('buy now', 'c', { loggedIn: true }), null);
    assert.equal(set.match('free money', 'c', { loggedIn: false, exempt: true }), null);
    assert.equal(set.match('\x02free\x02 money', 'c', { loggedIn: false })?.reason, 'Spam is not allowed');
  });
  it('the strongest action wins, then the smaller match string', () => {
    const set = new SpamfilterSet({ engine: null });
    const warn = sf('c', 'w', 'simple', '*a*'), gline = sf('c', 'g', 'simple', '*b*'), gline2 = sf('c', 'g', 'simple', '*ab*');
    set.add(warn); set.add(gline); set.add(gline2);
    assert.equal(set.match('ab', 'c', { loggedIn: false })?.entry, gline2);
    assert.equal(set.match('a', 'c', { loggedIn: false })?.entry, warn);
  });
  it('without an engine a regex is kept and listed but not enforced, logged once', () => {
    const logs: unknown[] = [];
    const set = new SpamfilterSet({ engine: null, log: (e) => logs.push(e) });
    const a = sf('c', 'b', 'regex', 'x+'), b = sf('p', 'b', 'regex', 'x+');
    assert.equal(set.add(a)!.enforced, false);
    set.add(b);
    assert.equal(logs.length, 1);
    assert.equal(set.list().filter((i) => !i.enforced).length, 2);
    assert.equal(set.match('xxx', 'c', { loggedIn: false }), null);
  });
  it('an engine that refuses a pattern: not enforced, flagged with its message', () => {
    const fake: RegexEngine = { name: 'fake', compile: () => { throw new RegexCompileError('invalid perl operator: (?='); } };
    const set = new SpamfilterSet({ engine: fake });
    const i = set.add(sf('c', 'b', 'regex', '(?=x)y'))!;
    assert.deepEqual([i.enforced, i.notEnforced], [false, 'invalid perl operator: (?=']);
  });
});

describe('regex spamfilters on the linear-time engine', { skip: NO_ENGINE }, () => {
  it('case-insensitive RE2 matching; UTF-8 text', () => {
    const set = new SpamfilterSet({ engine });
    const e = sf('cp', 'g', 'regex', '\\bbuy-now\\.example\\b');
    assert.equal(set.add(e)!.enforced, true);
    assert.equal(set.match('visit BUY-NOW.example today', 'c', { loggedIn: false })?.entry, e);
    assert.equal(set.match('visit buy-nowXexample', 'c', { loggedIn: false }), null);
    const u = sf('c', 'b', 'regex', '^caf\u00c3\u00a9$'); // "café" as UTF-8 bytes
    set.add(u);
    assert.equal(set.match('CAF\u00c3\u0089', 'c', { loggedIn: false })?.entry, u); // "CAFÉ"
  });
  it('PCRE-only syntax (lookahead, backreference, possessive) is kept, not enforced, listed', () => {
    const logs: unknown[] = [];
    const set = new SpamfilterSet({ engine, log: (e) => logs.push(e) });
    for (const p of ['(?=foo)bar', '(a)\\1', 'a++']) {
      const i = set.add(sf('c', 'b', 'regex', p))!;
      assert.equal(i.enforced, false, p);
      assert.ok(i.notEnforced, p);
    }
    assert.equal(logs.length, 3);
  });
  // A backtracking engine takes ~2^30000 steps here: it never returns, and the per-test timeout fails it.
  it('ReDoS: (a+)+$ against 30,000 a followed by ! returns (no backtracking blow-up)', { timeout: 60_000 }, () => {
    const set = new SpamfilterSet({ engine });
    set.add(sf('c', 'b', 'regex', '(a+)+$'));
    // Warm the engine's own code up on other input first (the first call in a process also
    // compiles the engine's JavaScript); the bound is about the algorithm.
    const warm = new SpamfilterSet({ engine });
    warm.add(sf('c', 'b', 'regex', '(b+)+$'));
    for (let i = 0; i < 20; i++) warm.match('b'.repeat(3000) + '!', 'c', { loggedIn: false });
    const text = 'a'.repeat(30000) + '!';
    for (let i = 0; i < 5; i++) assert.equal(set.match(text, 'c', { loggedIn: false }), null);
    assert.notEqual(set.match('a'.repeat(30000), 'c', { loggedIn: false }), null, 'and it matches when it should');
  });
});
