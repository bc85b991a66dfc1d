// What the client side is configured with, and UnrealIRCd 6's defaults for each (src/conf.c
// config defaults, include/config.h, doc/conf/examples/example.conf). The config loader (a later
// part: listen/allow/class blocks) fills this; tests pass what they need.
import type { CloakKeys } from './cloak.ts';
import { DEFAULT_PREFIX } from '../s2s/chanmodes.ts';
import { DEFAULT_SASL, type SaslConfig } from './sasl.ts';

export interface FloodClass {
  /** set::anti-flood::<group>::lag-penalty (ms) and lag-penalty-bytes. */
  lagPenaltyMs: number;
  lagPenaltyBytes: number;
}

export interface ClientLimits {
  /** class::recvq (DEFAULT_RECVQ 8000): a registered user with more unread bytes is "Excess Flood". */
  recvq: number;
  /** class::sendq (UnrealIRCd's default class: DEFAULT_SENDQ 3000000; example.conf clients: 200k). */
  sendq: number;
  /** set::handshake-data-flood::amount (4096): more unread bytes before registration is a flood. */
  handshakeDataFlood: number;
  /** set::handshake-timeout (30 s): "Registration Timeout". */
  handshakeTimeout: number;
  /** class::pingfreq (example.conf clients: 90 s). */
  pingFreq: number;
  /** set::maxchannelsperuser (10): CHANLIMIT=#:10, 405 beyond it. */
  maxChannelsPerUser: number;
  /** MONITOR list entries (set::watch-away... MONITOR=128 in ISUPPORT). */
  monitor: number;
  /** Fake lag may run this many seconds ahead before reading stops (parse.c client_lagged_up: 10). */
  fakeLagMax: number;
  /** Messages held for a client before it is disconnected as a flooder, counted in lines. */
  maxQueuedLines: number;
  /** set::anti-flood::known-users (180 bytes / 750 ms) and ::unknown-users (90 bytes / 1000 ms). */
  knownUsers: FloodClass;
  unknownUsers: FloodClass;
}

export interface ClientConfig {
  /** The network name (NETWORK=, 001). */
  networkName: string;
  /** 002/004/VERSION: the software name and version the server reports. */
  version: string;
  /** set::modes-on-connect (default +ixw). */
  modesOnConnect: string;
  /** set::modes-on-join (default +nt). */
  modesOnJoin: string;
  /** set::cloak-keys / cloak-prefix / cloak-method; null: users keep their real host under +x. */
  cloak: CloakKeys | null;
  /** The MOTD lines (null: 422 MOTD File is missing). */
  motd: string[] | null;
  /** The admin { } block's lines for ADMIN (null: 423 No administrative info available). */
  admin: string[] | null;
  /** set::ping-cookie (default yes): PING :<cookie> before 001, answered by PONG. */
  pingCookie: boolean;
  limits: ClientLimits;
  /** Member modes and their client prefixes (PREFIX=). */
  prefix: string;
  /** Where SASL goes and how long it may take (sasl.ts). */
  sasl: SaslConfig;
}

export const DEFAULT_LIMITS: ClientLimits = {
  recvq: 8000,
  sendq: 3000000,
  handshakeDataFlood: 4096,
  handshakeTimeout: 30,
  pingFreq: 90,
  maxChannelsPerUser: 10,
  monitor: 128,
  fakeLagMax: 10,
  maxQueuedLines: 1000,
  knownUsers: { lagPenaltyMs: 750, lagPenaltyBytes: 180 },
  unknownUsers: { lagPenaltyMs: 1000, lagPenaltyBytes: 90 },
};

export function clientConfig(o: Partial<ClientConfig> = {}): ClientConfig {
  return {
    networkName: 'TestNet',
    version: 'tslink-0.1.0',
    modesOnConnect: '+ixw',
    modesOnJoin: '+nt',
    cloak: null,
    motd: null,
    admin: null,
    pingCookie: true,
    prefix: DEFAULT_PREFIX,
    ...o,
    sasl: { ...DEFAULT_SASL, ...(o.sasl ?? {}) },
    limits: { ...DEFAULT_LIMITS, ...(o.limits ?? {}) },
  };
}
