/**
 * Test helper: certificates made by the openssl command line (independent of
 * the code under test), and openssl's own view of their fingerprints.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

function ossl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

function serial(): string {
  return `0x${Math.floor(Math.random() * 2 ** 48).toString(16)}1`;
}

/** Self-signed cert; kind 'rsa' (2048) or 'ec' (P-256). Returns file paths and PEMs. */
export function opensslSelfSigned(dir: string, name: string, cn: string, kind: 'rsa' | 'ec' = 'rsa') {
  const key = path.join(dir, `${name}.key`);
  const crt = path.join(dir, `${name}.pem`);
  const newkey = kind === 'rsa' ? ['-newkey', 'rsa:2048'] : EC;
  ossl(
    ['req', '-x509', ...newkey, '-nodes', '-keyout', key, '-out', crt, '-subj', `/CN=${cn}`, '-days', '2', '-addext', `subjectAltName=DNS:${cn}`],
    dir,
  );
  return { keyPath: key, certPath: crt, keyPem: readFileSync(key, 'utf8'), certPem: readFileSync(crt, 'utf8') };
}

/** Fingerprints computed by openssl itself. */
export function opensslFingerprints(dir: string, certPath: string) {
  const out = ossl(['x509', '-in', certPath, '-noout', '-fingerprint', '-sha256'], dir).trim();
  // "sha256 Fingerprint=AB:CD:..." (OpenSSL 3) or "SHA256 Fingerprint=..." (1.1)
  const colon = out.slice(out.indexOf('=') + 1);
  const spki = execFileSync(
    'sh',
    [
      '-c',
      'openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64',
      'sh',
      certPath,
    ],
    { cwd: dir, encoding: 'utf8', timeout: 30_000 },
  ).trim();
  return { colon, spki };
}

export interface Pki {
  rootPem: string;
  otherRootPem: string;
  intermediatePem: string;
  /** leaf.test, issued directly by root. */
  leaf: { keyPem: string; certPem: string };
  /** deep.test, issued by the intermediate. */
  deepLeaf: { keyPem: string; certPem: string };
  /** issued by `leaf` (CA:FALSE) — must never validate. */
  fromNonCa: { keyPem: string; certPem: string };
}

/** A small PKI: root → leaf; root → intermediate → deep leaf; another root; a cert signed by a non-CA. */
export function opensslPki(dir: string): Pki {
  const caExt = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  ossl(['req', '-x509', ...EC, '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-subj', '/CN=tslink test root', '-days', '3', ...caExt], dir);
  ossl(['req', '-x509', ...EC, '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-subj', '/CN=tslink test root', '-days', '3', ...caExt], dir);

  writeFileSync(path.join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  const leafExt = (cn: string) => {
    const f = path.join(dir, `${cn}.ext`);
    writeFileSync(f, `basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:${cn}\nextendedKeyUsage=serverAuth,clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`);
    return f;
  };
  const issue = (name: string, cn: string, caName: string, extFile: string) => {
    ossl(['req', '-new', ...EC, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    ossl(
      ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-set_serial', serial(), '-days', '2', '-sha256', '-extfile', extFile, '-out', `${name}.pem`],
      dir,
    );
  };
  issue('leaf', 'leaf.test', 'root', leafExt('leaf.test'));
  issue('inter', 'tslink test intermediate', 'root', path.join(dir, 'ca.ext'));
  issue('deep', 'deep.test', 'inter', leafExt('deep.test'));
  issue('nonca', 'nonca.test', 'leaf', leafExt('nonca.test'));

  const r = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  return {
    rootPem: r('root.pem'),
    otherRootPem: r('other.pem'),
    intermediatePem: r('inter.pem'),
    leaf: { keyPem: r('leaf.key'), certPem: r('leaf.pem') },
    deepLeaf: { keyPem: r('deep.key'), certPem: r('deep.pem') },
    fromNonCa: { keyPem: r('nonca.key'), certPem: r('nonca.pem') },
  };
}
