// Our burst toward a newly linked server, in UnrealIRCd's order (handshake.md §6):
// server MD, servers (parents first) with EOS/SINFO/MD, network MD (globalvar; tslink's), users (UID, MD, AWAY, SWHOIS),
// channels (SJOIN, TOPIC, MD, MLOCK), member MD, TKLs, NETINFO, EOS.
//
// One mechanism for every burst: a cursor over the state (BurstCursor) that writes the next lines
// when asked. Without a runtime driving it (tests, replay: EngineOptions.streamBurst unset) the
// whole burst is written at once, when the peer's SERVER is accepted. With streamBurst the servers
// go at once (a handful of lines) and the rest is written as the socket drains: the runtime calls
// Engine.burstMore(link, budget) whenever the link's send queue is low, so the class sendq bounds
// what is queued, not the network's size, and no burst is ever held in memory as a whole.
//
// While a burst streams, the state changes under it, and the peer's own burst arrives. The rules:
// the peer hears about an entity either from the cursor (in its state at the time the cursor
// reaches it) or, once it has been bursted, from live traffic; never about one it does not know;
// and never our echo of what it told us itself (which would undo what it changed meanwhile).
// - Servers: all bursted at once, so every later SID/SQUIT/EOS/SINFO goes live.
// - Users, server by server (the list of servers taken when the burst starts; a server introduced
//   later goes live, with its users): a server's user list is copied when the cursor reaches that
//   server. A user the cursor has sent, or that was introduced after the copy (its UID went live),
//   is known to the peer; one still ahead of the cursor is not: live lines about it are dropped for
//   this link (its UID line will carry its state then), and one that quits before the cursor gets
//   there is never sent. Users behind the bursting link are the peer's own.
// - Channels come after every user, so their SJOIN names only users the peer knows (and never the
//   peer's own members: those are its to tell). Before a channel is bursted, live lines about it
//   are dropped (its SJOIN will carry its state then); after, they go live. A channel made after
//   the channel pass started is reached by it too (live iteration over the channel table). When
//   the peer speaks of a channel first (its SJOIN, MODE, ...), we burst ours before taking its line,
//   as an all-at-once burst would have: our state, not the merge; during the user pass its SJOIN
//   names the members the peer knows so far, and each other member is joined to it right after
//   its UID. A channel the peer brings that we did not have is its own: bursted as it stands.
// - Member MD, then the bans. A TKL line is a whole ban and names nothing else: one that changes
//   while the burst streams goes live at once, and the ban pass skips it; a removal always goes
//   (the peer may hold the same ban itself). A ban the peer sends that we hold too gets ours first
//   (as for channels); one we did not hold is the peer's own. NETINFO and EOS end the burst.
// Live lines are judged by BurstCursor.admit() (Engine.send() calls it for a bursting link):
// dropped, passed, or (a KILL whose only unknown is its source user) sent from our server; the
// peer's lines are looked at by fromPeer() and afterPeer() (Engine.receive()).
import type { Channel, Server, User } from '../state/model.ts';
import type { Engine } from './engine.ts';
import type { Link } from './link.ts';
import { sendUserTo } from './userWire.ts';
import { memberPrefix, sjoinLines } from './channelWire.ts';
import { formatTkl, parseTkl } from '../tkl/tklWire.ts';
import { isLive, tklKey, type TklEntry } from '../tkl/types.ts';
import { PROTOCOL } from './engine.ts';
import { anyMemberMd, memberMdCount, memberMdEntries } from '../state/membership.ts';
import { casefold } from '../wire/casemap.ts';
import { validUid } from './validate.ts';

const USERS = 0, CHANNELS = 1, MEMBER_MD = 2, TKLS = 3, END = 4, DONE = 5;

/** Start the burst toward `link` (its SERVER was just accepted): all of it, or the servers and a cursor for the rest (streamBurst). */
export function sendBurst(e: Engine, link: Link): void {
  const stream = e.opts.streamBurst === true;
  const c = new BurstCursor(e, link, stream);
  if (!stream) {
    while (c.step(Infinity));
    return;
  }
  link.burst = c;
  e.emit({ kind: 'burst', link: link.id });
}

