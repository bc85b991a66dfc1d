// End to end, two tslink nodes linked over TLS with users on each through irc-framework (and one
// raw TLS client for the bytes of labeled-response): INVITE across the link, MONITOR seeing a user
// of the other node come and go, WHOWAS after that user's quit, SETNAME seen on the other node by
// a user with the setname cap, and a labeled-response round trip.
import { describe, it, after, before } from 'node:test';
import { strict as assert } from 'node:assert';
import { Harness, rawTls, waitFor, type RawPeer } from '../runtime/helpers.ts';
import { closeUsers, connectUser, twoNodes, untagged, WAIT, type ClientNode, type User } from './e2eHelpers.ts';

describe('two linked tslink nodes: INVITE, MONITOR, WHOWAS, SETNAME, labeled-response (irc-framework over TLS)', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-e2e-cmds-');
  let a: ClientNode, b: ClientNode, ann: User, ben: User;
  const raws: RawPeer[] = [];
  before(async () => {
    ({ a, b } = await twoNodes(h));
    ann = await connectUser(a.clientPort, 'ann', { caps: ['setname'] });
    ben = await connectUser(b.clientPort, 'ben', { caps: ['setname'] });
  });
  after(async () => { for (const r of raws) r.destroy(); closeUsers(); await h.cleanup(); });

  const hostOn = (n: ClientNode, nick: string): string => n.node.engine.net.userByNick(nick)!.cloak;

  it('INVITE across the link: 341 to the inviter, the INVITE to the user on the other node, who may then join the +i channel', async () => {
    ann.irc.join('#inv');
    await ann.line(/ 366 ann #inv /);
    ann.irc.raw('MODE', '#inv', '+i');
    await ann.line(/ MODE #inv \+i/);
    await waitFor(() => b.node.engine.net.channel('#inv')?.modes.has('i') === true, WAIT, '+i on b.test');
    ann.irc.raw('INVITE', 'ben', '#inv');
    assert.equal(untagged(await ann.line(/ 341 ann /)), ':a.test 341 ann ben #inv');
    const inv = await ben.event('invite', (e) => e.channel === '#inv');
    assert.equal(inv.nick, 'ann');
    assert.equal(untagged(await ben.line(/ INVITE ben /)), `:ann!ann@${hostOn(b, 'ann')} INVITE ben :#inv`);
    ben.irc.join('#inv');
    await ann.event('join', (e) => e.nick === 'ben' && e.channel === '#inv');
  });

  it('MONITOR across the link: 731 at first, 730 when the user connects on the other node, 731 when it quits; WHOWAS then has it', async () => {
    ann.irc.raw('MONITOR', '+', 'cat');
    assert.equal(untagged(await ann.line(/ 731 ann /)), ':a.test 731 ann :cat');
    const cat = await connectUser(b.clientPort, 'cat');
    assert.equal(untagged(await ann.line(/ 730 ann /)), `:a.test 730 ann :cat!cat@${hostOn(a, 'cat')}`);
    const catHost = hostOn(a, 'cat');
    cat.irc.quit('bye');
    await waitFor(() => ann.lines.filter((l) => / 731 ann :cat$/.test(l)).length === 2, WAIT, 'a second 731 for cat');
    ann.irc.raw('WHOWAS', 'cat');
    assert.equal(untagged(await ann.line(/ 314 ann cat /)), `:a.test 314 ann cat cat ${catHost} * :Real cat`);
    assert.match(untagged(await ann.line(/ 312 ann cat /)), /^:a\.test 312 ann cat b\.test :\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/);
    assert.equal(untagged(await ann.line(/ 369 ann cat /)), ':a.test 369 ann cat :End of WHOWAS');
  });

  it('SETNAME crosses the link: the user with the setname cap on the other node sees it, WHOIS there shows the new name', async () => {
    ann.irc.raw('SETNAME', 'Ann the Second');
    const up = await ben.event('user updated', (e) => e.nick === 'ann' && e.new_gecos === 'Ann the Second');
    assert.equal(up.hostname, hostOn(b, 'ann'));
    assert.equal(untagged(await ben.line(/ SETNAME :Ann the Second$/)), `:ann!ann@${hostOn(b, 'ann')} SETNAME :Ann the Second`);
    ben.irc.raw('WHOIS', 'ann');
    assert.equal(untagged(await ben.line(/ 311 ben ann .*Ann the Second/)), `:b.test 311 ben ann ann ${hostOn(b, 'ann')} * :Ann the Second`);
  });

  it('labeled-response round trip: the label on the reply, a labeled-response batch for several, every line ending in exactly CR LF', async () => {
    const r = await rawTls(a.clientPort);
    raws.push(r);
    let bytes = '';
    r.socket.on('data', (d: string) => { bytes += d; });
    r.send('CAP LS 302', 'CAP REQ :labeled-response batch', 'NICK dot', 'USER dot 0 * :Dot', 'CAP END');
    const first = await r.waitLine(/^PING :| 001 dot /, WAIT);
    if (first.startsWith('PING :')) r.send(`PONG :${first.slice(6)}`);
    await r.waitLine(/ 001 dot /, WAIT);
    r.send('@label=one PING :tok', '@label=many WHOIS ben', '@label=none PONG :x');
    await r.waitLine(/^@label=none /, WAIT);
    assert.ok(r.has(/^@label=one :a\.test PONG a\.test :tok$/), r.lines.join('\n'));
    const start = r.lines.find((l) => l.startsWith('@label=many '))!;
    const id = /^@label=many :a\.test BATCH \+(\S+) labeled-response$/.exec(start)?.[1];
    assert.ok(id, start);
    const inBatch = r.lines.filter((l) => l.startsWith(`@batch=${id} `));
    assert.equal(untagged(inBatch[0]), `:a.test 311 dot ben ben ${hostOn(a, 'ben')} * :Real ben`);
    assert.equal(untagged(inBatch.at(-1)!), ':a.test 318 dot ben :End of /WHOIS list.');
    assert.ok(r.has(new RegExp(`^:a\\.test BATCH -${id}$`)));
    assert.equal(r.lines.find((l) => l.startsWith('@label=none ')), '@label=none :a.test ACK');
    assert.ok(!bytes.includes('\r\r'), 'no CR CR LF');
    assert.equal(bytes.split('\r\n').slice(0, -1).filter((l) => l.includes('\n') || l.includes('\r')).length, 0, 'every line ends in exactly CR LF');
    assert.ok(bytes.endsWith('\r\n'));
  });
});
