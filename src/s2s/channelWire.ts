// How channels travel on the wire: SJOIN (SJ3 form) for bursts.
import type { Channel, User } from '../state/model.ts';
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

/**
 * The SJOIN lines for a channel (split like UnrealIRCd at ~504 bytes; continuations carry no modes).
 * Members behind `link` are left out: they are the peer's own (a streamed burst reaches a channel
 * after the peer's SJOIN for it may have been merged here; naming them back would be a fake
 * direction); so are those `include` refuses (users the peer does not know yet).
 */
export function sjoinLines(e: Engine, ch: Channel, link: Link, include?: (u: User) => boolean): string[] {
  const head = `:${e.me.sid} SJOIN ${ch.ts} ${ch.name}`;
  const w = new SjoinWriter(ch.modes.size ? `${head} ${channelModeString(ch)} :` : `${head} :`, `${head} :`);
  const lid = link.id;
  // The member array itself (no iterator, no copy): nothing changes the channel while this runs.
  const ms = ch.members.array();
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i], u = m.user;
    if (u.server.link === lid || (include !== undefined && !include(u))) continue;
    const modes = m.modes;
    w.add(modes === '' ? u.uid : memberPrefix(modes) + u.uid);
  }
  const sjsby = link.has('SJSBY');
  for (const l of ['b', 'e', 'I'] as const) {
    const list = ch.lists[l];
    if (list.size === 0) continue;
    const prefix = LIST_TO_SJOIN_PREFIX[l];
    for (const [mask, entry] of list) w.add(sjsby ? `<${entry.setAt},${entry.setBy}>${prefix}${mask}` : prefix + mask);
  }
  return w.end();
}

/** A member's SJOIN prefix (*~@%+ in that order) for its member modes. */
export function memberPrefix(modes: string): string {
  if (modes.length === 1) return MODE_TO_SJOIN_PREFIX[modes] ?? '';
  let p = '';
  for (const mm of 'qaohv') if (modes.includes(mm)) p += MODE_TO_SJOIN_PREFIX[mm];
  return p;
}

/** SJOIN lines of items, each line `first` (then `next`) followed by items separated by spaces, split at SJOIN_SPLIT. */
class SjoinWriter {
  private readonly lines: string[] = [];
  private items: string[] = [];
  private start: string;
  /** The line's length as it was once written with a space after each item. */
  private len: number;
  constructor(first: string, private readonly next: string) { this.start = first; this.len = first.length; }
  add(it: string): void {
    if (this.items.length > 0 && this.len + it.length + 1 > SJOIN_SPLIT) {
      // A line that another follows keeps the space after its last item (as UnrealIRCd's does).
      this.lines.push(this.start + this.items.join(' ') + ' ');
      this.start = this.next;
      this.len = this.next.length;
      this.items = [];
    }
    this.items.push(it);
    this.len += it.length + 1;
  }
  end(): string[] {
    this.lines.push(this.start + this.items.join(' '));
    return this.lines;
  }
}
