/**
 * Test helper: the files a configuration names and that are checked when it
 * is loaded (password-file, hmac-secret-file, verify { ca }), made in a
 * temporary directory with the modes tslink requires; and a copy of
 * link.conf.example with every such file it names, so that it loads cleanly.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSelfSigned } from '../../src/link/certs.ts';

export const EXAMPLE_SOURCE = fileURLToPath(new URL('../../link.conf.example', import.meta.url));

export interface ConfigFiles {
  dir: string;
  /** A 0600 password file ("linkpass\n"). */
  pass: string;
  /** A 0600 HMAC secret (44 bytes). */
  secret: string;
  /** A CA certificate (basicConstraints CA:TRUE). */
  ca: string;
  /** A self-signed certificate that is not a CA. */
  nonCa: string;
  cleanup(): void;
}

/** A self-signed CA certificate made by openssl (PEM). */
export function caPem(dir: string, cn = 'tslink test CA'): string {
  const key = path.join(dir, `ca-${process.pid}-${Math.random().toString(36).slice(2)}.key`);
  const crt = `${key}.pem`;
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', crt, '-subj', `/CN=${cn}`, '-days', '3',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 },
  );
  const pem = readFileSync(crt, 'utf8');
  rmSync(key, { force: true });
  rmSync(crt, { force: true });
  return pem;
}

export function makeConfigFiles(): ConfigFiles {
  const dir = mkdtempSync(path.join(tmpdir(), 'tslink-conffiles-'));
  const write = (name: string, text: string, mode = 0o600): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text, { mode });
    return p;
  };
  return {
    dir,
    pass: write('link.pass', 'linkpass\n'),
    secret: write('link.hmac', 'c2VjcmV0LWhtYWMta2V5LXRoaXJ0eS10d28tYnl0ZXMh\n'),
    ca: write('ca.pem', caPem(dir), 0o644),
    nonCa: write('nonca.pem', generateSelfSigned({ commonName: 'nonca.test' }).certPem, 0o644),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ExampleTree {
  dir: string;
  /** The copy of link.conf.example. */
  file: string;
  cleanup(): void;
}

/**
 * link.conf.example copied into a temporary directory, with the files it
 * names that are checked at load: secrets/hub.pass, secrets/leaf2.hmac,
 * secrets/services.pass (0600), tls/example-ca.pem (a CA) and tls/link.{key,cert}.pem.
 */
export function exampleTree(): ExampleTree {
  const dir = mkdtempSync(path.join(tmpdir(), 'tslink-example-'));
  const file = path.join(dir, 'link.conf');
  copyFileSync(EXAMPLE_SOURCE, file);
  mkdirSync(path.join(dir, 'secrets'), { mode: 0o700 });
  mkdirSync(path.join(dir, 'tls'), { mode: 0o700 });
  writeFileSync(path.join(dir, 'secrets/hub.pass'), 'hub-link-password\n', { mode: 0o600 });
  writeFileSync(path.join(dir, 'secrets/services.pass'), 'services-link-password\n', { mode: 0o600 });
  writeFileSync(path.join(dir, 'secrets/leaf2.hmac'), 'bGVhZjItc2hhcmVkLXNlY3JldC10aGlydHktdHdvLWJ5dGVz\n', { mode: 0o600 });
  writeFileSync(path.join(dir, 'tls/example-ca.pem'), caPem(dir, 'example CA'));
  // The node's own key and certificate, as `tslink gencert --dir tls` writes them.
  const kc = generateSelfSigned({ commonName: 'leaf.example.net' });
  writeFileSync(path.join(dir, 'tls/link.key.pem'), kc.keyPem, { mode: 0o600 });
  writeFileSync(path.join(dir, 'tls/link.cert.pem'), kc.certPem);
  return { dir, file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
