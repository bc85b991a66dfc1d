/**
 * Real TLS over loopback: certificates from certs.ts, options from
 * tlsOptions.ts, peer checks from verifyPeer.ts, and the HMAC handshake bound
 * to exportKeyingMaterial on both ends.
 *
 * A regression must make these tests fail, not hang: every socket either
 * side opens is tracked and destroyed in after() (server.close() waits for
 * open connections), and every test has a timeout.
 */
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it, before, after } from 'node:test';
import * as tls from 'node:tls';
import {
  certFingerprint,
  generateSelfSigned,
  spkiFingerprint,
  type KeyAndCert,
} from '../../src/link/certs.ts';
import { createHmacHandshake, tlsExporter, type HmacStatus } from '../../src/link/hmacAuth.ts';
import {
  PeerVerifyError,
  buildClientTlsOptions,
  buildServerTlsOptions,
  checkPeerOrDestroy,
  connectLink,
} from '../../src/link/tlsOptions.ts';
import { handleLine, makeSide, type SimSide } from './hmacSim.ts';

const SECRET = Buffer.from('loopback test secret, thirty-two+ bytes', 'utf8');
const TIMEOUT_MS = 5000;
/** Per-test limit: above every wait inside a test. */
const T = { timeout: 20_000 };

/** Every socket opened by either side; after() destroys them so server.close() can finish. */
const sockets = new Set<Socket>();
function track<S extends Socket>(socket: S): S {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
  return socket;
}

interface Outcome {
  verify: { ok: boolean; reason?: string };
  hmac?: HmacStatus;
  errors?: string[];
  exporter?: Buffer;
  protocol?: string | null;
}

function withTimeout<T>(p: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms);
    }),
  ]);
}

/** Drives a SimSide over a TLS socket until the peer's SERVER line or close. */
function runOverSocket(socket: tls.TLSSocket, side: SimSide): Promise<void> {
  return new Promise((resolve) => {
    let buf = '';
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      resolve();
    };
    const flush = () => {
      for (const l of side.out) {
        side.sent.push(l);
        socket.write(`${l}\r\n`);
      }
      side.out = [];
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > 16384) {
        socket.destroy();
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        handleLine(side, line);
        flush();
        if (side.closed || (side.peerServerSeen && side.serverSent && side.out.length === 0)) {
          if (side.closed) socket.end();
          finish();
          return;
        }
      }
    });
    socket.on('error', () => finish());
    socket.on('close', () => finish());
    flush();
  });
}

let hub: KeyAndCert;
let leaf: KeyAndCert;
let intruder: KeyAndCert;
let server: tls.Server;
let port: number;
/** Server-side result per client port: finished ones, and tests waiting for one. */
const finished = new Map<number, Outcome>();
const waiting = new Map<number, (o: Outcome) => void>();

function outcomeFor(clientPort: number): Promise<Outcome> {
  const done = finished.get(clientPort);
  if (done) return Promise.resolve(done);
  return withTimeout(
    new Promise<Outcome>((resolve) => waiting.set(clientPort, resolve)),
    `server outcome for port ${clientPort}`,
  );
}

function report(clientPort: number, o: Outcome): void {
  finished.set(clientPort, o);
  waiting.get(clientPort)?.(o);
  waiting.delete(clientPort);
}

