// Splits a byte stream into lines (CR, LF or NUL end a line; empty lines are dropped).
// A line longer than `maxLine` bytes is cut there: the excess up to the next line
// break is discarded, as UnrealIRCd's fixed read buffer does. The default keeps one byte more
// than the engine's limit (READBUF_MAX = LINE_MAX_IN + 1), so a cut line still tells the engine
// it was too long: the engine cuts it to its limit and logs it (LINE_TOO_LONG), never silently.
import { READBUF_MAX } from './limits.ts';

export class LineReader {
  /** Bytes of an incomplete line carried over from earlier chunks. */
  private carry: Buffer[] = [];
  private carryLen = 0;
  private discarding = false;
  /** Lines cut at maxLine so far (their excess discarded). */
  cutLines = 0;
  constructor(private readonly maxLine = READBUF_MAX) {}

  /** Feed bytes; returns complete lines as byte strings (latin1: one char per byte). */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    let start = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i];
      if (b !== 10 && b !== 13 && b !== 0) continue;
      if (this.carryLen === 0 && !this.discarding) {
        // Fast path: the whole line is inside this chunk.
        const len = i - start;
        if (len > this.maxLine) { this.cutLines++; out.push(chunk.toString('latin1', start, start + this.maxLine)); } else if (len > 0) out.push(chunk.toString('latin1', start, i));
      } else {
        this.take(chunk.subarray(start, i));
        if (this.carryLen > 0) out.push(Buffer.concat(this.carry, this.carryLen).toString('latin1'));
        this.carry = [];
        this.carryLen = 0;
        this.discarding = false;
      }
      start = i + 1;
    }
    if (start < n) this.take(chunk.subarray(start));
    return out;
  }

  private take(part: Buffer): void {
    if (this.discarding || part.length === 0) return;
    const room = this.maxLine - this.carryLen;
    if (part.length > room) {
      // Copy: the chunk's memory is reused by the socket.
      this.carry.push(Buffer.from(part.subarray(0, room)));
      this.carryLen += room;
      this.discarding = true;
      this.cutLines++;
    } else {
      this.carry.push(Buffer.from(part));
      this.carryLen += part.length;
    }
  }

  /** Bytes buffered for an incomplete line (for recvq accounting). */
  get buffered(): number { return this.carryLen; }
}
