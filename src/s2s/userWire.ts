// How users travel on the wire: the UID line and the lines that follow it in a burst.
import type { User } from '../state/model.ts';
import type { Engine } from './engine.ts';
import type { Link } from './link.ts';
import { escapeTagValue } from '../wire/message.ts';
import { packedUser } from '../state/user.ts';

export function umodeString(u: User): string {
  const p = packedUser(u);
  let raw = '';
  if (p !== null) raw = p.letters;
  else for (const c of u.umodes) raw += c;
  let s = UMODE_STRINGS.get(raw);
  if (s === undefined) {
    s = '+' + [...raw].sort(modeSort).join('');
    if (UMODE_STRINGS.size < 4096) UMODE_STRINGS.set(raw, s);
  }
  return s;
}

/** umodeString() of each letter string seen (users share a few dozen combinations; bounded). */
const UMODE_STRINGS = new Map<string, string>();

/** Lowercase before uppercase, then alphabetical (UnrealIRCd's sorted mode tables). */
export function modeSort(a: string, b: string): number {
  const la = a >= 'a' && a <= 'z', lb = b >= 'a' && b <= 'z';
  if (la !== lb) return la ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The virthost field for a peer (send.c sendto_one_nickcmd()): with VHP the host the user is
 * shown with (its virtual host while +x, else its real host); without VHP '*' unless the user
 * is +x and +t. A +x user whose virtual host is not known (no vhost, no cloak) goes as '*': the
 * receiver then shows its own cloak for it, never the real host.
 */
export function virthostFor(u: User, link: Link): string {
  return virthost(u, link.has('VHP'));
}

function virthost(u: User, vhp: boolean): string {
  if (!u.umodes.has('x')) return vhp ? u.realHost : '*';
  if (!u.umodes.has('t') && !vhp) return '*';
  return u.vhost || u.cloak || '*';
}

export function uidLine(u: User, link: Link): string {
  return uidLineFor(u, link.has('VHP'));
}

/** uidLine() for a peer with (`vhp`) or without VHP. */
function uidLineFor(u: User, vhp: boolean): string {
  const p = packedUser(u);
  if (p !== null) {
    // The packed text fields cut once (not a scan of them per field): ident, realHost, vhost, cloak, ip, account, realname.
    const f = p.info.split('\0');
    const x = p.letters.includes('x');
    const vh = !x ? (vhp ? f[1] : '*') : !vhp && !p.letters.includes('t') ? '*' : f[2] || f[3] || '*';
    return `:${u.server.sid} UID ${u.nick} 0 ${u.ts} ${f[0]} ${f[1]} ${u.uid} ${f[5] || '0'} ${umodeString(u)} ${vh} ${f[3] || '*'} ${f[4]} :${f[6]}`;
  }
  const account = u.account || '0';
  return `:${u.server.sid} UID ${u.nick} 0 ${u.ts} ${u.ident} ${u.realHost} ${u.uid} ${account} ${umodeString(u)} ${virthost(u, vhp)} ${u.cloak || '*'} ${u.ip} :${u.realname}`;
}

/** s2s-md early moddata tags for the UID line. */
export function uidTags(u: User): string | null {
  if (!u.md.size) return null;
  const parts: string[] = [];
  for (const [k, v] of u.md) if (EARLY_MD.has(k)) parts.push(`s2s-md/${k}=${escapeTagValue(v)}`);
  return parts.length ? parts.join(';') : null;
}

export const EARLY_MD = new Set(['certfp', 'tls_cipher', 'creationtime', 'operlogin', 'operclass', 'webirc', 'websocket', 'geoip', 'saslmechlist']);

/** UID, MD, AWAY and SWHOIS lines for one user (handshake.md §6 step 6). */
export function sendUser(e: Engine, link: Link, u: User): void {
  sendUserTo(e, link, u, link.has('VHP'), link.has('EXTSWHOIS'));
}

/**
 * sendUser() with the link's VHP and EXTSWHOIS looked up once (a burst sends every user): the
 * user's MD read once for both the UID line's tags and the MD lines.
 */
export function sendUserTo(e: Engine, link: Link, u: User, vhp: boolean, extSwhois: boolean): void {
  const p = packedUser(u);
  if (p !== null && p.mdPacked === '') {
    // The usual user: a numeric creationtime as its only MD, or no MD (no view, no pairs; digits need no tag escaping).
    if (p.ctime < 0) e.send(link, uidLineFor(u, vhp), null);
    else {
      e.send(link, uidLineFor(u, vhp), `s2s-md/creationtime=${p.ctime}`);
      e.send(link, `:${u.server.sid} MD client ${u.uid} creationtime :${p.ctime}`);
    }
  } else if (u.md.size === 0) e.send(link, uidLineFor(u, vhp), null);
  else {
    const pairs = [...u.md];
    let tags: string | null = null;
    for (const [k, v] of pairs) if (EARLY_MD.has(k)) tags = (tags === null ? '' : tags + ';') + `s2s-md/${k}=${escapeTagValue(v)}`;
    e.send(link, uidLineFor(u, vhp), tags);
    const head = `:${u.server.sid} MD client ${u.uid} `;
    for (const [k, v] of pairs) e.send(link, `${head}${k} :${v}`);
  }
  if (u.away !== null) e.send(link, `:${u.uid} AWAY :${u.away}`);
  for (const s of u.swhois) {
    if (extSwhois) e.send(link, `:${e.me.sid} SWHOIS ${u.uid} + ${s.tag} ${s.prio} :${s.text}`);
    else e.send(link, `:${e.me.sid} SWHOIS ${u.uid} :${s.text}`);
  }
}
