// USERHOST <nick>[ <nick>...]   (userhost.c) -> one 302 with up to 5 "nick[*]=(+|-)user@host"
// replies: * for an IRC operator (a hidden one only to itself and opers), - when away; the real
// host to the user itself and to opers, else the shown host. Always five slots, space-separated.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { displayedHost } from '../../state/user.ts';

const MAX_REPLIES = 5;

export const USERHOST: ClientCommandSpec = {
  minParams: 1,
  handler(s, msg) {
    const net = s.mgr.host.net;
    const me = s.user!;
    const oper = me.umodes.has('o');
    const replies: string[] = [];
    const words = msg.params.join(' ').split(' ');
    for (let i = 0; i < words.length && i < MAX_REPLIES; i++) {
      const u = words[i] ? net.userByNick(words[i]) : undefined;
      if (!u) continue;
      const star = u.umodes.has('o') && (!u.umodes.has('H') || u === me || oper) ? '*' : '';
      const host = u !== me && !oper ? displayedHost(u) : u.realHost;
      replies.push(`${u.nick}${star}=${u.away !== null ? '-' : '+'}${u.ident}@${host}`);
    }
    s.numeric(N.RPL_USERHOST(replies));
  },
};
