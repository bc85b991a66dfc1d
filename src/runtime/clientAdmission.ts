// What the node's configuration says of its local clients: the client side's settings (network
// name, cloak keys, registration timeout) and the allow { } / class { } check each client meets as
// it registers (UnrealIRCd's nick.c AllowClient(): the first allow block in file order that
// matches decides; maxperip, global-maxperip and the class's maxclients are checked there).
import { closeSync, openSync, readSync } from 'node:fs';
import type { AllowConfig, ClassConfig, TslinkConfig } from '../config/index.ts';
import type { Admission, LocalClients } from '../client/clients.ts';
import { clientConfig, DEFAULT_LIMITS, type ClientConfig, type ClientLimits } from '../client/config.ts';
import type { ClientSession } from '../client/session.ts';
import { cloakKeysOf, ipField } from '../client/cloak.ts';
import { addressMatches, parseIpAddress } from '../link/addressMask.ts';
import { matchMask } from '../s2s/mask.ts';
import { DEFAULT_SASL, SASL_TIMEOUT_MIN, type SaslConfig } from '../client/sasl.ts';
import { parseDuration } from '../config/units.ts';

/** UnrealIRCd's refusal texts (conf.c set::reject-message defaults). */
export const REJECT = {
  tooManyConnections: 'Too many connections from your IP',
  serverFull: 'This server is full',
  unauthorized: 'You are not authorized to connect to this server',
} as const;

/** A class's client limits: what the block wrote, UnrealIRCd's client defaults for the rest. */
export const CLIENT_CLASS_DEFAULTS = { recvq: 8000, sendq: 3000000, pingFreq: 90 };

/** The client side's settings from a node's configuration. */
export function clientConfigFrom(cfg: TslinkConfig): ClientConfig {
  const keys = cloakKeysOf(cfg);
  return clientConfig({
    networkName: cfg.set.networkName,
    cloak: keys ? { keys } : null,
    limits: { ...DEFAULT_LIMITS, handshakeTimeout: cfg.set.handshakeTimeout },
    sasl: saslConfigOf(cfg),
    motd: motdOf(cfg),
    admin: cfg.admin && cfg.admin.length ? [...cfg.admin] : null,
  });
}

/** At most this much of a MOTD file is shown (a file someone points at /dev/zero stays harmless). */
const MOTD_MAX_BYTES = 64 * 1024;
const MOTD_MAX_LINES = 1000;

/**
 * files::motd's lines (UnrealIRCd's default is ircd.motd; tslink reads one only when configured),
 * each as the 372 text; null (422 MOTD File is missing) when there is none or it cannot be read.
 */
export function motdOf(cfg: TslinkConfig): string[] | null {
  if (!cfg.motdFile) return null;
  let text: string;
  try {
    const fd = openSync(cfg.motdFile, 'r');
    try {
      const buf = Buffer.alloc(MOTD_MAX_BYTES);
      const n = readSync(fd, buf, 0, MOTD_MAX_BYTES, 0);
      text = buf.subarray(0, n).toString('latin1');
    } finally { closeSync(fd); }
  } catch { return null; }
  // A line ends at CR, LF or NUL (none of them may reach a client inside a line).
  return text.split(/\r\n|[\r\n\0]/).slice(0, MOTD_MAX_LINES).map((l) => l.slice(0, 400));
}

/**
 * set::sasl-server, set::services-server and set::sasl-timeout (kept unvalidated in set.extra):
 * UnrealIRCd's names and default; a sasl-timeout that is not a time of at least 5 s is ignored.
 */
export function saslConfigOf(cfg: TslinkConfig): SaslConfig {
  const value = (name: string): string | null => cfg.set.extra.find((n) => n.name === name)?.value ?? null;
  const timeout = parseDuration(value('sasl-timeout') ?? '');
  return {
    server: value('sasl-server'),
    servicesServer: value('services-server'),
    timeout: timeout !== undefined && timeout >= SASL_TIMEOUT_MIN ? timeout : DEFAULT_SASL.timeout,
  };
}

