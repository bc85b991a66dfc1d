// :<name> TKL +|- <type> ...   network bans; syntax in tkl/tklWire.ts, merge rule conflicts.md §6.
// Never echoed back to the link it came from; relayed with the sender's server name.
// A ban this node removed comes back from a peer that missed the removal (a split, then its
// burst): while the removal's tombstone lasts (EngineOptions.tklRemoved), the re-add is refused
// and the peer gets the standard TKL - back, so it drops the ban too and passes the removal on.
import type { CommandSpec } from '../commandTable.ts';
import type { Engine } from '../engine.ts';
import type { Link } from '../link.ts';
import { formatTkl, parseTkl } from '../../tkl/tklWire.ts';
import { tklKey, type TklEntry } from '../../tkl/types.ts';
import { tklType } from '../../tkl/tklRules.ts';

/** "G-Line *@host.example", "Spamfilter 'buy now'": a ban as a log line names it. */
export function describeTkl(t: TklEntry): string {
  const name = tklType(t.type)?.logName ?? `TKL ${t.type}`;
  if (t.spamfilter) return `${name} '${t.spamfilter.match}' (targets ${t.user}, action ${t.host})`;
  if (t.type === 'Q') return `${name} ${t.host}`;
  return `${name} ${t.user}@${t.host}`;
}

/** A peer re-adds a ban removed here: refused, and the removal sent back to that peer. */
function refuseReAdd(e: Engine, link: Link, srcName: string, entry: TklEntry, removal: { removedAt: number; removedBy: string }): void {
  e.log('info', 'TKL_READD_REFUSED',
    `${describeTkl(entry)} from ${srcName} (set at ${entry.setAt}) was removed here at ${removal.removedAt} by ${removal.removedBy}: not re-added, ${link.name} is told to remove it`, link);
  e.send(link, `:${e.me.name} ${formatTkl('-', entry, removal.removedBy)}`);
}

export const TKL: CommandSpec = {
  minParams: 2, from: 'any',
  onMissingParams(e, ctx) { e.log('info', 'TKL_IGNORED', 'TKL with too few parameters ignored', ctx.link); },
  handler(e, ctx) {
    const parsed = parseTkl(ctx.msg.params);
    const srcName = ctx.src.kind === 'server' ? ctx.src.server.name : ctx.src.user.server.name;
    if (parsed.op === 'ignore') { e.log('info', 'TKL_IGNORED', `TKL ignored: ${parsed.why}`, ctx.link); return; }
    if (parsed.op === '+') {
      // Only a peer's re-add is refused: one of our own (config, API) is a new decision.
      const removal = ctx.link && e.opts.tklRemoved ? e.opts.tklRemoved(parsed.entry, e.now()) : null;
      if (removal && ctx.link) { refuseReAdd(e, ctx.link, srcName, parsed.entry, removal); return; }
      const res = e.tkl.add(parsed.entry, e.now());
      if (res.kind === 'unchanged') return;
      e.emit({ kind: 'tkl', op: 'add', entry: res.entry });
      if (e.hasOtherLinks(ctx.link)) e.broadcast(ctx.link, `:${srcName} ${formatTkl('+', res.entry)}`);
      return;
    }
    const gone = e.tkl.remove(tklKey(parsed.key));
    if (!gone) return; // unknown entry: silently ignored
    if (ctx.link) e.log('info', 'TKL_REMOVED', `${describeTkl(gone)} removed by ${parsed.removedBy} (from ${srcName})`, ctx.link);
    e.emit({ kind: 'tkl', op: 'del', entry: gone, removedBy: parsed.removedBy });
    e.broadcast(ctx.link, `:${srcName} ${formatTkl('-', gone, parsed.removedBy)}`);
  },
};
