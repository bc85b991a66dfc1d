// TKL lines as parsed from the wire (src/tkl/tklWire.ts): the time fields.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseTkl } from '../../src/tkl/tklWire.ts';

const gline = (exp: string, set: string) => ['+', 'G', '*', '192.0.2.1', 'oper!o@h', exp, set, 'reason'];

describe('TKL wire: time fields', () => {
  // tkl.c cmd_tkl_add(): expire_at = atol(parv[6]), set_at = atol(parv[7]); refused when < 0 or
  // when short_date() fails (glibc gmtime() past 67768036191676799, INT64_MAX included).
  it('reads them as atol() does and keeps 0 to 67768036191676799; negative and later ones are refused', () => {
    const ok: [string, number | bigint][] = [['0', 0], ['1795305735', 1795305735], ['0001795305735', 1795305735], ['9999999999', 9999999999],
      ['10000000000', 10000000000], ['+5', 5], [' 1', 1], ['\t7', 7], ['12a', 12], ['1.5', 1], ['1e3', 1], ['0x10', 0], ['', 0], ['٣', 0], ['-0', 0],
      ['9007199254740993', 9007199254740993n], ['67768036191676799', 67768036191676799n]];
    for (const [s, n] of ok) {
      const p = parseTkl(gline(s, '1795305000'));
      assert.equal(p.op, '+', JSON.stringify(s));
      assert.equal(p.op === '+' && p.entry.expireAt, n, JSON.stringify(s));
    }
    for (const bad of ['-1', '-99', '67768036191676800', '9223372036854775807', '99999999999999999999999']) {
      const p = parseTkl(gline(bad, '1795305000'));
      assert.deepEqual(p, { op: 'ignore', why: 'bad TKL time' }, JSON.stringify(bad));
      assert.deepEqual(parseTkl(gline('0', bad)), { op: 'ignore', why: 'bad TKL time' }, JSON.stringify(bad));
    }
  });

  it('agrees with "strtol() into int64, then 0 <= v <= 67768036191676799" for any string', () => {
    const model = (s: string): bigint => {
      const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(s)!;
      const v = m[2] === '' ? 0n : (m[1] === '-' ? -1n : 1n) * BigInt(m[2]);
      return v > 9223372036854775807n ? 9223372036854775807n : v < -9223372036854775808n ? -9223372036854775808n : v;
    };
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 14 }), fc.stringMatching(/^[-+]?[0-9]{1,25}$/)), (s) => {
      const p = parseTkl(gline(s, '1'));
      const v = model(s);
      assert.equal(p.op === '+', v >= 0n && v <= 67768036191676799n);
      if (p.op === '+') assert.equal(BigInt(p.entry.expireAt), v);
    }), { numRuns: 500 });
  });
});
