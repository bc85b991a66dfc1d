// :<uid> PART <#chan>[,<#chan>...] [:<comment>]
import type { CommandSpec } from '../commandTable.ts';

export const PART: CommandSpec = {
  minParams: 1, from: 'user', maxParams: 2,
  handler(e, ctx) {
    if (ctx.src.kind !== 'user') return;
    const u = ctx.src.user;
    const comment = ctx.msg.params[1];
    for (const name of ctx.msg.params[0].split(',')) {
      const ch = e.net.channel(name);
      if (!ch || !ch.members.has(u)) continue;
      e.net.part(u, ch);
      e.relay(ctx, `:${u.uid} PART ${ch.name}${comment !== undefined ? ' :' + comment : ''}`);
    }
  },
};
