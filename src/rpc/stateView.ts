// The network as the state dump's objects (src/replay/stateDump.ts), built at most once per call
// and again after a change the call made itself. Lookups by UID, nick, server and channel go to
// the engine's indexes; the objects come from the dump, so the RPC and `replay --state` agree.
// (The dump is built whole: stateDump.ts exports no per-object builders yet.)
import { buildStateDump, type JsonObject, type StateDump } from '../replay/stateDump.ts';
import type { RpcNode } from './api.ts';
import { casefold } from '../wire/casemap.ts';
import { displayText, utf8ToByteString } from '../wire/message.ts';

/** A JSON (Unicode) string as the engine's byte string (its UTF-8 bytes, one char each). */
export const toWire = utf8ToByteString;

export class StateView {
  private dump: StateDump | null = null;
  constructor(private readonly node: RpcNode) {}

  get(): StateDump {
    if (!this.dump) this.dump = buildStateDump(this.node.engine.net, this.node.engine.tkl, this.node.engine.now());
    return this.dump;
  }

  /** Forget the dump (after a change): the next read builds it again. */
  invalidate(): void { this.dump = null; }

  userById(uid: string): JsonObject | undefined {
    return this.get().users.find((u) => u.id === uid);
  }

  serverById(sid: string): JsonObject | undefined {
    return this.get().servers.find((s) => s.id === sid);
  }

  channelByName(name: string): JsonObject | undefined {
    const ch = this.node.engine.net.channels.get(casefold(toWire(name)));
    if (!ch) return undefined;
    const shown = displayText(ch.name);
    return this.get().channels.find((c) => c.name === shown);
  }
}
