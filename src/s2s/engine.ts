// The sans-I/O S2S protocol engine. Input: (link, line) pairs, local-origin lines and
// events (link up/down, clock); output: state changes in `net`/`tkl` plus effects
// (lines to send per link, closes, logs, TKL persistence) collected until drain().
import { casefold } from '../wire/casemap.ts';
import { BIGLINE_COMMANDS, BODY_MAX, LINE_MAX_IN, LINE_MAX_OUT, MAX_PARAMS_SERVER, MAX_PARAMS_USER } from '../wire/limits.ts';
import { cutAtBreak, parseFrom, type Message, type Tags } from '../wire/message.ts';
import { Network } from '../state/network.ts';
import type { Channel, LinkId, Server, User } from '../state/model.ts';
import { TklTable } from '../tkl/tklTable.ts';
import type { TklEntry } from '../tkl/types.ts';
import type { Effect, LogLevel } from './effects.ts';
import { Link, type LinkPolicy, type LimitedLog } from './link.ts';
import { COMMANDS, FAST_COMMANDS } from './commandTable.ts';
import { startHandshake } from './handshake.ts';
import { ChanModeGroups, DEFAULT_CHANMODES } from './chanmodes.ts';
import { splitLine } from './lineSplit.ts';
import { displayedHost } from '../state/user.ts';
import { takeoverLine, takeoverLinkGone, takeoverTick, type Takeover } from './takeover.ts';

export interface AuthRequest {
  link: LinkId;
  direction: 'in' | 'out';
  name: string;
  password: string | null;
  address: string;
  software: string;
}
export type AuthResult = ({ ok: true; preLines?: string[] } & LinkPolicy) | { ok: false; reason: string };

export interface EngineOptions {
  me: { sid: string; name: string; info: string };
  networkName?: string;
  /**
   * The cloak key checksum NETINFO carries (client/cloak.ts cloakChecksum() of set::cloak-keys, as
   * UnrealIRCd's cloak module computes it), read at each burst (a rehash may change the keys);
   * absent or null: "*", which peers do not compare.
   */
  cloakKeyChecksum?: () => string | null;
  /** Clock in unix seconds. */
  now?: () => number;
  /** Link authorization (link block lookup, password check). Default: refuse everything. */
  authorize?: (req: AuthRequest) => AuthResult;
  /** Server names that are U-lined (services). */
  ulines?: string[];
  software?: string;
  /** PROTOCTL tokens we announce for ourselves (replay sets these from the capture). */
  localCaps?: Iterable<string>;
  bootTime?: number;
  /** Max clock difference before a link is refused (UnrealIRCd: 60 s). */
  maxClockSkew?: number;
  /** Extra PROTOCTL lines an outgoing link sends after its own (e.g. the HMAC offer). */
  extraProtoctl?: (link: Link) => string[];
  /** PROTOCTL tokens starting with TSLINK- go to the link layer; it may answer or fail the link. */
  onPeerToken?: (link: Link, key: string, value: string) => { send?: string[]; error?: string };
  /** Last check before a peer's SERVER is accepted (e.g. both HMAC proofs verified); a string refuses. */
  beforeServer?: (link: Link) => string | null;
  /**
   * The tombstones of network bans removed here (the node's store; issue 15 item 5): a TKL + from
   * a peer re-adding such a ban, not set again since its removal, gets the removal (who, when)
   * back; the engine then refuses it and answers the peer with TKL -. Absent: nothing is refused.
   */
  tklRemoved?: (entry: TklEntry, now: number) => { removedAt: number; removedBy: string } | null;
  /** Use the commands' fast paths (CommandSpec.fast; default true). Tests turn them off to compare. */
  fastPaths?: boolean;
  /**
   * Stream our bursts (burst.ts): when a peer's SERVER is accepted only the servers are queued and a
   * 'burst' effect says that the rest waits for burstMore() (the runtime calls it as the link's
   * socket drains). Unset (tests, replay): the whole burst is queued at once.
   */
  streamBurst?: boolean;
  /**
   * Who else wants to know what the network does (the local clients' router, src/client/router.ts).
   * Unset: the engine runs exactly as without it. It can also be set later (setObserver()).
   */
  observer?: EngineObserver;
}

/** What an observer does once the engine has applied a line or a split: null when nothing. */
export type AfterObserved = (() => void) | null;

/**
 * The engine's seam for the local clients: told of every line the engine processes from a linked
 * peer or of local origin (user introductions and changes, quits, joins, parts, kicks, modes,
 * topics, messages, numerics, ...) and of every server split off, each time before the state
 * changes, so that it can note what it needs (who shares a channel with a quitting user); what it
 * returns is called once the change is made. While `active` is false (no local users) nothing else
 * of it is called and the engine takes its fast paths as usual.
 */
