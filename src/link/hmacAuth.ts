/**
 * HMAC challenge-response between two tslink nodes, bound to the TLS session.
 *
 * Wire (all inside PROTOCTL, which UnrealIRCd ignores when it does not know a
 * token, so the extension is invisible to UnrealIRCd peers):
 *
 *   PROTOCTL TSLINK-HMAC=1 TSLINK-NONCE=<base64url, 32 random bytes>
 *   PROTOCTL TSLINK-PROOF=<base64url HMAC-SHA256>
 *
 * proof = HMAC-SHA256(secret,
 *           lp("tslink-hmac-v1") || lp(senderRole) || lp(senderName) ||
 *           lp(receiverName) || lp(senderNonce) || lp(receiverNonce) ||
 *           lp(tlsExporter))
 * where lp(x) = uint32 big-endian length || x, senderRole is "client" for the
 * connecting side and "server" for the accepting side, names are lowercased
 * (IRC server names are case-insensitive), and tlsExporter =
 * exportKeyingMaterial(32, 'EXPORTER-tslink-hmac-v1') of the TLS session
 * (RFC 5705 / RFC 9266 channel binding).
 *
 * Properties:
 *  - replay: each side contributes a fresh nonce, so an old proof is useless;
 *  - relay / MITM: the exporter differs on every TLS session, so a proof
 *    obtained on one session fails on another, even with identical nonces;
 *  - reflection: the role label and the order of names/nonces differ per
 *    direction, so echoing the peer's own proof back fails; an echoed nonce is
 *    refused outright;
 *  - offline guessing: the accepting side sends its proof only after it has
 *    verified the connecting side's, so an unauthenticated stranger who
 *    connects to us never obtains an HMAC output to brute-force. (The
 *    connecting side proves first, but it only talks to configured peers,
 *    normally pinned by certificate.) Secrets must still be high-entropy
 *    (e.g. `openssl rand -base64 32`); 16 bytes minimum is enforced.
 *  - downgrade: with requireHmac, a peer that does not offer TSLINK-HMAC is
 *    refused once its registration is complete (`onPeerDone`).
 *
 * Note: with TLS 1.2 the exporter is only session-unique with the Extended
 * Master Secret extension (OpenSSL negotiates it by default); TLS 1.3 is
 * preferred for links using this mechanism.
 *
 * Ordering with the UnrealIRCd handshake (A = connecting = 'client',
 * B = accepting = 'server'). UnrealIRCd's A sends SERVER as soon as it has
 * processed B's *first PROTOCTL line*, so B's nonce must be in that line:
 *   A: PASS, PROTOCTL EAUTH=…, …, + localLines() (offer + nonce).
 *      A creates the handshake with expectedPeerName = its link block name
 *      (required for role 'client'), so it needs nothing from B's EAUTH.
 *   B: on A's EAUTH: onPeerName(A), then send localLines() FIRST, then PASS
 *      and PROTOCTL EAUTH=… (so the offer is B's first PROTOCTL line).
 *   A: processing that line returns A's PROOF line: send it, *then* SERVER.
 *   B: on A's PROOF: verified; the returned B PROOF line is sent before
 *      B's own PROTOCTL/SERVER; on A's SERVER call onPeerDone().
 *   A: on B's PROOF: verified; on B's SERVER call onPeerDone().
 * So each side's proof precedes its SERVER line, and a handshake still
 * pending at onPeerDone() fails.
 *
 * The secret never appears in any returned line or error message.
 */
