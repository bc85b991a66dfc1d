// SASL for local clients, relayed to the network's services over S2S as an UnrealIRCd 6 leaf
// relays it (UnrealIRCd src/modules/sasl.c and svslogin.c; the facts, not the code):
//
//   client  AUTHENTICATE <mech>      ->  :<me> SASL <sasl-server> <uid> H <ip> <ip>
//                                        :<me> SASL <sasl-server> <uid> S <mech> [<certfp>]
//   client  AUTHENTICATE <data>      ->  :<me> SASL <agent's server> <uid> C <data>
//   services :<agent> SASL <us> <uid> C <data>   ->  client "AUTHENTICATE <data>"
//   services :<agent> SASL <us> <uid> D S|F      ->  903 | 904 (and 7 s of fake lag)
//   services :<agent> SASL <us> <uid> M <mechs>  ->  908
//   services :<src> SVSLOGIN <mask> <uid> <account> -> 900 (901 for "0"), the account kept for the UID
//   an unfinished exchange at registration, on quit or after set::sasl-timeout -> 906 and
//                                        :<me> SASL <agent's server>|* <uid> D A
//
// The first services client that answers a session becomes its agent; answers from any other
// are ignored. A session in flight holds no more than this small state, is bounded by the
// connection's own limits (handshake timeout, flood limits) and ends after set::sasl-timeout.
// The client's AUTHENTICATE data (a PLAIN password in base64) goes to the network only: it is
// never logged here, and captures redact it (src/replay/captureWriter.ts).
import type { Message } from '../wire/message.ts';
import type { Server, User } from '../state/model.ts';
import type { LocalClients } from './clients.ts';
import type { Numeric } from './numerics.ts';
import type { ClientSession } from './session.ts';

/** The longest AUTHENTICATE parameter (sasl.c: more is ERR_SASLTOOLONG). */
export const AUTHENTICATE_MAX = 400;
/** Fake lag added for a failed authentication (sasl.c _sasl_failed(): 7000 ms). */
export const SASL_FAIL_LAG_SECONDS = 7;
/** set::sasl-timeout's default (conf.c: 15 s) and its lowest allowed value (5 s). */
export const SASL_TIMEOUT_DEFAULT = 15;
export const SASL_TIMEOUT_MIN = 5;

/** UnrealIRCd 6's SASL numerics (include/numeric.h). */
export const SASL_N = {
  RPL_LOGGEDIN: (mask: string, account: string): Numeric => ['900', `${mask} ${account} :You are now logged in as ${account}.`],
  RPL_LOGGEDOUT: (mask: string): Numeric => ['901', `${mask} :You are now logged out.`],
  RPL_SASLSUCCESS: (): Numeric => ['903', ':SASL authentication successful'],
  ERR_SASLFAIL: (): Numeric => ['904', ':SASL authentication failed'],
  ERR_SASLTOOLONG: (): Numeric => ['905', ':SASL message too long'],
  ERR_SASLABORTED: (): Numeric => ['906', ':SASL authentication aborted'],
  RPL_SASLMECHS: (mechs: string): Numeric => ['908', `${mechs} :are available SASL mechanisms`],
  ERR_CANNOTDOCOMMAND: (cmd: string, why: string): Numeric => ['972', `${cmd} :${why}`],
};

/** One session's SASL exchange (the fields UnrealIRCd keeps per local client). */
export interface SaslState {
  /** Name of the services client answering this session ('' until the first answer). */
  agent: string;
  /** AUTHENTICATE lines relayed (sasl_out). */
  out: number;
  /** Successful completions (sasl_complete). */
  complete: number;
  /** Unix time of the last AUTHENTICATE relayed, 0 when none is waiting (sasl_sent_time). */
  sentAt: number;
  /** The account an SVSLOGIN gave before registration (the UID line carries it); null: none. */
  account: string | null;
}

/** The SASL settings of the client side (set::sasl-server, set::services-server, set::sasl-timeout). */
export interface SaslConfig {
  /** set::sasl-server: the services server SASL goes to; null: found as below. */
  server: string | null;
  /** set::services-server: used for SASL when it advertises MD saslmechlist and no sasl-server is set. */
  servicesServer: string | null;
  /** set::sasl-timeout in seconds. */
  timeout: number;
}

export const DEFAULT_SASL: SaslConfig = { server: null, servicesServer: null, timeout: SASL_TIMEOUT_DEFAULT };

// ---------------------------------------------------------------- the services server

/** The name SASL is sent to (SASL_SERVER): set::sasl-server, or the services server offering mechanisms. */
export function saslServerName(mgr: LocalClients): string | null {
  const c = mgr.cfg.sasl;
  if (c.server) return c.server;
  if (!c.servicesServer) return null;
  const s = mgr.host.net.server(c.servicesServer);
  return s && s.md.has('saslmechlist') ? s.name : null;
}

/**
 * The sasl capability as CAP LS shows it: offered only while the SASL server is on the network,
 * its value the mechanisms the server advertised in MD saslmechlist (none when it did not).
 */
