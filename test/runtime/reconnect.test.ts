/**
 * Acceptance 3: a linked node is stopped and started again; the autoconnecting
 * side reconnects within its backoff bound and the digests converge again.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { Harness, freePort, knowsServer, knowsUsersOf, seed, waitFor } from './helpers.ts';

describe('runtime: reconnect after a peer restarts', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('A reconnects to a restarted B within the backoff bound; digests converge', { timeout: 180_000 }, async (t) => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const secret = h.secret('ab');
    const [pa, pb] = [await freePort(), await freePort()];
    const bSpec = { id: B, sid: '0BB', port: pb, links: [{ peer: A, secretFile: secret }] };
    let nb = await h.startNode(bSpec);
    seed(nb.node, '0BB', 'bravo');
    const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [{ peer: B, port: pb, autoconnect: true, secretFile: secret }] });
    seed(na.node, '0AA', 'alpha');
    await waitFor(() => knowsServer(na.node, 'b.test') && na.node.digest() === nb.node.digest(), 10_000, 'first link converged');

    // connfreq 5s in the test class: the backoff ceiling (maxMs) is 5000 ms.
    const bound = na.config.classes.servers.connFreq * 1000;
    await h.stopNode(nb);
    await waitFor(() => !knowsServer(na.node, 'b.test') && !knowsUsersOf(na.node, '0BB'), 5000, 'A saw B split');
    // B stays down long enough for A to fail at least one attempt (the backoff grows).
    await waitFor(() => na.log.events('LINK_CONNECT_FAILED').length >= 1, 5000, 'A retried while B was down');

    nb = await h.startNode(bSpec);
    const restartedAt = Date.now();
    seed(nb.node, '0BB', 'bravo2', 2);
    // A relinks by itself; its planned delays are checked against the bound below (from its log).
    await waitFor(() => knowsServer(na.node, 'b.test'), 3 * bound + 30_000, 'A relinked');
    const relinkMs = Date.now() - restartedAt;
    await waitFor(() => na.node.digest() === nb.node.digest(), 10_000, 'digests converge after the restart');
    assert.ok(knowsUsersOf(nb.node, '0AA') && na.node.engine.net.usersByNick.has('bravo21'));
    assert.equal(na.node.engine.net.usersByNick.has('bravo0'), false, 'the old B users left with the split');
    // Every planned delay stayed within the bound.
    for (const r of na.log.events('LINK_RECONNECT')) assert.ok(Number(r.delayMs) <= bound, `delay ${r.delayMs} > ${bound}`);
    t.diagnostic(`reconnect: relinked ${relinkMs} ms after B restarted (bound ${bound} ms)`);
  });
});
