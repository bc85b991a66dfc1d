import { strict as assert } from 'node:assert';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { promises as fsp, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it, before, after } from 'node:test';
import {
  certFingerprint,
  certFingerprintColon,
  generateSelfSigned,
  parseCertFp,
  parseSpkiFp,
  spkiFingerprint,
  writeKeyAndCert,
} from '../../src/link/certs.ts';
import { opensslFingerprints, opensslSelfSigned } from './opensslPki.ts';

let dir: string;
before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tslink-certs-'));
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('fingerprints match openssl', () => {
  for (const kind of ['rsa', 'ec'] as const) {
    it(`certfp and spkifp of an openssl ${kind} certificate`, () => {
      const c = opensslSelfSigned(dir, `ossl-${kind}`, 'hub.test', kind);
      const expected = opensslFingerprints(dir, c.certPath);
      assert.match(expected.colon, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.equal(certFingerprintColon(c.certPem), expected.colon);
      assert.equal(certFingerprint(c.certPem), expected.colon.replace(/:/g, '').toLowerCase());
      assert.equal(spkiFingerprint(c.certPem), expected.spki);
      assert.equal(spkiFingerprint(c.certPem).length, 44);
      // DER input and X509Certificate input give the same values.
      const x = new X509Certificate(c.certPem);
      assert.equal(certFingerprint(x.raw), certFingerprint(c.certPem));
      assert.equal(spkiFingerprint(x), expected.spki);
      // Node's own fingerprint256 agrees too.
      assert.equal(x.fingerprint256, expected.colon);
    });
  }

  it('fingerprints of a generateSelfSigned certificate match openssl', () => {
    const kc = generateSelfSigned({ commonName: 'leaf.test' });
    const p = path.join(dir, 'gen.pem');
    writeFileSync(p, kc.certPem);
    const expected = opensslFingerprints(dir, p);
    assert.equal(certFingerprintColon(kc.certPem), expected.colon);
    assert.equal(spkiFingerprint(kc.certPem), expected.spki);
  });
});

describe('generateSelfSigned', () => {
  it('produces a matching key and a sane self-signed certificate', { timeout: 60_000 }, () => {
    const kc = generateSelfSigned({ commonName: 'hub.test', days: 30, altNames: ['hub.example.net'] });
    const x = new X509Certificate(kc.certPem);
    assert.match(x.subject, /CN=hub\.test/);
    assert.equal(x.subject, x.issuer);
    assert.equal(x.ca, false);
    assert.ok(x.verify(x.publicKey), 'self-signature verifies');
    assert.equal(x.checkHost('hub.test'), 'hub.test');
    assert.equal(x.checkHost('hub.example.net'), 'hub.example.net');
    assert.equal(x.checkHost('other.test'), undefined);
    const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86400_000;
    assert.ok(Math.abs(days - 30) < 0.01, `validity ${days} days`);
    assert.ok(Date.parse(x.validFrom) <= Date.now());
    // key ↔ cert
    const pubFromKey = createPublicKey(createPrivateKey(kc.keyPem)).export({ type: 'spki', format: 'der' });
    assert.ok(pubFromKey.equals(x.publicKey.export({ type: 'spki', format: 'der' })));
    assert.equal(createPrivateKey(kc.keyPem).asymmetricKeyDetails?.modulusLength, 2048);
    // openssl parses it and agrees on the subject.
    const p = path.join(dir, 'sane.pem');
    writeFileSync(p, kc.certPem);
    const subj = execFileSync('openssl', ['x509', '-in', p, '-noout', '-subject'], { encoding: 'utf8' });
    assert.match(subj, /CN\s*=\s*hub\.test/);
    // Each certificate is unique (random serial, new key).
    const kc2 = generateSelfSigned({ commonName: 'hub.test' });
    assert.notEqual(certFingerprint(kc2.certPem), certFingerprint(kc.certPem));
    assert.notEqual(spkiFingerprint(kc2.certPem), spkiFingerprint(kc.certPem));
  });

  it('supports 3072-bit keys', () => {
    const kc = generateSelfSigned({ commonName: 'big.test', bits: 3072 });
    assert.equal(createPrivateKey(kc.keyPem).asymmetricKeyDetails?.modulusLength, 3072);
  });

  it('rejects bad options', () => {
    assert.throws(() => generateSelfSigned({ commonName: '' }));
    assert.throws(() => generateSelfSigned({ commonName: 'a.test', days: 0 }));
    assert.throws(() => generateSelfSigned({ commonName: 'a.test', bits: 1024 as 2048 }));
  });
});

describe('writeKeyAndCert', () => {
  it('writes the key 0600 and the cert 0644, also over an existing loose key file', async () => {
    const d = path.join(dir, 'keys', 'nested');
    const kc = generateSelfSigned({ commonName: 'w.test' });
    const first = await writeKeyAndCert(d, kc);
    assert.equal((await fsp.stat(first.keyPath)).mode & 0o777, 0o600);
    assert.equal((await fsp.stat(first.certPath)).mode & 0o777, 0o644);
    assert.equal((await fsp.stat(d)).mode & 0o777, 0o700);
    assert.equal(await fsp.readFile(first.keyPath, 'utf8'), kc.keyPem);
    assert.equal(await fsp.readFile(first.certPath, 'utf8'), kc.certPem);

    await fsp.chmod(first.keyPath, 0o644);
    const kc2 = generateSelfSigned({ commonName: 'w.test' });
    const second = await writeKeyAndCert(d, kc2);
    assert.equal((await fsp.stat(second.keyPath)).mode & 0o777, 0o600);
    assert.equal(await fsp.readFile(second.keyPath, 'utf8'), kc2.keyPem);
    // no temporary files left behind
    assert.deepEqual((await fsp.readdir(d)).sort(), ['link.cert.pem', 'link.key.pem']);
  });

  it('refuses file names with a path', async () => {
    const kc = generateSelfSigned({ commonName: 'w.test' });
    await assert.rejects(writeKeyAndCert(dir, kc, { key: '../evil.pem' }), /must not contain a path/);
  });
});

describe('fingerprint parsing', () => {
  it('accepts both certfp forms, any case, and rejects others', () => {
    const kc = generateSelfSigned({ commonName: 'p.test' });
    const hex = certFingerprint(kc.certPem);
    const colon = certFingerprintColon(kc.certPem);
    const raw = parseCertFp(hex)!;
    assert.equal(raw.length, 32);
    assert.ok(parseCertFp(hex.toUpperCase())!.equals(raw));
    assert.ok(parseCertFp(colon)!.equals(raw));
    assert.ok(parseCertFp(colon.toLowerCase())!.equals(raw));
    assert.equal(parseCertFp(hex.slice(2)), null);
    assert.equal(parseCertFp(`${hex}00`), null);
    assert.equal(parseCertFp(colon.replace(':', '')), null);
    assert.equal(parseCertFp('zz'.repeat(32)), null);
  });

  it('accepts spkifp base64 with or without padding', () => {
    const kc = generateSelfSigned({ commonName: 'p.test' });
    const b = spkiFingerprint(kc.certPem);
    assert.ok(parseSpkiFp(b));
    assert.ok(parseSpkiFp(b.replace(/=$/, ''))!.equals(parseSpkiFp(b)!));
    assert.equal(parseSpkiFp(b.slice(1)), null);
    assert.equal(parseSpkiFp(certFingerprint(kc.certPem)), null);
  });
});
