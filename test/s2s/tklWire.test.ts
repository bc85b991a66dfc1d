// TKL lines as parsed from the wire (src/tkl/tklWire.ts): the time fields.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseTkl } from '../../src/tkl/tklWire.ts';

const gline = (exp: string, set: string) => ['+', 'G', '*', '192.0.2.1', 'oper!o@h', exp, set, 'reason'];

describe('TKL wire: time fields', () => {
  it('takes decimal digits up to 9999999999 (leading zeros allowed) and ignores anything else', () => {
    const ok: [string, number][] = [['0', 0], ['1795305735', 1795305735], ['0001795305735', 1795305735], ['9999999999', 9999999999]];
    for (const [s, n] of ok) {
      const p = parseTkl(gline(s, '1795305000'));
      assert.equal(p.op, '+', s);
      assert.equal(p.op === '+' && p.entry.expireAt, n, s);
    }
    for (const bad of ['', '10000000000', '12a', '-1', '+5', ' 1', '1.5', '1e3', '0x10', '٣', '99999999999999999999999']) {
      const p = parseTkl(gline(bad, '1795305000'));
      assert.deepEqual(p, { op: 'ignore', why: 'bad TKL time' }, JSON.stringify(bad));
      assert.deepEqual(parseTkl(gline('0', bad)), { op: 'ignore', why: 'bad TKL time' }, JSON.stringify(bad));
    }
  });

  it('agrees with "all digits and at most 9999999999" for any string', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 14 }), fc.stringMatching(/^[0-9]{1,25}$/)), (s) => {
      const p = parseTkl(gline(s, '1'));
      const valid = /^[0-9]+$/.test(s) && Number(s) <= 9999999999;
      assert.equal(p.op === '+', valid);
      if (p.op === '+') assert.equal(p.entry.expireAt, Number(s));
    }), { numRuns: 500 });
  });
});
