// VERSION   (serv.c cmd_version) -> 351 "<version>. <server> :0 [*=<protocol>]" (the server
// options and OS shown only to opers with server:info), then the 005 lines again.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { isupportLines } from '../isupport.ts';
import { PROTOCOL } from '../../s2s/engine.ts';

export const VERSION: ClientCommandSpec = {
  minParams: 0,
  handler(s) {
    const { host, cfg } = s.mgr;
    s.numeric(N.RPL_VERSION(cfg.version, host.me.name, '0', PROTOCOL));
    for (const l of isupportLines(cfg, host.chanModes)) s.numeric(N.RPL_ISUPPORT(l));
  },
};
