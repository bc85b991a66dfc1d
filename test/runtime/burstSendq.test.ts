/**
 * A burst bigger than the class sendq (issue 14 item 3): the node writes its burst as the peer's
 * socket drains (Engine.burstMore() from LinkConn.streamBurst()), so the sendq bounds what is
 * queued, not the size of the network. Before, the whole burst was queued at once and a network
 * whose burst outgrew the sendq could never link ("Max SendQ exceeded").
 */
import { strict as assert } from 'node:assert';
import { describe, it, before, after } from 'node:test';
import { Harness, type Identity, type TestNode, freePort, handshakeLines, rawTls, serverLine, sleep, waitFor } from './helpers.ts';

const USERS = 30_000;
const SENDQ = 100 * 1024;

describe('runtime: a burst bigger than the sendq', () => {
  const h = new Harness();
  let N: Identity, R: Identity;
  let nn: TestNode;
  before(async () => {
    N = h.identity('n.test'); R = h.identity('raw.test');
    nn = await h.startNode({
      id: N, sid: '0NN', port: await freePort(),
      extra: `class tight { pingfreq 90; connfreq 5; maxclients 2; sendq 100k; recvq 64k; }`,
      links: [{ peer: R, className: 'tight' }],
    });
    const now = Math.floor(Date.now() / 1000);
    const e = nn.node.engine;
    for (let i = 0; i < USERS; i++) {
      const id = `0NN${i.toString(36).toUpperCase().padStart(6, '0')}`;
      e.local(`@s2s-md/creationtime=${now - 500} :0NN UID user${i} 0 ${now - 400} ident${i % 50} host-${i}.example.net ${id} 0 +iwx * cloak-${i}.example fwAAAQ== :a user with a realistically long real name ${i}`);
      e.local(`:0NN MD client ${id} certfp :${'ab'.repeat(32)}`);
      if (i % 10 === 9) e.local(`:0NN SJOIN ${now - 300} #chan${i} +nt :@${id} 0NN${(i - 1).toString(36).toUpperCase().padStart(6, '0')}`);
    }
    nn.node.pump();
  });
  after(() => h.cleanup());

  it(`links a peer whose class sendq (${SENDQ / 1024} KB) is a fraction of the burst (~${Math.round(USERS * 330 / 1e6)} MB), also when the peer stops reading for a while (the burst waits)`, async () => {
    assert.equal(nn.config.classes.tight.sendQ, SENDQ);
    let uids = 0;
    const peer = await rawTls(nn.port, R, 5000, (l) => {
      if (/ UID /.test(l)) { uids++; return false; }
      return /^(ERROR|SERVER) |^:0NN EOS/.test(l);
    });
    h.track(peer.socket);
    peer.send(...handshakeLines('raw.test', '1RW'), serverLine('raw.test', '1RW'), ':1RW EOS');
    // Mid-burst the peer stops reading: the node stops writing the burst (nothing piles up in its
    // send queue), and carries on when the peer reads again.
    await waitFor(() => uids > 500 || peer.closed, 8000, 'the burst begins');
    peer.socket.pause();
    await sleep(400);
    const stat = nn.node.linkStats().find((l) => l.name === 'raw.test');
    assert.ok(stat, `the link is up while its peer does not read (${nn.log.events('LINK_SENDQ').map((r) => r.reason).join(', ') || 'no LINK_SENDQ'}; ${peer.lines.filter((l) => l.startsWith('ERROR')).join(' ')})`);
    assert.ok((stat.sendq ?? 0) <= SENDQ, `queued for the peer while it does not read: ${stat.sendq} bytes`);
    assert.ok(nn.node.engine.bursting(stat.id), `the rest of the burst waits for the peer (${uids} of ${USERS} users read before the pause)`);
    peer.socket.resume();
    await peer.waitLine(/^:0NN EOS/, 20_000);
    assert.equal(nn.log.events('LINK_SENDQ').length, 0, nn.log.dump());
    assert.ok(!peer.has(/^ERROR /), peer.lines.join('\n'));
    assert.equal(uids, USERS, 'every user was sent');
    assert.ok(peer.received > 10 * SENDQ, `the burst (${peer.received} bytes) is over ten times the sendq`);
    peer.destroy();
  });
});
