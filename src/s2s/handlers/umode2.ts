// :<nick|uid> UMODE2 <+modes-modes>   (also ":<src> MODE <nick> <modes>" for users; see mode.ts)
// Applied as mode.c _cmd_umode() applies a remote user's change, hosts included (state/user.ts):
// -x also drops +t (and is relayed as such); +x, -x, and -t while +x stays set, make the virtual
// host the cloak again.
import type { CommandSpec } from '../commandTable.ts';
import type { User } from '../../state/model.ts';

/** Apply a user mode change string; returns the normalized change actually applied. */
export function applyUmodes(u: User, modes: string): string {
  const hadX = u.umodes.has('x'), hadT = u.umodes.has('t');
  let dir = '+', out = '', outDir = '';
  for (const ch of modes) {
    if (ch === '+' || ch === '-') { dir = ch; continue; }
    if (!/[A-Za-z]/.test(ch) || ch === 's') continue; // snomask-bearing +s is local-only
    if (dir === '+') { if (u.umodes.has(ch)) continue; u.umodes.add(ch); }
    else { if (!u.umodes.has(ch)) continue; u.umodes.delete(ch); }
    if (outDir !== dir) { out += dir; outDir = dir; }
    out += ch;
  }
  const x = u.umodes.has('x');
  // "-x translates to -xt": the relayed change says so too (send_umode_out() sends old → new).
  if (hadX && !x && u.umodes.delete('t')) { if (outDir !== '-') out += '-'; out += 't'; }
  // +x, -x, or -t while +x: virthost := cloakedhost (the vhost is gone; '' is the cloak).
  if (x !== hadX || (x && hadT && !u.umodes.has('t'))) u.vhost = '';
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
