// Bounded input: UnrealIRCd's fake lag (parse.c parse_addlag()/client_lagged_up(): unknown-users
// 1000 ms per command of up to 90 bytes, reading stops once 10 s ahead), the receive queue limit
// for registered users ("Excess Flood", class::recvq 8000) and before registration
// ("Handshake data flood detected", set::handshake-data-flood 4096), the send queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leafNode, register, TIMEOUT } from './clientHarness.ts';

test('fake lag: a burst of commands is read 10 at a time, then one per second (unknown-users)', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  register(n, 'a', 'alice');
  n.clients.receiveChunk('a', Array.from({ length: 30 }, (_, i) => `PING :p${i}`));
  assert.equal(n.pump().get('a')!.length, 10);
  n.engine.clock.advance(5);
  n.clients.tick();
  assert.deepEqual(n.pump().get('a'), [5, 6, 7, 8, 9].map((i) => `:tslink.test PONG tslink.test :p${i + 5}`));
  // A long line costs more: 1 + 450/90 = 6 s.
  n.engine.clock.advance(100);
  n.clients.tick();
  n.pump();
  const s = n.clients.sessions.get('a')!;
  const before = s.fakeLag;
  n.clients.receive('a', `PING :${'x'.repeat(444)}`);
  assert.equal(s.fakeLag - Math.max(before, n.engine.now()), 6);
});

test('CAP adds no fake lag (CMD_NOLAG)', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  n.clients.connect('c', { ip: '192.0.2.5' });
  n.clients.receiveChunk('c', Array.from({ length: 20 }, () => 'CAP LS 302'));
  assert.equal(n.pump().get('c')!.length, 20);
});

test('Excess Flood: a registered user with more than class::recvq (8000) bytes unread is disconnected', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  register(n, 'a', 'alice');
  n.sent();
  const line = `PRIVMSG nobody :${'y'.repeat(400)}`;
  n.clients.receiveChunk('a', Array.from({ length: 40 }, () => line));
  const got = n.pump().get('a')!;
  assert.equal(got.at(-1), 'ERROR :Closing Link: alice[192.0.2.10] (Excess Flood)');
  assert.equal(n.closed.get('a'), 'Excess Flood');
  assert.deepEqual(n.sent().to('hub'), [':0TSAAAAAA QUIT :Excess Flood']);
  assert.equal(n.engine.net.userByNick('alice'), undefined);
  // Under the limit nothing happens: 19 such lines are ~7.9 KB.
  register(n, 'b', 'bea');
  n.clients.receiveChunk('b', Array.from({ length: 19 }, () => line));
  assert.equal(n.closed.has('b'), false);
});

test('before registration: more than 4096 bytes unread is a handshake data flood', { timeout: TIMEOUT }, () => {
  const n = leafNode();
  n.clients.connect('c', { ip: '192.0.2.6' });
  n.clients.receiveChunk('c', Array.from({ length: 100 }, (_, i) => `NICK n${i}${'z'.repeat(50)}`));
  const got = n.pump().get('c')!;
  assert.equal(n.closed.get('c'), 'Handshake data flood detected');
  assert.equal(got.at(-1), `ERROR :Closing Link: ${('n9' + 'z'.repeat(50)).slice(0, 30)}[192.0.2.6] (Handshake data flood detected)`);
});

test('send queue: a client that does not read past class::sendq is disconnected with "Max SendQ exceeded"', { timeout: TIMEOUT }, () => {
  const n = leafNode({ cfg: { limits: { sendq: 3000 } as never } });
  register(n, 'a', 'alice');
  const s = n.clients.sessions.get('a')!;
  s.written(s.sendqBytes); // the runtime wrote the welcome
  n.clients.receive('a', 'JOIN #x');
  n.pump();
  for (let i = 0; i < 40 && !s.closed; i++) {
    n.engine.receive('hub', `:001 UID u${i} 0 1795305700 u host.example 001AAAA${String(i).padStart(2, '0')} 0 +i * * fwAAAQ== :U`);
    n.engine.receive('hub', `:001 SJOIN 1 #x :001AAAA${String(i).padStart(2, '0')}`);
    n.engine.receive('hub', `:001AAAA${String(i).padStart(2, '0')} PRIVMSG #x :${'m'.repeat(100)}`);
  }
  n.pump();
  assert.equal(n.closed.get('a'), 'Max SendQ exceeded');
});
