import type { MapLike } from './smallMap.ts';
import type { LetterSet } from './letters.ts';
import type { MemberMap } from './members.ts';
import type { ServerUsers } from './serverUsers.ts';
import type { Ts } from './ts.ts';
// The network state: servers (a tree), users, channels, memberships. One place,
// O(1) lookups by SID, server name, UID, casemapped nick and casemapped channel name.
// All strings are byte strings (see wire/message.ts).

export type LinkId = string;

export interface Server {
  sid: string;
  name: string;
  info: string;
  hops: number;
  /** The server this one was introduced by; null for ourselves. */
  uplink: Server | null;
  /** The direct link this server is reached through; null for ourselves. */
  link: LinkId | null;
  ulined: boolean;
  synced: boolean;
  children: Set<Server>;
  users: ServerUsers;
  md: Map<string, string>;
  /** SINFO / PROTOCTL facts: boot time, protocol, umodes, chanmodes, nickchars, software. */
  sinfo?: { boot: string; protocol: string; umodes: string; chanmodes: string; nickchars: string; software: string };
}

export interface Swhois { tag: string; prio: number; text: string }

export interface User {
  uid: string;
  nick: string;
  /** nick TS (lastnick) */
  ts: Ts;
  ident: string;
  realHost: string;
  /** The virtual host when it is not the default (the cloak, else the real host); '' otherwise (see state/user.ts virtualHost()). */
  vhost: string;
  /** Cloaked host as the origin server computed it ('' when unknown). */
  cloak: string;
  /** Base64 of the raw address, '*' when unknown. */
  ip: string;
  /** Account name, '' when not logged in. */
  account: string;
  /** User modes as a set of letters. */
  umodes: LetterSet;
  realname: string;
  server: Server;
  away: string | null;
  /** The engine-wide number of the last SJOIN line that joined this user to a channel it created (see Network.joinUnlessMarked). */
  sjoinMark?: number;
  /** Its place in its server's user list, -1 when none (see serverUsers.ts). */
  serverSlot?: number;
  /** The user's UID as two small integers, set by the UID index that holds it (see uidIndex.ts). */
  uidKeyHi?: number;
  uidKeyLo?: number;
  swhois: Swhois[];
  md: MapLike<string, string>;
  channels: MapLike<Channel, Membership>;
}

export interface ListEntry { setBy: string; setAt: Ts }

export interface Channel {
  name: string;
  /** creation time (channel TS) */
  ts: Ts;
  /** Simple and parameter modes: letter → parameter ('' for none). */
  modes: MapLike<string, string>;
  lists: { b: MapLike<string, ListEntry>; e: MapLike<string, ListEntry>; I: MapLike<string, ListEntry> };
  topic: { text: string; setBy: string; ts: Ts } | null;
  members: MemberMap;
  md: MapLike<string, string>;
  mlock: string | null;
}

/** A plain record (see membership.ts for its operations and MD). */
export interface Membership {
  user: User;
  channel: Channel;
  /** Member modes held: distinct letters from "qaohv". */
  modes: string;
  /** The user's next (earlier) membership: the user's channel list (see user.ts). */
  uNext: Membership | null;
  /** Its place in the channel's member array (see members.ts). */
  slot: number;
}

export type ListMode = 'b' | 'e' | 'I';
export const LIST_MODES: readonly ListMode[] = ['b', 'e', 'I'];
export const MEMBER_MODES = 'qaohv';
