// :<sid> SINFO <boottime> <protocol> <usermodes> <chanmodes> <nickchars> :<software>
import type { CommandSpec } from '../commandTable.ts';

export const SINFO: CommandSpec = {
  minParams: 6, from: 'server',
  handler(e, ctx) {
    if (ctx.src.kind !== 'server') return;
    const s = ctx.src.server;
    if (ctx.link && ctx.link.server === s) { e.exitLink(ctx.link, 'Protocol error: you cannot send SINFO about yourself'); return; }
    const p = ctx.msg.params;
    s.sinfo = { boot: p[0], protocol: p[1], umodes: p[2], chanmodes: p[3], nickchars: p[4], software: p[p.length - 1] };
    e.relay(ctx, e.relayBody(ctx, p));
  },
};
