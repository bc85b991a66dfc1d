/**
 * Acceptance 1: tslink nodes built from config text link over TLS with
 * certfp/spkifp pinning and the HMAC handshake, exchange bursts and agree on
 * the network digest; a third node behind one of them is seen by the other.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { chmodSync } from 'node:fs';
import { parseConfigText } from '../../src/config/index.ts';
import { Harness, configText, freePort, knowsServer, knowsUsersOf, seed, waitFor } from './helpers.ts';

describe('runtime: HMAC-authenticated TLS links between tslink nodes', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('two nodes link, burst both ways, converge; a third node behind B is seen by A', async () => {
    const A = h.identity('a.test'), B = h.identity('b.test'), C = h.identity('c.test');
    const secretAB = h.secret('ab'), secretBC = h.secret('bc');
    const [pa, pb, pc] = [await freePort(), await freePort(), await freePort()];
    const nb = await h.startNode({ id: B, sid: '0BB', port: pb, links: [
      { peer: A, secretFile: secretAB },
      { peer: C, secretFile: secretBC },
    ] });
    const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [
      { peer: B, port: pb, autoconnect: true, secretFile: secretAB },
    ] }, { start: false });
    // State injected before linking: it must travel in the bursts.
    seed(na.node, '0AA', 'alpha');
    seed(nb.node, '0BB', 'bravo');
    await na.node.start();
    await waitFor(() => knowsServer(na.node, 'b.test') && knowsServer(nb.node, 'a.test'), 10_000, 'A and B linked');
    await waitFor(() => na.node.digest() === nb.node.digest(), 10_000, 'A and B digests equal');
    assert.ok(knowsUsersOf(na.node, '0BB') && knowsUsersOf(nb.node, '0AA'));
    assert.equal([...na.node.engine.tkl.values()].length, 2);
    assert.equal([...nb.node.engine.tkl.values()].length, 2);
    // Both sides verified the peer's HMAC proof, and refused nothing.
    assert.equal(na.log.events('LINK_HMAC_VERIFIED').length, 1, na.log.dump());
    assert.equal(nb.log.events('LINK_HMAC_VERIFIED').length, 1, nb.log.dump());
    assert.equal(nb.log.events('LINK_DENIED').length, 0, nb.log.dump());
    assert.equal(na.log.events('LINK_DENIED').length, 0, na.log.dump());

    // State injected after linking: propagated live.
    seed(na.node, '0AA', 'charlie', 2);
    na.node.engine.local(':0AAALPHAA PRIVMSG #shared :hello');
    na.node.pump();
    await waitFor(() => na.node.digest() === nb.node.digest() && nb.node.engine.net.usersByNick.has('charlie1'), 10_000, 'live state converged');

    // Third node C links behind B: A learns C's server and users.
    const nc = await h.startNode({ id: C, sid: '0CC', port: pc, links: [
      { peer: B, port: pb, autoconnect: true, secretFile: secretBC },
    ] }, { start: false });
    seed(nc.node, '0CC', 'delta');
    await nc.node.start();
    await waitFor(() => knowsServer(na.node, 'c.test') && knowsUsersOf(na.node, '0CC'), 10_000, 'A sees C behind B');
    await waitFor(() => {
      const d = na.node.digest();
      return d === nb.node.digest() && d === nc.node.digest();
    }, 10_000, 'three digests equal');
    assert.equal(na.node.engine.net.serversBySid.get('0CC')?.uplink?.sid, '0BB');
    assert.ok(nc.node.engine.net.usersByNick.has('alpha0'));
    for (const n of [nc, na, nb]) await h.stopNode(n);
  });

  it('rehash: an unreadable secret keeps the running config; a removed link block drops the link', async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const secret = h.secret('ab-rehash');
    const [pa, pb] = [await freePort(), await freePort()];
    const nb = await h.startNode({ id: B, sid: '0BB', port: pb, links: [{ peer: A, secretFile: secret }] });
    const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [{ peer: B, port: pb, autoconnect: true, secretFile: secret }] });
    await waitFor(() => knowsServer(na.node, 'b.test') && knowsServer(nb.node, 'a.test'), 10_000, 'linked');

    // A secret file that became readable by others: the rehash is refused, the link stays.
    chmodSync(secret, 0o644);
    await nb.node.rehash(nb.config);
    assert.ok(nb.log.records.some((r) => r.event === 'REHASH_FAILED' && /mode 0644/.test(String(r.reason))), nb.log.dump());
    assert.ok(knowsServer(nb.node, 'a.test'));
    chmodSync(secret, 0o600);

    // The link block for A is removed: the link is dropped, and A's reconnects are refused.
    const without = parseConfigText(configText({ ...nb.spec, links: [] }), 'b-rehash.conf');
    assert.ok(without.config, without.errors.map((e) => e.text).join('\n'));
    await nb.node.rehash(without.config);
    await waitFor(() => !knowsServer(nb.node, 'a.test') && !knowsServer(na.node, 'b.test'), 5000, 'link dropped by rehash');
    assert.ok(nb.log.records.some((r) => r.event === 'LINK_DISCONNECTED' && r.reason === 'Link block removed (rehash)'), nb.log.dump());
    await waitFor(() => nb.log.records.some((r) => r.event === 'LINK_DENIED' && /No link block|matches no link block/.test(String(r.reason))), 8000, 'reconnect refused');
    await h.stopNode(na);
    await h.stopNode(nb);
  });
});