export interface EngineObserver {
  readonly active: boolean;
  /**
   * Commands whose fast path (CommandSpec.fast) the observer must see parsed: while it is active,
   * a line of these is parsed and handed to line() instead.
   */
  readonly commands: ReadonlySet<string>;
  /** A parsed line about to be handled; `link` null for local origin. */
  line(link: Link | null, msg: Message, rawTags: string | null): AfterObserved;
  /** `server` and all behind it are about to be removed (a netsplit), with this reason. */
  split(server: Server, reason: string): AfterObserved;
}

export type Source = { kind: 'server'; server: Server } | { kind: 'user'; user: User };

export interface Ctx {
  /** The link the line came in on; null when the line is of local origin. */
  link: Link | null;
  src: Source;
  msg: Message;
  /** Raw tag section of the incoming line, relayed unchanged. */
  rawTags: string | null;
  /** Line number or similar, for logs. */
}

export const PROTOCOL = 6100;

/** What an unauthenticated peer is told of any refusal (Engine.toldPeer()). */
export const PRE_AUTH_REFUSAL = 'Link denied (No link block found with your server name or link::incoming::mask did not match)';

/**
 * Seconds between two log lines of one rate-limited event on one link (logLimited()): the first
 * occurrence is logged at once, later ones are counted and summed up at most this often.
 */
export const LIMITED_LOG_INTERVAL = 60;

/** What drain() returns when nothing is queued (shared: callers only read it). */
const NO_EFFECTS: Effect[] = Object.freeze([]) as unknown as Effect[];

export class Engine {
  readonly net: Network;
  readonly tkl = new TklTable();
  readonly links = new Map<LinkId, Link>();
  /** Links held while the link they would replace is checked (takeover.ts). */
  readonly takeovers = new Set<Takeover>();
  /** Server sources resolveSource() found by SID, by SID number (sidNumber()); valid while sidEpochs[n] is net.serverEpoch. */
  private readonly sidSources: (Source | undefined)[] = new Array<Source | undefined>(10 * 36 * 36).fill(undefined);
  private readonly sidEpochs = new Float64Array(10 * 36 * 36).fill(-1);
  readonly opts: EngineOptions;
  readonly ulines: Set<string>;
  readonly localCaps: Set<string>;
  readonly localChanmodes = new ChanModeGroups(DEFAULT_CHANMODES);
  private out: Effect[] = [];
  /** A burst step is queueing its lines (send() counts them instead of judging them as live traffic). */
  private burstOwn = false;
  /** logLimited() counts of lines of local origin (those of links are on the Link). */
  private readonly localLimited = new Map<string, LimitedLog>();
  readonly bootTime: number;
  /** Highest global user count seen (NETINFO). */
  maxGlobal = 0;
  /**
   * The network's highest user count (UnrealIRCd's irccounts.global_max): the most users seen at
   * once here, or the higher figure a peer's NETINFO gave. What NETINFO, LUSERS and stats send.
   */
  globalMax(): number { return Math.max(this.maxGlobal, this.net.peakUsers, this.net.usersByUid.size); }
  /**
   * A request hunted to us (VERSION/ADMIN/TIME/INFO/MOTD/LUSERS/WHOIS <us> from a remote user,
   * handlers/hunt.ts): the client side answers it (src/client/hunt.ts); unset: not answered.
   */
  hunted: ((src: User, msg: Message) => void) | null = null;
  /** EngineOptions.observer (a field, read once per line). */
  private observer: EngineObserver | null;

  constructor(opts: EngineOptions) {
    this.opts = opts;
    this.net = new Network(opts.me);
    this.ulines = new Set((opts.ulines ?? []).map(casefold));
    this.localCaps = new Set(opts.localCaps ?? ['MTAGS', 'SJSBY', 'NEXTBANS', 'VHP', 'EXTSWHOIS', 'BIGLINES', 'MLOCK', 'VL']);
    this.bootTime = opts.bootTime ?? this.now();
    this.observer = opts.observer ?? null;
  }

  /** Set (or, with null, remove) the observer after construction (EngineOptions.observer). */
  setObserver(o: EngineObserver | null): void {
    this.observer = o;
    if (o) this.opts.observer = o; else delete this.opts.observer;
  }

  /** An observer's call, kept from taking the line's link down with it when it throws. */
  private observed(f: () => AfterObserved): AfterObserved {
    try { return f(); } catch (err) {
      this.log('error', 'OBSERVER_EXCEPTION', `exception in the engine observer: ${(err as Error).stack ?? err}`);
      return null;
    }
  }
  private runAfter(after: AfterObserved): void {
    if (after === null) return;
    try { after(); } catch (err) {
      this.log('error', 'OBSERVER_EXCEPTION', `exception in the engine observer: ${(err as Error).stack ?? err}`);
    }
  }

