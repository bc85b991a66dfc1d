// The one registry of S2S command handlers (one file per command or command family).
import type { CommandSpec } from '../commandTable.ts';
import { PASS } from './pass.ts';
import { PROTOCTL } from './protoctl.ts';
import { SERVER } from './server.ts';
import { ERROR } from './error.ts';
import { SID } from './sid.ts';
import { SINFO } from './sinfo.ts';
import { SQUIT } from './squit.ts';
import { EOS } from './eos.ts';
import { NETINFO } from './netinfo.ts';
import { SMOD } from './smod.ts';
import { SDESC } from './sdesc.ts';
import { SLOG } from './slog.ts';
import { PING, PONG } from './ping.ts';
import { UID } from './uid.ts';
import { NICK } from './nick.ts';
import { QUIT } from './quit.ts';
import { KILL } from './kill.ts';
import { UMODE2 } from './umode2.ts';
import { AWAY } from './away.ts';
import { SETHOST, SETIDENT, SETNAME, CHGHOST, CHGIDENT, CHGNAME } from './hostident.ts';
import { SWHOIS } from './swhois.ts';
import { SVSMODE, SVS2MODE, SVSNICK, SVSKILL, SVSLOGIN, SVSJOIN, SVSPART, SAJOIN, SAPART } from './svs.ts';
import { SJOIN } from './sjoin.ts';
import { MODE } from './mode.ts';
import { TOPIC } from './topic.ts';
import { PART } from './part.ts';
import { KICK } from './kick.ts';
import { INVITE } from './invite.ts';
import { MLOCK } from './mlock.ts';
import { JOIN } from './join.ts';
import { PRIVMSG, NOTICE, TAGMSG } from './message.ts';
import { TKL } from './tkl.ts';
import { SQLINE, UNSQLINE } from './sqline.ts';
import { MD } from './md.ts';
import { REPUTATION, SENDUMODE, SMO, SENDSNO, WALLOPS, GLOBOPS, SASL } from './misc.ts';
import { VERSION, ADMIN, TIME, INFO, MOTD, LUSERS, WHOIS, WHOWAS } from './hunt.ts';

export const HANDLERS: Record<string, CommandSpec> = {
  PASS, PROTOCTL, SERVER, ERROR,
  SID, SINFO, SQUIT, EOS, NETINFO, SMOD, SDESC, SLOG, PING, PONG,
  UID, NICK, QUIT, KILL, UMODE2, AWAY,
  SETHOST, SETIDENT, SETNAME, CHGHOST, CHGIDENT, CHGNAME, SVSNAME: CHGNAME,
  SWHOIS, SVSMODE, SVS2MODE, SVSNICK, SVSKILL, SVSLOGIN, SVSJOIN, SVSPART, SAJOIN, SAPART,
  SJOIN, MODE, TOPIC, PART, KICK, INVITE, MLOCK, JOIN,
  PRIVMSG, NOTICE, TAGMSG,
  TKL, SQLINE, UNSQLINE, MD,
  REPUTATION, SENDUMODE, SMO, SENDSNO, WALLOPS, GLOBOPS, SASL,
  VERSION, ADMIN, TIME, INFO, MOTD, LUSERS, WHOIS, WHOWAS,
};
