// server_ban.* and server_ban_exception.* (UnrealIRCd's rpc/server_ban, rpc/server_ban_exception):
// network bans (G-line, GZ-line, shun) and ban exceptions (E), added and removed with TKL lines of
// our own. A mask is read as UnrealIRCd reads one: user@host, an extended server ban (~account:x),
// "%" in front for a soft ban, or the nick of a user on the network (banned at *@host, or *@ip
// for a GZ-line).
import type { TklEntry } from '../../tkl/types.ts';
import { tklKey } from '../../tkl/types.ts';
import { decodeIp } from '../../replay/stateDump.ts';
import { RpcCode, RpcError } from '../errors.ts';
import { optString, reqString, type Params } from '../params.ts';
import { toWire } from '../stateView.ts';
import { expiryOf, reasonOf, runTkl, setByOf, TKL_TYPE_LETTERS, tklList, tklObject } from './tkl.ts';
import type { MethodCtx, MethodSpec } from './types.ts';
import { VERSION } from './version.ts';

/** Extended server bans tslink accepts when adding (the ones UnrealIRCd applies to server bans). */
const EXTENDED = new Set(['a', 'account', 'S', 'certfp', 'r', 'realname', 'G', 'security-group', 'C', 'country', 'asn']);
/** Letters of the ban types an exception can exempt from. */
const EXEMPTABLE = new Set('GkZzsFQbcmdr8v'.split(''));
/** Server ban types, and which of them are local to one server (tslink has no clients to ban). */
const SERVER_BAN_TYPES = new Set(['G', 'k', 'Z', 'z', 's']);
const LOCAL_TYPES = new Set(['k', 'z']);

interface Mask { user: string; host: string }

const invalid = (msg: string) => new RpcError(RpcCode.INVALID_PARAMS, `bad mask: ${msg}`);

/** A ban mask → the TKL user and host fields (a soft ban's user keeps its "%", as on the wire). */
export function parseBanMask(ctx: MethodCtx, type: string, name: string, add: boolean, allowSoft: boolean): Mask {
  if (!name.startsWith('~') && name.includes('!')) throw invalid("'!' is not allowed (a server ban is user@host)");
  if (name.startsWith(':')) throw invalid("it cannot start with ':'");
  if (/\s/.test(name)) throw invalid('it cannot contain spaces');
  let soft = '';
  let mask = name;
  if (mask.startsWith('%')) {
    if (!allowSoft) throw invalid("the '%' prefix (soft ban) is only for gline and shun");
    soft = '%';
    mask = mask.slice(1);
  }
  const zline = type === 'Z' || type === 'z';
  if (mask.startsWith('~')) {
    const m = /^~([A-Za-z][A-Za-z0-9-]*):(.+)$/.exec(mask);
    if (!m) throw invalid('an extended server ban is ~type:value');
    if (add && !EXTENDED.has(m[1])) throw invalid(`~${m[1]} is not an extended server ban (known: ~account, ~certfp, ~realname, ~security-group, ~country, ~asn)`);
    if (add && zline) throw invalid('a (G)Z-line is an IP ban: extended server bans do not apply (use a gline)');
    return { user: `${soft}~${m[1]}:`, host: m[2] };
  }
  const at = mask.indexOf('@');
  if (at >= 0) {
    const user = mask.slice(0, at), host = mask.slice(at + 1);
    if (!user || !host) throw invalid('user@host is needed');
    if (host.startsWith(':')) throw invalid("the host cannot start with ':'");
    if (host.includes('@')) throw invalid("only one '@'");
    if (add && zline) {
      if (user !== '*') throw invalid('a (G)Z-line is placed at *@ipmask (it acts before the user name is known)');
      if (/[g-zG-Z]/.test(host)) throw invalid('a (G)Z-line is placed at *@ipmask, not at a host name (it acts before DNS)');
    }
    return { user: soft + user, host };
  }
  // A nick: the ban goes on that user's host (its IP for a (G)Z-line).
  const u = ctx.node.engine.net.user(toWire(mask));
  if (!u) throw new RpcError(RpcCode.INVALID_PARAMS, 'bad mask: neither user@host nor the nick of a user on the network');
  if (zline) {
    const ip = decodeIp(u.ip);
    if (!ip) throw invalid(`${mask} has no known IP address to Z-line`);
    return { user: '*', host: ip };
  }
  return { user: `${soft}*`, host: u.realHost };
}

function banType(p: Params): string {
  const typeName = reqString(p, 'type');
  const letter = TKL_TYPE_LETTERS.get(typeName);
  if (!letter) throw new RpcError(RpcCode.INVALID_PARAMS, `unknown ban type '${typeName}'`);
  if (!SERVER_BAN_TYPES.has(letter)) throw new RpcError(RpcCode.INVALID_PARAMS, `type '${typeName}' is not a server ban (server_ban.* takes gline, kline, gzline, zline, shun)`);
  if (LOCAL_TYPES.has(letter)) throw new RpcError(RpcCode.INVALID_PARAMS, `type '${typeName}' is a ban on one server's own clients, and tslink has none: use ${letter === 'k' ? 'gline' : 'gzline'}`);
  return letter;
}

function select(ctx: MethodCtx, p: Params, add: boolean): { type: string; mask: Mask } {
  const name = reqString(p, 'name');
  const type = banType(p);
  return { type, mask: parseBanMask(ctx, type, toWire(name), add, type === 'G' || type === 's') };
}

