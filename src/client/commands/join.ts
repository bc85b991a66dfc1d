// JOIN <#chan>[,<#chan>...] [<key>[,<key>...]] | JOIN 0   (join.c _do_join / can_join)
// To the network as UnrealIRCd sends a local join: an existing channel
// ":<sid> SJOIN <chants> <#chan> :<uid>", a new one ":<sid> SJOIN <now> <#chan> :@<uid>" then
// ":<sid> MODE <#chan> <modes-on-join>  <ts>" (burst-and-live.txt). The router shows the JOIN;
// here: the checks (405 471 473 474 475 477 489), then topic (332 333) and NAMES.
import type { ClientCommandSpec } from '../commandTable.ts';
import type { ClientSession } from '../session.ts';
import { N } from '../numerics.ts';
import { validChannelName } from '../../s2s/validate.ts';
import { casefold } from '../../wire/casemap.ts';
import { isBanned, isInvex, sendNames, sendTopic } from '../channelRules.ts';

function joinOne(s: ClientSession, name: string, key: string | undefined): void {
  const { host, cfg } = s.mgr;
  const u = s.user!;
  if (!name.startsWith('#')) { s.numeric(N.ERR_NOSUCHCHANNEL(name)); return; }
  if (!validChannelName(name)) { s.send(`:${host.me.name} 479 ${s.target} ${name} :Illegal channel name`); return; }
  const ch = host.net.channel(name);
  if (ch && ch.members.has(u)) return;
  if (u.channels.size >= cfg.limits.maxChannelsPerUser) { s.numeric(N.ERR_TOOMANYCHANNELS(name)); return; }
  if (!ch) {
    const ts = host.now();
    s.toNetwork(`:${host.me.sid} SJOIN ${ts} ${name} :@${s.uid}`, s.newTags());
    const modes = cfg.modesOnJoin.replace(/^\+?/, '+');
    if (modes !== '+') host.local(`:${host.me.sid} MODE ${name} ${modes}  ${ts}`);
  } else {
    const invited = s.invites.has(casefold(ch.name));
    if (ch.modes.has('z') && !u.umodes.has('z')) { s.numeric(N.ERR_SECUREONLYCHAN(ch.name)); return; }
    if (ch.modes.has('R') && !u.account) { s.numeric(N.ERR_NEEDREGGEDNICK(ch.name)); return; }
    if (!invited) {
      if (isBanned(ch, u)) { s.numeric(N.ERR_BANNEDFROMCHAN(ch.name)); return; }
      if (ch.modes.has('i') && !isInvex(ch, u)) { s.numeric(N.ERR_INVITEONLYCHAN(ch.name)); return; }
      const k = ch.modes.get('k');
      if (k !== undefined && k !== key) { s.numeric(N.ERR_BADCHANNELKEY(ch.name)); return; }
      const l = ch.modes.get('l');
      if (l !== undefined && ch.members.size >= Number(l)) { s.numeric(N.ERR_CHANNELISFULL(ch.name)); return; }
    }
    s.invites.delete(casefold(ch.name));
    s.toNetwork(`:${host.me.sid} SJOIN ${ch.ts} ${ch.name} :${s.uid}`, s.newTags());
  }
  const now = host.net.channel(name);
  if (!now || !now.members.has(u)) return;
  sendTopic(s, now, false);
  sendNames(s, now);
  // away.c away_join() (HOOKTYPE_LOCAL_JOIN, after the NAMES): the joiner's own away status, when it has away-notify.
  if (u.away !== null && s.hasCap('away-notify')) s.sendTagged(`:${s.mask} AWAY :${u.away}`, s.newTags());
}

export const JOIN: ClientCommandSpec = {
  minParams: 1,
  handler(s, msg) {
    if (msg.params[0] === '0') { s.toNetwork(`:${s.uid} JOIN 0`, s.newTags()); return; }
    const keys = (msg.params[1] ?? '').split(',');
    msg.params[0].split(',').forEach((name, i) => { if (name && !s.closed) joinOne(s, name, keys[i] || undefined); });
  },
};
