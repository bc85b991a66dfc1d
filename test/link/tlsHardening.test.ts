/**
 * Issue 12 item 13: TLS hardening of server links (src/link/tlsOptions.ts):
 * no renegotiation, no session resumption (every connection presents its
 * certificate), and a configurable minimum version.
 *
 * Every socket and server a test opens is tracked and destroyed in
 * afterEach, and every test has a timeout: a regression fails, never hangs.
 */
import { strict as assert } from 'node:assert';
import { constants as cryptoConstants } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, before, describe, it } from 'node:test';
import * as tls from 'node:tls';
import { generateSelfSigned, spkiFingerprint, type KeyAndCert } from '../../src/link/certs.ts';
import { buildClientTlsOptions, buildServerTlsOptions, connectLink, type TlsMinVersion } from '../../src/link/tlsOptions.ts';

const T = { timeout: 15_000 };
const WAIT_MS = 5000;

let hub: KeyAndCert;
let leaf: KeyAndCert;
const sockets = new Set<Socket>();
const servers = new Set<tls.Server>();

before(() => {
  hub = generateSelfSigned({ commonName: 'hub.test' });
  leaf = generateSelfSigned({ commonName: 'leaf.test' });
});

afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all([...servers].map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  servers.clear();
});

function track<S extends Socket>(s: S): S {
  sockets.add(s);
  s.on('error', () => undefined);
  return s;
}

function within<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms);
    }),
  ]);
}

interface Accepted {
  socket: tls.TLSSocket;
  /** The client certificate this connection presented (empty when none). */
  peerCertRaw: Buffer | undefined;
  reused: boolean;
}

/** A listener; `accepted` gets every established server-side socket. */
async function listen(options: tls.TlsOptions): Promise<{ port: number; accepted: Accepted[]; next: () => Promise<Accepted> }> {
  const accepted: Accepted[] = [];
  const waiters: ((a: Accepted) => void)[] = [];
  const server = tls.createServer(options, (socket) => {
    const peer = socket.getPeerCertificate();
    const a: Accepted = { socket, peerCertRaw: peer && Buffer.isBuffer(peer.raw) ? peer.raw : undefined, reused: socket.isSessionReused() };
    accepted.push(a);
    socket.on('data', () => undefined);
    waiters.shift()?.(a);
  });
  servers.add(server);
  server.on('connection', (raw: Socket) => track(raw));
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let seen = 0;
  const next = (): Promise<Accepted> => {
    const i = seen++;
    if (accepted[i]) return Promise.resolve(accepted[i]);
    return within(new Promise<Accepted>((resolve) => waiters.push(resolve)), 'server side of the connection');
  };
  return { port, accepted, next };
}

/** A plain Node client (not ours): offers `session` if given, records the session it is handed. */
function rawClient(port: number, extra: tls.ConnectionOptions = {}): Promise<{ socket: tls.TLSSocket; session: () => Buffer | undefined }> {
  return within(
    new Promise((resolve, reject) => {
      let session: Buffer | undefined;
      const socket = track(tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, key: leaf.keyPem, cert: leaf.certPem, ...extra }));
      socket.on('session', (s: Buffer) => {
        session = s;
      });
      socket.once('secureConnect', () => resolve({ socket, session: () => session }));
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed before the handshake completed')));
    }),
    'client handshake',
  );
}

/** Outcome of a renegotiation attempt: 'renegotiated' only when it completed. */
function renegotiation(socket: tls.TLSSocket): Promise<string> {
  return within(
    new Promise<string>((resolve) => {
      socket.once('error', (e: Error) => resolve(`error: ${e.message}`));
      socket.once('close', () => resolve('closed'));
      const started = socket.renegotiate({ rejectUnauthorized: false }, (err) => resolve(err ? `refused: ${err.message}` : 'renegotiated'));
      if (!started) resolve('not started');
    }),
    'renegotiation outcome',
  );
}

const serverOptions = (minVersion?: TlsMinVersion): tls.TlsOptions => buildServerTlsOptions({ keyPem: hub.keyPem, certPem: hub.certPem, minVersion });
const policy = () => ({ spkifp: [spkiFingerprint(hub.certPem)] });