  now(): number { return this.opts.now ? this.opts.now() : Math.floor(Date.now() / 1000); }
  get me(): Server { return this.net.me; }

  // ---------------------------------------------------------------- effects
  /** The effects queued since the last drain (a new array each time, unless there are none). */
  drain(): Effect[] {
    const o = this.out;
    if (o.length === 0) return NO_EFFECTS;
    this.out = [];
    return o;
  }
  log(level: LogLevel, event: string, msg: string, link?: Link | null, fields?: Record<string, string>): void {
    this.out.push(fields ? { kind: 'log', level, event, msg, link: link?.id, fields } : { kind: 'log', level, event, msg, link: link?.id });
  }
  emit(e: Effect): void { this.out.push(e); }

  /** A channel's stored state may have changed: the 'channel' effect, when it is +P now or `hadP` (it was before the change). */
  channelChanged(ch: Channel, hadP = false): void {
    if (hadP || ch.modes.has('P')) this.out.push({ kind: 'channel', channel: ch });
  }

  /**
   * log() for what may come once per line (a line or parameter cut, a refused UID, ...): counted
   * per link and per event (Link.limited), the first one logged at once, the later ones summed
   * up in one line at most every LIMITED_LOG_INTERVAL seconds (here, or by tick()), and what is
   * left when the link closes. Never one log line per bad line.
   */
  logLimited(level: LogLevel, event: string, msg: string, link?: Link | null): void {
    const m = link ? link.limited : this.localLimited;
    const now = this.now();
    const r = m.get(event);
    if (r === undefined) {
      m.set(event, { level, total: 1, pending: 0, lastLog: now, last: '' });
      this.log(level, event, `${msg} (further ${event} ${link ? 'on this link' : 'of local origin'} are counted and logged at most every ${LIMITED_LOG_INTERVAL} s)`, link);
      return;
    }
    r.total++;
    r.pending++;
    r.last = msg;
    if (now - r.lastLog >= LIMITED_LOG_INTERVAL) this.flushLimited(event, r, now, link ?? null);
  }

  /** The summary line of the occurrences logLimited() counted and has not logged yet. */
  private flushLimited(event: string, r: LimitedLog, now: number, link: Link | null): void {
    if (r.pending === 0) return;
    this.log(r.level, event, `${r.pending} more ${event} in the last ${Math.max(0, now - r.lastLog)} s (${r.total} ${link ? 'on this link' : 'of local origin'}); the latest: ${r.last}`, link);
    r.pending = 0;
    r.last = '';
    r.lastLog = now;
  }

  /** logLimited() summaries that are due (force: all of them, e.g. when the link closes). */
  private flushLimitedAll(m: Map<string, LimitedLog>, link: Link | null, force: boolean): void {
    if (m.size === 0) return;
    const now = this.now();
    for (const [event, r] of m) if (r.pending > 0 && (force || now - r.lastLog >= LIMITED_LOG_INTERVAL)) this.flushLimited(event, r, now, link);
  }

  /**
   * Queue a line for a link, applying that link's capabilities: tags only with MTAGS, and its
   * length limit (a body of BODY_MAX bytes without BIGLINES, a whole line of LINE_MAX_OUT with it).
   * A longer SJOIN or MODE is split into lines that fit (lineSplit.ts); anything else is cut to
   * the limit, and what is cut or left out is logged (LINE_CUT_FOR_PEER, LINE_ITEM_DROPPED).
   */
  send(link: Link, body: string, tags?: string | null): void {
    if (link.phase === 'closed') return;
    const burst = link.burst;
    if (burst !== null) {
      // A streamed burst is under way on this link: its own lines are counted against the step's
      // budget; live lines about what it has not reached yet are dropped (BurstCursor.admit()).
      if (this.burstOwn) burst.queued += body.length + 2 + (tags && link.has('MTAGS') ? tags.length + 2 : 0);
      else {
        const b = burst.admit(body);
        if (b === null) return;
        body = b;
      }
    }
    if (body.length > BODY_MAX) { this.sendLong(link, body, tags); return; }
    const line = tags && link.has('MTAGS') ? `@${tags} ${body}` : body;
    this.out.push({ kind: 'send', link: link.id, line });
  }

