// Commands with a server argument (UnrealIRCd's hunt_server(), src/serv.c): VERSION, ADMIN, TIME,
// INFO, MOTD, LUSERS <server>, WHOIS <server> <nick> and WHOWAS <nick> <count> <server>.
//   - A local user naming another server (by name, SID, or a user on it by nick/UID: WHOIS nick
//     nick asks the user's server) has the command sent there over S2S, the target replaced by its
//     id; the replies come back as numerics to the user (router.ts routeNumeric). Unknown: 402.
//   - Naming us, or one of our users: answered here, as without the argument.
//   - A remote user's request hunted to us (src/s2s/handlers/hunt.ts, Engine.hunted) is answered
//     over S2S: the same numerics, ":<our name> <numeric> <nick> ...", through the engine.
import type { Message } from '../wire/message.ts';
import type { User } from '../state/model.ts';
import type { LocalClients } from './clients.ts';
import type { ClientSession } from './session.ts';
import type { Numeric } from './numerics.ts';
import { N } from './numerics.ts';
import { findTarget, huntedParams } from '../s2s/handlers/hunt.ts';

/** Who the answer of a hunted command goes to: a local session, or a remote user (RemoteAsker). */
export interface Asker {
  readonly mgr: LocalClients;
  /** The asking user (null: a local session before registration). */
  readonly user: User | null;
  numeric(n: Numeric): void;
  hasCap(cap: string): boolean;
}

/** A remote user asking us: each numeric goes over S2S toward it (UnrealIRCd addresses it by nick). */
export class RemoteAsker implements Asker {
  constructor(readonly mgr: LocalClients, readonly user: User) {}
  /** Lets a remote request be told apart from a local one (remote VERSION sends 105, not 005). */
  readonly remote = true;
  numeric(n: Numeric): void { this.mgr.host.local(`:${this.mgr.host.me.name} ${n[0]} ${this.user.nick} ${n[1]}`); }
  hasCap(): boolean { return false; }
}

export type HuntResult = 'me' | 'pass' | 'nosuch';

/**
 * hunt_server() for a local user's command: `index` is the parameter naming the server. 'me' (no
 * such parameter, us, or a user of ours): answer here; 'pass': sent on; 'nosuch': 402 was sent.
 */
export function huntServer(s: ClientSession, msg: Message, index: number): HuntResult {
  const name = msg.params[index];
  if (name === undefined || name === '') return 'me';
  const { host } = s.mgr;
  const t = findTarget(host.net, name);
  if (!t) { s.numeric(N.ERR_NOSUCHSERVER(name)); return 'nosuch'; }
  if (t.server === host.me) return 'me';
  s.toNetwork(`:${s.uid} ${msg.command} ${huntedParams(msg.params, index, t.user ? t.user.uid : t.server.sid)}`);
  return 'pass';
}

/** Does the asker hold server:remote (INFO <server>)? tslink's opers all do. */
export function hasRemotePermission(a: Asker): boolean { return !!a.user?.umodes.has('o'); }

/** The answers of the hunted commands, by command (set by commands/*.ts to keep one place per command). */
export const HUNTED_ANSWERS = new Map<string, (a: Asker, msg: Message) => void>();

/** A remote user's request that was hunted to us (Engine.hunted). */
export function answerHunted(mgr: LocalClients, src: User, msg: Message): void {
  const answer = HUNTED_ANSWERS.get(msg.command.toUpperCase());
  if (answer) answer(new RemoteAsker(mgr, src), msg);
}

export function isRemote(a: Asker): boolean { return a instanceof RemoteAsker; }

/** RPL_REMOTEISUPPORT (105): the 005 tokens to a remote VERSION. */
export function remoteIsupport(tokens: string): Numeric { return ['105', `${tokens} :are supported by this server`]; }
