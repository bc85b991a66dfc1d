// The S2S command table: one entry per command, one handler file per command.
// The table checks source kind and parameter count centrally; handlers hold the decision.
import type { Ctx, Engine } from './engine.ts';
import { HANDLERS } from './handlers/index.ts';

export interface CommandSpec {
  /** Minimum number of parameters. */
  minParams: number;
  /** Who may send it: a server source, a user source, or either. */
  from: 'server' | 'user' | 'any';
  /** Commands registered with fewer params get the remainder glued into the last one. */
  maxParams?: number;
  /** Accepted while the link is still in its handshake. */
  handshake?: boolean;
  /** Handled without source resolution even after registration (PASS/PROTOCTL/SERVER). */
  handshakeOnly?: boolean;
  handler: (e: Engine, ctx: Ctx) => void;
  onMissingParams?: (e: Engine, ctx: Ctx) => void;
  onServerSource?: (e: Engine, ctx: Ctx) => void;
}

export const COMMANDS: Map<string, CommandSpec> = new Map(Object.entries(HANDLERS));
