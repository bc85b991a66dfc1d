// INFO [<server>]   (serv.c cmd_info(), cmd_info_send(); a server only for opers, server:remote:
// 481 otherwise, and a remote request from a non-oper is ignored; hunted there, hunt.ts) -> 371 lines in UnrealIRCd's layout (a banner with the version,
// "| " lines, the start time), then 374. The text describes tslink.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { ctimeString } from './whowas.ts';
import { HUNTED_ANSWERS, hasRemotePermission, huntServer, type Asker } from '../hunt.ts';

const ABOUT = [
  'tslink: a server-to-server linking node for UnrealIRCd 6 networks,',
  'with local users that chat on the whole network.',
];

export function answerInfo(s: Asker): void {
    const { host, cfg } = s.mgr;
    s.numeric(N.RPL_INFO(`========== ${cfg.version} ==========`));
    for (const l of ABOUT) s.numeric(N.RPL_INFO(`| ${l}`));
    s.numeric(N.RPL_INFO('|'));
    s.numeric(N.RPL_INFO('============================================'));
    s.numeric(N.RPL_INFO(`On-line since ${ctimeString(host.bootTime())}`));
    s.numeric(N.RPL_ENDOFINFO());
}
HUNTED_ANSWERS.set('INFO', (a) => { if (hasRemotePermission(a)) answerInfo(a); });

export const INFO: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    if (msg.params[0] && !hasRemotePermission(s)) { s.numeric(N.ERR_NOPRIVILEGES()); return; }
    if (huntServer(s, msg, 0) === 'me') answerInfo(s);
  },
};