export function saslCapability(mgr: LocalClients): [string, string | null] | null {
  const name = saslServerName(mgr);
  const server = name ? mgr.host.net.server(name) : undefined;
  if (!server) return null;
  return ['sasl', server.md.get('saslmechlist') ?? null];
}

/** The server of an agent (a services user, or a server by name): where C and D A lines go. */
function agentServer(mgr: LocalClients, agent: string): string | null {
  const net = mgr.host.net;
  const u = net.user(agent);
  if (u) return u.server.name;
  const s = net.server(agent);
  return s ? s.name : null;
}

function stateOf(s: ClientSession): SaslState {
  return (s.sasl ??= { agent: '', out: 0, complete: 0, sentAt: 0, account: null });
}

// ---------------------------------------------------------------- from the client

/** AUTHENTICATE <data> from a local client (sasl.c cmd_authenticate()). */
export function authenticate(s: ClientSession, data: string | undefined): void {
  const mgr = s.mgr;
  const target = saslServerName(mgr);
  // Without a SASL server, the cap, or a parameter: silently nothing (as UnrealIRCd).
  if (!target || !s.hasCap('sasl') || data === undefined || data === '') return;
  if (data.startsWith(':') || data.includes(' ')) { s.numeric(SASL_N.ERR_CANNOTDOCOMMAND('AUTHENTICATE', 'Invalid parameter')); return; }
  if (data.length > AUTHENTICATE_MAX) { s.numeric(SASL_N.ERR_SASLTOOLONG()); return; }
  const st = stateOf(s);
  if (!s.uid) s.uid = mgr.nextUid();
  if (!s.registered) mgr.saslPending.set(s.uid, s);
  st.out++;
  st.sentAt = mgr.host.now();
  const me = mgr.host.me.name;
  const agentAt = st.agent ? agentServer(mgr, st.agent) : null;
  if (agentAt === null) {
    // A new exchange (or its agent is gone): say where from, then the mechanism.
    const ip = s.info.ip || '0';
    mgr.host.local(`:${me} SASL ${target} ${s.uid} H ${ip} ${ip}`);
    mgr.host.local(`:${me} SASL ${target} ${s.uid} S ${data}${s.info.certfp ? ' ' + s.info.certfp : ''}`);
  } else {
    mgr.host.local(`:${me} SASL ${agentAt} ${s.uid} C ${data}`);
  }
}

/**
 * End an unfinished exchange (sasl.c abort_sasl()): at registration, when the connection closes,
 * at the timeout. Only when something was relayed and it did not succeed: 906, and "D A" to the
 * agent's server (to every server when the agent is unknown).
 */
export function abortSasl(s: ClientSession): void {
  const st = s.sasl;
  if (!st) return;
  st.sentAt = 0;
  if (st.out === 0 || st.complete > 0) return;
  st.out = 0;
  st.complete = 0;
  s.numeric(SASL_N.ERR_SASLABORTED());
  const at = st.agent ? agentServer(s.mgr, st.agent) : null;
  s.mgr.host.local(`:${s.mgr.host.me.name} SASL ${at ?? '*'} ${s.uid} D A`);
}

/** The timeout check (sasl.c sasl_timeout(), for connections not registered yet). */
export function saslTick(s: ClientSession): void {
  const st = s.sasl;
  if (!st || s.registered || st.sentAt === 0) return;
  if (s.mgr.host.now() - st.sentAt <= s.mgr.cfg.sasl.timeout) return;
  s.notice('SASL request timed out (server or client misbehaving) -- aborting SASL and continuing connection...');
  abortSasl(s);
}

// ---------------------------------------------------------------- from the network

/** A local session by the UID services address: registered, or in the middle of SASL. */
function sessionByUid(mgr: LocalClients, uid: string): ClientSession | undefined {
  const s = mgr.byUid.get(uid) ?? mgr.saslPending.get(uid);
  return s && !s.closed ? s : undefined;
}

/** Is a line's target one of our server's (our name, or a UID/SID starting with our SID)? */
function forUs(mgr: LocalClients, target: string): boolean {
  const me = mgr.host.me;
  return target.toLowerCase() === me.name.toLowerCase() || target.slice(0, 3) === me.sid;
}

/**
 * ":<agent> SASL <us> <uid> <C|D|M> <data>" from the network (sasl.c cmd_sasl(), the part for
 * our clients): handed to the session. `agent` is the source's name (a nick or a server name).
 */
export function saslFromNetwork(mgr: LocalClients, msg: Message, agent: string): void {
  const [target, uid, type, data] = msg.params;
  if (data === undefined || type === undefined || !saslServerName(mgr) || !forUs(mgr, target)) return;
  const s = sessionByUid(mgr, uid);
  if (!s) return;
  const st = stateOf(s);
  if (st.agent && st.agent.toLowerCase() !== agent.toLowerCase()) return; // another agent answers this one
  st.agent = agent;
  switch (type[0]) {
    case 'C':
      s.send(`AUTHENTICATE ${data}`);
      return;
    case 'D':
      st.agent = '';
      if (data[0] === 'F') {
        st.sentAt = 0;
        s.fakeLag += SASL_FAIL_LAG_SECONDS;
        s.numeric(SASL_N.ERR_SASLFAIL());
      } else if (data[0] === 'S') {
        st.sentAt = 0;
        st.complete++;
        s.numeric(SASL_N.RPL_SASLSUCCESS());
      }
      return;
    case 'M':
      s.numeric(SASL_N.RPL_SASLMECHS(data));
      return;
    default:
  }
}

