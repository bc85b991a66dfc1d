// The last step of registration (nick.c register_user() → AllowClient()): the node's allow { }
// check (LocalClients.admit), then the user is registered, or refused and closed. When the check
// answers later (an allow::password hash checked off the event loop), the session is held: no
// further line of the client is read and it cannot register until the answer is in. A refusal after
// a wrong password is the ERROR alone, as UnrealIRCd's AllowClient() (exit_client() with
// set::reject-message::unauthorized; no 464, which it sends for OPER, RESTART and DIE only).
import type { ClientSession } from './session.ts';
import type { Admission } from './clients.ts';
import { N } from './numerics.ts';

/** Sessions whose admission is being checked (a second attempt meanwhile is ignored). */
const checking = new WeakSet<ClientSession>();

/** Admit `s` (its NICK, USER, CAP END and cookie are in) and register it, now or once the check answers. */
export function admitThenRegister(s: ClientSession): void {
  if (checking.has(s)) return;
  const admitted = s.mgr.admit?.(s);
  if (admitted === undefined) { s.mgr.register(s); return; }
  if (!(admitted instanceof Promise)) { settle(s, admitted, false); return; }
  checking.add(s);
  const done = (a: Admission): void => { checking.delete(s); settle(s, a, true); };
  s.holdUntil(admitted.then(done, () => done({ refuse: 'You are not authorized to connect to this server' })));
}

function settle(s: ClientSession, a: Admission, late: boolean): void {
  if (s.closed || s.registered) return;
  if ('refuse' in a) {
    s.close(a.refuse);
    return;
  }
  // The nick may have been taken on the network while the password was checked.
  if (late && s.mgr.host.net.userByNick(s.nick)) {
    s.numeric(N.ERR_NICKNAMEINUSE(s.nick));
    s.nick = '';
    return;
  }
  s.className = a.className;
  s.limits = a.limits;
  s.password = null; // checked: not kept in memory for the connection's life
  s.mgr.register(s);
}
