// WHO <mask> [<%fields>[,<token>]]   352 (or WHOX 354) per user, then 315 (who.c / whox.c).
// A channel lists its members (a +s/+p one only to members; +i members only to those sharing
// it); anything else matches nicks (and * the users the asker shares a channel with).
import type { ClientCommandSpec } from '../commandTable.ts';
import type { ClientSession } from '../session.ts';
import type { Channel, User } from '../../state/model.ts';
import { N } from '../numerics.ts';
import { prefixes } from '../channelRules.ts';
import { matchMask } from '../../s2s/mask.ts';
import { displayedHost } from '../../state/user.ts';

function flags(s: ClientSession, u: User, ch: Channel | null | undefined): string {
  let f = u.away !== null ? 'G' : 'H';
  if (u.umodes.has('r')) f += 'r';
  if (u.umodes.has('z')) f += 's';
  if (u.umodes.has('B')) f += 'B';
  // whox.c do_who(): * for an oper (a hidden one +H only to itself and to opers), ! for a hidden one to opers.
  const asker = s.user!, askerOper = asker.umodes.has('o');
  if (u.umodes.has('o') && (!u.umodes.has('H') || u === asker || askerOper)) f += '*';
  if (u.umodes.has('o') && u.umodes.has('H') && u !== asker && askerOper) f += '!';
  const m = ch?.members.get(u);
  if (m) f += prefixes(m, s.hasCap('multi-prefix'));
  return f;
}

function ipOf(u: User): string { return ipText(u.ip); }

/** The text form of a base64 address as the network relays it (255.255.255.255 when unknown). */
export function ipText(ip: string): string {
  if (!ip || ip === '*') return '255.255.255.255';
  const b = Buffer.from(ip, 'base64');
  if (b.length === 4) return [...b].join('.');
  const g: string[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) g.push(((b[i] << 8) | b[i + 1]).toString(16));
  return g.join(':');
}

function reply(s: ClientSession, u: User, ch: Channel | null | undefined, whox: { fields: string; token: string } | null): void {
  const host = displayedHost(u);
  const hops = u.server === s.mgr.host.me ? 0 : u.server.hops;
  // A WHO that is not for a channel shows the first channel the asker may see, and the status there.
  if (!ch) for (const c of u.channels.keys()) if (c.members.has(s.user!) || !(c.modes.has('s') || c.modes.has('p'))) { ch = c; break; }
  const chan = ch ? ch.name : '*';
  if (!whox) { s.numeric(N.RPL_WHOREPLY(chan, u.ident, host, u.server.name, u.nick, flags(s, u, ch), hops, u.realname)); return; }
  const out: string[] = [];
  for (const f of 'tcuihsnfdlaor') {
    if (!whox.fields.includes(f)) continue;
    switch (f) {
      case 't': out.push(whox.token || '0'); break;
      case 'c': out.push(chan); break;
      case 'u': out.push(u.ident); break;
      case 'i': out.push(s.user?.umodes.has('o') ? ipOf(u) : '255.255.255.255'); break;
      case 'h': out.push(host); break;
      case 's': out.push(u.server.name); break;
      case 'n': out.push(u.nick); break;
      case 'f': out.push(flags(s, u, ch)); break;
      case 'd': out.push(String(hops)); break;
      case 'l': out.push(u.server === s.mgr.host.me ? String(s.mgr.host.now() - (s.mgr.byUid.get(u.uid)?.idleSince ?? s.mgr.host.now())) : '0'); break;
      case 'a': out.push(u.account || '0'); break;
      case 'o': out.push('n/a'); break;
      case 'r': out.push(':' + u.realname); break;
    }
  }
  s.numeric(N.RPL_WHOSPCRPL(out.join(' ')));
}

export const WHO: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    const net = s.mgr.host.net;
    const me = s.user!;
    const mask = msg.params[0] ?? '*';
    let whox: { fields: string; token: string } | null = null;
    const opt = msg.params[1];
    if (opt && opt.includes('%')) {
      const spec = opt.slice(opt.indexOf('%') + 1);
      const comma = spec.indexOf(',');
      whox = { fields: comma < 0 ? spec : spec.slice(0, comma), token: comma < 0 ? '' : spec.slice(comma + 1, comma + 4) };
    }
    if (mask.startsWith('#')) {
      const ch = net.channel(mask);
      if (ch) {
        const member = ch.members.has(me);
        if (member || !(ch.modes.has('s') || ch.modes.has('p'))) {
          // whox.c do_who_on_channel(): members +D hides from the asker are left out (delayJoin.ts).
          for (const m of ch.members.values()) if ((member || !m.user.umodes.has('i')) && s.mgr.delayed.canSee(me, ch, m)) reply(s, m.user, ch, whox);
        }
      }
      s.numeric(N.RPL_ENDOFWHO(mask));
      return;
    }
    // who_common_channel(): a channel in common counts where the asker sees the user (+D: delayJoin.ts).
    const shares = (u: User) => { for (const [c, m] of u.channels) if (c.members.has(me) && s.mgr.delayed.canSee(me, c, m)) return true; return false; };
    let n = 0;
    const exact = !/[*?]/.test(mask) ? net.userByNick(mask) : undefined;
    if (exact) reply(s, exact, null, whox);
    else if (/[*?]/.test(mask)) {
      for (const srv of net.serversBySid.values()) for (const u of srv.users) {
        if (n >= 1000) break;
        if (u.umodes.has('i') && u !== me && !shares(u)) continue;
        if (!matchMask(mask, u.nick) && !matchMask(mask, `${u.nick}!${u.ident}@${displayedHost(u)}`)) continue;
        reply(s, u, null, whox);
        n++;
      }
    }
    s.numeric(N.RPL_ENDOFWHO(mask));
  },
};
