// IRC operators among the local users (UnrealIRCd src/modules/oper.c, operinfo.c, mode.c): what an
// oper block gives once OPER succeeded, and what MODE -o takes back. The oper blocks themselves
// and the password checks are the node's (runtime/operAuth.ts): the client side sees them through
// OperAuthority, so it stays sans-I/O (a check that runs off the event loop answers later; the
// session reads no further line of that client meanwhile, so its commands keep their order).
import type { ClientSession } from './session.ts';
import type { ClientLimits } from './config.ts';
import type { OperPermissions } from '../config/operclasses.ts';
import { SNOMASK_LETTERS } from '../config/operclasses.ts';
import { modeSort } from '../s2s/userWire.ts';
import { N } from './numerics.ts';

/** An oper block as the OPER command uses it. */
export interface OperBlock {
  name: string;
  operclass: string;
  /** The operclass's permissions; null when the operclass is unknown (OPER then fails as UnrealIRCd's does). */
  perms: OperPermissions | null;
  /** oper::class, the class the oper is moved to. */
  className: string;
  vhost?: string;
  swhois: string[];
  /** oper::snomask, else set::snomask-on-oper, else +bBcdfkqsSoO. */
  snomask: string;
  /** oper::modes, else set::modes-on-oper ('' by default). */
  modes: string;
  requireModes: string;
  /** 0: no limit. */
  maxLogins: number;
}

/** The node's oper blocks and password checks. */
export interface OperAuthority {
  find(name: string): OperBlock | undefined;
  /** Does the client match one of the block's masks? */
  matches(block: OperBlock, s: ClientSession): boolean;
  /** Is this the block's password (or certificate)? A hash check answers later. */
  verify(block: OperBlock, s: ClientSession, password: string): boolean | Promise<boolean>;
  /** The limits of a class (oper::class), undefined when there is no such class. */
  classLimits(className: string): ClientLimits | undefined;
  /** set::plaintext-policy::oper (UnrealIRCd's default: deny). */
  plaintextPolicy(): 'allow' | 'warn' | 'deny';
  /** UnrealIRCd's log events (OPER_SUCCESS, OPER_FAILED, KILL_COMMAND), with their fields. */
  log(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, string>, msg: string): void;
}

/** What a local user became with OPER. */
export interface OperState {
  login: string;
  operclass: string;
  perms: OperPermissions;
}

/** User modes only opers keep (api-usermode.c unset_on_deoper): o, H, q, S, W. */
const OPER_ONLY = 'oHqSW';

/**
 * A snomask string as UnrealIRCd keeps it (user.c set_snomask()): the known letters of the `+`
 * parts, each once, sorted with lowercase before uppercase of the same letter (bBcdfkoOqsS).
 */
export function snomaskOf(spec: string): string {
  const set = new Set<string>();
  let add = true;
  for (const c of spec) {
    if (c === '+' || c === '-') { add = c === '+'; continue; }
    if (!SNOMASK_LETTERS.includes(c)) continue;
    if (add) set.add(c); else set.delete(c);
  }
  return [...set].sort((a, b) => {
    const la = a.toLowerCase(), lb = b.toLowerCase();
    if (la !== lb) return la < lb ? -1 : 1;
    return a === la ? -1 : 1;
  }).join('');
}

/** "+ab-cd" from the letters before and after (send_umode_out(): additions, then removals, in mode order). */
export function umodeChange(before: ReadonlySet<string>, after: ReadonlySet<string>): string {
  const plus = [...after].filter((m) => !before.has(m)).sort(modeSort);
  const minus = [...before].filter((m) => !after.has(m)).sort(modeSort);
  return (plus.length ? '+' + plus.join('') : '') + (minus.length ? '-' + minus.join('') : '');
}

/** The user's modes as the user itself sees them: the network's letters, and s while it has a snomask. */
export function ownModes(s: ClientSession): Set<string> {
  const m = new Set(s.user?.umodes ?? []);
  if (s.snomask) m.add('s');
  return m;
}

/**
 * OPER succeeded (oper.c cmd_oper() then make_oper()): the block's swhois, the vhost, +o and the
 * block's modes to the network (UMODE2), the MODE and the snomask to the user, the operlogin and
 * operclass MD (operinfo.c), then 381.
 */
export function makeOper(s: ClientSession, block: OperBlock, perms: OperPermissions): void {
  const host = s.mgr.host, u = s.user!;
  const sid = host.me.sid;
  for (const line of block.swhois) host.local(`:${sid} SWHOIS ${s.uid} + oper -100 :${line}`);
  const before = ownModes(s);
  if (block.vhost) {
    const at = block.vhost.indexOf('@');
    if (at > 0) host.local(`:${s.uid} SETIDENT ${block.vhost.slice(0, at)}`);
    host.local(`:${s.uid} SETHOST :${block.vhost.slice(at + 1)}`);
  }
  const add = new Set(['o', ...block.modes.replace(/[^A-Za-z]/g, '')].filter((m) => m !== 's' && !u.umodes.has(m)));
  if (add.size) s.toNetwork(`:${s.nick} UMODE2 +${[...add].sort(modeSort).join('')}`);
  s.snomask = snomaskOf(block.snomask);
  const change = umodeChange(before, ownModes(s));
  if (change) s.send(`:${s.nick} MODE ${s.nick} :${change}`);
  if (s.snomask) s.numeric(N.RPL_SNOMASK(s.snomask));
  s.oper = { login: block.name, operclass: block.operclass, perms };
  host.local(`:${sid} MD client ${s.uid} operlogin :${block.name}`);
  host.local(`:${sid} MD client ${s.uid} operclass :${block.operclass}`);
  s.numeric(N.RPL_YOUREOPER());
  const limits = s.mgr.opers?.classLimits(block.className);
  if (limits) { s.className = block.className; s.limits = limits; }
}

/**
 * The user is no oper any more (MODE -o; mode.c, api-usermode.c remove_oper_privileges()): the
 * oper-only modes and the snomask go, the operlogin/operclass MD and the oper swhois are unset.
 */
export function dropOper(s: ClientSession): void {
  const host = s.mgr.host, u = s.user!;
  const sid = host.me.sid;
  const before = ownModes(s);
  const gone = [...u.umodes].filter((m) => OPER_ONLY.includes(m)).sort(modeSort);
  s.snomask = '';
  if (gone.length) s.toNetwork(`:${s.nick} UMODE2 -${gone.join('')}`);
  const change = umodeChange(before, ownModes(s));
  if (change) s.send(`:${s.nick} MODE ${s.nick} :${change}`);
  if (s.oper) {
    s.oper = null;
    host.local(`:${sid} MD client ${s.uid} operlogin`);
    host.local(`:${sid} MD client ${s.uid} operclass`);
  }
  if (u.swhois.some((w) => w.tag === 'oper')) host.local(`:${sid} SWHOIS ${s.uid} - oper 0 :*`);
}
