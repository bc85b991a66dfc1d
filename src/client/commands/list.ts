// LIST [<options>]   (list.c): 321, a 322 per channel, 323. "LIST ?" prints the syntax (334).
// Options, comma-separated: >n <n (users), C>n C<n (created minutes ago), T>n T<n (topic age),
// *mask* and !*mask* (names), or channel names. A +s channel is listed to its members only; a +p
// one to others as "*" without modes or topic. 322: "<#chan> <users> :[+modes] <topic>" (the
// mode letters only; "" when the channel has none).
import type { ClientCommandSpec } from '../commandTable.ts';
import type { ClientSession } from '../session.ts';
import type { Channel } from '../../state/model.ts';
import { N } from '../numerics.ts';
import { matchMask } from '../../s2s/mask.ts';

const USAGE = [
  '   Usage: /LIST <options>',
  '',
  "If you don't include any options, the default is to send you the",
  'entire unfiltered list of channels. Below are the options you can',
  'use, and what channels LIST will return when you use them.',
  '>number  List channels with more than <number> people.',
  '<number  List channels with less than <number> people.',
  'C>number List channels created more than <number> minutes ago.',
  'C<number List channels created less than <number> minutes ago.',
  'T>number List channels whose topics are older than <number> minutes',
  '         (Ie, they have not changed in the last <number> minutes.',
  'T<number List channels whose topics are not older than <number> minutes.',
  '*mask*   List channels that match *mask*',
  '!*mask*  List channels that do not match *mask*',
];

interface Filter {
  usermin: number; usermax: number;
  chanMin: number; chanMax: number;
  topicMin: number; topicMax: number;
  yes: string[]; no: string[];
}

function modesOf(s: ClientSession, ch: Channel): string {
  const str = s.mgr.delayed.modeString(ch); // with our +d (delayJoin.ts)
  const letters = str.split(' ')[0];
  return letters.length > 1 ? `[${letters}]` : '';
}

function entry(s: ClientSession, ch: Channel, shownName = ch.name): void {
  const show = ch.members.has(s.user!) || !(ch.modes.has('s') || ch.modes.has('p'));
  s.numeric(N.RPL_LIST(show ? shownName : '*', ch.members.size, show ? modesOf(s, ch) : '', show ? ch.topic?.text ?? '' : ''));
}

function passes(ch: Channel, f: Filter): boolean {
  const users = ch.members.size;
  if (users < f.usermin || (f.usermax >= 0 && users > f.usermax)) return false;
  if ((ch.ts && ch.ts < f.chanMin) || ch.ts > f.chanMax) return false;
  const tt = ch.topic?.ts ?? 0;
  if (tt < f.topicMin || tt > f.topicMax) return false;
  if (f.no.length && f.no.some((m) => matchMask(m, ch.name))) return false;
  if (f.yes.length && !f.yes.some((m) => matchMask(m, ch.name))) return false;
  return true;
}

function sendAll(s: ClientSession, f: Filter | null): void {
  const me = s.user!;
  for (const ch of s.mgr.host.net.channels.values()) {
    if (ch.modes.has('s') && !ch.members.has(me)) continue;
    if (f && !passes(ch, f)) continue;
    entry(s, ch);
  }
}

export const LIST: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    const arg = msg.params[0];
    if (arg === undefined || arg === '') { s.numeric(N.RPL_LISTSTART()); sendAll(s, null); s.numeric(N.RPL_LISTEND()); return; }
    if (msg.params.length === 1 && arg === '?') { for (const l of USAGE) s.numeric(N.RPL_LISTSYNTAX(l)); return; }
    s.numeric(N.RPL_LISTSTART());
    const now = s.mgr.host.now();
    const f: Filter = { usermin: 0, usermax: -1, chanMin: 0, chanMax: now + 86400, topicMin: 0, topicMax: now + 86400, yes: [], no: [] };
    let all = false;
    for (const name of arg.split(',')) {
      if (!name) continue;
      const c0 = name[0];
      if (c0 === '<') { f.usermax = (parseInt(name.slice(1), 10) || 0) - 1; all = true; continue; }
      if (c0 === '>') { f.usermin = (parseInt(name.slice(1), 10) || 0) + 1; all = true; continue; }
      if (c0 === 'C' || c0 === 'c' || c0 === 'T' || c0 === 't') {
        const mins = 60 * (parseInt(name.slice(2), 10) || 0);
        const topic = c0 === 'T' || c0 === 't';
        if (name[1] === '<') { if (topic) f.topicMin = now - mins; else f.chanMin = now - mins; all = true; continue; }
        if (name[1] === '>') { if (topic) f.topicMax = now - mins; else f.chanMax = now - mins; all = true; continue; }
        s.numeric(N.ERR_LISTSYNTAX());
        break;
      }
      if (c0 === '!') { f.no.push(name.slice(1)); all = true; continue; }
      if (name.includes('*') || name.includes('?')) { f.yes.push(name); all = true; continue; }
      const ch = s.mgr.host.net.channel(name);
      if (ch && (ch.members.has(s.user!) || !(ch.modes.has('s') || ch.modes.has('p')))) entry(s, ch, name);
    }
    if (all) sendAll(s, f);
    s.numeric(N.RPL_LISTEND());
  },
};
