// One server connection at the edge: socket bytes → lines → engine, in bounded slices so
// one link's burst cannot starve the others; sendq/recvq limits; ping and handshake timers.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { LineReader } from '../wire/lineReader.ts';
import { isOneLine } from '../wire/message.ts';
import type { Logger } from './logger.ts';
import type { LineCounts } from '../metrics/lineCounts.ts';

export interface LinkConnLimits {
  sendQ: number;
  recvQ: number;
  pingFreq: number;
  handshakeTimeout: number;
}

/** Lines processed per slice before yielding to the event loop. */
export const SLICE_LINES = 200;
/**
 * Time budget of one slice (ms): a slice also yields once this much time has passed, so a slow
 * line mix or a loaded CPU cannot stretch a slice (checked every SLICE_CHECK lines).
 */
export const SLICE_MS = 8;
/**
 * Lines between looks at the clock. Small: a line can be expensive (a channel message fanned out
 * to 1,000 local users costs about 0.3 ms), and a look (performance.now()) costs about 30 ns.
 */
const SLICE_CHECK = 4;
/**
 * Unprocessed bytes read ahead of the engine before the socket is paused (also bounded by the
 * class recvq). A burst arrives faster than it is processed; reading it all at once would only
 * hold it in memory twice (line strings waiting here, then promoted by the GC), so the rest
 * waits in the kernel's socket buffer until the backlog is down to half of this.
 */
export const READ_AHEAD = 64 * 1024;
/** Bytes a link may send before SERVER is accepted (UnrealIRCd's handshake-data-flood is 4 KB). */
export const HANDSHAKE_FLOOD = 16 * 1024;
/**
 * A streamed burst (streamBurst()) is written while the socket holds less than this many bytes
 * unsent (at most a quarter of the class sendq), BURST_STEP bytes at a time: what waits in memory
 * for a slow peer is bounded by this, not by the size of the network.
 */
export const BURST_LOW_WATER = 256 * 1024;
export const BURST_STEP = 32 * 1024;
/** Time budget of one slice of burst writing (ms): the other links' lines wait at most about this long. */
export const BURST_SLICE_MS = 4;

/** Lines refused by every LinkConn of this process (see LinkConn.write()). */
let refusedLinesTotal = 0;
export function refusedLineCount(): number { return refusedLinesTotal; }

export class LinkConn {
  readonly reader = new LineReader();
  private pending: string[] = [];
  private pendingHead = 0;
  private pendingBytes = 0;
  private scheduled = false;
  private paused = false;
  /** A gate promise is pending: lines wait (see `gate`). */
  private waiting = false;
  /** The line at the head of the queue has been through the gate already. */
  private gatePassed = false;
  closed = false;
  lastRecv = Date.now();
  registered = false;
  private preRegBytes = 0;
  private pingTimer: NodeJS.Timeout | null = null;
  /** The streamed burst's next part (streamBurst()); null when there is none. */
  private burstMore: ((budget: number) => boolean) | null = null;
  private fillScheduled = false;
  private drainHooked = false;
  private hsTimer: NodeJS.Timeout | null = null;
  /**
   * Before registration, each line is shown to the gate before onLine; when it returns a promise,
   * that line and all after it wait until the promise settles (e.g. a password being checked off
   * the event loop). Bytes keep being read meanwhile, within the read-ahead bound.
   */
  gate: ((line: string) => Promise<unknown> | null) | null = null;
  /** Called with each line; the owner runs the engine and pumps effects. */
  onLine: (line: string) => void = () => {};
  /** Called when the connection must be dropped for a local reason (flood, timeouts, sendq). */
  onFault: (reason: string) => void = () => {};
  onClosed: (reason: string) => void = () => {};
  capture: ((dir: '<' | '>', line: string) => void) | null = null;
  /** The node's per-command line counters (src/metrics), or null. */
  lineCounts: LineCounts | null = null;
  /** Lines and bytes (CR LF included) processed from the peer so far. */
  linesIn = 0;
  bytesIn = 0;

