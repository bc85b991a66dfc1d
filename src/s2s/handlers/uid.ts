// :<sid> UID <nick> <hop> <ts> <ident> <host> <uid> <account> <umodes> <virthost> <cloakedhost> <ip> :<realname>
// Introduces a user (commands.md UID); nick collisions: conflicts.md §1.
import type { CommandSpec } from '../commandTable.ts';
import type { Engine } from '../engine.ts';
import type { Link } from '../link.ts';
import { intern } from '../../state/smallMap.ts';
import { newUser, setUserMd, umodeLetters } from '../../state/user.ts';
import type { Server, User } from '../../state/model.ts';
import { validHost, validIdent, validIpField, validNick, validUid, parseTs } from '../validate.ts';
import { decideCollision, fromSideName, sideName } from '../collisions.ts';
import { uidLine, uidTags } from '../userWire.ts';
import { own, plainParams, unescapeTagValue } from '../../wire/message.ts';
import { HOSTLEN, REALLEN, USERLEN } from '../../wire/limits.ts';

export const UID: CommandSpec = {
  minParams: 12, from: 'server',
  handler(e, ctx) {
    if (ctx.src.kind !== 'server') return;
    const p = ctx.msg.params;
    introduce(e, ctx.link, ctx.src.server, p[0], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], ctx.rawTags);
  },
  /**
   * The usual UID line (twelve params separated by single spaces, the realname as trailing, none
   * other starting with ':'), cut into its fields without the parser: the same fields go to the
   * same introduce() the handler calls.
   */
  fast(e, link, server, line, at, rawTags) {
    const f = BOUNDS;
    if (plainParams(line, at, f) !== 11) return false;
    introduce(
      e, link, server, line.slice(f[0], f[1]), line.slice(f[4], f[5]), line.slice(f[6], f[7]), line.slice(f[8], f[9]),
      line.slice(f[10], f[11]), line.slice(f[12], f[13]), line.slice(f[14], f[15]), line.slice(f[16], f[17]),
      line.slice(f[18], f[19]), line.slice(f[20], f[21]), line.slice(f[22] + 1), rawTags,
    );
    return true;
  },
};

/** Where the fast path found the UID line's params (see plainParams()): room for the eleven and the trailing. */
const BOUNDS = new Int32Array(24);

/** A UID's fields checked, its nick collision resolved, and the user added (and relayed). */
function introduce(
  e: Engine, link: Link | null, server: Server, nick: string, tsStr: string, ident: string, host: string, uid: string,
  account: string, umodes: string, virthost: string, cloak: string, ip: string, realname: string, rawTags: string | null,
): void {
  // Every refused UID is answered with a KILL toward its link and logged (rate-limited per link:
  // Engine.logLimited()), with UnrealIRCd's event IDs where nick.c has one.
  if (!validNick(nick)) {
    back(e, link, `:${e.me.name} 432 ${server.name} ${nick} :Nickname is unavailable: Illegal nick name`);
    back(e, link, `:${e.me.sid} KILL ${nick} :Bad nick`);
    e.logLimited('warn', 'BAD_NICK', `Server ${server.name} introduced user with bad nick ${nick}`, link);
    return;
  }
  if (!validUid(uid) || !uid.startsWith(server.sid)) {
    back(e, link, `:${e.me.sid} KILL ${uid} :Bad UID`);
    e.logLimited('error', 'BAD_UID', `Server link ${server.name} (${server.sid}) used bad UID ${uid} in UID command.`, link);
    return;
  }
  if (!validHost(host)) {
    back(e, link, `:${e.me.sid} KILL ${uid} :Bad hostname`);
    e.logLimited('error', 'BAD_HOSTNAME', `Server link ${server.name} (${server.sid}) introduced user ${nick} with bad host name: ${host}.`, link);
    return;
  }
  if (virthost !== '*' && !validHost(virthost)) {
    back(e, link, `:${e.me.sid} KILL ${uid} :Bad virtual host`);
    e.logLimited('error', 'BAD_HOSTNAME', `Server link ${server.name} (${server.sid}) introduced user ${nick} with bad virtual hostname: ${virthost}.`, link);
    return;
  }
  if (!validIpField(ip)) {
    back(e, link, `:${e.me.sid} KILL ${uid} :Bad IP in UID command`);
    e.logLimited('error', 'BAD_IP', `Server link ${server.name} (${server.sid}) introduced user ${nick} with bad IP: ${ip}.`, link);
    return;
  }
  if (!validIdent(ident)) {
    // tslink's own check (nick.c has none): a username the rest of its code could not carry.
    back(e, link, `:${e.me.sid} KILL ${uid} :Bad username`);
    e.logLimited('error', 'BAD_USERNAME', `Server link ${server.name} (${server.sid}) introduced user ${nick} with bad username: ${ident}.`, link);
    return;
  }
  if (e.net.usersByUid.has(uid)) {
    // UnrealIRCd does not detect a reused UID; tslink refuses it so its indexes stay consistent.
    e.log('error', 'DUPLICATE_UID', `Server ${server.name} introduced ${nick} with UID ${uid} that is already in use; ignored`, link);
    return;
  }
  // nick.c cmd_uid(): lastnick = atol(parv[3]), kept whatever it is (0 for a field without digits).
  const ts = parseTs(tsStr);
  const existing = e.net.usersByNick.get(nick);
  if (existing) {
    const out = decideCollision(existing, ts, { ident, realHost: host }, link, true);
    const newSide = fromSideName(server), oldSide = sideName(e, existing);
    if (out === 'existing-won') {
      back(e, link, `:${e.me.sid} KILL ${uid} :Nick collision: ${newSide} <- ${oldSide}`);
      e.log('info', 'NICK_COLLISION', `UID ${nick}: existing ${existing.uid} won over ${uid}`, link);
      return;
    }
    if (out === 'both') {
      back(e, link, `:${e.me.sid} KILL ${uid} :Nick collision: ${oldSide} <-> ${newSide}`);
      e.killUser(existing, `Nick collision: ${oldSide} <-> ${newSide}`, e.me.sid, null);
      e.log('info', 'NICK_COLLISION', `UID ${nick}: equal TS, both ${existing.uid} and ${uid} killed`, link);
      return;
    }
    e.killUser(existing, `Nick collision: ${oldSide} <- ${newSide}`, e.me.sid, null);
    e.log('info', 'NICK_COLLISION', `UID ${nick}: new ${uid} won over ${existing.uid}`, link);
  }
  // The text fields are copied into one string of the user's own (newUser()).
  const letters = umodeSet(umodes);
  const cloakHost = cloak === '*' ? '' : cloak;
  const u = newUser(
    own(uid), own(nick), ts,
    ident.slice(0, USERLEN), host.slice(0, HOSTLEN),
    vhostOf(virthost, letters, cloakHost, host),
    cloakHost,
    ip,
    account === '*' || isDigit(account.charCodeAt(0)) ? '' : account,
    letters,
    realname.slice(0, REALLEN * 4),
    server,
  );
  if (rawTags) earlyMd(u, rawTags);
  e.net.addUser(u);
  if (e.hasOtherLinks(link)) e.broadcast(link, (l) => uidLine(u, l), uidTags(u));
}

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }

