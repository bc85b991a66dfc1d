// rpc-user logins for the HTTPS transport, as UnrealIRCd checks them: a connection from an
// address that no rpc-user block matches is refused before any HTTP is read; then the login
// (HTTP basic auth, or ?username=&password= in the URI) must name an rpc-user whose match { ip }
// takes the address and whose password hash the password verifies. Hashes: tslink's $scrypt$
// (src/link/passwords.ts), and UnrealIRCd's $argon2id$ (src/link/argon2Passwords.ts, in WebAssembly
// off the event loop, since Node 20 has no argon2 of its own).
// Each check runs off the event loop, a bounded number at once; a login that verified is
// remembered for a while (by a hash of name, password and stored hash), so a client that opens a
// connection per call does not pay a password hash per call.
import { createHash } from 'node:crypto';
import type { RpcUserConfig } from '../config/types.ts';
import { addressMatches } from '../link/addressMask.ts';
import { Argon2Verifier } from '../link/argon2Passwords.ts';
import { PasswordChecker, type CheckResult } from '../link/passwords.ts';

export type AuthResult = { ok: true; user: RpcUserConfig } | { ok: false; reason: string };

/** Does any rpc-user accept connections from this address? */
export function addressAllowed(users: readonly RpcUserConfig[], ip: string): boolean {
  return users.some((u) => u.match.some((m) => addressMatches(m, ip)));
}

/** Username and password of a request: "Authorization: Basic ...", else ?username=&password= in the URI. */
export function credentialsOf(authorization: string | undefined, url: string | undefined): { username: string; password: string } | null {
  if (authorization && /^basic /i.test(authorization)) {
    const text = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1) };
    return null;
  }
  if (url) {
    const q = url.indexOf('?');
    if (q >= 0) {
      const sp = new URLSearchParams(url.slice(q + 1));
      const username = sp.get('username'), password = sp.get('password');
      if (username && password !== null) return { username, password };
    }
  }
  return null;
}

const CACHE_MS = 10 * 60_000;
const CACHE_MAX = 256;
/** Longest password looked at (a longer one cannot be right, and is not hashed). */
const MAX_PASSWORD = 256;

export class RpcAuthenticator {
  private readonly checker = new PasswordChecker(2);
  private readonly argon2 = new Argon2Verifier();
  private readonly cache = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  async authenticate(users: readonly RpcUserConfig[], ip: string, username: string, password: string): Promise<AuthResult> {
    const user = users.find((u) => u.name === username);
    if (!user) return { ok: false, reason: `no rpc-user ${username.slice(0, 32)}` };
    if (!user.match.some((m) => addressMatches(m, ip))) return { ok: false, reason: `rpc-user ${user.name} does not match address ${ip}` };
    if (password.length === 0 || password.length > MAX_PASSWORD) return { ok: false, reason: 'password mismatch' };
    const key = createHash('sha256').update(`${user.name}\0${password}\0${user.passwordHash}`).digest('base64');
    const until = this.cache.get(key);
    if (until !== undefined && until > this.clock()) return { ok: true, user };
    const r = await this.verify(password, user.passwordHash);
    if (!r.ok) return { ok: false, reason: r.reason };
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, this.clock() + CACHE_MS);
    return { ok: true, user };
  }

  private async verify(password: string, hash: string): Promise<CheckResult> {
    if (hash.startsWith('$argon2')) return this.argon2.check(password, hash);
    return this.checker.check(password, hash);
  }
}