export class BurstCursor {
  private phase = USERS;
  /** The servers whose users the burst carries (all but those behind the link), when it started. */
  private readonly servers: Server[] = [];
  private readonly serverIndex = new Map<Server, number>();
  /** The server whose users are being sent (servers[si]) and its users as the cursor found them (null: not reached yet). */
  private si = 0;
  private users: User[] | null = null;
  private ui = 0;
  /** Of the current server: the UIDs sent by the cursor and those that went live (introduced after the copy). */
  private readonly sentUids = new Set<string>();
  private readonly lateUids = new Set<string>();
  /** Users sent before the cursor reached them, because a live line named them (ensure()). */
  private readonly earlyUids = new Set<string>();
  private chanIter: Iterator<[string, Channel]> | null = null;
  /** Channels sent, by casefolded name (a destroyed one is still known to the peer by its name until a new one of that name exists). */
  private readonly sentChans = new Map<string, Channel>();
  /** Channels bursted during the user pass (the peer spoke of them first): members the peer learns later are joined to them after their UID. */
  private readonly early = new Set<Channel>();
  /** Channels the peer's current line names that we do not have (afterPeer() looks whether the line made them). */
  private peerNew: string[] = [];
  private mdIter: Iterator<Channel> | null = null;
  private tklIter: Iterator<TklEntry> | null = null;
  /** Bans whose addition went live while the burst streamed (the ban pass skips them). */
  private readonly sentTkls = new Set<string>();
  /** Bytes queued since the last step() began (counted by Engine.send()). */
  queued = 0;
  /** The link's capabilities the lines depend on, looked up once. */
  private readonly vhp: boolean;
  private readonly extSwhois: boolean;
  private readonly mlock: boolean;

  /** `tracking`: remember what was sent, for admit() (only a streamed burst has live traffic in between). */
  constructor(private readonly e: Engine, private readonly link: Link, private readonly tracking: boolean) {
    this.vhp = link.has('VHP');
    this.extSwhois = link.has('EXTSWHOIS');
    this.mlock = link.has('MLOCK');
    const me = e.me;
    for (const [k, v] of me.md) e.send(link, `:${me.sid} MD client ${me.sid} ${k} :${v}`);
    // Parents before children, depth first; iterative so that a very deep server chain cannot
    // overflow the stack.
    const stack: Server[] = [...me.children].reverse();
    while (stack.length) {
      const c = stack.pop()!;
      if (c.link === link.id) continue;
      const s = c.uplink!;
      e.send(link, `:${s.sid} SID ${c.name} ${c.hops + 1} ${c.sid} :${c.info}`);
      if (c.synced) e.send(link, `:${c.sid} EOS`);
      if (c.sinfo) {
        const i = c.sinfo;
        e.send(link, `:${c.sid} SINFO ${i.boot} ${i.protocol} ${i.umodes} ${i.chanmodes} ${i.nickchars} :${i.software}`);
      }
      for (const [k, v] of c.md) e.send(link, `:${c.sid} MD client ${c.sid} ${k} :${v}`);
      for (const x of [...c.children].reverse()) stack.push(x);
    }
    // Network-level MD (MD globalvar, in the form UnrealIRCd's broadcast_md_globalvar_cmd() writes).
    if (e.net.globalMd.size) for (const [k, v] of e.net.globalMd) e.send(link, `:${me.sid} MD globalvar ${k} :${v}`);
    // Users server by server, each in the order of its user list (the UID index's order is its hash's).
    for (const s of e.net.serversBySid.values()) {
      if (s.link === link.id) continue;
      this.serverIndex.set(s, this.servers.length);
      this.servers.push(s);
    }
  }

