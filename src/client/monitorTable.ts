// MONITOR lists (UnrealIRCd monitor.c over watch-backend.c): which local users watch which nicks,
// and the 730/731 notifications when a watched nick comes online or goes offline anywhere on the
// network. Each user's list is bounded by the class limit (MAXWATCH, 128: MONITOR= in 005).
import type { User } from '../state/model.ts';
import { displayedHost } from '../state/user.ts';
import { casefold } from '../wire/casemap.ts';
import { N } from './numerics.ts';
import type { ClientSession } from './session.ts';

export class MonitorTable {
  /** Casefolded nick -> the sessions watching it. */
  private watchers = new Map<string, Set<ClientSession>>();
  /** Session -> its list: casefolded nick -> the nick as it was added, in the order added. */
  private lists = new Map<ClientSession, Map<string, string>>();

  list(s: ClientSession): string[] { return [...(this.lists.get(s)?.values() ?? [])]; }
  size(s: ClientSession): number { return this.lists.get(s)?.size ?? 0; }

  add(s: ClientSession, nick: string): void {
    const k = casefold(nick);
    let l = this.lists.get(s);
    if (!l) this.lists.set(s, (l = new Map()));
    if (l.has(k)) return;
    l.set(k, nick);
    const w = this.watchers.get(k);
    if (w) w.add(s); else this.watchers.set(k, new Set([s]));
  }

  remove(s: ClientSession, nick: string): void {
    const k = casefold(nick);
    const l = this.lists.get(s);
    if (!l || !l.delete(k)) return;
    if (!l.size) this.lists.delete(s);
    const w = this.watchers.get(k);
    if (w) { w.delete(s); if (!w.size) this.watchers.delete(k); }
  }

  /** MONITOR C, and a session that is gone. */
  clear(s: ClientSession): void {
    for (const nick of this.list(s)) this.remove(s, nick);
  }

  /** `u` is on the network under its nick (a new user, or a nick change): 730 to its watchers. */
  online(u: User): void {
    const w = this.watchers.get(casefold(u.nick));
    if (!w) return;
    const mask = `${u.nick}!${u.ident}@${displayedHost(u)}`;
    for (const s of w) if (!s.closed) s.numeric(N.RPL_MONONLINE(mask));
  }

  /** `nick` is no longer on the network (quit, kill, netsplit, nick change): 731 to its watchers. */
  offline(nick: string): void {
    const w = this.watchers.get(casefold(nick));
    if (!w) return;
    for (const s of w) if (!s.closed) s.numeric(N.RPL_MONOFFLINE(nick));
  }
}
