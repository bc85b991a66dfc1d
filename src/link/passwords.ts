/**
 * Hashing of stored link passwords (the value an incoming `PASS :<pw>` is
 * checked against). The password that we *send* must stay plaintext: that is
 * all UnrealIRCd's PASS can carry.
 *
 * Format: `$scrypt$N=32768,r=8,p=1$<salt base64>$<hash base64>`
 *  - node:crypto scrypt, N=2^15, r=8, p=1 (32 MiB, ~50-100 ms on a current
 *    core), 16-byte random salt, 32-byte derived key.
 *  - standard base64 without padding.
 *
 * Verification refuses anything that is not a recognised hash: a plaintext
 * value stored in the config never matches, and `checkPassword` tells the
 * caller why so it can log it. (UnrealIRCd's argon2/bcrypt/crypt hashes are
 * recognised only to give a precise reason; Node 20 has no argon2/bcrypt.)
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { PASSWDLEN } from '../wire/limits.ts';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 1 << 15, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Upper bounds accepted when *verifying*, so a hostile config/hash string cannot make us burn GBs. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEM_BYTES = 256 * 1024 * 1024;
/** Longest plaintext we hash: PASSWDLEN, UnrealIRCd's longest PASS (a longer one can never match). */
const MAX_PLAIN_BYTES = PASSWDLEN;

export interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

export type ParseResult = { ok: true; value: ParsedHash } | { ok: false; reason: string };

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

function b64(buf: Buffer): string {
  return buf.toString('base64').replace(/=+$/, '');
}

function memFor(p: ScryptParams): number {
  // scrypt needs 128*N*r bytes for V plus 128*r*p for B; leave headroom.
  return 128 * p.N * p.r + 128 * p.r * p.p + 1024 * 1024;
}

function validParams(p: ScryptParams): string | null {
  if (!Number.isSafeInteger(p.N) || p.N < 2 || (p.N & (p.N - 1)) !== 0) return 'N must be a power of two';
  if (p.N > MAX_N) return `N larger than ${MAX_N}`;
  if (!Number.isSafeInteger(p.r) || p.r < 1 || p.r > MAX_R) return `r must be 1..${MAX_R}`;
  if (!Number.isSafeInteger(p.p) || p.p < 1 || p.p > MAX_P) return `p must be 1..${MAX_P}`;
  if (memFor(p) > MAX_MEM_BYTES) return 'parameters need too much memory';
  return null;
}

/** Parses a stored value. Never throws. */
export function parsePasswordHash(stored: string): ParseResult {
  if (typeof stored !== 'string' || stored.length === 0) return { ok: false, reason: 'empty stored password' };
  if (!stored.startsWith('$')) {
    return { ok: false, reason: 'stored password is plaintext, not a hash (generate one with hashPassword)' };
  }
  if (stored.startsWith('$argon2')) return { ok: false, reason: 'argon2 hashes are not supported by this node' };
  if (/^\$2[abxy]\$/.test(stored)) return { ok: false, reason: 'bcrypt hashes are not supported by this node' };
  const parts = stored.split('$');
  // ['', 'scrypt', 'N=..,r=..,p=..', salt, hash]
  if (parts.length !== 5 || parts[1] !== 'scrypt') {
    return { ok: false, reason: 'unrecognised password hash format' };
  }
  const m = /^N=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})$/.exec(parts[2]!);
  if (!m) return { ok: false, reason: 'malformed scrypt parameters' };
  const params: ScryptParams = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const bad = validParams(params);
  if (bad) return { ok: false, reason: `unacceptable scrypt parameters: ${bad}` };
  const [saltS, hashS] = [parts[3]!, parts[4]!];
  if (!B64.test(saltS) || !B64.test(hashS)) return { ok: false, reason: 'malformed base64 in password hash' };
  const salt = Buffer.from(saltS, 'base64');
  const hash = Buffer.from(hashS, 'base64');
  if (salt.length < 8 || salt.length > 64) return { ok: false, reason: 'salt length out of range' };
  if (hash.length < 16 || hash.length > 64) return { ok: false, reason: 'hash length out of range' };
  return { ok: true, value: { params, salt, hash } };
}

