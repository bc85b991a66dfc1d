// The local clients of a node: their sessions, registration onto the network (UID), and the
// effects for the runtime (lines to write, connections to close). Sans-I/O like the engine:
// connect()/receive()/disconnected()/tick() in, drain() out.
import type { Engine } from '../s2s/engine.ts';
import { DEFAULT_USERMODES } from '../s2s/chanmodes.ts';
import { modeSort } from '../s2s/userWire.ts';
import { escapeTagValue, isOneLine } from '../wire/message.ts';
import { casefold } from '../wire/casemap.ts';
import { displayedHost } from '../state/user.ts';
import { cloakHost, ipField } from './cloak.ts';
import { clientConfig, type ClientConfig, type ClientLimits } from './config.ts';
import { engineHost, type ClientHost } from './host.ts';
import { isupportLines, myinfoChanModes } from './isupport.ts';
import { N } from './numerics.ts';
import { ClientRouter } from './router.ts';
import { ClientSession, type ClientId, type ClientInfo } from './session.ts';
import { sendLusers } from './commands/lusers.ts';
import { sendMotd } from './commands/motd.ts';
import { WhowasHistory } from './whowasHistory.ts';
import { MonitorTable } from './monitorTable.ts';
import { DelayedJoins } from './delayJoin.ts';
import type { User } from '../state/model.ts';
import { abortSasl } from './sasl.ts';
import type { OperAuthority } from './oper.ts';
import { HostCache, startHostLookup, type HostLookupConfig } from './rdns.ts';
import { answerHunted } from './hunt.ts';

export type ClientEffect =
  /** A line for the client (without CR LF; the runtime writes it through encodeLine()). */
  | { kind: 'line'; client: ClientId; line: string }
  /** Close the connection once the lines queued before are written. */
  | { kind: 'close'; client: ClientId; reason: string };

/**
 * What the node's allow { } blocks say of a client about to register: its class and limits, or
 * why it is refused (UnrealIRCd's words: "Too many connections from your IP", ...).
 */
export type Admission = { className: string; limits: ClientLimits } | { refuse: string };

