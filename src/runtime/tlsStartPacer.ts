// Spreading TLS handshakes over event-loop turns (issue 14 item 2, the lag). Most of a TLS
// handshake's CPU is spent when the server answers the ClientHello (key exchange and signature,
// ~1-3 ms each for an RSA-2048 key, more when the CPU is shared). When hundreds of ClientHellos
// arrive together they used to be answered in one turn of the event loop, and every established
// link waited for all of them (1,000 handshakes: PING -> PONG up to ~1 s on another link). Here the
// TLS sessions of strangers start in turns: each turn starts at most `perTurn` of them and stops
// earlier once `budgetMs` of wall-clock time has gone into the turn's starts (at least one starts
// per turn), so a slow or shared CPU starts fewer per turn instead of stretching the turn; the rest
// wait for the next turn (setImmediate), and the other links' I/O is served between turns. Nothing
// is refused and no slot is held across a network round trip (a peer that stalls mid-handshake
// holds nothing here), so the pacing cannot be used to starve anyone; addresses of configured link
// blocks skip the queue altogether.

export interface TlsStartPacerOptions {
  /** Starts per turn at most. */
  perTurn?: number;
  /** Wall-clock time per turn (ms) after which no further start runs in that turn. */
  budgetMs?: number;
  /** The clock (tests replace it). */
  now?: () => number;
}

export class TlsStartPacer {
  private readonly queue: (() => void)[] = [];
  private head = 0;
  private scheduled = false;
  private readonly perTurn: number;
  private readonly budgetMs: number;
  private readonly now: () => number;
  /** Turns in which queued starts ran (for tests and figures). */
  turns = 0;
  /** The most starts run in one turn so far. */
  maxPerTurn = 0;

  constructor(opts: TlsStartPacerOptions | number = {}) {
    const o = typeof opts === 'number' ? { perTurn: opts } : opts;
    this.perTurn = o.perTurn ?? 8;
    this.budgetMs = o.budgetMs ?? 4;
    this.now = o.now ?? (() => performance.now());
    if (!Number.isInteger(this.perTurn) || this.perTurn < 1) throw new RangeError('perTurn must be an integer >= 1');
    if (!(this.budgetMs > 0) || !Number.isFinite(this.budgetMs)) throw new RangeError('budgetMs must be a finite number > 0');
  }

  /** Runs `start` now (a trusted address), else in a later turn. */
  run(trusted: boolean, start: () => void): void {
    if (trusted) { start(); return; }
    this.queue.push(start);
    if (!this.scheduled) {
      this.scheduled = true;
      // The first batch of a burst also waits one turn: a burst of ClientHellos read in one
      // poll phase is then started a few at a time, whatever order they were read in.
      setImmediate(() => this.drain());
    }
  }

  /** Connections waiting for their turn. */
  get waiting(): number { return this.queue.length - this.head; }

  private drain(): void {
    this.scheduled = false;
    this.turns++;
    const end = Math.min(this.queue.length, this.head + this.perTurn);
    const t0 = this.now();
    let n = 0;
    while (this.head < end) {
      if (n > 0 && this.now() - t0 >= this.budgetMs) break;
      const start = this.queue[this.head]!;
      this.queue[this.head++] = noop;
      n++;
      try { start(); } catch { /* a start that throws affects only its own connection */ }
    }
    if (n > this.maxPerTurn) this.maxPerTurn = n;
    if (this.head < this.queue.length) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    } else {
      // Empty: drop the array (it only grew during the burst).
      this.queue.length = 0;
      this.head = 0;
    }
  }
}

const noop = (): void => {};