  /** send() of a body over BODY_MAX bytes. */
  private sendLong(link: Link, body: string, tags?: string | null): void {
    const t = tags && link.has('MTAGS') ? tags : null;
    const big = link.has('BIGLINES');
    const max = big ? Math.max(BODY_MAX, LINE_MAX_OUT - (t !== null ? t.length + 2 : 0)) : BODY_MAX;
    const push = (b: string): void => { this.out.push({ kind: 'send', link: link.id, line: t !== null ? `@${t} ${b}` : b }); };
    if (body.length <= max) { push(body); return; }
    const split = splitLine(body, max, this.localChanmodes);
    if (split !== null) {
      for (const l of split.lines) push(l);
      if (split.dropped.length) {
        this.logLimited('warn', 'LINE_ITEM_DROPPED', `${commandOf(body)} for ${link.name} split into ${split.lines.length} lines of at most ${max} bytes${big ? '' : ' (no BIGLINES)'}; left out, too long for any line: ${split.dropped.map((x) => x.slice(0, 64)).join(' ')}`, link);
      }
      return;
    }
    this.logLimited('warn', 'LINE_CUT_FOR_PEER', `${commandOf(body)} of ${body.length} bytes cut to ${max} for ${link.name}${big ? '' : ' (no BIGLINES)'}: ${body.slice(0, 80)}...`, link);
    push(body.slice(0, max));
  }

  /**
   * Queue about `budgetBytes` more of our streamed burst toward a link (at least one user, channel
   * or ban; see burst.ts). True while more is left; false once the burst is complete (its EOS is
   * queued) or the link is gone.
   */
  burstMore(id: LinkId, budgetBytes: number): boolean {
    const link = this.links.get(id);
    const c = link?.burst;
    if (!link || !c) return false;
    if (link.phase !== 'linked') { link.burst = null; return false; }
    let more: boolean;
    this.burstOwn = true;
    try {
      more = c.step(budgetBytes);
    } catch (err) {
      this.burstOwn = false;
      link.burst = null;
      this.log('error', 'ENGINE_EXCEPTION', `exception in the burst to ${link.name}: ${(err as Error).stack ?? err}`, link);
      this.safeExit(link, 'Internal error');
      return false;
    } finally {
      this.burstOwn = false;
    }
    if (!more) link.burst = null;
    return more;
  }

  /** Run `f`, whose lines to a bursting link are the burst's own (counted, not judged as live traffic). */
  burstLines(f: () => void): void {
    const was = this.burstOwn;
    this.burstOwn = true;
    try { f(); } finally { this.burstOwn = was; }
  }

  /** Is a streamed burst toward this link still waiting for burstMore()? */
  bursting(id: LinkId): boolean {
    const l = this.links.get(id);
    return l !== undefined && l.burst !== null;
  }

  /** Is there any linked link other than `except` (i.e. would a broadcast send anything)? */
  hasOtherLinks(except: Link | null): boolean {
    // A leaf's usual case, checked for every burst line: the line's own link is the only one.
    if (except !== null && this.links.size === 1 && this.links.get(except.id) === except) return false;
    for (const l of this.links.values()) if (l !== except && l.phase === 'linked') return true;
    return false;
  }

  /** Send to every linked link except `except` (the one a line came from). */
  broadcast(except: Link | null, body: string | ((l: Link) => string | null), tags?: string | null): void {
    for (const l of this.links.values()) {
      if (l === except || l.phase !== 'linked') continue;
      const b = typeof body === 'function' ? body(l) : body;
      if (b !== null) this.send(l, b, tags);
    }
  }

  /** Exit a link: ERROR + close, and remove everything behind it. */
  exitLink(link: Link, reason: string, opts: { sendError?: boolean; origin?: Link | null } = {}): void {
    if (link.phase === 'closed') return;
    if (opts.sendError !== false) this.send(link, `ERROR :Closing Link: ${link.name}[${link.address || link.name}] (${this.toldPeer(link, reason)})`);
    const wasLinked = link.phase === 'linked';
    link.phase = 'closed';
    link.burst = null;
    this.out.push({ kind: 'close', link: link.id, reason });
    this.flushLimitedAll(link.limited, link, true);
    this.log('warn', wasLinked ? 'LINK_DISCONNECTED' : 'LINK_DENIED', `Link ${link.name} closed: ${reason}`, link);
    if (link.server && this.net.serversBySid.get(link.server.sid) === link.server) {
      // SQUIT goes to every other link except the one the removal came from (remove_dependents()).
      this.removeServerTree(link.server, reason, opts.origin ?? link);
    }
    this.links.delete(link.id);
    if (link.takeover !== null) takeoverLinkGone(this, link, reason);
  }

  /**
   * What a peer is told of why its link is closed. Before an incoming peer is authenticated, every
   * refusal reads the same (UnrealIRCd's words for "no such link"), so a stranger learns nothing
   * about which link blocks exist or which check failed; the log keeps the real reason.
   */
  toldPeer(link: Link, reason: string): string {
    return link.direction === 'in' && link.phase === 'handshake' && !link.authorized ? PRE_AUTH_REFUSAL : reason;
  }

