// NAMES [<#chan>]   -> 353 lines, 366 (multi-prefix, userhost-in-names).
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { sendNames } from '../channelRules.ts';

export const NAMES: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    const name = (msg.params[0] ?? '').split(',')[0];
    if (!name) { s.numeric(N.RPL_ENDOFNAMES('*')); return; }
    const ch = s.mgr.host.net.channel(name);
    if (!ch) { s.numeric(N.RPL_ENDOFNAMES(name)); return; }
    sendNames(s, ch);
  },
};
