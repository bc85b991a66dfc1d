/**
 * Option builders for TLS server links (listening and connecting), and the
 * post-handshake peer checks that go with them.
 *
 * Why Node's own verification is switched off (`rejectUnauthorized: false`)
 * and replaced by `verifyPeerCertificate`:
 * server links are normally authenticated by *pinning* (certfp / spkifp) a
 * self-signed certificate, exactly like UnrealIRCd's `tlsclientcertfp` /
 * `spkifp` link passwords. OpenSSL's chain verification would reject every
 * self-signed certificate, and which certificate is acceptable depends on the
 * link block, which on an incoming connection is only known once the peer has
 * said who it is (EAUTH). So the TLS layer only *collects* the certificate
 * (`requestCert: true`), and the link code MUST call `verifyPeerCertificate`
 * (or `checkPeerOrDestroy`) with that link block's policy before trusting
 * anything the peer says. `verifyPeerCertificate` has no accept-all mode:
 * an empty policy fails.
 *
 * Hardening that applies to every server link, both directions:
 *  - no renegotiation (SSL_OP_NO_RENEGOTIATION on the context, and
 *    `disableRenegotiation()` on each socket): the certificate checked after
 *    the handshake is the one the whole connection runs under;
 *  - no session resumption: the accepting side issues no session tickets
 *    (SSL_OP_NO_TICKET) and keeps no session cache (Node's server has none
 *    unless 'newSession'/'resumeSession' listeners are added: never add them),
 *    and the connecting side never offers a saved session. A resumed session
 *    would skip the certificate exchange, so every connection presents its
 *    certificate and is checked against the pin;
 *  - `minVersion` from `set { tls { min-version ...; } }` (TLSv1.2 default).
 */
import { constants as cryptoConstants } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { verifyPeerCertificate, type PeerPolicy, type VerifyResult } from './verifyPeer.ts';

export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

/** The lowest TLS version a server link may use unless `set::tls::min-version` raises it. */
export const DEFAULT_TLS_MIN_VERSION: TlsMinVersion = 'TLSv1.2';

/** OpenSSL options of every server-link context: no renegotiation, no session tickets. */
export const LINK_SECURE_OPTIONS = cryptoConstants.SSL_OP_NO_RENEGOTIATION | cryptoConstants.SSL_OP_NO_TICKET;

export interface ServerTlsConfig {
  keyPem: string;
  certPem: string;
  /** `set::tls::min-version` (config.set.tls.minVersion); default TLSv1.2. */
  minVersion?: TlsMinVersion;
  /** OpenSSL cipher list for TLS ≤ 1.2; Node's default when omitted. */
  ciphers?: string;
  /** Trusted CA PEM: only sent as the list of acceptable CAs in the CertificateRequest. */
  ca?: string;
  /** TLS handshake timeout (default 10 s, UnrealIRCd's connect-timeout). */
  handshakeTimeoutMs?: number;
}

/** Options for `tls.createServer` on a server-link listener. */
export function buildServerTlsOptions(cfg: ServerTlsConfig): tls.TlsOptions {
  const opts: tls.TlsOptions = {
    key: cfg.keyPem,
    cert: cfg.certPem,
    minVersion: cfg.minVersion ?? DEFAULT_TLS_MIN_VERSION,
    honorCipherOrder: true,
    // No renegotiation, no session tickets (see header). With no ticket and no
    // 'resumeSession' listener the server cannot resume any session.
    secureOptions: LINK_SECURE_OPTIONS,
    // Ask every peer for a certificate ...
    requestCert: true,
    // ... but let the handshake complete even when it does not chain to a
    // public CA (self-signed, pinned): the decision is made afterwards by
    // verifyPeerCertificate with the link block's policy — see header.
    rejectUnauthorized: false,
    handshakeTimeout: cfg.handshakeTimeoutMs ?? 10_000,
  };
  if (cfg.ciphers) opts.ciphers = cfg.ciphers;
  if (cfg.ca) opts.ca = cfg.ca;
  return opts;
}

export interface ClientTlsConfig {
  host: string;
  port: number;
  /** Our certificate, presented to the peer (needed for certfp/spkifp auth on its side). */
  keyPem?: string;
  certPem?: string;
  /** SNI name; defaults to `host` when it is a DNS name. */
  servername?: string;
  /** `set::tls::min-version` (config.set.tls.minVersion); default TLSv1.2. */
  minVersion?: TlsMinVersion;
  ciphers?: string;
  /** How the server's certificate must be verified (link block of the outgoing link). */
  policy: PeerPolicy;
  /** Local address to connect from (link::outgoing::bind-ip). */
  localAddress?: string;
}

export const ERR_PEER_VERIFY = 'ERR_TSLINK_PEER_VERIFY';