  /** Remove a server and all behind it; tell the other links with SQUIT (NOQUIT semantics). */
  removeServerTree(s: Server, reason: string, fromLink: Link | null): void {
    const obs = this.observer;
    const after = obs !== null && obs.active ? this.observed(() => obs.split(s, reason)) : null;
    const { servers } = this.net.removeServer(s);
    this.log('info', 'SERVER_QUIT', `${s.name} split (${servers.length} servers): ${reason}`);
    this.broadcast(fromLink, `SQUIT ${s.name} :${reason}`);
    // A direct link whose server vanished is closed too.
    for (const x of servers) {
      for (const l of this.links.values()) {
        if (l.server === x && l !== fromLink && l.phase !== 'closed') this.exitLink(l, reason);
      }
    }
    this.runAfter(after);
  }

  // ---------------------------------------------------------------- inputs
  /** A transport connected. Outgoing links start the handshake. */
  linkUp(id: LinkId, direction: 'in' | 'out', address = '', policy?: LinkPolicy, displayName?: string): Link {
    const link = new Link(id, direction, address);
    if (displayName) link.displayName = displayName;
    if (policy) link.policy = policy;
    this.links.set(id, link);
    if (direction === 'out') startHandshake(this, link);
    return link;
  }

  /** A transport closed (or errored). */
  linkDown(id: LinkId, reason: string): void {
    const link = this.links.get(id);
    if (!link) return;
    this.safeExit(link, reason, false);
  }

  /** exitLink() that cannot throw: if cleaning up fails, the link is still closed and forgotten. */
  private safeExit(link: Link, reason: string, sendError = true): void {
    try {
      this.exitLink(link, reason, { sendError });
    } catch (err) {
      this.log('error', 'ENGINE_EXCEPTION', `exception while closing ${link.name}: ${(err as Error).stack ?? err}`, link);
      if (link.phase !== 'closed') { link.phase = 'closed'; link.burst = null; this.out.push({ kind: 'close', link: link.id, reason }); }
      this.links.delete(link.id);
      if (link.takeover !== null) takeoverLinkGone(this, link, reason);
    }
  }

  /** One line received on a link (a byte string without CR LF). Never throws. */
  receive(id: LinkId, raw: string): void {
    const link = this.links.get(id);
    if (!link || link.phase === 'closed') return;
    try {
      // A link in a takeover check: the held one's lines wait, the old one's line is its answer.
      if (link.takeover !== null && takeoverLine(this, link, raw)) return;
      // Our streamed burst toward this link looks at the peer's line first (burst.ts fromPeer()).
      const burst = link.burst;
      if (burst !== null) burst.fromPeer(raw);
      this.dispatch(link, raw);
      if (burst !== null && link.burst === burst) burst.afterPeer();
    } catch (err) {
      // A handler bug must never take the node down; the link is dropped instead.
      this.log('error', 'ENGINE_EXCEPTION', `exception on ${link.name}: ${(err as Error).stack ?? err}`, link);
      this.safeExit(link, 'Internal error');
    }
  }

  /** A line of local origin (our own server or one of our users), e.g. replay's own side. */
  local(raw: string): void {
    try {
      this.dispatch(null, raw);
    } catch (err) {
      this.log('error', 'ENGINE_EXCEPTION', `exception on local line: ${(err as Error).stack ?? err}`);
    }
  }

  /** Periodic housekeeping: expire TKLs; log the logLimited() summaries that are due; settle takeover checks that are due. */
  tick(): void {
    for (const e of this.tkl.expire(this.now())) this.out.push({ kind: 'tkl', op: 'del', entry: e });
    if (this.takeovers.size > 0) takeoverTick(this);
    for (const l of this.links.values()) this.flushLimitedAll(l.limited, l, false);
    this.flushLimitedAll(this.localLimited, null, false);
  }

  /**
   * A line a command's fast path took (CommandSpec.fast): ":<SID> <CMD> <params>" with single
   * spaces, from a server behind `link` that resolveSource() has found before (its cached source),
   * whose params need no cutting (a body within BODY_MAX, or any from a BIGLINES peer). Anything
   * else, or a fast path that declines, returns false untouched.
   */
  private fast(link: Link, line: string, start: number, rawTags: string | null): boolean {
    if (line.charCodeAt(start) !== 58 /* : */ || line.charCodeAt(start + 4) !== 32) return false;
    const slot = sidNumberAt(line, start + 1);
    if (slot < 0 || this.sidEpochs[slot] !== this.net.serverEpoch) return false;
    const src = this.sidSources[slot];
    if (src === undefined || src.kind !== 'server' || src.server.link !== link.id) return false;
    const c = start + 5;
    const end = line.indexOf(' ', c);
    if (end < 0) return false;
    for (let k = 0; k < FAST_COMMANDS.length; k++) {
      const [name, spec] = FAST_COMMANDS[k];
      if (end - c === name.length && line.startsWith(name, c)) {
        const obs = this.observer;
        if (obs !== null && obs.active && obs.commands.has(name)) return false;
        return spec.fast!(this, link, src.server, line, end + 1, rawTags);
      }
    }
    return false;
  }

