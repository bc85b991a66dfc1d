// MONITOR + <nick>[,...] | - <nick>[,...] | C | L | S   (monitor.c)
// +: each nick is added (while the list has room: 734 when full) and its status sent at once,
// 730 ":nick!user@host" or 731 ":nick"; -: removed; C: the list cleared; L: 732 per nick, 733;
// S: the status of every nick. No argument is L. The list is bounded by MONITOR= (the class limit).
import type { ClientCommandSpec } from '../commandTable.ts';
import type { ClientSession } from '../session.ts';
import { N } from '../numerics.ts';
import { displayedHost } from '../../state/user.ts';
import { validNick } from '../../s2s/validate.ts';

function status(s: ClientSession, nick: string): void {
  const u = s.mgr.host.net.userByNick(nick);
  if (!u) s.numeric(N.RPL_MONOFFLINE(nick));
  else s.numeric(N.RPL_MONONLINE(`${u.nick}!${u.ident}@${displayedHost(u)}`));
}

export const MONITOR: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    const table = s.mgr.monitors;
    const sub = (msg.params[0] ?? '')[0]?.toLowerCase() ?? 'l';
    switch (sub) {
      case 'c': table.clear(s); return;
      case 'l':
        for (const nick of table.list(s)) s.numeric(N.RPL_MONLIST(nick));
        s.numeric(N.RPL_ENDOFMONLIST());
        return;
      case 's': for (const nick of table.list(s)) status(s, nick); return;
      case '+': case '-': {
        const arg = msg.params[1];
        if (!arg) return;
        const max = s.limits.monitor;
        for (const nick of arg.split(',')) {
          if (!nick) continue;
          if (sub === '-') { table.remove(s, nick); continue; }
          if (table.size(s) >= max) { s.numeric(N.ERR_MONLISTFULL(max, nick)); continue; }
          if (validNick(nick)) table.add(s, nick);
          status(s, nick);
        }
        return;
      }
    }
  },
};