  /** Queue about `budget` bytes of the next burst lines (at least one user, channel or ban); false once the burst is complete. */
  step(budget: number): boolean {
    this.queued = 0;
    const e = this.e, link = this.link;
    while (this.queued < budget) {
      this.queued++; // what a step looks at counts too (a pass over channels without member MD sends nothing)
      switch (this.phase) {
        case USERS:
          if (!this.nextUser()) { this.phase = CHANNELS; this.early.clear(); this.earlyUids.clear(); this.chanIter = e.net.channels.entries(); }
          break;
        case CHANNELS: {
          const r = this.chanIter!.next();
          if (r.done) {
            this.chanIter = null;
            // No membership has ever held MD (the usual network): no pass over all of them for it.
            if (anyMemberMd()) { this.phase = MEMBER_MD; this.mdIter = e.net.channels.values(); } else { this.phase = TKLS; this.tklIter = e.tkl.values(); }
            break;
          }
          const [key, ch] = r.value;
          if (this.tracking && this.sentChans.get(key) === ch) break; // bursted already (the peer spoke of it first)
          this.sendChannel(key, ch);
          break;
        }
        case MEMBER_MD: {
          const r = this.mdIter!.next();
          if (r.done) { this.mdIter = null; this.phase = TKLS; this.tklIter = e.tkl.values(); break; }
          const ch = r.value;
          this.queued += ch.members.size;
          for (const m of ch.members.values()) {
            if (!memberMdCount(m) || m.user.server.link === link.id) continue;
            for (const [k, v] of memberMdEntries(m, 'member')) e.send(link, `:${e.me.sid} MD member ${ch.name}:${m.user.uid} ${k} :${v}`);
            for (const [k, v] of memberMdEntries(m, 'membership')) e.send(link, `:${e.me.sid} MD membership ${m.user.uid}:${ch.name} ${k} :${v}`);
          }
          break;
        }
        case TKLS: {
          const r = this.tklIter!.next();
          if (r.done) { this.tklIter = null; this.phase = END; break; }
          const t = r.value;
          // Sent live already while the burst streamed (also how a record that a merge rewrote,
          // handed out a second time, is known: the merge came as a live line).
          if (this.sentTkls.size > 0 && this.sentTkls.has(tklKey(t))) break;
          if (isLive(t, e.now())) e.send(link, `:${e.me.name} ${formatTkl('+', t)}`);
          break;
        }
        case END:
          e.send(link, `NETINFO ${e.globalMax()} ${e.now()} ${PROTOCOL} ${e.opts.cloakKeyChecksum?.() ?? '*'} 0 0 0 :${e.opts.networkName ?? 'TestNet'}`);
          e.send(link, `:${e.me.sid} EOS`);
          this.phase = DONE;
          this.servers.length = 0;
          this.serverIndex.clear();
          this.sentChans.clear();
          this.sentTkls.clear();
          return false;
        default:
          return false;
      }
    }
    return true;
  }

  /** A channel's burst: SJOIN (with the members the peer knows), TOPIC, MD, MLOCK. */
  private sendChannel(key: string, ch: Channel): void {
    const e = this.e, link = this.link;
    for (const l of sjoinLines(e, ch, link, this.phase === USERS ? (u) => this.knowsUser(u) : undefined)) e.send(link, l);
    if (ch.topic) e.send(link, `TOPIC ${ch.name} ${ch.topic.setBy} ${ch.topic.ts} :${ch.topic.text}`);
    if (ch.md.size) for (const [k, v] of ch.md) e.send(link, `:${e.me.sid} MD channel ${ch.name} ${k} :${v}`);
    if (ch.mlock !== null && this.mlock) e.send(link, `:${e.me.sid} MLOCK ${ch.ts} ${ch.name} :${ch.mlock}`);
    if (this.tracking) this.sentChans.set(key, ch);
  }

