// TKLs as JSON objects in UnrealIRCd's shape (json_expand_tkl, what server_ban.list,
// server_ban_exception.list, name_ban.list and spamfilter.list return), read back into the TKL
// line that adds them (`tslink tkl import`; the line then goes through the engine's own checks).
//
// Fields read (others, such as type_string or the *_string ones, are ignored):
//   type         gline | gzline | shun | except | qline | spamfilter   (kline, zline and the other
//                local types are refused: they never leave a server)
//   name         server bans and exceptions: [%]user@host or [%]~type:value; qline: the nick mask;
//                spamfilter: the match string
//   set_by       one word
//   set_at       ISO 8601 ("2026-12-07T14:55:17.000Z") or unix seconds
//   expire_at    ISO 8601, unix seconds, or null / 0 (permanent)
//   reason       text (a spamfilter's: spaces allowed, sent with '_' for a space, '__' for a '_')
//   exception_types   except: the exempted type letters
//   match_type, ban_action (name, as "block"), ban_duration (seconds), spamfilter_targets (letters)
//                spamfilter
import { BAN_ACTIONS } from '../replay/stateDump.ts';
import { parseIsoTime } from '../rpc/times.ts';
import { utf8ToByteString } from '../wire/message.ts';
import { encodeSpace } from './spamfilter.ts';

const TYPE_LETTERS = new Map([['gline', 'G'], ['gzline', 'Z'], ['shun', 's'], ['except', 'E'], ['qline', 'Q'], ['spamfilter', 'F']]);
const LOCAL_TYPES = new Set(['kline', 'zline', 'local-qline', 'local-exception', 'local-spamfilter']);
const ACTION_LETTERS = new Map(Object.entries(BAN_ACTIONS).map(([letter, name]) => [name, letter]));

type Obj = Record<string, unknown>;

/** A time field: ISO 8601, or unix seconds (a number or digit string); null when it is neither. */
function timeOf(v: unknown, what: string, nullIsZero: boolean): string {
  if ((v === null || v === undefined) && nullIsZero) return '0';
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && /^[0-9]{1,20}$/.test(v)) return v;
  if (typeof v === 'string') { const s = parseIsoTime(v); if (s > 0) return String(s); }
  throw new Error(`'${what}' is not a time (ISO 8601 or unix seconds)`);
}

/** A string field as one wire word (UTF-8 bytes as the engine's byte string). */
function word(o: Obj, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new Error(`'${key}' is missing`);
  const w = utf8ToByteString(v);
  if (/[\s\0]/.test(w) || w.startsWith(':')) throw new Error(`'${key}' must be one word`);
  return w;
}

function text(o: Obj, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Error(`'${key}' is missing`);
  const t = utf8ToByteString(v);
  if (/[\r\n\0]/.test(t)) throw new Error(`'${key}' cannot hold a line break`);
  return t;
}

/** [%]user@host or [%]~type:value → the TKL user and host fields. */
function serverBanMask(name: string): { user: string; host: string } {
  const soft = name.startsWith('%') ? '%' : '';
  const rest = soft ? name.slice(1) : name;
  if (rest.startsWith('~')) {
    const m = /^(~[A-Za-z][A-Za-z0-9-]*:)(.+)$/.exec(rest);
    if (!m) throw new Error(`'name' ${name}: an extended server ban is ~type:value`);
    return { user: soft + m[1], host: m[2] };
  }
  const at = rest.indexOf('@');
  if (at <= 0 || at === rest.length - 1) throw new Error(`'name' ${name} is not user@host`);
  return { user: soft + rest.slice(0, at), host: rest.slice(at + 1) };
}

/** The TKL line (without source) that adds the ban an object describes; throws with what is wrong. */
export function tklLineFromJson(v: unknown): string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
  const o = v as Obj;
  const type = typeof o.type === 'string' ? o.type : '';
  if (LOCAL_TYPES.has(type)) throw new Error(`type ${type} is local to one server: not a network ban`);
  const letter = TYPE_LETTERS.get(type);
  if (!letter) throw new Error(`unknown type '${type}' (gline, gzline, shun, except, qline, spamfilter)`);
  const setBy = word(o, 'set_by');
  const setAt = timeOf(o.set_at, 'set_at', false);
  const expireAt = timeOf(o.expire_at, 'expire_at', true);
  const reason = text(o, 'reason');
  if (letter === 'Q') return `TKL + Q * ${word(o, 'name')} ${setBy} ${expireAt} ${setAt} :${reason}`;
  if (letter === 'F') {
    const action = ACTION_LETTERS.get(String(o.ban_action));
    if (!action) throw new Error(`unknown 'ban_action' ${String(o.ban_action)}`);
    const duration = o.ban_duration === undefined ? 0 : o.ban_duration;
    if (typeof duration !== 'number' || !Number.isSafeInteger(duration) || duration < 0) throw new Error("'ban_duration' is a number of seconds");
    const match = text(o, 'name');
    if (match === '') throw new Error("'name' (the match string) is missing");
    return `TKL + F ${word(o, 'spamfilter_targets')} ${action} ${setBy} ${expireAt} ${setAt} ${duration} ${encodeSpace(reason) || '-'} ${word(o, 'match_type')} :${match}`;
  }
  const { user, host } = serverBanMask(word(o, 'name'));
  if (letter === 'E') return `TKL + E ${user} ${host} ${setBy} ${expireAt} ${setAt} ${word(o, 'exception_types')} :${reason}`;
  return `TKL + ${letter} ${user} ${host} ${setBy} ${expireAt} ${setAt} :${reason}`;
}
