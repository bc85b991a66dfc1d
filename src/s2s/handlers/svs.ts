// Services commands (commands.md SVSMODE..SVSLOGIN). Honoured from U-lined or server sources.
//   :<src> SVSMODE|SVS2MODE <nick|uid> <modes> [<account>]
//   :<src> SVSMODE|SVS2MODE <#chan> <-modes> [<nick>...]
//   :<src> SVSNICK <nick|uid> <newnick> <ts>
//   :<src> SVSKILL <uid> :<reason>
//   :<src> SVSLOGIN <any> <uid|nick> <account|0>
//   :<src> SVSJOIN|SVSPART|SAJOIN|SAPART <nick|uid> <#chan[,#chan]> [...]  (routed to the target's server)
import type { CommandSpec } from '../commandTable.ts';
import type { Ctx, Engine } from '../engine.ts';
import { sourceId, sourceName } from '../engine.ts';
import { displayedHost, virtualHost } from '../../state/user.ts';
import type { User } from '../../state/model.ts';
import { LINE_MAX_OUT, NICKLEN } from '../../wire/limits.ts';
import type { ModeChange } from '../channelModes.ts';
import { logModeNotSent, modeLines } from '../modeLines.ts';
import { validNick, parseTs } from '../validate.ts';
// Iterative glob matcher: a regex built from a ban mask backtracks exponentially on masks like *a*a*a*...
import { matchMask } from '../mask.ts';
import { delMemberMode } from '../../state/membership.ts';

function svsOk(e: Engine, ctx: Ctx): boolean {
  if (ctx.src.kind === 'server') return true;
  return e.isUlined(ctx.src.user.server);
}

function svsmode(): CommandSpec {
  return {
    minParams: 2, from: 'any',
    handler(e, ctx) {
      if (!svsOk(e, ctx)) return;
      const [target, modes, arg] = ctx.msg.params;
      if (target.startsWith('#')) { svsmodeChannel(e, ctx); return; }
      const u = e.net.user(target);
      if (!u) return;
      svsUmodes(u, modes, arg);
      e.relay(ctx, e.relayBody(ctx, ctx.msg.params.map((p, i) => (i === 0 ? u.uid : p)), false));
    },
  };
}

/**
 * Channel form (svsmode.c channel_svsmode()): only removes. b/e/I with a nick removes the entries
 * matching that user (an unknown nick stops the processing), without one clears the list; member
 * modes q/a/o/h/v are removed from everyone (only under '-'). The SVSMODE itself is not relayed:
 * what it removed goes to every server (the sender included) as a MODE, with a trailing 0 TS when
 * the source is a server.
 */
function svsmodeChannel(e: Engine, ctx: Ctx): void {
  const [name, modes, ...args] = ctx.msg.params;
  const ch = e.net.channel(name);
  if (!ch) return;
  const removed: ModeChange[] = [];
  let dir = '+';
  let ai = 0;
  outer: for (const m of modes) {
    if (m === '+' || m === '-') { dir = m; continue; }
    if (m === 'b' || m === 'e' || m === 'I') {
      const list = ch.lists[m];
      if (ai < args.length) {
        const who = e.net.user(args[ai++]);
        if (!who) break outer;
        // unban_user(): the real host, the virtual host while +x (unless it is the cloak), the cloak.
        const needles = [`${who.nick}!${who.ident}@${who.realHost}`];
        const vhost = virtualHost(who);
        if (who.umodes.has('x') && !(who.cloak && vhost.toLowerCase() === who.cloak.toLowerCase())) needles.push(`${who.nick}!${who.ident}@${vhost}`);
        if (who.cloak) needles.push(`${who.nick}!${who.ident}@${who.cloak}`);
        for (const mask of [...list.keys()]) {
          if (needles.some((n) => matchMask(mask, n))) { list.delete(mask); removed.push({ dir: '-', mode: m, param: mask }); }
        }
      } else {
        for (const mask of [...list.keys()]) { list.delete(mask); removed.push({ dir: '-', mode: m, param: mask }); }
      }
    } else if ('qaohv'.includes(m)) {
      if (dir !== '-') continue;
      for (const mem of ch.members.values()) {
        if (delMemberMode(mem, m)) removed.push({ dir: '-', mode: m, param: mem.user.nick });
      }
    }
  }
  // svsmode.c add_send_mode_param() sends a MODE every 12 parameters; modeLines() keeps to that and to the line length.
  const out = modeLines(`:${sourceId(ctx.src)} MODE ${ch.name}`, removed, ctx.src.kind === 'server' ? ' 0' : '', LINE_MAX_OUT);
  for (const l of out.lines) e.broadcast(null, l);
  if (out.dropped.length) logModeNotSent(e, ch.name, out.dropped, ctx.link);
  if (removed.length) e.channelChanged(ch);
}

