// Glob masks (src/tkl/match/glob.ts): UnrealIRCd's match_simple()/match_esc() semantics, checked
// against a dynamic-programming model written from the rules, and their linear running time.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileGlob, matchEsc, matchSimple } from '../../src/tkl/match/glob.ts';

type Tok = { t: 'star' } | { t: 'any' } | { t: 'lit'; c: string };

/** The rules: '*' any run, '?' one char, '_' = '_' or ' ', A-Z = a-z (ASCII only), '\x' literal x with escapes. */
function model(mask: string, name: string, escapes: boolean): boolean {
  const toks: Tok[] = [];
  for (let i = 0; i < mask.length; i++) {
    const c = mask[i];
    if (c === '*') toks.push({ t: 'star' });
    else if (c === '?') toks.push({ t: 'any' });
    else if (escapes && c === '\\') {
      if (i + 1 >= mask.length) return false;
      toks.push({ t: 'lit', c: mask[++i] });
    } else toks.push({ t: 'lit', c });
  }
  const low = (c: string) => (c >= 'A' && c <= 'Z' ? c.toLowerCase() : c);
  const eq = (m: string, n: string) => low(m) === low(n) || (m === '_' && n === ' ');
  // dp[i][j]: toks[i..] matches name[j..]
  const dp: boolean[][] = Array.from({ length: toks.length + 1 }, () => new Array<boolean>(name.length + 1).fill(false));
  dp[toks.length][name.length] = true;
  for (let i = toks.length - 1; i >= 0; i--) {
    for (let j = name.length; j >= 0; j--) {
      const t = toks[i];
      if (t.t === 'star') dp[i][j] = dp[i + 1][j] || (j < name.length && dp[i][j + 1]);
      else if (j < name.length && (t.t === 'any' || eq(t.c, name[j]))) dp[i][j] = dp[i + 1][j + 1];
    }
  }
  return dp[0][0];
}

const maskChars = fc.constantFrom('a', 'b', 'A', 'B', '_', ' ', '*', '?', '.', '\\', '[', '{', '\u00c0', '\u00e0');
const nameChars = fc.constantFrom('a', 'b', 'A', 'B', '_', ' ', '.', '*', '?', '\\', '[', '{', '\u00c0', '\u00e0');
const str = (chars: fc.Arbitrary<string>, max: number) => fc.array(chars, { maxLength: max }).map((a) => a.join(''));

describe('glob: match_simple semantics', () => {
  it('examples', () => {
    const yes: [string, string][] = [
      ['*', ''], ['*', 'anything'], ['a*', 'abc'], ['*c', 'abc'], ['a?c', 'abc'], ['*.example.com', 'irc.EXAMPLE.com'],
      ['HOST', 'host'], ['foo_bar', 'foo bar'], ['foo_bar', 'foo_bar'], ['*free money*', 'get FREE MONEY now'],
      ['*??', 'ab'], ['a*b*c', 'aXXbYYc'], ['*a*a*b', 'aaab'], ['', ''], ['[x]', '[X]'],
    ];
    const no: [string, string][] = [
      ['a', ''], ['', 'a'], ['a?c', 'ac'], ['*??', 'a'], ['foo bar', 'foo_bar'], ['[x]', '{x}'], ['\u00c0', '\u00e0'],
      ['a*b*c', 'aXXcYYb'], ['*.example.com', 'example.com'], ['abc', 'abcd'],
    ];
    for (const [m, n] of yes) assert.equal(matchSimple(m, n), true, `${m} ~ ${n}`);
    for (const [m, n] of no) assert.equal(matchSimple(m, n), false, `${m} !~ ${n}`);
  });

  it('agrees with the model on random masks and names (match_simple and match_esc)', () => {
    fc.assert(fc.property(str(maskChars, 10), str(nameChars, 12), fc.boolean(), (m, n, esc) => {
      assert.equal(compileGlob(m, esc).test(n), model(m, n, esc), `${JSON.stringify(m)} ${JSON.stringify(n)} esc=${esc}`);
    }), { numRuns: 4000 });
  });

  it('agrees with the model on long masks (multi-word NFA, > 31 tokens)', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('a', 'b', '?', '*', '_', ' '), { minLength: 32, maxLength: 80 }).map((a) => a.join('')), fc.array(fc.constantFrom('a', 'b', ' ', '_'), { minLength: 30, maxLength: 90 }).map((a) => a.join('')), (m, n) => {
      assert.equal(compileGlob(m).test(n), model(m, n, false));
    }), { numRuns: 500 });
  });

  it('match_esc: escapes, and a lone trailing backslash never matches', () => {
    assert.equal(matchEsc('\\*', '*'), true);
    assert.equal(matchEsc('\\*', 'x'), false);
    assert.equal(matchEsc('a\\?', 'a?'), true);
    assert.equal(matchEsc('a\\?', 'ab'), false);
    assert.equal(matchEsc('\\_', ' '), true); // an escaped '_' still matches a space
    assert.equal(matchEsc('*\\', 'a\\'), false);
    assert.equal(matchSimple('*\\', 'a\\'), true); // without escapes '\' is a plain character
  });

  // A backtracking matcher takes O(n^k) steps here (k stars, n = 20,000): it never returns, and the
  // per-test timeout fails it. How fast the linear one is, is a figure for the benches (tklmatch).
  it('runs in time linear in the name: no backtracking blow-up', { timeout: 60_000 }, () => {
    const name = 'a'.repeat(20000);
    for (const mask of ['*a*a*a*a*a*a*a*a*a*a*a*a*b', '*a?a?a?a?a?a?a?a?a?a*b', `*${'?'.repeat(100)}b`, `${'*a'.repeat(200)}*b`]) {
      const g = compileGlob(mask);
      for (let i = 0; i < 5; i++) assert.equal(g.test(name), false);
      assert.equal(g.test(`${name}b`), true, mask.slice(0, 30));
    }
  });
});
