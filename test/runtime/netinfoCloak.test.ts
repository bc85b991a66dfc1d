/**
 * NETINFO's cloak key checksum between running nodes (netinfo.c, cloak_sha256 cloakcsum()): each
 * node sends the checksum of its own set::cloak-keys, and a node whose peer's differs logs
 * CLOAK_KEY_MISMATCH as a warning and keeps the link; nodes with the same keys log nothing.
 * (The checksum's value is checked against UnrealIRCd's in test/s2s/serverInfo.test.ts.)
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { Harness, freePort, knowsServer, sleep, waitFor } from './helpers.ts';
import { KEYS } from '../client/clientHarness.ts';

/** Three other keys UnrealIRCd would accept (80+ characters, lower, upper, digit, not equal). */
const OTHER: [string, string, string] = [
  'Pq8Wn3Lk5Jh7Gf9Ds1Az4Xc6Vb2Nm0Qw8Er3Ty5Ui7Op9As1Df4Gh6Jk2Lz0Xc8Vb3Nm5Qw7Er9Ty1Ui4Op6As',
  'Mn2Bv4Cx6Zl8Kj0Hg3Fd5Sa7Po9Iu1Yt4Re6Wq8Mn3Bv5Cx7Zl9Kj1Hg2Fd4Sa6Po8Iu0Yt3Re5Wq7Mn9Bv',
  'Tr6Ye8Uw0Qi2Op4As6Df8Gh0Jk2Lz4Xc6Vb8Nm0Qa3Ws5Ed7Rf9Tg1Yh3Uj5Ik7Ol9Pz2Xs4Dc6Fv8Gb0Hn',
];
const keysBlock = (k: readonly string[]) => `set { cloak-keys { "${k[0]}"; "${k[1]}"; "${k[2]}"; } }`;

describe('runtime: NETINFO cloak key checksum', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-netinfo-cloak-');
  after(() => h.cleanup());

  async function pair(keysA: readonly string[], keysB: readonly string[], tag: string) {
    const A = h.identity(`a${tag}.test`), B = h.identity(`b${tag}.test`);
    const [pa, pb] = [await freePort(), await freePort()];
    const nb = await h.startNode({ id: B, sid: `0B${tag}`, port: pb, links: [{ peer: A }], extra: keysBlock(keysB) });
    const na = await h.startNode({ id: A, sid: `0A${tag}`, port: pa, links: [{ peer: B, port: pb }], extra: keysBlock(keysA) });
    await na.node.connect(na.config.links[0]);
    await waitFor(() => knowsServer(na.node, B.name) && knowsServer(nb.node, A.name), 10_000, 'linked');
    // Both bursts (NETINFO, EOS) are in once each side sees the other synced.
    await waitFor(() => na.node.engine.net.server(B.name)?.synced === true && nb.node.engine.net.server(A.name)?.synced === true, 10_000, 'synced');
    return { na, nb, A, B };
  }

  it('other cloak keys on the peer: CLOAK_KEY_MISMATCH (warn) on both sides, and the link stays up', async () => {
    const { na, nb, A, B } = await pair(KEYS, OTHER, 'X');
    await waitFor(() => na.log.events('CLOAK_KEY_MISMATCH').length === 1 && nb.log.events('CLOAK_KEY_MISMATCH').length === 1, 10_000, `mismatch logged\n${na.log.dump()}`);
    const rec = na.log.events('CLOAK_KEY_MISMATCH')[0];
    assert.equal(rec.level, 40, 'a pino warning');
    await sleep(300);
    assert.ok(knowsServer(na.node, B.name) && knowsServer(nb.node, A.name), 'still linked');
    assert.equal(na.log.events('LINK_DENIED').length + nb.log.events('LINK_DENIED').length, 0);
  });

  it('the same cloak keys: no CLOAK_KEY_MISMATCH', async () => {
    const { na, nb } = await pair(KEYS, KEYS, 'S');
    await sleep(300);
    assert.equal(na.log.events('CLOAK_KEY_MISMATCH').length, 0, na.log.dump());
    assert.equal(nb.log.events('CLOAK_KEY_MISMATCH').length, 0, nb.log.dump());
  });
});
