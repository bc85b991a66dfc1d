// WHOWAS history: what users looked like when they quit or changed nick (UnrealIRCd whowas.c
// add_history()). A ring of a fixed size (NICKNAMEHISTORYLENGTH, 2000 by default): when it is
// full the oldest entry makes room. Lookups by nick, newest first, through a casefolded index.
import type { User } from '../state/model.ts';
import { virtualHost } from '../state/user.ts';
import { casefold } from '../wire/casemap.ts';

/** UnrealIRCd's NICKNAMEHISTORYLENGTH (include/config.h). */
export const DEFAULT_WHOWAS_LENGTH = 2000;

export interface WhowasEntry {
  nick: string;
  ident: string;
  /** The real host (shown to opers in 378). */
  realHost: string;
  /** The host WHOWAS shows: the virtual host (vhost or cloak), else the real host. */
  host: string;
  /** The address as the network relays it (base64, '*' when unknown), for opers. */
  ip: string;
  realname: string;
  server: string;
  account: string;
  /** When the nick was given up (unix seconds). */
  logoff: number;
}

export class WhowasHistory {
  private ring: (WhowasEntry | undefined)[];
  private next = 0;
  /** Casefolded nick -> ring slots, oldest first. */
  private byNick = new Map<string, number[]>();

  constructor(readonly size = DEFAULT_WHOWAS_LENGTH) {
    this.ring = new Array(Math.max(1, size));
  }

  /** Remember `u` as it is now, under `nick` (its nick before a change; the current one by default). */
  add(u: User, now: number, nick = u.nick): void {
    const slot = this.next;
    const old = this.ring[slot];
    if (old) this.unindex(old, slot);
    const e: WhowasEntry = {
      nick, ident: u.ident, realHost: u.realHost, host: virtualHost(u), ip: u.ip,
      realname: u.realname, server: u.server.name, account: u.account, logoff: now,
    };
    this.ring[slot] = e;
    const k = casefold(nick);
    const list = this.byNick.get(k);
    if (list) list.push(slot); else this.byNick.set(k, [slot]);
    this.next = (slot + 1) % this.ring.length;
  }

  /** The entries for `nick`, newest first. */
  find(nick: string): WhowasEntry[] {
    const slots = this.byNick.get(casefold(nick));
    if (!slots) return [];
    const out: WhowasEntry[] = [];
    for (let i = slots.length - 1; i >= 0; i--) out.push(this.ring[slots[i]]!);
    return out;
  }

  /** Entries held (at most `size`). */
  get count(): number { let n = 0; for (const l of this.byNick.values()) n += l.length; return n; }

  private unindex(e: WhowasEntry, slot: number): void {
    const k = casefold(e.nick);
    const list = this.byNick.get(k);
    if (!list) return;
    const i = list.indexOf(slot);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.byNick.delete(k);
  }
}