  /** Send the next user still there; false when every server's users have been sent. */
  private nextUser(): boolean {
    for (;;) {
      if (this.users === null) {
        if (this.si >= this.servers.length) return false;
        const s = this.servers[this.si];
        if (this.e.net.serversBySid.get(s.sid) !== s) { this.si++; continue; } // split meanwhile
        this.users = Array.from(s.users);
        this.ui = 0;
      }
      if (this.ui >= this.users.length) {
        this.users = null;
        this.si++;
        this.sentUids.clear();
        this.lateUids.clear();
        continue;
      }
      const u = this.users[this.ui++];
      if (!u.server.users.has(u)) continue; // quit meanwhile
      if (this.earlyUids.size > 0 && this.earlyUids.has(u.uid)) continue; // sent already, out of order (ensure())
      sendUserTo(this.e, this.link, u, this.vhp, this.extSwhois);
      if (this.tracking) {
        this.sentUids.add(u.uid);
        if (this.early.size > 0) this.joinEarly(u);
      }
      return true;
    }
  }

  /** A user just sent: its memberships of channels bursted before it was (see `early`). */
  private joinEarly(u: User): void {
    for (const [ch, m] of u.channels) {
      if (!this.early.has(ch) || this.sentChans.get(casefold(ch.name)) !== ch) continue;
      this.e.send(this.link, `:${this.e.me.sid} SJOIN ${ch.ts} ${ch.name} :${m.modes === '' ? '' : memberPrefix(m.modes)}${u.uid}`);
    }
  }

  // ------------------------------------------------------------ the peer's lines

  /**
   * A line from the peer, before it is processed (Engine.receive()). When it speaks of a channel or
   * ban we hold and have not bursted yet, ours is bursted now (what the peer would have had from an
   * all-at-once burst before this line); one we do not hold is its own (see afterPeer()).
   */
  fromPeer(raw: string): void {
    // Most of what a peer sends names no channel or ban (its UID and MD client lines): the command
    // is looked at before the line is cut up.
    let at = 0;
    if (raw.charCodeAt(0) === 64 /* @ */) { at = raw.indexOf(' ') + 1; if (at === 0) return; }
    if (raw.charCodeAt(at) === 58 /* : */) { at = raw.indexOf(' ', at) + 1; if (at === 0) return; }
    const end = raw.indexOf(' ', at);
    const command = raw.slice(at, end < 0 ? raw.length : end).toUpperCase();
    if (command !== 'TKL' && (command !== 'MD' || raw.startsWith('client', end + 1)) && CHANNEL_PARAM[command] === undefined) return;
    const w = words(raw.slice(raw.charCodeAt(0) === 64 ? raw.indexOf(' ') + 1 : 0));
    if (w === null) return;
    const { cmd, params } = w;
    if (cmd === 'TKL') {
      if (this.phase > TKLS) return;
      const p = parseTkl(params);
      if (p.op !== '+') return;
      const key = tklKey(p.entry);
      if (this.sentTkls.has(key)) return;
      this.sentTkls.add(key);
      const ours = this.e.tkl.get(key);
      if (ours !== undefined && isLive(ours, this.e.now())) this.ownSend(`:${this.e.me.name} ${formatTkl('+', ours)}`);
      return;
    }
    if (this.phase > CHANNELS) return;
    let names: string | undefined;
    if (cmd === 'MD') {
      const type = params[0], target = params[1] ?? '';
      const c = target.indexOf(':');
      names = type === 'channel' ? target : type === 'member' ? target.slice(0, c) : type === 'membership' ? target.slice(c + 1) : undefined;
    } else {
      const ci = CHANNEL_PARAM[cmd];
      if (ci !== undefined) names = params[ci];
    }
    if (names === undefined) return;
    for (const name of names.split(',')) {
      const chan = channelOf(name);
      if (chan === null) continue;
      const key = casefold(chan);
      const ch = this.e.net.channels.get(key);
      if (ch === undefined) { this.peerNew.push(key); continue; }
      if (this.sentChans.get(key) === ch) continue;
      this.ownSend(null, () => this.sendChannel(key, ch));
      if (this.phase === USERS) this.early.add(ch);
    }
  }

