/**
 * Link sockets and link naming: every server link socket (incoming and outgoing) has Nagle
 * disabled (setNoDelay), and an outgoing link is named in the logs by the link block it dialled
 * before the peer has said its name (not by its internal connection id).
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import * as net from 'node:net';
import { Harness, freePort, knowsServer, waitFor } from './helpers.ts';

describe('runtime: link sockets', () => {
  const h = new Harness('tslink-sock-');
  after(() => h.cleanup());

  it('setNoDelay(true) on every link socket, both directions', async () => {
    const noDelay = new WeakSet<net.Socket>();
    const orig = net.Socket.prototype.setNoDelay;
    net.Socket.prototype.setNoDelay = function (this: net.Socket, enable?: boolean) {
      if (enable !== false) noDelay.add(this);
      return orig.call(this, enable);
    };
    try {
      const A = h.identity('a.test'), B = h.identity('b.test');
      const secret = h.secret('ab-nodelay');
      const [pa, pb] = [await freePort(), await freePort()];
      const nb = await h.startNode({ id: B, sid: '0BB', port: pb, links: [{ peer: A, secretFile: secret }] });
      const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [{ peer: B, port: pb, autoconnect: true, secretFile: secret }] });
      await waitFor(() => knowsServer(na.node, 'b.test') && knowsServer(nb.node, 'a.test'), 10_000, 'linked');
      for (const [n, label] of [[na, 'A (outgoing)'], [nb, 'B (incoming)']] as const) {
        const sockets = [...(n.node as unknown as { openSockets: Set<net.Socket> }).openSockets];
        assert.equal(sockets.length, 1, label);
        for (const s of sockets) assert.ok(noDelay.has(s), `${label}: link socket without setNoDelay(true)`);
      }
      await h.stopNode(na);
      await h.stopNode(nb);
    } finally {
      net.Socket.prototype.setNoDelay = orig;
    }
  });

  it('an outgoing link refused before the peer named itself is logged under the dialled link block', async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const [pa, pb] = [await freePort(), await freePort()];
    // B has no link block for A: it refuses A at A's EAUTH, before saying its own name.
    const nb = await h.startNode({ id: B, sid: '0BB', port: pb, links: [] });
    const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [{ peer: B, port: pb, autoconnect: true }] });
    await waitFor(() => na.log.events('LINK_DENIED').length > 0 || na.log.events('LINK_DISCONNECTED').length > 0, 10_000, 'A saw the refusal');
    await waitFor(() => na.log.events('LINK_ERROR').length > 0, 5000, 'ERROR from B logged');
    const linkRecords = na.log.records.filter((r) => typeof r.link === 'string' && String(r.link).startsWith('out#'));
    assert.ok(linkRecords.length >= 2, na.log.dump());
    for (const r of linkRecords) {
      assert.equal(r.linkBlock, 'b.test', JSON.stringify(r));
      assert.equal(r.peer, 'b.test', JSON.stringify(r));
      assert.doesNotMatch(String(r.msg), /out#/, JSON.stringify(r));
    }
    assert.ok(na.log.records.some((r) => r.event === 'LINK_ERROR' && /^ERROR from b\.test: /.test(String(r.msg))), na.log.dump());
    await h.stopNode(na);
    await h.stopNode(nb);
  });
});