  private dispatch(link: Link | null, raw: string): void {
    let line = cutAtBreak(raw);
    if (line.length > LINE_MAX_IN) {
      // Longer than UnrealIRCd's read buffer keeps (the line reader hands over one byte more, so
      // that this is seen): cut there, as UnrealIRCd does, and said so.
      // (Its start only from a registered link: before that it could be a PASS.)
      this.logLimited('warn', 'LINE_TOO_LONG', `line over ${LINE_MAX_IN} bytes from ${link ? link.name : 'local origin'} cut to ${LINE_MAX_IN}${link === null || link.phase === 'linked' ? ': ' + line.slice(0, 80) + '...' : ''}`, link);
      line = line.slice(0, LINE_MAX_IN);
    }
    // The tag section (relayed as is) and where the body starts (splitTagsAndBody(), without copying the body).
    let rawTags: string | null = null;
    let bodyStart = 0;
    if (line.charCodeAt(0) === 64 /* @ */) {
      const sp = line.indexOf(' ');
      if (sp < 0) { rawTags = line.slice(1); bodyStart = line.length; } else {
        rawTags = line.slice(1, sp);
        bodyStart = sp;
        while (bodyStart < line.length && line.charCodeAt(bodyStart) === 32) bodyStart++;
      }
    }
    // A body over BODY_MAX bytes has its params cut (parseBody()), unless it comes from a BIGLINES
    // peer: that one is taken whole, whatever the command.
    const long = line.length - bodyStart > BODY_MAX;
    const cut = long && (link === null || !link.has('BIGLINES'));
    if (link !== null && link.phase === 'linked' && !cut && this.opts.fastPaths !== false && this.fast(link, line, bodyStart, rawTags)) return;
    const msg = parseBody(line, bodyStart, cut);
    if (!msg) return; // empty line / only a prefix: silently ignored
    if (paramsCut > 0) {
      this.logLimited('warn', 'LINE_PARAMS_CUT', `${msg.command} of ${line.length - bodyStart} bytes from ${link ? link.name + ' (no BIGLINES)' : 'local origin'}: ${paramsCut} param(s) cut to ${BODY_MAX} bytes, as UnrealIRCd does`, link);
    }
    const obs = this.observer;
    if (obs !== null && obs.active && (link === null || link.phase === 'linked')) {
      const after = this.observed(() => obs.line(link, msg, rawTags));
      this.handle(link, msg, rawTags);
      this.runAfter(after);
      return;
    }
    this.handle(link, msg, rawTags);
  }

  /** A parsed line, by its command table entry (dispatch()). */
  private handle(link: Link | null, msg: Message, rawTags: string | null): void {
    const spec = COMMANDS.get(msg.command);
    if (link && link.phase === 'handshake') {
      if (spec?.handshake) {
        if (msg.params.length < spec.minParams) { this.needMoreParams(link, null, msg.command); return; }
        spec.handler(this, { link, src: { kind: 'server', server: this.me }, msg, rawTags });
        return;
      }
      if (msg.command === 'ERROR') { this.log('warn', 'LINK_ERROR', `ERROR from ${link.name}: ${msg.params[0] ?? ''}`, link); return; }
      // Anything else before SERVER is accepted: ignored (UnrealIRCd answers 451 to unknowns).
      this.log('debug', 'HANDSHAKE_IGNORED', `ignored ${msg.command} before link registration`, link);
      return;
    }
    if (!spec) {
      if (/^\d{3}$/.test(msg.command)) { this.routeNumeric(link, msg, rawTags); return; }
      this.log('debug', 'UNKNOWN_COMMAND', `unknown command ${msg.command} ignored`, link);
      return;
    }
    if (spec.handshake && spec.handshakeOnly) {
      // PASS/SERVER/PROTOCTL after registration.
      const src: Source = { kind: 'server', server: link?.server ?? this.me };
      if (msg.params.length < spec.minParams) { this.needMoreParams(link, src, msg.command); return; }
      spec.handler(this, { link, src, msg, rawTags });
      return;
    }
    const src = this.resolveSource(link, msg.source);
    if (!src) return;
    if (spec.from === 'server' && src.kind !== 'server') {
      this.log('warn', 'NOT_FOR_USERS', `${msg.command} from a user source ${msg.source} ignored`, link);
      return;
    }
    if (spec.from === 'user' && src.kind !== 'user') {
      if (spec.onServerSource) { spec.onServerSource(this, { link, src, msg, rawTags }); return; }
      this.log('warn', 'NOT_FOR_SERVERS', `${msg.command} from a server source ${msg.source ?? link?.name} ignored`, link);
      return;
    }
    if (msg.params.length < spec.minParams) {
      if (spec.onMissingParams) { spec.onMissingParams(this, { link, src, msg, rawTags }); return; }
      this.needMoreParams(link, src, msg.command);
      return;
    }
    spec.handler(this, { link, src, msg, rawTags });
  }

