// LUSERS [<server>]   (lusers.c; with a server: hunted there, hunt.ts) -> 251, 252 (opers), 253 (unknown), 254 (channels), 255, 265, 266 (lusers.c).
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { HUNTED_ANSWERS, huntServer, type Asker } from '../hunt.ts';

export function sendLusers(s: Asker): void {
  const { host } = s.mgr;
  const net = host.net;
  let invisible = 0, opers = 0, total = 0;
  for (const srv of net.serversBySid.values()) for (const u of srv.users) {
    total++;
    if (u.umodes.has('i')) invisible++;
    if (u.umodes.has('o') && !u.umodes.has('H')) opers++;
  }
  const local = host.me.users.size;
  s.numeric(N.RPL_LUSERCLIENT(total - invisible, invisible, net.serversBySid.size));
  if (opers > 0) s.numeric(N.RPL_LUSEROP(opers));
  const unknown = s.mgr.unknownCount();
  if (unknown > 0) s.numeric(N.RPL_LUSERUNKNOWN(unknown));
  if (net.channels.size > 0) s.numeric(N.RPL_LUSERCHANNELS(net.channels.size));
  s.numeric(N.RPL_LUSERME(local, host.directLinks()));
  s.mgr.maxLocal = Math.max(s.mgr.maxLocal, local);
  s.numeric(N.RPL_LOCALUSERS(local, s.mgr.maxLocal));
  s.numeric(N.RPL_GLOBALUSERS(total, Math.max(total, host.maxGlobalUsers())));
}

HUNTED_ANSWERS.set('LUSERS', sendLusers);

export const LUSERS: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) { if (huntServer(s, msg, 0) === 'me') sendLusers(s); },
};
