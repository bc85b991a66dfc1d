// CAP LS [302] | LIST | REQ :<caps> | END   (IRCv3 capability negotiation; UnrealIRCd cap.c)
// CAP before registration holds it until CAP END. REQ is all or nothing (ACK or NAK).
import type { ClientCommandSpec } from '../commandTable.ts';
import type { ClientSession } from '../session.ts';
import { saslCapability } from '../sasl.ts';

/** The capabilities tslink offers, by name (sorted, as UnrealIRCd lists them); values for 302. */
export const CAPABILITIES: ReadonlyMap<string, string | null> = new Map<string, string | null>([
  ['account-tag', null],
  ['away-notify', null],
  ['batch', null],
  ['cap-notify', null],
  ['chghost', null],
  ['echo-message', null],
  ['extended-join', null],
  ['invite-notify', null],
  ['labeled-response', null],
  ['message-tags', null],
  ['multi-prefix', null],
  ['server-time', null],
  ['setname', null],
  ['standard-replies', null],
  ['userhost-in-names', null],
]);

/** What this client is offered now: CAPABILITIES, and sasl while the SASL server is linked (sasl.ts). */
function offered(s: ClientSession): Map<string, string | null> {
  const caps = new Map(CAPABILITIES);
  const sasl = saslCapability(s.mgr);
  if (sasl) caps.set(sasl[0], sasl[1]);
  return new Map([...caps].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The longest CAP reply body before it is continued on another line (302 multiline). */
const CAP_LINE_MAX = 400;

function reply(s: ClientSession, sub: string, list: string[]): void {
  const head = `:${s.mgr.host.me.name} CAP ${s.target} ${sub}`;
  const lines: string[] = [];
  let cur = '';
  for (const c of list) {
    if (cur && cur.length + c.length + 1 > CAP_LINE_MAX) { lines.push(cur); cur = ''; }
    cur = cur ? `${cur} ${c}` : c;
  }
  lines.push(cur);
  for (let i = 0; i < lines.length; i++) {
    const more = i < lines.length - 1 && s.capVersion >= 302 ? ' *' : '';
    s.send(`${head}${more} :${lines[i]}`);
  }
}

export const CAP: ClientCommandSpec = {
  minParams: 1, unregistered: true, noIdle: true,
  handler(s, msg) {
    const sub = msg.params[0].toUpperCase();
    switch (sub) {
      case 'LS': {
        if (!s.registered) s.capNegotiating = true;
        const v = Number(msg.params[1] ?? '0');
        if (Number.isFinite(v) && v > s.capVersion) s.capVersion = v;
        if (s.capVersion >= 302) s.caps.add('cap-notify');
        reply(s, 'LS', [...offered(s)].map(([k, v]) => (s.capVersion >= 302 && v !== null ? `${k}=${v}` : k)));
        return;
      }
      case 'LIST':
        reply(s, 'LIST', [...s.caps]);
        return;
      case 'REQ': {
        if (!s.registered) s.capNegotiating = true;
        const want = (msg.params[1] ?? '').split(' ').filter(Boolean);
        const caps = offered(s);
        const ok = want.length > 0 && want.every((c) => caps.has(c.startsWith('-') ? c.slice(1) : c));
        if (!ok) { s.send(`:${s.mgr.host.me.name} CAP ${s.target} NAK :${msg.params[1] ?? ''}`); return; }
        for (const c of want) if (c.startsWith('-')) s.caps.delete(c.slice(1)); else s.caps.add(c);
        s.send(`:${s.mgr.host.me.name} CAP ${s.target} ACK :${want.join(' ')}`);
        return;
      }
      case 'END':
        if (s.registered) return;
        s.capNegotiating = false;
        s.tryRegister();
        return;
      default:
        s.send(`:${s.mgr.host.me.name} 410 ${s.target} ${msg.params[0]} :Invalid CAP command`);
    }
  },
};