  /** ERR_NEEDMOREPARAMS to the line's source (`*` before the link is registered: src null). */
  needMoreParams(link: Link | null, src: Source | null, command: string): void {
    if (link) this.send(link, `:${this.me.name} 461 ${src ? sourceName(src) : '*'} ${command} :Not enough parameters`);
    this.log('info', 'NEED_MORE_PARAMS', `${command}: not enough parameters`, link);
  }

  /** Resolve a :source for a line from `link` (null = local). Unknown or wrong-direction sources drop the line. */
  resolveSource(link: Link | null, source: string | undefined): Source | null {
    if (source === undefined || source === '') {
      if (!link) return { kind: 'server', server: this.me };
      return link.server ? { kind: 'server', server: link.server } : null;
    }
    let key = source;
    const at = key.indexOf('@');
    if (at > 0) key = key.slice(0, at); // nick@server
    let found: Source | null = null;
    // Nearly every burst line has a SID source: the Source found for a SID is kept in a table
    // indexed by the SID's number, each entry valid for the server index it was found in.
    const slot = sidNumber(key);
    if (slot >= 0 && this.sidEpochs[slot] === this.net.serverEpoch) found = this.sidSources[slot] ?? null;
    const server = found !== null ? undefined : this.net.serversBySid.get(key) ?? (key.includes('.') ? this.net.serversByName.get(casefold(key)) : undefined);
    if (server) {
      found = { kind: 'server', server };
      if (slot >= 0) { this.sidSources[slot] = found; this.sidEpochs[slot] = this.net.serverEpoch; }
    } else if (found === null) {
      const user = this.net.usersByUid.get(key) ?? this.net.usersByNick.get(key);
      if (user) found = { kind: 'user', user };
    }
    if (!found) {
      if (link) {
        // src/parse.c remove_unknown(): SID-like or dotted → SQUIT, else KILL as ghost.
        if ((/^[0-9]/.test(key) && key.length <= 3) || key.includes('.')) {
          this.send(link, `:${this.me.sid} SQUIT ${key} :Unknown prefix (${key}) from ${link.name}`);
        } else {
          this.send(link, `:${this.me.sid} KILL ${key} :Ghost user`);
        }
      }
      this.log('info', 'UNKNOWN_SOURCE', `line from unknown source ${key} dropped`, link);
      return null;
    }
    const dir = found.kind === 'server' ? found.server.link : found.user.server.link;
    const expected = link ? link.id : null;
    if (dir !== expected) {
      this.log('warn', 'FAKE_DIRECTION', `line from ${key} arrived from the wrong direction; dropped`, link);
      return null;
    }
    return found;
  }

  // ---------------------------------------------------------------- helpers used by handlers
  isUlined(s: Server): boolean { return s.ulined || this.ulines.has(casefold(s.name)); }

  /** Numeric replies from servers are routed to their target (parv[0]): nick/UID/server. */
  routeNumeric(link: Link | null, msg: Message, rawTags: string | null): void {
    const target = msg.params[0];
    if (!target) return;
    const u = this.net.user(target);
    const dest = u ? u.server : this.net.server(target);
    if (!dest || dest === this.me) return; // a reply to us or our users: nothing to route (the observer, src/client/router.ts, hands those to local users)
    const l = this.linkOf(dest);
    if (l && l !== link) this.send(l, serializeBody(msg), rawTags);
  }

  /** The link through which a server is reached (null for ourselves). */
  linkOf(s: Server): Link | null {
    return s.link ? this.links.get(s.link) ?? null : null;
  }

  /** Kill a user: remove it and tell every link except `except`. */
  killUser(u: User, reason: string, sourceId: string, except: Link | null, tags?: string | null): void {
    this.net.removeUser(u);
    this.broadcast(except, `:${sourceId} KILL ${u.uid} :${reason}`, tags);
  }

  /** Lines to send about a channel/user state change to all other links (same source id). */
  relay(ctx: Ctx, body: string): void {
    this.broadcast(ctx.link, body, ctx.rawTags);
  }

  /** Build a relay body with the source rewritten to its id (SID/UID). */
  relayBody(ctx: Ctx, params: string[], trailing = true): string {
    return `:${sourceId(ctx.src)} ${ctx.msg.command}${formatParams(params, trailing)}`;
  }

  /** Channel mode groups for parsing a MODE/SJOIN that came from `link`. */
  modeGroups(link: Link | null): ChanModeGroups {
    return link ? link.chanmodes : this.localChanmodes;
  }

  /** Would we parse SJSBY `<setat,setby>` items from this origin? */
  sjsbyFrom(link: Link | null): boolean {
    return link ? link.has('SJSBY') : this.localCaps.has('SJSBY');
  }
}

