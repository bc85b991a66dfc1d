// deny link { mask; rule; reason; type; }: a link to a server whose name matches `mask` is
// refused while `rule` (src/config/connectionRule.ts) holds for the current server tree.
import type { DenyLinkConfig } from '../config/index.ts';
import type { Network } from '../state/network.ts';
import type { Server } from '../state/model.ts';
import { matchMask } from '../s2s/mask.ts';
import { parseRule, type RuleNode as Node } from '../config/connectionRule.ts';

function evalRule(n: Node, net: Network): boolean {
  switch (n.op) {
    case 'not': return !evalRule(n.a, net);
    case 'and': return evalRule(n.a, net) && evalRule(n.b, net);
    case 'or': return evalRule(n.a, net) || evalRule(n.b, net);
    case 'call': {
      const servers = [...net.serversBySid.values()].filter((s) => s !== net.me);
      if (n.fn === 'connected') return servers.some((s) => matchMask(n.args[0], s.name));
      if (n.fn === 'directcon') return servers.some((s) => s.uplink === net.me && matchMask(n.args[0], s.name));
      // via(viamask, mask): a server matching mask is reached through a direct link matching viamask.
      return servers.some((s) => matchMask(n.args[1], s.name) && matchMask(n.args[0], directOf(s, net).name));
    }
  }
}

function directOf(s: Server, net: Network): Server {
  let x = s;
  while (x.uplink && x.uplink !== net.me) x = x.uplink;
  return x;
}

/** The deny link rule refusing a link to `name` now, if any. */
export function deniedBy(rules: DenyLinkConfig[], net: Network, name: string, autoconnect: boolean): DenyLinkConfig | null {
  for (const r of rules) {
    if (r.type === 'auto' && !autoconnect) continue;
    if (!matchMask(r.mask, name)) continue;
    let tree: Node;
    try { tree = parseRule(r.rule); } catch { return r; } // an unparsable rule refuses (fail closed)
    if (evalRule(tree, net)) return r;
  }
  return null;
}
