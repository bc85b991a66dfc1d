/**
 * The node's TKL store (issue 15 items 4-5) end to end: tslink nodes over loopback TLS.
 * - A ban removed on one node while the other was split stays removed when the other relinks and
 *   bursts it: the node that removed it refuses the re-add and answers TKL -, the other drops it.
 * - An UnrealIRCd-like peer (a raw TLS peer) that bursts a ban removed here gets the TKL - back.
 * - Restart with 100,000 TKLs in the store: all are loaded (time printed), all are in the next
 *   burst, and the peer that received them holds the same TKL table (digest).
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, freePort, handshakeLines, knowsServer, rawTls, serverLine, waitFor, type TestNode } from './helpers.ts';
import { stateDigest } from '../../src/state/digest.ts';
import { Network } from '../../src/state/network.ts';
import { TklTable } from '../../src/tkl/tklTable.ts';
import { formatTkl } from '../../src/tkl/tklWire.ts';
import type { TklEntry } from '../../src/tkl/types.ts';

const nowS = () => Math.floor(Date.now() / 1000);
const gline = (n: TestNode): TklEntry[] => [...n.node.engine.tkl.values()].filter((e) => e.type === 'G');

/** The digest of a TKL table alone (the same empty network around it). */
function tklDigest(t: TklTable, now: number): string {
  return stateDigest(new Network({ sid: '000', name: 'x.x', info: '' }), t, now);
}

