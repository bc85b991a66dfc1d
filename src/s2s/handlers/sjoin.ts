// :<sid> SJOIN <channel TS> <#channel> [<+modes> [<mode params>...]] :<buffer>
// buffer items: [*~@%+]*<uid>  members;  &mask "mask 'mask  ban/exempt/invex;
// with SJSBY from the sender: <setat,setby> before a list item.
// Merge rules: conflicts.md §3 (older TS wins; equal TS merges; newer: members only).
import { own, plainParams } from '../../wire/message.ts';
import type { CommandSpec } from '../commandTable.ts';
import type { Engine } from '../engine.ts';
import type { Link } from '../link.ts';
import type { Channel, ListMode, Server, User } from '../../state/model.ts';
import { LOCAL_CHANMODES, sjoinListMode } from '../chanmodes.ts';
import { MAX_LIST_ENTRIES, applyModeChanges, mergeParam, normalizeParam, parseModeChanges } from '../channelModes.ts';
import { validChannelName, parseTs } from '../validate.ts';
import { addMemberMode } from '../../state/membership.ts';
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
/** raw: the item as received without SJSBY info; rawSjsby: with its "<setat,setby>" if it had one (setat written as parsed, as add_sjsby() does). */
interface ListItem { kind: 'list'; mode: ListMode; mask: string; setBy: string; setAt: Ts; raw: string; rawSjsby: string }

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
        const raw = relaying ? buffer.slice(at, end) : '';
        lists.push({ kind: 'list', mode: lm, mask: buffer.slice(m0, end), setBy, setAt, raw, rawSjsby: !relaying ? '' : at === pos ? raw : `<${setAt},${setBy}>${raw}` });
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
    // Members are always joined; statuses per the TS outcome (an existing member keeps
    // exactly its statuses on an equal TS; a newer SJOIN brings none). A channel this line
    // created holds only members it named (and theirs wins): a repeated one is found by its mark.
    const mem = created ? e.net.joinUnlessMarked(user, ch, letters, serial) : ch.members.get(user);
    if (mem === undefined) e.net.joinNew(user, ch, letters);
    else if (mem !== null && mode === 'theirs-win') for (let k = 0; k < letters.length; k++) addMemberMode(mem, letters[k]);
    if (relaying) members.push({ kind: 'member', user, prefixes: i > from ? s.slice(from, i) : '' });
  }

  // Modes.
  const groups = e.modeGroups(link);
  const changes = modeStr ? parseModeChanges(groups, modeStr, modeParams).filter((c) => c.dir === '+') : [];
  if (mode === 'theirs-win') {
    // sjoin.c runs their mode string through set_mode(): same parameter checks as MODE.
    applyModeChanges(e.net, ch, changes.filter((c) => !'qaohvbeI'.includes(c.mode)), server.name, now, groups);
  } else if (mode === 'merge') {
    const hadS = ch.modes.has('s');
    for (const c of changes) {
      if ('qaohvbeI'.includes(c.mode) || LOCAL_CHANMODES.has(c.mode)) continue;
      const cur = ch.modes.get(c.mode);
      const val = c.param === undefined ? '' : normalizeParam(c.mode, c.param);
      if (c.param !== undefined && val === '') continue; // invalid parameter: not set
      if (cur === undefined || val === '') ch.modes.set(c.mode, cur !== undefined && val === '' ? cur : val);
      else ch.modes.set(c.mode, mergeParam(c.mode, cur, val));
    }
    // Secret wins over private in both directions (sjoin.c reverts +s→+p; +s clears +p).
    if (ch.modes.has('s') || hadS) ch.modes.delete('p');
  }

  // Lists.
  if (mode !== 'ours-win') {
    for (const l of lists) {
      const list = l.mode === 'b' ? ch.lists.b : l.mode === 'e' ? ch.lists.e : ch.lists.I;
      if (list.has(l.mask) || list.size >= MAX_LIST_ENTRIES) continue;
      list.set(own(l.mask), { setBy: l.setBy, setAt: l.setAt });
    }
  }

  // Relayed with the TS sjoin.c used (an invalid TS was replaced by ours).
  if (relaying) relaySjoin(e, link, server, rawTags, ch, String(theirs), modeStr, modeParams, members, mode === 'ours-win' ? [] : lists);
  e.net.destroyIfEmpty(ch);
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
function relaySjoin(e: Engine, link: Link | null, server: Server, rawTags: string | null, ch: Channel, ts: string, modeStr: string, modeParams: string[], members: Item[], lists: ListItem[]): void {
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
