// Network events to local clients, in client form. The router is the engine's observer
// (EngineOptions.observer, Engine.setObserver()): the engine hands it every line it is about to
// process (parsed) and every server it is about to split off; the router notes what the line is
// about (the source's nick!user@host, who shares its channels, a channel's modes) and returns what
// to do once the engine has changed the state: compare with the new state and write the client
// lines UnrealIRCd's local users would see (JOIN, PART, KICK, QUIT, NICK, MODE, TOPIC, PRIVMSG,
// NOTICE, TAGMSG, AWAY for away-notify, INVITE, KILL, the QUITs of a netsplit, numerics routed to
// a local user). Lines of local origin (our users' own, through ClientHost.local()) reach it the
// same way, so local users see each other exactly as they see remote ones.
//
// With no registered local user the router is not `active`: the engine calls nothing of it and
// takes its fast paths, so a burst costs nothing more.
import type { AfterObserved, Engine, EngineObserver } from '../s2s/engine.ts';
import type { Link } from '../s2s/link.ts';
import { parseModeChanges } from '../s2s/channelModes.ts';
import { matchMask } from '../s2s/mask.ts';
import type { Channel, LinkId, Membership, Server, User } from '../state/model.ts';
import { seesMember } from './delayJoin.ts';
import { displayedHost } from '../state/user.ts';
import type { Message } from '../wire/message.ts';
import { casefold } from '../wire/casemap.ts';
import type { LocalClients } from './clients.ts';
import type { ClientSession } from './session.ts';
import { lineForRecipients, newBatchId, newMsgid, serverTime, tagsFromS2s, type LineTags } from './tags.ts';
import { isBanned } from './channelRules.ts';
import { N } from './numerics.ts';
import { saslFromNetwork, saslSplitNote, saslSyncedNote, svsloginNote, svsmodeAccountNote } from './sasl.ts';

type Src = { user: User; server?: undefined } | { server: Server; user?: undefined };

/** What a route noted before the engine ran; called after it. */
type After = () => void;

interface RouteCtx {
  r: ClientRouter;
  msg: Message;
  /** The S2S tag section of the line (msgid, time, client-only tags). */
  tags: LineTags;
  src: Src | null;
  /** The link the line came in on; null for local origin. */
  link: LinkId | null;
}

type Route = (c: RouteCtx) => After | null;

/** Member mode ranks, highest first, and their client prefixes. */
const RANKS = 'qaohv';
const PREFIX_OF: Record<string, string> = { q: '~', a: '&', o: '@', h: '%', v: '+' };
const MODE_OF_PREFIX: Record<string, string> = { '~': 'q', '&': 'a', '@': 'o', '%': 'h', '+': 'v' };

export function userMask(u: User): string { return `${u.nick}!${u.ident}@${displayedHost(u)}`; }
function srcMask(s: Src | null, fallback: string): string { return s === null ? fallback : s.user ? userMask(s.user) : s.server.name; }

export class ClientRouter implements EngineObserver {
  /** The fast-path commands whose lines the router must see parsed (joins; a UID's nick collision). */
  readonly commands: ReadonlySet<string> = new Set(['SJOIN', 'UID']);
  /** Open netjoin batches: per server still bursting (not synced), each recipient's batch id. */
  private netjoins = new Map<Server, Map<ClientSession, string>>();
  constructor(readonly clients: LocalClients) {}

  /**
   * The netjoin batch a JOIN from `srv`'s burst goes in for `s` (IRCv3 batch: "netjoin <uplink>
   * <server>"), opened at the first such JOIN; undefined when there is none (a synced server, a
   * client without the batch cap).
   */
  netjoinBatch(srv: Server | undefined, s: ClientSession): string | undefined {
    const me = this.clients.host.me;
    if (!srv || srv.synced || srv === me || !s.hasCap('batch')) return undefined;
    let m = this.netjoins.get(srv);
    if (!m) this.netjoins.set(srv, (m = new Map()));
    let id = m.get(s);
    if (id === undefined) {
      id = newBatchId();
      m.set(s, id);
      s.send(`:${me.name} BATCH +${id} netjoin ${srv.uplink?.name ?? me.name} ${srv.name}`);
    }
    return id;
  }

  /** `srv` finished its burst (EOS) or is gone: its netjoin batches end. */
  endNetjoin(srv: Server): void {
    const m = this.netjoins.get(srv);
    if (!m) return;
    this.netjoins.delete(srv);
    for (const [s, id] of m) if (!s.closed) s.send(`:${this.clients.host.me.name} BATCH -${id}`);
  }

  /** Only while some local user is registered is there anyone to tell. */
  /** ... or in the middle of SASL. */
  get active(): boolean { return this.clients.byUid.size > 0 || this.clients.saslPending.size > 0; }

  /** Become the engine's observer. */
  attach(engine: Engine): void {
    engine.setObserver(this);
  }

  // ---------------------------------------------------------------- the observer
  line(link: Link | null, msg: Message, rawTags: string | null): AfterObserved {
    const cmd = msg.command.toUpperCase();
    const route = ROUTES[cmd] ?? (isNumeric(cmd) ? routeNumeric : undefined);
    if (route === undefined) return null;
    const tags = rawTags === null ? {} : tagsFromS2s(rawTags);
    return route({ r: this, msg, tags, src: this.source(link, msg.source), link: link?.id ?? null });
  }

  /** A netsplit: the QUITs local users get for everyone behind `server` they shared a channel with. */
  split(server: Server, _reason: string): AfterObserved {
    if (this.clients.host.net.serversBySid.get(server.sid) !== server || server === this.clients.host.me) return null;
    return both(this.splitNotes(server), saslSplitNote(this.clients, server));
  }

