// server.list, server.get, server.rehash, server.connect, server.disconnect (UnrealIRCd's rpc/server).
// Calls aimed at another server (params.server) cannot be forwarded: tslink has no remote RPC.
import type { Server } from '../../state/model.ts';
import { RpcCode, RpcError } from '../errors.ts';
import { rehashLogEntry } from '../logEvents.ts';
import { serverRpc, type JsonObject } from '../objects.ts';
import { optString, reqString, type Params } from '../params.ts';
import { toWire } from '../stateView.ts';
import type { MethodCtx, MethodSpec } from './types.ts';
import { VERSION } from './version.ts';

const MOD = 'rpc/server';

/** params.server (a name or SID; absent: our own server). */
function targetServer(ctx: MethodCtx, p: Params): Server {
  const name = optString(p, 'server');
  if (name === undefined) return ctx.node.engine.net.me;
  const s = ctx.node.engine.net.server(toWire(name));
  if (!s) throw new RpcError(RpcCode.NOT_FOUND, 'no such server');
  return s;
}

function serverObject(ctx: MethodCtx, s: Server): JsonObject {
  const d = ctx.view.serverById(s.sid);
  if (!d) throw new RpcError(RpcCode.NOT_FOUND, 'no such server');
  return serverRpc(d, ctx.node.meFacts());
}

/** The RPC client as UnrealIRCd shows it in rehash_client. */
export function callerObject(ctx: MethodCtx): JsonObject {
  const c = ctx.caller;
  const ip = c.transport === 'unix' ? '127.0.0.1' : c.remote;
  return {
    name: c.name, id: c.id, hostname: c.transport === 'unix' ? 'localhost' : ip, ip, details: `${c.name}@${ip}`,
    connected_since: new Date(Math.floor(c.connectedAt / 1000) * 1000).toISOString(),
  };
}

export const serverMethods: MethodSpec[] = [
  {
    name: 'server.list', module: MOD, version: VERSION,
    call(ctx) {
      const me = ctx.node.meFacts();
      return { list: ctx.view.get().servers.map((d) => serverRpc(d, me)) };
    },
  },
  {
    name: 'server.get', module: MOD, version: VERSION,
    call(ctx, p) {
      return { server: serverObject(ctx, targetServer(ctx, p)) };
    },
  },
  {
    name: 'server.rehash', module: MOD, version: VERSION, write: true,
    async call(ctx, p) {
      const s = targetServer(ctx, p);
      if (s !== ctx.node.engine.net.me) throw new RpcError(RpcCode.REMOTE_SERVER_NO_RPC, `tslink cannot pass a rehash on to ${s.name}`);
      if (ctx.session.rehashing) throw new RpcError(RpcCode.INVALID_REQUEST, 'a rehash you asked for is still in progress');
      ctx.session.rehashing = true;
      try {
        const outcome = await ctx.node.rehash();
        return { rehash_client: callerObject(ctx), log: outcome.log.map(rehashLogEntry), success: outcome.success };
      } finally {
        ctx.session.rehashing = false;
      }
    },
  },
  {
    name: 'server.connect', module: MOD, version: VERSION, write: true,
    call(ctx, p) {
      const s = targetServer(ctx, p);
      const link = reqString(p, 'link');
      if (s !== ctx.node.engine.net.me) return false;
      if (ctx.node.engine.net.server(toWire(link))) throw new RpcError(RpcCode.ALREADY_EXISTS, `${link} is linked already`);
      const block = ctx.node.linkBlock(link);
      if (!block) throw new RpcError(RpcCode.NOT_FOUND, `no link block for ${link}`);
      if (!block.outgoing) throw new RpcError(RpcCode.NOT_FOUND, `link ${block.name} has no outgoing { } block: it can only be connected from the other side`);
      const deny = ctx.node.denyLinkReason(block.name);
      if (deny) throw new RpcError(RpcCode.DENIED, `a deny link { } rule refuses it: ${deny}`);
      ctx.node.connect(block.name);
      return true;
    },
  },
  {
    name: 'server.disconnect', module: MOD, version: VERSION, write: true,
    call(ctx, p) {
      const s = targetServer(ctx, p);
      const link = reqString(p, 'link');
      const reason = reqString(p, 'reason');
      if (s !== ctx.node.engine.net.me) return false;
      const net = ctx.node.engine.net;
      const target = net.server(toWire(link));
      if (!target) throw new RpcError(RpcCode.NOT_FOUND, `no server ${link} on the network`);
      if (target === net.me) throw new RpcError(RpcCode.INVALID_PARAMS, 'a server cannot disconnect itself');
      ctx.node.local(`:${net.me.sid} SQUIT ${target.name} :${toWire(reason)}`);
      ctx.view.invalidate();
      return true;
    },
  },
];


