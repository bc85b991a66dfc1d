// :<uid> NICK <newnick> [<ts>]   nick change; collisions: conflicts.md §2.
import type { CommandSpec } from '../commandTable.ts';
import { validNick, parseTs } from '../validate.ts';
import { decideCollision, sideName } from '../collisions.ts';
import { caseEqual } from '../../wire/casemap.ts';

export const NICK: CommandSpec = {
  minParams: 1, from: 'user',
  onServerSource(e, { link }) {
    if (link) e.exitLink(link, 'Server used NICK command, bad, must use UID!');
  },
  handler(e, ctx) {
    const { link, msg } = ctx;
    if (ctx.src.kind !== 'user') return;
    const c = ctx.src.user;
    const newNick = msg.params[0];
    if (!validNick(newNick) || /^(ircd|irc)$/i.test(newNick)) {
      e.killUser(c, 'Illegal nick name', e.me.sid, null);
      return;
    }
    if (c.nick === newNick) return; // nick.c: "100% identical? ... return" (nothing changes, nothing relayed)
    // nick.c cmd_nick_remote(): lastnick = atol(parv[2]) when the param is there (0 for one
    // without digits, which still collides as a TS); stored and relayed as now when 0.
    const hasTs = msg.params.length > 1;
    const tsParam = hasTs ? parseTs(msg.params[1]) : 0;
    const ts = tsParam !== 0 ? tsParam : e.now();
    const existing = e.net.userByNick(newNick);
    if (existing && existing !== c) {
      const oldSide = sideName(e, existing);
      const newSide = c.nick; // for a NICK change: the changing user's current nick
      const out = !hasTs ? 'both' : decideCollision(existing, tsParam, c, link, false);
      if (out === 'both') {
        const reason = `Nick collision: ${oldSide} <-> ${newSide}`;
        e.killUser(c, reason, e.me.sid, null);
        e.killUser(existing, reason, e.me.sid, null);
        return;
      }
      if (out === 'existing-won') {
        e.killUser(c, `Nick collision: ${newSide} <- ${oldSide}`, e.me.sid, null);
        return;
      }
      e.killUser(existing, `Nick collision: ${oldSide} <- ${newSide}`, e.me.sid, null);
    }
    if (!caseEqual(c.nick, newNick)) c.umodes.delete('r');
    e.net.renameUser(c, newNick, ts);
    e.relay(ctx, `:${c.uid} NICK ${newNick} ${ts}`);
  },
};
