// :<sid> SJOIN <channel TS> <#channel> [<+modes> [<mode params>...]] :<buffer>
// buffer items: [*~@%+]*<uid>  members;  &mask "mask 'mask  ban/exempt/invex;
// with SJSBY from the sender: <setat,setby> before a list item.
// Merge rules: conflicts.md §3 (older TS wins; equal TS merges; newer: members only); a status
// prefix counts only for a member joining with this SJOIN ("Member statuses, in every TS case");
// modes go through set_mode() as a MODE does (channelModes.ts), list items are normalised as
// clean_ban_mask() does (banMask.ts) and relayed so.
import { own, plainParams } from '../../wire/message.ts';
import type { CommandSpec } from '../commandTable.ts';
import type { Engine } from '../engine.ts';
import type { Link } from '../link.ts';
import type { Channel, ListMode, Server, User } from '../../state/model.ts';
import { mergeParam, sjoinListMode, type ChanModeGroups } from '../chanmodes.ts';
import { applyModeChanges, parseModeChanges, type ModeChange, type ModeLimitCount } from '../channelModes.ts';
import { MAXMODEPARAMS } from '../../wire/limits.ts';
import { addBan, normalBan } from '../banMask.ts';
import { validChannelName, parseTs } from '../validate.ts';
import type { Ts } from '../../state/ts.ts';

const SPLIT = 500;
/** Numbers the SJOIN lines that create a channel, across engines (see Network.joinUnlessMarked). */
let sjoinSerial = 0;

interface Item { kind: 'member'; user: User; prefixes: string }

/** SJOIN member prefix (char code) → member mode; '' when not a prefix. */
function prefixMode(c: number): string {
  switch (c) {
    case 42: return 'q'; // *
    case 126: return 'a'; // ~
    case 64: return 'o'; // @
    case 37: return 'h'; // %
    case 43: return 'v'; // +
    default: return '';
  }
}
/** A list item as received (its mask not normalised yet); sjsby: it came with "<setat,setby>". */
interface ListItem { mode: ListMode; mask: string; setBy: string; setAt: Ts; sjsby: boolean }
/** A list item as relayed: without SJSBY info, and with its "<setat,setby>" if it had one (setat written as parsed, as add_sjsby() does). */
interface RelayItem { raw: string; rawSjsby: string }

export const SJOIN: CommandSpec = {
  minParams: 3, from: 'server',
  onMissingParams() { /* parc < 4: ignored */ },
  handler(e, ctx) {
    if (ctx.src.kind !== 'server') return;
    const p = ctx.msg.params;
    sjoin(e, ctx.link, ctx.src.server, p[0], p[1], p.length >= 4 ? p[2] : '', p.length > 4 ? p.slice(3, p.length - 1) : [], p[p.length - 1], ctx.rawTags);
  },
  /**
   * The usual SJOIN line (TS, channel, modes and their params separated by single spaces, the
   * buffer as trailing, no other param starting with ':') cut into its params without the parser:
   * they go to the same sjoin() the handler calls.
   */
  fast(e, link, server, line, at, rawTags) {
    const t = BOUNDS;
    const n = plainParams(line, at, t);
    if (n < 2) return false; // TS and channel at least
    const modeParams: string[] = [];
    for (let k = 3; k < n; k++) modeParams.push(line.slice(t[2 * k], t[2 * k + 1]));
    sjoin(e, link, server, line.slice(t[0], t[1]), line.slice(t[2], t[3]), n >= 3 ? line.slice(t[4], t[5]) : '', modeParams, line.slice(t[2 * n] + 1), rawTags);
    return true;
  },
};

/** Where the fast path found an SJOIN line's params (see plainParams()): TS, channel, modes, up to 12 mode params, the buffer. */
const BOUNDS = new Int32Array(32);

