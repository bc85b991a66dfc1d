// PONG [:]<token>   the answer to our ping cookie (set::ping-cookie) or keepalive PING.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';

export const PONG: ClientCommandSpec = {
  minParams: 0, unregistered: true, noIdle: true,
  handler(s, msg) {
    if (!msg.params.length) { s.numeric(N.ERR_NOORIGIN()); return; }
    if (!s.registered && s.cookie !== null && !s.cookieOk) {
      if (msg.params[msg.params.length - 1] === s.cookie || msg.params[0] === s.cookie) { s.cookieOk = true; s.tryRegister(); }
    }
  },
};
