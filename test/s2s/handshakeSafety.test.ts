// A hostile peer's handshake and tags (issue 12 items 1, 8, 9): values unescaped from tags never
// carry a line break into a line we compose, handshake commands get the command table's
// minimum-parameter check, and PROTOCTL is read as UnrealIRCd's protoctl.c reads it (one token per
// param, case-sensitive names, bounded caps, the post-registration rules).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Engine } from '../../src/s2s/engine.ts';
import { eauthOf } from '../../src/s2s/protoctl.ts';
import { unescapeTagValue } from '../../src/wire/message.ts';
import { drainSent, hub, linkLeaf, logs, uid } from './harness.ts';

const T = { timeout: 20_000 };

/** Lines sent to `link` with their tags (whole lines, as they would go on the wire). */
function wholeLines(e: Engine, link: string): string[] {
  return e.drain().flatMap((ef) => (ef.kind === 'send' && ef.link === link ? [ef.line] : []));
}

describe('line injection through tag values (item 1)', () => {
  it('an s2s-md tag with \\r\\n escapes is stored without the breaks, and the next burst carries no injected line', T, () => {
    const e = hub();
    linkLeaf(e, { id: 'leaf', name: 'leaf.test', sid: '0AA', burst: [
      '@s2s-md/certfp=x\\r\\n:0AA\\sKILL\\s001AAAAAA\\s:injected\\r\\n:0AA\\sSID\\sfake.test\\s2\\s0FK\\s:x ' + uid('0AA', 'mallory', 1795305700, '0AAAAAAAA'),
    ] });
    const u = e.net.usersByUid.get('0AAAAAAAA');
    assert.ok(u, 'the user is introduced');
    // A second server links: its burst includes mallory's MD.
    linkLeaf(e, { id: 'late', name: 'late.test', sid: '0BB', eos: false });
    e.linkUp('late2', 'in', '127.0.0.1');
    for (const l of ['PASS :x', 'PROTOCTL EAUTH=late2.test,6100,x,x SID=0CC', 'PROTOCTL MTAGS', 'SERVER late2.test 1 :late']) e.receive('late2', l);
    const burst = wholeLines(e, 'late2');
    assert.ok(burst.length > 5, 'a burst was sent');
    for (const l of burst) assert.doesNotMatch(l, /[\r\n\0]/, `a burst line holds a break: ${JSON.stringify(l)}`);
    const md = burst.find((l) => / MD client 0AAAAAAAA certfp /.test(l));
    assert.ok(md, `the certfp MD is in the burst:\n${burst.join('\n')}`);
    assert.match(md!, /:x:0AA KILL 001AAAAAA :injected:0AA SID fake\.test 2 0FK :x$/);
  });

  it('unescapeTagValue never yields CR, LF or NUL', T, () => {
    assert.equal(unescapeTagValue('a\\rb\\nc'), 'abc');
    assert.equal(unescapeTagValue('a\rb\nc\0d'), 'abcd');
    assert.equal(unescapeTagValue('x\\:y\\sz\\\\'), 'x;y z\\');
  });
});

describe('handshake commands and the minimum-parameter check (item 8)', () => {
  it('PASS with no parameter before registration answers 461 and throws nothing', T, () => {
    const e = hub();
    e.linkUp('p', 'in', '127.0.0.1');
    e.receive('p', 'PASS');
    const sent = drainSent(e);
    assert.deepEqual(logs(sent.effects, 'ENGINE_EXCEPTION'), []);
    assert.deepEqual(sent.to('p'), [':hub.test 461 * PASS :Not enough parameters']);
    assert.equal(e.links.get('p')?.phase, 'handshake', 'the link is still there');
    e.receive('p', 'PROTOCTL');
    assert.deepEqual(drainSent(e).to('p'), [':hub.test 461 * PROTOCTL :Not enough parameters']);
  });

  it('exactly one PASS per connection: a second PASS before registration drops the link (issue 14 item 6)', T, () => {
    const e = hub();
    e.linkUp('p', 'in', '127.0.0.1');
    e.receive('p', 'PASS :first');
    e.receive('p', 'PASS :second');
    assert.equal(e.links.has('p'), false, 'the link is gone');
    const sent = drainSent(e);
    assert.ok(logs(sent.effects, 'LINK_DENIED').some((l) => /PASS received twice/.test(l.msg)));
  });

  it('PASS takes the rest of the line as one password, as UnrealIRCd registers it (one param)', T, () => {
    const e = hub();
    e.linkUp('p', 'in', '127.0.0.1');
    e.receive('p', 'PASS two words');
    assert.equal(e.links.get('p')?.password, 'two words');
    const long = 'x'.repeat(300);
    e.linkUp('q', 'in', '127.0.0.1');
    e.receive('q', `PASS :${long}`);
    assert.equal(e.links.get('q')?.password, long, 'kept whole: authorization refuses it, not a silent cut');
  });
});

