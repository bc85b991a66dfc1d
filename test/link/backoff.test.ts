import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { backoffCeiling, backoffDelay, createBackoff } from '../../src/link/backoff.ts';

const optsArb = fc
  .record({
    minMs: fc.integer({ min: 0, max: 60_000 }),
    span: fc.integer({ min: 0, max: 3_600_000 }),
    baseMs: fc.integer({ min: 1, max: 100_000 }),
    factor: fc.double({ min: 1, max: 10, noNaN: true }),
  })
  .map(({ minMs, span, baseMs, factor }) => ({ minMs, maxMs: minMs + span, baseMs, factor }));

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoff with full jitter', () => {
  it('property: every delay is within [minMs, ceiling(attempt)] ⊆ [minMs, maxMs]', () => {
    fc.assert(
      fc.property(optsArb, fc.integer({ min: -5, max: 5000 }), unit, (opts, attempt, u) => {
        const d = backoffDelay(attempt, { ...opts, random: () => u });
        const c = backoffCeiling(attempt, opts);
        return Number.isFinite(d) && d >= opts.minMs && d <= c && c <= opts.maxMs && c >= opts.minMs;
      }),
      { numRuns: 2000 },
    );
  });

  it('property: the ceiling never decreases with the attempt number and reaches maxMs', () => {
    fc.assert(
      fc.property(optsArb, fc.integer({ min: 0, max: 2000 }), (opts, attempt) => {
        const a = backoffCeiling(attempt, opts);
        const b = backoffCeiling(attempt + 1, opts);
        return b >= a;
      }),
    );
    fc.assert(
      fc.property(optsArb.filter((o) => o.factor >= 1.5), (opts) => backoffCeiling(10_000, opts) === opts.maxMs),
    );
  });

  it('property: weird random values (NaN, negative, ≥1) stay in bounds', () => {
    fc.assert(
      fc.property(optsArb, fc.integer({ min: 0, max: 100 }), fc.double(), (opts, attempt, r) => {
        const d = backoffDelay(attempt, { ...opts, random: () => r });
        return d >= opts.minMs && d <= opts.maxMs;
      }),
    );
  });

  it('property: deterministic for an injected random sequence', () => {
    fc.assert(
      fc.property(optsArb, fc.array(unit, { minLength: 1, maxLength: 30 }), (opts, seq) => {
        const run = () => {
          let i = 0;
          const b = createBackoff({ ...opts, random: () => seq[i++ % seq.length]! });
          return seq.map(() => b.next());
        };
        assert.deepEqual(run(), run());
        return true;
      }),
    );
  });

  it('full jitter extremes: random 0 → minMs, random → 1 approaches the ceiling', () => {
    const o = { minMs: 500, maxMs: 60_000, baseMs: 1000, factor: 2 };
    assert.equal(backoffDelay(3, { ...o, random: () => 0 }), 500);
    assert.ok(backoffDelay(3, { ...o, random: () => 0.999999 }) > 7999);
    assert.equal(backoffCeiling(0, o), 1000);
    assert.equal(backoffCeiling(3, o), 8000);
    assert.equal(backoffCeiling(100, o), 60_000);
  });

  it('createBackoff counts attempts and resets', () => {
    const b = createBackoff({ minMs: 100, maxMs: 10_000, random: () => 0.999999999 });
    const ds = [b.next(), b.next(), b.next(), b.next()];
    assert.equal(b.attempt, 4);
    assert.ok(ds[0]! <= 100 + 1e-6 && ds[1]! <= 200 && ds[2]! <= 400 && ds[3]! <= 800);
    assert.ok(ds[3]! > 790);
    b.reset();
    assert.equal(b.attempt, 0);
    assert.ok(b.next() <= 100);
  });

  it('rejects invalid options', () => {
    assert.throws(() => backoffDelay(0, { minMs: -1 }));
    assert.throws(() => backoffDelay(0, { minMs: 10, maxMs: 5 }));
    assert.throws(() => backoffDelay(0, { factor: 0.5 }));
    assert.throws(() => backoffDelay(0, { maxMs: Infinity }));
  });
});
