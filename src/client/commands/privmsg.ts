// PRIVMSG|NOTICE <target>[,<target>...] :<text>    TAGMSG <target>   (message.c)
// Targets: #chan, <prefix>#chan (statusmsg), nick. Errors for PRIVMSG only where UnrealIRCd sends
// them (411 412 401 404, 301 when the target is away); NOTICE gets none of 404/301.
// To the network ":<uid> PRIVMSG <target> :<text>" with msgid/time tags (the engine writes the
// channel form with the nick, the user form with UIDs, as UnrealIRCd does).
import type { ClientCommandSpec } from '../commandTable.ts';
import type { ClientSession } from '../session.ts';
import type { Message } from '../../wire/message.ts';
import { N } from '../numerics.ts';
import { isBanned, rank, VOICE } from '../channelRules.ts';

/** Client-only tags a client may send (CLIENTTAGDENY=*,-draft/typing,-typing,-draft/channel-context,-draft/reply). */
const ALLOWED_CLIENT_TAGS = new Set(['+draft/typing', '+typing', '+draft/channel-context', '+draft/reply']);
const MAX_TARGETS = 4;

/** noctcp.c IsACTCP(): a CTCP other than ACTION (text starting with \x01 not followed by "ACTION "). */
export function isCtcp(text: string | undefined): boolean {
  return text !== undefined && text.charCodeAt(0) === 1 && !text.startsWith('ACTION ', 1);
}

function send(cmd: 'PRIVMSG' | 'NOTICE' | 'TAGMSG') {
  return (s: ClientSession, msg: Message): void => {
    const net = s.mgr.host.net;
    const u = s.user!;
    if (!msg.params.length || msg.params[0] === '') { s.numeric(N.ERR_NORECIPIENT(cmd)); return; }
    const text = msg.params[1];
    if (cmd !== 'TAGMSG' && (text === undefined || text === '')) { s.numeric(N.ERR_NOTEXTTOSEND()); return; }
    const client: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.lineTags)) if (ALLOWED_CLIENT_TAGS.has(k)) client[k] = v;
    if (cmd === 'TAGMSG' && Object.keys(client).length === 0) return;
    const targets = msg.params[0].split(',').filter(Boolean).slice(0, MAX_TARGETS);
    for (const target of targets) {
      let i = 0;
      while (i < target.length && '~&@%+'.includes(target[i])) i++;
      const name = target.slice(i);
      const tail = cmd === 'TAGMSG' ? '' : ` :${text}`;
      const tags = s.newTags();
      if (Object.keys(client).length) tags.client = client;
      if (name.startsWith('#')) {
        const ch = net.channel(name);
        if (!ch) { if (cmd === 'PRIVMSG') s.numeric(N.ERR_NOSUCHNICK(name)); continue; }
        const m = ch.members.get(u);
        const why = !m && ch.modes.has('n') ? ['No external channel messages', 'n']
          : ch.modes.has('m') && rank(m) > VOICE ? ['You need voice (+v)', 'm']
          : ch.modes.has('C') && isCtcp(text) ? ['CTCPs are not permitted in this channel', 'C']
          : rank(m) > VOICE && isBanned(ch, u) ? ['You are banned', 'b'] : null;
        // message.c: 404 "<chan> :<why> (<target as given, from its '#'>)", for PRIVMSG only.
        if (why) { if (cmd === 'PRIVMSG') s.numeric(N.ERR_CANNOTSENDTOCHAN(ch.name, why[0], name)); continue; }
        s.toNetwork(`:${s.uid} ${cmd} ${target.slice(0, i)}${ch.name}${tail}`, tags);
        continue;
      }
      const at = name.indexOf('@');
      const to = net.user(at > 0 ? name.slice(0, at) : name);
      if (!to || /^\d/.test(name)) { if (cmd !== 'NOTICE') s.numeric(N.ERR_NOSUCHNICK(name)); continue; }
      if (cmd === 'PRIVMSG' && to.away !== null) s.numeric(N.RPL_AWAY(to.nick, to.away));
      s.toNetwork(`:${s.uid} ${cmd} ${to.uid}${tail}`, tags);
    }
  };
}

export const PRIVMSG: ClientCommandSpec = { minParams: 0, handler: send('PRIVMSG') };
export const NOTICE: ClientCommandSpec = { minParams: 0, handler: send('NOTICE') };
export const TAGMSG: ClientCommandSpec = { minParams: 0, handler: send('TAGMSG') };