describe('runtime: TKL store and removals that stick', () => {
  const h = new Harness('tslink-tklstore-');
  after(() => h.cleanup());

  it('a G-line removed on A while B was split stays removed on both after B relinks and bursts it', async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const pa = await freePort(), pb = await freePort();
    const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [{ peer: B }], dataDir: join(h.dir, 'split-a') });
    const specB = { id: B, sid: '0BB', port: pb, links: [{ peer: A, port: pa, autoconnect: true }], dataDir: join(h.dir, 'split-b') };
    let nb = await h.startNode(specB);
    await waitFor(() => knowsServer(na.node, 'b.test') && knowsServer(nb.node, 'a.test'), 10_000, 'A and B linked');

    const now = nowS();
    na.node.engine.local(`:a.test TKL + G * split.bad.example oper!o@staff ${now + 3600} ${now - 100} :split test`);
    na.node.pump();
    await waitFor(() => gline(nb).length === 1, 10_000, 'B has the G-line');
    // B splits (stops; its store keeps the ban), and the ban is removed on A meanwhile.
    await h.stopNode(nb);
    await waitFor(() => !knowsServer(na.node, 'b.test'), 10_000, 'B split off A');
    na.node.engine.local(':a.test TKL - G * split.bad.example admin!a@staff');
    na.node.pump();
    await na.node.persisted();
    assert.equal(gline(na).length, 0);
    assert.equal(na.node.storeStatus()!.counts.tombstones, 1);

    // B comes back with the ban from its store and bursts it.
    nb = await h.startNode(specB);
    const loaded = nb.log.events('STORE_LOADED')[0];
    assert.equal(loaded?.tkl, 1, nb.log.dump());
    await waitFor(() => knowsServer(na.node, 'b.test') && knowsServer(nb.node, 'a.test'), 10_000, 'B relinked');
    await waitFor(() => gline(nb).length === 0, 10_000, 'B dropped the G-line after A answered TKL -');
    await waitFor(() => na.node.digest() === nb.node.digest(), 10_000, 'A and B digests equal');
    assert.equal(gline(na).length, 0, 'A did not take the ban back');
    // Both say why.
    const refused = na.log.events('TKL_READD_REFUSED');
    assert.equal(refused.length, 1, na.log.dump());
    assert.match(String(refused[0].msg), /split\.bad\.example.*removed here at \d+ by admin!a@staff/);
    const removed = nb.log.events('TKL_REMOVED');
    assert.equal(removed.length, 1, nb.log.dump());
    assert.match(String(removed[0].msg), /split\.bad\.example removed by admin!a@staff \(from a\.test\)/);
    // B's store followed: no ban, a tombstone of its own (its next restart does not bring it back).
    await nb.node.persisted();
    assert.equal(nb.node.storeStatus()!.counts.tkl, 0);
    assert.equal(nb.node.storeStatus()!.counts.tombstones, 1);

    // A ban set again after the removal (a newer set-at) is a new decision: it spreads normally.
    const later = nowS() + 1;
    nb.node.engine.local(`:b.test TKL + G * split.bad.example oper2!o@staff ${later + 3600} ${later} :set again`);
    nb.node.pump();
    await waitFor(() => gline(na).length === 1, 10_000, 'the newer ban reached A');
    await na.node.persisted();
    assert.equal(na.node.storeStatus()!.counts.tombstones, 0, 'the re-added ban clears its tombstone');
    await h.stopNode(nb);
    await h.stopNode(na);
  });

  it('an UnrealIRCd-like peer that bursts a ban removed here is answered with TKL - and the ban is not re-added', async () => {
    const A = h.identity('a.test'), R = h.identity('hub.test');
    const pa = await freePort();
    const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [{ peer: R }], dataDir: join(h.dir, 'hub-a') });
    const now = nowS();
    na.node.engine.local(`:a.test TKL + G * hub.bad.example oper!o@staff 0 ${now - 50} :hub test`);
    na.node.engine.local(':a.test TKL - G * hub.bad.example admin!a@staff');
    na.node.pump();
    const peer = await rawTls(pa, R);
    h.track(peer.socket);
    peer.send(...handshakeLines('hub.test', '001'), serverLine('hub.test', '001'),
      `:hub.test TKL + G * hub.bad.example oper!o@staff 0 ${now - 50} :hub test`,
      `:hub.test TKL + G * other.bad.example oper!o@staff 0 ${now - 50} :not removed here`, ':001 EOS');
    const back = await peer.waitLine(/ TKL - G \* hub\.bad\.example /, 10_000);
    // UnrealIRCd's form of a removal (tkl_sync_send_entry): the entry's fields, the remover as set-by.
    assert.match(back, new RegExp(`^:a\\.test TKL - G \\* hub\\.bad\\.example admin!a@staff 0 ${now - 50} :hub test$`));
    await waitFor(() => gline(na).some((e) => e.host === 'other.bad.example'), 10_000, 'the other ban was taken');
    assert.deepEqual(gline(na).map((e) => e.host), ['other.bad.example']);
    assert.ok(!peer.has(/TKL - G \* other\.bad\.example/));
    peer.destroy();
    await h.stopNode(na);
  });

  it('restart with 100,000 TKLs in the store: all loaded, all in the next burst, the peer holds the same TKL table', { timeout: 180_000 }, async (t) => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const pa = await freePort(), pb = await freePort();
    const specA = { id: A, sid: '0AA', port: pa, links: [{ peer: B }], dataDir: join(h.dir, 'restart-a') };
    let na = await h.startNode(specA);
    const N = 100_000;
    const now = nowS();
    const types = ['G', 'Z', 's', 'Q', 'E'];
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const type = types[i % types.length];
      const host = type === 'Q' ? `nick${i}*` : type === 'Z' ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` : `h${i}.bad.example`;
      const e: TklEntry = { type, user: type === 'Q' ? '*' : i % 7 === 0 ? '%*' : '*', host, setBy: 'oper!o@staff', expireAt: i % 3 === 0 ? 0 : now + 86400 + i, setAt: now - (i % 1000), reason: `restart test ${i % 10}` };
      if (type === 'E') e.bantypes = 'Gs';
      na.node.engine.local(`:a.test ${formatTkl('+', e)}`);
      if (i % 1000 === 999) na.node.pump();
    }
    na.node.engine.local(`:a.test TKL + F cp b oper!o@staff 0 ${now} 86400 no_spam regex :buy\\s+now`);
    na.node.pump();
    await na.node.persisted();
    const addMs = performance.now() - t0;
    assert.equal(na.node.engine.tkl.size, N + 1);
    assert.equal(na.node.storeStatus()!.counts.tkl, N + 1);
    const before = tklDigest(na.node.engine.tkl, nowS());
    const dataMdb = join(na.spec.dataDir, 'store', 'data.mdb');
    await h.stopNode(na);

    const s0 = performance.now();
    na = await h.startNode(specA);
    const startMs = performance.now() - s0;
    const loaded = na.log.events('STORE_LOADED')[0] as { tkl: number; loadMs: number };
    assert.equal(loaded.tkl, N + 1);
    assert.equal(na.node.engine.tkl.size, N + 1);
    assert.equal(tklDigest(na.node.engine.tkl, nowS()), before, 'the restarted table is the one that was stopped');

    const b0 = performance.now();
    const nb = await h.startNode({ id: B, sid: '0BB', port: pb, links: [{ peer: A, port: pa, autoconnect: true }], dataDir: join(h.dir, 'restart-b') });
    await waitFor(() => nb.node.engine.tkl.size === N + 1, 120_000, 'B received every TKL', 50);
    const burstMs = performance.now() - b0;
    await waitFor(() => na.node.digest() === nb.node.digest(), 30_000, 'A and B digests equal');
    assert.equal(tklDigest(nb.node.engine.tkl, nowS()), before);
    t.diagnostic(`${N + 1} TKLs: added through the engine and committed in ${addMs.toFixed(0)} ms; data.mdb ${(statSync(dataMdb).size / 1e6).toFixed(1)} MB`);
    t.diagnostic(`restart: store opened and loaded into the table in ${loaded.loadMs.toFixed(0)} ms (target < 250 ms, not asserted); start() ${startMs.toFixed(0)} ms`);
    t.diagnostic(`burst to a new peer: ${burstMs.toFixed(0)} ms until it held all ${N + 1}`);
    await h.stopNode(nb);
    await h.stopNode(na);
  });
});
