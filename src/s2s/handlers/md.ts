// :<src> MD client <uid|sid|name> <key> [:<value>]
// :<src> MD channel <#chan> <key> [:<value>]
// :<src> MD member <#chan>:<uid> <key> [:<value>]
// :<src> MD membership <uid>:<#chan> <key> [:<value>]
// No value = unset. Last write wins (conflicts.md §7). Unknown objects: ignored, not relayed.
import { own, plainParams } from '../../wire/message.ts';
import { intern, type MapLike } from '../../state/smallMap.ts';
import type { CommandSpec } from '../commandTable.ts';
import type { Engine } from '../engine.ts';
import { sourceId } from '../engine.ts';
import { memberMd } from '../../state/membership.ts';
import { setUserMd, userMdHolds } from '../../state/user.ts';

/** Hard cap on keys per object so no peer can grow an object without bound. */
export const MAX_MD_KEYS = 64;

function target(e: Engine, type: string, obj: string): { map: MapLike<string, string>; id: string } | null {
  switch (type) {
    case 'client': {
      // Most MD is for UIDs: try that index first (no casefolding on the hot path).
      const byUid = e.net.usersByUid.get(obj);
      if (byUid) return { map: byUid.md, id: byUid.uid };
      const s = e.net.server(obj);
      if (s) return { map: s.md, id: s.sid };
      const u = e.net.user(obj);
      return u ? { map: u.md, id: u.uid } : null;
    }
    case 'channel': {
      const ch = e.net.channel(obj);
      return ch ? { map: ch.md, id: ch.name } : null;
    }
    case 'member': {
      const c = obj.lastIndexOf(':');
      const ch = e.net.channel(obj.slice(0, c)), u = e.net.user(obj.slice(c + 1));
      const m = ch && u ? ch.members.get(u) : undefined;
      return m ? { map: memberMd(m, 'member'), id: `${ch!.name}:${u!.uid}` } : null;
    }
    case 'membership': {
      const c = obj.indexOf(':');
      const u = e.net.user(obj.slice(0, c)), ch = e.net.channel(obj.slice(c + 1));
      const m = ch && u ? ch.members.get(u) : undefined;
      return m ? { map: memberMd(m, 'membership'), id: `${u!.uid}:${ch!.name}` } : null;
    }
    default:
      return null;
  }
}

/** Where the fast path found an MD line's params (see plainParams()): type, object, key, the value. */
const BOUNDS = new Int32Array(8);

export const MD: CommandSpec = {
  minParams: 3, from: 'server',
  /**
   * "MD client <uid> <key> :<value>" that changes nothing and goes to no other link: done without
   * parsing. A burst sends each user's creationtime (and whatever else it tagged the UID line
   * with) again in an MD line; that is most MD lines of a burst.
   */
  fast(e, link, _server, line, at) {
    const b = BOUNDS;
    if (plainParams(line, at, b) !== 3 || b[1] - b[0] !== 6 || !line.startsWith('client', at) || e.hasOtherLinks(link)) return false;
    const u = e.net.usersByUid.getRange(line, b[2], b[3]);
    return u !== undefined && userMdHolds(u, line, b[4], b[5], b[6] + 1, line.length);
  },
  handler(e, ctx) {
    const [type, obj, key, value] = ctx.msg.params;
    if (type === 'client' && value !== undefined) {
      // Most MD is a UID's (a burst has a line per user): set straight into the user's MD.
      const u = e.net.usersByUid.get(obj);
      if (u !== undefined) {
        if (!setUserMd(u, key, value, MAX_MD_KEYS, intern)) { e.log('warn', 'MD_LIMIT', `MD ${type} ${obj}: key limit reached, ${key} dropped`, ctx.link); return; }
        if (e.hasOtherLinks(ctx.link)) e.relay(ctx, `:${sourceId(ctx.src)} MD ${type} ${u.uid} ${key} :${value}`);
        return;
      }
    }
    const t = target(e, type, obj);
    if (!t) return;
    if (value === undefined) {
      if (!t.map.delete(key)) return;
      if (e.hasOtherLinks(ctx.link)) e.relay(ctx, `:${sourceId(ctx.src)} MD ${type} ${t.id} ${key}`);
      return;
    }
    if (!t.map.has(key) && t.map.size >= MAX_MD_KEYS) { e.log('warn', 'MD_LIMIT', `MD ${type} ${obj}: key limit reached, ${key} dropped`, ctx.link); return; }
    t.map.set(intern(key), own(value));
    if (e.hasOtherLinks(ctx.link)) e.relay(ctx, `:${sourceId(ctx.src)} MD ${type} ${t.id} ${key} :${value}`);
  },
};
