// :<sid> UID <nick> <hop> <ts> <ident> <host> <uid> <account> <umodes> <virthost> <cloakedhost> <ip> :<realname>
// Introduces a user (commands.md UID); nick collisions: conflicts.md §1.
import type { CommandSpec } from '../commandTable.ts';
import type { User } from '../../state/model.ts';
import { Letters } from '../../state/letters.ts';
import { SmallMap, intern } from '../../state/smallMap.ts';
import { validHost, validIdent, validIpField, validNick, validUid, parseTs } from '../validate.ts';
import { decideCollision, fromSideName, sideName } from '../collisions.ts';
import { uidLine, uidTags } from '../userWire.ts';
import { own, parseTags } from '../../wire/message.ts';
import { HOSTLEN, REALLEN, USERLEN } from '../../wire/limits.ts';

export const UID: CommandSpec = {
  minParams: 12, from: 'server',
  handler(e, ctx) {
    const { link, msg } = ctx;
    if (ctx.src.kind !== 'server') return;
    const server = ctx.src.server;
    const [nick, , tsStr, ident, host, uid, account, umodes, virthost, cloak, ip, realname] = msg.params;
    const back = (line: string) => { if (link) e.send(link, line); };
    if (!validNick(nick)) {
      back(`:${e.me.name} 432 ${server.name} ${nick} :Nickname is unavailable: Illegal nick name`);
      back(`:${e.me.sid} KILL ${nick} :Bad nick`);
      e.log('warn', 'BAD_NICK', `Server ${server.name} introduced user with bad nick ${nick}`, link);
      return;
    }
    if (!validUid(uid) || !uid.startsWith(server.sid)) {
      back(`:${e.me.sid} KILL ${uid} :Bad UID`);
      e.log('error', 'BAD_UID', `Server link ${server.name} (${server.sid}) used bad UID ${uid} in UID command.`, link);
      return;
    }
    if (!validHost(host)) { back(`:${e.me.sid} KILL ${uid} :Bad hostname`); return; }
    if (virthost !== '*' && !validHost(virthost)) { back(`:${e.me.sid} KILL ${uid} :Bad virtual host`); return; }
    if (!validIpField(ip)) {
      back(`:${e.me.sid} KILL ${uid} :Bad IP in UID command`);
      e.log('error', 'BAD_IP', `Server link ${server.name} (${server.sid}) introduced user ${nick} with bad IP: ${ip}.`, link);
      return;
    }
    if (!validIdent(ident)) { back(`:${e.me.sid} KILL ${uid} :Bad username`); return; }
    if (e.net.usersByUid.has(uid)) {
      // UnrealIRCd does not detect a reused UID; tslink refuses it so its indexes stay consistent.
      e.log('error', 'DUPLICATE_UID', `Server ${server.name} introduced ${nick} with UID ${uid} that is already in use; ignored`, link);
      return;
    }
    const ts = parseTs(tsStr) ?? e.now();
    const existing = e.net.userByNick(nick);
    if (existing) {
      const out = decideCollision(existing, ts, { ident, realHost: host }, link, true);
      const newSide = fromSideName(server), oldSide = sideName(e, existing);
      if (out === 'existing-won') {
        back(`:${e.me.sid} KILL ${uid} :Nick collision: ${newSide} <- ${oldSide}`);
        e.log('info', 'NICK_COLLISION', `UID ${nick}: existing ${existing.uid} won over ${uid}`, link);
        return;
      }
      if (out === 'both') {
        back(`:${e.me.sid} KILL ${uid} :Nick collision: ${oldSide} <-> ${newSide}`);
        e.killUser(existing, `Nick collision: ${oldSide} <-> ${newSide}`, e.me.sid, null);
        e.log('info', 'NICK_COLLISION', `UID ${nick}: equal TS, both ${existing.uid} and ${uid} killed`, link);
        return;
      }
      e.killUser(existing, `Nick collision: ${oldSide} <- ${newSide}`, e.me.sid, null);
      e.log('info', 'NICK_COLLISION', `UID ${nick}: new ${uid} won over ${existing.uid}`, link);
    }
    const u: User = {
      uid: own(uid), nick: own(nick), ts,
      ident: own(ident.slice(0, USERLEN)), realHost: own(host.slice(0, HOSTLEN)),
      // With VHP the field carries the displayed host even when there is no vhost (then it is the
      // real host): that means "no virtual host" here, as a '*' would from a non-VHP peer.
      vhost: virthost === '*' || virthost === host ? '' : own(virthost),
      cloak: cloak === '*' ? '' : own(cloak),
      ip: own(ip),
      account: account === '*' || account === '0' || /^[0-9]/.test(account) ? '' : own(account),
      umodes: new Letters(umodes.replace(/^\+/, '').replace(/[^A-Za-z]|s/g, '')),
      realname: own(realname.slice(0, REALLEN * 4)),
      server, away: null, swhois: [], md: new SmallMap(), channels: new SmallMap(),
    };
    if (ctx.rawTags) {
      const tags = parseTags(ctx.rawTags);
      for (const k of Object.keys(tags)) if (k.startsWith('s2s-md/') && tags[k] !== '') u.md.set(intern(k.slice(7)), own(tags[k]));
    }
    e.net.addUser(u);
    if (e.hasOtherLinks(link)) e.broadcast(link, (l) => uidLine(u, l), uidTags(u));
  },
};
