/**
 * Acceptance 2: every refused link is cut before its SERVER/burst is accepted
 * (the accepting node never registers the server nor learns a user from it),
 * and the reason is logged (event LINK_DENIED with a `reason`).
 */
import { strict as assert } from 'node:assert';
import { describe, it, before, after } from 'node:test';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { hashPasswordSync } from '../../src/link/passwords.ts';
import {
  Harness, type Identity, type TestNode, LOOP, freePort, handshakeLines, knowsServer, knowsUsersOf, rawTcp, rawTls, seed,
  serverLine, uidLine, waitFor,
} from './helpers.ts';

const WAIT = 8000;

/** The peer's server and users never made it into `n`'s network. */
function assertNeverRegistered(n: TestNode, name: string, sid: string): void {
  assert.equal(knowsServer(n.node, name), false, `${name} must not be registered`);
  assert.equal(n.node.engine.net.serversBySid.has(sid), false, `${sid} must not be registered`);
  assert.equal(knowsUsersOf(n.node, sid), false, `no user of ${sid} may be known`);
  // It was never registered at any time either: no LINK_CONNECTED for it.
  assert.equal(n.log.records.some((r) => r.event === 'LINK_CONNECTED' && r.peer === name), false, n.log.dump());
}

function denied(n: TestNode, re: RegExp): boolean {
  return n.log.records.some((r) => r.event === 'LINK_DENIED' && typeof r.reason === 'string' && re.test(r.reason));
}

