// A second link with the name of a linked server, over real TLS on loopback (issue 14 item 6):
// the node holds it and PINGs the existing link; an answer refuses the newcomer, silence for
// TAKEOVER_TIMEOUT seconds replaces the existing link (the engine asks for its tick through the
// `wake` effect; the link let in is registered at the edge through the `linked` effect, so the
// handshake limits, such as the 16 KiB a link may send before it is registered, end for it).
import { strict as assert } from 'node:assert';
import { describe, it, before, after } from 'node:test';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { TAKEOVER_TIMEOUT } from '../../src/s2s/takeover.ts';
import { HANDSHAKE_FLOOD } from '../../src/runtime/linkConn.ts';
import { Harness, type Identity, type TestNode, LOOP, RawPeer, freePort, handshakeLines, serverLine, uidLine, waitFor } from './helpers.ts';

const WAIT = 8000;

/** A TLS connection to `port` as `id`, from the loopback address `from`. */
function rawTlsFrom(port: number, id: Identity, from: string): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ socket: net.connect({ host: LOOP, port, localAddress: from }), rejectUnauthorized: false, key: id.keyPem, cert: id.certPem });
    const t = setTimeout(() => { s.destroy(); reject(new Error('raw TLS connect timeout')); }, 5000);
    s.once('secureConnect', () => { clearTimeout(t); resolve(new RawPeer(s)); });
    s.once('error', (e) => { clearTimeout(t); reject(e); });
  });
}

describe('runtime: a second link with the name of a linked server', { timeout: 60_000 }, () => {
  const h = new Harness();
  let B: Identity, R: Identity;
  let nb: TestNode;
  before(async () => {
    B = h.identity('b.test'); R = h.identity('raw.test');
    nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: R, incomingMask: ['127.0.0.1', '127.0.0.2'] }] });
  });
  after(() => h.cleanup());

  /** raw.test linked from 127.0.0.1 (SID 1RW, user `first`) and synced. */
  async function linkFirst(): Promise<RawPeer> {
    const p = await rawTlsFrom(nb.port, R, '127.0.0.1');
    h.track(p.socket);
    p.send(...handshakeLines('raw.test', '1RW'), serverLine('raw.test', '1RW'));
    await p.waitLine(/^:0BB EOS$/, WAIT);
    p.send(uidLine('1RW', 'first', 1), ':1RW EOS');
    await waitFor(() => nb.node.engine.net.usersByNick.has('first'), WAIT, 'first link synced');
    return p;
  }

  /** A second connection as raw.test from 127.0.0.2 (SID 1RX), up to its SERVER. */
  async function second(): Promise<RawPeer> {
    const p = await rawTlsFrom(nb.port, R, '127.0.0.2');
    h.track(p.socket);
    p.send(...handshakeLines('raw.test', '1RX'), serverLine('raw.test', '1RX'));
    return p;
  }

  function linkOf(name: string): string | undefined {
    const s = nb.node.engine.net.serversByName.get(name);
    return s ? nb.node.engine.links.get(s.link ?? '')?.address : undefined;
  }

  it('the existing link answers the PING: the new link is refused with ERROR and the existing one stays', async () => {
    const p1 = await linkFirst();
    const p2 = await second();
    await p1.waitLine(/^PING :b\.test$/, WAIT);
    assert.equal(p2.has(/^SERVER b\.test/), false, 'the held link is not answered');
    p1.send(':raw.test PONG raw.test :b.test');
    await p2.waitClosed(WAIT);
    assert.ok(p2.has(/^ERROR :Closing Link: raw\.test\[127\.0\.0\.2\] \(Server raw\.test is already linked \(the existing link answered\)\)$/), `the refusal:\n${p2.lines.join('\n')}`);
    assert.equal(p2.has(/ EOS$/), false, 'no burst to the refused link');
    const r = nb.log.events('LINK_TAKEOVER_REFUSED');
    assert.equal(r.length, 1, nb.log.dump());
    assert.equal(r[0].newAddress, '127.0.0.2');
    assert.equal(r[0].existingAddress, '127.0.0.1');
    // The existing link is untouched and still works.
    assert.equal(p1.closed, false, 'the existing link is open');
    assert.equal(linkOf('raw.test'), '127.0.0.1');
    assert.equal(nb.node.engine.net.serversBySid.get('1RW')?.name, 'raw.test');
    p1.send('PING :raw.test');
    await p1.waitLine(/PONG b\.test :raw\.test$/, WAIT);
    p1.destroy();
    await waitFor(() => !nb.node.engine.net.serversByName.has('raw.test'), WAIT, 'first link gone');
  });

  it(`the existing link stays silent: after ${TAKEOVER_TIMEOUT} s it is dropped and the new link is linked with a full burst (and is registered at the edge: its burst is not held to the handshake flood limit)`, async () => {
    const p1 = await linkFirst();
    const p2 = await second();
    await p1.waitLine(/^PING :b\.test$/, WAIT);
    const pingedAt = Date.now();
    await p1.waitClosed(TAKEOVER_TIMEOUT * 1000 + WAIT);
    const waited = Date.now() - pingedAt;
    // Not before the takeover timeout; that it was the takeover that dropped it is the ERROR's reason below.
    assert.ok(waited >= (TAKEOVER_TIMEOUT - 0.5) * 1000, `dropped ${waited} ms after the PING`);
    assert.ok(p1.has(/^ERROR :Closing Link: raw\.test\[127\.0\.0\.1\] \(Ping timeout: replaced by a new link from 127\.0\.0\.2\)$/), `the old link's ERROR:\n${p1.lines.slice(-3).join('\n')}`);
    await p2.waitLine(/^:0BB EOS$/, WAIT);
    assert.ok(p2.has(/^SERVER b\.test 1 /), 'the new link is answered');
    const t = nb.log.events('LINK_TAKEOVER');
    assert.equal(t.length, 1, nb.log.dump());
    assert.equal(t[0].existingAddress, '127.0.0.1');
    assert.equal(t[0].newAddress, '127.0.0.2');
    assert.equal(linkOf('raw.test'), '127.0.0.2');
    assert.equal(nb.node.engine.net.usersByNick.has('first'), false, 'the old link\'s user split');
    // Its burst is bigger than what a link may send before it is registered (16 KiB): the edge
    // knows it is registered although its SERVER was accepted long after that line came in.
    const users = Array.from({ length: 200 }, (_, i) => uidLine('1RX', `second${i}`, i + 1));
    assert.ok(users.join('\r\n').length > HANDSHAKE_FLOOD, 'the burst is over the handshake flood limit');
    p2.send(...users, ':1RX EOS');
    await waitFor(() => nb.node.engine.net.usersByNick.has('second199') || p2.closed, WAIT, 'the new link\'s burst is taken');
    assert.equal(p2.closed, false, `the new link is still open:\n${p2.lines.slice(-3).join('\n')}`);
    await waitFor(() => nb.log.events('LINK_SYNCED').some((r) => r.link === nb.node.engine.net.serversByName.get('raw.test')?.link), WAIT, 'the new link synced');
    assert.equal(p2.closed, false, `the new link is still open:\n${p2.lines.slice(-3).join('\n')}`);
    assert.equal(linkOf('raw.test'), '127.0.0.2');
    p2.destroy();
    await waitFor(() => !nb.node.engine.net.serversByName.has('raw.test'), WAIT, 'second link gone');
  });
});
