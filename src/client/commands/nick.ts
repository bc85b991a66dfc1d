// NICK <nick>   before registration: take the nick; after: ":<uid> NICK <new> <ts>" to the network
// (nick.c cmd_nick_local): 431 none, 432 illegal, 433 in use (on the network, or another local
// connection registering with it). A change of case only is allowed.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { validNick } from '../../s2s/validate.ts';
import { NICKLEN } from '../../wire/limits.ts';

export const NICK: ClientCommandSpec = {
  minParams: 0, unregistered: true,
  handler(s, msg) {
    const raw = msg.params[0];
    if (raw === undefined || raw === '') { s.numeric(N.ERR_NONICKNAMEGIVEN()); return; }
    const nick = raw.slice(0, NICKLEN);
    if (!validNick(nick)) { s.numeric(N.ERR_ERRONEUSNICKNAME(nick, 'Illegal characters')); return; }
    if (/^(ircd|irc)$/i.test(nick)) { s.numeric(N.ERR_ERRONEUSNICKNAME(nick, 'Reserved for internal IRCd purposes')); return; }
    if (nick === s.nick) return;
    const holder = s.mgr.host.net.userByNick(nick);
    const self = s.user !== null && holder === s.user;
    if ((holder && !self) || (!self && s.mgr.pendingNick(nick, s))) { s.numeric(N.ERR_NICKNAMEINUSE(nick)); return; }
    if (!s.registered) { s.nick = nick; s.tryRegister(); return; }
    s.toNetwork(`:${s.uid} NICK ${nick} ${s.mgr.host.now()}`, s.newTags());
  },
};
