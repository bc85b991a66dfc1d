// tslink gencert [--dir DIR] [--name NAME] | fingerprint FILE | mkpasswd
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { certFingerprint, generateSelfSigned, spkiFingerprint, writeKeyAndCert } from '../link/certs.ts';
import { hashPassword } from '../link/passwords.ts';

function opt(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function printFingerprints(certPem: string, name: string): void {
  const fp = certFingerprint(certPem), spki = spkiFingerprint(certPem);
  process.stdout.write(`certfp ${fp}\nspkifp ${spki}\n\n`);
  process.stdout.write(`# In the UnrealIRCd hub's unrealircd.conf (link block for this node):\n`);
  process.stdout.write(`link ${name} {\n\tincoming { mask *; }\n\tpassword "${spki}" { spkifp; };\n\tclass servers;\n};\n\n`);
  process.stdout.write(`# In a peer tslink node's link block for this node:\n`);
  process.stdout.write(`link "${name}" {\n\tincoming { mask *; }\n\tverify { spkifp "${spki}"; }\n\tclass servers;\n};\n`);
}

export async function gencertCommand(args: string[]): Promise<number> {
  const dir = opt(args, '--dir') ?? '.tslink-data/tls';
  const name = opt(args, '--name') ?? 'tslink.localhost';
  const kc = generateSelfSigned({ commonName: name });
  const files = await writeKeyAndCert(dir, kc);
  process.stdout.write(`key  ${files.keyPath} (mode 0600)\ncert ${files.certPath}\n`);
  printFingerprints(kc.certPem, name);
  return 0;
}

export function fingerprintCommand(args: string[]): number {
  const file = args.find((a) => !a.startsWith('-'));
  if (!file) { process.stderr.write('usage: tslink fingerprint FILE\n'); return 2; }
  let pem: string;
  try { pem = readFileSync(file, 'utf8'); } catch (err) { process.stderr.write(`tslink fingerprint: cannot read ${file}: ${(err as Error).message}\n`); return 2; }
  try { printFingerprints(pem, opt(args, '--name') ?? 'this.node.example'); } catch (err) { process.stderr.write(`tslink fingerprint: ${file} is not a PEM certificate (${(err as Error).message})\n`); return 1; }
  return 0;
}

export async function mkpasswdCommand(args: string[]): Promise<number> {
  let plain = args.find((a) => !a.startsWith('-'));
  if (!plain) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    plain = Buffer.concat(chunks).toString('utf8').split('\n')[0];
  }
  if (!plain) { process.stderr.write('usage: tslink mkpasswd PASSWORD  (or on standard input)\n'); return 2; }
  process.stdout.write((await hashPassword(plain)) + '\n');
  return 0;
}

export { join };
