// :<src> PRIVMSG|NOTICE <target> :<text>     :<src> TAGMSG <target>
// Targets: UID, nick, nick@server, #chan, <prefix>#chan, $servermask. Routed toward the
// target's direction only, never echoed back to the link it came from. Errors to a remote
// sender come back as numerics to its nick (411, 412, 401).
import type { CommandSpec } from '../commandTable.ts';
import type { Ctx, Engine } from '../engine.ts';
import { sourceName } from '../engine.ts';
import type { Link } from '../link.ts';
import { matchMask } from '../mask.ts';
import type { Server } from '../../state/model.ts';

function messageCommand(needText: boolean): CommandSpec {
  return {
    minParams: 0, from: 'any', maxParams: 2,
    handler(e, ctx) {
      const { link, msg } = ctx;
      const err = (numeric: string, text: string) => {
        if (link && ctx.src.kind === 'user') e.send(link, `:${e.me.name} ${numeric} ${sourceName(ctx.src)} ${text}`);
      };
      if (msg.params.length < 1 || msg.params[0] === '') { err('411', `:No recipient given (${msg.command})`); return; }
      if (needText && (msg.params.length < 2 || msg.params[1] === '')) { err('412', ':No text to send'); return; }
      if (!needText && !ctx.rawTags) return; // TAGMSG without tags is dropped
      for (const target of msg.params[0].split(',')) {
        if (!target) continue;
        if (!routeMessage(e, ctx, target)) err('401', `${target} :No such nick/channel`);
      }
    },
  };
}

/** Route one target; false when it does not exist. */
function routeMessage(e: Engine, ctx: Ctx, target: string): boolean {
  const { link, msg } = ctx;
  const srcName = ctx.src.kind === 'user' ? ctx.src.user.nick : ctx.src.server.name;
  const text = msg.params[1];
  const body = (t: string) => `:${srcName} ${msg.command} ${t}${text !== undefined ? ' :' + text : ''}`;
  let i = 0;
  while (i < target.length && '~&@%+'.includes(target[i])) i++;
  const chanName = target.slice(i);
  if (chanName.startsWith('#')) {
    const ch = e.net.channel(chanName);
    if (!ch) return false;
    // Only links that have members in the channel.
    const dirs = new Set<Link>();
    // Nothing changes the channel meanwhile: its stored array, and each server looked at once in a row.
    const members = ch.members.array();
    const me = e.me;
    let last: Server | null = null;
    for (let k = 0; k < members.length; k++) {
      const srv = members[k].user.server;
      if (srv === last || srv === me) continue;
      last = srv;
      const l = e.linkOf(srv);
      if (l && l !== link && l.phase === 'linked') dirs.add(l);
    }
    for (const l of dirs) e.send(l, body(target), ctx.rawTags);
    return true;
  }
  if (target.startsWith('$')) {
    const mask = target.slice(1);
    const dirs = new Set<Link>();
    for (const s of e.net.serversBySid.values()) {
      if (!matchMask(mask, s.name)) continue;
      const l = e.linkOf(s);
      if (l && l !== link && l.phase === 'linked') dirs.add(l);
    }
    for (const l of dirs) e.send(l, body(target), ctx.rawTags);
    return true;
  }
  const at = target.indexOf('@');
  const u = e.net.user(at > 0 ? target.slice(0, at) : target);
  if (!u) return false;
  if (u.server === e.me) return true; // delivered to a local client (the client layer consumes it)
  const l = e.linkOf(u.server);
  if (l && l !== link) e.send(l, `:${ctx.src.kind === 'user' ? ctx.src.user.uid : ctx.src.server.sid} ${msg.command} ${u.uid}${text !== undefined ? ' :' + text : ''}`, ctx.rawTags);
  return true;
}

export const PRIVMSG = messageCommand(true);
export const NOTICE = messageCommand(true);
export const TAGMSG = messageCommand(false);
