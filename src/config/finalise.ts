/**
 * Builds the public `TslinkConfig` from a raw document that passed validation:
 * camelCase names, defaults filled in, file paths made absolute.
 */
import * as path from 'node:path';
import type { PositionTable } from './positions.ts';
import { DEFAULT_CLASS_NAME } from './rules.ts';
import type { RawAllow, RawClass, RawDenyLink, RawDocument, RawExceptBan, RawLink, RawListen, RawLogFile, RawOper, RawRpcUser, RawSet } from './schema.ts';
import type { AllowConfig, ClassConfig, DenyLinkConfig, ExceptBanConfig, LinkConfig, ListenConfig, LogFileConfig, OperConfig, PasswordAuth, RpcUserConfig, SetConfig, SourcePos, TslinkConfig } from './types.ts';
import { normaliseCertfp } from './fingerprints.ts';

/** Values used when a class block (or the whole `servers` class) leaves them out. */
export const CLASS_DEFAULTS = { pingFreq: 90, connFreq: 15, maxClients: 10, sendQ: 20 * 1024 * 1024, recvQ: 64 * 1024 };

export const SET_DEFAULTS = {
  networkName: 'TestNet',
  /** set::handshake-timeout (clients), UnrealIRCd's default. */
  clientHandshakeTimeout: 30,
  connectTimeout: 10,
  handshakeTimeout: 20,
  autoconnectStrategy: 'sequential',
  perIp: 20,
  perPrefix: 200,
  total: 2000,
  /** set::anti-flood::everyone::connect-flood, UnrealIRCd's default. */
  connectFlood: '3:60',
  tlsMinVersion: 'TLSv1.2',
} as const;

/** Resolves file paths against the directory of the file they were written in. */
export type PathResolver = (pos: SourcePos, file: string) => string;

export function pathResolver(baseDirs: Map<string, string>): PathResolver {
  return (pos, file) => path.resolve(baseDirs.get(pos.file) ?? process.cwd(), file);
}

export function finaliseConfig(doc: RawDocument, positions: PositionTable, baseDirs: Map<string, string>): TslinkConfig {
  const resolvePath = pathResolver(baseDirs);
  if (!doc.me) throw new Error('finaliseConfig: document without me block (validation should have failed)');
  // No prototype: a class may be called "constructor" or "toString" and is looked up by name.
  const classes: Record<string, ClassConfig> = Object.create(null) as Record<string, ClassConfig>;
  for (const raw of doc.class) classes[raw.name] = finaliseClass(raw);
  if (!Object.hasOwn(classes, DEFAULT_CLASS_NAME)) {
    classes[DEFAULT_CLASS_NAME] = { name: DEFAULT_CLASS_NAME, ...CLASS_DEFAULTS, pos: { file: '<built-in>', line: 0 } };
  }
  const set = finaliseSet(doc.set, positions, resolvePath);
  const log = doc.log?.[0];
  return {
    ...(log ? { log: finaliseLogFile(log, set.dataDirectory) } : {}),
    me: { name: doc.me.name, info: doc.me.info, sid: doc.me.sid, pos: doc.me.pos },
    listen: doc.listen.map((raw) => finaliseListen(raw, resolvePath, set.dataDirectory)),
    links: doc.link.map((raw) => finaliseLink(raw, resolvePath)),
    classes,
    ulines: [...doc.ulines],
    set,
    denyLink: doc['deny-link'].map(finaliseDenyLink),
    exceptBan: doc['except-ban'].map(finaliseExceptBan),
    rpcUsers: (doc['rpc-user'] ?? []).map(finaliseRpcUser),
    allow: (doc.allow ?? []).map(finaliseAllow),
    opers: (doc.oper ?? []).map(finaliseOper),
    ...(doc.admin && doc.admin.length ? { admin: [...doc.admin] } : {}),
    ...(doc.files?.motd ? { motdFile: resolvePath(positions.get('/files/motd')?.pos ?? doc.me.pos, doc.files.motd) } : {}),
  };
}

/** The rotation size when a log file sets none (UnrealIRCd's default log has maxsize 100M too). */
export const LOG_FILE_DEFAULT_MAXSIZE = 100 * 1024 * 1024;

function finaliseLogFile(raw: RawLogFile, dataDirectory: string | undefined): LogFileConfig {
  // Relative to the data directory, as UnrealIRCd's are to its log directory.
  const file = path.isAbsolute(raw.file) || dataDirectory === undefined ? raw.file : path.resolve(dataDirectory, raw.file);
  return { file, maxSize: raw.maxsize ?? raw['max-size'] ?? LOG_FILE_DEFAULT_MAXSIZE, pos: raw.pos };
}

/** An rpc-user mask as an address mask (`*@10.0.0.1` → `10.0.0.1`, as except ban masks). */
export function rpcUserMasks(raw: Pick<RawRpcUser, 'match' | 'mask'>): unknown[] {
  return [...(raw.match?.ip ?? []), ...(raw.match?.mask ?? []), ...(raw.mask ?? [])];
}

