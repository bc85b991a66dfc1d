/**
 * Checks of the files a configuration names that the node must be able to
 * use as soon as it links: every `password-file` and `hmac-secret-file`
 * (read and checked with the secret-file rules of src/link/secretFile.ts:
 * a regular file, no access for group/others, owned by us) and every
 * `verify { ca }` (readable, with at least one CA certificate). A problem is
 * a config error at the item's line, so `check-config`, `start` and every
 * rehash refuse the configuration instead of the node silently sending
 * `PASS :*` or ignoring the CA.
 *
 * Runs on the raw document (values may be ones the schema rejected: only
 * strings are looked at). Nothing read here is kept: the node reads the
 * files again when it uses them.
 */
import { readFileSync, statSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readHmacSecretSync, readLinkPasswordSync, SecretFileError } from '../link/secretFile.ts';
import { parseCaPem } from '../link/verifyPeer.ts';
import type { PathResolver } from './finalise.ts';
import { BLOCK_SEPARATOR, type MessageSink } from './messages.ts';
import { childPointer, type PositionTable } from './positions.ts';
import type { RawDocument, RawLink, RawListen } from './schema.ts';
import type { SourcePos } from './types.ts';

/** Largest CA file read (a bundle of 256 certificates fits easily). */
const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;

export function checkReferencedFiles(doc: RawDocument, positions: PositionTable, resolvePath: PathResolver, sink: MessageSink): void {
  doc.link.forEach((link, index) => checkLinkFiles(link, childPointer('/link', index), positions, resolvePath, sink));
  doc.listen.forEach((listen, index) => checkListenFiles(listen, childPointer('/listen', index), positions, resolvePath, sink));
}

/**
 * A listen block's tls-options: the certificate and key must be readable PEM, and the key must be
 * the certificate's (what start and a reload would refuse). A key readable by group or others is
 * a warning (some sites share keys through a group on purpose).
 */
function checkListenFiles(listen: RawListen, base: string, positions: PositionTable, resolvePath: PathResolver, sink: MessageSink): void {
  const t = listen['tls-options'];
  if (!t || typeof t.certificate !== 'string' || typeof t.key !== 'string') return; // the rules report a half pair
  const label = `listen${BLOCK_SEPARATOR}tls-options`;
  const at = (item: string): SourcePos => positions.nearest(childPointer(childPointer(base, 'tls-options'), item))?.pos ?? listen.pos;
  const certPath = resolvePath(listen.pos, t.certificate), keyPath = resolvePath(listen.pos, t.key);
  let cert: X509Certificate | undefined;
  try {
    cert = new X509Certificate(readFileSync(certPath));
  } catch (err) {
    sink.error(at('certificate'), `certificate "${t.certificate}": ${fileProblem(err, 'is not a PEM certificate')} (tslink gencert writes a key and certificate)`, label);
  }
  let key;
  try {
    key = createPrivateKey(readFileSync(keyPath));
  } catch (err) {
    sink.error(at('key'), `key "${t.key}": ${fileProblem(err, 'is not a PEM private key')}`, label);
  }
  if (cert && key && !cert.checkPrivateKey(key)) sink.error(at('key'), `key "${t.key}" is not the key of certificate "${t.certificate}"`, label);
  try {
    const st = statSync(keyPath);
    if (key && (st.mode & 0o077) !== 0) sink.warn(at('key'), `key "${t.key}" is readable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): chmod 600`, label);
  } catch { /* reported above */ }
}

/** Why a file could not be used: a read error in words, or `bad` when it was read but not parseable. */
function fileProblem(err: unknown, bad: string): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  if (code === 'EISDIR') return 'is a directory';
  return code ? `cannot be read (${code})` : bad;
}

function checkLinkFiles(link: RawLink, base: string, positions: PositionTable, resolvePath: PathResolver, sink: MessageSink): void {
  const label = `link "${link.name}"`;
  const at = (...path: string[]): SourcePos => {
    const pointer = path.reduce<string>((p, segment) => childPointer(p, segment), base);
    return positions.nearest(pointer)?.pos ?? link.pos;
  };
  const resolved = (written: string): string => resolvePath(link.pos, written);
  const named = (item: string, written: string, abs: string): string => `${item} "${written}"${abs !== written ? ` (${abs})` : ''}`;

  const passwordFile = link['password-file'];
  if (typeof passwordFile === 'string' && passwordFile.length > 0) {
    const abs = resolved(passwordFile);
    const problem = secretProblem(() => readLinkPasswordSync(abs));
    if (problem) sink.error(at('password-file'), `${named('password-file', passwordFile, abs)}: ${problem}`, label);
  }

  const hmacFile = link['hmac-secret-file'];
  if (typeof hmacFile === 'string' && hmacFile.length > 0) {
    const abs = resolved(hmacFile);
    const problem = secretProblem(() => readHmacSecretSync(abs).fill(0));
    if (problem) sink.error(at('hmac-secret-file'), `${named('hmac-secret-file', hmacFile, abs)}: ${problem}`, label);
  }

  const ca = link.verify?.ca;
  if (typeof ca === 'string' && ca.length > 0) {
    const abs = resolved(ca);
    const problem = caProblem(abs);
    if (problem) sink.error(at('verify', 'ca'), `${named('ca', ca, abs)}: ${problem}`, `${label}${BLOCK_SEPARATOR}verify`);
  }
}

/** The problem of a secret file (message without the path), or undefined. */
function secretProblem(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (err) {
    if (err instanceof SecretFileError) return err.problem;
    return `cannot be read (${(err as NodeJS.ErrnoException)?.code ?? 'error'})`;
  }
}

function caProblem(file: string): string | undefined {
  let text: string;
  try {
    const buf = readFileSync(file);
    if (buf.length > MAX_CA_FILE_BYTES) return `too large (more than ${MAX_CA_FILE_BYTES} bytes)`;
    text = buf.toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT') return 'does not exist';
    if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
    if (code === 'EISDIR') return 'is a directory, not a PEM file';
    return `cannot be read (${code ?? 'error'})`;
  }
  const parsed = parseCaPem(text);
  if (parsed.ok) return undefined;
  return `${CA_PROBLEMS.get(parsed.reason) ?? parsed.reason}: it must hold the PEM certificate(s) of the CA that issued the peer's certificate`;
}

/** parseCaPem's reasons (made for link errors) in the words of a config error. */
const CA_PROBLEMS = new Map<string, string>([
  ['configured CA contains no certificate', 'contains no PEM certificate (-----BEGIN CERTIFICATE-----)'],
  ['configured CA has too many certificates', 'holds too many certificates (at most 256)'],
  ['configured CA certificate unparsable', 'a certificate in it cannot be parsed'],
  ['configured CA has no CA certificate (basicConstraints CA:TRUE)', 'no certificate in it is a CA certificate (basicConstraints CA:TRUE)'],
]);
