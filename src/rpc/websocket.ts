// The server side of RFC 6455 (WebSocket), sans-I/O: the opening handshake's accept key, an
// incremental frame parser for what a client sends, and the frames the server sends. Only what
// the RPC needs: text messages (UTF-8, checked), fragmented or not, ping/pong and close; no
// extensions (a frame with an RSV bit set is a protocol error), no binary messages.
import { createHash } from 'node:crypto';

/** RFC 6455 section 1.3: the GUID appended to Sec-WebSocket-Key. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const Opcode = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** Close codes (RFC 6455 section 7.4.1). */
export const CloseCode = { NORMAL: 1000, GOING_AWAY: 1001, PROTOCOL_ERROR: 1002, UNSUPPORTED: 1003, INVALID_DATA: 1007, POLICY: 1008, TOO_BIG: 1009, INTERNAL: 1011 } as const;

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/** A Sec-WebSocket-Key must be the base64 of 16 bytes (24 characters). */
export function validClientKey(key: string | undefined): key is string {
  return typeof key === 'string' && /^[A-Za-z0-9+/]{22}==$/.test(key) && Buffer.from(key, 'base64').length === 16;
}

export type WsEvent =
  | { kind: 'message'; text: string }
  | { kind: 'ping'; data: Buffer }
  | { kind: 'pong'; data: Buffer }
  | { kind: 'close'; code: number; reason: string }
  /** The client broke the protocol: close with this code, then drop the connection. */
  | { kind: 'error'; code: number; reason: string };

/** A frame the server sends (never masked, always FIN). */
export function encodeFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const n = data.length;
  let head: Buffer;
  if (n < 126) {
    head = Buffer.from([0x80 | opcode, n]);
  } else if (n < 65536) {
    head = Buffer.alloc(4);
    head[0] = 0x80 | opcode; head[1] = 126; head.writeUInt16BE(n, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode; head[1] = 127; head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, data]);
}

/** A close frame: code (2 bytes) and a reason (at most 123 bytes of UTF-8). */
export function encodeClose(code: number, reason = ''): Buffer {
  let r = Buffer.from(reason, 'utf8');
  if (r.length > 123) r = r.subarray(0, 123);
  const body = Buffer.alloc(2 + r.length);
  body.writeUInt16BE(code, 0);
  r.copy(body, 2);
  return encodeFrame(Opcode.CLOSE, body);
}

function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/**
 * What a client sends, frame by frame: push() the bytes as they come, get the events. A message
 * (all its fragments together) over `maxMessage` bytes, an unmasked frame, a bad opcode or
 * RSV bit, a fragmented or long control frame, or text that is not UTF-8 is an 'error' event,
 * after which the parser takes nothing more.
 */
export class WsParser {
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private inMessage = false;
  private failed = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxMessage: number) {}

  push(chunk: Buffer): WsEvent[] {
    if (this.failed) return [];
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: WsEvent[] = [];
    for (;;) {
      const ev = this.frame();
      if (ev === null) break;
      if (ev !== undefined) out.push(ev);
      if (ev?.kind === 'error' || ev?.kind === 'close') { this.failed = true; break; }
    }
    return out;
  }

  private fail(code: number, reason: string): WsEvent {
    this.buf = Buffer.alloc(0);
    return { kind: 'error', code, reason };
  }

  /** One frame's event; undefined for a frame that makes none (a fragment); null when more bytes are needed. */
  private frame(): WsEvent | undefined | null {
    const b = this.buf;
    if (b.length < 2) return null;
    const fin = (b[0] & 0x80) !== 0;
    if ((b[0] & 0x70) !== 0) return this.fail(CloseCode.PROTOCOL_ERROR, 'reserved bits set (no extension was agreed)');
    const opcode = b[0] & 0x0f;
    const masked = (b[1] & 0x80) !== 0;
    if (!masked) return this.fail(CloseCode.PROTOCOL_ERROR, 'client frames must be masked');
    let len = b[1] & 0x7f;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.maxMessage)) return this.fail(CloseCode.TOO_BIG, `message larger than ${this.maxMessage} bytes`);
      len = Number(big);
      off = 10;
    }
    const control = opcode >= 0x8;
    if (control) {
      if (!fin) return this.fail(CloseCode.PROTOCOL_ERROR, 'a control frame cannot be fragmented');
      if (len > 125) return this.fail(CloseCode.PROTOCOL_ERROR, 'a control frame carries at most 125 bytes');
    } else if (this.fragmentBytes + len > this.maxMessage) {
      return this.fail(CloseCode.TOO_BIG, `message larger than ${this.maxMessage} bytes`);
    }
    if (b.length < off + 4 + len) return null;
    const mask = b.subarray(off, off + 4);
    const payload = Buffer.alloc(len);
    for (let i = 0; i < len; i++) payload[i] = b[off + 4 + i] ^ mask[i & 3];
    this.buf = b.subarray(off + 4 + len);
    switch (opcode) {
      case Opcode.PING: return { kind: 'ping', data: payload };
      case Opcode.PONG: return { kind: 'pong', data: payload };
      case Opcode.CLOSE: {
        if (len === 1) return this.fail(CloseCode.PROTOCOL_ERROR, 'a close frame body is a 2-byte code and a reason');
        const code = len >= 2 ? payload.readUInt16BE(0) : CloseCode.NORMAL;
        if (len >= 2 && !validCloseCode(code)) return this.fail(CloseCode.PROTOCOL_ERROR, `close code ${code} is not one a client may send`);
        let reason = '';
        try { reason = this.decoder.decode(payload.subarray(2)); } catch { return this.fail(CloseCode.INVALID_DATA, 'close reason is not UTF-8'); }
        return { kind: 'close', code, reason };
      }
      case Opcode.TEXT:
      case Opcode.BINARY:
        if (this.inMessage) return this.fail(CloseCode.PROTOCOL_ERROR, 'a new message started before the last one was finished');
        if (opcode === Opcode.BINARY) return this.fail(CloseCode.UNSUPPORTED, 'the RPC takes text messages (JSON) only');
        if (fin) return this.text(payload);
        this.inMessage = true;
        this.fragments = [payload];
        this.fragmentBytes = len;
        return undefined;
      case Opcode.CONTINUATION: {
        if (!this.inMessage) return this.fail(CloseCode.PROTOCOL_ERROR, 'a continuation frame without a message to continue');
        this.fragments.push(payload);
        this.fragmentBytes += len;
        if (!fin) return undefined;
        const whole = Buffer.concat(this.fragments);
        this.fragments = [];
        this.fragmentBytes = 0;
        this.inMessage = false;
        return this.text(whole);
      }
      default:
        return this.fail(CloseCode.PROTOCOL_ERROR, `unknown opcode ${opcode}`);
    }
  }

  private text(payload: Buffer): WsEvent {
    try {
      return { kind: 'message', text: this.decoder.decode(payload) };
    } catch {
      return this.fail(CloseCode.INVALID_DATA, 'a text message must be UTF-8');
    }
  }
}
