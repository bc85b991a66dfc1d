// @unrealircd.org/json-log=... :<sid> SLOG <level> <subsystem> <EVENT_ID> :<message>   relayed, otherwise ignored.
import type { CommandSpec } from '../commandTable.ts';

export const SLOG: CommandSpec = {
  minParams: 4, from: 'server',
  handler(e, ctx) {
    const p = ctx.msg.params;
    e.log('debug', 'REMOTE_LOG', `${ctx.src.kind === 'server' ? ctx.src.server.name : ''} ${p[0]} ${p[1]} ${p[2]}: ${p[3]}`, ctx.link);
    e.relay(ctx, e.relayBody(ctx, p));
  },
};
