// :<src> SWHOIS <nick|uid> + <tag> <prio> :<text>   add      (EXTSWHOIS form)
// :<src> SWHOIS <nick|uid> - <tag> <prio> :<text>   delete ('*' = all with that tag)
// :<src> SWHOIS <nick|uid> :<text>                   old form: add with tag = sender name ('' deletes)
import type { CommandSpec } from '../commandTable.ts';
import { sourceName } from '../engine.ts';
import { SWHOISLEN } from '../../wire/limits.ts';

export const SWHOIS: CommandSpec = {
  minParams: 2, from: 'server',
  handler(e, ctx) {
    const p = ctx.msg.params;
    const u = e.net.user(p[0]);
    if (!u) return;
    if (p.length > 4 && (p[1] === '+' || p[1] === '-')) {
      const [, op, tag, prioStr, text] = p;
      const prio = Number(prioStr) || 0;
      if (op === '+') {
        if (!text) return;
        // The list is replaced, never edited (users without SWHOIS share one empty list).
        if (!u.swhois.some((s) => s.tag === tag && s.text === text)) {
          u.swhois = [...u.swhois, { tag, prio, text: text.slice(0, SWHOISLEN) }].sort((a, b) => a.prio - b.prio);
        }
      } else {
        u.swhois = u.swhois.filter((s) => !(s.tag === tag && (text === '*' || s.text === text)));
      }
      e.relay(ctx, e.relayBody(ctx, [u.uid, op, tag, prioStr, text]));
      return;
    }
    const text = p[1];
    const tag = sourceName(ctx.src);
    if (!text) u.swhois = u.swhois.filter((s) => s.tag !== tag);
    else if (!u.swhois.some((s) => s.tag === tag && s.text === text)) u.swhois = [...u.swhois, { tag, prio: 0, text: text.slice(0, SWHOISLEN) }];
    e.relay(ctx, e.relayBody(ctx, [u.uid, text]));
  },
};