describe('PROTOCTL as protoctl.c reads it (items 4 and 9)', () => {
  it('token names are case-sensitive: eauth= is not EAUTH', T, () => {
    assert.equal(eauthOf(['eauth=leaf.test']), null);
    assert.deepEqual(eauthOf(['NOQUIT', 'EAUTH=leaf.test,6100,Fhn,Unreal-6']), { name: 'leaf.test', protocol: 6100, flags: 'Fhn', software: 'Unreal-6' });
    assert.deepEqual(eauthOf(['EAUTH=services.test']), { name: 'services.test', protocol: 0, flags: '', software: '' });
    const e = hub();
    let asked = 0;
    e.opts.authorize = () => { asked++; return { ok: true }; };
    e.linkUp('p', 'in', '127.0.0.1');
    e.receive('p', 'PASS :x');
    e.receive('p', 'PROTOCTL eauth=leaf.test,6100');
    assert.equal(e.links.get('p')?.eauthName, null);
    assert.equal(asked, 0, 'nothing was authorized by a lower-case token');
  });

  it('2,000 PROTOCTL lines after registration leave the caps bounded', T, () => {
    const e = hub();
    linkLeaf(e, { id: 'leaf' });
    const link = e.links.get('leaf')!;
    const before = link.caps.size;
    for (let i = 0; i < 2000; i++) e.receive('leaf', `PROTOCTL ${Array.from({ length: 29 }, (_, k) => `X${i}_${k}=${'v'.repeat(10)}`).join(' ')}`);
    for (let i = 0; i < 200; i++) e.receive('leaf', `PROTOCTL TSLINK-JUNK${i}=1 FLAG${i}`);
    assert.ok(link.caps.size <= before + 2, `caps grew from ${before} to ${link.caps.size}`);
    assert.equal(link.phase, 'linked');
    assert.deepEqual(logs(e.drain(), 'ENGINE_EXCEPTION'), []);
  });

  it('after SERVER: EAUTH or SID again drops the link; CHANMODES changes the link\'s modes and its SINFO goes out', T, () => {
    const e = hub();
    linkLeaf(e, { id: 'a', name: 'a.test', sid: '0AA' });
    linkLeaf(e, { id: 'b', name: 'b.test', sid: '0BB' });
    e.receive('a', 'PROTOCTL CHANMODES=beI,fkL,lFH,cimnpst');
    const sent = drainSent(e);
    const a = e.links.get('a')!;
    assert.equal(a.chanmodes.spec, 'beI,fkL,lFH,cimnpst');
    assert.ok(sent.to('b').some((l) => /^:0AA SINFO \d+ 6100 \S+ beI,fkL,lFH,cimnpst /.test(l)), sent.to('b').join('\n'));
    assert.equal(e.net.serversBySid.get('0AA')?.sinfo?.chanmodes, 'beI,fkL,lFH,cimnpst');
    e.receive('a', 'PROTOCTL EAUTH=a.test');
    assert.equal(e.links.has('a'), false, 'EAUTH after SERVER drops the link');
    e.receive('b', 'PROTOCTL SID=0BB');
    assert.equal(e.links.has('b'), false, 'SID after SERVER drops the link');
  });
});
