// A channel message fanned out to local members (src/client/router.ts routeMessage, the session
// slots it keeps per channel, CapSet's tag key, LocalClients' outbox): each member gets it exactly
// once, with the tags its caps ask for at that moment, whatever joined, left or closed meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leafNode, register, body, TIMEOUT } from './clientHarness.ts';
import { CapSet, lineForRecipients } from '../../src/client/tags.ts';

const BOB = ':001 UID bob 0 1795305700 bob host-9.example.org 001AAAAAB 0 +iwx * Clk-X.example.org xhICDA== :Bob';

function setup(nicks: string[]) {
  const n = leafNode({ burst: [BOB, ':001 SJOIN 1795305000 #big +nt :@001AAAAAB'] });
  for (const nick of nicks) {
    register(n, nick, nick);
    n.clients.receive(nick, 'JOIN #big');
  }
  n.pump(); n.sent();
  let k = 0;
  /** bob says something in #big: who got it. */
  const say = (): string[] => {
    const text = `line ${++k}`;
    n.engine.receive('hub', `:001AAAAAB PRIVMSG #big :${text}`);
    const got: string[] = [];
    for (const [id, lines] of n.pump()) {
      const mine = lines.filter((l) => body(l) === `:bob!bob@Clk-X.example.org PRIVMSG #big :${text}`);
      assert.ok(mine.length <= 1, `${id} got the message ${mine.length} times`);
      if (mine.length) got.push(id);
    }
    n.sent();
    return got.sort();
  };
  return { n, say };
}

test('members that leave, join, quit and register in between: each member gets each message once, nobody else', { timeout: TIMEOUT }, () => {
  const { n, say } = setup(['u1', 'u2', 'u3', 'u4']);
  assert.deepEqual(say(), ['u1', 'u2', 'u3', 'u4']);
  // u2 leaves: the last member (u4) takes its slot; u5 joins at the end.
  n.clients.receive('u2', 'PART #big');
  register(n, 'u5', 'u5');
  n.clients.receive('u5', 'JOIN #big');
  n.pump();
  assert.deepEqual(say(), ['u1', 'u3', 'u4', 'u5']);
  // u3 quits (its session closes) and u6 joins: u6 may take a slot u3's session was kept for.
  n.clients.receive('u3', 'QUIT :bye');
  register(n, 'u6', 'u6');
  n.clients.receive('u6', 'JOIN #big');
  n.pump();
  assert.deepEqual(say(), ['u1', 'u4', 'u5', 'u6']);
  // u2 comes back, u1 and u4 leave: three slots change at once.
  n.clients.receive('u2', 'JOIN #big');
  n.clients.receive('u1', 'PART #big');
  n.clients.receive('u4', 'PART #big');
  n.pump();
  assert.deepEqual(say(), ['u2', 'u5', 'u6']);
});

test('a cap requested or dropped between two messages changes the tags of the next one', { timeout: TIMEOUT }, () => {
  const { n } = setup(['u1', 'u2']);
  const msg = (text: string) => {
    n.engine.receive('hub', `@msgid=F9kb5AFNoeTmlnB8zdYpkC;time=2026-11-22T00:02:20.285Z :001AAAAAB PRIVMSG #big :${text}`);
    const got = n.pump();
    return { u1: got.get('u1')!.at(-1)!, u2: got.get('u2')!.at(-1)! };
  };
  const plain = (t: string) => `:bob!bob@Clk-X.example.org PRIVMSG #big :${t}`;
  assert.deepEqual(msg('one'), { u1: plain('one'), u2: plain('one') });
  n.clients.receive('u1', 'CAP REQ :server-time');
  n.pump();
  assert.deepEqual(msg('two'), { u1: `@time=2026-11-22T00:02:20.285Z ${plain('two')}`, u2: plain('two') });
  n.clients.receive('u1', 'CAP REQ :message-tags');
  n.clients.receive('u2', 'CAP REQ :server-time');
  n.pump();
  assert.deepEqual(msg('three'), { u1: `@msgid=F9kb5AFNoeTmlnB8zdYpkC;time=2026-11-22T00:02:20.285Z ${plain('three')}`, u2: `@time=2026-11-22T00:02:20.285Z ${plain('three')}` });
  n.clients.receive('u1', 'CAP REQ :-server-time -message-tags');
  n.pump();
  assert.deepEqual(msg('four'), { u1: plain('four'), u2: `@time=2026-11-22T00:02:20.285Z ${plain('four')}` });
});

test('CapSet: its tag key follows add, delete and clear (the same line as a plain Set of those caps gets)', { timeout: TIMEOUT }, () => {
  const caps = new CapSet();
  const line = lineForRecipients({ msgid: 'M', time: 'T', account: 'acc' }, ':x PRIVMSG #c :hi');
  const same = (note: string) => assert.equal(line(caps), line(new Set(caps)), note);
  same('empty');
  caps.add('server-time'); same('server-time');
  caps.add('account-tag'); same('account-tag');
  caps.add('message-tags'); same('message-tags');
  caps.delete('server-time'); same('server-time dropped');
  assert.equal(line(caps), '@account=acc;msgid=M :x PRIVMSG #c :hi');
  caps.clear(); same('cleared');
  assert.equal(line(caps), ':x PRIVMSG #c :hi');
});

test('a line holding CR, LF or NUL is refused before it is queued or counted in the sendq', { timeout: TIMEOUT }, () => {
  const { n } = setup(['u1']);
  const s = n.clients.sessions.get('u1')!;
  const refused: string[] = [];
  n.clients.onRefusedLine = (x) => refused.push(x.id);
  const sendq = s.sendqBytes;
  for (const bad of ['a\r\nQUIT', 'a\nb', 'a\0b']) s.send(bad);
  s.send('fine');
  s.send('fine');
  assert.deepEqual(n.pump().get('u1'), ['fine', 'fine']);
  assert.equal(n.clients.refusedLines, 3);
  assert.deepEqual(refused, ['u1', 'u1', 'u1']);
  assert.equal(s.sendqBytes, sendq + 2 * ('fine'.length + 2));
});

test('the outbox: each client\'s lines in order, its close after them; takeOutput hands each client over once', { timeout: TIMEOUT }, () => {
  const { n } = setup(['u1', 'u2']);
  const s1 = n.clients.sessions.get('u1')!, s2 = n.clients.sessions.get('u2')!;
  const mask2 = s2.mask;
  s1.send('a1'); s2.send('b1'); s1.send('a2');
  s2.close('Bye');
  s2.send('after close');
  const seen: [string, string[] | null, string | null][] = [];
  n.clients.takeOutput((id, lines, close) => seen.push([id, lines, close]));
  assert.equal(seen.length, 2);
  // u1 shares #big with u2: it sees u2's QUIT after its own lines.
  assert.deepEqual(seen[0], ['u1', ['a1', 'a2', `:${mask2} QUIT :Bye`], null]);
  assert.equal(seen[1][0], 'u2');
  assert.deepEqual(seen[1][1]!.slice(0, 1), ['b1']);
  assert.match(seen[1][1]!.at(-1)!, /^ERROR :Closing Link: u2\[.*\] \(Bye\)$/);
  assert.equal(seen[1][2], 'Bye');
  // Nothing is handed over twice; new lines start a new batch.
  n.clients.takeOutput(() => assert.fail('nothing queued'));
  s1.send('a3');
  assert.deepEqual(n.clients.drain(), [{ kind: 'line', client: 'u1', line: 'a3' }]);
});
