// How channels travel on the wire: SJOIN (SJ3 form) for bursts.
import type { Channel } from '../state/model.ts';
import type { Engine } from './engine.ts';
import type { Link } from './link.ts';
import { LIST_TO_SJOIN_PREFIX, MODE_TO_SJOIN_PREFIX } from './chanmodes.ts';
import { modeSort } from './userWire.ts';

/** "+klnt key 50" style mode string with parameters, letters in UnrealIRCd's sort order. */
export function channelModeString(ch: Channel): string {
  const letters = [...ch.modes.keys()].sort(modeSort);
  const params: string[] = [];
  for (const m of letters) { const p = ch.modes.get(m)!; if (p !== '') params.push(p); }
  return '+' + letters.join('') + (params.length ? ' ' + params.join(' ') : '');
}

const SJOIN_SPLIT = 504;

/** The SJOIN lines for a channel (split like UnrealIRCd at ~504 bytes; continuations carry no modes). */
export function sjoinLines(e: Engine, ch: Channel, link: Link): string[] {
  const items: string[] = [];
  for (const m of ch.members.values()) {
    let p = '';
    for (const mm of 'qaohv') if (m.modes.includes(mm)) p += MODE_TO_SJOIN_PREFIX[mm];
    items.push(p + m.user.uid);
  }
  const sjsby = link.has('SJSBY');
  for (const l of ['b', 'e', 'I'] as const) {
    for (const [mask, entry] of ch.lists[l]) {
      items.push((sjsby ? `<${entry.setAt},${entry.setBy}>` : '') + LIST_TO_SJOIN_PREFIX[l] + mask);
    }
  }
  const head = `:${e.me.sid} SJOIN ${ch.ts} ${ch.name}`;
  const modes = ch.modes.size ? ' ' + channelModeString(ch) : '';
  const lines: string[] = [];
  let cur = head + modes + ' :';
  let curHasItems = false;
  for (const it of items) {
    if (curHasItems && cur.length + it.length + 1 > SJOIN_SPLIT) {
      lines.push(cur);
      cur = head + ' :';
      curHasItems = false;
    }
    cur += it + ' ';
    curHasItems = true;
  }
  lines.push(curHasItems ? cur.slice(0, -1) : cur);
  return lines;
}