  /** After the peer's line: a channel it made here is the peer's own, bursted as it stands. */
  afterPeer(): void {
    if (this.peerNew.length === 0) return;
    for (const key of this.peerNew) {
      const ch = this.e.net.channels.get(key);
      if (ch === undefined || this.sentChans.get(key) === ch) continue;
      this.sentChans.set(key, ch);
      if (this.phase === USERS) this.early.add(ch);
    }
    this.peerNew = [];
  }

  /** Lines of the burst itself written outside step() (counted as the burst's, not judged as live). */
  private ownSend(line: string | null, f?: () => void): void {
    this.e.burstLines(() => { if (line !== null) this.e.send(this.link, line); f?.(); });
  }

  // ------------------------------------------------------------ what the peer knows

  /** Does the peer know this user (from us, live or by the cursor, or as its own)? */
  knowsUser(u: User): boolean {
    if (this.phase > USERS || u.server.link === this.link.id) return true;
    const i = this.serverIndex.get(u.server);
    return i === undefined || this.knowsOn(i, u.uid);
  }

  /** knowsUser() for a user that may be gone already (a QUIT or KILL is relayed after the removal): by its UID alone. */
  knowsUid(uid: string): boolean {
    if (this.phase > USERS) return true;
    const u = this.e.net.usersByUid.get(uid);
    if (u !== undefined) return this.knowsUser(u);
    const s = this.e.net.serversBySid.get(uid.slice(0, 3));
    if (s === undefined || s.link === this.link.id) return true;
    const i = this.serverIndex.get(s);
    return i === undefined || this.knowsOn(i, uid);
  }

  private knowsOn(serverIndex: number, uid: string): boolean {
    if (this.earlyUids.size > 0 && this.earlyUids.has(uid)) return true;
    if (serverIndex !== this.si) return serverIndex < this.si;
    return this.users !== null && (this.sentUids.has(uid) || this.lateUids.has(uid));
  }

  /** A user was just introduced (its UID line is being relayed): does the line go to the peer now, or will the cursor send the user? */
  private introduced(u: User): boolean {
    if (this.phase > USERS) return true;
    const i = this.serverIndex.get(u.server);
    if (i === undefined || i < this.si) return true;
    if (i > this.si || this.users === null) return false; // its server's users are still ahead: the copy will hold it
    this.lateUids.add(u.uid);
    return true;
  }

  /** Does the peer know this channel (name as on the wire) from our burst, or as its own? */
  knowsChannel(name: string): boolean {
    if (this.phase > CHANNELS) return true;
    if (this.sentChans.size === 0) return false;
    const key = casefold(name);
    const ch = this.e.net.channels.get(key);
    return ch === undefined ? this.sentChans.has(key) : this.sentChans.get(key) === ch;
  }

