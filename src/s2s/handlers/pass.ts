// PASS :<password>   (colon optional; Atheme sends "PASS servpass"). Handshake only.
import type { CommandSpec } from '../commandTable.ts';

export const PASS: CommandSpec = {
  minParams: 1, from: 'any', handshake: true, handshakeOnly: true,
  handler(e, { link, msg }) {
    if (!link || link.phase !== 'handshake') return; // PASS after registration is ignored
    link.password = msg.params[0].slice(0, 256);
  },
};
