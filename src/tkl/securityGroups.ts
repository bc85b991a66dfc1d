// Security groups: UnrealIRCd 6's security-group { } blocks, evaluated against a user record
// (pure). Used by ~security-group: in server bans (as the index's GroupResolver) and by link
// incoming { mask { security-group ...; } }.
//
// Facts (src/securitygroup.c):
// * Built-in groups: webirc-users (priority 50: webirc yes), websocket-users (51: websocket yes),
//   known-users (100: identified yes, reputation-score 25), tls-users (300: tls yes). A block with
//   one of these names changes that group (its items are added to / replace the defaults).
//   unknown-users is "not in known-users" and cannot be defined. Names: letters, digits, '_' and
//   '-', at most 48 characters; looked up case-insensitively.
// * A user is in a group when no exclude- criterion holds and at least one criterion holds
//   (a group without criteria has nobody). Criteria: identified, webirc, websocket, tls (yes/no;
//   "no" is the same as leaving it out), reputation-score N (score >= N; "<N": score < N),
//   connect-time T (connected for >= T; "<T": less than T), mask (match_user masks; entries with
//   '!' are exceptions; with only '!' entries everyone else matches), ip (IP globs or exact/CIDR
//   addresses; an entry with a CIDR length <= 0 ends the check with "no"), security-group (in any
//   of them; nesting deeper than 8 stops with "no"), rule (crule.ts), and the extended server ban
//   names as items (account, realname, certfp, channel, country, asn, operclass; their letters
//   too): the user matches any of the values as that extban.
// * server-port (tslink, not in UnrealIRCd 6.1.8.1's source: from issue 15): the local port the
//   client connected to is one of the listed ports.
// * "destination" (spamfilter only) does not apply to a user on its own and is not supported.
import type { GroupResolver } from './match/extban.ts';
import { compileExtban, EXTBAN_LETTERS, type CompiledExtban } from './match/extban.ts';
import { compileUserMask, type UserMask } from './match/userMask.ts';
import { compileGlob, type Glob } from './match/glob.ts';
import { inPrefix, parseIPv4, parseIPv6 } from './match/ip.ts';
import type { PreparedUser } from './match/user.ts';
import { Crule, compileCrule, CruleError } from './crule.ts';

/** One side (include or exclude) of a group, as written in the config. */
export interface SecurityGroupCriteria {
  identified?: boolean;
  webirc?: boolean;
  websocket?: boolean;
  tls?: boolean;
  /** "25" or "<25". */
  reputationScore?: string | number;
  /** Seconds, or "<seconds" (durations already converted by the config reader). */
  connectTime?: string | number;
  mask?: string[];
  ip?: string[];
  securityGroup?: string[];
  rule?: string;
  serverPort?: number[];
  /** Extended server ban items: name (account, realname, certfp, channel, country, asn, operclass or a letter) -> values. */
  extended?: Record<string, string[]>;
}

export interface SecurityGroupConfig extends SecurityGroupCriteria {
  name: string;
  priority?: number;
  public?: boolean;
  exclude?: SecurityGroupCriteria;
}

const EXTBAN_ITEM_NAMES = new Set(['account', 'realname', 'certfp', 'channel', 'country', 'asn', 'operclass']);
export const SECURITY_GROUP_NAME_MAX = 48;

export function validSecurityGroupName(name: string): boolean {
  return name.length > 0 && name.length <= SECURITY_GROUP_NAME_MAX && /^[A-Za-z0-9_-]+$/.test(name);
}

interface Compiled {
  identified: boolean;
  webirc: boolean;
  websocket: boolean;
  tls: boolean;
  /** > 0: score >= n; < 0: score < -n; 0: unset. */
  reputation: number;
  connectTime: number;
  mask: { plain: UserMask[]; negated: UserMask[] } | null;
  ip: IpItem[] | null;
  groups: string[] | null;
  rule: Crule | null;
  ports: number[] | null;
  extended: CompiledExtban[] | null;
}

