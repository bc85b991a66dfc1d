// SETHOST/CHGHOST, SETIDENT/CHGIDENT, SETNAME/CHGNAME (SVSNAME): change a user's vhost, ident or realname.
//   :<uid> SETHOST <host>            :<src> CHGHOST <target> <host>
// sethost.c / chghost.c: the host becomes the user's virtual host, and the user +x +t (shown with
// it); a CHGHOST to the host the user is shown with already changes nothing and is not relayed.
//   :<uid> SETIDENT <ident>          :<src> CHGIDENT <target> <ident>
//   :<uid> SETNAME :<realname>       :<src> CHGNAME <target> :<realname>
import type { CommandSpec } from '../commandTable.ts';
import type { Ctx, Engine } from '../engine.ts';
import type { User } from '../../state/model.ts';
import { validHost, validIdent } from '../validate.ts';
import { displayedHost, vhostValue } from '../../state/user.ts';
import { REALLEN } from '../../wire/limits.ts';

type Field = 'host' | 'ident' | 'name';

function apply(e: Engine, ctx: Ctx, u: User, field: Field, value: string, other = false): boolean {
  if (field === 'host') {
    if (!validHost(value)) { e.log('warn', 'BAD_VHOST', `bad vhost ${value} for ${u.nick} ignored`, ctx.link); return false; }
    if (other && value === displayedHost(u)) return false; // chghost.c: "requested host is same as current host"
    u.vhost = vhostValue(u, value); u.umodes.add('t'); u.umodes.add('x');
  } else if (field === 'ident') {
    if (!validIdent(value)) { e.log('warn', 'BAD_IDENT', `bad ident ${value} for ${u.nick} ignored`, ctx.link); return false; }
    u.ident = value;
  } else {
    u.realname = value.slice(0, REALLEN * 4);
  }
  return true;
}

function selfCommand(field: Field): CommandSpec {
  return {
    minParams: 1, from: 'user', maxParams: 1,
    handler(e, ctx) {
      if (ctx.src.kind !== 'user') return;
      const u = ctx.src.user;
      if (apply(e, ctx, u, field, ctx.msg.params[0])) e.relay(ctx, `:${u.uid} ${ctx.msg.command} :${ctx.msg.params[0]}`);
    },
  };
}

function otherCommand(field: Field): CommandSpec {
  return {
    minParams: 2, from: 'any', maxParams: 2,
    handler(e, ctx) {
      const [t, value] = ctx.msg.params;
      const u = e.net.user(t);
      if (!u) return;
      if (apply(e, ctx, u, field, value, true)) e.relay(ctx, e.relayBody(ctx, [u.uid, value]));
    },
  };
}

export const SETHOST = selfCommand('host');
export const SETIDENT = selfCommand('ident');
export const SETNAME = selfCommand('name');
export const CHGHOST = otherCommand('host');
export const CHGIDENT = otherCommand('ident');
export const CHGNAME = otherCommand('name');
