// :<sid> MLOCK <TS> <#chan> :<locked mode letters>   ignored if the channel is unknown or TS is newer.
import type { CommandSpec } from '../commandTable.ts';
import { parseTs } from '../validate.ts';

export const MLOCK: CommandSpec = {
  minParams: 2, from: 'server',
  handler(e, ctx) {
    const [tsStr, name, letters = ''] = ctx.msg.params;
    const ch = e.net.channel(name);
    // mode.c cmd_mlock(): t = atol(parv[1]) (0 for a field without digits); dropped when above our
    // TS; set_channel_mlock() relays it with our TS, not theirs.
    if (!ch || parseTs(tsStr) > ch.ts) return;
    ch.mlock = letters;
    e.channelChanged(ch);
    e.broadcast(ctx.link, (l) => (l.has('MLOCK') ? `:${ctx.src.kind === 'server' ? ctx.src.server.sid : ''} MLOCK ${ch.ts} ${ch.name} :${letters}` : null), ctx.rawTags);
  },
};
