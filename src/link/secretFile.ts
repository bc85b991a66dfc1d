/**
 * Secret files: `password-file` (the password we send as PASS) and
 * `hmac-secret-file` (the shared HMAC secret). One set of rules for both,
 * checked when the configuration is loaded (and so on every rehash) and again
 * whenever the node reads them:
 *  - a regular file (a symbolic link is followed: its target is checked);
 *  - no access at all for group or others (mode & 0077 == 0, e.g. 0600 or 0400);
 *  - owned by the user running tslink (root may read files owned by others).
 * The checks run on the opened file (fstat), so there is no window between
 * the check and the read. Messages name the file and the problem, never its
 * contents.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** Limits of an HMAC secret (after trailing whitespace is stripped). */
export const HMAC_SECRET_MIN_BYTES = 16;
export const HMAC_SECRET_MAX_BYTES = 4096;
/** A password file longer than this is refused (the password is its first line). */
export const PASSWORD_FILE_MAX_BYTES = 4096;

/** A secret file that cannot be used; `problem` is the message without the path. */
export class SecretFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`secret file ${path}: ${problem}`);
    this.name = 'SecretFileError';
  }
}

/** The part of fs.Stats the rules look at (tests pass plain objects). */
export type SecretFileStats = Pick<Stats, 'mode' | 'uid'> & { isFile(): boolean };

/**
 * The owner/mode rules for every secret file. Returns the problem (for a
 * message after the file name), or undefined when the file may hold a secret.
 * `uid` is the running user (default: process.getuid()); uid 0 may use files
 * owned by others. On Windows only the regular-file rule applies.
 */
export function secretFileProblem(path: string, st: SecretFileStats, uid = currentUid()): string | undefined {
  if (!st.isFile()) return 'not a regular file';
  if (process.platform === 'win32') return undefined;
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    return `mode ${mode} gives access to group/others; run: chmod 600 ${path}`;
  }
  if (uid !== undefined && uid !== 0 && st.uid !== uid) {
    return `owned by uid ${st.uid}, not by the user running tslink (uid ${uid}); run: chown ${uid} ${path}`;
  }
  return undefined;
}

/**
 * Opens a secret file, applies `secretFileProblem` to the opened file and
 * returns its whole contents. Throws SecretFileError (missing, unreadable,
 * wrong mode or owner, larger than `maxBytes`).
 */
export function readSecretFileSync(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO in place of the file must not hang the load (fstat refuses it below).
    fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new SecretFileError(path, describeOpenError(err));
  }
  try {
    const st = fstatSync(fd);
    const problem = secretFileProblem(path, st);
    if (problem) throw new SecretFileError(path, problem);
    if (st.size > maxBytes) throw new SecretFileError(path, `too large (${st.size} bytes, at most ${maxBytes})`);
    const buf = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, length, buf.length - length, null);
      } catch (err) {
        buf.fill(0);
        throw new SecretFileError(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      if (n === 0) break;
      length += n;
      if (length > maxBytes) {
        buf.fill(0);
        throw new SecretFileError(path, `too large (more than ${maxBytes} bytes)`);
      }
    }
    const out = Buffer.from(buf.subarray(0, length));
    buf.fill(0);
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * The HMAC secret of a `hmac-secret-file`: trailing newlines, spaces and tabs
 * stripped, 16..4096 bytes.
 */
export function readHmacSecretSync(path: string): Buffer {
  const raw = readSecretFileSync(path, HMAC_SECRET_MAX_BYTES + 64);
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === 0x0a || raw[end - 1] === 0x0d || raw[end - 1] === 0x20 || raw[end - 1] === 0x09)) end--;
  const secret = Buffer.from(raw.subarray(0, end));
  raw.fill(0);
  if (secret.length < HMAC_SECRET_MIN_BYTES) {
    secret.fill(0);
    throw new SecretFileError(path, `secret shorter than ${HMAC_SECRET_MIN_BYTES} bytes (make one with: openssl rand -base64 32)`);
  }
  if (secret.length > HMAC_SECRET_MAX_BYTES) {
    secret.fill(0);
    throw new SecretFileError(path, `secret too long (at most ${HMAC_SECRET_MAX_BYTES} bytes)`);
  }
  return secret;
}

/**
 * The password we send as PASS, from a `password-file`: its first line
 * (bytes as latin1, like every wire string), trimmed. An empty first line is
 * an error (it would silently become `PASS :*`), and so is a CR or NUL in it
 * (no PASS line can carry them).
 */
export function readLinkPasswordSync(path: string): string {
  const raw = readSecretFileSync(path, PASSWORD_FILE_MAX_BYTES);
  const password = raw.toString('latin1').split('\n')[0].trim();
  raw.fill(0);
  if (password.length === 0) throw new SecretFileError(path, 'the first line (the password we send) is empty');
  if (/[\r\0]/.test(password)) throw new SecretFileError(path, 'the first line (the password we send) holds a CR or NUL, which no PASS line can carry');
  return password;
}

function describeOpenError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    case 'EISDIR':
      return 'not a regular file';
    default:
      return `cannot be read (${code ?? 'error'})`;
  }
}

function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}
