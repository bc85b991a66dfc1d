// The pure comparison (compare.ts) and the line rewriting of the live replay, on their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSED_MARKER, compareLines, formatDiff, isReply, s2sNormaliser, type SideNames } from '../../src/replay/compare.ts';
import { parseLine } from '../../src/wire/message.ts';
import { rewriteLine, pinPolicy, isLoopbackHost } from '../../src/replay/live.ts';

const id = (l: string) => l;

test('equal lists: no divergence, every line compared', () => {
  const r = compareLines(['a', 'b', 'c'], ['a', 'b', 'c'], id);
  assert.equal(r.equal, true);
  assert.equal(r.entries.length, 3);
  assert.deepEqual(r.compared, { expected: 3, actual: 3 });
  assert.match(formatDiff(r), /no divergence \(3 lines compared\)/);
});

test('missing, unexpected and changed lines are placed where they happen', () => {
  const r = compareLines(['a', 'b', 'c', 'd', 'e'], ['a', 'c', 'X', 'e', 'f'], id);
  assert.equal(r.equal, false);
  assert.deepEqual(r.entries.map((e) => `${e.op[0]}${e.norm}`), ['sa', 'mb', 'sc', 'md', 'uX', 'se', 'uf']);
  assert.equal(r.missing, 2);
  assert.equal(r.unexpected, 2);
});

test('the normaliser decides what is compared (null = skipped) and both sides can use their own', () => {
  const exp = ['keep 1', 'skip', 'keep 2'];
  const act = ['KEEP 1', 'KEEP 2', 'noise'];
  const r = compareLines(exp, act, { expected: (l) => (l.startsWith('keep') ? l.toUpperCase() : null), actual: (l) => (l.startsWith('KEEP') ? l : null) });
  assert.equal(r.equal, true);
  assert.deepEqual(r.compared, { expected: 2, actual: 2 });
});