/** IsLoggedIn(): an account that is neither "*" nor starts with a digit ("0" is logged out). */
export function loggedIn(account: string): boolean {
  return account !== '' && account[0] !== '*' && !(account[0] >= '0' && account[0] <= '9');
}

/** 900 or 901 to a local session (sasl.c sasl_account_login()): "<nick>!<user>@<realhost>". */
export function accountNumeric(s: ClientSession, account: string): void {
  const u = s.user;
  const nick = (u ? u.nick : s.nick) || '*';
  const ident = (u ? u.ident : s.ident) || '*';
  // Before registration UnrealIRCd's real host is still the IP (or the verified host name).
  const host = (u ? u.realHost : s.info.hostname ?? s.info.ip) || '*';
  const mask = `${nick}!${ident}@${host}`;
  s.numeric(loggedIn(account) ? SASL_N.RPL_LOGGEDIN(mask, account) : SASL_N.RPL_LOGGEDOUT(mask));
}

/** May `src` log users in (as the engine's SVSLOGIN handler decides: a server or a U-lined user)? */
function servicesSource(src: { user?: User; server?: Server }): boolean {
  return src.server !== undefined || (src.user !== undefined && src.user.server.ulined);
}

/**
 * ":<src> SVSLOGIN <mask> <uid> <account>" (svslogin.c) for one of our sessions. Before
 * registration the account is kept for the UID line; a registered user's account the engine
 * sets. Either way the user gets 900/901. Returns what to do once the engine has handled the line.
 */
export function svsloginNote(mgr: LocalClients, msg: Message, src: { user?: User; server?: Server }): (() => void) | null {
  const [, uid, account] = msg.params;
  if (account === undefined || !servicesSource(src)) return null;
  // The target is a UID (a nick is taken too, for a registered user, as find_client() does).
  const byNick = mgr.host.net.user(uid);
  const s = sessionByUid(mgr, uid) ?? (byNick ? sessionByUid(mgr, byNick.uid) : undefined);
  if (!s) return null;
  return () => {
    if (s.closed) return;
    if (!s.registered) stateOf(s).account = account;
    accountNumeric(s, account);
  };
}

/**
 * SVSMODE/SVS2MODE <uid> <modes with d> <account>: services logging a registered local user in
 * or out (svsmode.c: user_account_login()), which UnrealIRCd answers with 900/901.
 */
export function svsmodeAccountNote(mgr: LocalClients, msg: Message, src: { user?: User; server?: Server }): (() => void) | null {
  const [target, modes, arg] = msg.params;
  if (arg === undefined || !modes?.includes('d') || !servicesSource(src)) return null;
  const u = mgr.host.net.user(target);
  const s = u && u.server === mgr.host.me ? mgr.byUid.get(u.uid) : undefined;
  if (!s) return null;
  return () => { if (!s.closed && s.user) accountNumeric(s, s.user.account || '0'); };
}

// ---------------------------------------------------------------- cap-notify

/** CAP NEW / CAP DEL sasl to the registered users that asked for cap-notify (send.c send_cap_notify()). */
function saslCapNotify(mgr: LocalClients, add: boolean): void {
  const cap = add ? saslCapability(mgr) : null;
  if (add && !cap) return;
  const me = mgr.host.me.name;
  for (const s of mgr.byUid.values()) {
    if (s.closed || !s.hasCap('cap-notify')) continue;
    if (!add) { s.send(`:${me} CAP ${s.target} DEL :sasl`); continue; }
    const value = s.capVersion >= 302 ? cap![1] : null;
    s.send(`:${me} CAP ${s.target} NEW :sasl${value !== null ? '=' + value : ''}`);
  }
}

/** A server's EOS: once the SASL server has synced, sasl is announced (sasl.c sasl_server_synced()). */
export function saslSyncedNote(mgr: LocalClients, server: Server): (() => void) | null {
  if (server.synced) return null;
  return () => {
    const name = saslServerName(mgr);
    if (server.synced && name !== null && name.toLowerCase() === server.name.toLowerCase()) saslCapNotify(mgr, true);
  };
}

/** A netsplit taking the SASL server away: sasl is withdrawn (sasl.c sasl_server_quit()). */
export function saslSplitNote(mgr: LocalClients, top: Server): (() => void) | null {
  const name = saslServerName(mgr);
  if (name === null) return null;
  const stack = [top];
  let gone = false;
  while (stack.length && !gone) {
    const s = stack.pop()!;
    if (s.name.toLowerCase() === name.toLowerCase()) gone = true;
    for (const c of s.children) stack.push(c);
  }
  return gone ? () => saslCapNotify(mgr, false) : null;
}
