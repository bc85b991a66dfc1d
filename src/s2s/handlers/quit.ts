// :<uid> QUIT :<reason>   (also how a local oper's kill on the same server travels)
import type { CommandSpec } from '../commandTable.ts';

export const QUIT: CommandSpec = {
  minParams: 0, from: 'user', maxParams: 1,
  onServerSource() { /* a server does not QUIT; SQUIT does that */ },
  handler(e, ctx) {
    if (ctx.src.kind !== 'user') return;
    const u = ctx.src.user;
    e.net.removeUser(u);
    e.relay(ctx, `:${u.uid} QUIT :${ctx.msg.params[0] ?? ''}`);
  },
};