function finaliseRpcUser(raw: RawRpcUser): RpcUserConfig {
  return {
    name: raw.name,
    match: rpcUserMasks(raw).map((m) => exceptBanAddressMask(String(m))),
    passwordHash: raw.password ?? '',
    rpcClass: raw['rpc-class'] === 'read-only' ? 'read-only' : 'full',
    pos: raw.pos,
  };
}

function finaliseListen(raw: RawListen, resolvePath: PathResolver, dataDirectory: string | undefined): ListenConfig {
  const rpc = raw.options?.rpc === true;
  const listen: ListenConfig = {
    serversOnly: raw.options?.serversonly === true,
    clientsOnly: raw.options?.clientsonly === true,
    // An rpc listener on ip/port is HTTPS whatever options say (UnrealIRCd forces TLS there too).
    tls: raw.options?.tls === true || (rpc && raw.file === undefined),
    pos: raw.pos,
  };
  if (rpc) listen.rpc = true;
  if (raw.options?.metrics === true) { listen.metrics = true; listen.tls = false; }
  if (raw.ip !== undefined) listen.ip = raw.ip;
  if (raw.port !== undefined) listen.port = raw.port;
  if (raw.file !== undefined) {
    // The rpc socket lives in the data directory (UnrealIRCd: listen::file relative to its data dir).
    if (rpc && !path.isAbsolute(raw.file)) listen.file = dataDirectory !== undefined ? path.resolve(dataDirectory, raw.file) : raw.file;
    else listen.file = resolvePath(raw.pos, raw.file);
  }
  const tlsOptions = raw['tls-options'];
  if (tlsOptions) {
    listen.tlsOptions = {};
    if (tlsOptions.certificate !== undefined) listen.tlsOptions.certificate = resolvePath(raw.pos, tlsOptions.certificate);
    if (tlsOptions.key !== undefined) listen.tlsOptions.key = resolvePath(raw.pos, tlsOptions.key);
  }
  return listen;
}

function finaliseLink(raw: RawLink, resolvePath: PathResolver): LinkConfig {
  const file = (value: string | undefined): string | undefined => (value === undefined ? undefined : resolvePath(raw.pos, value));
  const link: LinkConfig = {
    name: raw.name,
    verify: { certfp: [...(raw.verify?.certfp ?? [])], spkifp: [...(raw.verify?.spkifp ?? [])] },
    requireHmac: raw['require-hmac'] === true,
    className: raw.class ?? DEFAULT_CLASS_NAME,
    plaintextLoopback: raw.options?.['plaintext-loopback'] === true,
    pos: raw.pos,
  };
  if (raw.verify?.ca !== undefined) link.verify.ca = file(raw.verify.ca);
  if (raw.incoming) link.incoming = { mask: [...raw.incoming.mask] };
  if (raw.outgoing) {
    const out = raw.outgoing;
    link.outgoing = { hostname: out.hostname, port: out.port, tls: out.options?.tls === true, autoconnect: out.options?.autoconnect === true };
    if (out['bind-ip'] !== undefined) link.outgoing.bindIp = out['bind-ip'];
  }
  if (raw.password !== undefined && raw.password !== '*') link.passwordHash = raw.password;
  setIfDefined(link, 'passwordFile', file(raw['password-file']));
  setIfDefined(link, 'hmacSecretFile', file(raw['hmac-secret-file']));
  setIfDefined(link, 'hub', raw.hub);
  setIfDefined(link, 'leaf', raw.leaf);
  setIfDefined(link, 'leafDepth', raw['leaf-depth']);
  setIfDefined(link, 'capture', file(raw.capture));
  return link;
}

function finaliseAllow(raw: RawAllow): AllowConfig {
  const maxPerIp = raw.maxperip ?? 1;
  const opts = raw.options ?? {};
  const allow: AllowConfig = {
    masks: [...(raw.mask ?? []), ...(raw.match ?? []), ...(raw.ip ?? []), ...(raw.hostname ?? [])],
    className: raw.class ?? DEFAULT_CLASS_NAME,
    maxPerIp,
    // UnrealIRCd: global-maxperip defaults to maxperip + 1, and is never below maxperip.
    globalMaxPerIp: Math.max(raw['global-maxperip'] ?? maxPerIp + 1, maxPerIp),
    tlsOnly: opts.tls === true || opts.ssl === true,
    rejectOnAuthFailure: opts['reject-on-auth-failure'] === true,
    pos: raw.pos,
  };
  // rules.ts refuses a plaintext password: none reaches here, and none is ever kept.
  if (raw.password !== undefined) allow.auth = passwordAuth(raw.password, raw['password-type'], 'an allow block');
  return allow;
}

function finaliseOper(raw: RawOper): OperConfig {
  const pw = raw.password;
  // rules.ts refuses a plaintext password: none reaches here, and none is ever kept.
  const auth: OperConfig['auth'] = pw === undefined ? { type: 'none' } : passwordAuth(pw, raw['password-type'], `oper "${raw.name}"`);
  const oper: OperConfig = {
    name: raw.name,
    auth,
    masks: [...(raw.mask ?? []), ...(raw.match ?? [])],
    operclass: raw.operclass,
    className: raw.class,
    swhois: [...(raw.swhois ?? [])],
    maxLogins: raw.maxlogins ?? 0,
    pos: raw.pos,
  };
  setIfDefined(oper, 'vhost', raw.vhost);
  setIfDefined(oper, 'snomask', raw.snomask);
  setIfDefined(oper, 'modes', raw.modes);
  setIfDefined(oper, 'requireModes', raw['require-modes']);
  return oper;
}

