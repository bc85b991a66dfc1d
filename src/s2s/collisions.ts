// Nick collisions (conflicts.md §1 and §2; UnrealIRCd nick.c nick_collision()).
import type { Server, User } from '../state/model.ts';
import type { Engine } from './engine.ts';
import type { Link } from './link.ts';
import { casefold } from '../wire/casemap.ts';
import type { Ts } from '../state/ts.ts';

export type CollisionOutcome = 'new-won' | 'existing-won' | 'both';

/** differ = other user@realhost (case-insensitive). */
export function differ(a: { ident: string; realHost: string }, b: { ident: string; realHost: string }): boolean {
  return casefold(a.ident) !== casefold(b.ident) || casefold(a.realHost) !== casefold(b.realHost);
}

/**
 * Decide a collision between existing `existing` and a newcomer with `ts` and `who` (ident/host)
 * arriving from `from` (null = local origin).
 * conflicts.md §1 rules 3-5: equal TS → both; different user@host → older TS keeps the nick;
 * same user@host → newer TS keeps it; an existing user behind the same link loses (missed QUIT).
 */
export function decideCollision(existing: User, ts: Ts, who: { ident: string; realHost: string }, from: Link | null, isUidIntro: boolean): CollisionOutcome {
  // nick.c cmd_uid() tests "lastnick equal" first: an equal TS kills both even when the
  // existing user came from the same link.
  if (existing.ts === ts) return 'both';
  const d = differ(existing, who);
  if ((d && existing.ts > ts) || (!d && existing.ts < ts)) return 'new-won';
  if (isUidIntro && from !== null && existing.server.link === from.id) return 'new-won'; // missed QUIT
  return 'existing-won';
}

/** "existing side" = our name for a local user, else the name of the link it is behind. */
export function sideName(e: Engine, u: User): string {
  if (!u.server.link) return e.me.name;
  return e.links.get(u.server.link)?.name ?? u.server.name;
}

/** "new side" for a UID = the name of the server in the UID's source prefix (nick.c: cptr->name,
 *  the introducing server itself, not the link it is behind). */
export function fromSideName(source: Server): string {
  return source.name;
}
