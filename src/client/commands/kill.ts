// KILL <nick>[,<nick>...] :<reason>   (kill.c cmd_kill()): opers only (481). The victim gets
// ":<killer> KILL <victim> :<reason>" and quits with "Killed by <killer> (<reason>)": a local
// victim killed by a local oper leaves as a QUIT, as UnrealIRCd treats such a kill; one on
// another server is killed on the network as ":<oper uid> KILL <victim uid> :<reason>".
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { QUITLEN } from '../../wire/limits.ts';

export const KILL: ClientCommandSpec = {
  minParams: 2,
  handler(s, msg) {
    const reason = msg.params[1].slice(0, QUITLEN);
    if (!reason) { s.numeric(N.ERR_NEEDMOREPARAMS('KILL')); return; }
    const perms = s.oper?.perms;
    if (!perms) { s.numeric(N.ERR_NOPRIVILEGES()); return; }
    const net = s.mgr.host.net, me = s.mgr.host.me;
    for (const nick of msg.params[0].split(',')) {
      if (!nick) continue;
      const t = net.userByNick(nick);
      if (!t) { s.numeric(N.ERR_NOSUCHNICK(nick)); continue; }
      const local = t.server === me;
      if (!local && perms.kill !== 'global') { s.numeric(N.ERR_NOPRIVILEGES()); continue; }
      const details = `${t.nick}!${t.ident}@${t.realHost}`;
      s.mgr.opers?.log('info', 'KILL_COMMAND', { client: s.nick, target: details, reason }, `Client killed: ${details} [by: ${s.nick}] (${reason})`);
      if (local) {
        const victim = s.mgr.byUid.get(t.uid);
        if (!victim || victim.closed) continue;
        victim.send(`:${s.mask} KILL ${t.nick} :${reason}`);
        victim.close(`Killed by ${s.nick} (${reason})`);
      } else {
        s.toNetwork(`:${s.uid} KILL ${t.uid} :${reason}`, s.newTags());
      }
      if (s.closed) return;
    }
  },
};
