// :<nick|uid> UMODE2 <+modes-modes>   (also ":<src> MODE <nick> <modes>" for users; see mode.ts)
import type { CommandSpec } from '../commandTable.ts';
import type { User } from '../../state/model.ts';

/** Apply a user mode change string; returns the normalized change actually applied. */
export function applyUmodes(u: User, modes: string): string {
  let dir = '+', out = '', outDir = '';
  for (const ch of modes) {
    if (ch === '+' || ch === '-') { dir = ch; continue; }
    if (!/[A-Za-z]/.test(ch) || ch === 's') continue; // snomask-bearing +s is local-only
    if (dir === '+') { if (u.umodes.has(ch)) continue; u.umodes.add(ch); }
    else { if (!u.umodes.has(ch)) continue; u.umodes.delete(ch); if (ch === 't') u.vhost = ''; }
    if (outDir !== dir) { out += dir; outDir = dir; }
    out += ch;
  }
  return out;
}

export const UMODE2: CommandSpec = {
  minParams: 1, from: 'user',
  handler(e, ctx) {
    if (ctx.src.kind !== 'user') return;
    const u = ctx.src.user;
    const applied = applyUmodes(u, ctx.msg.params[0]);
    if (applied) e.relay(ctx, `:${u.uid} UMODE2 ${applied}`);
  },
};
