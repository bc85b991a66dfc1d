// TKL type table and UnrealIRCd's identity rules (src/tkl/tklRules.ts).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TKL_TYPES, tklType, exceptionLettersForName, unrealTklKey, canonicalSpamfilter } from '../../src/tkl/tklRules.ts';
import { GLOBAL_TKL_TYPES, tklKey, type TklEntry } from '../../src/tkl/types.ts';

const e = (type: string, user: string, host: string, sf?: TklEntry['spamfilter']): TklEntry => ({ type, user, host, setBy: 'x', expireAt: 0, setAt: 1, reason: 'r', ...(sf ? { spamfilter: sf } : {}) });

describe('TKL types', () => {
  it('the global types are the ones the wire parser accepts', () => {
    assert.deepEqual(new Set(TKL_TYPES.filter((t) => t.global).map((t) => t.letter)), GLOBAL_TKL_TYPES);
    assert.equal(tklType('Z')!.needsIp, true);
    assert.equal(exceptionLettersForName('all'), 'GkZzFsbcmdr8v');
    assert.equal(exceptionLettersForName('connect-flood'), 'c');
    assert.equal(exceptionLettersForName('qline'), 'Q');
  });
  it("UnrealIRCd's identity: case-insensitive masks, soft flag, Q without hold, spamfilter target sets", () => {
    assert.equal(unrealTklKey(e('G', 'Bad', 'HOST.example')), unrealTklKey(e('G', 'bad', 'host.EXAMPLE')));
    assert.notEqual(unrealTklKey(e('G', '%*', 'h')), unrealTklKey(e('G', '*', 'h')));
    assert.equal(unrealTklKey(e('Q', 'H', 'NickServ')), unrealTklKey(e('Q', '*', 'nickserv')));
    const sf = { duration: '1d', tklReason: 'x', matchType: 'simple', match: '*A*' };
    assert.equal(unrealTklKey(e('F', 'pc', 'b', sf)), unrealTklKey(e('F', 'cpz', 'b', { ...sf, matchType: 'regex' })));
    assert.notEqual(unrealTklKey(e('F', 'pc', 'b', sf)), unrealTklKey(e('F', 'pc', 'b', { ...sf, match: '*a*' })));
    // The engine's identity (tklKey) is the same: equal where unrealTklKey is equal, different where it differs.
    const pairs: [TklEntry, TklEntry][] = [
      [e('G', 'Bad', 'HOST.example'), e('G', 'bad', 'host.EXAMPLE')], [e('G', '%*', 'h'), e('G', '*', 'h')], [e('Q', 'H', 'NickServ'), e('Q', '*', 'nickserv')],
      [e('F', 'pc', 'b', sf), e('F', 'cpz', 'b', { ...sf, matchType: 'regex' })], [e('F', 'pc', 'b', sf), e('F', 'pc', 'b', { ...sf, match: '*a*' })],
      [e('F', 'pc', 'b', sf), e('F', 'pc', 'K', sf)], [e('E', '*', 'H'), e('G', '*', 'h')],
    ];
    for (const [x, y] of pairs) assert.equal(tklKey(x) === tklKey(y), unrealTklKey(x) === unrealTklKey(y), `${x.type} ${x.user} ${x.host} / ${y.type} ${y.user} ${y.host}`);
    const c = canonicalSpamfilter(e('F', 'pcx', 'b', sf));
    assert.equal(c.user, 'cp');
    assert.equal(c.spamfilter!.duration, '86400');
  });
});
