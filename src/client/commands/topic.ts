// TOPIC <#chan> [:<text>]   query: 331 or 332+333; set: ":<uid> TOPIC <#chan> :<text>" (482 on +t
// below halfop, 442 when not on it, 403 no such channel).
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { HALFOP, rank, sendTopic } from '../channelRules.ts';
import { TOPICLEN } from '../../wire/limits.ts';

export const TOPIC: ClientCommandSpec = {
  minParams: 1,
  handler(s, msg) {
    const ch = s.mgr.host.net.channel(msg.params[0]);
    if (!ch) { s.numeric(N.ERR_NOSUCHCHANNEL(msg.params[0])); return; }
    const m = ch.members.get(s.user!);
    if (msg.params.length < 2) {
      if (!m && (ch.modes.has('s') || ch.modes.has('p'))) { s.numeric(N.ERR_NOTONCHANNEL(ch.name)); return; }
      sendTopic(s, ch, true);
      return;
    }
    if (!m) { s.numeric(N.ERR_NOTONCHANNEL(ch.name)); return; }
    if (ch.modes.has('t') && rank(m) > HALFOP) { s.numeric(N.ERR_CHANOPRIVSNEEDED(ch.name)); return; }
    s.toNetwork(`:${s.uid} TOPIC ${ch.name} :${msg.params[1].slice(0, TOPICLEN)}`, s.newTags());
  },
};
