// :<uid> INVITE <target> <#chan> [<override>]   routed toward the target's server.
import type { CommandSpec } from '../commandTable.ts';

export const INVITE: CommandSpec = {
  minParams: 2, from: 'user',
  handler(e, ctx) {
    const u = e.net.user(ctx.msg.params[0]);
    if (!u || u.server === e.me) return;
    const l = e.linkOf(u.server);
    if (l && l !== ctx.link) e.send(l, e.relayBody(ctx, [u.uid, ...ctx.msg.params.slice(1)], false), ctx.rawTags);
  },
};
