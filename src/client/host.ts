// What the client side needs from the rest of the node: the shared network state (read only), the
// engine's local-origin input, and a clock. The client side never imports src/runtime, and the
// engine never imports src/client: the node wires them together through this interface and the
// router's hook (router.ts).
import type { Network } from '../state/network.ts';
import type { Server } from '../state/model.ts';
import type { ChanModeGroups } from '../s2s/chanmodes.ts';
import type { Engine } from '../s2s/engine.ts';

export interface ClientHost {
  /** The network state (src/state/network.ts). Read it; change it only through local(). */
  readonly net: Network;
  /** Our own server. */
  readonly me: Server;
  /** The channel mode groups we parse and advertise (the engine's localChanmodes). */
  readonly chanModes: ChanModeGroups;
  /** Unix seconds. */
  now(): number;
  /** Milliseconds (server-time tags, fake lag). */
  nowMs(): number;
  /** When the server started (003). */
  bootTime(): number;
  /**
   * Feed one S2S line of local origin (our server or one of our users, e.g.
   * ":0TSAAAAAA PRIVMSG #chan :hi", tags allowed) to the engine, which changes the state and
   * relays it to the links (Engine.local()).
   */
  local(line: string): void;
  /** Number of servers linked to us directly (255 "I have N clients and M servers"). */
  directLinks(): number;
  /** The highest global user count seen (266): NETINFO's, or the most users the network held. */
  maxGlobalUsers(): number;
}

/** A ClientHost over a real Engine (the node's and the tests'). `clock` defaults to the engine's. */
export function engineHost(engine: Engine, clockMs?: () => number): ClientHost {
  const ms = clockMs ?? (() => engine.now() * 1000);
  return {
    net: engine.net,
    me: engine.me,
    chanModes: engine.localChanmodes,
    now: () => engine.now(),
    nowMs: ms,
    bootTime: () => engine.bootTime,
    local: (line) => engine.local(line),
    directLinks: () => { let n = 0; for (const l of engine.links.values()) if (l.phase === 'linked') n++; return n; },
    maxGlobalUsers: () => engine.globalMax(),
  };
}
