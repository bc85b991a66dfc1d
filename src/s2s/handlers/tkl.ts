// :<name> TKL +|- <type> ...   network bans; syntax in tkl/tklWire.ts, merge rule conflicts.md §6.
// Never echoed back to the link it came from; relayed with the sender's server name.
import type { CommandSpec } from '../commandTable.ts';
import { formatTkl, parseTkl } from '../../tkl/tklWire.ts';
import { tklKey } from '../../tkl/types.ts';

export const TKL: CommandSpec = {
  minParams: 2, from: 'any',
  onMissingParams(e, ctx) { e.log('info', 'TKL_IGNORED', 'TKL with too few parameters ignored', ctx.link); },
  handler(e, ctx) {
    const parsed = parseTkl(ctx.msg.params);
    const srcName = ctx.src.kind === 'server' ? ctx.src.server.name : ctx.src.user.server.name;
    if (parsed.op === 'ignore') { e.log('info', 'TKL_IGNORED', `TKL ignored: ${parsed.why}`, ctx.link); return; }
    if (parsed.op === '+') {
      const res = e.tkl.add(parsed.entry, e.now());
      if (res.kind === 'unchanged') return;
      e.emit({ kind: 'tkl', op: 'add', entry: res.entry });
      if (e.hasOtherLinks(ctx.link)) e.broadcast(ctx.link, `:${srcName} ${formatTkl('+', res.entry)}`);
      return;
    }
    const gone = e.tkl.remove(tklKey(parsed.key));
    if (!gone) return; // unknown entry: silently ignored
    e.emit({ kind: 'tkl', op: 'del', entry: gone });
    e.broadcast(ctx.link, `:${srcName} ${formatTkl('-', gone, parsed.removedBy)}`);
  },
};