import { createHmac, randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { readHmacSecretSync } from './secretFile.ts';

export const HMAC_TOKEN = 'TSLINK-HMAC';
export const NONCE_TOKEN = 'TSLINK-NONCE';
export const PROOF_TOKEN = 'TSLINK-PROOF';
export const HMAC_VERSION = '1';
export const EXPORTER_LABEL = 'EXPORTER-tslink-hmac-v1';
export const EXPORTER_LENGTH = 32;
const CONTEXT = 'tslink-hmac-v1';
const NONCE_BYTES = 32;
const PROOF_BYTES = 32;
const MIN_SECRET_BYTES = 16;
const MAX_SECRET_BYTES = 4096;

export const ERR_DOWNGRADE = 'downgrade: peer did not offer HMAC authentication';
export const ERR_BAD_PROOF = 'bad proof';

export type HmacRole = 'client' | 'server';
export type HmacStatus = 'pending' | 'verified' | 'failed' | 'not-offered';

export interface HmacStepResult {
  /** Lines to send to the peer now, in order. */
  send?: string[];
  /** Set when the handshake failed; the link must be closed. Sticky. */
  error?: string;
}

export interface HmacHandshakeOptions {
  secret: Buffer;
  ourName: string;
  role: HmacRole;
  /** exportKeyingMaterial(32, EXPORTER_LABEL) of this TLS session (see `tlsExporter`). */
  exporter: Buffer;
  /** Refuse peers that do not take part (downgrade protection). */
  requireHmac: boolean;
  /**
   * The peer name we expect: the link block name. Required for role 'client'
   * (see the ordering above); optional for 'server', which learns it from EAUTH.
   */
  expectedPeerName?: string;
  /** Injectable for tests. */
  randomBytes?: (n: number) => Buffer;
}

export interface HmacHandshake {
  /** Lines to send now (the offer + our nonce on the first call; then whatever is queued). */
  localLines(): string[];
  /** Feed one PROTOCTL token of the peer. Unknown keys are ignored. */
  onPeerToken(key: string, value: string | undefined): HmacStepResult;
  /** Feed the peer's server name (from EAUTH= or SERVER). */
  onPeerName(name: string): HmacStepResult;
  /**
   * Call when the peer's registration is complete (its SERVER line), i.e. no
   * more PROTOCTL will come. Enforces requireHmac; a handshake still pending
   * at this point fails.
   */
  onPeerDone(): HmacStepResult;
  status(): HmacStatus;
}

function lp(buf: Buffer): Buffer {
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(buf.length, 0);
  return Buffer.concat([len, buf]);
}

function lowerName(name: string): string {
  // ASCII-only lowercase: server names are hostnames.
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function computeProof(
  secret: Buffer,
  senderRole: HmacRole,
  senderName: string,
  receiverName: string,
  senderNonce: Buffer,
  receiverNonce: Buffer,
  exporter: Buffer,
): Buffer {
  const h = createHmac('sha256', secret);
  h.update(lp(Buffer.from(CONTEXT, 'ascii')));
  h.update(lp(Buffer.from(senderRole, 'ascii')));
  h.update(lp(Buffer.from(lowerName(senderName), 'utf8')));
  h.update(lp(Buffer.from(lowerName(receiverName), 'utf8')));
  h.update(lp(senderNonce));
  h.update(lp(receiverNonce));
  h.update(lp(exporter));
  return h.digest();
}

/** Strict base64url (no padding) decode of exactly `bytes` bytes, or null. */
function decodeB64url(value: string | undefined, bytes: number): Buffer | null {
  if (typeof value !== 'string') return null;
  const expectedLen = Math.ceil((bytes * 4) / 3);
  if (value.length !== expectedLen || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
  const buf = Buffer.from(value, 'base64url');
  if (buf.length !== bytes) return null;
  // Reject non-canonical encodings (stray low bits in the last char).
  if (buf.toString('base64url') !== value) return null;
  return buf;
}

const VALID_NAME = /^[A-Za-z0-9._-]{1,63}$/;

export function createHmacHandshake(opts: HmacHandshakeOptions): HmacHandshake {
  const { role, requireHmac } = opts;
  if (!Buffer.isBuffer(opts.secret) || opts.secret.length < MIN_SECRET_BYTES) {
    throw new Error(`HMAC secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  if (opts.secret.length > MAX_SECRET_BYTES) throw new Error('HMAC secret too long');
  if (role !== 'client' && role !== 'server') throw new Error('role must be client or server');
  if (!Buffer.isBuffer(opts.exporter) || opts.exporter.length < 16) {
    throw new Error('TLS exporter missing or too short (need exportKeyingMaterial output)');
  }
  if (!VALID_NAME.test(opts.ourName)) throw new Error('invalid ourName');
  // Private copies: later mutation of the caller's buffers cannot affect us.
  const secret = Buffer.from(opts.secret);
  const exporter = Buffer.from(opts.exporter);
  const ourName = opts.ourName;
  const rnd = opts.randomBytes ?? cryptoRandomBytes;
  const ourNonce = Buffer.from(rnd(NONCE_BYTES));
  if (ourNonce.length !== NONCE_BYTES) throw new Error('randomBytes returned the wrong length');
  const peerRole: HmacRole = role === 'client' ? 'server' : 'client';

  let queue: string[] = [`PROTOCTL ${HMAC_TOKEN}=${HMAC_VERSION} ${NONCE_TOKEN}=${ourNonce.toString('base64url')}`];
  let peerOffered = false;
  /** Peer offered only versions we do not speak (allowed when !requireHmac): ignore its tokens. */
  let peerOtherVersion = false;
  let peerNonce: Buffer | null = null;
  let peerProof: Buffer | null = null;
  if (role === 'client' && opts.expectedPeerName === undefined) {
    throw new Error('role client needs expectedPeerName (the link block name)');
  }
  if (opts.expectedPeerName !== undefined && !VALID_NAME.test(opts.expectedPeerName)) {
    throw new Error('invalid expectedPeerName');
  }
  // An outgoing link knows the peer's name from its link block: no need to wait for EAUTH.
  let peerName: string | null = opts.expectedPeerName ?? null;
  let proofSent = false;
  let peerDone = false;
  let state: HmacStatus = 'pending';
  let error: string | undefined;

  function fail(reason: string): HmacStepResult {
    state = 'failed';
    error = reason;
    queue = [];
    return { error: reason };
  }

  function ourProofLine(): string {
    const proof = computeProof(secret, role, ourName, peerName!, ourNonce, peerNonce!, exporter);
    proofSent = true;
    return `PROTOCTL ${PROOF_TOKEN}=${proof.toString('base64url')}`;
  }

  /** Moves the state machine forward as far as the known facts allow. */
  function advance(): HmacStepResult {
    if (state !== 'pending') return state === 'failed' ? { error } : {};
    if (!peerOffered || !peerNonce || peerName === null) return {};
    const send: string[] = [];
    // The connecting side proves first; the accepting side answers only
    // after checking it (see header comment).
    if (role === 'client' && !proofSent) send.push(ourProofLine());
    if (peerProof) {
      const expected = computeProof(secret, peerRole, peerName, ourName, peerNonce, ourNonce, exporter);
      // Both are PROOF_BYTES long (peerProof length checked on receipt).
      if (!timingSafeEqual(expected, peerProof)) return fail(ERR_BAD_PROOF);
      if (role === 'server' && !proofSent) send.push(ourProofLine());
      state = 'verified';
    }
    return send.length > 0 ? { send } : {};
  }

  function onPeerToken(key: string, value: string | undefined): HmacStepResult {
    if (state === 'failed') return { error };
    if (key !== HMAC_TOKEN && key !== NONCE_TOKEN && key !== PROOF_TOKEN) return {};
    if (state !== 'pending') {
      // Verified or decided not-offered: any further HMAC token is a protocol violation.
      return fail(`protocol error: unexpected ${key} after authentication finished`);
    }
    if (peerDone) return fail(`protocol error: ${key} after peer registration`);
    if (peerOtherVersion) return {};
    switch (key) {
      case HMAC_TOKEN: {
        if (peerOffered) return fail(`protocol error: duplicate ${HMAC_TOKEN}`);
        const versions = (value ?? '').split(',');
        if (!versions.includes(HMAC_VERSION)) {
          if (requireHmac) return fail('no common HMAC authentication version');
          peerOtherVersion = true;
          return {};
        }
        peerOffered = true;
        return advance();
      }
      case NONCE_TOKEN: {
        if (!peerOffered) return fail(`protocol error: ${NONCE_TOKEN} before ${HMAC_TOKEN}`);
        if (peerNonce) return fail(`protocol error: duplicate ${NONCE_TOKEN}`);
        const n = decodeB64url(value, NONCE_BYTES);
        if (!n) return fail(`protocol error: malformed ${NONCE_TOKEN}`);
        if (timingSafeEqual(n, ourNonce)) return fail('reflected nonce');
        peerNonce = n;
        return advance();
      }
      case PROOF_TOKEN: {
        if (!peerOffered) return fail(`protocol error: ${PROOF_TOKEN} before ${HMAC_TOKEN}`);
        if (peerProof) return fail(`protocol error: duplicate ${PROOF_TOKEN}`);
        // The server only sends its proof after ours: an early one is a protocol error.
        if (role === 'client' && !proofSent) return fail(`protocol error: ${PROOF_TOKEN} before our proof`);
        const p = decodeB64url(value, PROOF_BYTES);
        if (!p) return fail(ERR_BAD_PROOF);
        peerProof = p;
        return advance();
      }
    }
    return {};
  }

  function onPeerName(name: string): HmacStepResult {
    if (state === 'failed') return { error };
    if (typeof name !== 'string' || !VALID_NAME.test(name)) return fail('invalid peer server name');
    if (opts.expectedPeerName !== undefined && lowerName(name) !== lowerName(opts.expectedPeerName)) {
      return fail('peer server name does not match the link block');
    }
    if (peerName !== null) {
      if (lowerName(peerName) !== lowerName(name)) return fail('peer server name changed during handshake');
      return {};
    }
    peerName = name;
    return advance();
  }

  function onPeerDone(): HmacStepResult {
    if (state === 'failed') return { error };
    peerDone = true;
    if (state === 'verified') return {};
    if (!peerOffered) {
      if (requireHmac) return fail(ERR_DOWNGRADE);
      state = 'not-offered';
      queue = [];
      return {};
    }
    // Offered but not completed before SERVER: with the ordering described
    // in the header, each side's proof always precedes its SERVER line.
    return fail('peer did not complete HMAC authentication');
  }

  return {
    localLines() {
      const out = queue;
      queue = [];
      return out;
    },
    onPeerToken,
    onPeerName,
    onPeerDone,
    status: () => state,
  };
}

/** The channel-binding value for the HMAC handshake from a connected TLS socket. */
export function tlsExporter(socket: TLSSocket): Buffer {
  // No context argument (RFC 9266 tls-exporter style). @types/node declares
  // the optional context as required, hence the cast.
  const exportKm = socket.exportKeyingMaterial as (length: number, label: string) => Buffer;
  return exportKm.call(socket, EXPORTER_LENGTH, EXPORTER_LABEL);
}

/**
 * Reads an HMAC secret from a file. Refuses files that are not regular files,
 * that are accessible by group or others (any of mode 0077), or that are
 * owned by another user (the rules of every secret file: `secretFileProblem`
 * in secretFile.ts, also applied when the configuration is loaded); trailing
 * whitespace/newlines are stripped; the secret must be 16..4096 bytes. Errors
 * name the file and the problem, never the content.
 */
export async function loadSecretFile(path: string): Promise<Buffer> {
  return readHmacSecretSync(path);
}