/** True if `stored` is a hash this module can verify. */
export function isPasswordHash(stored: string): boolean {
  return parsePasswordHash(stored).ok;
}

/** A password's bytes: a string is taken as UTF-8 text (mkpasswd), a Buffer as is (a PASS as received). */
function plainBytes(plain: string | Buffer): Buffer {
  if (typeof plain !== 'string' && !Buffer.isBuffer(plain)) throw new TypeError('password must be a string or bytes');
  const b = typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain;
  if (b.length > MAX_PLAIN_BYTES) throw new RangeError(`password longer than ${MAX_PLAIN_BYTES} bytes`);
  return b;
}

function format(params: ScryptParams, salt: Buffer, hash: Buffer): string {
  return `$scrypt$N=${params.N},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

function scryptAsync(pw: Buffer, salt: Buffer, keylen: number, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pw, salt, keylen, { N: p.N, r: p.r, p: p.p, maxmem: memFor(p) }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes a password (async: runs on the libuv thread pool, does not block the event loop). */
export async function hashPassword(plain: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const bad = validParams(params);
  if (bad) throw new RangeError(`hashPassword: ${bad}`);
  const pw = plainBytes(plain);
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(pw, salt, KEY_BYTES, params);
  return format(params, salt, hash);
}

/** Synchronous variant, for tests and tools; the node never hashes synchronously. */
export function hashPasswordSync(plain: string, params: ScryptParams = DEFAULT_SCRYPT): string {
  const bad = validParams(params);
  if (bad) throw new RangeError(`hashPassword: ${bad}`);
  const pw = plainBytes(plain);
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(pw, salt, KEY_BYTES, { ...params, maxmem: memFor(params) });
  return format(params, salt, hash);
}

export type CheckResult = { ok: true } | { ok: false; reason: string };

/** What a check derives from: the password's bytes and the parsed hash, or why there is nothing to derive. */
type Prepared = { ok: false; reason: string } | { ok: true; pw: Buffer; value: ParsedHash };

function prepare(plain: string | Buffer, stored: string): Prepared {
  const parsed = parsePasswordHash(stored);
  if (!parsed.ok) return parsed;
  try {
    return { ok: true, pw: plainBytes(plain), value: parsed.value };
  } catch {
    return { ok: false, reason: 'supplied password too long' };
  }
}

/** Both buffers have the stored hash's length by construction: a constant-time compare. */
function verdict(derived: Buffer, hash: Buffer): CheckResult {
  return timingSafeEqual(derived, hash) ? { ok: true } : { ok: false, reason: 'password mismatch' };
}

/**
 * Verifies `plain` against `stored`, with the reason on failure (for the
 * caller's log; the reason never contains the password or the hash).
 */
export async function checkPassword(plain: string | Buffer, stored: string): Promise<CheckResult> {
  const p = prepare(plain, stored);
  if (!p.ok) return p;
  const { params, salt, hash } = p.value;
  return verdict(await scryptAsync(p.pw, salt, hash.length, params), hash);
}

/** Verifies `plain` against `stored`; false for mismatch and for anything that is not a recognised hash. */
export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  return (await checkPassword(plain, stored)).ok;
}

/**
 * Password checks with at most `limit` scrypt runs at once (each holds one of libuv's four pool
 * threads for ~0.1 s); the others wait their turn in arrival order. There is no synchronous check.
 */
export class PasswordChecker {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly limit = 2) {}

  /** Checks waiting for a free slot. */
  get queued(): number { return this.waiting.length; }
  get active(): number { return this.running; }
  /** Checks asked for since this checker was made. */
  started = 0;

  async check(plain: string | Buffer, stored: string): Promise<CheckResult> {
    this.started++;
    // A finished check hands its slot straight to the next waiting one (running stays counted).
    if (this.running >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.running++;
    try {
      return await checkPassword(plain, stored);
    } finally {
      const next = this.waiting.shift();
      if (next) next(); else this.running--;
    }
  }
}