type IpItem = { kind: 'glob'; g: Glob } | { kind: 'v4'; net: Uint32Array; bits: number } | { kind: 'v6'; net: Uint32Array; bits: number } | { kind: 'stop' } | { kind: 'none' };

function signedValue(v: string | number | undefined, parse: (s: string) => number): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  return v.startsWith('<') ? -parse(v.slice(1)) : parse(v);
}

/** The criteria's problems, as config error texts (empty when fine). */
export function checkCriteria(c: SecurityGroupCriteria, prefix = ''): string[] {
  const errs: string[] = [];
  const rep = signedValue(c.reputationScore, (s) => parseInt(s, 10) || 0);
  if (c.reputationScore !== undefined && (Math.abs(rep) < 1 || Math.abs(rep) > 10000)) errs.push(`${prefix}reputation-score needs to be a value of 1-10000`);
  const ct = signedValue(c.connectTime, (s) => parseInt(s, 10) || 0);
  if (c.connectTime !== undefined && Math.abs(ct) < 1) errs.push(`${prefix}connect-time needs to be a time value (and more than 0 seconds)`);
  if (c.rule !== undefined) {
    try { compileCrule(c.rule); } catch (e) { errs.push(`${prefix}rule contains an invalid expression: ${(e as Error).message}`); }
  }
  for (const name of Object.keys(c.extended ?? {})) {
    if (!EXTBAN_ITEM_NAMES.has(name) && !EXTBAN_LETTERS[name]) errs.push(`${prefix}${name}: not an extended server ban`);
    for (const v of c.extended![name]) if (!v) errs.push(`${prefix}${name} has an invalid value`);
  }
  for (const p of c.serverPort ?? []) if (!Number.isInteger(p) || p < 1 || p > 65535) errs.push(`${prefix}server-port must be a port number 1-65535`);
  return errs;
}

/** Errors in a group definition (UnrealIRCd's config test). */
export function checkSecurityGroup(g: SecurityGroupConfig): string[] {
  if (g.name.toLowerCase() === 'unknown-users') return ["The 'unknown-users' group is a special group that is the inverse of 'known-users', you cannot create or adjust it"];
  const errs: string[] = [];
  if (!validSecurityGroupName(g.name)) errs.push(`security-group block name '${g.name}' contains invalid characters or is too long. Only letters, numbers, underscore and hyphen are allowed.`);
  errs.push(...checkCriteria(g), ...checkCriteria(g.exclude ?? {}, 'exclude-'));
  return errs;
}

function compileIp(item: string): IpItem {
  let s = item;
  let cidr = -1;
  const slash = s.indexOf('/');
  if (slash >= 0) {
    cidr = parseInt(s.slice(slash + 1), 10) || 0;
    if (cidr <= 0) return { kind: 'stop' };
    s = s.slice(0, slash);
  }
  if (s.includes('*') || s.includes('?')) return { kind: 'glob', g: compileGlob(s) };
  if (s.includes(':')) {
    const w = parseIPv6(s);
    const bits = cidr < 0 ? 128 : cidr;
    return w && bits <= 128 ? { kind: 'v6', net: w, bits } : { kind: 'none' };
  }
  const v = parseIPv4(s);
  const bits = cidr < 0 ? 32 : cidr;
  return v >= 0 && bits <= 32 ? { kind: 'v4', net: Uint32Array.of(v), bits } : { kind: 'none' };
}

