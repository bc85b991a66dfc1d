// WHOIS [<server>] <nick>   (whois.c): 311, [379 378 for self or opers], 319, 312, 301, 313,
// 335 (bot), 671 (TLS), 320 (swhois), 330 (account), 317 (idle, local users), then 318.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { prefixes } from '../channelRules.ts';
import { displayedHost } from '../../state/user.ts';
import { modeSort } from '../../s2s/userWire.ts';
import { ownModes } from '../oper.ts';
import { HUNTED_ANSWERS, huntServer, type Asker } from '../hunt.ts';
import type { Message } from '../../wire/message.ts';

export const WHOIS: ClientCommandSpec = {
  minParams: 1,
  handler(s, msg) {
    // WHOIS <server|nick> <nick>: asked where the first names (hunt.ts).
    if (msg.params.length > 1 && huntServer(s, msg, 0) !== 'me') return;
    answerWhois(s, msg);
  },
};
HUNTED_ANSWERS.set('WHOIS', answerWhois);

/** The WHOIS reply for `msg`'s nick (the second parameter when there are two). */
export function answerWhois(s: Asker, msg: Message): void {
    const net = s.mgr.host.net;
    const me = s.user!;
    const query = (msg.params.length > 1 ? msg.params[1] : msg.params[0] ?? '').split(',')[0];
    if (query === '') { s.numeric(N.ERR_NONICKNAMEGIVEN()); return; }
    const t = net.userByNick(query);
    if (!t) { s.numeric(N.ERR_NOSUCHNICK(query)); s.numeric(N.RPL_ENDOFWHOIS(query)); return; }
    const self = t === me, oper = me.umodes.has('o');
    s.numeric(N.RPL_WHOISUSER(t.nick, t.ident, displayedHost(t), t.realname));
    if (self || oper) {
      const local = t.server === s.mgr.host.me ? s.mgr.byUid.get(t.uid) : undefined;
      s.numeric(N.RPL_WHOISMODES(t.nick, '+' + [...(local ? ownModes(local) : t.umodes)].sort(modeSort).join(''), local?.snomask ?? ''));
      s.numeric(N.RPL_WHOISHOST(t.nick, '*', t.realHost, local ? local.info.ip : ''));
    }
    const chans: string[] = [];
    for (const [ch, m] of t.channels) {
      const visible = ch.members.has(me) || !(ch.modes.has('s') || ch.modes.has('p'));
      if (!self && (t.umodes.has('p') && !ch.members.has(me))) continue;
      if (!visible && !self && !oper) continue;
      chans.push((!visible ? '?' : '') + prefixes(m, s.hasCap('multi-prefix')) + ch.name);
    }
    if (chans.length) s.numeric(N.RPL_WHOISCHANNELS(t.nick, chans.join(' ') + ' '));
    s.numeric(N.RPL_WHOISSERVER(t.nick, t.server.name, t.server.info));
    if (t.away !== null) s.numeric(N.RPL_AWAY(t.nick, t.away));
    if (t.umodes.has('o') && (!t.umodes.has('H') || self || oper)) {
      // whois-details oper: the block and operclass to the oper itself and to opers (FULL), the bare words to others.
      const login = t.md.get('operlogin'), operclass = t.md.get('operclass');
      const full = self || oper;
      s.numeric(N.RPL_WHOISOPERATOR(t.nick, full && login ? `an IRC Operator (${login})${operclass ? ` [${operclass}]` : ''}` : 'an IRC Operator'));
    }
    if (t.umodes.has('B')) s.numeric(N.RPL_WHOISBOT(t.nick, s.mgr.cfg.networkName));
    if (t.umodes.has('z')) s.numeric(N.RPL_WHOISSECURE(t.nick, 'is using a Secure Connection'));
    for (const sw of t.swhois) s.numeric(N.RPL_WHOISSPECIAL(t.nick, sw.text));
    if (t.account) s.numeric(N.RPL_WHOISLOGGEDIN(t.nick, t.account));
    const local = t.server === s.mgr.host.me ? s.mgr.byUid.get(t.uid) : undefined;
    if (local && (!t.umodes.has('I') || self || oper)) s.numeric(N.RPL_WHOISIDLE(t.nick, s.mgr.host.now() - local.idleSince, local.signon));
    s.numeric(N.RPL_ENDOFWHOIS(query));
}
