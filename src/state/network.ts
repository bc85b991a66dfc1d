// The network model with its indexes and the primitive changes every handler uses.
import { casefold } from '../wire/casemap.ts';
import type { Channel, LinkId, Membership, Server, User } from './model.ts';
import type { Ts } from './ts.ts';
import { SmallMap } from './smallMap.ts';
import { appendChannel, removeChannel } from './user.ts';
import { newMembership } from './membership.ts';
import { UidIndex } from './uidIndex.ts';
import { NickIndex } from './nickIndex.ts';
import { ServerUsers } from './serverUsers.ts';
import { MemberMap } from './members.ts';

/** See Network.userListeners. `gone` is called before the user is removed, `renamed` after the change. */
export interface UserListener {
  gone(u: User): void;
  renamed(u: User, oldNick: string): void;
}

export class Network {
  readonly me: Server;
  readonly serversBySid = new Map<string, Server>();
  readonly serversByName = new Map<string, Server>();
  readonly usersByUid = new UidIndex();
  readonly usersByNick = new NickIndex();
  readonly channels = new Map<string, Channel>();
  /** Network-level MD (`MD globalvar <key> :<value>`): key -> value. */
  readonly globalMd = new Map<string, string>();
  /** Changes whenever a server is indexed or removed (for caches of serversBySid lookups). */
  serverEpoch = 0;
  /** The most users the network held at once since start (LUSERS 266's max). */
  peakUsers = 0;
  /**
   * Told of every user that leaves the network (quit, kill, split) and every nick change, wherever
   * the user is and whether anyone local is connected (WHOWAS history, src/client/clients.ts).
   */
  readonly userListeners: UserListener[] = [];

  constructor(me: { sid: string; name: string; info: string }) {
    this.me = newServer(me.sid, me.name, me.info, 0, null, null);
    this.me.synced = true;
    this.indexServer(this.me);
  }

  // ---- servers ----
  server(idOrName: string): Server | undefined {
    return this.serversBySid.get(idOrName) ?? this.serversByName.get(casefold(idOrName));
  }

  addServer(sid: string, name: string, info: string, hops: number, uplink: Server, link: LinkId | null): Server {
    const s = newServer(sid, name, info, hops, uplink, link);
    uplink.children.add(s);
    this.indexServer(s);
    return s;
  }

  private indexServer(s: Server): void {
    this.serverEpoch++;
    this.serversBySid.set(s.sid, s);
    this.serversByName.set(casefold(s.name), s);
  }

  /** Remove a server and everything behind it (NOQUIT semantics). Returns the removed servers and users. */
  removeServer(s: Server): { servers: Server[]; users: User[] } {
    const servers: Server[] = [];
    const users: User[] = [];
    // Iterative (a peer can build a chain of thousands of servers; recursion would overflow the
    // stack). Children are listed before their parent, as the recursive walk did.
    const stack: { x: Server; expanded: boolean }[] = [{ x: s, expanded: false }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (!top.expanded) {
        top.expanded = true;
        for (const c of top.x.children) stack.push({ x: c, expanded: false });
        continue;
      }
      stack.pop();
      for (const u of top.x.users) { users.push(u); this.removeUser(u); }
      servers.push(top.x);
    }
    this.serverEpoch++;
    for (const x of servers) {
      this.serversBySid.delete(x.sid);
      if (this.serversByName.get(casefold(x.name)) === x) this.serversByName.delete(casefold(x.name));
      x.uplink?.children.delete(x);
    }
    return { servers, users };
  }

  /** Is `s` equal to or behind `ancestor`? */
  isBehind(s: Server, ancestor: Server): boolean {
    for (let x: Server | null = s; x; x = x.uplink) if (x === ancestor) return true;
    return false;
  }

  // ---- users ----
  user(uidOrNick: string): User | undefined {
    return this.usersByUid.get(uidOrNick) ?? this.usersByNick.get(uidOrNick);
  }

  userByNick(nick: string): User | undefined {
    return this.usersByNick.get(nick);
  }

  addUser(u: User): void {
    this.usersByUid.set(u.uid, u);
    this.usersByNick.add(u);
    u.server.users.add(u);
    if (this.usersByUid.size > this.peakUsers) this.peakUsers = this.usersByUid.size;
  }

  renameUser(u: User, nick: string, ts: Ts): void {
    const old = u.nick;
    this.usersByNick.delete(u.nick, u);
    u.nick = nick;
    u.ts = ts;
    this.usersByNick.add(u);
    for (const l of this.userListeners) l.renamed(u, old);
  }

  /** Remove a user from every index and every channel (channels left empty are destroyed unless +P). */
  removeUser(u: User): void {
    if (this.userListeners.length && this.usersByUid.get(u.uid) === u) for (const l of this.userListeners) l.gone(u);
    for (const ch of [...u.channels.keys()]) this.part(u, ch);
    this.usersByUid.delete(u.uid);
    this.usersByNick.delete(u.nick, u);
    u.server.users.delete(u);
  }

  // ---- channels ----
  channel(name: string): Channel | undefined {
    return this.channels.get(casefold(name));
  }

  createChannel(name: string, ts: Ts): Channel {
    const ch: Channel = {
      name, ts, modes: new SmallMap(),
      lists: { b: new SmallMap(), e: new SmallMap(), I: new SmallMap() },
      topic: null, members: new MemberMap(), md: new SmallMap(), mlock: null,
    };
    this.channels.set(casefold(name), ch);
    return ch;
  }

  join(u: User, ch: Channel): Membership {
    const m = ch.members.get(u);
    return m ?? this.joinNew(u, ch, '');
  }

  /**
   * Join a user known not to be a member (ch.members.get(u) was just undefined), holding the
   * member modes `letters` (distinct letters from "qaohv"): no second lookup.
   */
  joinNew(u: User, ch: Channel, letters: string): Membership {
    const m = newMembership(u, ch, letters);
    ch.members.add(m);
    appendChannel(u, ch, m); // not there yet: ch.members and u.channels mirror each other
    return m;
  }

  /**
   * For a channel that the SJOIN line numbered `line` (engine-wide, increasing) created: join `u`
   * with `letters` unless this line joined it already, without searching the channel. Returns the
   * membership that line gave it earlier, or null when it joined now.
   */
  joinUnlessMarked(u: User, ch: Channel, letters: string, line: number): Membership | null {
    if (u.sjoinMark === line) { const m = ch.members.get(u); if (m !== undefined) return m; }
    u.sjoinMark = line;
    this.joinNew(u, ch, letters);
    return null;
  }

  /** Remove a membership; destroys the channel if it is left empty and not +P. Returns true if destroyed. */
  part(u: User, ch: Channel): boolean {
    const m = ch.members.get(u);
    if (m !== undefined) ch.members.remove(m); // one lookup, not a second one in delete()
    removeChannel(u, ch, m);
    return this.destroyIfEmpty(ch);
  }

  destroyIfEmpty(ch: Channel): boolean {
    if (ch.members.size === 0 && !ch.modes.has('P')) {
      this.channels.delete(casefold(ch.name));
      return true;
    }
    return false;
  }

  // ---- counts ----
  memberships(): number {
    let n = 0;
    for (const ch of this.channels.values()) n += ch.members.size;
    return n;
  }
}

function newServer(sid: string, name: string, info: string, hops: number, uplink: Server | null, link: LinkId | null): Server {
  return { sid, name, info, hops, uplink, link, ulined: false, synced: false, children: new Set(), users: new ServerUsers(), md: new Map() };
}
