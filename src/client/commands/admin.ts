// ADMIN   (admin.c) -> 256, then the admin { } lines: the first as 257, the second as 258, the
// rest as 259; 423 when the configuration has none.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';

export const ADMIN: ClientCommandSpec = {
  minParams: 0,
  handler(s) {
    const me = s.mgr.host.me.name;
    const lines = s.mgr.cfg.admin;
    if (!lines || lines.length === 0) { s.numeric(N.ERR_NOADMININFO(me)); return; }
    s.numeric(N.RPL_ADMINME(me));
    lines.forEach((l, i) => s.numeric(i === 0 ? N.RPL_ADMINLOC1(l) : i === 1 ? N.RPL_ADMINLOC2(l) : N.RPL_ADMINEMAIL(l)));
  },
};
