// The burst as tslink wrote it before it was streamed (src/s2s/burst.ts sendBurst(), userWire.ts
// and channelWire.ts at f423e36), kept verbatim as the reference the streamed burst must equal
// line for line on a quiet network (test/s2s/burstStream.test.ts). Not a test file itself.
import type { Channel, Server, User } from '../../src/state/model.ts';
import type { Engine } from '../../src/s2s/engine.ts';
import type { Link } from '../../src/s2s/link.ts';
import { formatTkl } from '../../src/tkl/tklWire.ts';
import { isLive } from '../../src/tkl/types.ts';
import { PROTOCOL } from '../../src/s2s/engine.ts';
import { memberMdCount, memberMdEntries } from '../../src/state/membership.ts';
import { escapeTagValue } from '../../src/wire/message.ts';
import { LIST_TO_SJOIN_PREFIX, MODE_TO_SJOIN_PREFIX } from '../../src/s2s/chanmodes.ts';

export function referenceBurst(e: Engine, link: Link): void {
  const me = e.me;
  for (const [k, v] of me.md) e.send(link, `:${me.sid} MD client ${me.sid} ${k} :${v}`);
  const behind = (s: Server) => s.link === link.id;
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
  e.send(link, `NETINFO ${e.globalMax()} ${now} ${PROTOCOL} ${e.opts.cloakKeyChecksum?.() ?? '*'} 0 0 0 :${e.opts.networkName ?? 'TestNet'}`);
  e.send(link, `:${me.sid} EOS`);
}

function umodeString(u: User): string {
  return '+' + [...u.umodes].sort(modeSort).join('');
}

function modeSort(a: string, b: string): number {
  const la = a >= 'a' && a <= 'z', lb = b >= 'a' && b <= 'z';
  if (la !== lb) return la ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function virthostFor(u: User, link: Link): string {
  if (!u.umodes.has('x')) return link.has('VHP') ? u.realHost : '*';
  if (!u.umodes.has('t') && !link.has('VHP')) return '*';
  return u.vhost || u.cloak || '*';
}

function uidLine(u: User, link: Link): string {
  const account = u.account || '0';
  return `:${u.server.sid} UID ${u.nick} 0 ${u.ts} ${u.ident} ${u.realHost} ${u.uid} ${account} ${umodeString(u)} ${virthostFor(u, link)} ${u.cloak || '*'} ${u.ip} :${u.realname}`;
}

function uidTags(u: User): string | null {
  if (!u.md.size) return null;
  const parts: string[] = [];
  for (const [k, v] of u.md) if (EARLY_MD.has(k)) parts.push(`s2s-md/${k}=${escapeTagValue(v)}`);
  return parts.length ? parts.join(';') : null;
}

const EARLY_MD = new Set(['certfp', 'tls_cipher', 'creationtime', 'operlogin', 'operclass', 'webirc', 'websocket', 'geoip', 'saslmechlist']);

function sendUser(e: Engine, link: Link, u: User): void {
  e.send(link, uidLine(u, link), uidTags(u));
  for (const [k, v] of u.md) e.send(link, `:${u.server.sid} MD client ${u.uid} ${k} :${v}`);
  if (u.away !== null) e.send(link, `:${u.uid} AWAY :${u.away}`);
  for (const s of u.swhois) {
    if (link.has('EXTSWHOIS')) e.send(link, `:${e.me.sid} SWHOIS ${u.uid} + ${s.tag} ${s.prio} :${s.text}`);
    else e.send(link, `:${e.me.sid} SWHOIS ${u.uid} :${s.text}`);
  }
}

function channelModeString(ch: Channel): string {
  const letters = [...ch.modes.keys()].sort(modeSort);
  const params: string[] = [];
  for (const m of letters) { const p = ch.modes.get(m)!; if (p !== '') params.push(p); }
  return '+' + letters.join('') + (params.length ? ' ' + params.join(' ') : '');
}

const SJOIN_SPLIT = 504;

function sjoinLines(e: Engine, ch: Channel, link: Link): string[] {
  const items: string[] = [];
  for (const m of ch.members.values()) {
    let p = '';
    for (const mm of 'qaohv') if (m.modes.includes(mm)) p += MODE_TO_SJOIN_PREFIX[mm];
    items.push(p + m.user.uid);
  }
  const sjsby = link.has('SJSBY');
  for (const l of ['b', 'e', 'I'] as const) {
    for (const [mask, entry] of ch.lists[l]) {
      items.push((sjsby ? `<${entry.setAt},${entry.setBy}>` : '') + LIST_TO_SJOIN_PREFIX[l] + mask);
    }
  }
  const head = `:${e.me.sid} SJOIN ${ch.ts} ${ch.name}`;
  const modes = ch.modes.size ? ' ' + channelModeString(ch) : '';
  const lines: string[] = [];
  let cur = head + modes + ' :';
  let curHasItems = false;
  for (const it of items) {
    if (curHasItems && cur.length + it.length + 1 > SJOIN_SPLIT) {
      lines.push(cur);
      cur = head + ' :';
      curHasItems = false;
    }
    cur += it + ' ';
    curHasItems = true;
  }
  lines.push(curHasItems ? cur.slice(0, -1) : cur);
  return lines;
}
