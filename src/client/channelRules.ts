// Channel rules for local users, as UnrealIRCd applies them to its own clients: member ranks and
// prefixes, ban matching (nick!user@host against the real host, the cloak, the displayed host and
// the IP; extbans are a later part), and the NAMES list.
import type { Channel, Membership, User } from '../state/model.ts';
import { displayedHost } from '../state/user.ts';
import { matchMask } from '../s2s/mask.ts';
import { isExtendedBan } from '../s2s/banMask.ts';
import type { ClientSession } from './session.ts';
import { N } from './numerics.ts';
import { userMask } from './router.ts';

export const RANKS = 'qaohv';
export const PREFIX_OF: Record<string, string> = { q: '~', a: '&', o: '@', h: '%', v: '+' };

/** The member's rank: 0 owner .. 4 voice, 5 none. */
export function rank(m: Membership | undefined): number {
  if (!m) return 6;
  for (let k = 0; k < RANKS.length; k++) if (m.modes.includes(RANKS[k])) return k;
  return 5;
}
export const OP = 2, HALFOP = 3, VOICE = 4;

/** "@" or, with multi-prefix, "@+" (highest first). */
export function prefixes(m: Membership, multi: boolean): string {
  let out = '';
  for (const l of RANKS) if (m.modes.includes(l)) { out += PREFIX_OF[l]; if (!multi) break; }
  return out;
}

/** The masks a ban is matched against for a user. */
function userMasks(u: User): string[] {
  const base = `${u.nick}!${u.ident}@`;
  const hosts = new Set([u.realHost, displayedHost(u), u.cloak, u.vhost].filter(Boolean));
  const ip = ipOf(u);
  if (ip) hosts.add(ip);
  return [...hosts].map((h) => base + h);
}

function ipOf(u: User): string {
  if (!u.ip || u.ip === '*') return '';
  const b = Buffer.from(u.ip, 'base64');
  if (b.length === 4) return [...b].join('.');
  if (b.length === 16) { const g: string[] = []; for (let i = 0; i < 16; i += 2) g.push(((b[i] << 8) | b[i + 1]).toString(16)); return g.join(':'); }
  return '';
}

function listMatches(list: Channel['lists']['b'], u: User): boolean {
  const masks = userMasks(u);
  for (const mask of list.keys()) {
    if (isExtendedBan(mask)) continue;
    if (masks.some((m) => matchMask(mask, m))) return true;
  }
  return false;
}

/** Is `u` banned from `ch` (+b matching, no +e matching)? */
export function isBanned(ch: Channel, u: User): boolean {
  return listMatches(ch.lists.b, u) && !listMatches(ch.lists.e, u);
}

/** Is `u` on the invite exception list (+I)? */
export function isInvex(ch: Channel, u: User): boolean { return listMatches(ch.lists.I, u); }

/** Can the user see the channel's members (member, or the channel is not +s/+p... and the user not +i)? */
export function canSeeMembers(ch: Channel, viewer: User): boolean {
  return ch.members.has(viewer) || !(ch.modes.has('s') || ch.modes.has('p'));
}

/** 353 lines then 366 (names.c): "= #chan :@a +b c", "@" for +s, "*" for +p; members +D hides from the viewer left out. */
export function sendNames(s: ClientSession, ch: Channel): void {
  const viewer = s.user!;
  const member = ch.members.has(viewer);
  if (!member && (ch.modes.has('s') || ch.modes.has('p'))) { s.numeric(N.RPL_ENDOFNAMES(ch.name)); return; }
  const sym = ch.modes.has('s') ? '@' : ch.modes.has('p') ? '*' : '=';
  const multi = s.hasCap('multi-prefix'), uh = s.hasCap('userhost-in-names');
  const head = `:${s.mgr.host.me.name} 353 ${s.target} ${sym} ${ch.name} :`;
  let buf = '';
  const flush = () => { if (buf) { s.numeric(N.RPL_NAMREPLY(`${sym} ${ch.name} :${buf}`)); buf = ''; } };
  const dj = s.mgr.delayed;
  for (const m of ch.members.values()) {
    if (!member && m.user.umodes.has('i')) continue;
    if (!dj.canSee(viewer, ch, m)) continue; // +D: a member that has not spoken yet (delayJoin.ts)
    const item = prefixes(m, multi) + (uh ? userMask(m.user) : m.user.nick);
    if (buf && head.length + buf.length + 1 + item.length > 510) flush();
    buf = buf ? `${buf} ${item}` : item;
  }
  flush();
  s.numeric(N.RPL_ENDOFNAMES(ch.name));
}

/** 332 + 333 when the channel has a topic. */
export function sendTopic(s: ClientSession, ch: Channel, noneNumeric: boolean): void {
  if (!ch.topic || ch.topic.text === '') { if (noneNumeric) s.numeric(N.RPL_NOTOPIC(ch.name)); return; }
  s.numeric(N.RPL_TOPIC(ch.name, ch.topic.text));
  s.numeric(N.RPL_TOPICWHOTIME(ch.name, ch.topic.setBy, String(ch.topic.ts)));
}
