// :<sid> MODE <#chan> <modes> [<params>...] <channel TS>   server source: TS last
// :<uid> MODE <#chan> <modes> [<params>...]                user source: no TS
// :<src> MODE <nick> <modes>                               user modes (same handler)
// TS rule: conflicts.md §4. The changes themselves go through applyModeChanges() (channelModes.ts),
// for servers and users alike: one change per parameter mode per line, at most MAXMODEPARAMS (12)
// changes with a parameter per line (the rest dropped as UnrealIRCd drops them, and logged as
// MODE_PARAMS_OVER_LIMIT), parameters in their module's canonical form, +b/+e/+I in normal form;
// only what took effect is relayed, as MODE lines within UnrealIRCd's limits (modeLines.ts).
import type { CommandSpec } from '../commandTable.ts';
import { sourceId, sourceMask, sourceName } from '../engine.ts';
import { applyModeChanges, parseModeChanges, type ModeLimitCount } from '../channelModes.ts';
import { logModeNotSent, modeLines } from '../modeLines.ts';
import { LINE_MAX_OUT, MAXMODEPARAMS } from '../../wire/limits.ts';
import { applyUmodes } from './umode2.ts';
import { parseTs } from '../validate.ts';
import { tsGreaterUnsigned, type Ts } from '../../state/ts.ts';

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
    let modeStr = msg.params[1];
    if (modeStr.startsWith('&')) return; // old bounce form: ignored
    let params = msg.params.slice(2);
    const server = ctx.src.kind === 'server' ? ctx.src.server : null;
    // mode.c cmd_mode(), for a server source: its last param (the mode string itself when there is
    // no other) read by atol() into a `long unsigned sendts`. Non-zero and above our TS as
    // unsigned (so any negative value too) from a non-U-lined server: the MODE is ignored. Zero
    // without a leading '0', or -1: no TS, the param stays a param. Anything else is the TS and
    // is taken off the params; the rest is _do_mode()'s (below).
    let ts: Ts | null = null;
    if (server) {
      const last = msg.params[msg.params.length - 1];
      const v = parseTs(last);
      if (v !== 0 && tsGreaterUnsigned(v, ch.ts) && !e.isUlined(server)) {
        e.log('info', 'MODE_TS_IGNORED', `MODE for ${ch.name} with newer TS ${v} (ours ${ch.ts}) ignored`, link);
        return;
      }
      if (!((v === 0 && last.charCodeAt(0) !== 48 /* 0 */) || v === -1)) {
        ts = v;
        if (params.length > 0) params = params.slice(0, -1);
        else modeStr = '';
      }
    }
    let tsLowered = false;
    if (ts !== null && ts > 0) {
      if (ts <= 1000000) ts = ch.ts; // invalid: treated as ours (merge)
      else if (ts < ch.ts) { ch.ts = ts; tsLowered = true; }
      if (ts > ch.ts) {
        // U-lined sender with a newer TS: applied, and our TS is announced back (mode.c _do_mode()).
        if (link) e.send(link, `:${e.me.name} MODE ${ch.name} + ${ch.ts}`);
        ts = ch.ts;
      }
      // A negative TS (only a U-lined server gets this far with one) changes nothing and is relayed as it is.
    } else if (server && ts === null) {
      ts = ch.ts; // a server MODE without TS is relayed with our TS (mode.c: sendts -1 → creationtime)
    }
    const hadP = ch.modes.has('P');
    const groups = e.modeGroups(link);
    const limit: ModeLimitCount = { dropped: 0 };
    const applied = applyModeChanges(e.net, ch, parseModeChanges(groups, modeStr, params), sourceMask(ctx.src), e.now(), groups, limit);
    if (limit.dropped > 0) {
      e.logLimited('warn', 'MODE_PARAMS_OVER_LIMIT', `MODE for ${ch.name} from ${sourceName(ctx.src)}: ${limit.dropped} change(s) with a parameter after the first ${MAXMODEPARAMS} that took effect dropped, as UnrealIRCd drops them (MAXMODEPARAMS)`, link);
    }
    if (!applied.length) {
      // Nothing changed. A TS lowering still has to reach the other servers.
      if (tsLowered) { e.broadcast(link, `:${e.me.sid} MODE ${ch.name} + ${ch.ts}`); e.channelChanged(ch); }
      e.net.destroyIfEmpty(ch);
      return;
    }
    // Only what took effect is relayed (mode.c builds the relayed lines from set_mode()'s result),
    // at most 12 parameters a line; Engine.send() splits them further for a peer without BIGLINES.
    const out = modeLines(`:${sourceId(ctx.src)} MODE ${ch.name}`, applied, server ? ` ${ts ?? 0}` : '', LINE_MAX_OUT);
    for (const l of out.lines) e.relay(ctx, l);
    if (out.dropped.length) logModeNotSent(e, ch.name, out.dropped, link);
    e.channelChanged(ch, hadP);
    e.net.destroyIfEmpty(ch);
  },
};
