// KICK <#chan> <nick>[,<nick>...] [:<reason>]   -> ":<uid> KICK <#chan> <uid> :<reason>" (403 442 482 441 401).
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { HALFOP, rank } from '../channelRules.ts';
import { ADVERTISED_KICKLEN } from '../isupport.ts';

export const KICK: ClientCommandSpec = {
  minParams: 2,
  handler(s, msg) {
    const net = s.mgr.host.net;
    const ch = net.channel(msg.params[0]);
    if (!ch) { s.numeric(N.ERR_NOSUCHCHANNEL(msg.params[0])); return; }
    const mine = ch.members.get(s.user!);
    if (!mine) { s.numeric(N.ERR_NOTONCHANNEL(ch.name)); return; }
    const reason = (msg.params[2] || s.nick).slice(0, ADVERTISED_KICKLEN);
    for (const t of msg.params[1].split(',').slice(0, 4)) {
      const u = net.userByNick(t);
      if (!u) { s.numeric(N.ERR_NOSUCHNICK(t)); continue; }
      const theirs = ch.members.get(u);
      if (!theirs) { s.numeric(N.ERR_USERNOTINCHANNEL(u.nick, ch.name)); continue; }
      // A halfop may kick only those below it; an op and up those not above it.
      const r = rank(mine);
      if (r > HALFOP || (r === HALFOP && rank(theirs) <= HALFOP)) { s.numeric(N.ERR_CHANOPRIVSNEEDED(ch.name)); continue; }
      if (rank(theirs) < r) { s.numeric(N.ERR_CHANOPRIVSNEEDED(ch.name)); continue; }
      s.toNetwork(`:${s.uid} KICK ${ch.name} ${u.uid} :${reason}`, s.newTags());
    }
  },
};
