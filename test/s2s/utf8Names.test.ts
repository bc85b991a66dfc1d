// Invalid UTF-8 in nicks, usernames and channel names from a server is refused as UnrealIRCd
// refuses a bad nick (issue 14 item 6): the UID is answered with KILL and logged, a NICK change is
// refused, an SJOIN for such a channel joins nobody. Valid non-ASCII UTF-8 still passes.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { feed, hub, linkLeaf, logs, uid } from './harness.ts';
import { validChannelName, validIdent, validNick } from '../../src/s2s/validate.ts';
import { utf8ToByteString } from '../../src/wire/message.ts';

const T = { timeout: 20_000 };
const b = (s: string) => utf8ToByteString(s);

describe('UTF-8 in names from servers', () => {
  it('a UID whose nick or username is invalid UTF-8 is killed and logged; valid UTF-8 passes', T, () => {
    const e = hub();
    linkLeaf(e, { id: 'leaf' });
    const r = feed(e, 'leaf',
      uid('0AA', b('Zoë'), 1795305700, '0AAAAAAA1', { ident: b('zoë') }),
      uid('0AA', 'bad\xff\xfe', 1795305700, '0AAAAAAA2'),
      uid('0AA', 'ok', 1795305700, '0AAAAAAA3', { ident: 'id\xc3' }),
      uid('0AA', 'over\xc0\xafl', 1795305700, '0AAAAAAA4'));
    assert.ok(e.net.usersByUid.has('0AAAAAAA1'), 'valid UTF-8 nick and ident pass');
    assert.equal(e.net.usersByUid.has('0AAAAAAA2'), false);
    assert.equal(e.net.usersByUid.has('0AAAAAAA3'), false);
    assert.equal(e.net.usersByUid.has('0AAAAAAA4'), false, 'an overlong encoding is invalid');
    const kills = r.to('leaf').filter((l) => / KILL /.test(l));
    assert.equal(kills.length, 3, kills.join('\n'));
    assert.ok(logs(r.effects).some((l) => l.event === 'BAD_NICK') && logs(r.effects).some((l) => l.event === 'BAD_USERNAME'));
  });

  it('an SJOIN for a channel name that is invalid UTF-8 joins nobody; a valid non-ASCII one works', T, () => {
    const e = hub();
    linkLeaf(e, { id: 'leaf', burst: [uid('0AA', 'ann', 1795305700, '0AAAAAAA1')] });
    feed(e, 'leaf', ':0AA SJOIN 1795305700 #caf\xe9 :0AAAAAAA1', `:0AA SJOIN 1795305700 ${b('#café')} :0AAAAAAA1`);
    assert.equal(e.net.channel('#caf\xe9'), undefined);
    assert.ok(e.net.channel(b('#café')), 'valid UTF-8 channel name');
  });

  it('a NICK change to invalid UTF-8 is an illegal nick (the user is killed, as nick.c does); valid UTF-8 passes', T, () => {
    const e = hub();
    linkLeaf(e, { id: 'leaf', burst: [uid('0AA', 'ann', 1795305700, '0AAAAAAA1'), uid('0AA', 'bob', 1795305700, '0AAAAAAA2')] });
    feed(e, 'leaf', `:0AAAAAAA2 NICK ${b('bobé')} 1795305801`);
    assert.equal(e.net.usersByUid.get('0AAAAAAA2')?.nick, b('bobé'));
    const r = feed(e, 'leaf', ':0AAAAAAA1 NICK an\xe9 1795305800');
    assert.equal(e.net.usersByUid.has('0AAAAAAA1'), false);
    assert.ok(r.to('leaf').some((l) => / KILL 0AAAAAAA1 /.test(l)), r.to('leaf').join('\n'));
  });

  it('property: a name with non-ASCII bytes is accepted exactly when it is valid UTF-8', T, () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 9 }), (bytes) => {
      const raw = Buffer.from(bytes);
      const s = 'a' + raw.toString('latin1').replace(/[\x00-\x7f]/g, 'x');
      const utf8 = (x: string) => Buffer.from(Buffer.from(x, 'latin1').toString('utf8'), 'utf8').equals(Buffer.from(x, 'latin1'));
      const valid = utf8(s);
      assert.equal(validNick(s), valid, JSON.stringify(s));
      assert.equal(validIdent(s.slice(0, 10)), utf8(s.slice(0, 10)));
      assert.equal(validChannelName('#' + s), utf8('#' + s));
    }), { numRuns: 2000 });
  });
});