function compileCriteria(c: SecurityGroupCriteria): Compiled {
  const masks = c.mask?.length ? { plain: [] as UserMask[], negated: [] as UserMask[] } : null;
  for (const m of c.mask ?? []) {
    if (m.startsWith('!')) masks!.negated.push(compileUserMask(m.slice(1)));
    else masks!.plain.push(compileUserMask(m));
  }
  const extended: CompiledExtban[] = [];
  for (const [name, values] of Object.entries(c.extended ?? {})) {
    const full = EXTBAN_LETTERS[name] ?? name;
    for (const v of values) extended.push(compileExtban(`~${full}:${v}`));
  }
  return {
    identified: !!c.identified, webirc: !!c.webirc, websocket: !!c.websocket, tls: !!c.tls,
    reputation: signedValue(c.reputationScore, (s) => parseInt(s, 10) || 0),
    connectTime: signedValue(c.connectTime, (s) => parseInt(s, 10) || 0),
    mask: masks,
    ip: c.ip?.length ? c.ip.map(compileIp) : null,
    groups: c.securityGroup?.length ? c.securityGroup : null,
    rule: c.rule !== undefined ? compileCrule(c.rule) : null,
    ports: c.serverPort?.length ? c.serverPort : null,
    extended: extended.length ? extended : null,
  };
}

const DEFAULTS: SecurityGroupConfig[] = [
  { name: 'webirc-users', priority: 50, public: true, webirc: true },
  { name: 'websocket-users', priority: 51, public: true, websocket: true },
  { name: 'known-users', priority: 100, public: true, identified: true, reputationScore: 25 },
  { name: 'tls-users', priority: 300, public: true, tls: true },
];

interface Group { name: string; priority: number; public: boolean; inc: Compiled; exc: Compiled; def: SecurityGroupConfig }

export interface SecurityGroupsOptions {
  /** Unix time now, for connect-time and crule online_time() (default: the clock). */
  now?: () => number;
}

/** A set of security groups (the built-in ones plus the configured ones). */
export class SecurityGroups implements GroupResolver {
  private readonly groups = new Map<string, Group>();
  private depth = 0;
  private readonly now: () => number;

  /** Throws an Error listing the problems when a definition is invalid. */
  constructor(configured: SecurityGroupConfig[] = [], opts: SecurityGroupsOptions = {}) {
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    const errs: string[] = [];
    const merged = new Map<string, SecurityGroupConfig>();
    for (const d of DEFAULTS) merged.set(d.name.toLowerCase(), structuredClone(d));
    for (const g of configured) {
      const e = checkSecurityGroup(g);
      if (e.length) { errs.push(...e.map((x) => `security-group ${g.name}: ${x}`)); continue; }
      const key = g.name.toLowerCase();
      const cur = merged.get(key);
      merged.set(key, cur ? mergeDef(cur, g) : structuredClone(g));
    }
    if (errs.length) throw new Error(errs.join('\n'));
    for (const [key, def] of merged) {
      try {
        this.groups.set(key, { name: def.name, priority: def.priority ?? 1, public: !!def.public, inc: compileCriteria(def), exc: compileCriteria(def.exclude ?? {}), def });
      } catch (e) {
        if (e instanceof CruleError) throw new Error(`security-group ${def.name}: rule: ${e.message}`);
        throw e;
      }
    }
  }

  /** Names of the groups, by priority (unknown-users not included: it is not a defined group). */
  names(): string[] {
    return [...this.groups.values()].sort((a, b) => a.priority - b.priority).map((g) => g.name);
  }

  /** Does the group (or the magic unknown-users) exist? */
  exists(name: string): boolean {
    return name === 'unknown-users' || this.groups.has(name.toLowerCase());
  }

  /** user_allowed_by_security_group_name(): false for a group that does not exist. */
  inGroup(name: string, pu: PreparedUser): boolean {
    if (name === 'unknown-users') return !this.inGroup('known-users', pu);
    const g = this.groups.get(name.toLowerCase());
    return g ? this.allowed(g, pu) : false;
  }

  /** get_security_groups(): known-users or unknown-users first, then every other group the user is in, by priority. */
  groupsOf(pu: PreparedUser): string[] {
    const out = [this.inGroup('known-users', pu) ? 'known-users' : 'unknown-users'];
    for (const name of this.names()) if (name !== 'known-users' && this.inGroup(name, pu)) out.push(name);
    return out;
  }

  private allowed(g: Group, pu: PreparedUser): boolean {
    if (this.depth > 8) return false; // SECURITY_GROUP_LOOP_DETECTED
    this.depth++;
    try {
      if (this.holds(g.exc, pu)) return false;
      return this.holds(g.inc, pu);
    } finally { this.depth--; }
  }

