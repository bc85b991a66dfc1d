// ERROR :<text>   only logged, never relayed.
import type { CommandSpec } from '../commandTable.ts';

export const ERROR: CommandSpec = {
  minParams: 0, from: 'any', handshake: true, handshakeOnly: true,
  handler(e, { link, msg }) {
    if (!link) return;
    e.log('warn', 'LINK_ERROR', `ERROR from ${link.name}: ${msg.params[0] ?? ''}`, link);
  },
};
