// Channel mode +D (delayed join) and the server's +d, for real clients (irc-framework over TLS), as
// UnrealIRCd's chanmodes/delayjoin.c and channel.c user_can_see_member() present them:
//  - a member that joins a +D channel is hidden from the plain members (no JOIN, not in NAMES,
//    not in WHO) but seen by itself and by halfops and up (check_channel_access "hoaq");
//  - it is shown (its JOIN) when it speaks in the channel or a status of it changes; a member that
//    becomes halfop or more gets the JOINs of the hidden ones, and their PARTs when it stops being one;
//  - the PART / KICK / QUIT of a hidden member reach only itself and those who see it;
//  - -D while members are still hidden sets +d (":<server> MODE <chan> +d"; they stay hidden), and
//    the last reveal takes it away (-d);
//  - remote members (an SJOIN from the other node) are hidden the same way: the hiding is each
//    server's own presentation, the network carries every join.
// Absence is checked after a PING round trip of the watching client: every line the server wrote
// it before the PONG has arrived.
import { describe, it, after, before } from 'node:test';
import { strict as assert } from 'node:assert';
import { Harness, waitFor } from '../runtime/helpers.ts';
import { clientNode, closeUsers, connectUser, twoNodes, untagged, WAIT, type ClientNode, type User } from './e2eHelpers.ts';

let tokens = 0;
/** A PING round trip for each user: the lines the server sent it before are all in. */
async function sync(...us: User[]): Promise<void> {
  for (const u of us) {
    const tok = `sync${++tokens}`;
    u.irc.raw('PING', tok);
    await u.line(new RegExp(` PONG \\S+ :?${tok}$`));
  }
}

/** The lines `u` gets for a request, up to the one matching `end`. */
async function ask(u: User, end: RegExp, ...args: string[]): Promise<string[]> {
  const from = u.lines.length;
  u.irc.raw(...args);
  await waitFor(() => u.lines.slice(from).some((l) => end.test(l)), WAIT, `${args.join(' ')}: ${end}\n${u.lines.slice(from).join('\n')}`);
  const got = u.lines.slice(from).map(untagged);
  return got.slice(0, got.findIndex((l) => end.test(l)) + 1);
}

/** The nicks of a NAMES reply (prefixes dropped). */
async function names(u: User, chan: string): Promise<string[]> {
  const lines = await ask(u, new RegExp(` 366 \\S+ ${chan} `), 'NAMES', chan);
  return lines.filter((l) => / 353 /.test(l)).flatMap((l) => l.slice(l.indexOf(' :') + 2).split(' ')).map((n) => n.replace(/^[~&@%+]+/, '').replace(/!.*/, '')).sort();
}

/** The nicks of a WHO <chan> reply. */
async function who(u: User, chan: string): Promise<string[]> {
  const lines = await ask(u, new RegExp(` 315 \\S+ ${chan} `), 'WHO', chan);
  return lines.filter((l) => / 352 /.test(l)).map((l) => l.split(' ')[7]).sort();
}

/** A JOIN line of `nick` to `chan`, plain or extended-join (irc-framework asks for extended-join). */
function joinOf(nick: string, chan: string): RegExp { return new RegExp(`^:${nick}!${nick}@\\S+ JOIN :?${chan}( \\S+ :.*)?$`); }

/** Lines of `u` since index `from` that mention `re`. */
function since(u: User, from: number, re: RegExp): string[] {
  return u.lines.slice(from).map(untagged).filter((l) => re.test(l));
}