  /** Does any criterion of this side hold? */
  private holds(c: Compiled, pu: PreparedUser): boolean {
    const u = pu.u;
    if (c.identified && pu.loggedIn) return true;
    if (c.webirc && u.webirc) return true;
    if (c.websocket && u.websocket) return true;
    const rep = u.reputation ?? 0;
    if (c.reputation > 0 && rep >= c.reputation) return true;
    if (c.reputation < 0 && rep < -c.reputation) return true;
    if (c.connectTime !== 0) {
      const t = u.connectedAt ? this.now() - u.connectedAt : 0;
      if (c.connectTime > 0 && t >= c.connectTime) return true;
      if (c.connectTime < 0 && t < -c.connectTime) return true;
    }
    if (c.tls && u.tls) return true;
    if (c.mask && maskListMatches(c.mask, pu, this)) return true;
    if (c.ip && ipListMatches(c.ip, pu)) return true;
    if (c.rule && c.rule.eval({ pu, groups: this, now: this.now() })) return true;
    if (c.extended && c.extended.some((e) => e.test(pu, this))) return true;
    if (c.groups && c.groups.some((n) => this.inGroup(n, pu))) return true;
    if (c.ports && u.serverPort != null && c.ports.includes(u.serverPort)) return true;
    return false;
  }
}

/** unreal_mask_match(): any plain entry (or none at all, when there are only '!' entries), and no '!' entry. */
export function maskListMatches(list: { plain: UserMask[]; negated: UserMask[] }, pu: PreparedUser, groups: GroupResolver | null): boolean {
  if (list.plain.length > 0 && !list.plain.some((m) => m.test(pu, groups))) return false;
  return !list.negated.some((m) => m.test(pu, groups));
}

/** unreal_match_iplist(). */
function ipListMatches(list: IpItem[], pu: PreparedUser): boolean {
  if (!pu.ipText) return false;
  for (const it of list) {
    switch (it.kind) {
      case 'stop': return false;
      case 'glob': if (it.g.testFolded(pu.ipF)) return true; break;
      case 'v6': if (pu.ip6 && inPrefix(pu.ip6, it.net, it.bits)) return true; break;
      case 'v4': if (pu.ip4w && inPrefix(pu.ip4w, it.net, it.bits)) return true; break;
      case 'none': break;
    }
  }
  return false;
}

/** A mask list like link incoming { mask { ...; security-group x; } } or security-group::mask, compiled. */
export function compileMaskList(masks: string[]): { plain: UserMask[]; negated: UserMask[] } {
  const out = { plain: [] as UserMask[], negated: [] as UserMask[] };
  for (const m of masks) (m.startsWith('!') ? out.negated : out.plain).push(compileUserMask(m.startsWith('!') ? m.slice(1) : m));
  return out;
}

function mergeDef(cur: SecurityGroupConfig, add: SecurityGroupConfig): SecurityGroupConfig {
  const out: SecurityGroupConfig = structuredClone(cur);
  const lists = ['mask', 'ip', 'securityGroup', 'serverPort'] as const;
  for (const [k, v] of Object.entries(add)) {
    if (v === undefined || k === 'name' || k === 'exclude' || k === 'extended' || (lists as readonly string[]).includes(k)) continue;
    (out as unknown as Record<string, unknown>)[k] = v;
  }
  for (const k of lists) if (add[k]) (out[k] as unknown[]) = [...((out[k] as unknown[]) ?? []), ...(add[k] as unknown[])];
  if (add.extended) {
    out.extended = { ...(out.extended ?? {}) };
    for (const [k, v] of Object.entries(add.extended)) out.extended[k] = [...(out.extended[k] ?? []), ...v];
  }
  if (add.exclude) out.exclude = out.exclude ? mergeDef({ name: '', ...out.exclude }, { name: '', ...add.exclude }) : structuredClone(add.exclude);
  return out;
}