describe('server links: no session resumption', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`a client offering the previous session (${version}) gets a full handshake and must present its certificate again`, T, async () => {
      const srv = await listen(serverOptions());
      const first = await rawClient(srv.port, { maxVersion: version });
      const a1 = await srv.next();
      // Give the server's post-handshake messages (TLS 1.3 tickets) time to arrive.
      await new Promise((r) => setTimeout(r, 100));
      const session = first.session();
      first.socket.destroy();
      const second = await rawClient(srv.port, { maxVersion: version, ...(session ? { session } : {}) });
      const a2 = await srv.next();
      assert.equal(second.socket.getProtocol(), version);
      assert.equal(second.socket.isSessionReused(), false, 'the second connection must not resume the first session');
      assert.equal(a2.reused, false);
      assert.ok(a1.peerCertRaw && a2.peerCertRaw, 'both connections presented the client certificate');
      assert.ok(a2.peerCertRaw.equals(a1.peerCertRaw));
    });
  }

  it('connectLink offers no saved session and asks for no ticket', T, async () => {
    const opts = buildClientTlsOptions({ host: '127.0.0.1', port: 1, policy: policy() });
    assert.equal(opts.session, undefined);
    assert.equal((opts.secureOptions ?? 0) & cryptoConstants.SSL_OP_NO_TICKET, cryptoConstants.SSL_OP_NO_TICKET);
    assert.equal((opts.secureOptions ?? 0) & cryptoConstants.SSL_OP_NO_RENEGOTIATION, cryptoConstants.SSL_OP_NO_RENEGOTIATION);
    // Against a plain Node server (which would resume), two links are two full handshakes.
    const srv = await listen({ key: hub.keyPem, cert: hub.certPem, requestCert: true, rejectUnauthorized: false, maxVersion: 'TLSv1.2' });
    for (let i = 0; i < 2; i++) {
      const s = track(await connectLink({ host: '127.0.0.1', port: srv.port, keyPem: leaf.keyPem, certPem: leaf.certPem, policy: policy() }, WAIT_MS));
      const a = await srv.next();
      assert.equal(s.isSessionReused(), false);
      assert.ok(a.peerCertRaw);
      s.destroy();
    }
  });
});

describe('server links: no renegotiation', () => {
  it('the accepting side refuses a client-initiated renegotiation (TLS 1.2)', T, async () => {
    const srv = await listen(serverOptions());
    const { socket } = await rawClient(srv.port, { maxVersion: 'TLSv1.2' });
    await srv.next();
    const outcome = await renegotiation(socket);
    assert.notEqual(outcome, 'renegotiated');
  });

  it('a connectLink socket refuses a server-initiated renegotiation (TLS 1.2)', T, async () => {
    // A plain Node server that allows renegotiation, as a hostile peer could.
    const srv = await listen({ key: hub.keyPem, cert: hub.certPem, requestCert: true, rejectUnauthorized: false, maxVersion: 'TLSv1.2' });
    const client = track(await connectLink({ host: '127.0.0.1', port: srv.port, keyPem: leaf.keyPem, certPem: leaf.certPem, policy: policy() }, WAIT_MS));
    client.on('data', () => undefined);
    const a = await srv.next();
    const outcome = await renegotiation(a.socket);
    assert.notEqual(outcome, 'renegotiated');
    // and it cannot start one itself
    assert.notEqual(await renegotiation(client), 'renegotiated');
  });
});

describe('server links: minimum TLS version', () => {
  it('defaults to TLSv1.2 on both sides', () => {
    assert.equal(serverOptions().minVersion, 'TLSv1.2');
    assert.equal(buildClientTlsOptions({ host: '127.0.0.1', port: 1, policy: policy() }).minVersion, 'TLSv1.2');
  });

  it('with minVersion TLSv1.3 a TLSv1.2-only client is refused, a TLSv1.3 one accepted', T, async () => {
    const srv = await listen(serverOptions('TLSv1.3'));
    await assert.rejects(rawClient(srv.port, { maxVersion: 'TLSv1.2' }));
    assert.equal(srv.accepted.length, 0);
    const ok = await rawClient(srv.port);
    assert.equal(ok.socket.getProtocol(), 'TLSv1.3');
  });

  it('connectLink with minVersion TLSv1.3 refuses a TLSv1.2-only server', T, async () => {
    const srv = await listen({ key: hub.keyPem, cert: hub.certPem, requestCert: true, rejectUnauthorized: false, maxVersion: 'TLSv1.2' });
    await assert.rejects(connectLink({ host: '127.0.0.1', port: srv.port, keyPem: leaf.keyPem, certPem: leaf.certPem, policy: policy(), minVersion: 'TLSv1.3' }, WAIT_MS));
    assert.equal(srv.accepted.length, 0);
    const s = track(await connectLink({ host: '127.0.0.1', port: srv.port, keyPem: leaf.keyPem, certPem: leaf.certPem, policy: policy() }, WAIT_MS));
    assert.equal(s.getProtocol(), 'TLSv1.2');
  });
});
