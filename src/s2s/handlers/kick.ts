// :<uid|sid> KICK <#chan> <target> :<comment>   no privilege checks for remote sources.
import type { CommandSpec } from '../commandTable.ts';
import { sourceId } from '../engine.ts';
import { KICKLEN } from '../../wire/limits.ts';

export const KICK: CommandSpec = {
  minParams: 2, from: 'any', maxParams: 3,
  handler(e, ctx) {
    const [name, targets, comment = ''] = ctx.msg.params;
    const ch = e.net.channel(name);
    if (!ch) return;
    for (const t of targets.split(',')) {
      const u = e.net.user(t);
      if (!u || !ch.members.has(u)) continue;
      e.net.part(u, ch);
      e.relay(ctx, `:${sourceId(ctx.src)} KICK ${ch.name} ${u.uid} :${comment.slice(0, KICKLEN)}`);
    }
  },
};
