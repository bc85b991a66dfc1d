import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it, before, after } from 'node:test';
import type { DetailedPeerCertificate } from 'node:tls';
import {
  certFingerprint,
  certFingerprintColon,
  generateSelfSigned,
  spkiFingerprint,
  type KeyAndCert,
} from '../../src/link/certs.ts';
import { verifyPeerCertificate } from '../../src/link/verifyPeer.ts';
import { opensslPki, type Pki } from './opensslPki.ts';

let dir: string;
let pki: Pki;
let self: KeyAndCert;
let other: KeyAndCert;

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tslink-verify-'));
  pki = opensslPki(dir);
  self = generateSelfSigned({ commonName: 'leaf.test' });
  other = generateSelfSigned({ commonName: 'leaf.test' });
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** Mimics tls getPeerCertificate(true): leaf → issuer → … (root points to itself). */
function detailed(...pems: string[]): DetailedPeerCertificate {
  const nodes = pems.map((p) => ({ raw: new X509Certificate(p).raw }) as unknown as DetailedPeerCertificate);
  nodes.forEach((n, i) => {
    n.issuerCertificate = nodes[i + 1] ?? n;
  });
  return nodes[0]!;
}

describe('verifyPeerCertificate: pins', () => {
  it('certfp in hex and in colon form, spkifp', () => {
    assert.deepEqual(verifyPeerCertificate(self.certPem, { certfp: [certFingerprint(self.certPem)] }), { ok: true });
    assert.deepEqual(verifyPeerCertificate(self.certPem, { certfp: [certFingerprintColon(self.certPem)] }), { ok: true });
    assert.deepEqual(verifyPeerCertificate(self.certPem, { spkifp: [spkiFingerprint(self.certPem)] }), { ok: true });
    // DER and X509Certificate inputs
    const x = new X509Certificate(self.certPem);
    assert.deepEqual(verifyPeerCertificate(x.raw, { certfp: [certFingerprint(self.certPem)] }), { ok: true });
    assert.deepEqual(verifyPeerCertificate(x, { spkifp: [spkiFingerprint(self.certPem)] }), { ok: true });
  });

  it('any one of several pins matches', () => {
    const policy = { certfp: [certFingerprint(other.certPem), certFingerprint(self.certPem)] };
    assert.deepEqual(verifyPeerCertificate(self.certPem, policy), { ok: true });
    const mixed = { certfp: [certFingerprint(other.certPem)], spkifp: [spkiFingerprint(self.certPem)] };
    assert.deepEqual(verifyPeerCertificate(self.certPem, mixed), { ok: true });
  });

  it('a different certificate (same CN) is refused', () => {
    const r = verifyPeerCertificate(other.certPem, {
      certfp: [certFingerprint(self.certPem)],
      spkifp: [spkiFingerprint(self.certPem)],
    });
    assert.deepEqual(r, { ok: false, reason: 'certificate fingerprint does not match' });
  });

  it('no method configured, no certificate, garbage', () => {
    assert.deepEqual(verifyPeerCertificate(self.certPem, {}), { ok: false, reason: 'no verification method configured' });
    assert.deepEqual(verifyPeerCertificate(self.certPem, { certfp: [], spkifp: [] }), {
      ok: false,
      reason: 'no verification method configured',
    });
    assert.deepEqual(verifyPeerCertificate(self.certPem, { expectedName: 'leaf.test' }), {
      ok: false,
      reason: 'no verification method configured',
    });
    assert.deepEqual(verifyPeerCertificate(self.certPem, { ca: '   ' }), {
      ok: false,
      reason: 'no verification method configured',
    });
    const pin = { certfp: [certFingerprint(self.certPem)] };
    assert.deepEqual(verifyPeerCertificate(null, pin), { ok: false, reason: 'no certificate' });
    assert.deepEqual(verifyPeerCertificate(undefined, pin), { ok: false, reason: 'no certificate' });
    assert.deepEqual(verifyPeerCertificate('', pin), { ok: false, reason: 'no certificate' });
    assert.deepEqual(verifyPeerCertificate({} as DetailedPeerCertificate, pin), { ok: false, reason: 'no certificate' });
    assert.deepEqual(verifyPeerCertificate('not a certificate', pin), { ok: false, reason: 'unparsable certificate' });
    assert.deepEqual(verifyPeerCertificate(Buffer.from([1, 2, 3]), pin), { ok: false, reason: 'unparsable certificate' });
  });

  it('a malformed pin fails closed, even if another pin would match', () => {
    const r = verifyPeerCertificate(self.certPem, { certfp: ['nothex', certFingerprint(self.certPem)] });
    assert.deepEqual(r, { ok: false, reason: 'invalid certfp in configuration (entry 1)' });
    const r2 = verifyPeerCertificate(self.certPem, { spkifp: ['short'] });
    assert.deepEqual(r2, { ok: false, reason: 'invalid spkifp in configuration (entry 1)' });
  });

  it('pins ignore dates and names (UnrealIRCd certfp semantics)', () => {
    const far = new Date(Date.now() + 100 * 365 * 86400_000);
    assert.deepEqual(
      verifyPeerCertificate(self.certPem, { certfp: [certFingerprint(self.certPem)], expectedName: 'x.test' }, { now: far }),
      { ok: true },
    );
  });
});

