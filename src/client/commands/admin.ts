// ADMIN [<server>]   (admin.c) -> 256, then the admin { } lines: the first as 257, the second as
// 258, the rest as 259; 423 when the configuration has none. With a server: hunted there (hunt.ts).
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { HUNTED_ANSWERS, huntServer, type Asker } from '../hunt.ts';

export function answerAdmin(a: Asker): void {
  const me = a.mgr.host.me.name;
  const lines = a.mgr.cfg.admin;
  if (!lines || lines.length === 0) { a.numeric(N.ERR_NOADMININFO(me)); return; }
  a.numeric(N.RPL_ADMINME(me));
  lines.forEach((l, i) => a.numeric(i === 0 ? N.RPL_ADMINLOC1(l) : i === 1 ? N.RPL_ADMINLOC2(l) : N.RPL_ADMINEMAIL(l)));
}
HUNTED_ANSWERS.set('ADMIN', answerAdmin);

export const ADMIN: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    if (s.registered && huntServer(s, msg, 0) !== 'me') return;
    answerAdmin(s);
  },
};
