// PART <#chan>[,<#chan>...] [:<reason>]   -> ":<uid> PART <#chan> :<reason>" (403, 442).
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';

export const PART: ClientCommandSpec = {
  minParams: 1,
  handler(s, msg) {
    const reason = msg.params[1];
    for (const name of msg.params[0].split(',')) {
      if (!name) continue;
      const ch = s.mgr.host.net.channel(name);
      if (!ch) { s.numeric(N.ERR_NOSUCHCHANNEL(name)); continue; }
      if (!ch.members.has(s.user!)) { s.numeric(N.ERR_NOTONCHANNEL(ch.name)); continue; }
      s.toNetwork(`:${s.uid} PART ${ch.name}${reason !== undefined && reason !== '' ? ' :' + reason.slice(0, 307) : ''}`, s.newTags());
    }
  },
};