  // ---------------------------------------------------------------- helpers
  /** The line's source as the engine resolves it (a SID, UID, server name or nick); null when unknown. */
  source(link: Link | null, source: string | undefined): Src | null {
    const net = this.clients.host.net;
    if (source === undefined || source === '') {
      if (link === null) return { server: this.clients.host.me };
      const s = link.server;
      return s ? { server: s } : null;
    }
    const key = source.includes('@') ? source.slice(0, source.indexOf('@')) : source;
    const server = net.serversBySid.get(key) ?? (key.includes('.') ? net.server(key) : undefined);
    if (server) return { server };
    const user = net.user(key);
    return user ? { user } : null;
  }

  /** The session of a local user, if it has one. */
  session(u: User | undefined | null): ClientSession | undefined {
    if (!u || u.server !== this.clients.host.me) return undefined;
    const s = this.clients.byUid.get(u.uid);
    return s && !s.closed ? s : undefined;
  }

  /**
   * The session of each member of a channel, slot by slot as ch.members.array() holds them
   * (undefined: a remote user or none yet), kept from one message to the next: a fan-out to a big
   * channel checks each slot against its member (same user, still open) instead of looking every
   * member up by UID. Cut to `size` slots.
   */
  memberSessions(ch: Channel, size: number): (ClientSession | undefined)[] {
    let a = this.sessionSlots.get(ch);
    if (a === undefined) this.sessionSlots.set(ch, (a = []));
    if (a.length > size) a.length = size;
    return a;
  }
  private readonly sessionSlots = new WeakMap<Channel, (ClientSession | undefined)[]>();

  /** Local sessions that are members of a channel. */
  localMembers(ch: Channel | undefined): ClientSession[] {
    const out: ClientSession[] = [];
    if (!ch) return out;
    const me = this.clients.host.me;
    for (const m of ch.members.values()) {
      if (m.user.server !== me) continue;
      const s = this.session(m.user);
      if (s) out.push(s);
    }
    return out;
  }

  /**
   * The local members of `ch` that see member `target` (delayJoin.ts canSee(): +D/+d hides a
   * member that has not spoken yet); every local member when `target` is none. Every line about a
   * member (its JOIN, PART, KICK, host change) goes to these.
   */
  viewers(ch: Channel | undefined, target: Membership | undefined, all: ClientSession[] = this.localMembers(ch)): ClientSession[] {
    if (!ch || !target) return all;
    const dj = this.clients.delayed;
    if (!dj.hiddenFromMembers(ch, target)) return all; // the usual case: no per-viewer check
    return all.filter((s) => dj.canSee(s.user, ch, target));
  }

  /** Local sessions sharing at least one channel with `u` in which they see it (not `u` itself): its QUIT, NICK, AWAY... */
  sharing(u: User): Set<ClientSession> {
    const out = new Set<ClientSession>();
    for (const [ch, m] of u.channels) for (const s of this.viewers(ch, m)) if (s.user !== u) out.add(s);
    return out;
  }

  /** A line from this server to the local members of `ch` (sendto_channel(..., SEND_LOCAL)). */
  toChannel(ch: Channel, line: string, to: ClientSession[] = this.localMembers(ch)): void {
    const t = fresh({});
    for (const s of to) if (!s.closed) s.sendTagged(line, t);
  }

  /**
   * delayjoin.c clear_user_invisible(): `m` is no longer marked; when that was the last marked
   * member of a +d channel, the server's -d (to `to`, by default the local members).
   */
  unmark(ch: Channel, m: Membership, to?: ClientSession[]): void {
    const dj = this.clients.delayed;
    dj.unmark(ch, m);
    if (dj.isPost(ch) && !dj.hasMarked(ch)) { dj.clearPost(ch); this.toChannel(ch, `:${this.clients.host.me.name} MODE ${ch.name} -d`, to); }
  }

  /**
   * delayjoin.c clear_user_invisible_announce(): member `m` speaks (or its status changes) while
   * hidden: the mark goes and the local members who did not see it get its JOIN.
   */
  reveal(ch: Channel, m: Membership): void {
    const dj = this.clients.delayed;
    if (!dj.marks(ch, m)) return;
    if (!dj.hides(ch)) { dj.unmark(ch, m); return; }
    const to = this.localMembers(ch).filter((s) => !dj.canSee(s.user, ch, m));
    this.unmark(ch, m);
    const u = m.user, t = fresh({}, u);
    for (const s of to) s.sendTagged(joinLine(s, u, ch, false), t);
  }

  /**
   * `u` is leaving some of its channels (all, or `only`): where it is marked in a +d channel,
   * what to do once it is gone (the -d when it was the last marked member, to the local members
   * it had, itself included: delayjoin.c moded_part()/moded_quit()).
   */
  leftMarked(u: User, only?: readonly Channel[]): After | null {
    const dj = this.clients.delayed;
    if (!dj.anyPost()) return null;
    const notes: { ch: Channel; to: ClientSession[] }[] = [];
    for (const [ch, m] of u.channels) if ((only === undefined || only.includes(ch)) && dj.isPost(ch) && dj.marks(ch, m)) notes.push({ ch, to: this.localMembers(ch) });
    if (!notes.length) return null;
    return () => {
      for (const { ch, to } of notes) {
        if (ch.members.has(u) || !dj.isPost(ch) || dj.hasMarked(ch)) continue;
        dj.clearPost(ch);
        this.toChannel(ch, `:${this.clients.host.me.name} MODE ${ch.name} -d`, to);
      }
    };
  }

