// PING <origin> [<destination>]   answered when the destination is us; otherwise forwarded.
import type { CommandSpec } from '../commandTable.ts';
import { sourceName } from '../engine.ts';

export const PING: CommandSpec = {
  minParams: 1, from: 'any',
  handler(e, ctx) {
    const { link, msg } = ctx;
    const dest = msg.params[1];
    const target = dest ? e.net.server(dest) : e.me;
    if (!target) return;
    if (target === e.me) {
      if (link) e.send(link, `:${e.me.name} PONG ${dest ?? e.me.name} :${sourceName(ctx.src)}`);
      return;
    }
    const l = e.linkOf(target);
    if (l && l !== link) e.send(l, `:${sourceName(ctx.src)} PING ${msg.params[0]} :${dest}`, ctx.rawTags);
  },
};

export const PONG: CommandSpec = {
  minParams: 1, from: 'any',
  handler(e, ctx) {
    const { link, msg } = ctx;
    const dest = msg.params[1];
    if (!dest) return;
    const target = e.net.server(dest) ?? e.net.user(dest)?.server;
    if (!target || target === e.me) return;
    const l = e.linkOf(target);
    if (l && l !== link) e.send(l, `:${sourceName(ctx.src)} PONG ${msg.params[0]} :${dest}`, ctx.rawTags);
  },
};