async function waitDenied(n: TestNode, re: RegExp): Promise<void> {
  try {
    await waitFor(() => denied(n, re), WAIT, `LINK_DENIED ${re}`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlog:\n${n.log.dump()}`);
  }
}

/** A TLS man-in-the-middle with both real certificates: A → proxy (as B) → B (as A). Records A's lines. */
async function relayProxy(h: Harness, asServer: Identity, asClient: Identity, targetPort: number): Promise<{ port: number; fromClient: string[]; close: () => Promise<void> }> {
  const fromClient: string[] = [];
  const server = tls.createServer({ key: asServer.keyPem, cert: asServer.certPem, requestCert: true, rejectUnauthorized: false }, (inSock) => {
    h.track(inSock);
    const out = h.track(tls.connect({ host: LOOP, port: targetPort, key: asClient.keyPem, cert: asClient.certPem, rejectUnauthorized: false }));
    let buf = '';
    inSock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) { fromClient.push(buf.slice(0, nl).replace(/\r$/, '')); buf = buf.slice(nl + 1); }
      out.write(d);
    });
    out.on('data', (d: Buffer) => inSock.write(d));
    inSock.on('close', () => out.destroy());
    out.on('close', () => inSock.destroy());
    inSock.on('error', () => {});
    out.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, LOOP, () => r()));
  const port = (server.address() as AddressInfo).port;
  return { port, fromClient, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('runtime: refused links', () => {
  const h = new Harness();
  let A: Identity, B: Identity, X: Identity, R: Identity;
  before(() => {
    A = h.identity('a.test'); B = h.identity('b.test'); X = h.identity('x.test'); R = h.identity('raw.test');
  });
  after(() => h.cleanup());

  /** A fresh accepting node B (own throttle counters) with the given link blocks. */
  async function nodeB(links: Parameters<Harness['startNode']>[0]['links']): Promise<TestNode> {
    return h.startNode({ id: B, sid: '0BB', port: await freePort(), links });
  }

  it('plaintext TCP to the TLS server port: TLS handshake fails, nothing registered', async () => {
    const nb = await nodeB([{ peer: R }]);
    const peer = await rawTcp(nb.port);
    h.track(peer.socket);
    peer.send(...handshakeLines('raw.test', '1RW'), serverLine('raw.test', '1RW'), uidLine('1RW', 'sneaky', 1));
    await peer.waitClosed(WAIT);
    await waitDenied(nb, /^TLS: /);
    assert.equal(peer.lines.some((l) => /^(PASS|PROTOCTL|SERVER)/.test(l)), false, 'the node said nothing in IRC');
    assertNeverRegistered(nb, 'raw.test', '1RW');
    await h.stopNode(nb);
  });

  it('stop() does not wait for a connection stuck in its TLS handshake', async () => {
    const nb = await nodeB([{ peer: R }]);
    const peer = await rawTcp(nb.port); // never says anything: the TLS handshake stays open
    h.track(peer.socket);
    const t0 = Date.now();
    await h.stopNode(nb);
    const ms = Date.now() - t0;
    // Waiting for it would last until its TLS handshake deadline (10 s) closed it.
    assert.ok(ms < 8000, `stop took ${ms} ms: it waited for the stuck handshake`);
    await peer.waitClosed(WAIT);
    assert.ok(nb.log.events('NODE_STOPPED').length === 1);
  });

  it('TLS client without a certificate is refused', async () => {
    const nb = await nodeB([{ peer: R }]);
    const peer = await rawTls(nb.port);
    h.track(peer.socket);
    peer.send(...handshakeLines('raw.test', '1RW'), serverLine('raw.test', '1RW'), uidLine('1RW', 'sneaky', 1));
    await peer.waitClosed(WAIT);
    await waitDenied(nb, /^no certificate$/);
    assertNeverRegistered(nb, 'raw.test', '1RW');
    await h.stopNode(nb);
  });

  for (const kind of ['certfp', 'spkifp'] as const) {
    it(`wrong pinned ${kind}: a certificate that no link block pins is refused at once, its fingerprints logged`, async () => {
      const pins = kind === 'certfp' ? { certfp: [X.certfp], spkifp: [] } : { certfp: [], spkifp: [X.spkifp] };
      const nb = await nodeB([{ peer: A, ...pins }]);
      const na = await h.startNode({ id: A, sid: '0AA', port: await freePort(), links: [{ peer: B, port: nb.port }] });
      seed(na.node, '0AA', 'alpha');
      await na.node.connect(na.config.links[0]);
      await waitDenied(nb, /^certificate matches no link block$/);
      const rec = nb.log.records.find((r) => r.event === 'LINK_DENIED' && r.reason === 'certificate matches no link block')!;
      assert.equal(rec.certfp, A.certfp, 'the received certfp is logged');
      assert.equal(rec.spkifp, A.spkifp, 'the received spkifp is logged');
      await waitFor(() => na.node.engine.links.size === 0, WAIT, 'A dropped the link');
      assertNeverRegistered(nb, 'a.test', '0AA');
      assert.equal(knowsServer(na.node, 'b.test'), false);
      await h.stopNode(na);
      await h.stopNode(nb);
    });

    it(`wrong pinned ${kind}: a certificate pinned for another block is refused on EAUTH`, async () => {
      const pins = kind === 'certfp' ? { certfp: [X.certfp], spkifp: [] } : { certfp: [], spkifp: [X.spkifp] };
      // A's certificate is pinned for raw.test, not for a.test.
      const nb = await nodeB([{ peer: A, ...pins }, { peer: R, certfp: [A.certfp], spkifp: [] }]);
      const na = await h.startNode({ id: A, sid: '0AA', port: await freePort(), links: [{ peer: B, port: nb.port }] });
      await na.node.connect(na.config.links[0]);
      await waitDenied(nb, /certificate fingerprint does not match/);
      await waitFor(() => na.node.engine.links.size === 0, WAIT, 'A dropped the link');
      assertNeverRegistered(nb, 'a.test', '0AA');
      await h.stopNode(na);
      await h.stopNode(nb);
    });
  }

  it('the connecting side refuses a server whose certificate does not match its pin', async () => {
    const nb = await nodeB([{ peer: A }]);
    const na = await h.startNode({ id: A, sid: '0AA', port: await freePort(), links: [{ peer: B, port: nb.port, certfp: [X.certfp], spkifp: [] }] });
    await na.node.connect(na.config.links[0]);
    await waitFor(() => na.log.events('LINK_CONNECT_FAILED').length > 0, WAIT, 'A refused B');
    assert.match(String(na.log.events('LINK_CONNECT_FAILED')[0].reason), /fingerprint does not match/);
    assertNeverRegistered(na, 'b.test', '0BB');
    assert.equal(knowsServer(nb.node, 'a.test'), false);
    await h.stopNode(na);
    await h.stopNode(nb);
  });

  it('wrong HMAC secret: "bad proof", refused before SERVER', async () => {
    const nb = await nodeB([{ peer: A, secretFile: h.secret('b-side') }]);
    const na = await h.startNode({ id: A, sid: '0AA', port: await freePort(), links: [{ peer: B, port: nb.port, secretFile: h.secret('a-side') }] });
    seed(na.node, '0AA', 'alpha');
    await na.node.connect(na.config.links[0]);
    await waitDenied(nb, /^bad proof$/);
    await waitFor(() => na.node.engine.links.size === 0, WAIT, 'A dropped the link');
    assertNeverRegistered(nb, 'a.test', '0AA');
    assert.equal(knowsServer(na.node, 'b.test'), false, 'A never accepted B either');
    await h.stopNode(na);
    await h.stopNode(nb);
  });

  it('HMAC exchange relayed through a TLS proxy fails, and replaying it on a new TLS session fails', async () => {
    const secret = h.secret('ab-relay');
    const nb = await nodeB([{ peer: A, secretFile: secret }]);
    const proxy = await relayProxy(h, B, A, nb.port);
    const na = await h.startNode({ id: A, sid: '0AA', port: await freePort(), links: [{ peer: B, port: proxy.port, secretFile: secret }] });
    seed(na.node, '0AA', 'alpha');
    await na.node.connect(na.config.links[0]);
    // Relay (MITM with both certificates): the proof is bound to the A↔proxy TLS session.
    await waitDenied(nb, /^bad proof$/);
    assertNeverRegistered(nb, 'a.test', '0AA');
    await h.stopNode(na);
    await proxy.close();
    const recorded = proxy.fromClient;
    const proofAt = recorded.findIndex((l) => l.includes('TSLINK-PROOF='));
    assert.ok(proofAt > 0 && recorded.some((l) => l.includes('TSLINK-NONCE=')), `recorded an HMAC exchange:\n${recorded.join('\n')}`);
    // The connecting side proves before it sends SERVER.
    assert.ok(recorded.findIndex((l) => l.startsWith('SERVER a.test ')) > proofAt, recorded.join('\n'));

    // Replay: A's recorded lines, verbatim, on a new TLS session with A's own certificate.
    const deniedBefore = nb.log.events('LINK_DENIED').length;
    const peer = await rawTls(nb.port, A);
    h.track(peer.socket);
    peer.send(...recorded.slice(0, proofAt));
    await peer.waitLine(/TSLINK-NONCE=/, WAIT); // B's fresh challenge
    peer.send(...recorded.slice(proofAt), uidLine('0AA', 'replayed', 7));
    await peer.waitClosed(WAIT);
    await waitFor(() => nb.log.events('LINK_DENIED').length > deniedBefore, WAIT, 'replay denied');
    const last = nb.log.events('LINK_DENIED').at(-1)!;
    assert.equal(last.reason, 'bad proof', nb.log.dump());
    assert.ok(peer.has(/^ERROR :Closing Link: .*bad proof/), peer.lines.join('\n'));
    assertNeverRegistered(nb, 'a.test', '0AA');
    await h.stopNode(nb);
  });

  it('downgrade: valid certificate and PASS but no TSLINK-HMAC tokens to a block requiring HMAC', async () => {
    const pass = 'correct horse battery staple';
    const nb = await nodeB([{ peer: A, secretFile: h.secret('ab-down'), passwordHash: hashPasswordSync(pass) }]);
    const peer = await rawTls(nb.port, A);
    h.track(peer.socket);
    peer.send(...handshakeLines('a.test', '0AA', { pass }));
    // B accepted the identity (cert + PASS) and offered HMAC; we ignore the offer.
    await peer.waitLine(/TSLINK-HMAC=1/, WAIT);
    // The accepting side's offer is its first PROTOCTL line, before its EAUTH (UnrealIRCd ordering).
    assert.match(peer.lines.find((l) => l.startsWith('PROTOCTL '))!, /^PROTOCTL TSLINK-HMAC=1 TSLINK-NONCE=/);
    peer.send(serverLine('a.test', '0AA'), uidLine('0AA', 'downgraded', 3), ':0AA EOS');
    await peer.waitClosed(WAIT);
    await waitDenied(nb, /^downgrade: /);
    assertNeverRegistered(nb, 'a.test', '0AA');
    assert.equal(peer.has(/^SERVER b\.test/), false, 'B never answered with SERVER');
    await h.stopNode(nb);
  });

  it('wrong PASS is refused (Authentication failed)', async () => {
    const nb = await nodeB([{ peer: A, passwordHash: hashPasswordSync('right password') }]);
    const peer = await rawTls(nb.port, A);
    h.track(peer.socket);
    peer.send(...handshakeLines('a.test', '0AA', { pass: 'wrong password' }), serverLine('a.test', '0AA'), uidLine('0AA', 'x', 1));
    await peer.waitClosed(WAIT);
    await waitDenied(nb, /^Link denied \(Authentication failed\)$/);
    assertNeverRegistered(nb, 'a.test', '0AA');
    await h.stopNode(nb);
  });

  describe('loops', () => {
    let na: TestNode, nb: TestNode;
    before(async () => {
      nb = await nodeB([{ peer: A }, { peer: R }]);
      na = await h.startNode({ id: A, sid: '0AA', port: await freePort(), links: [{ peer: B, port: nb.port }] });
      seed(na.node, '0AA', 'alpha');
      await na.node.connect(na.config.links[0]);
      await waitFor(() => knowsServer(nb.node, 'a.test') && knowsServer(na.node, 'b.test'), WAIT, 'A–B linked');
    });
    after(async () => { await h.stopNode(na); await h.stopNode(nb); });

    it('a peer announcing a SID already on the network (PROTOCTL SERVERS=) is refused before SERVER', async () => {
      const peer = await rawTls(nb.port, R);
      h.track(peer.socket);
      peer.send(...handshakeLines('raw.test', '1RW', { servers: '1RW,0AA' }), serverLine('raw.test', '1RW'), uidLine('1RW', 'loopy', 1));
      await peer.waitClosed(WAIT);
      await waitDenied(nb, /^Server Exists/);
      assertNeverRegistered(nb, 'raw.test', '1RW');
      assert.equal(knowsServer(na.node, 'raw.test'), false);
      assert.ok(knowsServer(nb.node, 'a.test'), 'the existing link is untouched');
    });

    it('a linked peer introducing (SID) a server that is already linked elsewhere is dropped', async () => {
      const peer = await rawTls(nb.port, R);
      h.track(peer.socket);
      peer.send(...handshakeLines('raw.test', '1RW'), serverLine('raw.test', '1RW'));
      await peer.waitLine(/^SERVER b\.test /, WAIT);
      await waitFor(() => knowsServer(nb.node, 'raw.test') && knowsServer(na.node, 'raw.test'), WAIT, 'raw peer linked');
      // A new SID for an existing name: a second path to a.test (a loop).
      peer.send(':1RW SID a.test 2 0QQ :loop', uidLine('0QQ', 'ghost', 1), ':1RW EOS');
      await peer.waitClosed(WAIT);
      await waitFor(() => nb.log.records.some((r) => r.event === 'LINK_DISCONNECTED' && r.peer === 'raw.test' && r.reason === 'Server Exists'), WAIT, `raw link dropped:\n${nb.log.dump()}`);
      assert.equal(nb.node.engine.net.serversBySid.has('0QQ'), false);
      assert.equal(knowsUsersOf(nb.node, '0QQ'), false);
      await waitFor(() => !knowsServer(na.node, 'raw.test'), WAIT, 'A saw the raw server split');
      // The real a.test is still where it was.
      assert.equal(nb.node.engine.net.serversByName.get('a.test')?.sid, '0AA');
      assert.equal(na.node.digest(), nb.node.digest());
    });

    it('a linked peer introducing a known SID under a new name gets SQUIT for it', async () => {
      const peer = await rawTls(nb.port, R);
      h.track(peer.socket);
      peer.send(...handshakeLines('raw.test', '1RW'), serverLine('raw.test', '1RW'));
      await peer.waitLine(/^SERVER b\.test /, WAIT);
      peer.send(':1RW SID other.test 2 0AA :sid loop');
      await peer.waitLine(/^SQUIT 0AA :Server with this SID \(0AA\) already exists/, WAIT);
      assert.equal(knowsServer(nb.node, 'other.test'), false);
      assert.equal(nb.node.engine.net.serversBySid.get('0AA')?.name, 'a.test');
      peer.destroy();
      await waitFor(() => !knowsServer(nb.node, 'raw.test'), WAIT, 'raw split');
    });
  });
});
