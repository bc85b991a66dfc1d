// :<sid> MODE <#chan> <modes> [<params>...] <channel TS>   server source: TS last
// :<uid> MODE <#chan> <modes> [<params>...]                user source: no TS
// :<src> MODE <nick> <modes>                               user modes (same handler)
// TS rule: conflicts.md §4.
import type { CommandSpec } from '../commandTable.ts';
import { sourceId, sourceMask, sourceName } from '../engine.ts';
import { applyModeChanges, formatModeChanges, parseModeChanges } from '../channelModes.ts';
import { applyUmodes } from './umode2.ts';

export const MODE: CommandSpec = {
  minParams: 2, from: 'any',
  handler(e, ctx) {
    const { link, msg } = ctx;
    const target = msg.params[0];
    if (!target.startsWith('#')) {
      const u = e.net.user(target);
      if (!u) return;
      if (ctx.src.kind === 'user' && ctx.src.user !== u && !e.isUlined(ctx.src.user.server)) return;
      const applied = applyUmodes(u, msg.params[1]);
      if (applied) e.broadcast(link, `:${u.uid} UMODE2 ${applied}`);
      return;
    }
    const ch = e.net.channel(target);
    if (!ch) {
      if (link) e.send(link, `:${e.me.name} 403 ${sourceName(ctx.src)} ${target} :No such channel`);
      return;
    }
    const modeStr = msg.params[1];
    if (modeStr.startsWith('&')) return; // old bounce form: ignored
    let params = msg.params.slice(2);
    let ts: number | null = null;
    if (ctx.src.kind === 'server' && params.length > 0) {
      const last = params[params.length - 1];
      if (/^\d+$/.test(last)) { ts = Number(last); params = params.slice(0, -1); }
    }
    const server = ctx.src.kind === 'server' ? ctx.src.server : null;
    let tsLowered = false;
    if (ts !== null && ts !== 0) {
      if (ts > ch.ts && !(server && e.isUlined(server))) {
        e.log('info', 'MODE_TS_IGNORED', `MODE for ${ch.name} with newer TS ${ts} (ours ${ch.ts}) ignored`, link);
        return;
      }
      if (ts <= 1000000) ts = ch.ts; // invalid: treated as ours (merge)
      else if (ts < ch.ts) { ch.ts = ts; tsLowered = true; }
      if (ts > ch.ts) {
        // U-lined sender with a newer TS: applied, and our TS is announced back (mode.c _do_mode()).
        if (link) e.send(link, `:${e.me.name} MODE ${ch.name} + ${ch.ts}`);
        ts = ch.ts;
      }
    } else if (server && ts === null) {
      ts = ch.ts; // a server MODE without TS is relayed with our TS (mode.c: sendts -1 → creationtime)
    }
    const groups = e.modeGroups(link);
    const applied = applyModeChanges(e.net, ch, parseModeChanges(groups, modeStr, params), sourceMask(ctx.src), e.now(), groups);
    if (!applied.length) {
      // Nothing changed. A TS lowering still has to reach the other servers.
      if (tsLowered) e.broadcast(link, `:${e.me.sid} MODE ${ch.name} + ${ch.ts}`);
      e.net.destroyIfEmpty(ch);
      return;
    }
    // Only what took effect is relayed (mode.c builds the relayed line from set_mode()'s result).
    const f = formatModeChanges(applied);
    const rest = f.params.length ? ' ' + f.params.join(' ') : '';
    const tsPart = server ? ` ${ts ?? 0}` : '';
    e.relay(ctx, `:${sourceId(ctx.src)} MODE ${ch.name} ${f.modes}${rest}${tsPart}`);
    e.net.destroyIfEmpty(ch);
  },
};