/** An SJOIN's TS, channel, modes and buffer merged into the channel (conflicts.md §3), and relayed. */
function sjoin(e: Engine, link: Link | null, server: Server, tsStr: string, name: string, modeStr: string, modeParams: string[], buffer: string, rawTags: string | null): void {
  if (!validChannelName(name)) { e.log('info', 'SJOIN_BAD_CHANNEL', `SJOIN for invalid channel name ${name} ignored`, link); return; }
  // sjoin.c: atol(parv[1]); an invalid TS (IsInvalidChannelTS: <= 1000000, so 0 for a field
  // without digits, and any negative one) counts as ours, or as now for a channel it creates.
  // One beyond the int64 range is clamped (INT64_MAX: a valid, very new TS).
  const tsParsed = parseTs(tsStr);
  const valid = tsParsed > 1000000;
  const now = e.now();

  let ch = e.net.channel(name);
  const created = !ch;
  const hadP = ch !== undefined && ch.modes.has('P');
  if (!ch) ch = e.net.createChannel(own(name), valid ? tsParsed : now);
  const ours = ch.ts;
  const theirs = valid ? tsParsed : ours;
  const mode: 'theirs-win' | 'ours-win' | 'merge' = created ? 'theirs-win' : theirs < ours ? 'theirs-win' : theirs > ours ? 'ours-win' : 'merge';

  if (mode === 'theirs-win' && !created) removeOurs(ch, theirs);

  // Parse the buffer.
  const sjsby = e.sjsbyFrom(link);
  const members: Item[] = [];
  const relaying = e.hasOtherLinks(link);
  const lists: ListItem[] = [];
  const byUid = e.net.usersByUid;
  const linkId = link ? link.id : null;
  const statuses = mode !== 'ours-win';
  const serial = created ? ++sjoinSerial : 0;
  const n = buffer.length;
  let lastSetBy = '';
  // Items are separated by single spaces (empty items skipped, as split(' ') would).
  for (let pos = 0, end = 0; pos < n; pos = end + 1) {
    end = buffer.indexOf(' ', pos);
    if (end < 0) end = n;
    if (end === pos) continue;
    // The member item is buffer[from, to): [*~@%+]*<uid|nick>.
    const s = buffer, to = end;
    let from = pos;
    const c0 = buffer.charCodeAt(pos);
    if (c0 === 60 /* < */ || c0 === 38 /* & */ || c0 === 34 /* " */ || c0 === 39 /* ' */) {
      // A list item (or an SJSBY-prefixed item), read in place: [<setat,setby>]<prefix><mask>.
      let at = pos; // where the item proper starts
      let setBy = server.name, setAt: Ts = now;
      if (sjsby && c0 === 60) {
        // sjoin.c: "<setat,setby>" before the item; a malformed one drops the item.
        const close = buffer.indexOf('>', pos);
        if (close < 0 || close >= end) continue;
        const comma = buffer.indexOf(',', pos);
        if (comma < 0 || comma >= close) continue;
        setAt = parseTs(buffer.slice(pos + 1, comma)); // atol(): any int64, kept as it comes
        // The items of one SJOIN usually share their setter: one copy of it for all of them.
        if (close - comma - 1 !== lastSetBy.length || !buffer.startsWith(lastSetBy, comma + 1)) lastSetBy = own(buffer.slice(comma + 1, close));
        setBy = lastSetBy;
        at = close + 1;
      }
      const lm = at < end ? sjoinListMode(buffer.charCodeAt(at)) : '';
      if (lm !== '') {
        const m0 = at + 1; // the mask is buffer[m0, end)
        if (m0 === end) continue;
        if (buffer.charCodeAt(m0) !== 126 /* ~ */) {
          // Non-extban masks need both '!' and '@' and may not start with '!' (sjoin.c).
          const bang = buffer.indexOf('!', m0), atSign = buffer.indexOf('@', m0);
          if (bang < 0 || bang >= end || bang === m0 || atSign < 0 || atSign >= end) continue;
        }
        if (mode !== 'ours-win') lists.push({ mode: lm, mask: buffer.slice(m0, end), setBy, setAt, sjsby: at !== pos });
        continue;
      }
      from = at;
    }
    let i = from;
    let letters = '';
    for (; i < to; i++) {
      const m = prefixMode(s.charCodeAt(i));
      if (m === '') break;
      if (statuses && !letters.includes(m)) letters += m;
    }
    if (i === to) continue; // no id
    const user = byUid.getRange(s, i, to) ?? e.net.userByNick(s.slice(i, to));
    if (!user) continue; // unknown members are skipped silently
    if (user.server.link !== linkId) {
      if (link && !ch.members.has(user)) e.send(link, `:${e.me.sid} KICK ${ch.name} ${user.nick} :Fake direction`);
      continue;
    }
    // Members are always joined. A status prefix counts only for a member who joins now
    // (sjoin.c gives statuses through add_user_to_channel() alone): an existing member keeps
    // what it has, which after removeours is nothing; a newer SJOIN brings none. A channel this
    // line created holds only members it named: a repeated one is found by its mark (and is
    // then an existing member).
    if (created) e.net.joinUnlessMarked(user, ch, letters, serial);
    else if (ch.members.get(user) === undefined) e.net.joinNew(user, ch, letters);
    if (relaying) members.push({ kind: 'member', user, prefixes: i > from ? s.slice(from, i) : '' });
  }

  // Lists (none from a newer SJOIN): each item in its normal form, added (or, when older than
  // the entry it matches, replacing it) as add_listmode_ex() does, and relayed in that form; an
  // item clean_ban_mask() refuses is dropped, also from the relay.
  const relayLists: RelayItem[] = [];
  for (const l of lists) {
    const mask = normalBan(l.mask, l.mode, 'add', ch);
    if (mask === null) continue;
    addBan(ch.lists[l.mode], own(mask), l.setBy, l.setAt);
    if (relaying) {
      const raw = (l.mode === 'b' ? '&' : l.mode === 'e' ? '"' : "'") + mask;
      relayLists.push({ raw, rawSjsby: l.sjsby ? `<${l.setAt},${l.setBy}>${raw}` : raw });
    }
  }

  // Modes: their mode string through set_mode(), as for a MODE (parameters checked and converted,
  // one change per parameter mode); list and member modes in it are not taken.
  if (mode !== 'ours-win' && modeStr) {
    const groups = e.modeGroups(link);
    const changes = channelModeChanges(parseModeChanges(groups, modeStr, modeParams));
    const limit: ModeLimitCount = { dropped: 0 };
    if (mode === 'theirs-win') applyModeChanges(e.net, ch, changes, server.name, now, groups, limit);
    else mergeModes(e, ch, changes, server, now, groups, limit);
    // set_mode() takes at most MAXMODEPARAMS of them here too; UnrealIRCd drops the rest silently, tslink says so.
    if (limit.dropped > 0) e.logLimited('warn', 'MODE_PARAMS_OVER_LIMIT', `SJOIN for ${ch.name} from ${server.name}: ${limit.dropped} mode(s) with a parameter after the first ${MAXMODEPARAMS} dropped, as UnrealIRCd drops them (MAXMODEPARAMS)`, link);
  }

  // Relayed with the TS sjoin.c used (an invalid TS was replaced by ours).
  if (relaying) relaySjoin(e, link, server, rawTags, ch, String(theirs), modeStr, modeParams, members, relayLists);
  // A +P channel's modes, lists or TS may have changed (members are not stored).
  if (mode !== 'ours-win') e.channelChanged(ch, hadP);
  e.net.destroyIfEmpty(ch);
}