  /** The notes taken before a server (and all behind it) is split off: the QUITs to send after. */
  splitNotes(top: Server): After {
    const reason = `${top.uplink?.name ?? this.clients.host.me.name} ${top.name}`;
    const notes: { u: User; mask: string; to: Set<ClientSession> }[] = [];
    const lefts: After[] = [];
    const all: User[] = [];
    const stack = [top];
    while (stack.length) {
      const s = stack.pop()!;
      for (const c of s.children) stack.push(c);
      for (const u of s.users) {
        all.push(u);
        const to = this.sharing(u);
        if (to.size) notes.push({ u, mask: userMask(u), to });
        const left = this.leftMarked(u);
        if (left) lefts.push(left);
      }
    }
    const batchArgs = `netsplit ${top.uplink?.name ?? this.clients.host.me.name} ${top.name}`;
    const servers: Server[] = [];
    for (const st = [top]; st.length;) { const x = st.pop()!; servers.push(x); for (const c of x.children) st.push(c); }
    return () => {
      const net = this.clients.host.net;
      for (const x of servers) this.endNetjoin(x);
      // IRCv3 batch: a client with the cap gets its QUITs of this split inside one netsplit batch.
      const batches = new Map<ClientSession, string>();
      for (const n of notes) {
        if (net.usersByUid.get(n.u.uid) === n.u) continue;
        for (const s of n.to) {
          let id: string | undefined;
          if (s.hasCap('batch')) {
            id = batches.get(s);
            if (id === undefined) { id = newBatchId(); batches.set(s, id); s.send(`:${this.clients.host.me.name} BATCH +${id} ${batchArgs}`); }
          }
          s.sendTagged(`:${n.mask} QUIT :${reason}`, fresh(id ? { batch: id } : {}));
        }
      }
      for (const [s, id] of batches) s.send(`:${this.clients.host.me.name} BATCH -${id}`);
      for (const l of lefts) l();
      for (const u of all) if (net.usersByUid.get(u.uid) !== u) this.clients.userGone(u);
    };
  }
}

/** A three-digit numeric command. */
function isNumeric(cmd: string): boolean {
  return cmd.length === 3 && cmd >= '000' && cmd <= '999' && /^\d{3}$/.test(cmd);
}

/** `t` with a msgid and a time when the line had none. */
function fresh(t: LineTags, source?: User): LineTags {
  const out: LineTags = { ...t };
  out.msgid ??= newMsgid();
  out.time ??= serverTime(Date.now());
  if (source) {
    if (source.account) out.account = source.account;
    if (source.umodes.has('B')) out.bot = true;
  }
  return out;
}

// ---------------------------------------------------------------- routes

/** PRIVMSG / NOTICE / TAGMSG: to local members of a channel (statusmsg: from a rank up), a local user, or $server masks. */
function routeMessage(c: RouteCtx): After | null {
  const { r, msg, src } = c;
  if (src === null || msg.params.length < 1) return null;
  const cmd = msg.command.toUpperCase();
  const tagOnly = cmd === 'TAGMSG';
  const text = msg.params[1];
  if (!tagOnly && (text === undefined || text === '')) return null;
  const mask = srcMask(src, '');
  const from = src.user;
  const echo = c.link === null && from ? r.session(from) : undefined;
  return () => {
    const net = r.clients.host.net;
    const tags = fresh(c.tags, from);
    // The line for each target is made once, then once per caps combination (lineForRecipients):
    // a channel's members share it instead of each getting its own copy built.
    let lineTarget = '';
    let lineFor: (caps: ReadonlySet<string>) => string = () => '';
    const deliver = (s: ClientSession, target: string, unlabeled = false): void => {
      if (tagOnly && !s.hasCap('message-tags')) return;
      if (target !== lineTarget || lineTarget === '') { lineTarget = target; lineFor = lineForRecipients(tags, `:${mask} ${cmd} ${target}${tagOnly ? '' : ' :' + text}`); }
      if (unlabeled) s.sendUnlabeled(lineFor(s.caps)); else s.send(lineFor(s.caps));
    };
    for (const target of msg.params[0].split(',')) {
      if (!target) continue;
      let i = 0;
      while (i < target.length && MODE_OF_PREFIX[target[i]] !== undefined) i++;
      const name = target.slice(i);
      if (name.startsWith('#')) {
        const ch = net.channel(name);
        if (!ch) continue;
        // delayjoin.c moded_prechanmsg(): a hidden member that speaks is shown (its JOIN) first.
        if (from && r.clients.delayed.hides(ch)) { const fm = ch.members.get(from); if (fm) r.reveal(ch, fm); }
        const min = i > 0 ? RANKS.indexOf(MODE_OF_PREFIX[target[0]]) : -1;
        const shown = (i > 0 ? target[0] : '') + ch.name;
        // A copy of the members (a delivery can close a session over its sendq, and its QUIT
        // changes the channel), walked as a plain array.
        const members = ch.members.array().slice();
        const cached = r.memberSessions(ch, members.length);
        for (let k = 0; k < members.length; k++) {
          const m = members[k];
          if (m.user === from) continue;
          let s = cached[k];
          if (s === undefined || s.user !== m.user || s.closed) cached[k] = s = r.session(m.user);
          if (!s) continue;
          if (min >= 0 && !hasRank(m.modes, min)) continue;
          deliver(s, shown);
        }
        if (echo?.hasCap('echo-message')) deliver(echo, shown);
        continue;
      }
      if (name.startsWith('$')) {
        if (!matchMask(name.slice(1), r.clients.host.me.name)) continue;
        for (const s of r.clients.byUid.values()) if (s.user && s.user !== from) deliver(s, name);
        continue;
      }
      const at = name.indexOf('@');
      const u = net.user(at > 0 ? name.slice(0, at) : name);
      if (!u) continue;
      const s = r.session(u);
      // A message to oneself is delivered (no reply to a label) and then echoed (the reply), as
      // message.c and echo-message.c do it: an echo-message client sees it twice.
      if (s) deliver(s, u.nick, s === echo);
      if (echo?.hasCap('echo-message')) deliver(echo, u.nick);
    }
  };
}

/** Does a member holding `modes` rank at least RANKS[min]? */
function hasRank(modes: string, min: number): boolean {
  for (let k = 0; k <= min; k++) if (modes.includes(RANKS[k])) return true;
  return false;
}

interface ChannelSnap {
  members: Map<User, string>;
  modes: Map<string, string>;
  lists: { b: Set<string>; e: Set<string>; I: Set<string> };
  topic: string | null;
}

