// The shape of a method table entry (one file per method group, as UnrealIRCd's rpc modules).
import type { RpcCaller, RpcNode } from '../api.ts';
import type { Json } from '../objects.ts';
import type { Params } from '../params.ts';
import type { StateView } from '../stateView.ts';
import type { RpcSession } from '../session.ts';

export interface MethodCtx {
  node: RpcNode;
  caller: RpcCaller;
  session: RpcSession;
  /** The network as state-dump objects, built once per call (rebuilt after a change of our own). */
  view: StateView;
}

export interface MethodSpec {
  /** e.g. "server_ban.add". */
  name: string;
  /** The UnrealIRCd module it belongs to, e.g. "rpc/server_ban" (rpc.info shows it). */
  module: string;
  version: string;
  /** Changes something: audited. */
  write?: boolean;
  call(ctx: MethodCtx, params: Params): Json | Promise<Json>;
}
