// The client command table: one entry per command, one file per command in commands/. The session
// checks registration state and parameter counts centrally (ERR_NOTREGISTERED,
// ERR_ALREADYREGISTRED, ERR_NEEDMOREPARAMS), so handlers hold only the decision.
import type { Message } from '../wire/message.ts';
import type { ClientSession } from './session.ts';
import { CAP } from './commands/cap.ts';
import { PASS } from './commands/pass.ts';
import { NICK } from './commands/nick.ts';
import { USER } from './commands/user.ts';
import { PING } from './commands/ping.ts';
import { PONG } from './commands/pong.ts';
import { QUIT } from './commands/quit.ts';
import { JOIN } from './commands/join.ts';
import { PART } from './commands/part.ts';
import { PRIVMSG, NOTICE, TAGMSG } from './commands/privmsg.ts';
import { MODE } from './commands/mode.ts';
import { TOPIC } from './commands/topic.ts';
import { NAMES } from './commands/names.ts';
import { WHO } from './commands/who.ts';
import { WHOIS } from './commands/whois.ts';
import { AWAY } from './commands/away.ts';
import { MOTD } from './commands/motd.ts';
import { LUSERS } from './commands/lusers.ts';
import { KICK } from './commands/kick.ts';
import { SERVER } from './commands/server.ts';
import { INVITE } from './commands/invite.ts';
import { WHOWAS } from './commands/whowas.ts';
import { LIST } from './commands/list.ts';
import { ISON } from './commands/ison.ts';
import { USERHOST } from './commands/userhost.ts';
import { MONITOR } from './commands/monitor.ts';
import { VERSION } from './commands/version.ts';
import { ADMIN } from './commands/admin.ts';
import { TIME } from './commands/time.ts';
import { INFO } from './commands/info.ts';
import { MAP } from './commands/map.ts';
import { LINKS } from './commands/links.ts';
import { SETNAME } from './commands/setname.ts';
import { AUTHENTICATE } from './commands/authenticate.ts';
import { OPER } from './commands/oper.ts';
import { KILL } from './commands/kill.ts';
import { WALLOPS } from './commands/wallops.ts';

export interface ClientCommandSpec {
  /** Parameters needed (fewer: 461). */
  minParams: number;
  /** Allowed before registration (true), or only then ('only': 462 afterwards). */
  unregistered?: boolean | 'only';
  /** Does not reset the idle time (PING, PONG, ...). */
  noIdle?: boolean;
  handler: (s: ClientSession, msg: Message) => void;
}

export const CLIENT_COMMANDS: Map<string, ClientCommandSpec> = new Map(Object.entries({
  CAP, PASS, NICK, USER, PING, PONG, QUIT, SERVER, AUTHENTICATE,
  JOIN, PART, PRIVMSG, NOTICE, TAGMSG, MODE, TOPIC, NAMES, WHO, WHOIS, AWAY, MOTD, LUSERS, KICK,
  INVITE, WHOWAS, LIST, ISON, USERHOST, MONITOR, VERSION, ADMIN, TIME, INFO, MAP, LINKS, SETNAME,
  OPER, KILL, WALLOPS,
}));
