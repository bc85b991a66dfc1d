// Commands tslink relays without keeping state:
//   :<sid> REPUTATION <ip> <score>      :<nick> WALLOPS :<text>      :<src> GLOBOPS :<text>
//   :<src> SENDUMODE <modes> :<text>    :<src> SENDSNO <mask> :<text>
//   :<src> SASL <target> <uid> <type> <data...>   (routed to the target server, or broadcast)
import type { CommandSpec } from '../commandTable.ts';
import { formatParams, sourceName } from '../engine.ts';

const relayAsIs = (minParams: number): CommandSpec => ({
  minParams, from: 'any',
  handler(e, ctx) { e.relay(ctx, e.relayBody(ctx, ctx.msg.params)); },
});

export const REPUTATION = relayAsIs(2);
export const SENDUMODE = relayAsIs(2);
export const SMO = relayAsIs(2);
export const SENDSNO = relayAsIs(2);

export const WALLOPS: CommandSpec = {
  minParams: 1, from: 'any',
  handler(e, ctx) { e.relay(ctx, `:${sourceName(ctx.src)} WALLOPS :${ctx.msg.params[0]}`); },
};

export const GLOBOPS: CommandSpec = {
  minParams: 1, from: 'any',
  handler(e, ctx) { e.relay(ctx, `:${e.me.sid} SENDUMODE o :from ${sourceName(ctx.src)}: ${ctx.msg.params[0]}`); },
};

export const SASL: CommandSpec = {
  minParams: 4, from: 'any',
  handler(e, ctx) {
    const target = ctx.msg.params[0];
    const srcName = ctx.src.kind === 'server' ? ctx.src.server.name : ctx.src.user.nick;
    // As UnrealIRCd writes it: the data without a ':' (services read "C <base64>" as one word).
    const body = `:${srcName} SASL${formatParams(ctx.msg.params, false)}`;
    // For us: the local clients' router (src/client/sasl.ts) hands it to the session.
    if (target.toLowerCase() === e.me.name.toLowerCase() || target.slice(0, 3) === e.me.sid) return;
    const s = target === '*' ? undefined : e.net.server(target);
    const l = s ? e.linkOf(s) : null;
    if (l && l !== ctx.link) e.send(l, body, ctx.rawTags);
    else if (!s) e.relay(ctx, body);
  },
};
