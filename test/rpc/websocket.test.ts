// RFC 6455 framing of src/rpc/websocket.ts, sans-I/O: what a client may and may not send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptKey, CloseCode, encodeFrame, Opcode, validClientKey, WsParser } from '../../src/rpc/websocket.ts';
import { WsClient } from './helpers.ts';

test('the accept key of RFC 6455 section 1.3', () => {
  assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  assert.ok(validClientKey('dGhlIHNhbXBsZSBub25jZQ=='));
  assert.ok(!validClientKey('short'));
  assert.ok(!validClientKey(undefined));
});

test('text messages whole, split across pushes, fragmented; ping and close', () => {
  const p = new WsParser(1024);
  const whole = WsClient.frame(Opcode.TEXT, 'héllo');
  assert.deepEqual(p.push(whole), [{ kind: 'message', text: 'héllo' }]);
  const f = Buffer.concat([WsClient.frame(Opcode.TEXT, 'ab', false), WsClient.frame(Opcode.PING, 'p'), WsClient.frame(Opcode.CONTINUATION, 'cd')]);
  const events = [...p.push(f.subarray(0, 3)), ...p.push(f.subarray(3, 9)), ...p.push(f.subarray(9))];
  assert.deepEqual(events.map((e) => e.kind), ['ping', 'message']);
  assert.equal((events[1] as { text: string }).text, 'abcd');
  const close = Buffer.alloc(2); close.writeUInt16BE(1000);
  assert.deepEqual(p.push(WsClient.frame(Opcode.CLOSE, close)), [{ kind: 'close', code: 1000, reason: '' }]);
  assert.deepEqual(p.push(whole), [], 'nothing after close');
});

test('protocol errors: unmasked, RSV bits, binary, too big, bad UTF-8, long or fragmented control frames, stray continuation', () => {
  const err = (buf: Buffer, max = 1024) => new WsParser(max).push(buf)[0];
  assert.deepEqual(err(encodeFrame(Opcode.TEXT, 'x')), { kind: 'error', code: CloseCode.PROTOCOL_ERROR, reason: 'client frames must be masked' });
  const rsv = WsClient.frame(Opcode.TEXT, 'x'); rsv[0] |= 0x40;
  assert.equal(err(rsv).kind === 'error' && (err(rsv) as { code: number }).code, CloseCode.PROTOCOL_ERROR);
  assert.equal((err(WsClient.frame(Opcode.BINARY, 'x')) as { code: number }).code, CloseCode.UNSUPPORTED);
  assert.equal((err(WsClient.frame(Opcode.TEXT, 'x'.repeat(2000))) as { code: number }).code, CloseCode.TOO_BIG);
  // A declared 64-bit length over the limit is refused before its payload arrives.
  const huge = Buffer.from([0x81, 0xff, 0, 0, 0, 1, 0, 0, 0, 0]);
  assert.equal((err(huge) as { code: number }).code, CloseCode.TOO_BIG);
  assert.equal((err(WsClient.frame(Opcode.TEXT, Buffer.from([0xc3, 0x28]))) as { code: number }).code, CloseCode.INVALID_DATA);
  assert.equal((err(WsClient.frame(Opcode.PING, 'x'.repeat(126))) as { code: number }).code, CloseCode.PROTOCOL_ERROR);
  assert.equal((err(WsClient.frame(Opcode.PING, 'x', false)) as { code: number }).code, CloseCode.PROTOCOL_ERROR);
  assert.equal((err(WsClient.frame(Opcode.CONTINUATION, 'x')) as { code: number }).code, CloseCode.PROTOCOL_ERROR);
  const p = new WsParser(1024);
  p.push(WsClient.frame(Opcode.TEXT, 'a', false));
  assert.equal((p.push(WsClient.frame(Opcode.TEXT, 'b'))[0] as { code: number }).code, CloseCode.PROTOCOL_ERROR);
  // Fragments adding up to more than the limit.
  const q = new WsParser(10);
  q.push(WsClient.frame(Opcode.TEXT, 'x'.repeat(8), false));
  assert.equal((q.push(WsClient.frame(Opcode.CONTINUATION, 'x'.repeat(8)))[0] as { code: number }).code, CloseCode.TOO_BIG);
});

test('server frames: unmasked, with 7-, 16- and 64-bit lengths', () => {
  assert.deepEqual([...encodeFrame(Opcode.TEXT, 'hi')], [0x81, 2, 0x68, 0x69]);
  const mid = encodeFrame(Opcode.TEXT, 'x'.repeat(300));
  assert.deepEqual([mid[1], mid.readUInt16BE(2)], [126, 300]);
  const big = encodeFrame(Opcode.TEXT, 'x'.repeat(70000));
  assert.deepEqual([big[1], Number(big.readBigUInt64BE(2))], [127, 70000]);
});
