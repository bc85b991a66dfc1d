// WHOWAS <nick>[,...] [<count> [<server>]]   (whowas.c cmd_whowas): for each remembered entry of
// the nick, newest first (at most <count> when it is positive): 314, 378 and 330 to IRC operators,
// 312 with the server and the time the nick was given up; 406 when there is none; then 369. Only
// the first nick of a list is looked up. With a <server>, hunted there as hunt_server() does
// (hunt.ts; 402 when unknown); a remote user's request is answered over S2S, its <count> at most 20.
import type { ClientCommandSpec } from '../commandTable.ts';
import type { Message } from '../../wire/message.ts';
import { N } from '../numerics.ts';
import { HUNTED_ANSWERS, huntServer, isRemote, type Asker } from '../hunt.ts';
import { ipText } from './who.ts';

/** Most entries a remote user's WHOWAS gets (whowas.c: !MyConnect(client) && max > 20). */
const REMOTE_MAX = 20;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ctime() without the newline, in UTC: "Mon Dec  7 15:30:52 2026" (UnrealIRCd's myctime()). */
export function ctimeString(unix: number): string {
  const d = new Date(unix * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

export function answerWhowas(a: Asker, msg: Message): void {
  if (!msg.params.length || msg.params[0] === '') { a.numeric(N.ERR_NONICKNAMEGIVEN()); return; }
  let max = msg.params.length > 1 ? parseInt(msg.params[1], 10) || 0 : -1;
  if (isRemote(a) && max > REMOTE_MAX) max = REMOTE_MAX;
  const nick = msg.params[0].split(',')[0];
  const oper = !!a.user?.umodes.has('o');
  let n = 0;
  for (const e of a.mgr.whowas.find(nick)) {
    a.numeric(N.RPL_WHOWASUSER(e.nick, e.ident, e.host, e.realname));
    if (oper && e.ip && e.ip !== '*') a.numeric(N.RPL_WHOWASHOST(e.nick, e.ident, e.realHost, ipText(e.ip)));
    if (oper && e.account) a.numeric(N.RPL_WHOWASLOGGEDIN(e.nick, e.account));
    a.numeric(N.RPL_WHOISSERVER(e.nick, e.server, ctimeString(e.logoff)));
    n++;
    if (max > 0 && n >= max) break;
  }
  if (n === 0) a.numeric(N.ERR_WASNOSUCHNICK(nick));
  a.numeric(N.RPL_ENDOFWHOWAS(nick));
}
HUNTED_ANSWERS.set('WHOWAS', answerWhowas);

export const WHOWAS: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    if (msg.params.length > 2 && msg.params[0] !== '' && huntServer(s, msg, 2) !== 'me') return;
    answerWhowas(s, msg);
  },
};