before(async () => {
  hub = generateSelfSigned({ commonName: 'hub.test' });
  leaf = generateSelfSigned({ commonName: 'leaf.test' });
  intruder = generateSelfSigned({ commonName: 'leaf.test' });
  const leafPolicy = { certfp: [certFingerprint(leaf.certPem)] };

  server = tls.createServer(buildServerTlsOptions({ keyPem: hub.keyPem, certPem: hub.certPem }));
  server.on('connection', (raw: Socket) => track(raw));
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    const remotePort = socket.remotePort!;
    socket.on('error', () => undefined);
    // In the engine this check happens once the link block is known (after
    // EAUTH); here the only link block is leaf.test.
    const v = checkPeerOrDestroy(socket, leafPolicy);
    if (!v.ok) {
      report(remotePort, { verify: v });
      return;
    }
    const exporter = tlsExporter(socket);
    const hs = createHmacHandshake({ secret: SECRET, ourName: 'hub.test', role: 'server', exporter, requireHmac: true });
    const side = makeSide('hub.test', 'server', hs);
    void runOverSocket(socket, side).then(() => {
      report(remotePort, {
        verify: v,
        hmac: hs.status(),
        errors: side.errors,
        exporter,
        protocol: socket.getProtocol(),
      });
    });
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  await withTimeout(new Promise<void>((resolve) => server.close(() => resolve())), 'server close');
});

async function runClient(socket: tls.TLSSocket, secret = SECRET) {
  track(socket);
  socket.on('error', () => undefined);
  const exporter = tlsExporter(socket);
  const hs = createHmacHandshake({
    secret,
    ourName: 'leaf.test',
    role: 'client',
    expectedPeerName: 'hub.test',
    exporter,
    requireHmac: true,
  });
  const side = makeSide('leaf.test', 'client', hs);
  await withTimeout(runOverSocket(socket, side), 'client handshake');
  return { hs, side, exporter };
}

