// MOTD [<server>]   -> 375, 372 per line, 376; or 422 when there is none (motd.c). With another
// server: hunted there (hunt.ts), and 15 s of fake lag for the asker, as UnrealIRCd adds.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { HUNTED_ANSWERS, huntServer, type Asker } from '../hunt.ts';

export function sendMotd(s: Asker): void {
  const motd = s.mgr.cfg.motd;
  if (motd === null) { s.numeric(N.ERR_NOMOTD()); return; }
  s.numeric(N.RPL_MOTDSTART(s.mgr.host.me.name));
  for (const l of motd) s.numeric(N.RPL_MOTD(l));
  s.numeric(N.RPL_ENDOFMOTD());
}

HUNTED_ANSWERS.set('MOTD', sendMotd);

export const MOTD: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    const r = huntServer(s, msg, 0);
    if (r === 'me') sendMotd(s);
    else s.addFakeLag(15000);
  },
};
