// name_ban.* (UnrealIRCd's rpc/name_ban): Q-lines, nick masks nobody may use.
import { isLive, type TklEntry } from '../../tkl/types.ts';
import { casefold } from '../../wire/casemap.ts';
import { RpcCode, RpcError } from '../errors.ts';
import { reqString } from '../params.ts';
import { toWire } from '../stateView.ts';
import { expiryOf, reasonOf, runTkl, setByOf, tklList, tklObject } from './tkl.ts';
import type { MethodCtx, MethodSpec } from './types.ts';
import { VERSION } from './version.ts';

const MOD = 'rpc/name_ban';

/** A Q-line by its nick mask, case-insensitively (as UnrealIRCd looks one up). */
function find(ctx: MethodCtx, name: string): TklEntry | undefined {
  const want = casefold(name);
  const now = ctx.node.engine.now();
  for (const e of ctx.node.engine.tkl.values()) if (e.type === 'Q' && casefold(e.host) === want && isLive(e, now)) return e;
  return undefined;
}

function nameParam(p: Parameters<MethodSpec['call']>[1]): string {
  const name = toWire(reqString(p, 'name'));
  if (name === '' || /\s/.test(name) || name.startsWith(':')) throw new RpcError(RpcCode.INVALID_PARAMS, "'name' must be one nick mask");
  return name;
}

export const nameBanMethods: MethodSpec[] = [
  { name: 'name_ban.list', module: MOD, version: VERSION, call: (ctx) => ({ list: tklList(ctx, 'name_bans') }) },
  {
    name: 'name_ban.get', module: MOD, version: VERSION,
    call(ctx, p) {
      const e = find(ctx, nameParam(p));
      if (!e) throw new RpcError(RpcCode.NOT_FOUND, 'no such name ban');
      return { tkl: tklObject(ctx, e) };
    },
  },
  {
    name: 'name_ban.add', module: MOD, version: VERSION, write: true,
    call(ctx, p) {
      const name = nameParam(p);
      const reason = reqString(p, 'reason');
      const now = ctx.node.engine.now();
      const expireAt = expiryOf(p, now);
      const setBy = setByOf(ctx, p);
      // UnrealIRCd answers an existing name ban with NOT_FOUND (-1000), not ALREADY_EXISTS.
      if (find(ctx, name)) throw new RpcError(RpcCode.NOT_FOUND, 'a name ban on that mask exists already');
      runTkl(ctx, `TKL + Q * ${name} ${setBy} ${expireAt} ${now} :${reasonOf(reason)}`);
      const e = find(ctx, name);
      if (!e) throw new RpcError(RpcCode.INTERNAL_ERROR, 'the name ban could not be added');
      return { tkl: tklObject(ctx, e) };
    },
  },
  {
    name: 'name_ban.del', module: MOD, version: VERSION, write: true,
    call(ctx, p) {
      const name = nameParam(p);
      const setBy = setByOf(ctx, p);
      const e = find(ctx, name);
      if (!e) throw new RpcError(RpcCode.NOT_FOUND, 'no such name ban');
      const shown = tklObject(ctx, e);
      runTkl(ctx, `TKL - Q ${e.user} ${e.host} ${setBy}`);
      if (find(ctx, name)) throw new RpcError(RpcCode.INTERNAL_ERROR, 'the name ban could not be removed');
      return { tkl: shown };
    },
  },
];
