// The method table: every group, as UnrealIRCd's rpc modules register them.
import type { MethodSpec } from './types.ts';
import { rpcMethods } from './rpc.ts';
import { statsMethods } from './stats.ts';
import { serverMethods } from './server.ts';
import { userMethods } from './user.ts';
import { channelMethods } from './channel.ts';
import { serverBanMethods } from './serverBan.ts';
import { nameBanMethods } from './nameBan.ts';
import { spamfilterMethods } from './spamfilter.ts';
import { logMethods } from './log.ts';
import { tslinkMethods } from './tslink.ts';

export function allMethods(): MethodSpec[] {
  const table: MethodSpec[] = [];
  table.push(
    ...rpcMethods(() => table), ...statsMethods, ...serverMethods, ...userMethods, ...channelMethods, ...serverBanMethods,
    ...nameBanMethods, ...spamfilterMethods, ...logMethods, ...tslinkMethods,
  );
  return table;
}
