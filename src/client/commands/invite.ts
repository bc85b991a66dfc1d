// INVITE                 -> 336 per channel the user is invited to, 337
// INVITE <nick> <#chan>  (invite.c cmd_invite): 401 403 442 443 482 (+i needs o/a/q) 518 (+V);
// 341 (and 301 when the target is away) to the inviter, then to the network
// ":<uid> INVITE <target uid> <#chan> 0". The router does the rest as for an invite from the
// network: the local ops' notifications (invite-notify), the target's INVITE and invite list.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';

export const INVITE: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    const net = s.mgr.host.net;
    if (msg.params.length === 0) {
      for (const folded of [...s.invites].reverse()) s.numeric(N.RPL_INVITELIST(net.channel(folded)?.name ?? folded));
      s.numeric(N.RPL_ENDOFINVITELIST());
      return;
    }
    if (msg.params.length < 2 || msg.params[0] === '') { s.numeric(N.ERR_NEEDMOREPARAMS('INVITE')); return; }
    const [nick, name] = msg.params;
    const target = net.userByNick(nick);
    if (!target) { s.numeric(N.ERR_NOSUCHNICK(nick)); return; }
    const ch = net.channel(name);
    if (!ch) { s.numeric(N.ERR_NOSUCHCHANNEL(name)); return; }
    if (ch.modes.has('V')) { s.numeric(N.ERR_NOINVITE(ch.name)); return; }
    const mine = ch.members.get(s.user!);
    if (!mine) { s.numeric(N.ERR_NOTONCHANNEL(name)); return; }
    if (ch.members.has(target)) { s.numeric(N.ERR_USERONCHANNEL(nick, name)); return; }
    if (ch.modes.has('i') && !/[oaq]/.test(mine.modes)) { s.numeric(N.ERR_CHANOPRIVSNEEDED(ch.name)); return; }
    s.numeric(N.RPL_INVITING(target.nick, ch.name));
    if (target.away !== null) s.numeric(N.RPL_AWAY(target.nick, target.away));
    s.toNetwork(`:${s.uid} INVITE ${target.uid} ${ch.name} 0`, s.newTags());
  },
};
