// The node's side of reverse DNS for clients (src/client/rdns.ts has the rules): the settings as
// UnrealIRCd names them, and the queries through node:dns (c-ares, as UnrealIRCd's; a Resolver
// reads /etc/resolv.conf and, like UnrealIRCd's lookups "b", not /etc/hosts).
//   set { options { dont-resolve; show-connect-info; }
//         dns { client { timeout 1500; retry 2; } } }
// dont-resolve turns the lookups off (the IP is every client's host); timeout is per query try in
// milliseconds (1000-10000, default DNS_DEFAULT_CLIENT_TIMEOUT 1500), retry the tries (0-5; 0 or
// unset: DNS_DEFAULT_CLIENT_RETRIES 2). A value out of range is ignored (the default is used).
import { promises as dns } from 'node:dns';
import type { ConfigNode, TslinkConfig } from '../config/index.ts';
import type { HostLookupConfig, HostResolver } from '../client/rdns.ts';

export const DNS_DEFAULT_CLIENT_TIMEOUT = 1500;
export const DNS_DEFAULT_CLIENT_RETRIES = 2;

export interface ClientDnsSettings {
  dontResolve: boolean;
  showConnectInfo: boolean;
  timeoutMs: number;
  tries: number;
}

function child(nodes: readonly ConfigNode[] | undefined, name: string): ConfigNode | undefined {
  return nodes?.find((n) => n.name === name);
}

/** The items of every `name { }` among `nodes` (set blocks add up, as in UnrealIRCd). */
function items(nodes: readonly ConfigNode[] | undefined, name: string): ConfigNode[] {
  return (nodes ?? []).filter((n) => n.name === name).flatMap((n) => n.children ?? []);
}

/** set::options::dont-resolve / show-connect-info and set::dns::client::timeout / retry. */
export function clientDnsSettings(cfg: TslinkConfig): ClientDnsSettings {
  const options = items(cfg.set.extra, 'options');
  const client = items(items(cfg.set.extra, 'dns'), 'client');
  const int = (name: string, lo: number, hi: number): number | undefined => {
    const v = client.filter((n) => n.name === name).at(-1)?.value;
    if (v === undefined || !/^[0-9]+$/.test(v)) return undefined;
    const n = Number(v);
    return n >= lo && n <= hi ? n : undefined;
  };
  const retry = int('retry', 0, 5);
  return {
    dontResolve: child(options, 'dont-resolve') !== undefined,
    showConnectInfo: child(options, 'show-connect-info') !== undefined,
    timeoutMs: int('timeout', 1000, 10000) ?? DNS_DEFAULT_CLIENT_TIMEOUT,
    tries: retry ? retry : DNS_DEFAULT_CLIENT_RETRIES,
  };
}

/** A HostResolver over node:dns with c-ares's per-try timeout and tries. */
export function nodeResolver(timeoutMs: number, tries: number): HostResolver {
  const r = new dns.Resolver({ timeout: timeoutMs, tries });
  return {
    reverse: (ip) => r.reverse(ip),
    forward: (name, family) => (family === 6 ? r.resolve6(name) : r.resolve4(name)),
  };
}

/**
 * The client side's lookup settings for the configuration now (read at each connection: a rehash
 * changes them); what `override` gives replaces node:dns (tests). null when dont-resolve is set.
 */
export function hostLookupFor(override: () => HostResolver | null = () => null): (cfg: TslinkConfig) => HostLookupConfig | null {
  let made: { key: string; r: HostResolver } | null = null;
  return (cfg) => {
    const s = clientDnsSettings(cfg);
    if (s.dontResolve) return null;
    let r = override();
    if (!r) {
      const key = `${s.timeoutMs}/${s.tries}`;
      if (made === null || made.key !== key) made = { key, r: nodeResolver(s.timeoutMs, s.tries) };
      r = made.r;
    }
    // Both queries, each with every try, and a little slack: then the IP is the host.
    return { resolver: r, deadlineMs: 2 * s.timeoutMs * s.tries + 250, showConnectInfo: s.showConnectInfo };
  };
}