// --- The config block: raw form (as src/config/convert.ts would produce it) and its schema ------

/** `security-group <name> { ... }` after conversion: item names as written. */
export interface RawSecurityGroup {
  name: string;
  priority?: number;
  public?: boolean;
  [item: string]: unknown;
}

const CRITERIA_ITEMS: Record<string, 'yesno' | 'signed-int' | 'signed-duration' | 'list' | 'string' | 'ports'> = {
  identified: 'yesno', webirc: 'yesno', websocket: 'yesno', tls: 'yesno',
  'reputation-score': 'signed-int', 'connect-time': 'signed-duration',
  mask: 'list', 'include-mask': 'list', ip: 'list', 'security-group': 'list', rule: 'string', 'server-port': 'ports',
  account: 'list', realname: 'list', certfp: 'list', channel: 'list', country: 'list', asn: 'list', operclass: 'list',
};

/** Turn a converted block into a SecurityGroupConfig ('exclude-' items into `exclude`). */
export function securityGroupFromRaw(raw: RawSecurityGroup): SecurityGroupConfig {
  const out: SecurityGroupConfig = { name: raw.name, priority: raw.priority, public: raw.public };
  for (const [item, value] of Object.entries(raw)) {
    if (item === 'name' || item === 'priority' || item === 'public' || item === 'pos') continue;
    const exclude = item.startsWith('exclude-');
    const base = exclude ? item.slice(8) : item;
    const side: SecurityGroupCriteria = exclude ? (out.exclude ??= {}) : out;
    switch (base) {
      case 'identified': case 'webirc': case 'websocket': case 'tls': side[base] = !!value; break;
      case 'reputation-score': side.reputationScore = value as string | number; break;
      case 'connect-time': side.connectTime = value as string | number; break;
      case 'mask': case 'include-mask': side.mask = [...(side.mask ?? []), ...(value as string[])]; break;
      case 'ip': side.ip = value as string[]; break;
      case 'security-group': side.securityGroup = value as string[]; break;
      case 'rule': side.rule = value as string; break;
      case 'server-port': side.serverPort = (value as (string | number)[]).map(Number); break;
      default: (side.extended ??= {})[base] = value as string[];
    }
  }
  return out;
}

/**
 * The schema fragment for the lead to add to src/config/schema.ts's document (in its ConfSchema
 * dialect: `kind`/`mustBe` annotations): `security-group` is a named, repeatable top-level block.
 * reputation-score and connect-time keep their text ("<" allowed); checkSecurityGroup() checks them.
 */
export function securityGroupSchema(pos: unknown): Record<string, unknown> {
  const word = (mustBe: string) => ({ kind: 'string', type: 'string', minLength: 1, mustBe });
  const list = (mustBe: string) => ({ kind: 'list', type: 'array', items: word(mustBe), minItems: 1, mustBe: `one or more items, each ${mustBe}` });
  const yesno = { kind: 'yesno', type: 'boolean', mustBe: 'yes or no' };
  const items: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(CRITERIA_ITEMS)) {
    const s = t === 'yesno' ? yesno
      : t === 'signed-int' ? word('a number 1-10000, or <number')
        : t === 'signed-duration' ? word('a time like 300, 5m or 1h, or <time')
          : t === 'string' ? word('a rule, like: reputation() > 10 && !is_tls()')
            : t === 'ports' ? list('a port number')
              : list(k === 'mask' || k === 'include-mask' ? 'a mask like *@*.example.net, 192.0.2.0/24 or ~account:name (a ! in front excludes)' : `a value for ${k}`);
    items[k] = s;
    items[`exclude-${k}`] = s;
  }
  return {
    kind: 'block', type: 'object', additionalProperties: false, required: ['name', 'pos'],
    mustBe: 'a block: security-group name { mask *.example.net; }',
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,48}$', mustBe: 'a name of letters, digits, _ and -, at most 48 characters' },
      priority: { kind: 'int', type: 'integer', mustBe: 'a number' },
      public: yesno,
      ...items,
      pos,
    },
  };
}
