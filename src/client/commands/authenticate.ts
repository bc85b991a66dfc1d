// AUTHENTICATE <mech|data|+|*>   SASL (IRCv3 sasl-3.1), relayed to the network's services (sasl.ts).
// Allowed before and after registration, as in UnrealIRCd; without the sasl cap it does nothing.
import type { ClientCommandSpec } from '../commandTable.ts';
import { authenticate } from '../sasl.ts';

export const AUTHENTICATE: ClientCommandSpec = {
  minParams: 0, unregistered: true,
  handler(s, msg) { authenticate(s, msg.params[0]); },
};
