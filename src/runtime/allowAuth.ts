// allow::password, checked for a client about to register (clientAdmission.ts admitByAllow): the
// PASS it gave against the block's $scrypt$ / $argon2id$ hash, off the event loop through the node's
// SecretVerifier (the same bounded checks OPER uses), or its client certificate against the block's
// certfp in constant time. No PASS, an empty one or one longer than 256 bytes fails without hashing.
import type { AllowConfig } from '../config/index.ts';
import type { ClientSession } from '../client/session.ts';
import type { AllowPasswordCheck } from './clientAdmission.ts';
import type { Logger } from './logger.ts';
import { sameSecret, uncheckable, type SecretVerifier } from './secretVerifier.ts';

export function allowPasswordCheck(verifier: SecretVerifier, log: Logger): AllowPasswordCheck {
  return (a: AllowConfig, s: ClientSession): boolean | Promise<boolean> => {
    const auth = a.auth;
    if (auth === undefined) return true;
    if (auth.type === 'certfp') return s.info.certfp !== undefined && sameSecret(s.info.certfp.toLowerCase(), auth.fingerprint);
    if (uncheckable(s.password)) return false;
    return verifier.check(s.password, auth.hash).then((r) => {
      if (!r.ok && r.reason !== 'password mismatch') {
        log.warn({ event: 'ALLOW_HASH_UNCHECKED', allow_block: `${a.pos.file}:${a.pos.line}`, reason: r.reason }, `allow block at ${a.pos.file}:${a.pos.line}: the password hash could not be checked: ${r.reason}`);
      }
      return r.ok;
    });
  };
}