function snap(ch: Channel | undefined): ChannelSnap | null {
  if (!ch) return null;
  const members = new Map<User, string>();
  for (const m of ch.members.values()) members.set(m.user, m.modes);
  return {
    members,
    modes: new Map(ch.modes.entries()),
    lists: { b: new Set(ch.lists.b.keys()), e: new Set(ch.lists.e.keys()), I: new Set(ch.lists.I.keys()) },
    topic: ch.topic ? `${ch.topic.ts} ${ch.topic.setBy} ${ch.topic.text}` : null,
  };
}

/** MODE lines' text: "+ov a b" with its params, or "+nt " (UnrealIRCd writes modes, a space, the params). */
function modeText(changes: { dir: string; mode: string; param?: string }[]): string {
  let modes = '', dir = '';
  const params: string[] = [];
  for (const x of changes) {
    if (x.dir !== dir) { modes += x.dir; dir = x.dir; }
    modes += x.mode;
    if (x.param !== undefined) params.push(x.param);
  }
  return `${modes} ${params.join(' ')}`;
}

/** The mode changes between two states of a channel, removals first (as sjoin.c's removeours), then additions. */
function channelDiff(pre: ChannelSnap, ch: Channel, newMembers: Set<User>, announceNewStatus: boolean): { dir: string; mode: string; param?: string }[] {
  const minus: { dir: string; mode: string; param?: string }[] = [];
  const plus: { dir: string; mode: string; param?: string }[] = [];
  for (const [m, p] of pre.modes) if (!ch.modes.has(m)) minus.push({ dir: '-', mode: m, ...(p !== '' && !'lFH'.includes(m) ? { param: p } : {}) });
  for (const [u, modes] of pre.members) {
    const now = ch.members.get(u);
    if (!now) continue;
    for (const l of modes) if (!now.modes.includes(l)) minus.push({ dir: '-', mode: l, param: u.nick });
  }
  for (const l of ['b', 'e', 'I'] as const) for (const x of pre.lists[l]) if (!ch.lists[l].has(x)) minus.push({ dir: '-', mode: l, param: x });
  for (const m of ch.members.values()) {
    const before = pre.members.get(m.user);
    if (before === undefined && !announceNewStatus) continue;
    for (const l of RANKS) if (m.modes.includes(l) && !(before ?? '').includes(l) && (before !== undefined || newMembers.has(m.user))) plus.push({ dir: '+', mode: l, param: m.user.nick });
  }
  for (const l of ['b', 'e', 'I'] as const) for (const x of ch.lists[l].keys()) if (!pre.lists[l].has(x)) plus.push({ dir: '+', mode: l, param: x });
  for (const [m, p] of ch.modes) if (pre.modes.get(m) !== p) plus.push({ dir: '+', mode: m, ...(p !== '' ? { param: p } : {}) });
  return [...minus, ...plus];
}

/**
 * The JOIN of `u` for `s`, when +D showed it late: the extended-join form for a client that asked,
 * else ":<mask> JOIN <chan>" (a reveal: clear_user_invisible_announce()) or ":<mask> JOIN :<chan>"
 * (shown to a new halfop or more: moded_chanmode()).
 */
function joinLine(s: ClientSession, u: User, ch: Channel, colon: boolean): string {
  return s.hasCap('extended-join') ? `:${userMask(u)} JOIN ${ch.name} ${u.account || '*'} :${u.realname}` : `:${userMask(u)} JOIN ${colon ? ':' : ''}${ch.name}`;
}

/** Do two member mode strings hold the same letters? */
function sameLetters(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!b.includes(a[i])) return false;
  return true;
}

/**
 * delayjoin.c moded_chanmode(), run before the MODE line is shown: -D with marked members left
 * sets +d, +D again clears it; a member whose status changed loses its mark (those who did not
 * see it get its JOIN); a local member who became halfop or more gets the JOINs of the hidden
 * members, one who stopped being one their PARTs. Who sees whom comes from the one rule
 * (seesMember()) before and after the change, so each pair gets at most one line.
 */
function delayedAfterMode(r: ClientRouter, ch: Channel, pre: ChannelSnap): void {
  const dj = r.clients.delayed;
  const wasPost = dj.isPost(ch);
  const hidBefore = pre.modes.has('D') || wasPost;
  if (!hidBefore && !ch.modes.has('D')) return;
  const me = r.clients.host.me.name;
  if (!ch.modes.has('D') && !wasPost && dj.hasMarked(ch)) { dj.setPost(ch); r.toChannel(ch, `:${me} MODE ${ch.name} +d`); }
  else if (ch.modes.has('D') && wasPost) { dj.clearPost(ch); r.toChannel(ch, `:${me} MODE ${ch.name} -d`); }
  if (!hidBefore) return;
  const changed: Membership[] = [];
  for (const m of ch.members.values()) {
    const before = pre.members.get(m.user);
    if (before !== undefined && !sameLetters(before, m.modes)) changed.push(m);
  }
  if (!changed.length) return;
  const marked = new Set(dj.markedMembers(ch));
  if (!marked.size) return;
  const local = r.localMembers(ch);
  const changedSet = new Set(changed);
  const revealed = changed.filter((m) => marked.has(m));
  for (const m of revealed) r.unmark(ch, m, local);
  const seenBefore = (viewer: User, t: Membership) => viewer === t.user || seesMember(marked.has(t), pre.members.get(t.user) ?? '', pre.members.get(viewer));
  for (const t of revealed) {
    const tags = fresh({}, t.user);
    for (const s of local) if (!seenBefore(s.user!, t)) s.sendTagged(joinLine(s, t.user, ch, false), tags);
  }
  for (const s of local) {
    const vm = ch.members.get(s.user!);
    if (!vm || !changedSet.has(vm)) continue;
    for (const t of marked) {
      if (changedSet.has(t) || t.user === s.user) continue;
      const was = seenBefore(s.user!, t), now = dj.canSee(s.user, ch, t);
      if (was === now) continue;
      const tags = fresh({}, t.user);
      s.sendTagged(now ? joinLine(s, t.user, ch, true) : `:${userMask(t.user)} PART :${ch.name}`, tags);
    }
  }
}

