// :<src> MD client <uid|sid|name> <key> [:<value>]
// :<src> MD channel <#chan> <key> [:<value>]
// :<src> MD member <#chan>:<uid> <key> [:<value>]
// :<src> MD membership <uid>:<#chan> <key> [:<value>]
// :<src> MD globalvar <key> [:<value>]   (the form broadcast_md_globalvar_cmd() sends: no object;
//        UnrealIRCd's own cmd_md() reads it one field off and so drops it; tslink keeps it as
//        network-level MD, relays it in that form and keeps it in its store)
// No value = unset. Last write wins (conflicts.md §7). Unknown objects: ignored, not relayed.
import { own, plainParams } from '../../wire/message.ts';
import { intern, type MapLike } from '../../state/smallMap.ts';
import type { CommandSpec } from '../commandTable.ts';
import type { Ctx, Engine } from '../engine.ts';
import { sourceId } from '../engine.ts';
import { memberMd } from '../../state/membership.ts';
import { setUserMd, userMdHolds } from '../../state/user.ts';
import type { Channel } from '../../state/model.ts';

/** Hard cap on keys per object so no peer can grow an object without bound. */
export const MAX_MD_KEYS = 64;
/** Hard cap on network-level MD keys (globalvar). */
export const MAX_GLOBAL_MD_KEYS = 256;
/** Longest globalvar key kept (the store keys it; keys are short names). */
const MAX_GLOBAL_MD_KEY_LEN = 100;

/** MD globalvar <key> [:<value>]: set or unset, relayed in the same form, the store told. */
function globalvar(e: Engine, ctx: Ctx, key: string, value: string | undefined): void {
  if (key === '' || key.length > MAX_GLOBAL_MD_KEY_LEN || key.startsWith(':')) return;
  const g = e.net.globalMd;
  if (value === undefined) {
    if (!g.delete(key)) return;
    e.emit({ kind: 'globalvar', key, value: null });
    if (e.hasOtherLinks(ctx.link)) e.relay(ctx, `:${sourceId(ctx.src)} MD globalvar ${key}`);
    return;
  }
  if (g.get(key) === value) return; // nothing changed: not relayed again (a burst of a network that has it)
  if (!g.has(key) && g.size >= MAX_GLOBAL_MD_KEYS) { e.log('warn', 'MD_LIMIT', `MD globalvar: key limit reached, ${key} dropped`, ctx.link); return; }
  const v = own(value);
  g.set(intern(key), v);
  e.emit({ kind: 'globalvar', key, value: v });
  if (e.hasOtherLinks(ctx.link)) e.relay(ctx, `:${sourceId(ctx.src)} MD globalvar ${key} :${value}`);
}

function target(e: Engine, type: string, obj: string): { map: MapLike<string, string>; id: string; channel?: Channel } | null {
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
      return ch ? { map: ch.md, id: ch.name, channel: ch } : null;
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
  onMissingParams(e, ctx) {
    const p = ctx.msg.params;
    if (p.length === 2 && p[0] === 'globalvar') { globalvar(e, ctx, p[1], undefined); return; }
    e.needMoreParams(ctx.link, ctx.src, 'MD');
  },
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
    if (type === 'globalvar') { globalvar(e, ctx, obj, key); return; }
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
      if (t.channel) e.channelChanged(t.channel);
      if (e.hasOtherLinks(ctx.link)) e.relay(ctx, `:${sourceId(ctx.src)} MD ${type} ${t.id} ${key}`);
      return;
    }
    if (!t.map.has(key) && t.map.size >= MAX_MD_KEYS) { e.log('warn', 'MD_LIMIT', `MD ${type} ${obj}: key limit reached, ${key} dropped`, ctx.link); return; }
    t.map.set(intern(key), own(value));
    if (t.channel) e.channelChanged(t.channel);
    if (e.hasOtherLinks(ctx.link)) e.relay(ctx, `:${sourceId(ctx.src)} MD ${type} ${t.id} ${key} :${value}`);
  },
};
