// channel.list, channel.get (UnrealIRCd's rpc/channel).
import { RpcCode, RpcError } from '../errors.ts';
import { channelRpc } from '../objects.ts';
import { optInteger, reqString } from '../params.ts';
import type { MethodSpec } from './types.ts';
import { VERSION } from './version.ts';

const MOD = 'rpc/channel';

export const channelMethods: MethodSpec[] = [
  {
    name: 'channel.list', module: MOD, version: VERSION,
    call(ctx, p) {
      const detail = optInteger(p, 'object_detail_level', 1);
      if (detail >= 5) throw new RpcError(RpcCode.INVALID_PARAMS, 'channel.list serves object_detail_level 0 to 4');
      const user = (id: string) => ctx.view.userById(id);
      return { list: ctx.view.get().channels.map((d) => channelRpc(d, detail, user)) };
    },
  },
  {
    name: 'channel.get', module: MOD, version: VERSION,
    call(ctx, p) {
      const name = reqString(p, 'channel');
      const detail = optInteger(p, 'object_detail_level', 3);
      const d = ctx.view.channelByName(name);
      if (!d) throw new RpcError(RpcCode.NOT_FOUND, 'no such channel');
      return { channel: channelRpc(d, detail, (id) => ctx.view.userById(id)) };
    },
  },
];