/** JOIN lines for new members (extended-join form for clients that asked), then the mode changes. */
function routeJoin(c: RouteCtx): After | null {
  const { r, msg } = c;
  const cmd = msg.command.toUpperCase();
  const names = cmd === 'SJOIN' ? [msg.params[1]] : (msg.params[0] ?? '').split(',');
  const pres = names.filter(Boolean).map((n) => ({ name: n, pre: snap(r.clients.host.net.channel(n)) }));
  if (cmd === 'JOIN' && msg.params[0] === '0' && c.src?.user) return routePartAll(c);
  return () => {
    const net = r.clients.host.net;
    for (const { name, pre } of pres) {
      const ch = net.channel(name);
      if (!ch) continue;
      const before = pre ?? { members: new Map(), modes: new Map(), lists: { b: new Set(), e: new Set(), I: new Set() }, topic: null };
      const joined = new Set<User>();
      for (const m of ch.members.values()) if (!before.members.has(m.user)) joined.add(m.user);
      const all = r.localMembers(ch);
      const burst = c.link !== null ? c.src?.server : undefined;
      const dj = r.clients.delayed;
      // delayjoin.c moded_join(): a member added while the channel is +D is marked, and hidden from
      // those who do not see it (sjoin.c adds the members before it applies the line's modes: a
      // channel that becomes +D with this very line marks none of them).
      const marking = before.modes.has('D') && ch.modes.has('D');
      for (const u of joined) {
        const m = ch.members.get(u)!;
        if (marking) dj.mark(ch, m);
        const local = r.viewers(ch, m, all);
        const t = fresh(c.tags, u);
        const plain = `:${userMask(u)} JOIN :${ch.name}`;
        const ext = `:${userMask(u)} JOIN ${ch.name} ${u.account || '*'} :${u.realname}`;
        for (const s of local) {
          const batch = burst ? r.netjoinBatch(burst, s) : undefined;
          s.sendTagged(s.hasCap('extended-join') ? ext : plain, batch ? { ...t, batch } : t);
        }
        // away.c away_join(): a member who joins while away is announced to the local members
        // with away-notify, on local and remote joins alike. A local joiner gets its own after
        // its NAMES (join.ts), as the hook runs after join.c sent them.
        if (u.away !== null) {
          const away = `:${userMask(u)} AWAY :${u.away}`;
          for (const s of local) if (s.hasCap('away-notify') && !(c.link === null && s.user === u)) s.sendTagged(away, fresh({}, u));
        }
      }
      // Mode changes an SJOIN made (a lost TS: our modes removed; statuses of joining members).
      // The statuses of our own users' joins are not announced (they come with the JOIN).
      const changes = channelDiff(before, ch, joined, c.link !== null);
      if (changes.length && (pre !== null || c.link !== null)) {
        const from = srcMask(c.src, r.clients.host.me.name);
        const t = fresh(c.tags);
        for (const s of r.localMembers(ch)) s.sendTagged(`:${from} MODE ${ch.name} ${modeText(changes)}`, t);
      }
    }
  };
}

/** JOIN 0: a PART of every channel. */
function routePartAll(c: RouteCtx): After | null {
  const u = c.src!.user!;
  const mask = userMask(u);
  const notes = [...u.channels].map(([ch, m]) => ({ ch, to: c.r.viewers(ch, m) }));
  const left = c.r.leftMarked(u);
  return () => {
    for (const { ch, to } of notes) {
      if (ch.members.has(u)) continue;
      const t = fresh(c.tags, u);
      for (const s of to) s.sendTagged(`:${mask} PART ${ch.name} :Left all channels`, t);
    }
    left?.();
  };
}

function routePart(c: RouteCtx): After | null {
  const { r, msg, src } = c;
  const u = src?.user;
  if (!u) return null;
  const mask = userMask(u);
  const reason = msg.params[1];
  // part.c: the PART of a member hidden by +D goes to itself and the halfops and up only (viewers()).
  const notes = (msg.params[0] ?? '').split(',').map((n) => r.clients.host.net.channel(n)).filter((ch): ch is Channel => !!ch && ch.members.has(u)).map((ch) => ({ ch, to: r.viewers(ch, ch.members.get(u)) }));
  const left = r.leftMarked(u, notes.map((n) => n.ch));
  return () => {
    for (const { ch, to } of notes) {
      if (ch.members.has(u)) continue;
      const t = fresh(c.tags, u);
      for (const s of to) s.sendTagged(`:${mask} PART ${ch.name}${reason !== undefined ? ' :' + reason : ''}`, t);
    }
    left?.();
  };
}

function routeKick(c: RouteCtx): After | null {
  const { r, msg, src } = c;
  const ch = r.clients.host.net.channel(msg.params[0] ?? '');
  if (!ch || msg.params.length < 2) return null;
  const from = srcMask(src, r.clients.host.me.name);
  const comment = msg.params[2] ?? '';
  // kick.c: the KICK of a member hidden by +D goes to the victim and the halfops and up only (viewers()).
  const notes = msg.params[1].split(',').map((t) => r.clients.host.net.user(t)).filter((u): u is User => !!u && ch.members.has(u))
    .map((u) => ({ u, nick: u.nick, to: r.viewers(ch, ch.members.get(u)), left: r.leftMarked(u, [ch]) }));
  return () => {
    for (const n of notes) {
      if (ch.members.has(n.u)) continue;
      const t = fresh(c.tags, src?.user);
      for (const s of n.to) s.sendTagged(`:${from} KICK ${ch.name} ${n.nick} :${comment}`, t);
      n.left?.();
    }
  };
}

