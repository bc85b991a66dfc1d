// NETINFO <maxglobal> <time> <protocol> <cloakhash> 0 0 0 :<network name>   (direct link only, never relayed)
// As netinfo.c cmd_netinfo(): the higher user count is kept; another network name is
// NETWORK_NAME_MISMATCH; a cloak key checksum that is not "*" and differs from ours (when we have
// cloak keys: EngineOptions.cloakKeyChecksum) is CLOAK_KEY_MISMATCH, a warning only: the link stays.
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
    const theirSum = msg.params[3];
    const ourSum = e.opts.cloakKeyChecksum?.() ?? null;
    if (ourSum !== null && theirSum !== '*' && theirSum !== ourSum) {
      e.log('warn', 'CLOAK_KEY_MISMATCH', `${link.name} has other cloak keys (or another cloak method): its checksum ${theirSum}, ours ${ourSum}. Channel bans on cloaked hosts and IPs will not match the same users on both servers; set the same set::cloak-keys on every server`, link);
    }
  },
};
