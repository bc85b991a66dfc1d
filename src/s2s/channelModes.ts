// Parsing and applying channel mode changes as UnrealIRCd's set_mode() does for a remote source
// (src/modules/mode.c _set_mode(), do_extmode_char(), do_mode_char_list_mode(), mode_ban_handler()):
// modes.md; conflicts.md §3/§4, "One change per parameter mode per MODE line", "Parameters are
// stored in canonical form". MODE (from servers and users) and SJOIN both come through here.
import type { Channel } from '../state/model.ts';
import type { Network } from '../state/network.ts';
import { REMOTE_IGNORED_CHANMODES, MODE_PARAM_MAX, convertParam, type ChanModeGroups } from './chanmodes.ts';
import { addBan, delBan, normalBan } from './banMask.ts';
import { addMemberMode, delMemberMode } from '../state/membership.ts';
import type { Ts } from '../state/ts.ts';
import { MAXMODEPARAMS } from '../wire/limits.ts';

export interface ModeChange { dir: '+' | '-'; mode: string; param?: string }

export { MAX_LIST_ENTRIES } from './banMask.ts';

/** What applyModeChanges() left out for UnrealIRCd's MAXMODEPARAMS (to be logged by its caller). */
export interface ModeLimitCount { dropped: number }

/** Split a mode string + params into changes, consuming params per the sender's CHANMODES groups. */
export function parseModeChanges(groups: ChanModeGroups, modes: string, params: string[]): ModeChange[] {
  const out: ModeChange[] = [];
  let dir: '+' | '-' = '+';
  let pi = 0;
  for (const m of modes) {
    if (m === '+' || m === '-') { dir = m; continue; }
    if (groups.takesParam(m, dir === '+')) {
      if (pi >= params.length) continue; // missing param: skip the mode
      out.push({ dir, mode: m, param: params[pi++] });
    } else out.push({ dir, mode: m });
  }
  return out;
}

/**
 * Apply changes to a channel. Returns the changes that took effect, with their parameters as
 * relayed (a list entry in its normal form, a parameter as its mode's conv_param() writes it,
 * the held parameter for a "-k"/"-f"/"-L").
 *
 * - Member modes (q a o h v): by nick or UID of a member; every one counts.
 * - List modes (b e I): normalised (banMask.ts), then added or removed on the normal form
 *   (compared case-insensitively); every one counts.
 * - Parameter modes (CHANMODES groups B and C, member and list modes aside): only the first change
 *   of a letter that takes effect with a parameter counts; a later change of the same letter in
 *   the same line is dropped ("+l-l 5" leaves +l 5, "+kk a b" sets a). A "+" with a parameter the
 *   mode refuses, one equal to the held value, or a "-" of a mode not set take no effect and do
 *   not count; a "-" of a group C mode (no parameter on unset) does not count either.
 * - Modes flagged local (+d, +Z) are never taken from a remote source.
 * - At most MAXMODEPARAMS (12) changes with a parameter take effect, from any source: once that
 *   many have, every later change that comes with a parameter is dropped, and one without (+n,
 *   -l) still counts (mode.c: do_mode_char_list_mode() and do_extmode_char() return at once when
 *   set_mode()'s pvar[] is full, and make_mode_str() only ever relays what pvar[] holds). UnrealIRCd
 *   says nothing of them; the number left out is added to `limit.dropped` for the caller to log.
 * `groups` tells which letters carry parameters; unknown letters are stored as given.
 */
export function applyModeChanges(net: Network, ch: Channel, changes: ModeChange[], setBy: string, setAt: Ts, groups: ChanModeGroups, limit?: ModeLimitCount): ModeChange[] {
  const applied: ModeChange[] = [];
  let counted = ''; // parameter modes changed with a parameter in this line (mode.c's pvar[])
  let withParam = 0, seen = 0; // changes with a parameter that took effect (mode.c's pcount); applied[] looked at
  for (const c of changes) {
    while (seen < applied.length) if (applied[seen++].param !== undefined) withParam++;
    const { dir, mode: m } = c;
    let param = c.param;
    if (param !== undefined && withParam >= MAXMODEPARAMS) { if (limit) limit.dropped++; continue; }
    if (param !== undefined && param.length > MODE_PARAM_MAX) param = param.slice(0, MODE_PARAM_MAX);
    if (m === 'q' || m === 'a' || m === 'o' || m === 'h' || m === 'v') {
      const u = param !== undefined ? net.user(param) : undefined;
      const mem = u ? ch.members.get(u) : undefined;
      if (!mem) continue;
      if (!(dir === '+' ? addMemberMode(mem, m) : delMemberMode(mem, m))) continue;
      applied.push(c);
      continue;
    }
    if (m === 'b' || m === 'e' || m === 'I') {
      if (param === undefined || param === '') continue;
      const mask = normalBan(param, m, dir === '+' ? 'add' : 'del', ch);
      if (mask === null) continue;
      const list = ch.lists[m];
      if (dir === '+' ? addBan(list, mask, setBy, setAt) !== 'added' : !delBan(list, mask)) continue;
      applied.push({ dir, mode: m, param: mask });
      continue;
    }
    if (REMOTE_IGNORED_CHANMODES.has(m)) continue;
    const paramMode = groups.takesParam(m, true);
    if (paramMode && counted.includes(m)) continue; // one change per parameter mode per line
    if (dir === '+') {
      let value = '', wire: string | undefined;
      if (paramMode) {
        if (param === undefined) continue;
        const conv = convertParam(m, param, ch);
        if (conv === null) continue;
        const cur = ch.modes.get(m);
        if (cur !== undefined && cur === conv.wire) continue; // already set to that value
        value = conv.stored;
        wire = conv.wire;
        counted += m;
      } else if (ch.modes.has(m)) continue;
      ch.modes.set(m, value);
      // +s and +p exclude each other: setting one clears the other (chanmodes/secret.c, private.c).
      if (m === 's') ch.modes.delete('p');
      if (m === 'p') ch.modes.delete('s');
      applied.push({ dir, mode: m, param: wire });
    } else {
      const cur = ch.modes.get(m);
      if (cur === undefined) continue;
      ch.modes.delete(m);
      if (paramMode && groups.takesParam(m, false)) {
        // Unset with a parameter (+k, +f, +L): relayed with the value it had, and it counts.
        counted += m;
        applied.push({ dir, mode: m, param: cur });
      } else applied.push({ dir, mode: m });
    }
  }
  return applied;
}
