// :<src> TOPIC <#chan> <setter> <ts> :<topic>   (burst form has no prefix)
// :<uid> TOPIC <#chan> :<topic>                  (2-param user form)
// Rules: conflicts.md §5 (server: newer TS wins; user must be on the channel).
import type { CommandSpec } from '../commandTable.ts';
import { sourceId, sourceMask } from '../engine.ts';
import { TOPICLEN } from '../../wire/limits.ts';

export const TOPIC: CommandSpec = {
  minParams: 1, from: 'any', maxParams: 4,
  handler(e, ctx) {
    const { link, msg } = ctx;
    const ch = e.net.channel(msg.params[0]);
    if (!ch) return;
    const four = msg.params.length >= 4;
    let setBy: string, ts: number, text: string;
    if (four) { setBy = msg.params[1]; ts = Number(msg.params[2]) || 0; text = msg.params[3]; }
    else { setBy = sourceMask(ctx.src); ts = e.now(); text = msg.params[1] ?? ''; }
    text = text.slice(0, TOPICLEN);
    if (ctx.src.kind === 'server') {
      const ul = e.isUlined(ctx.src.server);
      if (ts !== 0 && ch.topic && !(ts > ch.topic.ts) && !ul) return; // older or equal: ignored, not relayed
      if (ts === 0) ts = e.now();
    } else {
      const u = ctx.src.user;
      if (!e.isUlined(u.server) && !ch.members.has(u)) {
        if (link) e.send(link, `:${e.me.name} 442 ${u.nick} ${ch.name} :You're not on that channel`);
        return;
      }
    }
    ch.topic = text ? { text, setBy, ts } : null;
    e.relay(ctx, `:${sourceId(ctx.src)} TOPIC ${ch.name} ${setBy} ${ts} :${text}`);
  },
};
