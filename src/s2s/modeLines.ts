// Channel MODE lines within UnrealIRCd's limits: the one formatter every MODE tslink sends goes
// through (the relay of a MODE, SVSMODE's removals, and Engine.send() splitting a long MODE for a
// peer without BIGLINES, lineSplit.ts).
//
// A receiving UnrealIRCd takes at most MAXMODEPARAMS (12) changes with a parameter from one MODE
// (mode.c: do_mode_char_list_mode() and do_extmode_char() stop once set_mode() holds 12) and drops
// the rest without a word, so a line must never carry more; and a line must fit the peer's
// limit. The changes go out in their order, each with its parameter, as many to a line as both
// limits allow (mode.c make_mode_str() likewise starts a new line when the next parameter would
// not fit); every line repeats the same head (":<src> MODE <#chan>") and tail (" <TS>" for a
// server source, mode.c sends the TS on each line).
import { MAXMODEPARAMS } from '../wire/limits.ts';
import type { ModeChange } from './channelModes.ts';
import type { Engine } from './engine.ts';
import type { Link } from './link.ts';

export interface ModeLines {
  /** The MODE lines, in order; none when there were no changes. */
  lines: string[];
  /** Changes no line can carry (left out): a parameter too long for a line of its own, or one a middle parameter cannot hold. */
  dropped: ModeChange[];
}

/** Can `p` travel as a middle parameter (not empty, no space, not starting with ':')? */
function plainParam(p: string): boolean {
  return p !== '' && p.charCodeAt(0) !== 58 /* : */ && !p.includes(' ');
}

/**
 * `changes` as MODE lines `<head> <modes>[ <params>]<tail>` of at most `max` bytes and at most
 * MAXMODEPARAMS parameters each. `head` is ":<src> MODE <#chan>", `tail` " <TS>" or "".
 */
export function modeLines(head: string, changes: readonly ModeChange[], tail: string, max: number): ModeLines {
  const lines: string[] = [];
  const dropped: ModeChange[] = [];
  const fixed = head.length + 1 + tail.length; // head, the space before the modes, tail
  let modes = '', args = '', dir = '', nParams = 0;
  const flush = (): void => {
    if (modes !== '') lines.push(`${head} ${modes}${args}${tail}`);
    modes = ''; args = ''; dir = ''; nParams = 0;
  };
  for (const c of changes) {
    const a = c.param === undefined ? '' : ' ' + c.param;
    if (c.param !== undefined && !plainParam(c.param)) { dropped.push(c); continue; }
    if (fixed + 1 + c.mode.length + a.length > max) { dropped.push(c); continue; } // not even alone
    const m = (c.dir !== dir ? c.dir : '') + c.mode;
    const full = c.param !== undefined && nParams >= MAXMODEPARAMS;
    if (modes !== '' && (full || fixed + modes.length + m.length + args.length + a.length > max)) flush();
    modes += (c.dir !== dir ? c.dir : '') + c.mode;
    args += a;
    dir = c.dir;
    if (c.param !== undefined) nParams++;
  }
  flush();
  return { lines, dropped };
}

/** Changes that took effect here but that modeLines() could put on no line: logged (LINE_ITEM_DROPPED), rate-limited. */
export function logModeNotSent(e: Engine, chan: string, dropped: readonly ModeChange[], link: Link | null): void {
  const what = dropped.map((c) => (c.dir + c.mode + (c.param === undefined ? '' : ' ' + c.param)).slice(0, 64)).join(' ');
  e.logLimited('warn', 'LINE_ITEM_DROPPED', `MODE for ${chan}: ${dropped.length} change(s) fit no MODE line and are not sent: ${what}`, link);
}
