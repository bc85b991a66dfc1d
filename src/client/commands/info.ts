// INFO   (serv.c cmd_info_send()) -> 371 lines in UnrealIRCd's layout (a banner with the version,
// "| " lines, the start time), then 374. The text describes tslink.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { ctimeString } from './whowas.ts';

const ABOUT = [
  'tslink: a server-to-server linking node for UnrealIRCd 6 networks,',
  'with local users that chat on the whole network.',
];

export const INFO: ClientCommandSpec = {
  minParams: 0,
  handler(s) {
    const { host, cfg } = s.mgr;
    s.numeric(N.RPL_INFO(`========== ${cfg.version} ==========`));
    for (const l of ABOUT) s.numeric(N.RPL_INFO(`| ${l}`));
    s.numeric(N.RPL_INFO('|'));
    s.numeric(N.RPL_INFO('============================================'));
    s.numeric(N.RPL_INFO(`On-line since ${ctimeString(host.bootTime())}`));
    s.numeric(N.RPL_ENDOFINFO());
  },
};
