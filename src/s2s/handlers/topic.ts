// :<src> TOPIC <#chan> <setter> <ts> :<topic>   (burst form has no prefix)
// :<uid> TOPIC <#chan> :<topic>                  (2-param user form)
// Rules: conflicts.md §5 (server: newer TS wins; user must be on the channel); topic.c cmd_topic().
import { own } from '../../wire/message.ts';
import type { CommandSpec } from '../commandTable.ts';
import { sourceId, sourceMask } from '../engine.ts';
import { HOSTLEN, NICKLEN, TOPICLEN, USERLEN } from '../../wire/limits.ts';
import { parseTs } from '../validate.ts';

/** topic.c keeps at most NICKLEN+USERLEN+HOSTLEN+5 bytes of the setter. */
const SETTER_MAX = NICKLEN + USERLEN + HOSTLEN + 5;

export const TOPIC: CommandSpec = {
  minParams: 1, from: 'any', maxParams: 4,
  handler(e, ctx) {
    const { link, msg } = ctx;
    const ch = e.net.channel(msg.params[0]);
    if (!ch) return;
    if (msg.params.length < 2) return; // a query: servers keep state, they do not ask
    const four = msg.params.length >= 4;
    const user = ctx.src.kind === 'user' ? ctx.src.user : null;
    const ulined = e.isUlined(ctx.src.kind === 'user' ? ctx.src.user.server : ctx.src.server);
    // A non-U-lined user must be on the channel (both forms).
    if (user && !ulined && !ch.members.has(user)) {
      if (link) e.send(link, `:${e.me.name} 442 ${user.nick} ${ch.name} :You're not on that channel`);
      return;
    }
    // topic.c: ttime = atol(parv[3]); any non-zero value is a set-at (negative ones too), 0 means now.
    let ts = four ? parseTs(msg.params[2]) : 0;
    // The setter (commands.md TOPIC): the message's, for a server, or a U-lined source with a TS;
    // for any other user topic.c recomputes it (set::topic-setter nick-user-host, the default) as
    // the user's nick!user@<shown host>, in the 4-param form too. A 2-param form from a server:
    // the server's name.
    let setBy = four && (!user || (ts !== 0 && ulined)) ? msg.params[1] : sourceMask(ctx.src);
    const text = (four ? msg.params[3] : msg.params[1]).slice(0, TOPICLEN);
    setBy = setBy.slice(0, SETTER_MAX);
    if (ts !== 0 && (!user || ulined)) {
      // Server (or U-line) with a TS: only a newer topic wins, unless U-lined.
      if (ch.topic && !(ts > ch.topic.ts) && !ulined) return; // older or equal: ignored, not relayed
    } else if (ts === 0) {
      ts = e.now();
    }
    // An empty topic is stored too (with its setter and TS), as topic.c does.
    ch.topic = { text: own(text), setBy: own(setBy), ts };
    e.channelChanged(ch);
    if (e.hasOtherLinks(ctx.link)) e.relay(ctx, `:${sourceId(ctx.src)} TOPIC ${ch.name} ${setBy} ${ts} :${text}`);
  },
};