describe('verifyPeerCertificate: CA mode', () => {
  it('leaf issued by the CA, with matching name', () => {
    assert.deepEqual(verifyPeerCertificate(pki.leaf.certPem, { ca: pki.rootPem, expectedName: 'leaf.test' }), { ok: true });
    assert.deepEqual(verifyPeerCertificate(pki.leaf.certPem, { ca: pki.rootPem }), { ok: true });
  });

  it('name mismatch', () => {
    assert.deepEqual(verifyPeerCertificate(pki.leaf.certPem, { ca: pki.rootPem, expectedName: 'hub.test' }), {
      ok: false,
      reason: 'certificate name does not match',
    });
    assert.deepEqual(verifyPeerCertificate(pki.leaf.certPem, { ca: pki.rootPem, expectedName: '' }), {
      ok: false,
      reason: 'certificate name does not match',
    });
  });

  it('self-signed or other-CA certificates are refused', () => {
    const notIssued = { ok: false, reason: 'certificate not issued by the configured CA' };
    assert.deepEqual(verifyPeerCertificate(self.certPem, { ca: pki.rootPem }), notIssued);
    // other root has the same subject name but another key
    assert.deepEqual(verifyPeerCertificate(pki.leaf.certPem, { ca: pki.otherRootPem }), notIssued);
    // a CA bundle containing the right root works
    assert.deepEqual(verifyPeerCertificate(pki.leaf.certPem, { ca: pki.otherRootPem + pki.rootPem }), { ok: true });
  });

  it('chain through an intermediate sent by the peer', () => {
    assert.deepEqual(
      verifyPeerCertificate(detailed(pki.deepLeaf.certPem, pki.intermediatePem, pki.rootPem), {
        ca: pki.rootPem,
        expectedName: 'deep.test',
      }),
      { ok: true },
    );
    // without the intermediate there is no path
    assert.deepEqual(verifyPeerCertificate(pki.deepLeaf.certPem, { ca: pki.rootPem }), {
      ok: false,
      reason: 'certificate not issued by the configured CA',
    });
    // the intermediate itself configured as the CA also works
    assert.deepEqual(verifyPeerCertificate(pki.deepLeaf.certPem, { ca: pki.intermediatePem }), { ok: true });
  });

  it('a certificate "issued" by a non-CA leaf is refused', () => {
    assert.deepEqual(verifyPeerCertificate(detailed(pki.fromNonCa.certPem, pki.leaf.certPem), { ca: pki.rootPem }), {
      ok: false,
      reason: 'certificate not issued by the configured CA',
    });
    // and a non-CA certificate configured as "ca" is no anchor (a config error at load, see parseCaPem)
    assert.deepEqual(verifyPeerCertificate(pki.fromNonCa.certPem, { ca: pki.leaf.certPem }), {
      ok: false,
      reason: 'configured CA has no CA certificate (basicConstraints CA:TRUE)',
    });
    assert.deepEqual(verifyPeerCertificate(pki.fromNonCa.certPem, { ca: pki.leaf.certPem + pki.rootPem }), {
      ok: false,
      reason: 'certificate not issued by the configured CA',
    });
  });

  it('validity dates are enforced', () => {
    const future = new Date(Date.now() + 10 * 86400_000);
    const past = new Date(Date.now() - 10 * 86400_000);
    assert.deepEqual(verifyPeerCertificate(pki.leaf.certPem, { ca: pki.rootPem }, { now: future }), {
      ok: false,
      reason: 'certificate expired',
    });
    assert.deepEqual(verifyPeerCertificate(pki.leaf.certPem, { ca: pki.rootPem }, { now: past }), {
      ok: false,
      reason: 'certificate not yet valid',
    });
  });

  it('pins and CA together: both must pass', () => {
    const fp = certFingerprint(pki.leaf.certPem);
    assert.deepEqual(verifyPeerCertificate(pki.leaf.certPem, { ca: pki.rootPem, certfp: [fp] }), { ok: true });
    assert.deepEqual(verifyPeerCertificate(pki.leaf.certPem, { ca: pki.otherRootPem, certfp: [fp] }), {
      ok: false,
      reason: 'certificate not issued by the configured CA',
    });
    assert.deepEqual(
      verifyPeerCertificate(pki.leaf.certPem, { ca: pki.rootPem, certfp: [certFingerprint(self.certPem)] }),
      { ok: false, reason: 'certificate fingerprint does not match' },
    );
  });

  it('a CA string without certificates fails', () => {
    assert.deepEqual(verifyPeerCertificate(pki.leaf.certPem, { ca: 'garbage' }), {
      ok: false,
      reason: 'configured CA contains no certificate',
    });
  });
});