/** The limits of a client in `cls`. */
export function classLimits(base: ClientLimits, cls: ClassConfig | undefined): ClientLimits {
  const w = cls?.written ?? {};
  return { ...base, recvq: w.recvQ ?? CLIENT_CLASS_DEFAULTS.recvq, sendq: w.sendQ ?? CLIENT_CLASS_DEFAULTS.sendq, pingFreq: w.pingFreq ?? CLIENT_CLASS_DEFAULTS.pingFreq };
}

/** Does an allow mask (`*`, `[user@]ip-mask`, `[user@]host-mask`) match this client? */
export function allowMaskMatches(mask: string, s: ClientSession): boolean {
  const at = mask.lastIndexOf('@');
  const userPart = at >= 0 ? mask.slice(0, at) : '*';
  const hostPart = at >= 0 ? mask.slice(at + 1) : mask;
  if (userPart !== '*' && !matchMask(userPart, s.ident)) return false;
  if (hostPart === '*') return true;
  if (parseIpAddress(s.info.ip) && addressMatches(hostPart, s.info.ip)) return true;
  return matchMask(hostPart, s.realHost) || matchMask(hostPart, s.info.ip);
}

/**
 * An allow block's password check for a client (allowAuth.ts): true or false now (no PASS, a
 * certfp), or later (a hash checked off the event loop).
 */
export type AllowPasswordCheck = (a: AllowConfig, s: ClientSession) => boolean | Promise<boolean>;

/** Without a check (no verifier given), a block with a password matches nobody. */
const NO_PASSWORD_CHECK: AllowPasswordCheck = () => false;

/**
 * The allow check for one client about to register (LocalClients.admit): the first block in file
 * order that matches decides. A block whose password the client did not show tries the next one,
 * unless it says reject-on-auth-failure (refused then, as when no block matched: no 464).
 * When a block's password is a hash, the answer comes later (a promise), after the check settles;
 * the counts (maxperip, class) are taken then.
 */
export function admitByAllow(cfg: TslinkConfig, clients: LocalClients, s: ClientSession, check: AllowPasswordCheck = NO_PASSWORD_CHECK): Admission | Promise<Admission> {
  return admitFrom(cfg, clients, s, check, 0);
}

function admitFrom(cfg: TslinkConfig, clients: LocalClients, s: ClientSession, check: AllowPasswordCheck, from: number): Admission | Promise<Admission> {
  for (let i = from; i < cfg.allow.length; i++) {
    const a = cfg.allow[i];
    if (a.tlsOnly && !s.info.tls) continue;
    if (!a.masks.some((m) => allowMaskMatches(m, s))) continue;
    if (a.auth === undefined) return admitIn(cfg, clients, s, a);
    // A wrong password tries the next block, unless this one says to refuse.
    const wrong = (): Admission | Promise<Admission> => a.rejectOnAuthFailure ? { refuse: REJECT.unauthorized } : admitFrom(cfg, clients, s, check, i + 1);
    const ok = check(a, s);
    if (typeof ok === 'boolean') return ok ? admitIn(cfg, clients, s, a) : wrong();
    return ok.then((passed) => passed ? admitIn(cfg, clients, s, a) : wrong(), wrong);
  }
  return { refuse: REJECT.unauthorized };
}

function admitIn(cfg: TslinkConfig, clients: LocalClients, s: ClientSession, a: AllowConfig): Admission {
  let local = 1, inClass = 0;
  for (const x of clients.byUid.values()) {
    if (x === s || x.closed) continue;
    if (x.info.ip === s.info.ip) local++;
    if (x.className === a.className) inClass++;
  }
  if (local > a.maxPerIp) return { refuse: REJECT.tooManyConnections };
  const ip = ipField(s.info.ip);
  if (ip !== '*') {
    let global = 1;
    for (const u of clients.host.net.usersByUid.values()) if (u.ip === ip) global++;
    if (global > a.globalMaxPerIp) return { refuse: REJECT.tooManyConnections };
  }
  const cls = cfg.classes[a.className];
  if (cls && inClass + 1 > cls.maxClients) return { refuse: REJECT.serverFull };
  return { className: a.className, limits: classLimits(clients.cfg.limits, cls) };
}