describe('channel mode +D (delayed join) on one tslink node, as delayjoin.c shows it to local users', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-delayjoin-');
  let a: ClientNode, op: User, plain: User;
  before(async () => {
    a = await clientNode(h, h.identity('a.test'), '0AA', [], { maxperip: 50, connectFlood: '100:10' });
    op = await connectUser(a.clientPort, 'op');
    plain = await connectUser(a.clientPort, 'plain');
    op.irc.join('#dj');
    await op.line(/ 366 op #dj /);
    plain.irc.join('#dj');
    await op.line(/:plain!\S+ JOIN :?#dj/);
    op.irc.raw('MODE', '#dj', '+D');
    await plain.line(/ MODE #dj \+D/);
  });
  after(async () => { closeUsers(); await h.cleanup(); });

  it('a member joining a +D channel is hidden from plain members (no JOIN, not in NAMES or WHO) until it speaks; ops see it at once', async () => {
    const mark = plain.lines.length;
    const late = await connectUser(a.clientPort, 'late');
    late.irc.join('#dj');
    await op.line(/:late!\S+ JOIN :?#dj/);
    // The joiner sees itself and the visible members.
    assert.deepEqual(await names(late, '#dj'), ['late', 'op', 'plain']);
    await sync(plain);
    assert.deepEqual(since(plain, mark, /late/), [], 'no JOIN of late for the plain member');
    assert.deepEqual(await names(plain, '#dj'), ['op', 'plain']);
    assert.deepEqual(await who(plain, '#dj'), ['op', 'plain']);
    assert.deepEqual(await names(op, '#dj'), ['late', 'op', 'plain']);
    assert.deepEqual(await who(op, '#dj'), ['late', 'op', 'plain']);
    // It speaks: its JOIN first, then the message; the op (who saw it) gets no second JOIN.
    late.irc.say('#dj', 'hello');
    await plain.line(/:late!\S+ PRIVMSG #dj :hello/);
    const got = since(plain, mark, /late/);
    assert.match(got[0], joinOf('late', '#dj'));
    assert.match(got[1], /^:late!late@\S+ PRIVMSG #dj :hello$/);
    await op.line(/:late!\S+ PRIVMSG #dj :hello/);
    assert.equal(op.lines.filter((l) => /:late!\S+ JOIN/.test(l)).length, 1);
    assert.deepEqual(await names(plain, '#dj'), ['late', 'op', 'plain']);
    late.irc.quit('bye');
    await plain.line(/:late!\S+ QUIT :Quit: bye/);
  });

  it('the NICK, PART, KICK and QUIT of a still-hidden member reach only itself and the ops, not the plain members', async () => {
    const mark = plain.lines.length;
    const p = await connectUser(a.clientPort, 'parter');
    const k = await connectUser(a.clientPort, 'kicked');
    const q = await connectUser(a.clientPort, 'quitter');
    for (const u of [p, k, q]) u.irc.join('#dj');
    for (const n of ['parter', 'kicked', 'quitter']) await op.line(new RegExp(`:${n}!\\S+ JOIN :?#dj`));
    p.irc.changeNick('parter2');
    await op.line(/:parter!\S+ NICK :?parter2/);
    p.irc.raw('PART', '#dj', 'going');
    await p.line(/:parter2!\S+ PART #dj :going/);
    await op.line(/:parter2!\S+ PART #dj :going/);
    op.irc.raw('KICK', '#dj', 'kicked', 'out');
    await k.line(/:op!\S+ KICK #dj kicked :out/);
    await op.line(/:op!\S+ KICK #dj kicked :out/);
    q.irc.quit('leaving');
    await op.line(/:quitter!\S+ QUIT :Quit: leaving/);
    await sync(plain);
    assert.deepEqual(since(plain, mark, /parter|kicked|quitter/), [], 'the plain member saw none of them');
  });

  it('a status shows a hidden member (its JOIN before the MODE); a new halfop gets the hidden JOINs, and their PARTs with -h', async () => {
    const voiced = await connectUser(a.clientPort, 'voiced');
    const shy = await connectUser(a.clientPort, 'shy');
    voiced.irc.join('#dj');
    shy.irc.join('#dj');
    await op.line(/:voiced!\S+ JOIN :?#dj/);
    await op.line(/:shy!\S+ JOIN :?#dj/);
    let mark = plain.lines.length;
    op.irc.raw('MODE', '#dj', '+v', 'voiced');
    await plain.line(/ MODE #dj \+v voiced/);
    let got = since(plain, mark, /voiced/);
    assert.match(got[0], joinOf('voiced', '#dj'));
    assert.match(got[1], /^:op!\S+ MODE #dj \+v voiced$/);
    // plain becomes a halfop: shy's JOIN before the MODE.
    mark = plain.lines.length;
    op.irc.raw('MODE', '#dj', '+h', 'plain');
    await plain.line(/ MODE #dj \+h plain/);
    got = since(plain, mark, /shy| MODE #dj/);
    assert.match(got[0], joinOf('shy', '#dj'));
    assert.match(got[1], /^:op!\S+ MODE #dj \+h plain$/);
    assert.deepEqual(await names(plain, '#dj'), ['op', 'plain', 'shy', 'voiced']);
    mark = plain.lines.length;
    op.irc.raw('MODE', '#dj', '-h', 'plain');
    await plain.line(/ MODE #dj -h plain/);
    got = since(plain, mark, /shy| MODE #dj/);
    assert.match(got[0], /^:shy!shy@\S+ PART :#dj$/);
    assert.deepEqual(await names(plain, '#dj'), ['op', 'plain', 'voiced']);
    voiced.irc.raw('PART', '#dj');
    shy.irc.raw('PART', '#dj');
    await op.line(/:shy!\S+ PART #dj/);
  });

  it('-D with members still hidden sets +d (they stay hidden, MODE shows +d); the last one speaking clears it (-d); new joins are then seen', async () => {
    const hid = await connectUser(a.clientPort, 'hid');
    hid.irc.join('#dj');
    await op.line(/:hid!\S+ JOIN :?#dj/);
    const mark = plain.lines.length;
    op.irc.raw('MODE', '#dj', '-D');
    await plain.line(/:op!\S+ MODE #dj -D/);
    const got = since(plain, mark, / MODE #dj/);
    assert.deepEqual(got, [':a.test MODE #dj +d', got[1]]);
    assert.match(got[1], /^:op!\S+ MODE #dj -D $|^:op!\S+ MODE #dj -D$/);
    const modeIs = (await ask(plain, / 324 plain #dj /, 'MODE', '#dj')).find((l) => / 324 /.test(l))!;
    assert.match(modeIs, / 324 plain #dj \+\S*d/);
    assert.doesNotMatch(modeIs, / 324 plain #dj \+\S*D/);
    const listed = (await ask(plain, / 323 plain /, 'LIST', '#dj')).find((l) => / 322 /.test(l))!;
    assert.match(listed, / 322 plain #dj \d+ :\[\+\S*d\S*\]/);
    assert.deepEqual(await names(plain, '#dj'), ['op', 'plain']);
    // A join after -D is seen by all.
    const open = await connectUser(a.clientPort, 'open');
    open.irc.join('#dj');
    await plain.line(/:open!\S+ JOIN :?#dj/);
    // The last hidden member speaks: -d, then its JOIN, then the message.
    const m2 = plain.lines.length;
    hid.irc.say('#dj', 'here');
    await plain.line(/:hid!\S+ PRIVMSG #dj :here/);
    const after = since(plain, m2, /hid|MODE #dj/);
    assert.equal(after[0], ':a.test MODE #dj -d');
    assert.match(after[1], joinOf('hid', '#dj'));
    const modeNow = (await ask(plain, / 324 plain #dj /, 'MODE', '#dj')).find((l) => / 324 /.test(l))!;
    assert.doesNotMatch(modeNow, / 324 plain #dj \+\S*d/);
    assert.deepEqual(await names(plain, '#dj'), ['hid', 'op', 'open', 'plain']);
  });
});

describe('channel mode +D across two tslink nodes: a remote joiner (SJOIN) is hidden locally too', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-delayjoin2-');
  let a: ClientNode, b: ClientNode;
  after(async () => { closeUsers(); await h.cleanup(); });
  before(async () => { ({ a, b } = await twoNodes(h)); });

  it('a member joining from the other node is hidden from the plain members here until it speaks there', async () => {
    const op = await connectUser(a.clientPort, 'rop');
    const plain = await connectUser(a.clientPort, 'rplain');
    op.irc.join('#rdj');
    await op.line(/ 366 rop #rdj /);
    plain.irc.join('#rdj');
    await op.line(/:rplain!\S+ JOIN :?#rdj/);
    op.irc.raw('MODE', '#rdj', '+D');
    await plain.line(/ MODE #rdj \+D/);
    await waitFor(() => b.node.engine.net.channel('#rdj')?.modes.has('D') === true, WAIT, '+D on b.test');
    const mark = plain.lines.length;
    const far = await connectUser(b.clientPort, 'far');
    far.irc.join('#rdj');
    await op.line(/:far!\S+ JOIN :?#rdj/);
    await sync(plain);
    assert.deepEqual(since(plain, mark, /far/), []);
    assert.deepEqual(await names(plain, '#rdj'), ['rop', 'rplain']);
    assert.deepEqual(await names(op, '#rdj'), ['far', 'rop', 'rplain']);
    far.irc.say('#rdj', 'from afar');
    await plain.line(/:far!\S+ PRIVMSG #rdj :from afar/);
    const got = since(plain, mark, /far/);
    assert.match(got[0], joinOf('far', '#rdj'));
    assert.match(got[1], /PRIVMSG #rdj :from afar$/);
    assert.deepEqual(await names(plain, '#rdj'), ['far', 'rop', 'rplain']);
  });
});
