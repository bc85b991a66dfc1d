// Refusals by log event ID, counted from the node's own log calls: every refusal is already
// logged with its event ID in one place or another (listeners, the engine's effects, rehash,
// RPC), so wrapping the logger counts them all without touching those places.
import type { Logger } from '../runtime/logger.ts';

/** The log events that say something was refused or dropped (the metric's `event` label values). */
export const REFUSAL_EVENTS = [
  'LINK_DENIED',
  'LINK_REVOKED',
  'LINK_SENDQ',
  'LINE_REFUSED',
  'LINK_CONNECT_FAILED',
  'RPC_AUTH_FAILED',
  'REHASH_FAILED',
] as const;

const COUNTED = new Set<string>(REFUSAL_EVENTS);
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export class RefusalCounts {
  readonly counts = new Map<string, number>(REFUSAL_EVENTS.map((e) => [e, 0]));

  /** Count one log record's fields. */
  count(fields: unknown): void {
    if (fields === null || typeof fields !== 'object') return;
    const f = fields as { event?: unknown; suppressed?: unknown };
    const event = f.event;
    if (typeof event !== 'string') return;
    // LINK_DENIED lines are rate-limited per address (RefusalLog): a line carries the refusals
    // left out before it, and LINK_DENIED_SUPPRESSED reports the rest, so every refusal counts once.
    const suppressed = typeof f.suppressed === 'number' && f.suppressed > 0 ? f.suppressed : 0;
    if (event === 'LINK_DENIED_SUPPRESSED') { this.add('LINK_DENIED', suppressed); return; }
    if (COUNTED.has(event)) this.add(event, 1 + (event === 'LINK_DENIED' ? suppressed : 0));
  }

  private add(event: string, n: number): void {
    if (n > 0) this.counts.set(event, (this.counts.get(event) ?? 0) + n);
  }

  /**
   * The logger, with each level method counting its record first. Everything else (level,
   * child(), pino's stream symbol that the RPC log tap reads) is the logger's own.
   */
  wrap(logger: Logger): Logger {
    const counted = Object.create(logger) as Logger;
    for (const level of LEVELS) {
      const method = (obj: unknown, ...rest: unknown[]): void => {
        this.count(obj);
        (logger[level] as (...a: unknown[]) => void).call(logger, obj, ...rest);
      };
      Object.defineProperty(counted, level, { value: method, writable: true, configurable: true });
    }
    Object.defineProperty(counted, 'child', { value: (...a: Parameters<Logger['child']>) => logger.child(...a), writable: true, configurable: true });
    return counted;
  }
}