/** A user that may vanish with this line: its QUIT to the local users sharing its channels, and its own session closed. */
function vanishNote(r: ClientRouter, u: User, reason: () => string, tags: LineTags, killer?: { mask: string; text: string }): After {
  const mask = userMask(u);
  const to = r.sharing(u);
  const own = r.session(u);
  const left = r.leftMarked(u);
  return () => {
    if (r.clients.host.net.usersByUid.get(u.uid) === u) return;
    r.clients.userGone(u);
    const t = fresh(tags);
    for (const s of to) if (!s.closed) s.sendTagged(`:${mask} QUIT :${reason()}`, t);
    left?.();
    if (own && !own.closed) {
      if (killer !== undefined) own.send(`:${killer.mask} KILL ${u.nick} :${killer.text}`);
      own.user = null;
      own.close(reason());
    }
  };
}

function routeQuit(c: RouteCtx): After | null {
  const u = c.src?.user;
  if (!u) return null;
  if (c.link === null) {
    // Our own user quitting: its session is closing already; the others are told.
    const mask = userMask(u);
    const to = c.r.sharing(u);
    const left = c.r.leftMarked(u);
    const reason = c.msg.params[0] ?? '';
    return () => {
      c.r.clients.userGone(u);
      const t = fresh(c.tags, u);
      for (const s of to) if (!s.closed) s.sendTagged(`:${mask} QUIT :${reason}`, t);
      left?.();
    };
  }
  return vanishNote(c.r, u, () => c.msg.params[0] ?? '', c.tags);
}

function routeKill(c: RouteCtx): After | null {
  const { r, msg, src } = c;
  const killerName = src?.user ? src.user.nick : src?.server.name ?? r.clients.host.me.name;
  const killerMask = srcMask(src, r.clients.host.me.name);
  const reason = msg.params[1] ?? '';
  const afters = (msg.params[0] ?? '').split(',').map((t) => r.clients.host.net.user(t)).filter((u): u is User => !!u)
    .map((u) => vanishNote(r, u, () => `Killed by ${killerName} (${reason})`, c.tags, { mask: killerMask, text: reason }));
  return () => { for (const a of afters) a(); };
}

/**
 * WALLOPS (wallops.c sendto_wallops()): to every local user with +w but the sender, then to the
 * sender when it is ours (it always gets its own once, +w or not).
 */
function routeWallops(c: RouteCtx): After | null {
  const { r, msg, src } = c;
  const text = msg.params[0];
  if (src === null || text === undefined || text === '') return null;
  const line = `:${srcMask(src, r.clients.host.me.name)} WALLOPS :${text}`;
  const self = c.link === null ? r.session(src.user) : undefined;
  return () => {
    for (const s of r.clients.byUid.values()) if (s !== self && !s.closed && s.user?.umodes.has('w')) s.send(line);
    if (self && !self.closed) self.send(line);
  };
}

/** NICK changes, and the users a collision may remove (the changing user, the nick's holder). */
function routeNick(c: RouteCtx): After | null {
  const { r, msg, src } = c;
  const net = r.clients.host.net;
  const u = src?.user;
  if (!u || !msg.params[0]) return null;
  const oldMask = userMask(u), oldNick = u.nick;
  const to = r.sharing(u);
  const self = r.session(u);
  const holder = net.userByNick(msg.params[0]);
  const gone = [vanishNote(r, u, () => 'Nick collision', c.tags)];
  if (holder && holder !== u) gone.push(vanishNote(r, holder, () => 'Nick collision', c.tags));
  return () => {
    for (const g of gone) g();
    if (net.usersByUid.get(u.uid) !== u || u.nick === oldNick) return;
    r.clients.userRenamed(u, oldNick);
    const t = fresh(c.tags, u);
    const line = `:${oldMask} NICK :${u.nick}`;
    for (const s of to) s.sendTagged(line, t);
    if (self) { self.nick = u.nick; self.sendTagged(line, t); }
  };
}

/** UID: a new user whose nick collides with one we know (conflicts.md §1) may remove it. */
function routeUid(c: RouteCtx): After | null {
  const net = c.r.clients.host.net;
  const holder = c.msg.params[0] ? net.userByNick(c.msg.params[0]) : undefined;
  const gone = holder ? vanishNote(c.r, holder, () => 'Nick collision', c.tags) : null;
  const uid = c.msg.params[5];
  return () => {
    gone?.();
    const u = uid ? net.usersByUid.get(uid) : undefined;
    if (u) c.r.clients.monitors.online(u);
  };
}

/** MODE: a channel's changes in the order of the line, as they took effect; a local user's own modes. */
function routeMode(c: RouteCtx): After | null {
  const { r, msg, src } = c;
  const net = r.clients.host.net;
  const target = msg.params[0] ?? '';
  const from = srcMask(src, r.clients.host.me.name);
  if (!target.startsWith('#')) return routeUserMode(c, target);
  const pre = snap(net.channel(target));
  if (!pre) return null;
  return () => {
    const ch = net.channel(target);
    if (!ch) return;
    const changes = ordered(pre, ch, parseModeChanges(r.clients.host.chanModes, msg.params[1] ?? '', msg.params.slice(2)), net);
    if (!changes.length) return;
    delayedAfterMode(r, ch, pre);
    const t = fresh(c.tags, src?.user);
    for (const s of r.localMembers(ch)) s.sendTagged(`:${from} MODE ${ch.name} ${modeText(changes)}`, t);
  };
}

