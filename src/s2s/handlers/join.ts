// JOIN: servers use SJOIN. A server-sourced JOIN is ignored; a remote user's legacy JOIN
// (":<uid> JOIN #a,#b" or "JOIN 0") is handled like a join and relayed as SJOIN/PART.
import type { CommandSpec } from '../commandTable.ts';
import { validChannelName } from '../validate.ts';
import { addMemberMode } from '../../state/membership.ts';

export const JOIN: CommandSpec = {
  minParams: 1, from: 'user',
  onServerSource() { /* ignored */ },
  handler(e, ctx) {
    if (ctx.src.kind !== 'user') return;
    const u = ctx.src.user;
    if (ctx.msg.params[0] === '0') {
      for (const ch of [...u.channels.keys()]) {
        e.net.part(u, ch);
        e.relay(ctx, `:${u.uid} PART ${ch.name} :Left all channels`);
      }
      return;
    }
    for (const name of ctx.msg.params[0].split(',')) {
      if (!validChannelName(name)) continue;
      let ch = e.net.channel(name);
      const created = !ch;
      if (!ch) ch = e.net.createChannel(name, e.now());
      const m = e.net.join(u, ch);
      if (created) addMemberMode(m, 'o');
      e.relay(ctx, `:${u.server.sid} SJOIN ${ch.ts} ${ch.name} :${created ? '@' : ''}${u.uid}`);
    }
  },
};