/**
 * svsmode.c do_svsmode() on a user: unlike UMODE2, -x does not drop +t; each letter is applied
 * as it comes (hosts: state/user.ts):
 *  - d with an account param: the account (login/logout), not the deaf mode;
 *  - z: cannot be changed; +t: nothing (t is only ever removed here);
 *  - -x: the virtual host becomes the cloak (not shown); +x: the virtual host stays what it is;
 *  - -t: the virtual host becomes the cloak, when a cloak is known and differs from the host
 *    shown (compared as strcasecmp() does); then t goes.
 */
function svsUmodes(u: User, modes: string, arg: string | undefined): void {
  let dir = '+';
  for (const ch of modes) {
    if (ch === '+' || ch === '-') { dir = ch; continue; }
    if (ch === 'd' && arg !== undefined) {
      u.account = arg === '0' || arg === '*' || /^[0-9]/.test(arg) ? '' : arg;
      continue;
    }
    if (!/[A-Za-z]/.test(ch) || ch === 's' || ch === 'z') continue; // s: snomasks are local
    if (ch === 't') {
      if (dir === '+') continue;
      if (u.cloak && u.cloak.toLowerCase() !== displayedHost(u).toLowerCase()) u.vhost = '';
    } else if (ch === 'x' && dir === '-') u.vhost = '';
    if (dir === '+') u.umodes.add(ch); else u.umodes.delete(ch);
  }
}

export const SVSMODE = svsmode();
export const SVS2MODE = svsmode();

export const SVSNICK: CommandSpec = {
  minParams: 3, from: 'any',
  handler(e, ctx) {
    if (!svsOk(e, ctx)) return;
    const [t, newNick, tsStr] = ctx.msg.params;
    const u = e.net.user(t);
    if (!u || newNick.length > NICKLEN || !validNick(newNick)) return;
    if (u.server === e.me) {
      // Our user: perform the change (or exit it when the nick is taken by someone else).
      const other = e.net.userByNick(newNick);
      if (other && other !== u) { e.killUser(u, 'Nickname collision due to forced nickname change, your nick was overruled', e.me.sid, null); return; }
      const ts = parseTs(tsStr); // svsnick.c: lastnick = atol(parv[3]), as it is (0 included)
      e.net.renameUser(u, newNick, ts);
      e.broadcast(null, `:${u.uid} NICK ${newNick} :${ts}`);
      return;
    }
    const l = e.linkOf(u.server);
    if (l && l !== ctx.link) e.send(l, `:${sourceId(ctx.src)} SVSNICK ${u.uid} ${newNick} ${tsStr}`, ctx.rawTags);
  },
};

export const SVSKILL: CommandSpec = {
  minParams: 1, from: 'any', maxParams: 2,
  handler(e, ctx) {
    if (!svsOk(e, ctx)) return;
    const u = e.net.user(ctx.msg.params[0]);
    if (!u) return;
    const reason = ctx.msg.params[1] ?? 'SVSKILLed';
    e.net.removeUser(u);
    e.relay(ctx, `:${sourceId(ctx.src)} SVSKILL ${u.uid} :${reason}`);
  },
};

export const SVSLOGIN: CommandSpec = {
  minParams: 3, from: 'any',
  handler(e, ctx) {
    if (!svsOk(e, ctx)) return;
    const [p1, target, account] = ctx.msg.params;
    const u = e.net.user(target);
    if (u) u.account = account === '0' || account === '*' ? '' : account;
    const srcName = ctx.src.kind === 'server' ? ctx.src.server.name : ctx.src.user.server.name;
    e.relay(ctx, `:${srcName} SVSLOGIN ${p1} ${target} ${account}`);
  },
};

/** Commands that act on a user's own server: routed there unchanged. */
function routed(needSvs: boolean): CommandSpec {
  return {
    minParams: 2, from: 'any',
    handler(e, ctx) {
      if (needSvs && !svsOk(e, ctx)) return;
      const u = e.net.user(ctx.msg.params[0]);
      if (!u) return;
      if (u.server === e.me) {
        e.log('info', 'SVS_ROUTED_LOCAL', `${ctx.msg.command} for our user ${u.nick} from ${sourceName(ctx.src)} (no local clients to act on)`, ctx.link);
        return;
      }
      const l = e.linkOf(u.server);
      if (l && l !== ctx.link) e.send(l, e.relayBody(ctx, ctx.msg.params, false), ctx.rawTags);
    },
  };
}

export const SVSJOIN = routed(true);
export const SVSPART = routed(true);
export const SAJOIN = routed(false);
export const SAPART = routed(false);
