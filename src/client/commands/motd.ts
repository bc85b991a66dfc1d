// MOTD   -> 375, 372 per line, 376; or 422 when there is none.
import type { ClientCommandSpec } from '../commandTable.ts';
import type { ClientSession } from '../session.ts';
import { N } from '../numerics.ts';

export function sendMotd(s: ClientSession): void {
  const motd = s.mgr.cfg.motd;
  if (motd === null) { s.numeric(N.ERR_NOMOTD()); return; }
  s.numeric(N.RPL_MOTDSTART(s.mgr.host.me.name));
  for (const l of motd) s.numeric(N.RPL_MOTD(l));
  s.numeric(N.RPL_ENDOFMOTD());
}

export const MOTD: ClientCommandSpec = { minParams: 0, handler: (s) => sendMotd(s) };