/** The changes of a MODE line that took effect (state before vs after), in the line's order, each once. */
function ordered(pre: ChannelSnap, ch: Channel, parsed: { dir: '+' | '-'; mode: string; param?: string }[], net: LocalClients['host']['net']): { dir: string; mode: string; param?: string }[] {
  const out: { dir: string; mode: string; param?: string }[] = [];
  const seen = new Set<string>();
  const added = { b: [...ch.lists.b.keys()].filter((x) => !pre.lists.b.has(x)), e: [...ch.lists.e.keys()].filter((x) => !pre.lists.e.has(x)), I: [...ch.lists.I.keys()].filter((x) => !pre.lists.I.has(x)) };
  const removed = { b: [...pre.lists.b].filter((x) => !ch.lists.b.has(x)), e: [...pre.lists.e].filter((x) => !ch.lists.e.has(x)), I: [...pre.lists.I].filter((x) => !ch.lists.I.has(x)) };
  for (const p of parsed) {
    const m = p.mode;
    if (RANKS.includes(m)) {
      const u = p.param !== undefined ? net.user(p.param) : undefined;
      const mem = u ? ch.members.get(u) : undefined;
      if (!u || !mem) continue;
      const had = (pre.members.get(u) ?? '').includes(m), has = mem.modes.includes(m);
      const key = `${m}:${u.uid}`;
      if (seen.has(key) || had === has || (p.dir === '+') !== has) continue;
      seen.add(key);
      out.push({ dir: p.dir, mode: m, param: u.nick });
      continue;
    }
    if (m === 'b' || m === 'e' || m === 'I') {
      const x = (p.dir === '+' ? added : removed)[m].shift();
      if (x !== undefined) out.push({ dir: p.dir, mode: m, param: x });
      continue;
    }
    if (seen.has(m)) continue;
    const before = pre.modes.get(m), after = ch.modes.get(m);
    if (p.dir === '+' && after !== undefined && after !== before) { seen.add(m); out.push({ dir: '+', mode: m, ...(after !== '' ? { param: after } : {}) }); }
    if (p.dir === '-' && before !== undefined && after === undefined) { seen.add(m); out.push({ dir: '-', mode: m, ...(before !== '' && !'lFH'.includes(m) ? { param: before } : {}) }); }
  }
  return out;
}

/** A local user's modes changed (MODE nick / UMODE2 / SVS2MODE): ":<nick> MODE <nick> :<changes>". */
function routeUserMode(c: RouteCtx, target: string): After | null {
  const u = target ? c.r.clients.host.net.user(target) : c.src?.user;
  const s = c.r.session(u);
  if (!u || !s) return null;
  const before = new Set(u.umodes);
  return () => {
    const plus = [...u.umodes].filter((m) => !before.has(m)), minus = [...before].filter((m) => !u.umodes.has(m));
    if (!plus.length && !minus.length) return;
    s.send(`:${u.nick} MODE ${u.nick} :${plus.length ? '+' + plus.join('') : ''}${minus.length ? '-' + minus.join('') : ''}`);
  };
}

function routeTopic(c: RouteCtx): After | null {
  const { r, msg, src } = c;
  const net = r.clients.host.net;
  const pre = snap(net.channel(msg.params[0] ?? ''));
  if (!pre || msg.params.length < 2) return null;
  const from = srcMask(src, r.clients.host.me.name);
  return () => {
    const ch = net.channel(msg.params[0]);
    if (!ch || !ch.topic) return;
    if (`${ch.topic.ts} ${ch.topic.setBy} ${ch.topic.text}` === pre.topic) return;
    const t = fresh(c.tags, src?.user);
    for (const s of r.localMembers(ch)) s.sendTagged(`:${from} TOPIC ${ch.name} :${ch.topic.text}`, t);
  };
}

/** AWAY: away-notify to local users sharing a channel. */
function routeAway(c: RouteCtx): After | null {
  const u = c.src?.user;
  if (!u) return null;
  const before = u.away;
  const to = c.r.sharing(u);
  return () => {
    if (u.away === before) return;
    const t = fresh(c.tags, u);
    const line = u.away === null ? `:${userMask(u)} AWAY` : `:${userMask(u)} AWAY :${u.away}`;
    for (const s of to) if (s.hasCap('away-notify')) s.sendTagged(line, t);
  };
}

/**
 * INVITE (invite.c invite_process()): when the inviter is a channel op (o/a/q) or a server, the
 * local ops of the channel hear of it (the invite-notify line for clients with the cap, a NOTICE
 * to the others) and the invite is remembered for JOIN; the invited local user gets the INVITE.
 */
function routeInvite(c: RouteCtx): After | null {
  const { r, msg, src } = c;
  const net = r.clients.host.net;
  const u = net.user(msg.params[0] ?? '');
  const ch = net.channel(msg.params[1] ?? '');
  if (!u || !ch || !src) return null;
  const s = r.session(u);
  const from = srcMask(src, r.clients.host.me.name);
  const chanop = !src.user || opRank(ch.members.get(src.user)?.modes ?? '');
  const override = msg.params[2] === '1';
  return () => {
    const t = fresh(c.tags, src.user);
    if (chanop && src.user) {
      for (const m of ch.members.values()) {
        const o = r.session(m.user);
        if (!o || !opRank(m.modes)) continue;
        if (o.hasCap('invite-notify')) { if (o.user !== src.user) o.sendTagged(`:${from} INVITE ${u.nick} ${ch.name}`, t); continue; }
        const me = r.clients.host.me.name;
        o.sendTagged(override ? `:${me} NOTICE @${ch.name} :OperOverride -- ${src.user.nick} invited him/herself into the channel.`
          : `:${me} NOTICE @${ch.name} :${src.user.nick} invited ${u.nick} into the channel.`, t);
      }
    }
    if (!s) return;
    if (chanop) s.addInvite(casefold(ch.name));
    s.sendTagged(`:${from} INVITE ${u.nick} :${ch.name}`, t);
  };
}

/** Channel operator or higher (o, a, q): who may invite past +i, and who hears of invites. */
function opRank(modes: string): boolean { return modes.includes('o') || modes.includes('a') || modes.includes('q'); }

/** SETNAME: the new realname to the local users sharing a channel, those with the setname cap. */
function routeSetname(c: RouteCtx): After | null {
  const u = c.src?.user;
  if (!u) return null;
  const before = u.realname;
  const to = c.r.sharing(u);
  return () => {
    if (u.realname === before) return;
    const t = fresh(c.tags, u);
    for (const s of to) if (s.hasCap('setname')) s.sendTagged(`:${userMask(u)} SETNAME :${u.realname}`, t);
  };
}