/**
 * A received line as the engine reads it: cut at its first CR, LF or NUL, its tag section skipped,
 * its params as the command table has them (at most MAX_PARAMS_SERVER, or the command's maxParams
 * with the rest glued into the last), each cut to 510 bytes in a body over 510 bytes unless the
 * command takes big lines (the engine itself does not cut the lines of a BIGLINES peer). Null for
 * a line with no command. Whatever looks at a received line before the engine does (the node's
 * password gate, capture redaction) reads it through this.
 */
export function parseReceived(raw: string): Message | null {
  const line = cutAtBreak(raw);
  let bodyStart = 0;
  if (line.charCodeAt(0) === 64 /* @ */) {
    const sp = line.indexOf(' ');
    if (sp < 0) return null;
    bodyStart = sp;
    while (bodyStart < line.length && line.charCodeAt(bodyStart) === 32) bodyStart++;
  }
  return parseBody(line, bodyStart, line.length - bodyStart > BODY_MAX);
}

/** How many params the last parseBody() cut (0 when none). */
let paramsCut = 0;

/**
 * parseReceived() of a line already cut at its first break, its body starting at `bodyStart`;
 * `cut`: cut each param to 510 bytes (parse.c, for a body over 510 bytes) unless the command takes
 * big lines. Sets paramsCut.
 */
function parseBody(line: string, bodyStart: number, cut: boolean): Message | null {
  paramsCut = 0;
  let msg = parseFrom(line, bodyStart, MAX_PARAMS_SERVER);
  if (!msg) return null;
  const spec = COMMANDS.get(msg.command);
  // parse.c: a line whose source is a user (a UID or nick, not a SID or server name) gets at most
  // MAXPARA_USER params, the last one holding the rest of the line.
  let most = spec?.maxParams ?? MAX_PARAMS_SERVER;
  if (most > MAX_PARAMS_USER && msg.params.length > MAX_PARAMS_USER && msg.source !== undefined && isUserSource(msg.source)) most = MAX_PARAMS_USER;
  if (msg.params.length > most) msg = parseFrom(line, bodyStart, most) ?? msg;
  if (cut && !BIGLINE_COMMANDS.has(msg.command)) {
    const p = msg.params;
    for (let k = 0; k < p.length; k++) if (p[k].length > BODY_MAX) { p[k] = p[k].slice(0, BODY_MAX); paramsCut++; }
  }
  return msg;
}

/** Does a line's source name a user (a UID or a nick) rather than a server (a SID, or a name with a dot)? */
function isUserSource(src: string): boolean {
  return !src.includes('.') && sidNumber(src) < 0;
}

/** The number of a SID ([0-9][0-9A-Z]{2}: base 36, under 12,960), -1 for anything else. */
function sidNumber(s: string): number {
  return s.length === 3 ? sidNumberAt(s, 0) : -1;
}

/** sidNumber() of the three characters of s from `at`. */
function sidNumberAt(s: string, at: number): number {
  const a = s.charCodeAt(at), b = s.charCodeAt(at + 1), c = s.charCodeAt(at + 2);
  if (a < 48 || a > 57) return -1;
  const x = b >= 48 && b <= 57 ? b - 48 : b >= 65 && b <= 90 ? b - 55 : -1;
  const y = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 90 ? c - 55 : -1;
  return x < 0 || y < 0 ? -1 : ((a - 48) * 36 + x) * 36 + y;
}

export function sourceId(src: Source): string {
  return src.kind === 'server' ? src.server.sid : src.user.uid;
}
export function sourceName(src: Source): string {
  return src.kind === 'server' ? src.server.name : src.user.nick;
}
/** nick!ident@displayedhost (make_nick_user_host() with GetHost()), or the server name. */
export function sourceMask(src: Source): string {
  if (src.kind === 'server') return src.server.name;
  const u = src.user;
  return `${u.nick}!${u.ident}@${displayedHost(u)}`;
}

/** GetHost(): the user's virtual host (its vhost, else its cloak) while +x, else its real host (state/user.ts). */
export { displayedHost };

export function formatParams(params: string[], trailing = true): string {
  let out = '';
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const last = i === params.length - 1;
    if (last && (trailing || p === '' || p.includes(' ') || p.charCodeAt(0) === 58)) out += ' :' + p;
    else out += ' ' + p;
  }
  return out;
}

function serializeBody(msg: Message): string {
  return `${msg.source !== undefined ? ':' + msg.source + ' ' : ''}${msg.command}${formatParams(msg.params, false)}`;
}

function commandOf(body: string): string {
  let i = 0;
  if (body.charCodeAt(0) === 58) { i = body.indexOf(' ') + 1; if (i === 0) return ''; }
  const sp = body.indexOf(' ', i);
  return body.slice(i, sp < 0 ? undefined : sp).toUpperCase();
}

export type { Tags };
