// LINKS   (links.c) -> 364 "<server> <uplink> :<hops> <info>" for every server, the most recently
// introduced first and ours last ("(Unknown Location)" for an empty info), then 365 "* :End...".
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';

export const LINKS: ClientCommandSpec = {
  minParams: 0,
  handler(s) {
    const me = s.mgr.host.me;
    for (const srv of [...s.mgr.host.net.serversBySid.values()].reverse()) {
      s.numeric(N.RPL_LINKS(srv.name, srv.uplink?.name ?? me.name, srv.hops, srv.info || '(Unknown Location)'));
    }
    s.numeric(N.RPL_ENDOFLINKS('*'));
  },
};