function find(ctx: MethodCtx, type: string, m: Mask): TklEntry | undefined {
  const e = ctx.node.engine.tkl.get(tklKey({ type, user: m.user, host: m.host }));
  return e && (e.expireAt === 0 || e.expireAt > ctx.node.engine.now()) ? e : undefined;
}

function selectException(ctx: MethodCtx, p: Params, add: boolean): Mask {
  const name = reqString(p, 'name');
  return parseBanMask(ctx, 'E', toWire(name), add, true);
}

export const serverBanMethods: MethodSpec[] = [
  {
    name: 'server_ban.list', module: 'rpc/server_ban', version: VERSION,
    call: (ctx) => ({ list: tklList(ctx, 'server_bans') }),
  },
  {
    name: 'server_ban.get', module: 'rpc/server_ban', version: VERSION,
    call(ctx, p) {
      const { type, mask } = select(ctx, p, false);
      const e = find(ctx, type, mask);
      if (!e) throw new RpcError(RpcCode.NOT_FOUND, 'no such ban');
      return { tkl: tklObject(ctx, e) };
    },
  },
  {
    name: 'server_ban.add', module: 'rpc/server_ban', version: VERSION, write: true,
    call(ctx, p) {
      const { type, mask } = select(ctx, p, true);
      const reason = reqString(p, 'reason');
      const now = ctx.node.engine.now();
      const expireAt = expiryOf(p, now);
      const setBy = setByOf(ctx, p);
      if (find(ctx, type, mask)) throw new RpcError(RpcCode.ALREADY_EXISTS, 'a ban with that mask exists already');
      runTkl(ctx, `TKL + ${type} ${mask.user} ${mask.host} ${setBy} ${expireAt} ${now} :${reasonOf(reason)}`);
      const e = find(ctx, type, mask);
      if (!e) throw new RpcError(RpcCode.INTERNAL_ERROR, 'the ban could not be added');
      return { tkl: tklObject(ctx, e) };
    },
  },
  {
    name: 'server_ban.del', module: 'rpc/server_ban', version: VERSION, write: true,
    call(ctx, p) {
      const { type, mask } = select(ctx, p, false);
      const e = find(ctx, type, mask);
      if (!e) throw new RpcError(RpcCode.NOT_FOUND, 'no such ban');
      const shown = tklObject(ctx, e);
      runTkl(ctx, `TKL - ${type} ${mask.user} ${mask.host} ${setByOf(ctx, p)}`);
      if (find(ctx, type, mask)) throw new RpcError(RpcCode.INTERNAL_ERROR, 'the ban could not be removed');
      return { tkl: shown };
    },
  },
  {
    name: 'server_ban_exception.list', module: 'rpc/server_ban_exception', version: VERSION,
    call: (ctx) => ({ list: tklList(ctx, 'server_ban_exceptions') }),
  },
  {
    name: 'server_ban_exception.get', module: 'rpc/server_ban_exception', version: VERSION,
    call(ctx, p) {
      const mask = selectException(ctx, p, false);
      const e = find(ctx, 'E', mask);
      if (!e) throw new RpcError(RpcCode.NOT_FOUND, 'no such ban exception');
      return { tkl: tklObject(ctx, e) };
    },
  },
  {
    name: 'server_ban_exception.add', module: 'rpc/server_ban_exception', version: VERSION, write: true,
    call(ctx, p) {
      const name = reqString(p, 'name');
      const types = optString(p, 'exception_types');
      if (types === undefined) throw new RpcError(RpcCode.INVALID_PARAMS, "parameter 'exception_types' is required");
      if (types === '' || [...types].some((c) => !EXEMPTABLE.has(c))) {
        throw new RpcError(RpcCode.INVALID_PARAMS, `'exception_types' is a string of ban type letters from ${[...EXEMPTABLE].join('')}`);
      }
      const mask = parseBanMask(ctx, 'E', toWire(name), true, true);
      const reason = reqString(p, 'reason');
      const now = ctx.node.engine.now();
      const expireAt = expiryOf(p, now);
      const setBy = setByOf(ctx, p);
      if (find(ctx, 'E', mask)) throw new RpcError(RpcCode.ALREADY_EXISTS, 'a ban exception with that mask exists already');
      runTkl(ctx, `TKL + E ${mask.user} ${mask.host} ${setBy} ${expireAt} ${now} ${types} :${reasonOf(reason)}`);
      const e = find(ctx, 'E', mask);
      if (!e) throw new RpcError(RpcCode.INTERNAL_ERROR, 'the ban exception could not be added');
      return { tkl: tklObject(ctx, e) };
    },
  },
  {
    name: 'server_ban_exception.del', module: 'rpc/server_ban_exception', version: VERSION, write: true,
    call(ctx, p) {
      const mask = selectException(ctx, p, false);
      const e = find(ctx, 'E', mask);
      if (!e) throw new RpcError(RpcCode.NOT_FOUND, 'no such ban exception');
      const shown = tklObject(ctx, e);
      runTkl(ctx, `TKL - E ${mask.user} ${mask.host} ${setByOf(ctx, p)}`);
      if (find(ctx, 'E', mask)) throw new RpcError(RpcCode.INTERNAL_ERROR, 'the ban exception could not be removed');
      return { tkl: shown };
    },
  },
];
