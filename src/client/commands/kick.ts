// KICK <#chan>[,...] <nick>[,<nick>...] [:<reason>]   -> ":<uid> KICK <#chan> <uid> :<reason>"
// As UnrealIRCd's kick.c: only the first channel counts (403); the kicker must be halfop or up
// (482, members and non-members alike); up to TARGMAX KICK:4 targets (407 for the rest); per
// target 401 / 441, then its HOOKTYPE_CAN_KICK checks in module load order: channel mode +Q
// (chanmodes/nokick: 972 "channel is +Q"), a service bot target, user mode +S (usermodes/
// servicebot: 972 "<nick> is a Service Bot", which replaces the +Q text), an unkickable target,
// user mode +q (usermodes/nokick: 972 "user is unkickable (user mode +q)" and a notice to the
// target "*** umode q: <kicker> tried to kick you from channel <chan> (<reason>)"); only one 972
// per target. Then ranks: only an owner kicks an owner or an admin (anyone may kick himself), a
// halfop kicks no halfop and no op (972 "<nick> is a ..."). tslink has no oper override
// (channel:override:kick:*), so none of these lets an oper through.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { HALFOP, OP, rank } from '../channelRules.ts';
import { ADVERTISED_KICKLEN } from '../isupport.ts';

const MAX_TARGETS = 4;

export const KICK: ClientCommandSpec = {
  minParams: 2,
  handler(s, msg) {
    if (msg.params[0] === '') { s.numeric(N.ERR_NEEDMOREPARAMS('KICK')); return; }
    const net = s.mgr.host.net;
    const chanName = msg.params[0].split(',')[0];
    const ch = net.channel(chanName);
    if (!ch) { s.numeric(N.ERR_NOSUCHCHANNEL(chanName)); return; }
    const r = rank(ch.members.get(s.user!));
    if (r > HALFOP) { s.numeric(N.ERR_CHANOPRIVSNEEDED(ch.name)); return; }
    const reason = (msg.params[2] || s.nick).slice(0, ADVERTISED_KICKLEN);
    let n = 0;
    for (const t of msg.params[1].split(',')) {
      if (t === '') continue;
      if (++n > MAX_TARGETS) { s.numeric(N.ERR_TOOMANYTARGETS(t, MAX_TARGETS, 'KICK')); break; }
      const u = net.userByNick(t);
      if (!u) { s.numeric(N.ERR_NOSUCHNICK(t)); continue; }
      const theirs = ch.members.get(u);
      if (!theirs) { s.numeric(N.ERR_USERNOTINCHANNEL(t, chanName)); continue; }
      let refused: string | null = ch.modes.has('Q') ? 'channel is +Q' : null;
      if (u.umodes.has('S')) refused = `${u.nick} is a Service Bot`;
      if (u.umodes.has('q')) {
        refused = 'user is unkickable (user mode +q)';
        const text = `*** umode q: ${s.nick} tried to kick you from channel ${ch.name} (${reason})`;
        const victim = s.mgr.byUid.get(u.uid);
        if (victim) victim.notice(text);
        else s.mgr.host.local(`:${s.mgr.host.me.sid} NOTICE ${u.uid} :${text}`);
      }
      if (refused !== null) { s.numeric(N.ERR_CANNOTDOCOMMAND('KICK', refused)); continue; }
      const tr = rank(theirs);
      if (tr < OP && r > 0 && u !== s.user) {
        s.numeric(N.ERR_CANNOTDOCOMMAND('KICK', `${u.nick} is a channel ${tr === 0 ? 'owner' : 'admin'}`));
        continue;
      }
      if (r === HALFOP && tr <= OP) { s.numeric(N.ERR_CANNOTDOCOMMAND('KICK', `${u.nick} is a channel operator`)); continue; }
      if (r === HALFOP && tr === HALFOP) { s.numeric(N.ERR_CANNOTDOCOMMAND('KICK', `${u.nick} is a halfop`)); continue; }
      s.toNetwork(`:${s.uid} KICK ${ch.name} ${u.uid} :${reason}`, s.newTags());
    }
  },
};
