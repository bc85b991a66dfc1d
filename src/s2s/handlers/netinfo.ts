// NETINFO <maxglobal> <time> <protocol> <cloakhash> 0 0 0 :<network name>   (direct link only, never relayed)
import type { CommandSpec } from '../commandTable.ts';

export const NETINFO: CommandSpec = {
  minParams: 8, from: 'server',
  onMissingParams() { /* parc < 9: ignored */ },
  handler(e, ctx) {
    const { link, msg } = ctx;
    if (!link || ctx.src.kind !== 'server' || link.server !== ctx.src.server) return;
    const max = Number(msg.params[0]);
    if (Number.isFinite(max) && max > e.maxGlobal) e.maxGlobal = max;
    const net = msg.params[7];
    const ours = e.opts.networkName ?? 'TestNet';
    if (net !== ours) e.log('warn', 'NETWORK_NAME_MISMATCH', `Network name mismatch: ${link.name} says "${net}", we use "${ours}"`, link);
  },
};
