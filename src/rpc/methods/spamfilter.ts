// spamfilter.* (UnrealIRCd's rpc/spamfilter): network spamfilters (TKL F). tslink has no clients
// to run them on; it keeps them, relays them and serves them.
import { BAN_ACTIONS } from '../../replay/stateDump.ts';
import { SPAMFILTER_ACTIONS, SPAMFILTER_TARGETS, tklKey, isLive, type TklEntry } from '../../tkl/types.ts';
import { parseDuration } from '../../config/units.ts';
import { encodeSpace } from '../../tkl/spamfilter.ts';
import { RpcCode, RpcError } from '../errors.ts';
import { optString, type Params } from '../params.ts';
import { toWire } from '../stateView.ts';
import { runTkl, setByOf, tklList, tklObject } from './tkl.ts';
import type { MethodCtx, MethodSpec } from './types.ts';
import { VERSION } from './version.ts';

const MOD = 'rpc/spamfilter';
const ACTION_LETTERS = new Map(Object.entries(BAN_ACTIONS).map(([letter, name]) => [name, letter]));
/** Spamfilter target names (UnrealIRCd's spamfilter target table) → letter; letters are taken as they are. */
const TARGET_NAMES = new Map<string, string>([
  ['channel', 'c'], ['private', 'p'], ['private-notice', 'n'], ['channel-notice', 'N'], ['part', 'P'], ['quit', 'q'],
  ['dcc', 'd'], ['away', 'a'], ['topic', 't'], ['user', 'u'], ['message-tag', 'T'], ['raw', 'R'],
]);
/** UnrealIRCd's target letter order (spamfiltertargettable[], what spamfilter_targets shows). */
const TARGET_ORDER = 'cpnNPqduatTR';

function need(p: Params, name: string): string {
  const v = optString(p, name);
  if (v === undefined) throw new RpcError(RpcCode.INVALID_PARAMS, `parameter '${name}' is required`);
  return v;
}

/** "cp", "channel,private" or "c,p" → the TKL's target letters in UnrealIRCd's order. */
function targetsOf(text: string): string | null {
  const letters = new Set<string>();
  const parts = text.includes(',') ? text.split(',') : TARGET_NAMES.has(text) ? [text] : [...text];
  for (const part of parts) {
    const l = TARGET_NAMES.get(part) ?? (part.length === 1 && SPAMFILTER_TARGETS.has(part) ? part : undefined);
    if (!l) return null;
    letters.add(l);
  }
  if (letters.size === 0) return null;
  return [...TARGET_ORDER].filter((c) => letters.has(c)).join('');
}

interface Criteria { match: string; matchType: string; targets: string; action: string }

function select(p: Params): Criteria {
  const match = toWire(need(p, 'name'));
  const written = need(p, 'match_type');
  // UnrealIRCd's names of the two matchers (pcre and glob are older names of them).
  const matchType = written === 'pcre' ? 'regex' : written === 'glob' ? 'simple' : written;
  if (matchType !== 'simple' && matchType !== 'regex') throw new RpcError(RpcCode.INVALID_PARAMS, "'match_type' is simple or regex");
  const targets = targetsOf(need(p, 'spamfilter_targets'));
  if (!targets) throw new RpcError(RpcCode.INVALID_PARAMS, `'spamfilter_targets' are letters of ${TARGET_ORDER} or names like channel,private`);
  const actionName = need(p, 'ban_action');
  const action = ACTION_LETTERS.get(actionName);
  if (!action) throw new RpcError(RpcCode.INVALID_PARAMS, `unknown 'ban_action' ${actionName}`);
  if (!SPAMFILTER_ACTIONS.has(action)) throw new RpcError(RpcCode.INVALID_PARAMS, `'ban_action' ${actionName} can only be set in a configuration file`);
  return { match, matchType, targets, action };
}

function find(ctx: MethodCtx, c: Criteria): TklEntry | undefined {
  const e = ctx.node.engine.tkl.get(tklKey({ type: 'F', user: c.targets, host: c.action, spamfilter: { duration: '', tklReason: '', matchType: '', match: c.match } }));
  return e && isLive(e, ctx.node.engine.now()) ? e : undefined;
}

export const spamfilterMethods: MethodSpec[] = [
  { name: 'spamfilter.list', module: MOD, version: VERSION, call: (ctx) => ({ list: tklList(ctx, 'spamfilters') }) },
  {
    name: 'spamfilter.get', module: MOD, version: VERSION,
    call(ctx, p) {
      const e = find(ctx, select(p));
      if (!e) throw new RpcError(RpcCode.NOT_FOUND, 'no such spamfilter');
      return { tkl: tklObject(ctx, e) };
    },
  },
  {
    name: 'spamfilter.add', module: MOD, version: VERSION, write: true,
    call(ctx, p) {
      const c = select(p);
      const reason = need(p, 'reason');
      let duration = 0;
      const d = optString(p, 'ban_duration');
      if (d !== undefined) {
        const secs = parseDuration(d);
        if (secs === undefined) throw new RpcError(RpcCode.INVALID_PARAMS, "'ban_duration' must be a time like 3600, 1h or 1d");
        duration = secs;
      }
      const setBy = setByOf(ctx, p);
      if (find(ctx, c)) throw new RpcError(RpcCode.ALREADY_EXISTS, 'a spamfilter with that match, action and targets exists already');
      if (c.matchType === 'regex') {
        try { new RegExp(Buffer.from(c.match, 'latin1').toString('utf8')); } catch (err) { throw new RpcError(RpcCode.INVALID_PARAMS, `bad regex: ${(err as Error).message}`); }
      }
      // The reason travels as one word (unreal_encodespace): a space becomes "_", a "_" becomes "__".
      const tklReason = encodeSpace(toWire(reason));
      const now = ctx.node.engine.now();
      runTkl(ctx, `TKL + F ${c.targets} ${c.action} ${setBy} 0 ${now} ${duration} ${tklReason} ${c.matchType} :${c.match}`);
      const e = find(ctx, c);
      if (!e) throw new RpcError(RpcCode.INTERNAL_ERROR, 'the spamfilter could not be added');
      return { tkl: tklObject(ctx, e) };
    },
  },
  {
    name: 'spamfilter.del', module: MOD, version: VERSION, write: true,
    call(ctx, p) {
      const c = select(p);
      const setBy = setByOf(ctx, p);
      const e = find(ctx, c);
      if (!e) throw new RpcError(RpcCode.NOT_FOUND, 'no such spamfilter');
      const shown = tklObject(ctx, e);
      runTkl(ctx, `TKL - F ${c.targets} ${c.action} ${setBy} - 0 0 - ${c.matchType} :${c.match}`);
      if (find(ctx, c)) throw new RpcError(RpcCode.INTERNAL_ERROR, 'the spamfilter could not be removed');
      return { tkl: shown };
    },
  },
];
