// What a ban, an exception or a security group is matched against: a user as UnrealIRCd's
// match_user(..., MATCH_CHECK_REAL) and the extended server bans see it. Pure data; the node
// builds one from its state (fromState.ts) or from a connecting client.
import { foldText, type FoldedText } from './glob.ts';
import { formatIp, parseIPv4, parseIPv6 } from './ip.ts';

export interface MatchChannel {
  /** Channel name as on the wire. */
  name: string;
  /** The member's channel modes (letters of v h o a q), '' for none. */
  modes: string;
}

export interface MatchUser {
  nick: string;
  /** The username (ident), as UnrealIRCd holds it (a '~' prefix included when ident failed). */
  ident: string;
  /** The real host (never the cloak or vhost: server bans use MATCH_CHECK_REAL). */
  realhost: string;
  /** The IP as text (dotted IPv4 or IPv6), null when unknown (services, spoofed). */
  ip: string | null;
  /** Services account; '' / null / '*' / starting with a digit = not logged in (IsLoggedIn). */
  account?: string | null;
  /** The realname (gecos). */
  realname: string;
  /** SHA-256 TLS client certificate fingerprint in lower-case hex (MD certfp), null when none. */
  certfp?: string | null;
  /** On a TLS connection (user mode +z). */
  tls?: boolean;
  /** Came through WEBIRC (MD webirc). */
  webirc?: boolean;
  /** A websocket client (MD websocket). */
  websocket?: boolean;
  /** Reputation score (0 when unknown). */
  reputation?: number;
  /** Unix time the user connected (for connect-time); undefined when unknown. */
  connectedAt?: number;
  /** Oper and its operclass (~operclass:). */
  oper?: boolean;
  operclass?: string | null;
  /** Channels the user is in (~channel:). */
  channels?: readonly MatchChannel[];
  /** GeoIP data (MD geoip); undefined/null = no data: ~country: and ~asn: never match then. */
  country?: string | null;
  asn?: number | null;
  /** The local port the client connected to (security-group server-port criterion). */
  serverPort?: number | null;
  /** User modes (letters), for crule has_user_mode(). */
  umodes?: string;
  /** Away message, null/undefined when not away (crule is_away()). */
  away?: string | null;
}

/** A MatchUser with the derived forms the matchers need, computed once. */
export interface PreparedUser {
  readonly u: MatchUser;
  readonly nick: FoldedText;
  readonly ident: FoldedText;
  readonly host: FoldedText;
  /** The IP as text, and folded (for IP globs). '' when unknown. */
  readonly ipText: string;
  readonly ipF: FoldedText;
  /** IPv4 as uint32 or -1; IPv6 words or null. */
  readonly ip4: number;
  readonly ip4w: Uint32Array | null;
  readonly ip6: Uint32Array | null;
  /** The real host read as an IPv4 address (uint32), or -1. */
  readonly host4: number;
  /** The account as UnrealIRCd keeps it: "0" when not logged in. */
  readonly account: string;
  readonly accountF: FoldedText;
  readonly loggedIn: boolean;
  readonly realname: string;
  readonly realnameF: FoldedText;
  readonly certfp: string | null;
  /** The channel names, folded (null when the user's channels are not known). */
  readonly channelsF: FoldedText[] | null;
  /** The IPv6 address in canonical text (for exact-address lookups), '' when not IPv6. */
  readonly ip6Text: string;
  /** Index keys as hashes (and how to spell each one), computed by the first index that looks at this user (see maskIndex.ts). */
  keyHashes?: Int32Array;
  keySpecs?: number[];
  keySources?: string[];
}

/** IsLoggedIn(): an account that is set, not '*' and not starting with a digit. */
export function isLoggedIn(account: string | null | undefined): boolean {
  if (!account) return false;
  const c = account.charCodeAt(0);
  return c !== 42 && !(c >= 48 && c <= 57);
}

const EMPTY = foldText('');

export function prepareUser(u: MatchUser): PreparedUser {
  const ipText = u.ip ?? '';
  let ip4 = -1, ip4w: Uint32Array | null = null, ip6: Uint32Array | null = null;
  if (ipText) {
    if (ipText.indexOf(':') >= 0) ip6 = parseIPv6(ipText);
    else { ip4 = parseIPv4(ipText); if (ip4 >= 0) ip4w = Uint32Array.of(ip4); }
  }
  const loggedIn = isLoggedIn(u.account);
  const account = u.account ? u.account : '0';
  return {
    u,
    nick: foldText(u.nick),
    ident: foldText(u.ident),
    host: foldText(u.realhost),
    ipText,
    ipF: ipText ? foldText(ipText) : EMPTY,
    ip4, ip4w, ip6,
    host4: parseIPv4(u.realhost),
    ip6Text: ip6 ? formatIp({ v6: true, words: ip6 }) : '',
    account,
    accountF: foldText(account),
    loggedIn,
    realname: u.realname,
    realnameF: foldText(u.realname),
    certfp: u.certfp ?? null,
    channelsF: u.channels ? u.channels.map((c) => foldText(c.name)) : null,
  };
}