/**
 * The `vhost` a new user holds for its UID virthost field (see virtualHost() in state/user.ts):
 * nick.c sets virthost := the cloak, then := the field unless it is '*'.
 *  - '*', or the default virtual host (the cloak, or the real host when no cloak is known): ''.
 *  - A -x user: '' too. Its virtual host is not shown, and UnrealIRCd does not carry it on: a
 *    VHP peer gets its real host in that field, any other peer '*'; and a +x (UMODE2) makes it
 *    the cloak again. So every node holds the same for it, however the user reached it.
 *  - Else the field (with VHP: the host the user is shown with, e.g. a vhost, or the cloak).
 */
function vhostOf(virthost: string, letters: string, cloak: string, host: string): string {
  if (virthost === '*' || !letters.includes('x')) return '';
  return virthost === (cloak || host) ? '' : virthost;
}

/** Interned mode letters by the UID umodes field they came from (a network uses a handful). */
const UMODES_SEEN = new Map<string, string>();

/** The distinct user mode letters of a UID umodes field, interned (see umodeLetters()). */
function umodeSet(field: string): string {
  let letters = UMODES_SEEN.get(field);
  if (letters !== undefined) return letters;
  letters = intern(umodeLetters(field));
  // The key is a copy of its own: the field may be a slice that would hold its whole line.
  if (UMODES_SEEN.size < 1024 && field.length <= 64) UMODES_SEEN.set(own(field), letters);
  return letters;
}

/** A reply toward the link the UID came from (none for a local UID). */
function back(e: Engine, link: Link | null, line: string): void {
  if (link) e.send(link, line);
}

/**
 * The s2s-md/<key>=<value> tags of a UID line into the user's MD: what parseTags() and a walk over
 * its keys would give (a repeated tag keeps its first position and its last value; an empty value
 * sets nothing), without building the tag object.
 */
function earlyMd(u: User, raw: string): void {
  // The first tag in locals; lists only from a second distinct tag on (rare).
  let key0: string | null = null, value0 = '';
  let keys: string[] | null = null, values: string[] | null = null;
  for (let pos = 0, end = 0; pos < raw.length; pos = end + 1) {
    end = raw.indexOf(';', pos);
    if (end < 0) end = raw.length;
    if (!raw.startsWith('s2s-md/', pos)) continue;
    const eq = raw.indexOf('=', pos);
    const key = eq < 0 || eq > end ? raw.slice(pos + 7, end) : raw.slice(pos + 7, eq);
    const value = eq < 0 || eq > end ? '' : unescapeTagValue(raw.slice(eq + 1, end));
    if (key0 === null || key0 === key) { key0 = key; value0 = value; continue; }
    if (keys === null || values === null) { keys = [key]; values = [value]; continue; }
    const k = keys.indexOf(key);
    if (k >= 0) values[k] = value;
    else { keys.push(key); values.push(value); }
  }
  if (key0 !== null && value0 !== '') setUserMd(u, key0, value0, Infinity, intern);
  if (keys === null || values === null) return;
  for (let k = 0; k < keys.length; k++) if (values[k] !== '') setUserMd(u, keys[k], values[k], Infinity, intern);
}
