// What the engine asks the edges to do. The engine never touches sockets, timers or disk.
import type { LinkId } from '../state/model.ts';
import type { TklEntry } from '../tkl/types.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type Effect =
  | { kind: 'send'; link: LinkId; line: string }
  /** Close the link (an ERROR line has already been queued when the engine decided it). */
  | { kind: 'close'; link: LinkId; reason: string }
  | { kind: 'log'; level: LogLevel; event: string; msg: string; link?: LinkId }
  /** A network ban changed: the store persists it. */
  | { kind: 'tkl'; op: 'add' | 'del'; entry: TklEntry }
  /** The peer finished its burst (EOS from the direct peer). */
  | { kind: 'synced'; link: LinkId; server: string };