test('references are kept for the report: capture line numbers and received indexes', () => {
  const r = compareLines([{ line: 'x', ref: 40 }, { line: 'y', ref: 41 }], [{ line: 'x', ref: 7 }, { line: 'z', ref: 8 }], id);
  const text = formatDiff(r);
  assert.match(text, /2 divergence\(s\): 1 expected line\(s\) not received, 1 unexpected line\(s\) received/);
  assert.match(text, /^- y +\[capture line 41: y\]$/m);
  assert.match(text, /^\+ z +\[received #8: z\]$/m);
  assert.match(text, /^ {2}x$/m);
});

test('large inputs: prefix/suffix trimming keeps long equal lists cheap', { timeout: 60_000 }, () => {
  const a = Array.from({ length: 50_000 }, (_, i) => `line ${i}`);
  const b = [...a];
  b[25_000] = 'changed';
  const r = compareLines(a, b, id);
  assert.equal(r.missing, 1);
  assert.equal(r.unexpected, 1);
});

const recorded: SideNames = { peerName: 'hub.test', peerSid: '001', selfName: 'leaf.test', selfSid: '0AA' };
const live: SideNames = { peerName: 'tslink.test', peerSid: '0TS', selfName: 'replay.test', selfSid: '0RP' };

test('s2s normaliser: tags, names, SIDs, UIDs, timestamps and addresses are volatile', () => {
  const ne = s2sNormaliser(recorded), na = s2sNormaliser(live);
  assert.equal(ne('@msgid=abc;time=2026-11-22T00:00:01.000Z :hub.test PONG 001 :leaf.test'), ':<peer> PONG <peer-sid> :<self>');
  assert.equal(na(':tslink.test PONG 0TS :replay.test'), ':<peer> PONG <peer-sid> :<self>');
  assert.equal(ne(':001 KILL 0AAAAAAA9 :Nick collision: leaf.test <- hub.test'), ':<peer> KILL <self>AAAAA9 :Nick collision: <self> <- <peer>');
  assert.equal(na(':0TS KILL 0RPAAAAA9 :Nick collision: replay.test <- tslink.test'), ':<peer> KILL <self>AAAAA9 :Nick collision: <self> <- <peer>');
  assert.equal(ne('ERROR :Closing Link: leaf.test[127.0.0.1] (capture done)'), 'ERROR :Closing Link: <self>[<addr>] (capture done)');
  assert.equal(na('ERROR :Closing Link: replay.test[::1] (capture done)'), 'ERROR :Closing Link: <self>[<addr>] (capture done)');
  assert.equal(ne(':hub.test 401 leafA #nonexistent :No such nick/channel'), ':<peer> 401 leafA #nonexistent :No such nick/channel');
  assert.equal(ne(CLOSED_MARKER), CLOSED_MARKER);
});

test('s2s normaliser: the peer\'s UIDs are numbered by first appearance, consistently on each side', () => {
  const ne = s2sNormaliser(recorded), na = s2sNormaliser(live);
  const e = [':001 KILL 001GXG705 :Nick collision', ':001 KILL 0014ERC0N :x', ':001 KILL 001GXG705 :again'].map(ne);
  const a = [':0TS KILL 0TSAAAAAB :Nick collision', ':0TS KILL 0TSAAAAAC :x', ':0TS KILL 0TSAAAAAB :again'].map(na);
  assert.deepEqual(e, a);
  assert.deepEqual(e, [':<peer> KILL <peer-uid#1> :Nick collision', ':<peer> KILL <peer-uid#2> :x', ':<peer> KILL <peer-uid#1> :again']);
});

test('s2s normaliser, replies scope: only what a server answers on its own', () => {
  const n = s2sNormaliser(recorded);
  assert.equal(n('PASS :linkpass'), null);
  assert.equal(n('PROTOCTL EAUTH=hub.test,6100,Fhn6OoE,UnrealIRCd-6.1.8.1'), null);
  assert.equal(n(':001 SMOD :L:x:1'), null);
  assert.equal(n('@unrealircd.org/json-log=%7B%7D :001 SLOG info x y :z'), null);
  assert.equal(n(':001 UID victor- 0 1795305733 vict h 0019U1G01 0 +i * * ZJQLaw== :x'), null);
  assert.equal(n(':0019U1G01 KILL 0AAAAAAA2 :oper kill'), null, 'an operator\'s KILL is user traffic, not a reply');
  assert.equal(n(':0019U1G01 PRIVMSG #lobby :hi'), null);
  assert.equal(n(':001 KILL 0AAZZZZZZ :Ghost user'), ':<peer> KILL <self>ZZZZZZ :Ghost user');
  assert.ok(n(':hub.test 461 leaf.test UID :Not enough parameters'));
  assert.ok(n(':hub.test SQUIT x.test :Unknown prefix'));
  assert.equal(n(':001 KILL 0ZZAAAAAA :Bad UID'), ':<peer> KILL <uid#1> :Bad UID');
});

test('s2s normaliser, all scope: everything but the handshake, timestamps masked', () => {
  const n = s2sNormaliser(recorded, { scope: 'all' });
  assert.equal(n(':001 SJOIN 1795305735 #lobby :0019U1G01 @0AAAAAAA1'), ':<peer> SJOIN <ts> #lobby :<peer-uid#1> @<self>AAAAA1');
  assert.equal(n('PASS :x'), null);
  assert.equal(n(':0019U1G01 PRIVMSG #lobby :hi'), ':<peer-uid#1> PRIVMSG #lobby :hi');
});

test('isReply', () => {
  const r = (l: string) => isReply(parseLine(l)!, 'hub.test', '001');
  assert.equal(r('ERROR :x'), true);
  assert.equal(r(':hub.test PONG 001 :leaf.test'), true);
  assert.equal(r(':001 KILL x :y'), true);
  assert.equal(r('KILL x :y'), false);
  assert.equal(r(':0019U1G01 KILL x :y'), false);
  assert.equal(r(':001 SJOIN 1 #c :x'), false);
});

test('rewriteLine: our name/SID/UIDs, the peer\'s name/SID, PASS, timestamps', () => {
  const map = {
    from: { selfName: 'leaf.test', selfSid: '0AA', peerName: 'hub.test', peerSid: '001' },
    to: { selfName: 'replay.example', selfSid: '0RP', peerName: 'tslink.example', peerSid: '0TS' },
    password: 'newpass', tsShift: 1000, tsAnchor: 1795305738,
  };
  assert.equal(rewriteLine('PASS :linkpass', map), 'PASS :newpass');
  assert.equal(rewriteLine('PROTOCTL EAUTH=leaf.test,6100,Fhn6OoE,FakeLeaf-0.1', map), 'PROTOCTL EAUTH=replay.example,6100,Fhn6OoE,FakeLeaf-0.1');
  assert.equal(rewriteLine('PROTOCTL CHANMODES=beI BOOTED=1795305738 SID=0AA MLOCK TS=1795305738 EXTSWHOIS', map), 'PROTOCTL CHANMODES=beI BOOTED=1795306738 SID=0RP MLOCK TS=1795306738 EXTSWHOIS');
  assert.equal(rewriteLine('SERVER leaf.test 1 :U6100-Fhn6OoE-0AA Fake leaf', map), 'SERVER replay.example 1 :U6100-Fhn6OoE-0RP Fake leaf');
  assert.equal(rewriteLine(':0AA SJOIN 1795305735 #lobby :@0AAAAAAA1 +0AAAAAAA2 <1795305775,leafop!op@leaf.test>&*!*@x', map),
    ':0RP SJOIN 1795306735 #lobby :@0RPAAAAA1 +0RPAAAAA2 <1795306775,leafop!op@replay.example>&*!*@x');
  assert.equal(rewriteLine(':0AA PING 0AA 001', map), ':0RP PING 0RP 0TS');
  assert.equal(rewriteLine(':0AA SQUIT hub.test :bye', map), ':0RP SQUIT tslink.example :bye');
  assert.equal(rewriteLine(':001TPZK0V PRIVMSG #lobby :0AAx stays, hub.testing stays, 42 stays, 1234567890 stays', map), ':0TSTPZK0V PRIVMSG #lobby :0AAx stays, hub.testing stays, 42 stays, 1234567890 stays');
  assert.equal(rewriteLine('PASS :*', { ...map, password: undefined }), 'PASS :*');
});

test('pins and loopback', () => {
  assert.deepEqual(pinPolicy(['a'.repeat(64), '9ac71+1dyBIPmKoe2sSVsHCjN8i5oX4CIf1AbXeiygs=']), { certfp: ['a'.repeat(64)], spkifp: ['9ac71+1dyBIPmKoe2sSVsHCjN8i5oX4CIf1AbXeiygs='] });
  assert.throws(() => pinPolicy(['nope']), /neither a certfp/);
  assert.equal(isLoopbackHost('127.0.0.1'), true);
  assert.equal(isLoopbackHost('[::1]'), true);
  assert.equal(isLoopbackHost('localhost'), true);
  assert.equal(isLoopbackHost('192.0.2.1'), false);
});
