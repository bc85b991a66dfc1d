// ISON <nick>[ <nick>...]   (ison.c) -> 303 with the given names of those online, each followed by
// a space; "nick!user@host" entries match the user's ident@shown-host too. The whole parameter
// list is one word list, as UnrealIRCd takes the rest of the line.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { matchMask } from '../../s2s/mask.ts';
import { displayedHost } from '../../state/user.ts';

export const ISON: ClientCommandSpec = {
  minParams: 1,
  handler(s, msg) {
    const net = s.mgr.host.net;
    let out = '';
    for (const word of msg.params.join(' ').split(' ')) {
      if (!word) continue;
      const bang = word.indexOf('!');
      const u = net.userByNick(bang < 0 ? word : word.slice(0, bang));
      if (!u) continue;
      if (bang >= 0 && !matchMask(word.slice(bang + 1), `${u.ident}@${displayedHost(u)}`)) continue;
      out += word + ' ';
    }
    s.numeric(N.RPL_ISON(out));
  },
};
