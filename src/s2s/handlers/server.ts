// SERVER <name> <hopcount=1> :[U<proto>-<flags>-<sid> ]<description>   (direct link only; handshake.md §4)
import type { CommandSpec } from '../commandTable.ts';
import type { Engine } from '../engine.ts';
import type { Link } from '../link.ts';
import { contestLink } from '../takeover.ts';
import { validServerName } from '../validate.ts';
import { authorize } from './protoctl.ts';
import { answerServer } from '../handshake.ts';
import { sendBurst } from '../burst.ts';
import { casefold } from '../../wire/casemap.ts';
import { REALLEN } from '../../wire/limits.ts';

const OLD_PROTOCOL = 'Server using old unsupported protocol from UnrealIRCd 3.2.x or earlier. See https://www.unrealircd.org/docs/FAQ#old-server-protocol';

export const SERVER: CommandSpec = {
  minParams: 0, from: 'any', handshake: true, handshakeOnly: true,
  handler(e, { link, msg }) {
    if (!link) return; // our own SERVER line (replay)
    if (link.phase !== 'handshake') { e.exitLink(link, 'Introduced another server with unsupported protocol'); return; }
    const [name = '', hop = '', desc = ''] = msg.params;
    if (msg.params.length < 3 || !desc) { e.exitLink(link, 'Not enough SERVER parameters'); return; }
    if (!validServerName(name)) { e.exitLink(link, 'Bogus server name'); return; }
    if (link.password === null) { e.exitLink(link, 'Missing password'); return; }
    if (link.eauthName !== null && casefold(link.eauthName) !== casefold(name)) {
      e.exitLink(link, `Servername (${name}) does not match name in EAUTH (${link.eauthName})`); return;
    }
    if (!authorize(e, link, name)) return;
    if (!link.peerSid) { e.exitLink(link, OLD_PROTOCOL); return; }
    const refusal = e.opts.beforeServer?.(link);
    if (refusal) { e.exitLink(link, refusal); return; }
    if (hop !== '1') { e.exitLink(link, 'Invalid SERVER message, hop count must be 1'); return; }
    if (casefold(name) === casefold(e.me.name)) { e.exitLink(link, 'Server Exists (server trying to link with same name as myself)'); return; }
    const info = serverDescription(desc, link.has('VL'));
    // Same name linked directly through another link: that link is checked before anything
    // changes (takeover.ts), instead of being dropped at once as UnrealIRCd does.
    const old = e.net.serversByName.get(casefold(name));
    const oldLink = old ? e.linkOf(old) : null;
    if (old && oldLink && oldLink.server === old && oldLink.phase === 'linked') { contestLink(e, link, oldLink, name, () => linkServer(e, link, name, info)); return; }
    linkServer(e, link, name, info);
  },
};

/**
 * Accept a peer's SERVER (all checks passed): register the server, tell the other links, answer
 * (incoming) and send our burst. Also how a held link goes ahead once its takeover check is over.
 */
export function linkServer(e: Engine, link: Link, name: string, info: string): void {
  // A server of that name known behind another server: dropped, as UnrealIRCd does
  // (handshake.md §5.8). A direct link of that name does not get here (SERVER checks it first,
  // and a held link goes ahead only once that link is gone); if one did, the same applies.
  const old = e.net.serversByName.get(casefold(name));
  if (old) {
    const oldLink = e.linkOf(old);
    if (oldLink && oldLink.server === old) e.exitLink(oldLink, 'Old link dropped, resyncing');
    else e.removeServerTree(old, 'Old link dropped, resyncing', null);
  }
  if (!link.peerSid || link.phase === 'closed') return;
  const holder = e.net.serversBySid.get(link.peerSid);
  if (holder) { e.exitLink(link, 'SID collision'); return; }
  const server = e.net.addServer(link.peerSid, name, info, 1, e.me, link.id);
  server.ulined = !!link.policy.ulined || e.isUlined(server);
  if (link.peerProtocol || link.peerSoftware) {
    server.sinfo = { boot: link.caps.get('BOOTED') || '0', protocol: String(link.peerProtocol || 0), umodes: link.caps.get('USERMODES') || '*', chanmodes: link.caps.get('CHANMODES') || '*', nickchars: link.caps.get('NICKCHARS') || '*', software: link.peerSoftware || '*' };
  }
  link.server = server;
  link.phase = 'linked';
  e.emit({ kind: 'linked', link: link.id });
  e.log('info', 'LINK_CONNECTED', `Server ${name} (${server.sid}) linked (${link.direction === 'in' ? 'incoming' : 'outgoing'})`, link);
  // Introduce the new server to our other links.
  e.broadcast(link, `:${e.me.sid} SID ${name} 2 ${server.sid} :${info}`);
  if (server.sinfo) {
    const i = server.sinfo;
    e.broadcast(link, `:${server.sid} SINFO ${i.boot} ${i.protocol} ${i.umodes} ${i.chanmodes} ${i.nickchars} :${i.software}`);
  }
  if (link.direction === 'in') answerServer(e, link);
  else sendBurst(e, link);
}

/**
 * The description a SERVER line's last param gives the server (server.c cmd_server()): from a
 * peer that announced VL, "<protocol>-<flags>-<sid> <text>" is cut up as strtok() cuts it
 * (protocol up to the first '-', flags up to the next '-', the SID up to the next space, the text
 * the rest), the text being the description when all four are there, else the whole param. So
 * flags holding a '-' cut the SID field there ("U6100-a-b-0AA x": flags "a", "b-0AA" as the SID),
 * and the text is still "x". Without VL the whole param is the description. The param is read
 * into a buffer of REALLEN + 60 bytes and the description kept in one of REALLEN ("server" when
 * empty).
 */
export function serverDescription(param: string, vl: boolean): string {
  const info = param.slice(0, REALLEN + 60);
  let out = info;
  if (vl) {
    const pos = { at: 0 };
    const protocol = strtok(info, pos, '-');
    const flags = protocol === null ? null : strtok(info, pos, '-');
    const sid = flags === null ? null : strtok(info, pos, ' ');
    const text = sid === null ? null : strtok(info, pos, '');
    if (text !== null) out = text;
  }
  return (out || 'server').slice(0, REALLEN);
}

/** C's strtok() over s from pos.at: skips leading delimiters, the token up to the next one (consumed), null at the end. */
function strtok(s: string, pos: { at: number }, delims: string): string | null {
  let i = pos.at;
  while (i < s.length && delims.includes(s[i])) i++;
  if (i >= s.length) { pos.at = s.length; return null; }
  const start = i;
  while (i < s.length && !delims.includes(s[i])) i++;
  pos.at = i < s.length ? i + 1 : i;
  return s.slice(start, i);
}
