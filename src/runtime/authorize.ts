// Link authorization: the link block for a peer name, the address mask, certificate pinning,
// the PASS hash (constant-time scrypt), plaintext-loopback rules. Returns the engine's AuthResult.
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type { LinkConfig, TslinkConfig } from '../config/index.ts';
import type { AuthRequest, AuthResult } from '../s2s/engine.ts';
import { checkPasswordSync } from '../link/passwords.ts';
import { verifyPeerCertificate } from '../link/verifyPeer.ts';
import { casefold } from '../wire/casemap.ts';
import { readFileSync } from 'node:fs';

const NO_BLOCK = 'Link denied (No link block found with your server name or link::incoming::mask did not match)';
const AUTH_FAILED = 'Link denied (Authentication failed)';

export function isLoopback(addr: string): boolean {
  const a = addr.replace(/^::ffff:/i, '');
  return a === '::1' || /^127\./.test(a);
}

/** Does an address match an incoming mask ('*', exact, glob with *, or CIDR)? */
export function addressMatches(mask: string, addr: string): boolean {
  const a = addr.replace(/^::ffff:/i, '');
  if (mask === '*') return true;
  if (mask.includes('/')) {
    const [net, bitsStr] = mask.split('/');
    const bits = Number(bitsStr);
    const ab = ipBytes(a), nb = ipBytes(net);
    if (!ab || !nb || ab.length !== nb.length) return false;
    for (let i = 0; i < ab.length * 8 && i < bits; i++) {
      const byte = i >> 3, bit = 7 - (i & 7);
      if (((ab[byte] >> bit) & 1) !== ((nb[byte] >> bit) & 1)) return false;
    }
    return true;
  }
  const re = new RegExp('^' + mask.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  return re.test(a);
}

function ipBytes(s: string): number[] | null {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) return s.split('.').map(Number);
  if (!s.includes(':')) return null;
  const [head, tail = ''] = s.split('::');
  const h = head ? head.split(':') : [], t = tail ? tail.split(':') : [];
  const groups = s.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  if (groups.length !== 8) return null;
  const out: number[] = [];
  for (const g of groups) { const v = parseInt(g || '0', 16); out.push(v >> 8, v & 255); }
  return out;
}

export function findLink(config: TslinkConfig, name: string): LinkConfig | undefined {
  return config.links.find((l) => casefold(l.name) === casefold(name));
}

/** The password we send as PASS on a link (from password-file), or '*'. */
export function sendPasswordFor(link: LinkConfig): string {
  if (!link.passwordFile) return '*';
  try { return readFileSync(link.passwordFile, 'utf8').split('\n')[0].trim() || '*'; } catch { return '*'; }
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

export function authorizeLink(config: TslinkConfig, req: AuthRequest, conn: ConnFacts | undefined): AuthResult & { block?: LinkConfig } {
  const block = findLink(config, req.name);
  if (!conn) return { ok: false, reason: NO_BLOCK };
  if (!block) return { ok: false, reason: NO_BLOCK };
  if (req.direction === 'in') {
    if (!block.incoming || !block.incoming.mask.some((m) => addressMatches(m, req.address))) return { ok: false, reason: NO_BLOCK };
  } else if (conn.linkName && casefold(conn.linkName) !== casefold(req.name)) {
    return { ok: false, reason: `Servername (${req.name}) does not match name in my link block (${conn.linkName})` };
  }
  if (conn.tls) {
    const v = verifyPeerCertificate(conn.peerCert ?? (conn.socket as TLSSocket), { certfp: block.verify.certfp, spkifp: block.verify.spkifp, ca: block.verify.ca ? safeRead(block.verify.ca) : undefined, expectedName: block.name });
    if (!v.ok) return { ok: false, reason: `${AUTH_FAILED}: ${v.reason}` };
  } else {
    if (!block.plaintextLoopback || !isLoopback(req.address) || !conn.listenerLoopback && req.direction === 'in') {
      return { ok: false, reason: 'Servers need to use TLS' };
    }
  }
  if (block.passwordHash) {
    const pw = req.password ?? '';
    const ok = conn.passwordVerdict?.(pw, block.passwordHash) ?? checkPasswordSync(pw, block.passwordHash).ok;
    if (!ok) return { ok: false, reason: AUTH_FAILED };
  }
  return { ok: true, hub: block.hub, leaf: block.leaf, leafDepth: block.leafDepth, ulined: config.ulines.some((u) => casefold(u) === casefold(block.name)), sendPassword: sendPasswordFor(block), block };
}

function safeRead(p: string): string | undefined {
  try { return readFileSync(p, 'utf8'); } catch { return undefined; }
}
