// What the engine asks the edges to do. The engine never touches sockets, timers or disk.
import type { Channel, LinkId } from '../state/model.ts';
import type { TklEntry } from '../tkl/types.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type Effect =
  | { kind: 'send'; link: LinkId; line: string }
  /** Close the link (an ERROR line has already been queued when the engine decided it). */
  | { kind: 'close'; link: LinkId; reason: string }
  /** `fields`: more facts for the structured log line (e.g. the address of another link involved). */
  | { kind: 'log'; level: LogLevel; event: string; msg: string; link?: LinkId; fields?: Record<string, string> }
  /** A network ban changed: the store persists it. `removedBy` on a removal (not an expiry):
   *  the store keeps a tombstone of it (issue 15 item 5). */
  | { kind: 'tkl'; op: 'add' | 'del'; entry: TklEntry; removedBy?: string }
  /**
   * What the store keeps of a channel may have changed (issue 15 item 4): its modes, lists, topic,
   * MLOCK, TS or MD while it is +P, or it lost +P (or is gone). Emitted only for a channel that
   * holds +P or held it before the change; the edge reads the channel as it is then (it may be
   * destroyed: Network.channel(name) no longer gives it) and writes or deletes its record.
   */
  | { kind: 'channel'; channel: Channel }
  /** A network-level MD variable (`MD globalvar`) was set (value) or unset (null): the store keeps it. */
  | { kind: 'globalvar'; key: string; value: string | null }
  /** The peer finished its burst (EOS from the direct peer). */
  | { kind: 'synced'; link: LinkId; server: string }
  /**
   * Our burst toward the link is streamed (EngineOptions.streamBurst): its servers are queued, the
   * rest waits for Engine.burstMore(link, budget), to be called whenever the link's socket has
   * drained below its low-water mark, until it returns false.
   */
  | { kind: 'burst'; link: LinkId }
  /** The peer's SERVER was accepted: the link is registered (the edge ends its handshake limits). */
  | { kind: 'linked'; link: LinkId }
  /** Call tick() at (or soon after) this engine time, in unix seconds: a deadline falls due then. */
  | { kind: 'wake'; at: number };
