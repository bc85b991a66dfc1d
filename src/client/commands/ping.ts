// PING [:]<token>  ->  :<server> PONG <server> :<token>   (pingpong.c)
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';

export const PING: ClientCommandSpec = {
  minParams: 0, unregistered: true, noIdle: true,
  handler(s, msg) {
    if (!msg.params.length || msg.params[0] === '') { s.numeric(N.ERR_NOORIGIN()); return; }
    const me = s.mgr.host.me.name;
    s.send(`:${me} PONG ${me} :${msg.params[0]}`);
  },
};