/** Options for `tls.connect` on an outgoing server link. */
export function buildClientTlsOptions(cfg: ClientTlsConfig): tls.ConnectionOptions {
  const policy = cfg.policy;
  const opts: tls.ConnectionOptions = {
    host: cfg.host,
    port: cfg.port,
    minVersion: cfg.minVersion ?? DEFAULT_TLS_MIN_VERSION,
    // No renegotiation; no tickets asked for. No `session` option either:
    // every connection is a full handshake with the peer's certificate.
    secureOptions: LINK_SECURE_OPTIONS,
    // Self-signed pinned certificates would fail OpenSSL's chain check; the
    // real check is verifyPeerCertificate after 'secureConnect' (see header
    // and connectLink). rejectUnauthorized:false alone would accept anything,
    // which is why connectLink never hands out a socket before that check.
    rejectUnauthorized: false,
    // Node's hostname check is replaced by our policy check. Node only calls
    // this when OpenSSL's own chain check passed (sessions are never reused
    // here, see header), so it is a second line, not the gate: the gate is
    // the post-connect check. It is never an accept-all: it runs the same policy.
    checkServerIdentity: (_host: string, cert: tls.PeerCertificate): Error | undefined => {
      const r = verifyPeerCertificate(cert, policy);
      if (r.ok) return undefined;
      const err = new Error(`peer certificate rejected: ${r.reason}`) as Error & { code: string };
      err.code = ERR_PEER_VERIFY;
      return err;
    },
  };
  if (cfg.keyPem !== undefined) opts.key = cfg.keyPem;
  if (cfg.certPem !== undefined) opts.cert = cfg.certPem;
  const sni = cfg.servername ?? cfg.host;
  if (sni && net.isIP(sni) === 0) opts.servername = sni;
  if (cfg.ciphers) opts.ciphers = cfg.ciphers;
  // tls.connect() hands its options to net.Socket#connect(), which binds localAddress first.
  if (cfg.localAddress) (opts as tls.ConnectionOptions & { localAddress?: string }).localAddress = cfg.localAddress;
  return opts;
}

/**
 * Runs the policy against a connected TLS socket; on failure destroys the
 * socket (after calling onReject, e.g. to log). Use on the accepting side
 * once the peer's link block is known, and on the connecting side right
 * after 'secureConnect' (connectLink does that).
 */
export function checkPeerOrDestroy(
  socket: tls.TLSSocket,
  policy: PeerPolicy,
  onReject?: (reason: string) => void,
): VerifyResult {
  const r = verifyPeerCertificate(socket, policy);
  if (!r.ok) {
    onReject?.(r.reason);
    socket.destroy();
  }
  return r;
}

/**
 * Per-socket hardening of a server-link TLS socket: refuses renegotiation even
 * if the context allowed it. connectLink applies it to its sockets; call it on
 * every accepted socket too (in the 'secureConnection' handler).
 */
export function hardenLinkSocket(socket: tls.TLSSocket): void {
  socket.disableRenegotiation();
}

export class PeerVerifyError extends Error {
  readonly code = ERR_PEER_VERIFY;
  constructor(readonly reason: string) {
    super(`peer certificate rejected: ${reason}`);
  }
}

const peerCertificates = new WeakMap<tls.TLSSocket, tls.DetailedPeerCertificate>();

/**
 * The peer certificate (with its chain) captured during the TLS handshake of
 * a socket from `connectLink`, or from `capturePeerCertificate`. Use it instead
 * of the socket for later checks: on the client side Node stops returning the
 * peer certificate once 'secureConnect' has been emitted.
 */
export function peerCertificateOf(socket: tls.TLSSocket): tls.DetailedPeerCertificate | undefined {
  return peerCertificates.get(socket);
}

/** Record a socket's peer certificate now (call on the accepting side in the secure-connection callback). */
export function capturePeerCertificate(socket: tls.TLSSocket): tls.DetailedPeerCertificate | undefined {
  const detailed = socket.getPeerCertificate(true);
  if (!detailed || !Buffer.isBuffer(detailed.raw) || detailed.raw.length === 0) return undefined;
  peerCertificates.set(socket, detailed);
  return detailed;
}

/**
 * Connects an outgoing link: TLS handshake, then the policy check. Resolves
 * only with a verified socket; otherwise rejects (PeerVerifyError for a
 * policy failure) and destroys the socket. Bounded by `timeoutMs`.
 */
export function connectLink(cfg: ClientTlsConfig, timeoutMs = 10_000): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const socket = tls.connect(buildClientTlsOptions(cfg));
    hardenLinkSocket(socket);
    socket.setNoDelay(true);
    const timer = setTimeout(() => done(new Error(`TLS connect to ${cfg.host}:${cfg.port} timed out`)), timeoutMs);
    function done(err: Error | null): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        resolve(socket);
      }
    }
    const onError = (err: Error): void => done(err);
    const onClose = (): void => done(new Error('connection closed during TLS handshake'));
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('secureConnect', () => {
      // Keep the peer certificate: a client TLSSocket only returns it while
      // 'secureConnect' runs (Node 20 answers undefined / {} afterwards), and
      // the link layer checks it again once the peer names itself (EAUTH).
      const detailed = socket.getPeerCertificate(true);
      if (detailed && Buffer.isBuffer(detailed.raw)) peerCertificates.set(socket, detailed);
      const r = verifyPeerCertificate(detailed && Buffer.isBuffer(detailed.raw) ? detailed : socket, cfg.policy);
      done(r.ok ? null : new PeerVerifyError(r.reason));
    });
  });
}