  /**
   * A live line for the bursting link (Engine.send()): the line to send — `body` itself, or the
   * same line sent by our server instead of a source the peer does not know yet (a KILL or a KICK,
   * whose victim the peer knows and must lose now) — or null to drop it (the cursor will send what
   * it is about, in its state then).
   */
  admit(body: string): string | null {
    const w = words(body);
    if (w === null) return body;
    const { src, cmd, params } = w;
    switch (cmd) {
      case 'UID': {
        const u = params.length > 5 ? this.e.net.usersByUid.get(params[5]) : undefined;
        return u === undefined || this.introduced(u) ? body : null;
      }
      case 'TKL': {
        // A TKL line is a whole ban, about nothing else: it goes at once (the ban pass then skips
        // that ban). A removal too: the peer may hold the same ban itself (two networks merging),
        // and removing one it does not hold changes nothing.
        const p = parseTkl(params);
        if (p.op === '+' && this.phase <= TKLS) this.sentTkls.add(tklKey(p.entry));
        return body;
      }
      case 'MD': {
        const type = params[0], target = params[1] ?? '';
        if (type === 'client') return this.knowsSource(src) && (target.length !== 9 || this.knowsUid(target)) ? body : null;
        if (type === 'channel') return this.knowsChannel(target) ? body : null;
        if (type === 'member' || type === 'membership') {
          const c = target.indexOf(':');
          const chan = type === 'member' ? target.slice(0, c) : target.slice(c + 1);
          return c > 0 && this.knowsChannel(chan) ? body : null;
        }
        return body;
      }
      case 'SJOIN': {
        // The member list is the last param (usually the trailing one). A member the peer does not
        // know yet is left out: its UID comes with the cursor, and joinEarly() joins it then.
        if (params.length < 3 || !this.knowsChannel(params[1])) return null;
        if (this.phase > USERS) return body;
        const items = params[params.length - 1].split(' ');
        const kept = items.filter((it) => {
          if (it === '') return false;
          let i = 0;
          while (i < it.length && '*~@%+'.includes(it[i])) i++;
          const c = it.charCodeAt(i);
          if (c === 38 /* & */ || c === 34 /* " */ || c === 39 /* ' */ || c === 60 /* < */) return true; // a list entry
          return this.knowsUid(it.slice(i));
        });
        if (kept.length === items.filter((x) => x !== '').length) return body;
        if (kept.length === 0 && params.length === 3) return null; // nothing left to say
        const head = params.slice(0, params.length - 1).join(' ');
        return `${src === null ? '' : `:${src} `}SJOIN ${head} :${kept.join(' ')}`;
      }
      default:
    }
    const ci = CHANNEL_PARAM[cmd];
    if (ci !== undefined && ci < params.length) {
      for (const name of params[ci].split(',')) {
        const chan = channelOf(name);
        if (chan !== null && !this.knowsChannel(chan)) return null;
      }
    }
    // Users. A target the peer does not know yet (or one that is gone: a QUIT or KILL is relayed
    // after the removal) drops the line: what it changed is that user's own state, which the
    // cursor sends with it. Another user a param names (a MODE's +o) is sent now, out of the
    // cursor's order (ensure()), as is the unknown source of a line that changes more than itself.
    const ui = USER_PARAM[cmd];
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      if (i === ui && !(ci === i && channelOf(p) !== null)) {
        for (const t of p.split(',')) if (!this.knowsTarget(t)) return null;
      } else if (i < w.middle && validUid(p)) {
        const u = this.e.net.usersByUid.get(p);
        if (u !== undefined) this.ensure(u);
      }
    }
    if (this.knowsSource(src)) return body;
    // Sent by a user the peer does not know yet, about ones it knows: a KILL or KICK still has to
    // reach it (the victim is gone here either way), from our server.
    if ((cmd === 'KILL' || cmd === 'KICK') && src !== null) return `:${this.e.me.sid}${body.slice(src.length + 1)}`;
    // A channel's modes or topic (their setter is the source), a message: the source is sent first.
    // Anything else from an unknown user (NICK, AWAY, UMODE2, PART, ...) is its own state.
    if (SOURCE_MATTERS[cmd] === true && (cmd !== 'MODE' || channelOf(params[0] ?? '') !== null)) return this.needSource(src) ? body : null;
    return null;
  }

  /** The peer knows `u` from here on: it does already, or its burst lines (UID, MD, AWAY, SWHOIS, early channels) are sent now. */
  private ensure(u: User): void {
    if (this.knowsUser(u)) return;
    this.earlyUids.add(u.uid);
    this.ownSend(null, () => {
      sendUserTo(this.e, this.link, u, this.vhp, this.extSwhois);
      if (this.early.size > 0) this.joinEarly(u);
    });
  }

  /** A line's source is known to the peer, or made known now (ensure()); false when it is a user who is gone. */
  private needSource(src: string | null): boolean {
    if (this.knowsSource(src)) return true;
    const u = validUid(src!) ? this.e.net.usersByUid.get(src!) : this.e.net.usersByNick.get(src!);
    if (u === undefined) return false;
    this.ensure(u);
    return true;
  }

  /** A line's source: a server (known), a user by UID or nick; null (no source) is our server. */
  private knowsSource(src: string | null): boolean {
    if (src === null || this.phase > USERS) return true;
    if (validUid(src)) return this.knowsUid(src);
    if (src.includes('.') || (src.length === 3 && src.charCodeAt(0) >= 48 && src.charCodeAt(0) <= 57)) return true;
    const u = this.e.net.usersByNick.get(src);
    return u === undefined || this.knowsUser(u);
  }

  /** A target param: a UID (maybe of a user removed just before the line), a nick, nick@server, or anything else (known). */
  private knowsTarget(t: string): boolean {
    if (this.phase > USERS) return true;
    if (validUid(t)) return this.knowsUid(t);
    const at = t.indexOf('@');
    const u = this.e.net.usersByNick.get(at > 0 ? t.slice(0, at) : t);
    return u === undefined || this.knowsUser(u);
  }
}

