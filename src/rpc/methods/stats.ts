// stats.get (UnrealIRCd's rpc/stats): counts of servers, users, channels and network bans.
import { isLive } from '../../tkl/types.ts';
import { optInteger } from '../params.ts';
import type { MethodSpec } from './types.ts';
import { VERSION } from './version.ts';

export const statsMethods: MethodSpec[] = [
  {
    name: 'stats.get', module: 'rpc/stats', version: VERSION,
    call(ctx, p) {
      const detail = optInteger(p, 'object_detail_level', 1);
      const e = ctx.node.engine;
      let servers = 0, ulinedServers = 0;
      for (const s of e.net.serversBySid.values()) { servers++; if (s !== e.net.me && e.isUlined(s)) ulinedServers++; }
      let users = 0, ulinedUsers = 0, opers = 0;
      for (const u of e.net.usersByUid.values()) {
        users++;
        if (e.isUlined(u.server)) ulinedUsers++;
        else if (u.umodes.has('o')) opers++;
      }
      const now = e.now();
      let total = 0, serverBan = 0, exceptions = 0, spamfilter = 0, nameBan = 0;
      for (const t of e.tkl.values()) {
        if (!isLive(t, now)) continue;
        total++;
        if (t.type === 'E') exceptions++;
        else if (t.type === 'F') spamfilter++;
        else if (t.type === 'Q') nameBan++;
        else serverBan++;
      }
      const user: Record<string, number | never[]> = { total: users, ulined: ulinedUsers, oper: opers, record: Math.max(e.globalMax(), users) };
      // Countries come from GeoIP, which tslink does not have: an empty list.
      if (detail >= 1) user.countries = [];
      return {
        server: { total: servers, ulined: ulinedServers },
        user,
        channel: { total: e.net.channels.size },
        server_ban: { total, server_ban: serverBan, spamfilter, name_ban: nameBan, server_ban_exception: exceptions },
      };
    },
  },
];