describe('TLS loopback link security', () => {
  it('pinned self-signed certs both ways + HMAC bound to the TLS exporter', T, async () => {
    const exporters: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      const socket = track(
        await connectLink(
          {
            host: '127.0.0.1',
            port,
            keyPem: leaf.keyPem,
            certPem: leaf.certPem,
            policy: { spkifp: [spkiFingerprint(hub.certPem)] },
          },
          TIMEOUT_MS,
        ),
      );
      const localPort = socket.localPort!;
      assert.equal(socket.getProtocol(), 'TLSv1.3');
      const c = await runClient(socket);
      const s = await outcomeFor(localPort);
      socket.destroy();
      assert.deepEqual(s.verify, { ok: true });
      assert.deepEqual(c.side.errors, []);
      assert.deepEqual(s.errors, []);
      assert.equal(c.hs.status(), 'verified');
      assert.equal(s.hmac, 'verified');
      assert.equal(c.exporter.length, 32);
      assert.ok(c.exporter.equals(s.exporter!), 'both ends derive the same exporter');
      exporters.push(c.exporter);
    }
    assert.ok(!exporters[0]!.equals(exporters[1]!), 'a new TLS session has a new exporter');
  });

  it('works over TLS 1.2 as well (exporter equal on both ends)', T, async () => {
    const opts = {
      ...buildClientTlsOptions({
        host: '127.0.0.1',
        port,
        keyPem: leaf.keyPem,
        certPem: leaf.certPem,
        policy: { certfp: [certFingerprint(hub.certPem)] },
      }),
      maxVersion: 'TLSv1.2' as const,
    };
    const socket = track(tls.connect(opts));
    socket.on('error', () => undefined);
    await withTimeout(new Promise<void>((resolve) => socket.once('secureConnect', () => resolve())), 'tls1.2 connect');
    const v = checkPeerOrDestroy(socket, { certfp: [certFingerprint(hub.certPem)] });
    assert.deepEqual(v, { ok: true });
    assert.equal(socket.getProtocol(), 'TLSv1.2');
    const localPort = socket.localPort!;
    const c = await runClient(socket);
    const s = await outcomeFor(localPort);
    socket.destroy();
    assert.equal(s.protocol, 'TLSv1.2');
    assert.equal(c.hs.status(), 'verified');
    assert.equal(s.hmac, 'verified');
    assert.ok(c.exporter.equals(s.exporter!));
  });

  it('wrong HMAC secret over real TLS → server says bad proof', T, async () => {
    const socket = track(
      await connectLink(
        { host: '127.0.0.1', port, keyPem: leaf.keyPem, certPem: leaf.certPem, policy: { spkifp: [spkiFingerprint(hub.certPem)] } },
        TIMEOUT_MS,
      ),
    );
    const localPort = socket.localPort!;
    const c = await runClient(socket, Buffer.from('not the secret the hub has configured'));
    const s = await outcomeFor(localPort);
    socket.destroy();
    assert.deepEqual(s.errors, ['bad proof']);
    assert.notEqual(c.hs.status(), 'verified');
  });

  /** Connects without the post-connect check, to observe the server's decision. */
  async function rawClient(extra: Partial<tls.ConnectionOptions>) {
    const socket = track(
      tls.connect({
        host: '127.0.0.1',
        port,
        rejectUnauthorized: false,
        checkServerIdentity: () => new Error('test client: no trust needed'),
        ...extra,
      }),
    );
    socket.on('error', () => undefined);
    const localPort = await withTimeout(
      new Promise<number>((resolve) => socket.once('connect', () => resolve(socket.localPort!))),
      'tcp connect',
    );
    const closed = withTimeout(new Promise<void>((resolve) => socket.once('close', () => resolve())), 'client close');
    return { socket, localPort, closed };
  }

  it('a client presenting no certificate is refused', T, async () => {
    const { socket, localPort, closed } = await rawClient({});
    const s = await outcomeFor(localPort);
    assert.deepEqual(s.verify, { ok: false, reason: 'no certificate' });
    await closed;
    assert.equal(socket.destroyed, true);
  });

  it('a client presenting another certificate (same CN) is refused', T, async () => {
    const { localPort, closed } = await rawClient({ key: intruder.keyPem, cert: intruder.certPem });
    const s = await outcomeFor(localPort);
    assert.deepEqual(s.verify, { ok: false, reason: 'certificate fingerprint does not match' });
    await closed;
  });

  it('connectLink refuses a server whose certificate does not match the pin', T, async () => {
    await assert.rejects(
      connectLink(
        {
          host: '127.0.0.1',
          port,
          keyPem: leaf.keyPem,
          certPem: leaf.certPem,
          policy: { spkifp: [spkiFingerprint(intruder.certPem)] },
        },
        TIMEOUT_MS,
      ),
      (e: unknown) => e instanceof PeerVerifyError && e.reason === 'certificate fingerprint does not match',
    );
  });

  it('connectLink with an empty policy refuses (no accept-all)', T, async () => {
    await assert.rejects(
      connectLink({ host: '127.0.0.1', port, keyPem: leaf.keyPem, certPem: leaf.certPem, policy: {} }, TIMEOUT_MS),
      (e: unknown) => e instanceof PeerVerifyError && e.reason === 'no verification method configured',
    );
  });

  it('server options: TLS >= 1.2, certificate requested, Node verification replaced', T, () => {
    const o = buildServerTlsOptions({ keyPem: hub.keyPem, certPem: hub.certPem });
    assert.equal(o.minVersion, 'TLSv1.2');
    assert.equal(o.requestCert, true);
    assert.equal(o.rejectUnauthorized, false);
    const c = buildClientTlsOptions({ host: '127.0.0.1', port: 1, policy: { certfp: [certFingerprint(hub.certPem)] } });
    assert.equal(c.servername, undefined, 'no SNI for an IP address');
    assert.equal(buildClientTlsOptions({ host: 'hub.test', port: 1, policy: {} }).servername, 'hub.test');
    // checkServerIdentity runs the policy: accepts the pinned cert, refuses others.
    const hubRaw = { raw: new X509Certificate(hub.certPem).raw } as tls.PeerCertificate;
    const intruderRaw = { raw: new X509Certificate(intruder.certPem).raw } as tls.PeerCertificate;
    assert.equal(c.checkServerIdentity!('127.0.0.1', hubRaw), undefined);
    assert.match(String(c.checkServerIdentity!('127.0.0.1', intruderRaw)), /fingerprint does not match/);
  });
});
