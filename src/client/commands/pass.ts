// PASS :<password>   before registration (allow::password); the last one counts. One longer than
// 256 bytes (UnrealIRCd's PASSWDLEN) is kept long enough to be refused without hashing, not cut to fit.
import type { ClientCommandSpec } from '../commandTable.ts';

/** UnrealIRCd's PASSWDLEN (runtime/secretVerifier.ts refuses longer ones unhashed). */
const MAX_PASSWORD_BYTES = 256;

export const PASS: ClientCommandSpec = {
  minParams: 1, unregistered: 'only',
  handler(s, msg) { s.password = msg.params[0].slice(0, MAX_PASSWORD_BYTES + 1); },
};
