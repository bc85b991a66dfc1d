/**
 * The node's TKLs survive a crash (issue 15, acceptance "crash safety"): a child process runs a
 * real TslinkNode and adds 10,000 TKLs through the node's own code path, printing each once it is
 * committed (persisted(): what an API call awaits before it answers); it is killed with SIGKILL
 * at a random moment; on reopen every TKL it printed is there and the store opens clean. Five
 * random kill points. And at start-up a node drops what expired while it was down.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLmdbStore } from '../../src/store/lmdbStore.ts';
import { Harness, freePort, sleep } from './helpers.ts';
import { runAndKill as killChildAfter } from './killChild.ts';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'fixtures', 'tklNodeChild.ts');
const silent = { info() {}, warn() {}, error() {} };

/** Run the child until it has printed `killAfter` keys, then SIGKILL it (killChild.ts). */
const runAndKill = (dir: string, prefix: string, killAfter: number): Promise<string[]> => killChildAfter(CHILD, [dir, prefix, '10000'], killAfter);

describe('runtime: TKL persistence across crashes and restarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-tklcrash-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a node killed with SIGKILL at 5 random moments loses no TKL it had committed; the store opens clean', { timeout: 240_000 }, async (t) => {
    const printed: string[] = [];
    for (let round = 0; round < 5; round++) {
      const killAfter = 200 + Math.floor(Math.random() * 9000);
      const lines = await runAndKill(dir, `r${round}`, killAfter);
      printed.push(...lines);
      t.diagnostic(`round ${round}: killed after ${lines.length} committed TKLs (asked ${killAfter})`);
      const s = openLmdbStore(dir, { logger: silent });
      const hosts = new Set(s.load(Math.floor(Date.now() / 1000)).tkl.map((e) => e.host));
      const missing = printed.filter((h) => !hosts.has(h));
      assert.deepEqual(missing.slice(0, 5), [], `round ${round}: ${missing.length} committed TKLs missing`);
      assert.equal(s.status().state, 'ok');
      await s.close();
    }
    assert.ok(printed.length >= 5 * 200);
  });

  it('at start-up a node drops (and deletes) the TKLs that expired while it was down', async () => {
    const h = new Harness('tslink-tklexpire-');
    try {
      const A = h.identity('a.test');
      const spec = { id: A, sid: '0AA', port: await freePort(), links: [], dataDir: join(h.dir, 'a') };
      let na = await h.startNode(spec);
      const now = Math.floor(Date.now() / 1000);
      na.node.engine.local(`:a.test TKL + G * soon.example oper!o@staff ${now + 1} ${now} :expires in a second`);
      na.node.engine.local(`:a.test TKL + G * later.example oper!o@staff ${now + 3600} ${now} :expires in an hour`);
      na.node.engine.local(`:a.test TKL + Z * 192.0.2.9 oper!o@staff 0 ${now} :permanent`);
      na.node.pump();
      await na.node.persisted();
      await h.stopNode(na);
      while (Math.floor(Date.now() / 1000) <= now + 1) await sleep(100);
      na = await h.startNode(spec);
      assert.deepEqual([...na.node.engine.tkl.values()].map((e) => e.host).sort(), ['192.0.2.9', 'later.example']);
      const loaded = na.log.events('STORE_LOADED')[0];
      assert.equal(loaded.tkl, 2);
      assert.equal(loaded.expiredTkl, 1);
      await na.node.persisted();
      assert.equal(na.node.storeStatus()!.counts.tkl, 2, 'the expired one is deleted from the store, not only skipped');
    } finally {
      await h.cleanup();
    }
  });
});
