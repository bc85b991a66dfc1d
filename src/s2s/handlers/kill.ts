// :<uid|sid> KILL <target>[,<target>...] :<reason>   the victim exits with no QUIT.
import type { CommandSpec } from '../commandTable.ts';
import { sourceId, sourceName } from '../engine.ts';

export const KILL: CommandSpec = {
  minParams: 1, from: 'any', maxParams: 2,
  handler(e, ctx) {
    const { link, msg } = ctx;
    const reason = msg.params[1] ?? '';
    for (const t of msg.params[0].split(',')) {
      if (!t) continue;
      const victim = e.net.user(t);
      if (!victim) {
        if (link) e.send(link, `:${e.me.name} 401 ${sourceName(ctx.src)} ${t} :No such nick/channel`);
        continue;
      }
      e.killUser(victim, reason, sourceId(ctx.src), link, ctx.rawTags);
    }
  },
};
