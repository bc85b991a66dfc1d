// pino logger: JSON lines, pretty on a TTY. Secrets are redacted by path wherever they appear.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = ['password', 'pass', 'secret', 'hmacSecret', '*.password', '*.pass', '*.secret', '*.hmacSecret', 'config.links[*].passwordHash'];

export function createLogger(opts: { level?: string; pretty?: boolean; destination?: pino.DestinationStream } = {}): Logger {
  const base: pino.LoggerOptions = { level: opts.level ?? process.env.TSLINK_LOG_LEVEL ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'tslink' } };
  if (opts.destination) return pino(base, opts.destination);
  const pretty = opts.pretty ?? (process.stdout.isTTY === true);
  if (pretty) {
    try {
      return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:standard' } } });
    } catch {
      // pino-pretty unavailable: JSON it is.
    }
  }
  return pino(base);
}

export type { Logger };
