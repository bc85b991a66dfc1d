// Splits a byte stream into lines (CR, LF or NUL end a line; empty lines are dropped).
// A line longer than `maxLine` bytes is cut there: the excess up to the next line
// break is discarded, as UnrealIRCd's fixed read buffer does.
import { bytesToLine } from './message.ts';
import { READBUF_MAX } from './limits.ts';

export class LineReader {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private discarding = false;
  constructor(private readonly maxLine = READBUF_MAX) {}

  /** Feed bytes; returns complete lines as byte strings. */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 10 || b === 13 || b === 0) {
        this.take(chunk.subarray(start, i), out, true);
        start = i + 1;
      }
    }
    if (start < chunk.length) this.take(chunk.subarray(start), out, false);
    return out;
  }

  private take(part: Buffer, out: string[], complete: boolean): void {
    if (!this.discarding && part.length) {
      const room = this.maxLine - this.pendingLen;
      if (part.length > room) {
        this.pending.push(part.subarray(0, room));
        this.pendingLen += room;
        this.discarding = true;
      } else {
        this.pending.push(part);
        this.pendingLen += part.length;
      }
    }
    if (complete) {
      if (this.pendingLen > 0) out.push(bytesToLine(Buffer.concat(this.pending, this.pendingLen)));
      this.pending = [];
      this.pendingLen = 0;
      this.discarding = false;
    }
  }

  /** Bytes buffered for an incomplete line (for recvq accounting). */
  get buffered(): number { return this.pendingLen; }
}
