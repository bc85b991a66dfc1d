// :<uid> AWAY :<message>   set;   :<nick> AWAY   unset.
import { own } from '../../wire/message.ts';
import type { CommandSpec } from '../commandTable.ts';
import { AWAYLEN } from '../../wire/limits.ts';

export const AWAY: CommandSpec = {
  minParams: 0, from: 'user', maxParams: 1,
  handler(e, ctx) {
    if (ctx.src.kind !== 'user') return;
    const u = ctx.src.user;
    const msg = ctx.msg.params[0];
    if (msg === undefined || msg === '') { u.away = null; e.relay(ctx, `:${u.uid} AWAY`); return; }
    u.away = own(msg.slice(0, AWAYLEN));
    if (e.hasOtherLinks(ctx.link)) e.relay(ctx, `:${u.uid} AWAY :${u.away}`);
  },
};
