// tslink gencert [--dir DIR] [--name NAME] [--force] | fingerprint FILE [--name NAME] | mkpasswd [PASSWORD]
import { promises as fsp, constants as fsConstants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isServerName, SERVER_NAME_TEXT } from '../config/schema.ts';
import { certFingerprint, generateSelfSigned, spkiFingerprint, writeKeyAndCert } from '../link/certs.ts';
import { hashPassword } from '../link/passwords.ts';
import { CliError, UsageError, parseCommandLine } from './args.ts';
import { promptHidden, readFirstLine, type TerminalInput } from './passwordInput.ts';

const DEFAULT_CERT_DIR = '.tslink-data/tls';
const KEY_FILE = 'link.key.pem';
const CERT_FILE = 'link.cert.pem';

function printFingerprints(certPem: string, name: string): void {
  const fp = certFingerprint(certPem), spki = spkiFingerprint(certPem);
  process.stdout.write(`certfp ${fp}\nspkifp ${spki}\n\n`);
  process.stdout.write(`# In the UnrealIRCd hub's unrealircd.conf (link block for this node):\n`);
  process.stdout.write(`link ${name} {\n\tincoming { mask *; }\n\tpassword "${spki}" { spkifp; };\n\tclass servers;\n};\n\n`);
  process.stdout.write(`# In a peer tslink node's link block for this node:\n`);
  process.stdout.write(`link "${name}" {\n\tincoming { mask *; }\n\tverify { spkifp "${spki}"; }\n\tclass servers;\n};\n`);
}

/** A file system error as a sentence an operator can act on (no errno soup, no stack). */
export function fsProblem(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EACCES': case 'EPERM': return 'permission denied (run as a user that may write there, or pick another --dir)';
    case 'EROFS': return 'read-only file system (pick another --dir)';
    case 'ENOSPC': case 'EDQUOT': return 'no space left on the device';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    case 'ENOENT': return 'no such directory';
    default: return e?.message ?? String(err);
  }
}

/**
 * The directory gencert writes to: it must exist or be creatable in an existing parent (a
 * mistyped --dir is not silently created with all its parents; the default data directory is).
 */
async function prepareCertDir(dir: string): Promise<void> {
  let st;
  try {
    st = await fsp.stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError(`cannot use ${dir}: ${fsProblem(err)}`);
    try {
      await fsp.mkdir(dir, { recursive: dir === DEFAULT_CERT_DIR, mode: 0o700 });
    } catch (mkErr) {
      if ((mkErr as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`${dir} does not exist and neither does its parent directory: create it first (mkdir -p ${dir}) or pick another --dir`);
      throw new CliError(`cannot create ${dir}: ${fsProblem(mkErr)}`);
    }
    return;
  }
  if (!st.isDirectory()) throw new CliError(`${dir} is not a directory`);
  try { await fsp.access(dir, fsConstants.W_OK); } catch (err) { throw new CliError(`cannot write in ${dir}: ${fsProblem(err)}`); }
}

/** Which of the paths exist (a dangling symlink counts: we would replace it). */
async function existing(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    try { await fsp.lstat(p); out.push(p); } catch { /* absent */ }
  }
  return out;
}

export async function gencertCommand(args: string[]): Promise<number> {
  const p = parseCommandLine(args, { values: ['--dir', '--name'], flags: ['--force'] });
  const dir = p.values.get('--dir') ?? DEFAULT_CERT_DIR;
  const name = p.values.get('--name') ?? 'tslink.localhost';
  if (!isServerName(name)) throw new UsageError(`--name ${JSON.stringify(name)} is not ${SERVER_NAME_TEXT}`);
  await prepareCertDir(dir);
  const keyPath = join(dir, KEY_FILE), certPath = join(dir, CERT_FILE);
  const present = await existing([keyPath, certPath]);
  // Peers pin this key (spkifp): a new one silently breaks every link until each peer changes its pin.
  if (present.length && !p.flags.has('--force')) {
    throw new CliError(`${present.join(' and ')} already exist${present.length === 1 ? 's' : ''}: kept. Peers pin this key, so a new one breaks every link until they change their pin; `
      + `--force replaces ${present.length === 1 ? 'it' : 'them'} (tslink fingerprint ${certPath} prints the current fingerprints)`);
  }
  const kc = generateSelfSigned({ commonName: name });
  let files;
  try { files = await writeKeyAndCert(dir, kc, { key: KEY_FILE, cert: CERT_FILE }); } catch (err) { throw new CliError(`cannot write in ${dir}: ${fsProblem(err)}`); }
  process.stdout.write(`key  ${files.keyPath} (mode 0600)\ncert ${files.certPath}\n`);
  printFingerprints(kc.certPem, name);
  return 0;
}

export function fingerprintCommand(args: string[]): number {
  const p = parseCommandLine(args, { values: ['--name'], minArgs: 1, maxArgs: 1 });
  const [file] = p.args;
  let pem: string;
  try { pem = readFileSync(file, 'utf8'); } catch (err) { throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2); }
  try { printFingerprints(pem, p.values.get('--name') ?? 'this.node.example'); } catch (err) { throw new CliError(`${file} is not a PEM certificate (${(err as Error).message})`); }
  return 0;
}

/** Where mkpasswd reads from (injectable for tests; process.stdin and stderr otherwise). */
export interface PasswordSource {
  stdin: AsyncIterable<Buffer | string> & Partial<TerminalInput> & { isTTY?: boolean };
  prompt: (s: string) => void;
}

export async function mkpasswdCommand(args: string[], source: PasswordSource = { stdin: process.stdin, prompt: (s) => process.stderr.write(s) }): Promise<number> {
  const p = parseCommandLine(args, { maxArgs: 1 });
  let plain = p.args[0];
  if (plain === undefined) {
    const input = source.stdin;
    if (input.isTTY === true && typeof input.setRawMode === 'function') {
      const lines = await promptHidden(['Password: ', 'Again: '], input as TerminalInput, source.prompt);
      if (lines === null) throw new CliError('cancelled; nothing printed');
      if (lines[0] !== lines[1]) throw new CliError('the two passwords do not match; nothing printed');
      plain = lines[0];
    } else {
      plain = await readFirstLine(input);
    }
  }
  if (!plain) throw new UsageError('an empty password: give it on standard input (or, on a terminal, type it twice)');
  let hash: string;
  try { hash = await hashPassword(plain); } catch (err) { throw new CliError((err as Error).message.replace(/^hashPassword: /, '')); }
  process.stdout.write(hash + '\n');
  return 0;
}
