// :<sid> MLOCK <TS> <#chan> :<locked mode letters>   ignored if the channel is unknown or TS is newer.
import type { CommandSpec } from '../commandTable.ts';

export const MLOCK: CommandSpec = {
  minParams: 2, from: 'server',
  handler(e, ctx) {
    const [tsStr, name, letters = ''] = ctx.msg.params;
    const ch = e.net.channel(name);
    const ts = Number(tsStr);
    if (!ch || !Number.isFinite(ts) || ts > ch.ts) return;
    ch.mlock = letters;
    e.broadcast(ctx.link, (l) => (l.has('MLOCK') ? `:${ctx.src.kind === 'server' ? ctx.src.server.sid : ''} MLOCK ${tsStr} ${ch.name} :${letters}` : null), ctx.rawTags);
  },
};
