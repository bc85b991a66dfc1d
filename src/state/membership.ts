// Memberships are plain records (user, channel, mode letters, next of the user's list) made by
// newMembership(): an object literal with no prototype of its own is the cheapest thing V8 can
// allocate and keep (a network holds hundreds of thousands). The operations on member modes and
// on the seldom-used member/membership MD are functions here rather than methods.
import type { Channel, Membership, User } from './model.ts';

export function newMembership(user: User, channel: Channel, modes: string): Membership {
  return { user, channel, modes, uNext: null, slot: 0 };
}

/** Give `m` the member mode `l` (one of "qaohv"); false when it had it already. */
export function addMemberMode(m: Membership, l: string): boolean {
  if (l.length !== 1 || m.modes.includes(l)) return false;
  m.modes += l;
  return true;
}

/** Take the member mode `l` from `m`; false when it did not have it. */
export function delMemberMode(m: Membership, l: string): boolean {
  const i = m.modes.indexOf(l);
  if (i < 0 || l.length !== 1) return false;
  m.modes = m.modes.slice(0, i) + m.modes.slice(i + 1);
  return true;
}

/** MD on the "member" (#chan:uid) and "membership" (uid:#chan) objects, for the few memberships that have any. */
interface MemberMd { member: Map<string, string> | null; membership: Map<string, string> | null }
const MEMBER_MD = new WeakMap<Membership, MemberMd>();
const NO_ENTRIES: readonly [string, string][] = [];

export type MemberMdKind = 'member' | 'membership';

/** How many memberships were ever given an MD object (never decreases: a process-wide "maybe any"). */
let memberMdMade = 0;

/** Might any membership hold MD? False only when none ever did (the usual network): a pass over every membership for it can be skipped. */
export function anyMemberMd(): boolean { return memberMdMade > 0; }

/** The MD map of one of a membership's two MD objects, made on first use. */
export function memberMd(m: Membership, which: MemberMdKind): Map<string, string> {
  let x = MEMBER_MD.get(m);
  if (x === undefined) { x = { member: null, membership: null }; MEMBER_MD.set(m, x); memberMdMade++; }
  return which === 'member' ? (x.member ??= new Map()) : (x.membership ??= new Map());
}

/** Number of MD pairs on both of a membership's MD objects (allocates nothing). */
export function memberMdCount(m: Membership): number {
  const x = MEMBER_MD.get(m);
  return x === undefined ? 0 : (x.member?.size ?? 0) + (x.membership?.size ?? 0);
}

/** The MD pairs of one of a membership's MD objects (allocates nothing; empty when none). */
export function memberMdEntries(m: Membership, which: MemberMdKind): Iterable<[string, string]> {
  const x = MEMBER_MD.get(m);
  const map = x === undefined ? null : which === 'member' ? x.member : x.membership;
  return map ?? NO_ENTRIES;
}
