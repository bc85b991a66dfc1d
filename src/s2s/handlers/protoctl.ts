// PROTOCTL <token>[=<value>] ...   (handshake.md §3). Each param is one token, its name matched
// case-sensitively, as UnrealIRCd's protoctl.c does (`eauth=x` is not EAUTH). Unknown tokens are
// ignored and not kept: a link's caps hold only the tokens listed in KNOWN_FLAGS/VALUE_TOKENS, so
// however many PROTOCTL lines a peer sends, they stay bounded. After SERVER, as in UnrealIRCd:
// a second EAUTH or SID drops the link, SERVERS is ignored, TS is still checked, and CHANMODES,
// USERMODES and NICKCHARS may change (the server's SINFO goes to the other links).
import type { CommandSpec } from '../commandTable.ts';
import type { Engine } from '../engine.ts';
import type { Link } from '../link.ts';
import { ChanModeGroups } from '../chanmodes.ts';
import { parseTs, validServerName, validSid } from '../validate.ts';
import { eauthLine, eauthOf, protoctlToken, serversLine } from '../protoctl.ts';
import { maybeSendServer } from '../handshake.ts';

const CLOCK_WARN = 10;
/** Flag tokens a link may announce (kept in link.caps with the value ''). */
const KNOWN_FLAGS = new Set([
  'NOQUIT', 'NICKv2', 'SJOIN', 'SJOIN2', 'UMODE2', 'VL', 'SJ3', 'TKLEXT', 'TKLEXT2', 'NICKIP', 'ESVID', 'NEXTBANS', 'SJSBY',
  'MTAGS', 'VHP', 'CLK', 'BIGLINES', 'MLOCK', 'EXTSWHOIS', 'NAMESX', 'UHNAMES', 'SID', 'EAUTH',
]);
/** Tokens that count only with a value (Anope sends a bare "SID" flag before its SID=). */
const VALUE_TOKENS = new Set(['EAUTH', 'SERVERS', 'SID', 'TS', 'CHANMODES', 'USERMODES', 'NICKCHARS', 'CHANNELCHARS', 'BOOTED', 'PREFIX']);
/** TSLINK-* tokens go to the link layer, at most this many per link (the HMAC handshake uses three). */
const MAX_LINK_TOKENS = 8;

export const PROTOCTL: CommandSpec = {
  minParams: 1, from: 'any', handshake: true, handshakeOnly: true,
  handler(e, { link, msg }) {
    if (!link) return; // our own PROTOCTL (replay): nothing to do
    for (const param of msg.params) {
      const { name, value } = protoctlToken(param);
      if (!name) continue;
      if (value === null) {
        if (KNOWN_FLAGS.has(name)) link.caps.set(name, '');
        continue;
      }
      if (!applyToken(e, link, name, value, param)) return; // link was exited
    }
    if (link.phase === 'handshake' && !link.receivedProtoctl) {
      link.receivedProtoctl = true;
      maybeSendServer(e, link);
    }
  },
};

/** A NAME=value token; returns false when the link was exited. */
function applyToken(e: Engine, link: Link, key: string, value: string, param: string): boolean {
  const inHandshake = link.phase === 'handshake';
  switch (key) {
    case 'EAUTH': {
      if (link.eauthName !== null || !inHandshake) { e.exitLink(link, 'PROTOCTL EAUTH received twice'); return false; }
      const eauth = eauthOf([param])!;
      if (!validServerName(eauth.name)) { e.exitLink(link, 'Bogus server name'); return false; }
      link.eauthName = eauth.name;
      link.peerProtocol = eauth.protocol;
      link.peerSoftware = eauth.software;
      if (link.password === null) { e.exitLink(link, 'Missing password'); return false; }
      const res = authorize(e, link, eauth.name);
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
      // An incoming peer must identify itself (EAUTH) first; on links we opened we know who we called.
      if (link.eauthName === null && link.direction === 'in') { e.exitLink(link, "Got PROTOCTL SID before EAUTH, that's the wrong order!"); return false; }
      if (link.peerSid !== null || !inHandshake) { e.exitLink(link, 'Got PROTOCTL SID twice'); return false; }
      if (!validSid(value)) { e.exitLink(link, 'Invalid SID. The first character must be a digit and the other two characters must be A-Z0-9. Eg: 0AA.'); return false; }
      if (e.net.serversBySid.has(value)) {
        const holder = e.net.serversBySid.get(value)!;
        // A re-link of the same server name drops the old path later (SERVER); a different name is a collision.
        if (holder === e.me || link.eauthName === null || holder.name.toLowerCase() !== link.eauthName.toLowerCase()) { e.exitLink(link, 'SID collision'); return false; }
      }
      link.peerSid = value;
      link.caps.set(key, '');
      return true;
    }
    case 'TS': {
      // protoctl.c: atol(); under 10000 ignored; further than the skew limit from our clock refused.
      const ts = parseTs(value);
      if (ts < 10000) return true;
      const d = typeof ts === 'number' ? ts - e.now() : ts - BigInt(e.now());
      const diff = d < 0 ? -d : d;
      const max = e.opts.maxClockSkew ?? 60;
      if (diff > max) { e.exitLink(link, `Incorrect clock. Our clocks are ${diff} seconds apart.`); return false; }
      link.peerTs = Number(ts);
      if (diff > CLOCK_WARN) e.log('warn', 'LINK_CLOCK_WARNING', `Clock of ${link.name} is ${diff} seconds off (limit ${max})`, link);
      return true;
    }
    case 'CHANMODES':
      link.chanmodes = new ChanModeGroups(value);
      link.caps.set(key, value);
      sinfoChanged(e, link, 'chanmodes', value);
      return true;
    case 'USERMODES':
    case 'NICKCHARS':
      link.caps.set(key, value);
      sinfoChanged(e, link, key === 'USERMODES' ? 'umodes' : 'nickchars', value);
      return true;
    case 'CHANNELCHARS':
      if (value && value !== 'utf8') { e.exitLink(link, 'Incompatible set::allowed-channelchars setting'); return false; }
      link.caps.set(key, value);
      return true;
    case 'BOOTED':
    case 'PREFIX':
      link.caps.set(key, value);
      return true;
    default:
      if (KNOWN_FLAGS.has(key)) { link.caps.set(key, ''); return true; }
      if (!key.startsWith('TSLINK-') || !inHandshake || !e.opts.onPeerToken) return true;
      if (++link.linkTokens > MAX_LINK_TOKENS) { e.exitLink(link, 'Too many PROTOCTL TSLINK- tokens'); return false; }
      {
        const r = e.opts.onPeerToken(link, key, value);
        for (const l of r.send ?? []) e.send(link, l);
        if (r.error) { e.exitLink(link, r.error); return false; }
      }
      return true;
  }
}

/** A registered server changed a PROTOCTL feature: its SINFO is updated and sent to the other links. */
function sinfoChanged(e: Engine, link: Link, field: 'chanmodes' | 'umodes' | 'nickchars', value: string): void {
  const s = link.server;
  if (link.phase !== 'linked' || !s?.sinfo) return;
  s.sinfo = { ...s.sinfo, [field]: value || '*' };
  const i = s.sinfo;
  e.broadcast(link, `:${s.sid} SINFO ${i.boot} ${i.protocol} ${i.umodes} ${i.chanmodes} ${i.nickchars} :${i.software}`);
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
