/**
 * Verification of a link peer's certificate against a link block's policy.
 *
 * Methods (a policy may combine them; every configured method must pass):
 *  - pins: `certfp` (SHA-256 of the certificate; hex or colon form) and/or
 *    `spkifp` (base64 SHA-256 of the public key). Passes if the certificate
 *    matches ANY configured pin. Pins are compared in constant time. As in
 *    UnrealIRCd, a pinned certificate's dates and name are not checked: the
 *    pin is the identity (self-signed certs are the normal case).
 *  - `ca`: the certificate must chain (through intermediates sent by the
 *    peer, if any) to one of the CA certificates in this PEM, every
 *    certificate on the path must be within its validity period, and if
 *    `expectedName` is set it must match the certificate (subjectAltName DNS,
 *    or CN when there is no SAN), like UnrealIRCd's `verify-certificate yes`.
 *    `expectedName` is only used together with `ca`.
 *
 * A policy with no method fails ("no verification method configured"): there
 * is no accept-everything mode. A configured pin that cannot be parsed fails
 * closed too.
 */
import { X509Certificate, createHash, timingSafeEqual } from 'node:crypto';
import { TLSSocket, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import { parseCertFp, parseSpkiFp } from './certs.ts';

export interface PeerPolicy {
  certfp?: string[];
  spkifp?: string[];
  /** PEM with one or more trusted CA certificates. */
  ca?: string;
  /** Name the certificate must be valid for (with `ca`). */
  expectedName?: string;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export type PeerInput =
  | TLSSocket
  | X509Certificate
  | PeerCertificate
  | DetailedPeerCertificate
  | string
  | Buffer
  | null
  | undefined;

export interface VerifyOptions {
  /** Clock for validity checks (tests). */
  now?: Date;
}

const MAX_CHAIN_DEPTH = 8;
const MAX_CA_CERTS = 256;

interface Extracted {
  leaf: X509Certificate;
  /** Further certificates the peer sent (possible intermediates). */
  extra: X509Certificate[];
}

function isPeerCertObject(x: unknown): x is PeerCertificate {
  return typeof x === 'object' && x !== null && 'raw' in x && Buffer.isBuffer((x as PeerCertificate).raw);
}

/** Walks a DetailedPeerCertificate's issuer links (bounded; self-signed certs point to themselves). */
function chainFromDetailed(pc: PeerCertificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<object>();
  let cur: PeerCertificate | undefined = pc;
  for (let i = 0; cur && i < MAX_CHAIN_DEPTH + 1; i++) {
    if (seen.has(cur) || !Buffer.isBuffer(cur.raw) || cur.raw.length === 0) break;
    seen.add(cur);
    out.push(new X509Certificate(cur.raw));
    cur = (cur as DetailedPeerCertificate).issuerCertificate;
  }
  return out;
}

function extract(input: PeerInput): Extracted | { error: string } {
  if (input === null || input === undefined) return { error: 'no certificate' };
  try {
    if (input instanceof TLSSocket) {
      if (!input.encrypted) return { error: 'not using TLS' };
      const leaf = input.getPeerX509Certificate();
      if (!leaf) return { error: 'no certificate' };
      const detailed = input.getPeerCertificate(true);
      const chain = detailed && isPeerCertObject(detailed) ? chainFromDetailed(detailed) : [];
      return { leaf, extra: chain.slice(1) };
    }
    if (input instanceof X509Certificate) return { leaf: input, extra: [] };
    if (typeof input === 'string' || Buffer.isBuffer(input)) {
      if (input.length === 0) return { error: 'no certificate' };
      return { leaf: new X509Certificate(input), extra: [] };
    }
    if (isPeerCertObject(input)) {
      if (input.raw.length === 0) return { error: 'no certificate' };
      const chain = chainFromDetailed(input);
      return { leaf: chain[0]!, extra: chain.slice(1) };
    }
    if (typeof input === 'object' && Object.keys(input).length === 0) {
      // getPeerCertificate() returns {} when the peer sent none.
      return { error: 'no certificate' };
    }
  } catch {
    return { error: 'unparsable certificate' };
  }
  return { error: 'unparsable certificate' };
}

/** Constant-time "digest equals one of pins" (all 32 bytes); no early exit. */
function matchesAny(digest: Buffer, pins: Buffer[]): boolean {
  let hit = 0;
  for (const pin of pins) hit |= timingSafeEqual(pin, digest) ? 1 : 0;
  return hit === 1;
}

export function splitPemCertificates(pem: string): string[] {
  const re = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
  return pem.match(re) ?? [];
}

function withinValidity(c: X509Certificate, now: number): string | null {
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  if (!Number.isFinite(from) || !Number.isFinite(to)) return 'certificate has unparsable validity dates';
  if (now < from) return 'certificate not yet valid';
  if (now > to) return 'certificate expired';
  return null;
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

export type CaParseResult = { ok: true; anchors: X509Certificate[] } | { ok: false; reason: string };

/**
 * The trusted certificates of a `verify { ca }` PEM: at least one, at most
 * 256, every one parsable, at least one of them a CA (basicConstraints
 * CA:TRUE; the others can never be an anchor). Used for every peer check and
 * by the configuration loader, so a CA file that cannot work is refused at load.
 */
export function parseCaPem(caPem: string): CaParseResult {
  const blocks = splitPemCertificates(caPem);
  if (blocks.length === 0) return { ok: false, reason: 'configured CA contains no certificate' };
  if (blocks.length > MAX_CA_CERTS) return { ok: false, reason: 'configured CA has too many certificates' };
  const anchors: X509Certificate[] = [];
  for (const b of blocks) {
    try {
      anchors.push(new X509Certificate(b));
    } catch {
      return { ok: false, reason: 'configured CA certificate unparsable' };
    }
  }
  if (!anchors.some((a) => a.ca)) return { ok: false, reason: 'configured CA has no CA certificate (basicConstraints CA:TRUE)' };
  return { ok: true, anchors };
}

function verifyChain(ex: Extracted, caPem: string, now: number): string | null {
  const parsed = parseCaPem(caPem);
  if (!parsed.ok) return parsed.reason;
  const anchors = parsed.anchors;
  let current = ex.leaf;
  const used = new Set<X509Certificate>();
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    const dateErr = withinValidity(current, now);
    if (dateErr) return depth === 0 ? dateErr : `intermediate ${dateErr}`;
    for (const anchor of anchors) {
      if (!anchor.ca) continue;
      if (issuedBy(current, anchor)) {
        const aErr = withinValidity(anchor, now);
        if (aErr) return `CA ${aErr}`;
        return null;
      }
    }
    const next = ex.extra.find((c) => !used.has(c) && c.ca && issuedBy(current, c));
    if (!next) return 'certificate not issued by the configured CA';
    used.add(next);
    current = next;
  }
  return 'certificate chain too long';
}

/**
 * Checks a peer certificate (from a TLS socket, a PEM/DER certificate, an
 * X509Certificate or a tls PeerCertificate object) against a policy.
 * Reasons are short and safe to log and to send in an ERROR line.
 */
export function verifyPeerCertificate(
  input: PeerInput,
  policy: PeerPolicy,
  opts: VerifyOptions = {},
): VerifyResult {
  const certPins: Buffer[] = [];
  const spkiPins: Buffer[] = [];
  for (const [i, s] of (policy.certfp ?? []).entries()) {
    const b = typeof s === 'string' ? parseCertFp(s) : null;
    if (!b) return { ok: false, reason: `invalid certfp in configuration (entry ${i + 1})` };
    certPins.push(b);
  }
  for (const [i, s] of (policy.spkifp ?? []).entries()) {
    const b = typeof s === 'string' ? parseSpkiFp(s) : null;
    if (!b) return { ok: false, reason: `invalid spkifp in configuration (entry ${i + 1})` };
    spkiPins.push(b);
  }
  const hasPins = certPins.length + spkiPins.length > 0;
  const hasCa = typeof policy.ca === 'string' && policy.ca.trim().length > 0;
  if (!hasPins && !hasCa) return { ok: false, reason: 'no verification method configured' };

  const ex = extract(input);
  if ('error' in ex) return { ok: false, reason: ex.error };

  if (hasPins) {
    const certDigest = createHash('sha256').update(ex.leaf.raw).digest();
    const spkiDigest = createHash('sha256')
      .update(ex.leaf.publicKey.export({ type: 'spki', format: 'der' }))
      .digest();
    // Evaluate both lists regardless of the first result (no shortcut).
    const certOk = matchesAny(certDigest, certPins);
    const spkiOk = matchesAny(spkiDigest, spkiPins);
    if (!(certOk || spkiOk)) return { ok: false, reason: 'certificate fingerprint does not match' };
  }

  if (hasCa) {
    const now = (opts.now ?? new Date()).getTime();
    const chainErr = verifyChain(ex, policy.ca!, now);
    if (chainErr) return { ok: false, reason: chainErr };
    if (policy.expectedName !== undefined) {
      let matched: string | undefined;
      try {
        matched = policy.expectedName.length > 0 ? ex.leaf.checkHost(policy.expectedName) : undefined;
      } catch {
        matched = undefined;
      }
      if (matched === undefined) return { ok: false, reason: 'certificate name does not match' };
    }
  }
  return { ok: true };
}
