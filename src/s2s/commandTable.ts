// The S2S command table: one entry per command, one handler file per command.
// The table checks source kind and parameter count centrally; handlers hold the decision.
import type { Ctx, Engine } from './engine.ts';
import type { Link } from './link.ts';
import type { Server } from '../state/model.ts';
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
  /**
   * A shortcut for the command's commonest line, tried before the line is parsed (Engine.fast()):
   * `line` as received on `link`, its params from `at`, its source `server` (a server behind
   * `link`, found without side effects), its tag section `rawTags`. It returns true only after doing exactly what handler()
   * would have done with that line; false leaves the line, with no state changed and no effect
   * queued, to the parser and handler().
   */
  fast?: (e: Engine, link: Link, server: Server, line: string, at: number, rawTags: string | null) => boolean;
}

export const COMMANDS: Map<string, CommandSpec> = new Map(Object.entries(HANDLERS));

/** The commands that have a fast path, with their names (see CommandSpec.fast). */
export const FAST_COMMANDS: readonly (readonly [string, CommandSpec])[] = [...COMMANDS].filter(([, spec]) => spec.fast !== undefined);
