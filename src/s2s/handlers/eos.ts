// :<sid> EOS   end of that server's burst; relayed with the same source.
import type { CommandSpec } from '../commandTable.ts';

export const EOS: CommandSpec = {
  minParams: 0, from: 'server',
  handler(e, ctx) {
    if (ctx.src.kind !== 'server') return;
    const s = ctx.src.server;
    if (s.synced) return;
    s.synced = true;
    if (ctx.link && ctx.link.server === s) e.emit({ kind: 'synced', link: ctx.link.id, server: s.name });
    e.relay(ctx, `:${s.sid} EOS`);
  },
};
