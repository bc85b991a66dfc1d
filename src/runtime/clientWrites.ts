// The client side's outgoing lines, written in time-boxed passes. Lines queued for a client in one
// turn of the event loop leave in one write (a fan-out to a channel is one write per member, not
// one per message per member); a pass writes for at most WRITE_SLICE_MS, and what is left waits
// for the next turn (setImmediate), so a fan-out to a big channel (a write per member, tens of µs
// each) never holds the event loop for longer than that: the other sockets and the timers get
// their turn in between. A client still waiting keeps its place, and what it is sent meanwhile
// joins its queued lines (in order, one write later). A close waits for the client's lines.
import type { ClientId } from '../client/session.ts';

/**
 * Time budget of one pass (ms), checked every WRITE_CHECK clients. Half a link slice (SLICE_MS): a
 * turn of the event loop that processes a slice of channel messages and writes them is then ~12 ms,
 * not 16 (bench/fanout.ts: median PING → PONG 20-24 ms with 4, 26-38 with 8, same delivered/s).
 */
export const WRITE_SLICE_MS = 4;
export const WRITE_CHECK = 16;

export interface ClientWriteSink {
  /** Write one client's lines (CR LF after each). */
  write(id: ClientId, lines: string[]): void;
  /** End one client's connection (after its lines). */
  end(id: ClientId): void;
}

export class ClientWrites {
  private queued = new Map<ClientId, string[]>();
  private closes: ClientId[] = [];
  private scheduled = false;
  /** Passes that stopped on the time budget with clients left (for tests and metrics). */
  slicedPasses = 0;
  private readonly task = (): void => this.pass();

  constructor(private readonly sink: ClientWriteSink, private readonly clock: () => number = () => performance.now(), private readonly sliceMs = WRITE_SLICE_MS) {}

  /** Queue a line for a client; the first queued in a turn schedules a pass (a microtask). */
  line(id: ClientId, line: string): void {
    let l = this.queued.get(id);
    if (!l) this.queued.set(id, (l = []));
    l.push(line);
    this.schedule(false);
  }

  /** Queue lines for a client (the array is taken over: the caller must not use it again). */
  lines(id: ClientId, lines: string[]): void {
    const l = this.queued.get(id);
    if (l === undefined) this.queued.set(id, lines);
    else for (const line of lines) l.push(line);
    this.schedule(false);
  }

  /** End the client once the lines queued for it are written. */
  close(id: ClientId): void {
    this.closes.push(id);
    this.schedule(false);
  }

  /** Clients with lines waiting. */
  get waiting(): number { return this.queued.size; }

  private schedule(nextTurn: boolean): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (nextTurn) setImmediate(this.task);
    else queueMicrotask(this.task);
  }

  /** One pass: clients in the order they were queued, until the budget is used; then the closes whose lines are out. */
  pass(): void {
    this.scheduled = false;
    const start = this.clock();
    const out = this.queued;
    let n = 0;
    for (const [id, lines] of out) {
      if (n > 0 && n % WRITE_CHECK === 0 && this.clock() - start >= this.sliceMs) break;
      out.delete(id);
      n++;
      this.sink.write(id, lines);
    }
    if (this.closes.length > 0) {
      const closes = this.closes;
      this.closes = [];
      for (const id of closes) {
        if (out.has(id)) this.closes.push(id);
        else this.sink.end(id);
      }
    }
    if (out.size > 0) { this.slicedPasses++; this.schedule(true); }
  }
}

/**
 * A client's lines as the bytes to write (CR LF after each). The members of a channel are mostly
 * sent the same lines (the same strings) in a row: when a client's lines are those of the client
 * before, its Buffer is written again, so a fan-out encodes each batch once, not once per member.
 */
export class LineEncoder {
  private lastLines: readonly string[] | null = null;
  private lastData: Buffer | null = null;

  encode(lines: readonly string[]): Buffer {
    const last = this.lastLines;
    if (last !== null && this.lastData !== null && last.length === lines.length) {
      let same = true;
      for (let i = 0; i < lines.length; i++) if (last[i] !== lines[i]) { same = false; break; }
      if (same) return this.lastData;
    }
    const data = Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
    this.lastLines = lines;
    this.lastData = data;
    return data;
  }
}
