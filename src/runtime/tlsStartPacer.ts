// Spreading TLS handshakes over event-loop turns (issue 14 item 2, the lag). Most of a TLS
// handshake's CPU is spent when the server answers the ClientHello (key exchange and signature,
// ~1-3 ms each for an RSA-2048 key). When hundreds of ClientHellos arrive together they used to be
// answered in one turn of the event loop, and every established link waited for all of them
// (1,000 handshakes: PING -> PONG up to ~1 s on another link). Here at most `perTurn` TLS sessions
// start per turn; the rest wait for the next turn (setImmediate), so I/O of the other links is
// served between batches. Nothing is refused and no slot is held across a network round trip (a
// peer that stalls mid-handshake holds nothing here), so the pacing cannot be used to starve
// anyone; addresses of configured link blocks skip the queue altogether.

export class TlsStartPacer {
  private readonly queue: (() => void)[] = [];
  private head = 0;
  private scheduled = false;
  /** Turns in which queued starts ran (for tests and figures). */
  turns = 0;

  constructor(private readonly perTurn = 8) {
    if (!Number.isInteger(perTurn) || perTurn < 1) throw new RangeError('perTurn must be an integer >= 1');
  }

  /** Runs `start` now (a trusted address, or the turn's budget not spent), else in a later turn. */
  run(trusted: boolean, start: () => void): void {
    if (trusted) { start(); return; }
    this.queue.push(start);
    if (!this.scheduled) {
      this.scheduled = true;
      // The first batch of a burst also waits one turn: a burst of ClientHellos read in one
      // poll phase is then started perTurn at a time, whatever order they were read in.
      setImmediate(() => this.drain());
    }
  }

  /** Connections waiting for their turn. */
  get waiting(): number { return this.queue.length - this.head; }

  private drain(): void {
    this.scheduled = false;
    this.turns++;
    const end = Math.min(this.queue.length, this.head + this.perTurn);
    while (this.head < end) {
      const start = this.queue[this.head]!;
      this.queue[this.head++] = noop;
      try { start(); } catch { /* a start that throws affects only its own connection */ }
    }
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
