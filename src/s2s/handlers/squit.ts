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
    if (!link) {
      // Local origin (e.g. replay's own side): split the target.
      const l = e.linkOf(target);
      if (l && l.server === target) e.exitLink(l, reason);
      else e.removeServerTree(target, reason, null);
      return;
    }
    if (e.linkOf(target) !== link) return; // wrong direction: ignore
    if (link.server === target) { e.exitLink(link, reason); return; }
    e.removeServerTree(target, reason, link);
  },
};
