// Reverse DNS for connecting clients, as UnrealIRCd does it (src/dns.c unrealdns_doclient(),
// unrealdns_cb_iptoname(), unrealdns_cb_nametoip_verify(); src/socket.c
// start_dns_and_ident_lookup(), proceed_normal_client_handshake(); src/parse.c
// parse_client_queued()):
//   - the IP's PTR name is looked up, then that name's A (IPv4 client) or AAAA (IPv6 client)
//     records; the name is used only when they include the client's IP (forward-confirmed), it is
//     a valid host name (misc.c valid_host(name, strict): 1..63 characters of [A-Za-z0-9_.-]),
//     and then in lower case;
//   - results are cached per IP (DNS_CACHE_TTL 600 s; a failure DNS_NEGCACHE_TTL 60 s; at most
//     DNS_MAX_ENTRIES 4096, the oldest dropped);
//   - nothing the client sent is read until the lookup is done (so registration waits for it);
//   - with set::options::show-connect-info the client is told: "*** Looking up your hostname...",
//     then "*** Found your hostname (cached)" (UnrealIRCd 6.1.8.1 says "(cached)" after every
//     successful lookup: proceed_normal_client_handshake() reports DNS_FINISHED_SUCCESS_CACHED) or
//     "*** Couldn't resolve your hostname; using your IP address instead".
// The lookups themselves are the runtime's (node:dns, src/runtime/clientDns.ts): this module gets
// a HostResolver, so that the client side stays free of I/O and tests give it a fake one.
import { ipString } from './cloak.ts';
import type { ClientSession } from './session.ts';

/** The two queries of a client lookup; each rejects (or resolves empty) when there is no answer. */
export interface HostResolver {
  /** PTR names of an address. */
  reverse(ip: string): Promise<string[]>;
  /** A (family 4) or AAAA (family 6) addresses of a name. */
  forward(name: string, family: 4 | 6): Promise<string[]>;
}

/** What the client side is told to do about host names (from set::options / set::dns). */
export interface HostLookupConfig {
  resolver: HostResolver;
  /** The whole lookup (both queries) gives up after this long: the IP is the host then. */
  deadlineMs: number;
  /** set::options::show-connect-info: the NOTICE AUTH lines. */
  showConnectInfo: boolean;
}

/** include/dns.h. */
export const DNS_CACHE_TTL = 600;
export const DNS_NEGCACHE_TTL = 60;
export const DNS_MAX_ENTRIES = 4096;
/** HOSTLEN (include/struct.h). */
export const HOSTLEN = 63;

export const REPORT_DO_DNS = '*** Looking up your hostname...';
export const REPORT_FIN_DNSC = '*** Found your hostname (cached)';
export const REPORT_FAIL_DNS = "*** Couldn't resolve your hostname; using your IP address instead";

/** valid_host(host, 1): what a resolved name must look like to be used. */
export function validHost(name: string): boolean {
  return name.length > 0 && name.length <= HOSTLEN && /^[A-Za-z0-9_.-]+$/.test(name);
}

/** The verified host of `ip` from a PTR name and that name's addresses; null when it does not check out. */
export function confirmedHost(ip: string, ptrName: string | undefined, forward: readonly string[]): string | null {
  if (!ptrName) return null;
  const want = ipString(ip);
  if (want === null || !forward.some((a) => ipString(a) === want)) return null;
  if (!validHost(ptrName)) return null;
  return ptrName.toLowerCase();
}

/** The per-IP cache of results (a name, or null for a failure), with UnrealIRCd's lifetimes and bound. */
export class HostCache {
  private readonly entries = new Map<string, { name: string | null; expires: number }>();
  constructor(private readonly max = DNS_MAX_ENTRIES) {}
  get size(): number { return this.entries.size; }
  /** undefined: not cached (or expired). */
  get(ip: string, now: number): string | null | undefined {
    const e = this.entries.get(ip);
    if (!e) return undefined;
    if (e.expires <= now) { this.entries.delete(ip); return undefined; }
    return e.name;
  }
  add(ip: string, name: string | null, now: number): void {
    if (this.entries.has(ip)) return; // as unrealdns_addtocache(): two clients at once, the first answer stays
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(ip, { name, expires: now + (name === null ? DNS_NEGCACHE_TTL : DNS_CACHE_TTL) });
  }
  clear(): void { this.entries.clear(); }
  /**
   * Lookups in flight, by IP: a second connection from an address being looked up waits for the
   * same answer instead of asking again (1,000 clients from one address make one lookup).
   */
  readonly pending = new Map<string, Promise<string | null>>();
}

/** PTR then A/AAAA, within `deadlineMs`; the verified name or null. Never rejects. */
export async function lookupHost(resolver: HostResolver, ip: string, deadlineMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), deadlineMs); });
  const work = (async (): Promise<string | null> => {
    const names = await resolver.reverse(ip);
    const name = Array.isArray(names) ? names[0] : undefined;
    if (typeof name !== 'string' || name === '') return null;
    const family = ip.includes(':') ? 6 : 4;
    const addrs = await resolver.forward(name, family);
    return confirmedHost(ip, name, Array.isArray(addrs) ? addrs.filter((a) => typeof a === 'string') : []);
  })().catch(() => null);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolve a new session's host before anything it sends is read: the session's real host becomes
 * the verified name (or stays its IP). Unix sockets and sessions without an IP are not looked up.
 */
export function startHostLookup(s: ClientSession, cfg: HostLookupConfig, cache: HostCache, nowS: () => number): void {
  const ip = s.info.ip;
  if (ipString(ip) === null) return;
  const report = (text: string): void => { if (cfg.showConnectInfo) s.notice(text); };
  report(REPORT_DO_DNS);
  const done = (name: string | null): void => {
    if (s.closed) return;
    report(name === null ? REPORT_FAIL_DNS : REPORT_FIN_DNSC);
    if (name !== null) s.setResolvedHost(name);
  };
  const cached = cache.get(ip, nowS());
  if (cached !== undefined) { done(cached); return; }
  let lookup = cache.pending.get(ip);
  if (!lookup) {
    lookup = lookupHost(cfg.resolver, ip, cfg.deadlineMs).then((name) => {
      cache.pending.delete(ip);
      cache.add(ip, name, nowS());
      return name;
    });
    cache.pending.set(ip, lookup);
  }
  s.holdUntil(lookup.then(done));
}