/** Which param names a channel (or a comma list of them), by command, in the lines the engine relays. */
const CHANNEL_PARAM: Record<string, number | undefined> = Object.assign(Object.create(null) as Record<string, number | undefined>, {
  SJOIN: 1, MODE: 0, TOPIC: 0, PART: 0, KICK: 0, INVITE: 1, MLOCK: 1, JOIN: 0, PRIVMSG: 0, NOTICE: 0, TAGMSG: 0, SVSMODE: 0, SVS2MODE: 0,
});
/** Lines whose source must be known to the peer (it is sent first, see ensure()): they change more than the source's own state. */
const SOURCE_MATTERS: Record<string, true | undefined> = Object.assign(Object.create(null) as Record<string, true | undefined>, {
  MODE: true, TOPIC: true, INVITE: true, PRIVMSG: true, NOTICE: true, TAGMSG: true,
});
/** Which param names a user (UID or nick, or a comma list), by command. */
const USER_PARAM: Record<string, number | undefined> = Object.assign(Object.create(null) as Record<string, number | undefined>, {
  KILL: 0, SVSKILL: 0, SVSNICK: 0, SVSMODE: 0, SVS2MODE: 0, SVSLOGIN: 1, CHGHOST: 0, CHGIDENT: 0, CHGNAME: 0, SVSNAME: 0,
  SWHOIS: 0, INVITE: 0, KICK: 1, PRIVMSG: 0, NOTICE: 0, TAGMSG: 0, MODE: 0,
});

/** A channel name in a param ("#chan", or "@#chan" as a message target), or null. */
function channelOf(p: string): string | null {
  let i = 0;
  while (i < p.length && '~&@%+'.includes(p[i])) i++;
  return p.charCodeAt(i) === 35 /* # */ ? p.slice(i) : null;
}

/** A line body cut into its source, command and params (`middle`: how many params come before the trailing one). */
function words(body: string): { src: string | null; cmd: string; params: string[]; middle: number } | null {
  let i = 0;
  const n = body.length;
  let src: string | null = null;
  if (body.charCodeAt(0) === 58 /* : */) {
    const sp = body.indexOf(' ');
    if (sp < 0) return null;
    src = body.slice(1, sp);
    i = sp + 1;
  }
  while (i < n && body.charCodeAt(i) === 32) i++;
  let sp = body.indexOf(' ', i);
  if (sp < 0) sp = n;
  const cmd = body.slice(i, sp).toUpperCase();
  if (cmd === '') return null;
  i = sp;
  const params: string[] = [];
  let middle = -1;
  while (i < n) {
    while (i < n && body.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    if (body.charCodeAt(i) === 58 /* : */) { middle = params.length; params.push(body.slice(i + 1)); break; }
    let e = body.indexOf(' ', i);
    if (e < 0) e = n;
    params.push(body.slice(i, e));
    i = e;
  }
  return { src, cmd, params, middle: middle < 0 ? params.length : middle };
}
