// PROTOCTL <token>[=<value>] ...   (handshake.md §3). Unknown tokens are ignored.
import type { CommandSpec } from '../commandTable.ts';
import type { Engine } from '../engine.ts';
import type { Link } from '../link.ts';
import { ChanModeGroups } from '../chanmodes.ts';
import { validServerName, validSid } from '../validate.ts';
import { eauthLine, serversLine } from '../protoctl.ts';
import { maybeSendServer } from '../handshake.ts';

const CLOCK_WARN = 10;
const VALUE_TOKENS = new Set(['EAUTH', 'SERVERS', 'SID', 'TS', 'CHANMODES', 'CHANNELCHARS']);

export const PROTOCTL: CommandSpec = {
  minParams: 1, from: 'any', handshake: true, handshakeOnly: true,
  handler(e, { link, msg }) {
    if (!link) return; // our own PROTOCTL (replay): nothing to do
    for (const tok of msg.params.join(' ').split(' ')) {
      if (!tok) continue;
      const eq = tok.indexOf('=');
      const key = (eq < 0 ? tok : tok.slice(0, eq)).toUpperCase();
      const value = eq < 0 ? '' : tok.slice(eq + 1);
      // Value tokens (EAUTH=, SID=, ...) only count with their '='; Anope sends a bare "SID" flag first.
      if (eq < 0 && VALUE_TOKENS.has(key)) { link.caps.set(key, ''); continue; }
      if (!applyToken(e, link, key, value)) return; // link was exited
    }
    if (link.phase === 'handshake' && !link.receivedProtoctl) {
      link.receivedProtoctl = true;
      maybeSendServer(e, link);
    }
  },
};

/** Returns false when the link was exited. */
function applyToken(e: Engine, link: Link, key: string, value: string): boolean {
  const inHandshake = link.phase === 'handshake';
  switch (key) {
    case 'EAUTH': {
      if (!inHandshake) return true;
      if (link.eauthName !== null) { e.exitLink(link, 'PROTOCTL EAUTH received twice'); return false; }
      const [name = '', proto = '', , software = ''] = value.split(',');
      if (!validServerName(name)) { e.exitLink(link, 'Bogus server name'); return false; }
      link.eauthName = name;
      link.peerProtocol = Number(proto) || 0;
      link.peerSoftware = software;
      if (link.password === null) { e.exitLink(link, 'Missing password'); return false; }
      const res = authorize(e, link, name);
      if (!res) return false;
      // "Send PASS early" (incoming side).
      if (link.direction === 'in' && !link.sentPass) { e.send(link, `PASS :${link.policy.sendPassword ?? '*'}`); link.sentPass = true; }
      return true;
    }
    case 'SERVERS': {
      if (!inHandshake || link.peerProtocol < 2351) return true;
      const reply = value.startsWith('*');
      const sids = (reply ? value.slice(1) : value).split(',').filter(Boolean);
      for (const sid of sids) {
        if (e.net.serversBySid.has(sid)) {
          e.exitLink(link, sid === e.me.sid ? 'Server Exists (or non-unique me::sid)' : 'Server Exists (just wait a moment...)');
          return false;
        }
      }
      if (!reply) {
        e.send(link, eauthLine(e));
        e.send(link, serversLine(e, true));
      }
      return true;
    }
    case 'SID': {
      if (!inHandshake) return true;
      // An incoming peer must identify itself (EAUTH) first; on links we opened we know who we called.
      if (link.eauthName === null && link.direction === 'in') { e.exitLink(link, "Got PROTOCTL SID before EAUTH, that's the wrong order!"); return false; }
      if (link.peerSid !== null) { e.exitLink(link, 'Got PROTOCTL SID twice'); return false; }
      if (!validSid(value)) { e.exitLink(link, 'Invalid SID. The first character must be a digit and the other two characters must be A-Z0-9. Eg: 0AA.'); return false; }
      if (e.net.serversBySid.has(value)) {
        const holder = e.net.serversBySid.get(value)!;
        // A re-link of the same server name drops the old path later (SERVER); a different name is a collision.
        if (holder === e.me || link.eauthName === null || holder.name.toLowerCase() !== link.eauthName.toLowerCase()) { e.exitLink(link, 'SID collision'); return false; }
      }
      link.peerSid = value;
      return true;
    }
    case 'TS': {
      const ts = Number(value);
      if (!Number.isFinite(ts) || ts < 10000) return true;
      link.peerTs = ts;
      const diff = Math.abs(ts - e.now());
      const max = e.opts.maxClockSkew ?? 60;
      if (diff > max) { e.exitLink(link, `Incorrect clock. Our clocks are ${diff} seconds apart.`); return false; }
      if (diff > CLOCK_WARN) e.log('warn', 'LINK_CLOCK_WARNING', `Clock of ${link.name} is ${diff} seconds off (limit ${max})`, link);
      return true;
    }
    case 'CHANMODES':
      link.chanmodes = new ChanModeGroups(value);
      link.caps.set(key, value);
      return true;
    case 'CHANNELCHARS':
      if (value && value !== 'utf8') { e.exitLink(link, 'Incompatible set::allowed-channelchars setting'); return false; }
      link.caps.set(key, value);
      return true;
    default:
      link.caps.set(key, value);
      if (key.startsWith('TSLINK-') && e.opts.onPeerToken) {
        const r = e.opts.onPeerToken(link, key, value);
        for (const l of r.send ?? []) e.send(link, l);
        if (r.error) { e.exitLink(link, r.error); return false; }
      }
      return true;
  }
}

function authorize(e: Engine, link: Link, name: string): boolean {
  if (link.authorized) return true;
  const auth = e.opts.authorize;
  const res = auth
    ? auth({ link: link.id, direction: link.direction, name, password: link.password, address: link.address, software: link.peerSoftware })
    : { ok: false as const, reason: 'Link denied (No link block found with your server name or link::incoming::mask did not match)' };
  if (!res.ok) { e.exitLink(link, res.reason); return false; }
  const { ok: _ok, preLines, ...policy } = res;
  link.policy = { ...link.policy, ...policy };
  link.authorized = true;
  for (const l of preLines ?? []) e.send(link, l);
  return true;
}

export { authorize };