  constructor(readonly id: string, readonly socket: Socket | TLSSocket, readonly address: string, readonly tls: boolean, private limits: LinkConnLimits, private log: Logger) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log.debug({ link: id, err: err.message }, 'socket error'));
    socket.on('close', () => this.closeNow('Connection closed'));
    this.hsTimer = setTimeout(() => { if (!this.registered && !this.closed) this.onFault('Handshake Timeout'); }, limits.handshakeTimeout * 1000);
    this.hsTimer.unref();
    this.pingTimer = setInterval(() => this.checkPing(), Math.max(1000, (limits.pingFreq * 1000) / 2));
    this.pingTimer.unref();
  }

  setLimits(l: LinkConnLimits): void { this.limits = l; }

  /**
   * Stream a burst: `more(budget)` queues about `budget` bytes more of it (Engine.burstMore() and
   * the node's pump) and returns false once it is complete. It is called while the socket holds less
   * than the low-water mark unsent, in slices of at most BURST_SLICE_MS (then the event loop gets its
   * turn: the other links' lines, timers), and again when the socket drains.
   */
  streamBurst(more: (budget: number) => boolean): void {
    this.burstMore = more;
    if (!this.drainHooked) {
      this.drainHooked = true;
      this.socket.on('drain', () => { if (this.burstMore !== null) this.scheduleFill(); });
    }
    // The first part right after what queued the burst (the SERVER line and the servers).
    this.fillScheduled = true;
    queueMicrotask(() => this.fill());
  }

  private get burstLowWater(): number { return Math.max(1024, Math.min(BURST_LOW_WATER, this.limits.sendQ >> 2)); }

  private scheduleFill(delayMs = 0): void {
    if (this.fillScheduled || this.closed) return;
    this.fillScheduled = true;
    if (delayMs > 0) setTimeout(() => this.fill(), delayMs).unref();
    else setImmediate(() => this.fill());
  }

  private fill(): void {
    this.fillScheduled = false;
    const start = performance.now();
    const low = this.burstLowWater;
    const step = Math.min(BURST_STEP, low >> 1);
    while (this.burstMore !== null && !this.closed) {
      if (this.queuedBytes >= low) {
        // 'drain' brings the next part, unless the queue is under the stream's own high-water mark
        // (a sendq under 64 KB gives a low-water mark under it): then look again shortly.
        if (!this.socket.writableNeedDrain) this.scheduleFill(2);
        return;
      }
      const more = this.burstMore(step);
      this.flush(); // on its way (TLS, the kernel) while the next part is made
      if (!more) { this.burstMore = null; return; }
      if (performance.now() - start >= BURST_SLICE_MS) { this.scheduleFill(); return; }
    }
  }
  private get readAhead(): number { return Math.min(this.limits.recvQ, READ_AHEAD); }
  get sendQLimit(): number { return this.limits.sendQ; }

  markRegistered(): void {
    this.registered = true;
    if (this.hsTimer) { clearTimeout(this.hsTimer); this.hsTimer = null; }
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastRecv = Date.now();
    for (const line of this.reader.push(chunk)) {
      this.pending.push(line);
      this.pendingBytes += line.length;
    }
    // Backpressure: stop reading while the unprocessed backlog is over the read-ahead bound.
    if (this.pendingBytes > this.readAhead && !this.paused) { this.paused = true; this.socket.pause(); }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.closed || this.waiting) return;
    this.scheduled = true;
    setImmediate(() => this.slice());
  }

  private slice(): void {
    this.scheduled = false;
    let n = 0;
    const start = performance.now();
    while (this.pendingHead < this.pending.length && n < SLICE_LINES && !this.closed) {
      if (n > 0 && n % SLICE_CHECK === 0 && performance.now() - start >= SLICE_MS) break;
      if (!this.registered && this.gate !== null && !this.gatePassed) {
        const wait = this.gate(this.pending[this.pendingHead]);
        if (wait !== null) {
          this.waiting = true;
          const go = (): void => { this.waiting = false; this.gatePassed = true; this.schedule(); };
          wait.then(go, go);
          return;
        }
      }
      this.gatePassed = false;
      // The slot is cleared: a processed line is garbage at once, not held by the backlog until
      // it is cut (up to 4,096 lines later, long enough for the GC to promote it to old space).
      const line = this.pending[this.pendingHead];
      this.pending[this.pendingHead++] = '';
      this.pendingBytes -= line.length;
      n++;
      this.linesIn++;
      this.bytesIn += line.length + 2;
      this.lineCounts?.countReceived(line);
      this.capture?.('<', line);
      if (!this.registered) {
        // Only what is processed before the peer's SERVER is accepted counts (handshake-data-flood).
        this.preRegBytes += line.length + 2;
        if (this.preRegBytes > HANDSHAKE_FLOOD) { this.onFault('Excess flood'); return; }
      }
      this.onLine(line);
    }
    if (this.pendingHead >= this.pending.length) { this.pending = []; this.pendingHead = 0; }
    else if (this.pendingHead > 4096) { this.pending = this.pending.slice(this.pendingHead); this.pendingHead = 0; }
    if (this.paused && this.pendingBytes < this.readAhead / 2 && !this.closed) { this.paused = false; this.socket.resume(); }
    if (this.pendingHead < this.pending.length) this.schedule();
  }

  /**
   * Queue a line; false when the send queue limit was exceeded (the caller drops the link).
   * Lines written in the same tick go to the socket together, as one write: one TLS record /
   * syscall for a whole burst slice instead of one per line, and no per-line work in the stream.
   */
  write(line: string): boolean {
    if (this.closed) return true;
    if (!isOneLine(line)) {
      // More than one line on the wire: never written, nor recorded (see encodeLine()).
      this.refusedLines++;
      refusedLinesTotal++;
      this.log.error({ event: 'LINE_REFUSED', link: this.id, refused: this.refusedLines, line: JSON.stringify(line.slice(0, 200)) }, `${this.id}: refused to write a line holding CR, LF or NUL`);
      return true;
    }
    this.capture?.('>', line);
    this.lineCounts?.countSent(line);
    // Kept as the string: the batch becomes one buffer when it is flushed (a byte per character,
    // as encodeLine() writes it), not one buffer per line.
    this.batch.push(line);
    this.batchBytes += line.length + 2;
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushTick);
    }
    if (this.socket.writableLength + this.batchBytes <= this.limits.sendQ) return true;
    this.flush();
    return this.socket.writableLength <= this.limits.sendQ;
  }
  /** Lines write() refused on this connection (they held CR, LF or NUL). */
  refusedLines = 0;
  /** Lines written in this tick, not yet handed to the socket. */
  private batch: string[] = [];
  private batchBytes = 0;
  private flushQueued = false;
  private readonly flushTick = (): void => { this.flushQueued = false; this.flush(); };

  /** Bytes queued for the peer and not yet sent (this tick's lines and the socket's buffer). */
  get queuedBytes(): number { return this.socket.writableLength + this.batchBytes; }

  /** Hand this tick's lines to the socket. */
  private flush(): void {
    if (this.batch.length === 0) return;
    this.batch.push('');
    const b = Buffer.from(this.batch.join('\r\n'), 'latin1');
    this.batch = [];
    this.batchBytes = 0;
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(b);
  }

  private checkPing(): void {
    if (this.closed) return;
    const idle = (Date.now() - this.lastRecv) / 1000;
    if (idle >= this.limits.pingFreq * 2) this.onFault(`Ping timeout: ${Math.round(idle)} seconds`);
    else if (idle >= this.limits.pingFreq && this.registered) this.ping?.();
  }
  ping: (() => void) | null = null;

  /** Flush what is queued, then close; destroy if the peer does not read. */
  close(reason: string): void {
    if (this.closed) return;
    this.flush();
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 2000);
    t.unref();
    this.closeNow(reason);
  }

  destroy(reason: string): void {
    this.batch = [];
    this.batchBytes = 0;
    this.socket.destroy();
    this.closeNow(reason);
  }

  private closeNow(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.burstMore = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.hsTimer) clearTimeout(this.hsTimer);
    this.pending = [];
    this.onClosed(reason);
  }
}
