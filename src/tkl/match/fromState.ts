// A MatchUser from the network state's User (src/state/model.ts): what UnrealIRCd tells the
// network about a user — UID fields, user modes and its synced MD keys (commands.md, MD table).
import type { User } from '../../state/model.ts';
import { ipFromBase64 } from './ip.ts';
import type { MatchUser } from './user.ts';

/** GeoIP MD ("cc=NL|cd=Netherlands|asn=64496|asname=..."): country code and ASN, when present. */
export function parseGeoip(v: string | undefined): { country: string | null; asn: number | null } {
  if (!v) return { country: null, asn: null };
  let country: string | null = null, asn: number | null = null;
  for (const part of v.split('|')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq), val = part.slice(eq + 1);
    if (k === 'cc' && val) country = val;
    else if (k === 'asn' && /^\d+$/.test(val)) asn = Number(val);
  }
  return { country, asn };
}

export interface FromStateOptions {
  /** Reputation score (REPUTATION travels by its own command, not as MD). */
  reputation?: number;
  /** The local listener port, for local clients. */
  serverPort?: number;
}

export function matchUserFromState(u: User, opts: FromStateOptions = {}): MatchUser {
  const md = u.md;
  const geo = parseGeoip(md.get('geoip'));
  const created = Number(md.get('creationtime') ?? 0);
  const umodes = [...u.umodes].join('');
  const channels: { name: string; modes: string }[] = [];
  for (const [ch, m] of u.channels) channels.push({ name: ch.name, modes: m.modes });
  return {
    nick: u.nick,
    ident: u.ident,
    realhost: u.realHost,
    ip: ipFromBase64(u.ip),
    account: u.account || null,
    realname: u.realname,
    certfp: md.get('certfp') ?? null,
    tls: u.umodes.has('z'),
    webirc: md.has('webirc'),
    websocket: md.has('websocket'),
    reputation: opts.reputation ?? 0,
    connectedAt: Number.isFinite(created) && created > 0 ? created : undefined,
    oper: u.umodes.has('o'),
    operclass: md.get('operclass') ?? null,
    channels,
    country: geo.country,
    asn: geo.asn,
    serverPort: opts.serverPort ?? null,
    umodes,
    away: u.away,
  };
}
