// What the server_ban, server_ban_exception, name_ban and spamfilter groups share: the TKL type
// names, the ban object of one entry (the state dump's, through a one-entry table), expiry and
// set_by parameters, and the TKL lines the node sends as its own.
import { buildStateDump, type JsonObject } from '../../replay/stateDump.ts';
import { Network } from '../../state/network.ts';
import { TklTable } from '../../tkl/tklTable.ts';
import type { TklEntry } from '../../tkl/types.ts';
import { parseDuration } from '../../config/units.ts';
import { RpcCode, RpcError } from '../errors.ts';
import { tklRpc } from '../objects.ts';
import { optString, type Params } from '../params.ts';
import { toWire } from '../stateView.ts';
import { parseIsoTime } from '../times.ts';
import type { MethodCtx } from './types.ts';

/** UnrealIRCd's TKL type names (tkl_types[]) → letter. */
export const TKL_TYPE_LETTERS = new Map<string, string>([
  ['gline', 'G'], ['kline', 'k'], ['gzline', 'Z'], ['zline', 'z'], ['spamfilter', 'F'], ['qline', 'Q'], ['except', 'E'],
  ['shun', 's'], ['local-qline', 'q'], ['local-exception', 'e'], ['local-spamfilter', 'f'],
]);

/** The ban object (json_expand_tkl) of one entry. */
export function tklObject(ctx: MethodCtx, e: TklEntry): JsonObject {
  const table = new TklTable();
  table.add(e);
  const now = ctx.node.engine.now();
  const d = buildStateDump(new Network({ sid: '000', name: 'x.x', info: '' }), table, now);
  const o = d.server_bans[0] ?? d.server_ban_exceptions[0] ?? d.name_bans[0] ?? d.spamfilters[0];
  if (!o) throw new RpcError(RpcCode.INTERNAL_ERROR, 'the ban could not be shown');
  return tklRpc(o, now);
}

/** Every live entry of the dump's list, as ban objects. */
export function tklList(ctx: MethodCtx, list: 'server_bans' | 'server_ban_exceptions' | 'name_bans' | 'spamfilters'): JsonObject[] {
  const now = ctx.node.engine.now();
  return ctx.view.get()[list].map((o) => tklRpc(o, now));
}

/** set_by: the caller's client name unless given (one word: it is a TKL field). */
export function setByOf(ctx: MethodCtx, p: Params): string {
  const s = optString(p, 'set_by') ?? ctx.caller.name;
  if (s === '' || /\s/.test(s) || s.startsWith(':')) throw new RpcError(RpcCode.INVALID_PARAMS, "'set_by' must be one word");
  return toWire(s);
}

/**
 * The expiry of a new ban: duration_string ("1d", "3600"; "0" = permanent), else expire_at (ISO
 * 8601), else permanent. A duration that does not parse is refused (UnrealIRCd would read it as
 * permanent), and so is an expiry in the past.
 */
export function expiryOf(p: Params, now: number): number {
  let expireAt = 0;
  const dur = optString(p, 'duration_string');
  const at = optString(p, 'expire_at');
  if (dur !== undefined) {
    const secs = parseDuration(dur);
    if (secs === undefined) throw new RpcError(RpcCode.INVALID_PARAMS, `'duration_string' must be a time like 3600, 30m, 1d or 1w2d (0: permanent), not "${dur}"`);
    expireAt = secs > 0 ? now + secs : 0;
  } else if (at !== undefined) {
    expireAt = parseIsoTime(at);
  }
  if (expireAt !== 0 && expireAt < now) throw new RpcError(RpcCode.INVALID_PARAMS, 'the expiry time is in the past');
  return expireAt;
}

/** A reason as a TKL trailing parameter (byte string). */
export function reasonOf(reason: string): string {
  return toWire(reason);
}

/** Run our own TKL line and forget the call's view of the state. */
export function runTkl(ctx: MethodCtx, body: string): void {
  ctx.node.local(`:${ctx.node.engine.net.me.name} ${body}`);
  ctx.view.invalidate();
}
