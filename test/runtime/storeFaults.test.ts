/**
 * The store's failures through the node (issue 15 item 4):
 * - a write that fails (a full disk: LMDB's commit reports ENOSPC, injected at the LMDB
 *   transaction) is logged once; the node keeps running from memory, says so in its status
 *   (`tslink status` over its RPC socket, tslink.store) and its metrics, says at stop how many changes were not persisted; what was committed before is
 *   intact on reopen and the store opens clean;
 * - `tslink start` on a store of an unknown (newer) schema version, or on a corrupt one, refuses to
 *   start with a clear message and exit 1, and leaves the files as they were.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, truncateSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { Harness, freePort } from './helpers.ts';
import { openLmdbStore } from '../../src/store/lmdbStore.ts';
import { buildRegistry } from '../../src/metrics/registry.ts';
import { rpcCli } from '../../src/rpc/cli.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nowS = () => Math.floor(Date.now() / 1000);
const silent = { info() {}, warn() {}, error() {} };
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

/** `tslink start --config` on a data directory: its exit code and output (it must exit by itself). */
function tslinkStart(dir: string, dataDir: string, port: number): Promise<{ code: number | null; out: string }> {
  const file = join(dir, `start-${port}.conf`);
  writeFileSync(file, `me { name "store.test"; info "x"; sid "0ST"; }
listen { ip 127.0.0.1; port ${port}; options { serversonly; tls; } }
set { network-name "TestNet"; data-directory ${JSON.stringify(dataDir)}; }
`);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'tslink.js'), 'start', '--config', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TSLINK_LOG_LEVEL: 'info', TSLINK_ALLOW_ROOT: '1' } });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    p.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const guard = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('error', reject);
    p.on('exit', (code) => { clearTimeout(guard); resolve({ code, out }); });
  });
}

