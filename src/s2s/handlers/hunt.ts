// Requests with a server argument, passed along as UnrealIRCd's hunt_server() (src/serv.c) does:
//   :<uid> VERSION <server>      :<uid> ADMIN <server>    :<uid> TIME <server>
//   :<uid> INFO <server>         :<uid> MOTD <server>     :<uid> LUSERS <server>
//   :<uid> WHOIS <server> <nick>    :<uid> WHOWAS <nick> <count> <server>
// <server> is a server or a user, by name, nick, SID or UID (find_client(): no wildcards in
// UnrealIRCd 6). Us, or one of our users: the client side answers (Engine.hunted, src/client/
// hunt.ts). Another server: the line goes on toward it with <server> replaced by its SID (a
// user's: its UID), unless that is back where it came from; unknown, or back: 402 to the source.
import type { CommandSpec } from '../commandTable.ts';
import type { Engine, Ctx } from '../engine.ts';
import type { Server, User } from '../../state/model.ts';
import type { Network } from '../../state/network.ts';

/** hunt_server()'s parameter list: the target replaced by its id, the rest as sent (a last one with a space or ':' prefixed). */
export function huntedParams(params: readonly string[], index: number, id: string): string {
  const out: string[] = [];
  for (let i = 0; i < params.length; i++) {
    const p = i === index ? id : params[i];
    if (p.includes(' ') || p.startsWith(':') || (p === '' && i === params.length - 1)) { out.push(':' + p); break; }
    out.push(p);
  }
  return out.join(' ');
}

/** find_client(): a server or a user by id or name. */
export function findTarget(net: Network, name: string): { server: Server; user?: User } | null {
  const srv = net.server(name);
  if (srv) return { server: srv };
  const u = net.user(name);
  return u ? { server: u.server, user: u } : null;
}

function hunted(index: number, minParams = index + 1): CommandSpec {
  return {
    minParams: 0, from: 'user',
    handler(e: Engine, ctx: Ctx) {
      if (ctx.src.kind !== 'user') return;
      const src = ctx.src.user;
      const { params } = ctx.msg;
      if (params.length < minParams || params[index] === '') { e.hunted?.(src, ctx.msg); return; }
      const name = params[index];
      const t = findTarget(e.net, name);
      const noSuch = (): void => {
        const back = ctx.link ?? (src.server.link ? e.links.get(src.server.link) ?? null : null);
        if (back) e.send(back, `:${e.me.name} 402 ${src.nick} ${name} :No such server`);
      };
      if (!t) { noSuch(); return; }
      if (t.server === e.me) { e.hunted?.(src, ctx.msg); return; }
      const l = e.linkOf(t.server);
      if (!l || l === ctx.link) { noSuch(); return; }
      e.send(l, `:${src.uid} ${ctx.msg.command} ${huntedParams(params, index, t.user ? t.user.uid : t.server.sid)}`, ctx.rawTags);
    },
  };
}

export const VERSION = hunted(0);
export const ADMIN = hunted(0);
export const TIME = hunted(0);
export const INFO = hunted(0);
export const MOTD = hunted(0);
export const LUSERS = hunted(0);
/** WHOIS <server> <nick>: hunted only with both (WHOIS <nick> is answered where it is asked). */
export const WHOIS = hunted(0, 2);
/** WHOWAS <nick> <count> <server>: hunted only with all three (whowas.c: parc > 3). */
export const WHOWAS = hunted(2, 3);
