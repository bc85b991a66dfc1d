// Link authorization: the link block for a peer name, the address mask, certificate pinning,
// plaintext-loopback rules, then the PASS verdict. The identity checks (checkLinkIdentity) come
// first and cost no password work; the password is never hashed here: the node checks it off the
// event loop beforehand (only for a peer that passed checkLinkIdentity) and hands in the verdict.
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type { LinkConfig, TslinkConfig } from '../config/index.ts';
import type { AuthRequest, AuthResult } from '../s2s/engine.ts';
import { verifyPeerCertificate } from '../link/verifyPeer.ts';
import { casefold } from '../wire/casemap.ts';
import { PASSWDLEN } from '../wire/limits.ts';
import { addressMatches } from '../link/addressMask.ts';
import type { HmacHandshake, HmacStepResult } from '../link/hmacAuth.ts';

const NO_BLOCK = 'Link denied (No link block found with your server name or link::incoming::mask did not match)';
const AUTH_FAILED = 'Link denied (Authentication failed)';

export function isLoopback(addr: string): boolean {
  const a = addr.replace(/^::ffff:/i, '');
  return a === '::1' || /^127\./.test(a);
}

export function findLink(config: TslinkConfig, name: string): LinkConfig | undefined {
  const key = casefold(name);
  return config.links.find((l) => casefold(l.name) === key);
}

/** The files a link's checks read, as the node loaded them (at start and at each rehash). */
export interface LinkFiles {
  /** The PEM of a `verify { ca }` file; undefined when it could not be read. */
  ca(path: string): string | undefined;
  /** The first line of a `password-file`; undefined when it could not be read. */
  password(path: string): string | undefined;
}

/** The password we send as PASS on a link (its password-file's first line, or '*'); null when that file could not be read. */
export function sendPasswordFor(link: LinkConfig, files: LinkFiles): string | null {
  if (!link.passwordFile) return '*';
  const pw = files.password(link.passwordFile);
  return pw === undefined ? null : pw || '*';
}

export interface ConnFacts {
  socket: Socket | TLSSocket;
  tls: boolean;
  listenerLoopback: boolean;
  linkName?: string;
  /** The peer certificate captured during the TLS handshake (a client socket forgets it afterwards). */
  peerCert?: DetailedPeerCertificate;
  /** The outcome of checking `password` against `hash` if it was checked already (asynchronously, by the node). */
  passwordVerdict?: (password: string, hash: string) => boolean | undefined;
}

export type IdentityResult = { ok: true; block: LinkConfig } | { ok: false; reason: string };

/**
 * Who the peer is, without its password: the link block of the name it gave, the incoming mask
 * (or, on a link we dialled, the block's name), and its certificate against the block's pins/CA
 * over TLS, or the plaintext-loopback rules without TLS. Cheap and synchronous: the node runs it
 * before it spends anything on a password.
 */
export function checkLinkIdentity(config: TslinkConfig, req: Pick<AuthRequest, 'name' | 'direction' | 'address'>, conn: ConnFacts, files: LinkFiles): IdentityResult {
  const block = findLink(config, req.name);
  if (!block) return { ok: false, reason: NO_BLOCK };
  if (req.direction === 'in') {
    if (!block.incoming || !block.incoming.mask.some((m) => addressMatches(m, req.address))) return { ok: false, reason: NO_BLOCK };
  } else if (conn.linkName && casefold(conn.linkName) !== casefold(req.name)) {
    return { ok: false, reason: `Servername (${req.name}) does not match name in my link block (${conn.linkName})` };
  }
  if (conn.tls) {
    if (block.plaintextLoopback) return { ok: false, reason: `${AUTH_FAILED}: the link block is for plaintext-loopback links` };
    let ca: string | undefined;
    if (block.verify.ca !== undefined) {
      ca = files.ca(block.verify.ca);
      // A CA that cannot be read checks nothing: refuse rather than fall back to the pins alone.
      if (ca === undefined) return { ok: false, reason: `${AUTH_FAILED}: verify::ca file unreadable` };
    }
    const v = verifyPeerCertificate(conn.peerCert ?? (conn.socket as TLSSocket), { certfp: block.verify.certfp, spkifp: block.verify.spkifp, ca, expectedName: block.name });
    if (!v.ok) return { ok: false, reason: `${AUTH_FAILED}: ${v.reason}` };
  } else if (!block.plaintextLoopback || !isLoopback(req.address) || (!conn.listenerLoopback && req.direction === 'in')) {
    return { ok: false, reason: 'Servers need to use TLS' };
  }
  return { ok: true, block };
}

/** Does the link block want a PASS check, and is this password one that can be checked at all? */
export function passwordToCheck(block: LinkConfig, password: string | null): { hash: string; password: string } | null {
  if (!block.passwordHash || password === null || password.length > PASSWDLEN) return null;
  return { hash: block.passwordHash, password };
}

export function authorizeLink(config: TslinkConfig, req: AuthRequest, conn: ConnFacts | undefined, files: LinkFiles): AuthResult & { block?: LinkConfig } {
  if (!conn) return { ok: false, reason: NO_BLOCK };
  const id = checkLinkIdentity(config, req, conn, files);
  if (!id.ok) return id;
  const block = id.block;
  if (block.plaintextLoopback && !block.passwordHash) return { ok: false, reason: `${AUTH_FAILED}: a plaintext-loopback link needs a password hash` };
  if (block.passwordHash) {
    // PASSWDLEN: UnrealIRCd would cut a longer PASS, which then matches nothing; refused unhashed.
    const check = passwordToCheck(block, req.password ?? '');
    if (!check) return { ok: false, reason: AUTH_FAILED };
    // Never hashed here (no synchronous scrypt on the event loop): no verdict is a refusal.
    if (conn.passwordVerdict?.(check.password, check.hash) !== true) return { ok: false, reason: AUTH_FAILED };
  }
  const sendPassword = sendPasswordFor(block, files);
  if (sendPassword === null) return { ok: false, reason: 'Link denied (our password-file for this link cannot be read)' };
  return { ok: true, hub: block.hub, leaf: block.leaf, leafDepth: block.leafDepth, ulined: config.ulines.some((u) => casefold(u) === casefold(block.name)), sendPassword, block };
}

/**
 * The last check before a peer's SERVER is accepted: its HMAC handshake (if this connection has
 * one) must be complete; a block with require-hmac refuses a connection that has none at all.
 */
export function hmacBeforeServer(block: LinkConfig, hs: HmacHandshake | undefined): HmacStepResult {
  if (hs) return hs.onPeerDone();
  if (block.requireHmac) return { error: 'downgrade: HMAC authentication required but not possible on this connection' };
  return {};
}