/**
 * A user's ident or shown host may change (SETHOST, CHGHOST, SETIDENT, CHGIDENT, +x/-x): chghost.c
 * userhost_changed(). Clients with the chghost cap get ":<old mask> CHGHOST <ident> <host>" (the user
 * itself too); the others in a shared channel see it PART ("Changing host") and JOIN again, with
 * its channel status as a MODE (set::allow-userhost-change force-rejoin, the default).
 */
function hostChange(r: ClientRouter, u: User | undefined, fromNetwork: boolean): After | null {
  if (!u) return null;
  const ident = u.ident, host = displayedHost(u), oldMask = userMask(u);
  const self = r.session(u);
  return () => {
    if (r.clients.host.net.usersByUid.get(u.uid) !== u) return;
    if (u.ident === ident && displayedHost(u) === host) return;
    const chg = `:${oldMask} CHGHOST ${u.ident} ${displayedHost(u)}`;
    const done = new Set<ClientSession>();
    const me = r.clients.host.me.name;
    for (const [ch, mine] of u.channels) {
      const banned = isBanned(ch, u);
      for (const s of r.viewers(ch, mine)) {
        if (s.user === u) continue;
        if (s.hasCap('chghost')) { if (!done.has(s)) { done.add(s); s.send(chg); } continue; }
        if (banned) continue;
        s.send(`:${oldMask} PART ${ch.name} :Changing host`);
        s.send(s.hasCap('extended-join') ? `:${userMask(u)} JOIN ${ch.name} ${u.account || '*'} :${u.realname}` : `:${userMask(u)} JOIN ${ch.name}`);
        if (mine.modes) s.send(`:${me} MODE ${ch.name} +${mine.modes} ${Array(mine.modes.length).fill(u.nick).join(' ')}`);
      }
    }
    if (self) {
      if (self.hasCap('chghost')) self.send(chg);
      if (fromNetwork) self.numeric(N.RPL_HOSTHIDDEN(displayedHost(u)));
    }
  };
}

/** Two notes for one line, in order. */
function both(a: After | null, b: After | null): After | null {
  if (!a) return b;
  if (!b) return a;
  return () => { a(); b(); };
}

/** SETHOST/SETIDENT (the source changes itself), CHGHOST/CHGIDENT (a target). */
function routeSelfHost(c: RouteCtx): After | null { return hostChange(c.r, c.src?.user, c.link !== null); }
function routeOtherHost(c: RouteCtx): After | null { return hostChange(c.r, c.r.clients.host.net.user(c.msg.params[0] ?? ''), c.link !== null); }

/** A numeric routed to one of our users (e.g. services' 396): delivered as it came, the target by nick. */
function routeNumeric(c: RouteCtx): After | null {
  const { r, msg, src } = c;
  const u = r.clients.host.net.user(msg.params[0] ?? '');
  const s = r.session(u);
  if (!u || !s || c.link === null) return null;
  const rest = msg.params.slice(1);
  const text = rest.map((p, i) => (i === rest.length - 1 && (p === '' || p.includes(' ') || p.startsWith(':')) ? ':' + p : p)).join(' ');
  return () => s.send(`:${srcMask(src, r.clients.host.me.name)} ${msg.command} ${u.nick}${text ? ' ' + text : ''}`);
}

/** SASL from the network's services to one of our sessions (sasl.ts); delivered as it comes. */
function routeSasl(c: RouteCtx): After | null {
  const src = c.src;
  if (src === null || c.link === null) return null;
  const agent = src.user ? src.user.nick : src.server.name;
  return () => saslFromNetwork(c.r.clients, c.msg, agent);
}

/** SVSLOGIN for one of our sessions (registered or not): its account, 900/901 (sasl.ts). */
function routeSvslogin(c: RouteCtx): After | null {
  return c.src === null || c.link === null ? null : svsloginNote(c.r.clients, c.msg, c.src);
}

/** A server's end of burst: CAP NEW sasl once it is the SASL server (sasl.ts). */
function routeEos(c: RouteCtx): After | null {
  return c.src?.server && c.link !== null ? saslSyncedNote(c.r.clients, c.src.server) : null;
}

/** SVSMODE/SVS2MODE +d <account> on one of our users: 900/901 (sasl.ts). */
function routeAccount(c: RouteCtx): After | null {
  return c.src === null || c.link === null ? null : svsmodeAccountNote(c.r.clients, c.msg, c.src);
}

const ROUTES: Record<string, Route> = {
  PRIVMSG: routeMessage, NOTICE: routeMessage, TAGMSG: routeMessage,
  SJOIN: routeJoin, JOIN: routeJoin, PART: routePart, KICK: routeKick,
  QUIT: routeQuit, KILL: routeKill, SVSKILL: routeKill, NICK: routeNick, UID: routeUid,
  MODE: (c) => both(routeMode(c), (c.msg.params[0] ?? '#').startsWith('#') ? null : routeOtherHost(c)),
  SVS2MODE: (c) => both(both(routeAccount(c), routeUserMode(c, c.msg.params[0] ?? '')), routeOtherHost(c)),
  SVSMODE: (c) => both(routeAccount(c), (c.msg.params[0] ?? '#').startsWith('#') ? null : routeOtherHost(c)),
  UMODE2: routeSelfHost, SETHOST: routeSelfHost, SETIDENT: routeSelfHost, CHGHOST: routeOtherHost, CHGIDENT: routeOtherHost,
  SETNAME: routeSetname,
  EOS: (c) => { const srv = c.src?.server; return both(srv ? () => c.r.endNetjoin(srv) : null, routeEos(c)); },
  TOPIC: routeTopic, AWAY: routeAway, INVITE: routeInvite, WALLOPS: routeWallops,
  SASL: routeSasl, SVSLOGIN: routeSvslogin,
  // SQUIT and a link's loss: split() (the engine tells of every server it removes).
};
