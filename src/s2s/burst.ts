// Our burst toward a newly linked server, in UnrealIRCd's order (handshake.md §6):
// server MD, servers (parents first) with EOS/SINFO/MD, users (UID, MD, AWAY, SWHOIS),
// channels (SJOIN, TOPIC, MD), member MD, TKLs, NETINFO, EOS.
import type { Server } from '../state/model.ts';
import type { Engine } from './engine.ts';
import type { Link } from './link.ts';
import { sendUser } from './userWire.ts';
import { sjoinLines } from './channelWire.ts';
import { formatTkl } from '../tkl/tklWire.ts';
import { isLive } from '../tkl/types.ts';
import { PROTOCOL } from './engine.ts';
import { memberMdCount, memberMdEntries } from '../state/membership.ts';

export function sendBurst(e: Engine, link: Link): void {
  const me = e.me;
  for (const [k, v] of me.md) e.send(link, `:${me.sid} MD client ${me.sid} ${k} :${v}`);
  const behind = (s: Server) => s.link === link.id;
  // Parents before children, depth first; iterative so that a very deep server chain cannot
  // overflow the stack.
  const stack: Server[] = [...me.children].reverse();
  while (stack.length) {
    const c = stack.pop()!;
    if (behind(c)) continue;
    const s = c.uplink!;
    e.send(link, `:${s.sid} SID ${c.name} ${c.hops + 1} ${c.sid} :${c.info}`);
    if (c.synced) e.send(link, `:${c.sid} EOS`);
    if (c.sinfo) {
      const i = c.sinfo;
      e.send(link, `:${c.sid} SINFO ${i.boot} ${i.protocol} ${i.umodes} ${i.chanmodes} ${i.nickchars} :${i.software}`);
    }
    for (const [k, v] of c.md) e.send(link, `:${c.sid} MD client ${c.sid} ${k} :${v}`);
    for (const x of [...c.children].reverse()) stack.push(x);
  }
  // Users server by server, each in the order of its user list (the UID index's order is its hash's).
  for (const s of e.net.serversBySid.values()) if (!behind(s)) for (const u of s.users) sendUser(e, link, u);
  for (const ch of e.net.channels.values()) {
    for (const l of sjoinLines(e, ch, link)) e.send(link, l);
    if (ch.topic) e.send(link, `TOPIC ${ch.name} ${ch.topic.setBy} ${ch.topic.ts} :${ch.topic.text}`);
    for (const [k, v] of ch.md) e.send(link, `:${me.sid} MD channel ${ch.name} ${k} :${v}`);
    if (ch.mlock !== null && link.has('MLOCK')) e.send(link, `:${me.sid} MLOCK ${ch.ts} ${ch.name} :${ch.mlock}`);
  }
  for (const ch of e.net.channels.values()) {
    for (const m of ch.members.values()) {
      if (!memberMdCount(m)) continue;
      for (const [k, v] of memberMdEntries(m, 'member')) e.send(link, `:${me.sid} MD member ${ch.name}:${m.user.uid} ${k} :${v}`);
      for (const [k, v] of memberMdEntries(m, 'membership')) e.send(link, `:${me.sid} MD membership ${m.user.uid}:${ch.name} ${k} :${v}`);
    }
  }
  const now = e.now();
  for (const t of e.tkl.values()) if (isLive(t, now)) e.send(link, `:${me.name} ${formatTkl('+', t)}`);
  e.send(link, `NETINFO ${Math.max(e.maxGlobal, e.net.usersByUid.size)} ${now} ${PROTOCOL} * 0 0 0 :${e.opts.networkName ?? 'TestNet'}`);
  e.send(link, `:${me.sid} EOS`);
}
