// :<nick|sid> SDESC :<description>   sets the description of the source's server.
import type { CommandSpec } from '../commandTable.ts';
import { REALLEN } from '../../wire/limits.ts';

export const SDESC: CommandSpec = {
  minParams: 1, from: 'any',
  handler(e, ctx) {
    const s = ctx.src.kind === 'server' ? ctx.src.server : ctx.src.user.server;
    s.info = ctx.msg.params[0].slice(0, REALLEN);
    e.relay(ctx, e.relayBody(ctx, [s.info]));
  },
};
