// MAP   (map.c dump_map()) -> the server tree as 006 lines, then 018 (totals) and 007. Each line:
// the tree prompt ("|-", "`-" under the last child), the name, dashes to a common column, and
// " | Users: <n> (<percent>%)" with the counts right-aligned to the widest; opers also see " [SID]".
import type { ClientCommandSpec } from '../commandTable.ts';
import type { ClientSession } from '../session.ts';
import type { Server } from '../../state/model.ts';
import { N } from '../numerics.ts';

/** Beyond this depth UnrealIRCd stops drawing (RPL_MAPMORE); tslink draws to 60 prompt characters too. */
const MAX_PROMPT = 60;

export function sendMap(s: ClientSession): void {
  const net = s.mgr.host.net;
  const me = s.mgr.host.me;
  const servers = [...net.serversBySid.values()].reverse(); // the most recently introduced first
  const clients = net.usersByUid.size;
  const pct = (srv: Server) => (clients ? (srv.users.size * 100) / clients : 0);
  let longest = me.name.length, lmax = 0, umax = 0;
  for (const srv of servers) {
    longest = Math.max(longest, srv.name.length + srv.hops * 2);
    lmax = Math.max(lmax, Math.floor(pct(srv)));
    umax = Math.max(umax, String(srv.users.size).length);
  }
  longest = Math.min(longest, 60) + 2;
  const pw = lmax < 10 ? 4 : lmax === 100 ? 6 : 5;
  const oper = s.user!.umodes.has('o');
  const prompt: string[] = [];

  const dump = (srv: Server, plen: number, length: number): void => {
    if (plen > MAX_PROMPT) return;
    const dashes = '-'.repeat(Math.max(0, Math.min(255, length - srv.name.length + 1)));
    s.numeric(N.RPL_MAP(prompt.slice(0, plen).join(''), srv.name, dashes, String(srv.users.size).padStart(umax), pct(srv).toFixed(2).padStart(pw), oper ? ` [${srv.sid}]` : ''));
    if (plen > 0) {
      prompt[plen - 1] = ' ';
      if (prompt[plen - 2] === '`') prompt[plen - 2] = ' ';
    }
    prompt[plen] = '|'; prompt[plen + 1] = '-';
    const kids = servers.filter((c) => c.uplink === srv);
    let left = kids.length;
    for (const c of kids) {
      if (--left === 0) prompt[plen] = '`';
      dump(c, plen + 2, length - 2);
    }
    if (plen > 0) prompt[plen - 1] = '-';
  };
  dump(me, 0, longest);
  const nServers = net.serversBySid.size;
  s.numeric(N.RPL_MAPUSERS(nServers, clients, (clients / nServers).toFixed(2)));
  s.numeric(N.RPL_MAPEND());
}

export const MAP: ClientCommandSpec = { minParams: 0, handler: (s) => sendMap(s) };