/** An SJOIN's mode changes that set_mode() is given: the '+' ones, without list and member modes. */
function channelModeChanges(all: ModeChange[]): ModeChange[] {
  const out: ModeChange[] = [];
  for (const c of all) if (c.dir === '+' && !'qaohvbeI'.includes(c.mode)) out.push(c);
  return out;
}

/**
 * Equal TS (conflicts.md §3 "Equal TS merge"): their modes are set as a MODE would set them, then
 * +s stays +s (a +p they brought is undone), and each parameter mode both sides held is decided
 * by its module's sjoin_check() (chanmodes.ts mergeParam(): ours restored, theirs kept, or merged).
 */
function mergeModes(e: Engine, ch: Channel, changes: ModeChange[], server: Server, now: Ts, groups: ChanModeGroups, limit: ModeLimitCount): void {
  const hadS = ch.modes.has('s');
  let ours: [string, string][] | null = null;
  for (const [m, v] of ch.modes) if (v !== '') (ours ??= []).push([m, v]);
  applyModeChanges(e.net, ch, changes, server.name, now, groups, limit);
  if (hadS && ch.modes.has('p')) { ch.modes.delete('p'); ch.modes.set('s', ''); }
  if (ours === null) return;
  for (const [m, v] of ours) {
    const theirs = ch.modes.get(m);
    if (theirs !== undefined && theirs !== v) ch.modes.set(m, mergeParam(m, v, theirs));
  }
}

/** removeours: our modes, lists, member statuses and MLOCK go; our TS becomes theirs. */
function removeOurs(ch: Channel, ts: Ts): void {
  ch.modes.clear();
  ch.lists.b.clear(); ch.lists.e.clear(); ch.lists.I.clear();
  for (const m of ch.members.values()) m.modes = '';
  ch.mlock = null;
  ch.ts = ts;
}

/** Relay with the original TS, modes and prefixes (split at ~500 bytes; SJSBY only to SJSBY peers). */
function relaySjoin(e: Engine, link: Link | null, server: Server, rawTags: string | null, ch: Channel, ts: string, modeStr: string, modeParams: string[], members: Item[], lists: RelayItem[]): void {
  const head = `:${server.sid} SJOIN ${ts} ${ch.name}`;
  const modes = modeStr ? ' ' + [modeStr, ...modeParams].join(' ') : '';
  const build = (sjsby: boolean): string[] => {
    const items = [...members.map((m) => m.prefixes + m.user.uid), ...lists.map((l) => (sjsby ? l.rawSjsby : l.raw))];
    const lines: string[] = [];
    let cur = head + modes + ' :';
    let has = false;
    for (const it of items) {
      if (has && cur.length + it.length + 1 > SPLIT) { lines.push(cur.trimEnd()); cur = head + ' :'; has = false; }
      cur += it + ' ';
      has = true;
    }
    lines.push(has ? cur.trimEnd() : cur);
    return lines;
  };
  let withSjsby: string[] | null = null, without: string[] | null = null;
  for (const l of e.links.values()) {
    if (l === link || l.phase !== 'linked') continue;
    const lines = l.has('SJSBY') ? (withSjsby ??= build(true)) : (without ??= build(false));
    for (const line of lines) e.send(l, line, rawTags);
  }
}
