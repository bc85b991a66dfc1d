// MODE <nick> [<modes>]          user modes: 221; changes of the modes a user may set, 501/502
// MODE <#chan> [<modes> <params>]  324+329; list queries (367/368, 348/349, 346/347); changes by
// halfops and up (482), to the network as ":<uid> MODE <#chan> <modes> <params>" (user form, no TS).
import type { ClientCommandSpec } from '../commandTable.ts';
import type { ClientSession } from '../session.ts';
import type { Channel } from '../../state/model.ts';
import { N } from '../numerics.ts';
import { HALFOP, OP, rank } from '../channelRules.ts';
import { parseModeChanges } from '../../s2s/channelModes.ts';
import { modeSort } from '../../s2s/userWire.ts';
import { displayedHost } from '../../state/user.ts';
import { MAXMODEPARAMS } from '../../wire/limits.ts';
import { dropOper, ownModes } from '../oper.ts';

/** User modes a user may change on itself (the rest are set by opers, services or the server). */
const USER_SETTABLE = new Set('iwxBGTdpDRZI'.split(''));

/** User modes opers may set on themselves besides those (umode_allow_opers: H hide oper status, W see /WHOIS). */
const OPER_SETTABLE = new Set(['H', 'W']);

function userMode(s: ClientSession, target: string, modes: string | undefined): void {
  const u = s.user!;
  const t = s.mgr.host.net.userByNick(target);
  if (!t) { s.numeric(N.ERR_NOSUCHNICK(target)); return; }
  if (t !== u) { s.numeric(N.ERR_USERSDONTMATCH()); return; }
  if (modes === undefined) {
    s.numeric(N.RPL_UMODEIS('+' + [...ownModes(s)].sort(modeSort).join('')));
    if (s.snomask) s.numeric(N.RPL_SNOMASK(s.snomask));
    return;
  }
  const oper = s.oper !== null;
  let dir = '+', plus = '', minus = '', unknown = false, deoper = false;
  for (const m of modes) {
    if (m === '+' || m === '-') { dir = m; continue; }
    // mode.c: -o (or -O) makes an oper a user again; nobody sets +o on itself.
    if (m === 'o' || m === 'O') { if (dir === '-' && u.umodes.has('o')) deoper = true; continue; }
    if (!USER_SETTABLE.has(m) && !(oper && OPER_SETTABLE.has(m))) { if (!/[a-zA-Z]/.test(m) || !'sqrtzSHW'.includes(m)) unknown = true; continue; }
    if (dir === '+' && !u.umodes.has(m) && !plus.includes(m)) { plus += m; minus = minus.replace(m, ''); }
    if (dir === '-' && u.umodes.has(m) && !minus.includes(m)) { minus += m; plus = plus.replace(m, ''); }
  }
  if (unknown) s.numeric(N.ERR_UMODEUNKNOWNFLAG());
  if (minus.includes('x') && u.umodes.has('t')) minus += 't';
  const change = (plus ? '+' + plus : '') + (minus ? '-' + minus : '');
  if (change) {
    const hadX = u.umodes.has('x');
    s.toNetwork(`:${s.nick} UMODE2 ${change}`);
    if (u.umodes.has('x') !== hadX) s.numeric(N.RPL_HOSTHIDDEN(displayedHost(u)));
    s.send(`:${s.nick} MODE ${s.nick} :${change}`);
  }
  if (deoper) dropOper(s);
}

const LISTS = {
  b: [N.RPL_BANLIST, N.RPL_ENDOFBANLIST],
  e: [N.RPL_EXLIST, N.RPL_ENDOFEXLIST],
  I: [N.RPL_INVEXLIST, N.RPL_ENDOFINVEXLIST],
} as const;

function sendList(s: ClientSession, ch: Channel, l: 'b' | 'e' | 'I'): void {
  const [item, end] = LISTS[l];
  for (const [mask, e] of ch.lists[l]) s.numeric(item(ch.name, mask, e.setBy, String(e.setAt)));
  s.numeric(end(ch.name));
}

function channelMode(s: ClientSession, ch: Channel, params: string[]): void {
  const u = s.user!;
  const m = ch.members.get(u);
  if (params.length === 0) {
    // +d (delayjoin.c: set by this server, never on the network) is shown with the others.
    const str = s.mgr.delayed.modeString(ch);
    const sp = str.indexOf(' ');
    // Parameters (the key, the limit) are shown to members only.
    s.numeric(N.RPL_CHANNELMODEIS(ch.name, sp < 0 ? str : str.slice(0, sp), m ? (sp < 0 ? '' : str.slice(sp + 1)) : ''));
    s.numeric(N.RPL_CREATIONTIME(ch.name, String(ch.ts)));
    return;
  }
  const groups = s.mgr.host.chanModes;
  const changes = parseModeChanges(groups, params[0], params.slice(1, 1 + MAXMODEPARAMS));
  // A bare list mode (MODE #c +b / b / e / I) is a query.
  const queries = changes.length === 0 ? [...params[0]].filter((x) => x === 'b' || x === 'e' || x === 'I') as ('b' | 'e' | 'I')[] : [];
  if (queries.length) { sendList(s, ch, queries[0]); return; }
  for (const x of params[0]) if (x !== '+' && x !== '-' && !groups.known(x)) s.numeric(N.ERR_UNKNOWNMODE(x));
  const r = rank(m);
  if (r > HALFOP) { s.numeric(N.ERR_CHANOPRIVSNEEDED(ch.name)); return; }
  // Member modes as UnrealIRCd's chanmodes/{chanowner,chanadmin,chanop,halfop,voice}.c: the access
  // check first (499 for +q/+a, 482 for +o/+h/+v; removing one's own status is always allowed),
  // then the target (401, 441). Each refused change gets its own numeric and nothing else.
  const ok = changes.filter((c) => {
    if (!groups.known(c.mode)) return false;
    if (c.mode === 'd') return false; // delayjoin.c delayjoin_is_ok(): nobody sets +d/-d (the server does), and no error is sent
    if ('qaohv'.includes(c.mode)) {
      const t = c.param ? s.mgr.host.net.userByNick(c.param) : undefined;
      const self = c.dir === '-' && t === u;
      const need = 'qa'.includes(c.mode) ? 0 : c.mode === 'v' ? HALFOP : OP;
      if (!self && r > need) { s.numeric(need === 0 ? N.ERR_CHANOWNPRIVNEEDED(ch.name) : N.ERR_CHANOPRIVSNEEDED(ch.name)); return false; }
      if (!t) { s.numeric(N.ERR_NOSUCHNICK(c.param ?? '')); return false; }
      if (!ch.members.has(t)) { s.numeric(N.ERR_USERNOTINCHANNEL(t.nick, ch.name)); return false; }
    }
    return true;
  });
  if (!ok.length) return;
  let modes = '', dir = '';
  const ps: string[] = [];
  for (const c of ok) {
    if (c.dir !== dir) { modes += c.dir; dir = c.dir; }
    modes += c.mode;
    if (c.param !== undefined) ps.push(c.param);
  }
  s.toNetwork(`:${s.uid} MODE ${ch.name} ${modes}${ps.length ? ' ' + ps.join(' ') : ''}`, s.newTags());
}

export const MODE: ClientCommandSpec = {
  minParams: 1,
  handler(s, msg) {
    const target = msg.params[0];
    if (!target.startsWith('#')) { userMode(s, target, msg.params[1]); return; }
    const ch = s.mgr.host.net.channel(target);
    if (!ch) { s.numeric(N.ERR_NOSUCHCHANNEL(target)); return; }
    channelMode(s, ch, msg.params.slice(1));
  },
};
