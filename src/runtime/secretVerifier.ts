// The client side's password checks, shared by OPER (operAuth.ts) and allow::password
// (allowAuth.ts): $scrypt$ hashes (tslink mkpasswd) at most two at once on libuv's pool, UnrealIRCd's
// $argon2id$ one at a time in a worker, both off the event loop and compared in constant time; a
// certfp (or any other secret text) compared through SHA-256 digests with timingSafeEqual. There is
// no plaintext password to compare with: the configuration refuses one (config/rules.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import { Argon2Verifier } from '../link/argon2Passwords.ts';
import { PasswordChecker, type CheckResult } from '../link/passwords.ts';

/** Longest password looked at (UnrealIRCd's PASSWDLEN): a longer one is refused without hashing. */
export const MAX_PASSWORD_BYTES = 256;

function digest(text: string): Buffer { return createHash('sha256').update(text, 'utf8').digest(); }

/** Constant-time equality of two texts (their SHA-256 digests are compared). */
export function sameSecret(a: string, b: string): boolean { return timingSafeEqual(digest(a), digest(b)); }

/** A password that is no candidate at all (none, empty, longer than MAX_PASSWORD_BYTES): refused without hashing. */
export function uncheckable(password: string | null): boolean {
  return password === null || password === '' || Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
}

export class SecretVerifier {
  private readonly scrypt = new PasswordChecker(2);
  private readonly argon2 = new Argon2Verifier();
  /** Hash checks started (uncheckable passwords never count): for tests and metrics. */
  started = 0;

  /** `password` against a $scrypt$ or $argon2id$ hash, off the event loop; the reason never holds either. */
  check(password: string | null, hash: string): Promise<CheckResult> {
    if (password === null || uncheckable(password)) return Promise.resolve({ ok: false, reason: 'password mismatch' });
    this.started++;
    return hash.startsWith('$argon2id$') ? this.argon2.check(password, hash) : this.scrypt.check(password, hash);
  }

  async close(): Promise<void> { await this.argon2.close(); }
}
