// :<sid> MODE <#chan> <modes> [<params>...] <channel TS>   server source: TS last
// :<uid> MODE <#chan> <modes> [<params>...]                user source: no TS
// :<src> MODE <nick> <modes>                               user modes (same handler)
// TS rule: conflicts.md §4.
import type { CommandSpec } from '../commandTable.ts';
import { sourceId, sourceMask, sourceName } from '../engine.ts';
import { applyModeChanges, parseModeChanges } from '../channelModes.ts';
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
    if (ts !== null && ts !== 0) {
      if (ts <= 1000000) ts = ch.ts; // invalid: treated as ours
      if (ts > ch.ts && !(server && e.isUlined(server))) {
        e.log('info', 'MODE_TS_IGNORED', `MODE for ${ch.name} with newer TS ${ts} (ours ${ch.ts}) ignored`, link);
        return;
      }
      if (ts > ch.ts && server && link) e.send(link, `:${e.me.name} MODE ${ch.name} + ${ch.ts}`);
      if (ts < ch.ts) ch.ts = ts;
    }
    const changes = parseModeChanges(e.modeGroups(link), modeStr, params);
    applyModeChanges(e.net, ch, changes, sourceMask(ctx.src), e.now(), e.modeGroups(link));
    const rest = params.length ? ' ' + params.join(' ') : '';
    const tsPart = ctx.src.kind === 'server' ? ` ${ts ?? 0}` : '';
    e.relay(ctx, `:${sourceId(ctx.src)} MODE ${ch.name} ${modeStr}${rest}${tsPart}`);
    e.net.destroyIfEmpty(ch);
  },
};
