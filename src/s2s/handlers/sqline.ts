// SQLINE <nick mask> [:<reason>]  → a permanent Q-line broadcast as TKL to ALL servers, sender included.
// UNSQLINE <nick mask>            → removes it.
import type { CommandSpec } from '../commandTable.ts';
import { formatTkl } from '../../tkl/tklWire.ts';
import { tklKey, type TklEntry } from '../../tkl/types.ts';

export const SQLINE: CommandSpec = {
  minParams: 1, from: 'server', maxParams: 2,
  handler(e, ctx) {
    if (ctx.src.kind !== 'server') return;
    const entry: TklEntry = { type: 'Q', user: '*', host: ctx.msg.params[0], setBy: ctx.src.server.name, expireAt: 0, setAt: e.now(), reason: ctx.msg.params[1] || 'no reason' };
    const res = e.tkl.add(entry, e.now());
    if (res.kind === 'unchanged') return;
    e.emit({ kind: 'tkl', op: 'add', entry: res.entry });
    e.broadcast(null, `:${e.me.name} ${formatTkl('+', res.entry)}`);
  },
};

export const UNSQLINE: CommandSpec = {
  minParams: 1, from: 'server',
  handler(e, ctx) {
    const gone = e.tkl.remove(tklKey({ type: 'Q', user: '*', host: ctx.msg.params[0] }));
    if (!gone) return;
    e.emit({ kind: 'tkl', op: 'del', entry: gone });
    e.broadcast(null, `:${e.me.name} ${formatTkl('-', gone, ctx.src.kind === 'server' ? ctx.src.server.name : gone.setBy)}`);
  },
};