/** A password as written (oper, allow) as tslink keeps it: a hash, or a certfp; a plaintext one throws (rules.ts refused it). */
function passwordAuth(pw: string, type: 'certfp' | undefined, label: string): PasswordAuth {
  if (type === 'certfp') return { type: 'certfp', fingerprint: normaliseCertfp(pw) };
  if (!isOperPasswordHash(pw)) throw new Error(`finaliseConfig: ${label} has a plaintext password (validation should have failed)`);
  return { type: 'hash', hash: pw };
}

/** A stored oper password that is a hash tslink checks ($scrypt$, $argon2id$); anything else is plaintext, refused by rules.ts. */
export function isOperPasswordHash(text: string): boolean {
  return text.startsWith('$scrypt$') || text.startsWith('$argon2id$');
}

function finaliseClass(raw: RawClass): ClassConfig {
  const written: NonNullable<ClassConfig['written']> = {};
  if (raw.pingfreq !== undefined) written.pingFreq = raw.pingfreq;
  if (raw.sendq !== undefined) written.sendQ = raw.sendq;
  if (raw.recvq !== undefined) written.recvQ = raw.recvq;
  if (raw.maxclients !== undefined) written.maxClients = raw.maxclients;
  return {
    written,
    name: raw.name,
    pingFreq: raw.pingfreq ?? CLASS_DEFAULTS.pingFreq,
    connFreq: raw.connfreq ?? CLASS_DEFAULTS.connFreq,
    maxClients: raw.maxclients ?? CLASS_DEFAULTS.maxClients,
    sendQ: raw.sendq ?? CLASS_DEFAULTS.sendQ,
    recvQ: raw.recvq ?? CLASS_DEFAULTS.recvQ,
    pos: raw.pos,
  };
}

function finaliseSet(raw: RawSet | undefined, positions: PositionTable, resolvePath: PathResolver): SetConfig {
  const linking = raw?.['server-linking'];
  const limits = raw?.['handshake-limits'];
  const set: SetConfig = {
    networkName: raw?.['network-name'] ?? SET_DEFAULTS.networkName,
    handshakeTimeout: raw?.['handshake-timeout'] ?? SET_DEFAULTS.clientHandshakeTimeout,
    serverLinking: {
      connectTimeout: linking?.['connect-timeout'] ?? SET_DEFAULTS.connectTimeout,
      handshakeTimeout: linking?.['handshake-timeout'] ?? SET_DEFAULTS.handshakeTimeout,
      autoconnectStrategy: linking?.['autoconnect-strategy'] ?? SET_DEFAULTS.autoconnectStrategy,
    },
    handshakeLimits: { perIp: limits?.['per-ip'] ?? SET_DEFAULTS.perIp, perPrefix: limits?.['per-prefix'] ?? SET_DEFAULTS.perPrefix, total: limits?.total ?? SET_DEFAULTS.total },
    antiFlood: { connectFlood: parseConnectFlood(raw?.['anti-flood']?.everyone?.['connect-flood'] ?? SET_DEFAULTS.connectFlood) },
    tls: { minVersion: raw?.tls?.['min-version'] ?? SET_DEFAULTS.tlsMinVersion },
    extra: [...(raw?.extra ?? [])],
  };
  const dataDirectory = raw?.['data-directory'];
  if (dataDirectory !== undefined) {
    // set blocks may be spread over several files: resolve against the item's own file.
    const pos = positions.get('/set/data-directory')?.pos ?? raw!.pos;
    set.dataDirectory = resolvePath(pos, dataDirectory);
  }
  return set;
}

/** `<count>:<period>` (validated by the rules: count 1-255, period 1-3600 s). */
export function parseConnectFlood(text: string): { count: number; periodSeconds: number } {
  const m = /^([0-9]+):([0-9]+)s?$/.exec(text);
  return m ? { count: Number(m[1]), periodSeconds: Number(m[2]) } : { count: 0, periodSeconds: 0 };
}

/** The IP part of an except ban mask (`*@10.0.0.1` → `10.0.0.1`). */
export function exceptBanAddressMask(mask: string): string {
  const at = mask.lastIndexOf('@');
  return at < 0 ? mask : mask.slice(at + 1);
}

function finaliseExceptBan(raw: RawExceptBan): ExceptBanConfig {
  return { masks: raw.mask.map(exceptBanAddressMask), types: raw.type && raw.type.length ? [...raw.type] : ['all'], pos: raw.pos };
}

function finaliseDenyLink(raw: RawDenyLink): DenyLinkConfig {
  const deny: DenyLinkConfig = { mask: raw.mask, rule: raw.rule, type: raw.type ?? 'all', pos: raw.pos };
  if (raw.reason !== undefined) deny.reason = raw.reason;
  return deny;
}

function setIfDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
