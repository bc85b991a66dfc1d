// USER <username> <mode> <unused> :<realname>   (nick.c cmd_user; register_user() make_valid_username)
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { REALLEN, USERLEN } from '../../wire/limits.ts';

/** The username as UnrealIRCd keeps it without ident: cut to USERLEN, only [A-Za-z0-9_.-] kept. */
export function validUsername(u: string): string {
  return u.slice(0, USERLEN).replace(/[^A-Za-z0-9_.\-~]/g, '');
}

export const USER: ClientCommandSpec = {
  minParams: 4, unregistered: 'only',
  handler(s, msg) {
    if (s.ident) return;
    if (msg.params[3] === '') { s.numeric(N.ERR_NEEDMOREPARAMS('USER')); return; } // BadPtr(parv[4])
    const ident = validUsername(msg.params[0]);
    if (!ident) { s.close('Hostile username. Please use only 0-9 a-z A-Z _ - and . in your username.'); return; }
    s.ident = ident;
    s.realname = msg.params[3].slice(0, REALLEN);
    s.tryRegister();
  },
};