describe('runtime: store failures through the node', () => {
  const h = new Harness('tslink-storefaults-');
  after(() => h.cleanup());

  it('a full disk (ENOSPC at commit): logged once, the node runs from memory and says so, committed data intact', async () => {
    const A = h.identity('a.test');
    const dataDir = join(h.dir, 'full');
    const store = openLmdbStore(dataDir, { logger: silent });
    // The fault, at the lowest layer the store uses: LMDB's writes fail as they do when the disk is
    // full (errno 28): lmdb-js's asynchronous put/remove (the default) reject, a synchronous
    // transaction throws.
    const backend = (store as unknown as { backend: { env: Record<string, unknown>; dbs: Record<string, Record<string, unknown>> } }).backend;
    let full = false;
    const enospc = () => Object.assign(new Error('MDB_MAP_FULL: No space left on device'), { code: 28 });
    const wrap = (o: Record<string, unknown>, name: string, fail: () => unknown) => {
      const real = (o[name] as (...a: unknown[]) => unknown).bind(o);
      o[name] = (...a: unknown[]) => (full ? fail() : real(...a));
    };
    wrap(backend.env, 'transactionSync', () => { throw enospc(); });
    for (const db of Object.values(backend.dbs)) for (const m of ['put', 'remove']) wrap(db, m, () => Promise.reject(enospc()));
    const na = await h.startNode({ id: A, sid: '0AA', port: await freePort(), links: [], dataDir, extra: 'listen { file "rpc.socket"; options { rpc; } }' }, { store });
    const socket = na.node.rpcService!.sockets[0];
    const status = async () => { let out = '', err = ''; const code = await rpcCli(['status', '--socket', socket], { out: (x) => { out += x; }, err: (x) => { err += x; } }); assert.equal(code, 0, err); return out; };
    // The node's logger is the store's too when the node opened it; here the test opened it: give it the node's.
    (store as unknown as { log: unknown }).log = (na.node as unknown as { log: unknown }).log;
    const now = nowS();
    const add = (host: string) => na.node.engine.local(`:a.test TKL + G * ${host} oper!o@staff 0 ${now} :full disk test`);
    for (const x of ['one', 'two', 'three']) add(`${x}.before.example`);
    na.node.pump();
    await na.node.persisted();
    assert.equal(na.node.storeStatus()!.state, 'ok');
    assert.match(await status(), /^store: ok \(lmdb .*\), 3 TKLs, 0 tombstones, 0 \+P channels$/m);

    full = true;
    add('four.after.example');
    na.node.engine.local(`:0AA SJOIN ${now} #kept +P :`);
    na.node.pump();
    await na.node.persisted();
    for (let i = 0; i < 3; i++) { add(`more${i}.after.example`); na.node.pump(); await na.node.persisted(); }
    const st = na.node.storeStatus()!;
    assert.equal(st.state, 'degraded');
    assert.equal(st.error!.code, 'ENOSPC');
    assert.match(st.error!.message, /running from memory/);
    assert.ok(st.unpersisted >= 5, `unpersisted ${st.unpersisted}`);
    assert.equal(na.log.events('STORE_WRITE_FAILED').length, 1, 'logged once, not per write');
    // Running from memory: every ban is in force, the channel exists.
    assert.equal(na.node.engine.tkl.size, 7);
    assert.ok(na.node.engine.net.channel('#kept'));
    const shown = await status();
    assert.match(shown, new RegExp(`^store: NOT PERSISTING since \\S+: store write failed \\(ENOSPC: .*\\); running from memory, .*; ${st.unpersisted} change\\(s\\) in memory only \\(lost at the next stop\\); 3 TKLs, 0 tombstones, 0 \\+P channels as of the last good commit$`, 'm'), shown);
    let rpcOut = '';
    assert.equal(await rpcCli(['rpc', 'tslink.store', '--socket', socket], { out: (x) => { rpcOut += x; }, err: () => {} }), 0);
    const rs = JSON.parse(rpcOut) as { state: string; persisting: boolean; unpersisted: number; error: { code: string } };
    assert.deepEqual([rs.state, rs.persisting, rs.unpersisted, rs.error.code], ['degraded', false, st.unpersisted, 'ENOSPC']);
    const prom = await import('prom-client');
    const text = await buildRegistry((prom as unknown as { default?: typeof prom }).default ?? prom, na.node).metrics();
    assert.match(text, /^tslink_store_persisting 0$/m);
    assert.match(text, new RegExp(`^tslink_store_unpersisted_changes ${st.unpersisted}$`, 'm'));
    await h.stopNode(na);
    const lost = na.log.events('STORE_UNPERSISTED');
    assert.equal(lost.length, 1, na.log.dump());
    assert.match(String(lost[0].msg), /were kept in memory only and are lost with this stop/);

    // Reopened: the store is clean and holds what was committed before the failure, nothing else.
    const s2 = openLmdbStore(dataDir, { logger: silent });
    const snap = s2.load(nowS());
    assert.deepEqual(snap.tkl.map((e) => e.host).sort(), ['one.before.example', 'three.before.example', 'two.before.example']);
    assert.deepEqual(snap.channels, []);
    assert.equal(s2.status().state, 'ok');
    await s2.close();
  });

  it('tslink start refuses a store of a newer schema version, a corrupt one and one it cannot open, with a clear message, exit 1, files untouched', { timeout: 120_000 }, async () => {
    // A store written by a future tslink (schema 99).
    const future = join(h.dir, 'future');
    const s = openLmdbStore(future, { logger: silent });
    await s.close();
    const env = open({ path: join(future, 'store'), maxDbs: 12 });
    env.openDB('meta', {}).putSync('schema', 99);
    await env.close();
    const file = join(future, 'store', 'data.mdb');
    const before = sha(file);
    const r = await tslinkStart(h.dir, future, await freePort());
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /"event":"START_FAILED"/);
    assert.match(r.out, /has schema version 99; this tslink reads version 1\. Run the tslink that wrote it, or move it away/);
    assert.doesNotMatch(r.out, /NODE_STARTED/);
    assert.equal(sha(file), before, 'the store was not modified');

    // A truncated data file.
    const bad = join(h.dir, 'bad');
    const s3 = openLmdbStore(bad, { logger: silent });
    await s3.close();
    const f3 = join(bad, 'store', 'data.mdb');
    truncateSync(f3, 8192 + 100);
    const b3 = sha(f3);
    const r3 = await tslinkStart(h.dir, bad, await freePort());
    assert.equal(r3.code, 1, r3.out);
    assert.match(r3.out, /cannot be used: it is truncated/);
    assert.equal(sha(f3), b3);

    // Not openable: the store's path is a file, not a directory.
    const notDir = join(h.dir, 'notdir');
    mkdirSync(notDir, { recursive: true });
    writeFileSync(join(notDir, 'store'), 'not a store\n');
    const r4 = await tslinkStart(h.dir, notDir, await freePort());
    assert.equal(r4.code, 1, r4.out);
    assert.match(r4.out, /The store path \S+ is not a directory\. It was left as it is/);
    assert.equal(readFileSync(join(notDir, 'store'), 'utf8'), 'not a store\n');
  });
});
