// WALLOPS :<text>   (usermodes/wallops.c cmd_wallops()): opers with the chat permission only
// (481). Goes to the network as ":<nick> WALLOPS :<text>"; every user with +w gets
// ":<nick!user@host> WALLOPS :<text>" (the router delivers it), and the sender always gets it once.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';

export const WALLOPS: ClientCommandSpec = {
  minParams: 1,
  handler(s, msg) {
    const text = msg.params[0];
    if (!text) { s.numeric(N.ERR_NEEDMOREPARAMS('WALLOPS')); return; }
    if (!s.oper?.perms.chat) { s.numeric(N.ERR_NOPRIVILEGES()); return; }
    s.toNetwork(`:${s.nick} WALLOPS :${text}`);
  },
};
