// One RPC connection's state, sans-I/O: who it is, its log subscription, and its bounds (calls in
// progress at once, calls per second). A transport hands it each request text and writes what it
// sends; the session never touches a socket.
import type { LogEvent, RpcCaller } from './api.ts';
import type { Dispatcher } from './dispatcher.ts';
import { responseEnvelope } from './dispatcher.ts';
import { RpcCode } from './errors.ts';
import { logSourcesMatch, type LogSource } from './logEvents.ts';
import type { JsonObject } from './objects.ts';

export interface SessionLimits {
  /**
   * Calls of one connection in progress at once: they are answered in order, one after the other
   * (as UnrealIRCd does), and a call beyond this many waiting is refused.
   */
  maxConcurrent: number;
  /** Sustained calls per second, and the burst allowed above it. */
  callsPerSecond: number;
  burst: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxConcurrent: 16, callsPerSecond: 20, burst: 40 };

export class RpcSession {
  private inFlight = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private tokens: number;
  private last: number;
  private logSources: LogSource[] | null = null;
  private unsubscribe: (() => void) | null = null;
  private closed = false;
  /** A rehash started by this session is in progress (UnrealIRCd allows one per client). */
  rehashing = false;

  constructor(
    readonly dispatcher: Dispatcher,
    readonly caller: RpcCaller,
    /** Writes one message (a response or a log event) to the client. */
    private readonly send: (msg: JsonObject) => void,
    readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {
    this.tokens = limits.burst;
    this.last = clock();
  }

  /** Handles one request text; resolves to true when the connection must be closed (unparsable JSON). */
  async handle(text: string): Promise<boolean> {
    if (this.closed) return true;
    const now = this.clock();
    this.tokens = Math.min(this.limits.burst, this.tokens + ((now - this.last) / 1000) * this.limits.callsPerSecond);
    this.last = now;
    if (this.tokens < 1) {
      this.reply(RpcCode.INVALID_REQUEST, `too many calls: at most ${this.limits.callsPerSecond} per second on one connection`, text);
      return false;
    }
    this.tokens -= 1;
    if (this.inFlight >= this.limits.maxConcurrent) {
      this.reply(RpcCode.INVALID_REQUEST, `too many calls in progress: at most ${this.limits.maxConcurrent} at once on one connection`, text);
      return false;
    }
    this.inFlight++;
    const turn = this.queue.then(async () => {
      try {
        if (this.closed) return true;
        const { response, fatal } = await this.dispatcher.handleText(text, this);
        if (!this.closed) this.send(response);
        return fatal;
      } finally {
        this.inFlight--;
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** An error for a request that was not handled (bounds), with its id and method when they can be read. */
  private reply(code: number, message: string, text: string): void {
    let req: JsonObject | null = null;
    try {
      const v: unknown = JSON.parse(text);
      if (v && typeof v === 'object' && !Array.isArray(v)) req = v as JsonObject;
    } catch { /* not JSON: no id to give */ }
    this.send(responseEnvelope(req, { error: { code, message } }));
  }

  /** log.subscribe: replace the subscription (an empty list subscribes to nothing). */
  subscribe(sources: LogSource[]): void {
    this.logSources = sources;
    if (!this.unsubscribe) this.unsubscribe = this.dispatcher.node.subscribeLog((e) => this.logEvent(e));
  }

  unsubscribeLog(): void {
    this.logSources = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private logEvent(e: LogEvent): void {
    if (this.closed || !this.logSources || e.level === 'debug') return;
    if (!logSourcesMatch(this.logSources, e)) return;
    // UnrealIRCd's log.event: a response without id.
    this.send({ jsonrpc: '2.0', method: 'log.event', result: e });
  }

  /** The connection is gone: stop its subscription; later results are dropped. */
  close(): void {
    this.closed = true;
    this.unsubscribeLog();
  }
}