const UID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export class LocalClients {
  /**
   * Sessions with output waiting, in the order their first line was queued; each holds its own
   * lines (ClientSession.outLines): a channel message fanned out to 1,000 members is 1,000 array
   * pushes, no effect object per recipient, and the runtime takes each client's lines as one array.
   */
  private outbox: ClientSession[] = [];
  /** The last line lineOk() passed (a fan-out hands every member the same string: checked once). */
  private lastOkLine = '';
  /** Lines refused because they held CR, LF or NUL (never written). */
  refusedLines = 0;
  /** Told of each refused line (the runtime logs it). */
  onRefusedLine?: (s: ClientSession) => void;
  readonly sessions = new Map<ClientId, ClientSession>();
  /** Registered sessions by UID (the router delivers through this). */
  readonly byUid = new Map<string, ClientSession>();
  /** Sessions not registered yet that have a UID for SASL (sasl.ts): services answer them by it. */
  readonly saslPending = new Map<string, ClientSession>();
  readonly router: ClientRouter;
  readonly cfg: ClientConfig;
  /**
   * The allow-block check at registration (set by the runtime); unset: everyone, with cfg.limits.
   * A promise when a password hash is being checked: registration waits for it (admission.ts).
   */
  admit?: (s: ClientSession) => Admission | Promise<Admission>;
  /** The node's oper blocks and password checks (set by the runtime); unset: OPER finds no block. */
  opers?: OperAuthority;
  /** Called when something finished off the event loop's turn (an OPER check) left effects to drain. */
  wake?: () => void;
  /** Failed OPER attempts since start (each is logged as OPER_FAILED too). */
  operFailures = 0;
  /** WHOWAS: users of the whole network as they were when they quit or changed nick. */
  readonly whowas = new WhowasHistory();
  /** MONITOR lists of the local users. */
  readonly monitors = new MonitorTable();
  /** Channel mode +D/+d: which members our users do not see yet (delayJoin.ts). */
  readonly delayed = new DelayedJoins();
  /** Reverse DNS for new connections (set by the runtime; rdns.ts); unset or null: the IP is the host. */
  hostLookup?: () => HostLookupConfig | null;
  /** The per-IP results of those lookups. */
  readonly hostCache = new HostCache();
  /** Highest number of local users seen (265). */
  maxLocal = 0;
  private uidNext = 0;

  constructor(readonly host: ClientHost, cfg?: ClientConfig) {
    this.cfg = cfg ?? clientConfig();
    this.router = new ClientRouter(this);
    // whowas.c add_history() is called for every user that leaves or changes nick, remote ones
    // included, local users connected or not (list.c remove_client_from_list(), nick.c): the
    // network state tells us of each, not the router (which sleeps while no local user is on).
    host.net.userListeners.push({
      gone: (u) => this.whowas.add(u, this.host.now()),
      renamed: (u, oldNick) => this.whowas.add(u, this.host.now(), oldNick),
    });
  }

  /** Local clients on an engine: the host is the engine, and the router is hooked into it (router.ts attach()). */
  static onEngine(engine: Engine, cfg?: ClientConfig, clockMs?: () => number): LocalClients {
    const c = new LocalClients(engineHost(engine, clockMs), cfg);
    c.router.attach(engine);
    // Requests of remote users hunted to us (VERSION <us>, WHOIS <our user> <nick>...): hunt.ts.
    engine.hunted = (src, msg) => answerHunted(c, src, msg);
    return c;
  }

  // ---------------------------------------------------------------- inputs
  connect(id: ClientId, info: ClientInfo): ClientSession {
    const s = new ClientSession(this, id, info);
    this.sessions.set(id, s);
    const lookup = this.hostLookup?.();
    if (lookup) startHostLookup(s, lookup, this.hostCache, () => this.host.now());
    return s;
  }
  receive(id: ClientId, line: string): void { this.sessions.get(id)?.receive(line); }
  receiveChunk(id: ClientId, lines: string[]): void { this.sessions.get(id)?.receiveChunk(lines); }
  /** The connection is gone (read error, closed by the peer). */
  disconnected(id: ClientId, reason = 'Connection closed'): void { this.sessions.get(id)?.close(reason); }
  tick(): void { for (const s of [...this.sessions.values()]) s.tick(); }

  /** The effects queued since the last drain: each client's lines in order, then its close. */
  drain(): ClientEffect[] {
    const o: ClientEffect[] = [];
    this.takeOutput((client, lines, close) => {
      if (lines !== null) for (const line of lines) o.push({ kind: 'line', client, line });
      if (close !== null) o.push({ kind: 'close', client, reason: close });
    });
    return o;
  }

  /**
   * drain() for the runtime: each client with output once, in the order its first line was
   * queued, with its lines (the array itself, handed over: the caller may keep it) and the reason
   * of a close queued after them (null when none).
   */
  takeOutput(visit: (client: ClientId, lines: string[] | null, close: string | null) => void): void {
    const box = this.outbox;
    if (box.length === 0) return;
    this.outbox = [];
    for (const s of box) {
      const lines = s.outLines, close = s.outClose;
      s.outLines = null;
      s.outClose = null;
      s.outQueued = false;
      visit(s.id, lines, close);
    }
  }

  /** Queue a line for `s` (ClientSession.send() and its labeled-response batches). */
  queueLine(s: ClientSession, line: string): void {
    const l = s.outLines;
    if (l !== null) { l.push(line); return; }
    s.outLines = [line];
    if (!s.outQueued) { s.outQueued = true; this.outbox.push(s); }
  }

  /** Queue the end of `s`'s connection, after its lines. */
  queueClose(s: ClientSession, reason: string): void {
    s.outClose = reason;
    if (!s.outQueued) { s.outQueued = true; this.outbox.push(s); }
  }

  /** A line may be written to a client: it holds no CR, LF or NUL (else it is counted and refused). */
  lineOk(s: ClientSession, line: string): boolean {
    if (line === this.lastOkLine) return true;
    if (isOneLine(line)) { this.lastOkLine = line; return true; }
    this.refusedLines++;
    this.onRefusedLine?.(s);
    return false;
  }

  // ---------------------------------------------------------------- registration
  /** tslink's SID + 6 characters of [A-Z0-9] (the UnrealIRCd shape), never reused in a run. */
  nextUid(): string {
    for (;;) {
      let n = this.uidNext++, s = '';
      for (let i = 0; i < 6; i++) { s = UID_CHARS[n % 36] + s; n = Math.floor(n / 36); }
      const uid = this.host.me.sid + s;
      if (!this.host.net.usersByUid.has(uid)) return uid;
    }
  }

  /** Is `nick` held by another local connection that is still registering? */
  pendingNick(nick: string, except: ClientSession): boolean {
    const f = casefold(nick);
    for (const s of this.sessions.values()) if (s !== except && !s.registered && s.nick && casefold(s.nick) === f) return true;
    return false;
  }

  /** Count of connections not registered yet (253). */
  unknownCount(): number { let n = 0; for (const s of this.sessions.values()) if (!s.registered) n++; return n; }

  /**
   * Put the user on the network and welcome it (nick.c register_user(), welcome_user()): the UID
   * line with its early MD as s2s-md tags and the MD lines after it, as UnrealIRCd introduces
   * its users; then 001-005, 396, LUSERS, MOTD and the user's modes.
   */
  register(s: ClientSession): void {
    const { host, cfg } = this;
    const now = host.now();
    if (!s.uid) s.uid = this.nextUid(); // SASL may have given it one already
    this.saslPending.delete(s.uid);
    let letters = [...new Set([...cfg.modesOnConnect.replace(/[^A-Za-z]/g, '')])].filter((m) => m !== 's' && m !== 'o' && m !== 'z');
    if (s.info.tls) letters.push('z');
    letters = letters.sort(modeSort);
    const cloak = cfg.cloak ? cloakHost(s.realHost, cfg.cloak, s.info.ip) : '';
    const md: [string, string][] = [];
    if (s.info.certfp) md.push(['certfp', s.info.certfp]);
    if (s.info.tlsCipher) md.push(['tls_cipher', s.info.tlsCipher]);
    md.push(['creationtime', String(now)]);
    const tags = md.map(([k, v]) => `s2s-md/${k}=${escapeTagValue(v)}`).join(';');
    host.local(`@${tags} :${host.me.sid} UID ${s.nick} 0 ${now} ${s.ident} ${s.realHost} ${s.uid} ${s.sasl?.account || '0'} +${letters.join('')} * ${cloak || '*'} ${ipField(s.info.ip)} :${s.realname}`);
    const u = host.net.usersByUid.get(s.uid);
    if (!u || u.server !== host.me) { s.close('Nickname collision'); return; }
    for (const [k, v] of md) host.local(`:${host.me.sid} MD client ${s.uid} ${k} :${v}`);
    s.user = u;
    s.registered = true;
    s.signon = now;
    s.idleSince = now;
    this.byUid.set(s.uid, s);
    let local = 0;
    for (const x of this.sessions.values()) if (x.registered) local++;
    this.maxLocal = Math.max(this.maxLocal, local);

    s.numeric(N.RPL_WELCOME(cfg.networkName, s.nick, s.ident, s.realHost));
    s.numeric(N.RPL_YOURHOST(host.me.name, cfg.version));
    s.numeric(N.RPL_CREATED(createdString(host.bootTime())));
    s.numeric(N.RPL_MYINFO(host.me.name, cfg.version, DEFAULT_USERMODES, myinfoChanModes(cfg, host.chanModes)));
    for (const l of isupportLines(cfg, host.chanModes)) s.numeric(N.RPL_ISUPPORT(l));
    if (u.umodes.has('x')) s.numeric(N.RPL_HOSTHIDDEN(displayedHost(u)));
    sendLusers(s);
    sendMotd(s);
    if (letters.length) s.send(`:${s.nick} MODE ${s.nick} :+${letters.join('')}`);
    abortSasl(s); // sasl.c sasl_connect(): an exchange left unfinished at registration ends here
    s.fakeLag = now; // welcome_user(): a fresh start after the CAP exchange
    s.fakeLagMs = 0;
  }

  /** `u` left the network: MONITOR tells its watchers (the router calls this; WHOWAS was told by the state). */
  userGone(u: User): void {
    this.monitors.offline(u.nick);
  }

  /** `u` changed nick from `oldNick`: a change of case is no MONITOR event (WHOWAS was told by the state). */
  userRenamed(u: User, oldNick: string): void {
    if (casefold(oldNick) === casefold(u.nick)) return;
    this.monitors.offline(oldNick);
    this.monitors.online(u);
  }

  /** A session is closed: forget it. */
  forget(s: ClientSession): void {
    this.monitors.clear(s);
    this.sessions.delete(s.id);
    if (s.uid && this.byUid.get(s.uid) === s) this.byUid.delete(s.uid);
    if (s.uid && this.saslPending.get(s.uid) === s) this.saslPending.delete(s.uid);
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 003's date: "Sat Nov 21 2026 at 23:53:45 UTC" (UTC). */
export function createdString(unix: number): string {
  const d = new Date(unix * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${d.getUTCFullYear()} at ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
}
