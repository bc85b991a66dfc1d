// user.list, user.get, user.kill (UnrealIRCd's rpc/user).
import { RpcCode, RpcError } from '../errors.ts';
import { USER_DETAIL_LEVELS, userRpc } from '../objects.ts';
import { optInteger, reqString, type Params } from '../params.ts';
import { toWire } from '../stateView.ts';
import type { MethodCtx, MethodSpec } from './types.ts';
import { VERSION } from './version.ts';

const MOD = 'rpc/user';

function detailOf(p: Params, def: number): number {
  const d = optInteger(p, 'object_detail_level', def);
  if (d === 3) throw new RpcError(RpcCode.INVALID_PARAMS, "object_detail_level 3 is not served by user.* calls: use 0, 1, 2 or 4");
  // UnrealIRCd takes any other number; above 4 it shows what 4 shows.
  return USER_DETAIL_LEVELS.has(d) ? d : d > 4 ? 4 : d < 0 ? 0 : d;
}

/** params.nick: a nick or a UID. */
export function findUser(ctx: MethodCtx, nick: string) {
  const u = ctx.node.engine.net.user(toWire(nick));
  if (!u) throw new RpcError(RpcCode.NOT_FOUND, 'no such nick');
  return u;
}

export const userMethods: MethodSpec[] = [
  {
    name: 'user.list', module: MOD, version: VERSION,
    call(ctx, p) {
      const detail = detailOf(p, 2);
      return { list: ctx.view.get().users.map((d) => userRpc(d, detail)) };
    },
  },
  {
    name: 'user.get', module: MOD, version: VERSION,
    call(ctx, p) {
      const nick = reqString(p, 'nick');
      const detail = detailOf(p, 4);
      const u = findUser(ctx, nick);
      const d = ctx.view.userById(u.uid);
      if (!d) throw new RpcError(RpcCode.NOT_FOUND, 'no such nick');
      return { client: userRpc(d, detail) };
    },
  },
  {
    name: 'user.kill', module: MOD, version: VERSION, write: true,
    call(ctx, p) {
      const nick = reqString(p, 'nick');
      const reason = reqString(p, 'reason');
      const u = findUser(ctx, nick);
      const net = ctx.node.engine.net;
      ctx.node.local(`:${net.me.sid} KILL ${u.uid} :${toWire(reason)}`);
      ctx.view.invalidate();
      return net.usersByUid.get(u.uid) !== u;
    },
  },
];
