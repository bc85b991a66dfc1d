// Channel mode +D (delayed join) and the +d the server sets after it, for local users, as
// UnrealIRCd's chanmodes/delayjoin.c and the visibility helpers of channel.c
// (user_can_see_member_fast(), invisible_user_in_channel()) apply them. Written from what those do,
// not from their code:
//
//  - A user added to a channel while it is +D is marked "invisible" there (moded_join on
//    HOOKTYPE_JOIN_DATA: every join, local or remote, SJOIN included). The mark is this server's
//    own (member moddata that is never synced): the network carries every join, the hiding is how
//    we present channels to our own clients.
//  - While the channel is +D or +d, a marked member is hidden from a viewer unless the viewer is
//    the member itself, the member holds a status (v, h, o, a, q) or the viewer is halfop or more
//    (h, o, a, q). Hidden means: no JOIN, not in NAMES or WHO, and its PART, KICK, QUIT, NICK,
//    AWAY and host changes go only to those who see it.
//  - The mark goes when the member speaks in the channel (PRIVMSG/NOTICE/TAGMSG: moded_prechanmsg)
//    or a status of it is given or taken (moded_chanmode); those who did not see it get its JOIN.
//  - -D while marked members remain: the server sets +d ("has hidden members"; a local mode, never
//    sent to other servers, nobody can set it: delayjoin_is_ok() denies it), shown as
//    ":<server> MODE <chan> +d". The marked stay hidden. +d goes (":<server> MODE <chan> -d") when
//    the last of them is revealed or leaves, or when +D is set again.
//
// Two places where tslink does what UnrealIRCd's code means rather than what it ends up doing:
//  - QUIT: quit.c runs the quit hooks (moded_quit() drops the mark) before exit_one_client()
//    sends the QUIT, so UnrealIRCd shows a hidden member's QUIT to everyone, although
//    quit_sendto_local_common_channels() is written to skip those who do not see the member.
//    tslink sends it only to those who see it, as PART and KICK.
//  - NICK: sendto_local_common_channels() skips, for a hidden member, exactly the recipients who
//    DO see it (its test is the wrong way round); tslink sends the NICK to those who see it.
//
// The router (router.ts) and the NAMES/WHO replies ask canSee() for every member they show; the
// router tells this table of joins, reveals and leaves. The table is kept while some local user
// is on (the router sleeps otherwise): members that joined while this node had no user at all
// are not marked.
import type { Channel, Membership, User } from '../state/model.ts';
import { channelModeString } from '../s2s/channelWire.ts';
import { modeSort } from '../s2s/userWire.ts';

/** Any of the letters of `set` in `modes`? */
function hasAny(modes: string, set: string): boolean {
  for (let i = 0; i < modes.length; i++) if (set.includes(modes[i])) return true;
  return false;
}

/** The member statuses that make a marked member visible to all (check_channel_access_member(..., "vhoaq")). */
const SEEN_STATUS = 'vhoaq';
/** The viewer statuses that see marked members (check_channel_access_string(..., "hoaq")). */
const SEER_STATUS = 'hoaq';

/**
 * user_can_see_member_fast() as a pure rule: can a viewer holding `viewerModes` (undefined: not a
 * member) see a member holding `targetModes` that is `hidden` (marked, in a +D or +d channel)?
 */
export function seesMember(hidden: boolean, targetModes: string, viewerModes: string | undefined): boolean {
  return !hidden || hasAny(targetModes, SEEN_STATUS) || (viewerModes !== undefined && hasAny(viewerModes, SEER_STATUS));
}

export class DelayedJoins {
  /** Per channel, the memberships marked invisible (joined while +D, not revealed since). */
  private marked = new WeakMap<Channel, Set<Membership>>();
  /** Channels in +d: few, so a set that can tell whether there are any. */
  private post = new Set<Channel>();

  /** Is the channel +D or +d (does a mark hide)? */
  hides(ch: Channel): boolean { return ch.modes.has('D') || this.post.has(ch); }
  /** Is the channel +d (set by this server)? */
  isPost(ch: Channel): boolean { return this.post.has(ch); }
  /** Is any channel +d? */
  anyPost(): boolean { return this.post.size > 0; }

  /** Is this (current) membership marked? */
  marks(ch: Channel, m: Membership | undefined): boolean {
    if (m === undefined) return false;
    const set = this.marked.get(ch);
    return set !== undefined && set.has(m) && ch.members.get(m.user) === m;
  }

  /** visible_in_channel(): marked, and the channel hides. */
  invisible(ch: Channel, m: Membership | undefined): boolean { return this.hides(ch) && this.marks(ch, m); }

  /** user_can_see_member(): may `viewer` (null: no user) see member `target` of `ch`? */
  canSee(viewer: User | null, ch: Channel, target: Membership): boolean {
    if (viewer === target.user) return true;
    if (!this.invisible(ch, target)) return true;
    return seesMember(true, target.modes, viewer ? ch.members.get(viewer)?.modes : undefined);
  }

  /** invisible_user_in_channel(): is `m` hidden from the channel's plain members? */
  hiddenFromMembers(ch: Channel, m: Membership): boolean {
    return this.invisible(ch, m) && !hasAny(m.modes, SEEN_STATUS);
  }

  /** moded_join(): a member joined while the channel was +D. */
  mark(ch: Channel, m: Membership): void {
    let set = this.marked.get(ch);
    if (set === undefined) this.marked.set(ch, (set = new Set()));
    set.add(m);
  }

  /** The mark of `m` is gone (it spoke, got or lost a status); true when it had one. */
  unmark(ch: Channel, m: Membership): boolean {
    const set = this.marked.get(ch);
    return set !== undefined && set.delete(m);
  }

  /** channel_has_invisible_users(): marked members still in the channel (the departed are forgotten). */
  hasMarked(ch: Channel): boolean {
    const set = this.marked.get(ch);
    if (set === undefined) return false;
    for (const m of set) {
      if (ch.members.get(m.user) === m) return true;
      set.delete(m);
    }
    return false;
  }

  /** The marked members still in the channel. */
  markedMembers(ch: Channel): Membership[] {
    const set = this.marked.get(ch);
    if (set === undefined) return [];
    const out: Membership[] = [];
    for (const m of set) { if (ch.members.get(m.user) === m) out.push(m); else set.delete(m); }
    return out;
  }

  /** The channel's modes as our users are shown them (324, LIST): the network's, and +d when we set it (channel_modes() shows local modes). */
  modeString(ch: Channel): string {
    const str = channelModeString(ch);
    if (!this.post.has(ch)) return str;
    const end = str.indexOf(' ');
    const letters = end < 0 ? str.slice(1) : str.slice(1, end);
    return '+' + [...letters, 'd'].sort(modeSort).join('') + (end < 0 ? '' : str.slice(end));
  }

  setPost(ch: Channel): void { this.post.add(ch); }
  clearPost(ch: Channel): void { this.post.delete(ch); }
}
