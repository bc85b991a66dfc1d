// :<uplink SID> SID <name> <hopcount> <sid> :<description>   (commands.md SID)
import type { CommandSpec } from '../commandTable.ts';
import { validServerName, validSid } from '../validate.ts';
import { casefold } from '../../wire/casemap.ts';
import { matchMask } from '../mask.ts';
import { REALLEN } from '../../wire/limits.ts';

export const SID: CommandSpec = {
  minParams: 4, from: 'server',
  handler(e, ctx) {
    const { link, msg } = ctx;
    const uplink = ctx.src.kind === 'server' ? ctx.src.server : null;
    if (!uplink) return;
    const [name, hopStr, sid] = msg.params;
    // server.c cmd_sid(): the description is the last param, as it is (no VL parsing: SID lines
    // carry the description alone), kept in REALLEN bytes.
    const info = msg.params[msg.params.length - 1].slice(0, REALLEN);
    if (!validSid(sid)) {
      if (link) e.exitLink(link, 'Trying to introduce a server with an invalid SID');
      return;
    }
    const existing = e.net.serversByName.get(casefold(name));
    if (existing) {
      if (existing === e.me) {
        if (link) { e.send(link, `ERROR :Server ${e.me.name} exists (it's me!)`); e.exitLink(link, 'Server Exists'); }
      } else if (link) {
        // A second path to a known server: the network is a tree. Refuse the new path.
        e.exitLink(link, 'Server Exists');
      }
      return;
    }
    const holder = e.net.serversBySid.get(sid);
    if (holder) {
      if (link) e.send(link, `SQUIT ${sid} :Server with this SID (${sid}) already exists (${holder.name})`);
      return;
    }
    if (!validServerName(name)) { if (link) e.send(link, `SQUIT ${sid} :Invalid servername`); return; }
    const hop = Number(hopStr);
    if (!Number.isInteger(hop) || hop < 2) { if (link) e.send(link, `SQUIT ${sid} :Invalid hop count (${hopStr})`); return; }
    if (link) {
      const p = link.policy;
      if (!p.hub) { e.send(link, `SQUIT ${sid} :Server is not permitted to be a hub: ${link.name}`); return; }
      if (!matchMask(p.hub, name)) { e.send(link, `SQUIT ${sid} :Server is not permitted to be a hub: ${link.name}`); return; }
      if (p.leaf && matchMask(p.leaf, name)) { e.send(link, `SQUIT ${sid} :Server is not permitted to be a hub: ${link.name}`); return; }
      if (p.leafDepth && hop > p.leafDepth + 1) { e.send(link, `SQUIT ${sid} :Leaf depth exceeded: ${link.name}`); return; }
    }
    const s = e.net.addServer(sid, name, info, hop, uplink, link ? link.id : null);
    s.ulined = uplink.ulined || e.isUlined(s);
    e.broadcast(link, `:${uplink.sid} SID ${name} ${hop + 1} ${sid} :${info}`, ctx.rawTags);
  },
};
