// PASS :<password>   (colon optional; Atheme sends "PASS servpass"). Handshake only.
// Registered with one param, as UnrealIRCd's pass.c: "PASS a b" is the password "a b". The password
// is kept whole; one longer than PASSWDLEN is refused at authorization, before any hashing.
// Exactly one PASS per connection: UnrealIRCd lets the last one win, which lets whatever is sent
// after a first PASS (a proxy, a confused peer) change what is checked; a second PASS drops the link.
import type { CommandSpec } from '../commandTable.ts';

export const PASS: CommandSpec = {
  minParams: 1, maxParams: 1, from: 'any', handshake: true, handshakeOnly: true,
  handler(e, { link, msg }) {
    if (!link || link.phase !== 'handshake') return; // PASS after registration is ignored
    if (link.password !== null) { e.exitLink(link, 'PASS received twice'); return; }
    link.password = msg.params[0];
  },
};
