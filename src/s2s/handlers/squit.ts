// SQUIT <server name|sid> :<reason>   (no prefix from netsplit cleanup, or :<sid|uid> SQUIT ...)
// Removes every server and user behind the target (NOQUIT semantics); conflicts.md §8.
import type { CommandSpec } from '../commandTable.ts';
import { sourceName } from '../engine.ts';

export const SQUIT: CommandSpec = {
  minParams: 1, from: 'any', maxParams: 2,
  handler(e, ctx) {
    const { link, msg } = ctx;
    const target = e.net.server(msg.params[0]);
    const reason = msg.params[1] ?? '';
    if (!target) {
      // Unknown targets are normal (duplicated SQUITs on splits): ignored for servers.
      if (link && ctx.src.kind === 'user') e.send(link, `:${e.me.name} 402 ${sourceName(ctx.src)} ${msg.params[0]} :No such server`);
      return;
    }
    if (target === e.me) {
      // Aimed at us: applies to the link it came from.
      if (link) e.exitLink(link, reason || 'SQUIT');
      return;
    }
    // squit.c: any known server may be squit from any direction (exit_client_ex(target, origin)):
    // a directly linked one has its link closed, a remote one is removed with everything behind it.
    // The SQUIT then goes to every other direction except the one it came from.
    const l = e.linkOf(target);
    if (l && l.server === target) e.exitLink(l, reason, { origin: link });
    else e.removeServerTree(target, reason, link);
  },
};
