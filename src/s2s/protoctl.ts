// The PROTOCTL lines tslink announces (handshake.md §1, §3).
import type { Engine } from './engine.ts';
import { PROTOCOL } from './engine.ts';
import { DEFAULT_PREFIX, DEFAULT_USERMODES } from './chanmodes.ts';
import type { Link } from './link.ts';

export const SOFTWARE = 'tslink-0.1.0';
export const SERVEROPTS = 'tslink';

export function eauthLine(e: Engine): string {
  return `PROTOCTL EAUTH=${e.me.name},${PROTOCOL},${SERVEROPTS},${e.opts.software ?? SOFTWARE}`;
}

export function serversLine(e: Engine, reply: boolean): string {
  const sids = [...e.net.serversBySid.keys()];
  return `PROTOCTL SERVERS=${reply ? '*' : ''}${sids.join(',')}`;
}

/** The three send_proto() lines, plus extra tokens from the link layer. */
export function protoLines(e: Engine, link: Link): string[] {
  const caps = e.localCaps;
  const flags = ['NOQUIT', 'NICKv2', 'SJOIN', 'SJOIN2', 'UMODE2', 'VL', 'SJ3', 'TKLEXT', 'TKLEXT2', 'NICKIP', 'ESVID'];
  for (const c of ['NEXTBANS', 'SJSBY', 'MTAGS', 'VHP']) if (caps.has(c)) flags.push(c);
  const lines = [
    `PROTOCTL ${flags.join(' ')}`,
    `PROTOCTL CHANMODES=${e.localChanmodes.spec} USERMODES=${DEFAULT_USERMODES} BOOTED=${e.bootTime} PREFIX=${DEFAULT_PREFIX} SID=${e.me.sid} MLOCK TS=${e.now()} EXTSWHOIS`,
    `PROTOCTL NICKCHARS= CHANNELCHARS=utf8${caps.has('BIGLINES') ? ' BIGLINES' : ''}`,
  ];
  return lines;
}

export function serverLine(e: Engine): string {
  return `SERVER ${e.me.name} 1 :U${PROTOCOL}-${SERVEROPTS}-${e.me.sid} ${e.me.info}`;
}

/** One PROTOCTL param as a token: its name and its value (null when it has no '='), as protoctl.c splits it. */
export function protoctlToken(param: string): { name: string; value: string | null } {
  const eq = param.indexOf('=');
  return eq < 0 ? { name: param, value: null } : { name: param.slice(0, eq), value: param.slice(eq + 1) };
}

export interface Eauth { name: string; protocol: number; flags: string; software: string }

/**
 * The EAUTH=<name>[,<protocol>[,<flags>[,<software>]]] token among a PROTOCTL line's params, or
 * null. The one reading of EAUTH: the PROTOCTL handler and the node's password gate both use it.
 */
export function eauthOf(params: readonly string[]): Eauth | null {
  for (const p of params) {
    const { name, value } = protoctlToken(p);
    if (name !== 'EAUTH' || value === null) continue;
    const [server = '', proto = '', flags = '', software = ''] = value.split(',');
    return { name: server, protocol: Number.parseInt(proto, 10) || 0, flags, software };
  }
  return null;
}
