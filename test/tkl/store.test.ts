// The store (src/store/): both implementations through the same tests; LMDB's open checks,
// degraded mode on a full disk, tombstones, and crash safety (a child killed with SIGKILL).
import { strict as assert } from 'node:assert';
import { describe, it, before, after } from 'node:test';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, truncateSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { MemoryStore, MemoryBackend } from '../../src/store/memoryStore.ts';
import { openLmdbStore, checkLmdbFile } from '../../src/store/lmdbStore.ts';
import { StoreOpenError, type PermanentChannel, type Store } from '../../src/store/types.ts';
import { TombstoneSet } from '../../src/store/tombstones.ts';
import { tklKey, type TklEntry } from '../../src/tkl/types.ts';

const NOW = 1795305736;
const here = dirname(fileURLToPath(import.meta.url));
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `tslink-store-${name}-`));
const g = (host: string, o: Partial<TklEntry> = {}): TklEntry => ({ type: 'G', user: '*', host, setBy: 'op!o@staff', expireAt: 0, setAt: NOW - 100, reason: 'r', ...o });
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const silent = { info() {}, warn() {}, error() {} };

const chan: PermanentChannel = {
  name: '#Perm', ts: 1700000000, topic: { text: 'Welcome \xe9', setBy: 'op!o@h', ts: 1700000100 }, modes: '+ntlkP', params: '10 secret', mlock: 'nt',
  lists: { b: [{ mask: '*!*@bad.example', setBy: 'op', setAt: 1700000200 }], e: [], I: [{ mask: '~account:friend', setBy: 'op', setAt: 9007199254740993n }] },
};

type Factory = { name: string; open(): Store; reopen(): Store; cleanup(): void };
function memoryFactory(): Factory {
  const backend = new MemoryBackend();
  return { name: 'memory', open: () => new MemoryStore(backend, { logger: silent }), reopen: () => new MemoryStore(backend, { logger: silent }), cleanup() {} };
}
function lmdbFactory(): Factory {
  const dir = tmp('lmdb');
  return { name: 'lmdb', open: () => openLmdbStore(dir, { logger: silent }), reopen: () => openLmdbStore(dir, { logger: silent }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

for (const make of [memoryFactory, lmdbFactory]) {
  describe(`store (${make().name})`, () => {
    it('round-trips TKLs of every type, MD, +P channels; exact timestamps and byte strings', async () => {
      const f = make();
      const s = f.open();
      assert.equal(s.load(NOW).tkl.length, 0);
      const entries: TklEntry[] = [
        g('192.0.2.1'), g('\xe9\xff.example', { user: '%*', setBy: 'b\x01yte' }), { ...g('x'), type: 'Z', host: '198.51.100.0/24' },
        { ...g('h'), type: 's' }, { ...g('Bad*'), type: 'Q', user: 'H' }, { ...g('10.0.0.0/8'), type: 'E', bantypes: 'GZs' },
        { type: 'F', user: 'cp', host: 'b', setBy: 'op', expireAt: 0, setAt: NOW, reason: 'No spam', spamfilter: { duration: '86400', tklReason: 'No_spam', matchType: 'regex', match: 'x'.repeat(3000) } },
        g('big.example', { expireAt: 67768036191676799n, setAt: 9007199254740993n }),
      ];
      const results = await Promise.all(entries.map((e) => s.putTkl(e)));
      assert.ok(results.every((r) => r.persisted));
      await s.setChannelMd('#Perm', 'floodprot', 'x:y');
      await s.setNetworkMd('motd-hash', 'abc');
      await s.putChannel(chan);
      await s.close();
      const r = f.reopen();
      const snap = r.load(NOW);
      const byKey = (l: TklEntry[]) => new Map(l.map((e) => [tklKey(e), e]));
      assert.deepEqual(byKey(snap.tkl), byKey(entries));
      assert.equal(snap.channelMd.get('#perm')!.md.get('floodprot'), 'x:y');
      assert.equal(snap.networkMd.get('motd-hash'), 'abc');
      assert.deepEqual(snap.channels, [chan]);
      await r.removeTkl(entries[0]);
      await r.setChannelMd('#perm', 'floodprot', null);
      await r.removeChannel('#PERM');
      await r.close();
      const r2 = f.reopen();
      const snap2 = r2.load(NOW);
      assert.equal(snap2.tkl.length, entries.length - 1);
      assert.equal(snap2.channelMd.size, 0);
      assert.equal(snap2.channels.length, 0);
      await r2.close();
      f.cleanup();
    });

    it('start-up drops (and deletes) what expired while down', async () => {
      const f = make();
      const s = f.open();
      s.load(NOW);
      await s.putTkl(g('a', { expireAt: NOW + 10 }));
      await s.putTkl(g('b', { expireAt: NOW + 1000 }));
      await s.putTkl(g('c'));
      await s.removeTkl(g('d', { expireAt: NOW + 20 }), { removedAt: NOW, removedBy: 'op' });
      await s.close();
      const r = f.reopen();
      const snap = r.load(NOW + 100);
      assert.deepEqual(snap.tkl.map((e) => e.host).sort(), ['b', 'c']);
      assert.deepEqual(snap.dropped, { expiredTkl: 1, expiredTombstones: 1 });
      await r.close();
      const r2 = f.reopen();
      assert.equal(r2.load(NOW).tkl.length, 2); // deleted, not only skipped
      await r2.close();
      f.cleanup();
    });

    it('tombstones: a re-add not newer than the removal is refused, a newer one accepted; kept across restarts', async () => {
      const f = make();
      const s = f.open();
      s.load(NOW);
      const ban = g('203.0.113.7', { setAt: NOW - 500, expireAt: NOW + 3600 });
      await s.putTkl(ban);
      await s.removeTkl(ban, { removedAt: NOW, removedBy: 'op!o@staff' });
      assert.equal(s.refuseReAdd({ ...ban }, NOW + 1)?.removedBy, 'op!o@staff');
      assert.equal(s.refuseReAdd({ ...ban, setAt: NOW }, NOW + 1)?.key, tklKey(ban)); // equal set-at: refused
      assert.equal(s.refuseReAdd({ ...ban, setAt: NOW + 1 }, NOW + 2), null); // set again later: accepted
      assert.equal(s.refuseReAdd(g('other'), NOW), null);
      await s.close();
      const r = f.reopen();
      const snap = r.load(NOW + 10);
      assert.equal(snap.tombstones.length, 1);
      assert.ok(r.refuseReAdd(ban, NOW + 10));
      assert.equal(r.refuseReAdd(ban, NOW + 3601), null); // the ban's own expiry passed
      assert.deepEqual(r.expireTombstones(NOW + 3601).map((t) => t.host), ['203.0.113.7']);
      await r.putTkl({ ...ban, setAt: NOW + 20 });
      await r.close();
      f.cleanup();
    });

    it('writes of one turn are one commit; a write resolves after its commit', async () => {
      const f = make();
      const s = f.open();
      s.load(NOW);
      const ps = Array.from({ length: 500 }, (_, i) => s.putTkl(g(`h${i}`)));
      assert.equal(s.status().pending, 500);
      const before = s.status().commits;
      const rs = await Promise.all(ps);
      assert.ok(rs.every((r) => r.persisted));
      assert.equal(s.status().commits - before, 1);
      assert.equal(s.status().counts.tkl, 500);
      await s.close();
      f.cleanup();
    });
  });
}

describe('degraded mode (a full disk)', () => {
  it('injected: logged once, writes report persisted:false, status says so, nothing more is tried', async () => {
    const backend = new MemoryBackend();
    const logs: object[] = [];
    const s = new MemoryStore(backend, { logger: { info() {}, warn() {}, error: (o) => logs.push(o) } });
    s.load(NOW);
    assert.equal((await s.putTkl(g('a'))).persisted, true);
    backend.failWith = Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
    const r = await s.putTkl(g('b'));
    assert.equal(r.persisted, false);
    const st = s.status();
    assert.equal(st.state, 'degraded');
    assert.equal(st.error!.code, 'ENOSPC');
    backend.failWith = null;
    const batches = backend.committedBatches;
    assert.equal((await s.putTkl(g('c'))).persisted, false);
    assert.equal(backend.committedBatches, batches);
    assert.equal(logs.length, 1);
    assert.equal((logs[0] as { event: string }).event, 'STORE_WRITE_FAILED');
  });

  let small: string | null = null;
  before(() => {
    if (process.getuid?.() !== 0) return;
    const d = mkdtempSync(join(tmpdir(), 'tslink-small-'));
    try { execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', d], { stdio: 'ignore' }); small = d; } catch { rmSync(d, { recursive: true, force: true }); }
  });
  after(() => { if (small) { try { execFileSync('umount', [small], { stdio: 'ignore' }); } catch { /* left mounted */ } rmSync(small, { recursive: true, force: true }); } });

  it('real: LMDB on a 512 KiB tmpfs fills up; the node keeps running, the store reopens clean', async (t) => {
    if (!small) { t.skip('needs root to mount a small tmpfs'); return; }
    const logs: object[] = [];
    const s = openLmdbStore(small, { logger: { info() {}, warn() {}, error: (o) => logs.push(o) } });
    let persisted = 0, failed = 0;
    try {
      s.load(NOW);
      for (let i = 0; i < 200 && failed === 0; i++) {
        const rs = await Promise.all(Array.from({ length: 50 }, (_, j) => s.putTkl(g(`h${i}-${j}.`.padEnd(120, 'x')))));
        for (const r of rs) if (r.persisted) persisted++; else failed++;
      }
      assert.ok(failed > 0, 'the disk filled up');
      assert.equal(s.status().state, 'degraded');
      assert.equal(logs.length, 1);
      assert.equal((await s.putTkl(g('later'))).persisted, false); // still running, from memory
    } finally {
      await s.close();
    }
    const r = openLmdbStore(small, { logger: silent });
    assert.equal(r.load(NOW).tkl.length, persisted);
    assert.equal(r.status().state, 'ok');
    await r.close();
  });
});

describe('LMDB open checks: stop with a clear message, never touch the files', () => {
  const expectRefused = (dir: string, code: StoreOpenError['code'], re: RegExp) => {
    const file = join(dir, 'store', 'data.mdb');
    const h = sha(file);
    assert.throws(() => openLmdbStore(dir), (e: unknown) => e instanceof StoreOpenError && e.code === code && re.test(e.message));
    assert.equal(sha(file), h, 'file unchanged');
  };
  it('garbage, truncated, foreign, future version', async () => {
    const a = tmp('garbage');
    mkdirSync(join(a, 'store'));
    writeFileSync(join(a, 'store', 'data.mdb'), Buffer.alloc(20000, 'garbage'));
    expectRefused(a, 'corrupt', /not an LMDB file/);

    const b = tmp('trunc');
    const s = openLmdbStore(b, { logger: silent });
    s.load(NOW);
    await Promise.all(Array.from({ length: 2000 }, (_, i) => s.putTkl(g(`t${i}.example`))));
    await s.close();
    const f = join(b, 'store', 'data.mdb');
    truncateSync(f, Math.floor(statSync(f).size / 2));
    expectRefused(b, 'corrupt', /truncated/);
    assert.equal(checkLmdbFile(f)?.includes('truncated'), true);

    const c = tmp('foreign');
    const env = open({ path: join(c, 'store') });
    env.putSync('hello', 'world');
    await env.close();
    expectRefused(c, 'not-a-store', /not a tslink store/);

    const d = tmp('future');
    const s2 = openLmdbStore(d, { logger: silent });
    await s2.close();
    const env2 = open({ path: join(d, 'store'), maxDbs: 12 });
    env2.openDB('meta', {}).putSync('schema', 99);
    await env2.close();
    expectRefused(d, 'unknown-version', /schema version 99/);

    const e = tmp('notdir');
    writeFileSync(join(e, 'store'), 'x');
    assert.throws(() => openLmdbStore(e), (x: unknown) => x instanceof StoreOpenError && x.code === 'not-a-store');
    for (const x of [a, b, c, d, e]) rmSync(x, { recursive: true, force: true });
  });
});

/** KiB of data.mdb resident in this process's mappings (Linux /proc/self/smaps), or null elsewhere. */
function residentDataKb(dir: string): number | null {
  let smaps: string;
  try { smaps = readFileSync('/proc/self/smaps', 'utf8'); } catch { return null; }
  let kb = 0, inFile = false;
  for (const line of smaps.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(join(dir, 'data.mdb'));
    else if (inFile && line.startsWith('Rss:')) kb += Number(/(\d+)/.exec(line)![1]);
  }
  return kb;
}

describe('the data file\'s pages are given back after many writes', () => {
  it('after 6,000 writes and a quiet period the environment is reopened: its resident pages go, nothing is lost, a write queued as it reopens lands', { timeout: 60_000 }, async () => {
    const dir = tmp('remap');
    const quiet = 150;
    const s = openLmdbStore(dir, { logger: silent, remapQuietMs: quiet });
    s.load(NOW);
    for (let turn = 0; turn < 60; turn++) {
      for (let i = 0; i < 100; i++) s.queueTkl(g(`remap-${turn * 100 + i}.example`, { reason: `r ${i}`.repeat(8) }));
      await new Promise((r) => setImmediate(r));
    }
    await s.flush();
    const before = residentDataKb(join(dir, 'store'));
    assert.equal(s.remaps, 0, 'not while writes come');
    const t0 = Date.now();
    while (s.remaps === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.remaps, 1, 'reopened once the writes stopped');
    const after = residentDataKb(join(dir, 'store'));
    if (before !== null && after !== null) {
      assert.ok(before > 600, `data.mdb resident before: ${before} KiB`);
      assert.ok(after < before / 4, `data.mdb resident after the reopen: ${after} KiB (before: ${before} KiB)`);
    }
    // A write queued as a reopen starts lands in the new environment; status answers meanwhile.
    assert.equal((await s.putTkl(g('before-a-reopen.example'))).persisted, true);
    const reopened = s.remapNow();
    assert.equal(s.remapping, true);
    const during = s.putTkl(g('during-the-reopen.example'));
    assert.equal(s.status().counts.tkl, 6001, 'status answers while it reopens');
    await reopened;
    assert.equal((await during).persisted, true);
    assert.equal(s.remaps, 2);
    assert.equal(s.status().counts.tkl, 6002);
    assert.equal((await s.putTkl(g('after-the-reopen.example'))).persisted, true);
    await s.close();
    const again = openLmdbStore(dir, { logger: silent });
    const hosts = new Set(again.load(NOW).tkl.map((e) => e.host));
    assert.equal(hosts.size, 6003);
    for (const h of ['remap-0.example', 'remap-5999.example', 'before-a-reopen.example', 'during-the-reopen.example', 'after-the-reopen.example']) assert.ok(hosts.has(h), h);
    await again.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('crash safety', () => {
  for (const remap of [undefined, 15]) {
  it(`a child adding 10,000 TKLs is killed with SIGKILL at 5 random moments; every TKL it printed is there, the store opens clean${remap === undefined ? '' : ' (reopening its environment after pauses)'}`, { timeout: 60_000 }, async () => {
    const dir = tmp('crash');
    const child = join(here, 'fixtures', 'storeCrashChild.ts');
    const printed: string[] = [];
    for (let round = 0; round < 5; round++) {
      const killAfter = 300 + Math.floor(Math.random() * 9000); // printed lines before the kill
      const lines = await new Promise<string[]>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', child, dir, `r${round}`, '10000', ...(remap === undefined ? [] : [String(remap)])], { cwd: join(here, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
        const got: string[] = [];
        let buf = '';
        let killed = false;
        p.stdout.setEncoding('utf8');
        p.stdout.on('data', (d: string) => {
          buf += d;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
            if (line === 'READY' || line === 'DONE') continue;
            got.push(line);
            if (!killed && got.length >= killAfter) { killed = true; setTimeout(() => p.kill('SIGKILL'), Math.floor(Math.random() * 5)); }
          }
        });
        p.on('error', reject);
        p.on('exit', (code, signal) => {
          if (buf && buf !== 'READY\n') { /* a torn last line: not a printed key */ }
          if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child exited ${code} ${signal}`)); else resolve(got);
        });
      });
      printed.push(...lines);
      if (process.env.TSLINK_TEST_VERBOSE) console.log(`round ${round}: killed after ${lines.length} printed (asked ${killAfter})`);
      const s = openLmdbStore(dir, { logger: silent });
      const snap = s.load(NOW);
      const hosts = new Set(snap.tkl.map((e) => e.host));
      const missing = printed.filter((h) => !hosts.has(h));
      assert.deepEqual(missing, [], `round ${round}: ${missing.length} printed TKLs missing`);
      assert.equal(s.status().state, 'ok');
      assert.equal((await s.putTkl(g(`after-round-${round}`))).persisted, true);
      await s.close();
    }
    assert.ok(printed.length >= 5 * 300);
    rmSync(dir, { recursive: true, force: true });
  });
  }
});

describe('TombstoneSet bounds', () => {
  it('keeps at most max, forgetting the oldest removals first', () => {
    const t = new TombstoneSet(3);
    for (let i = 0; i < 5; i++) t.add({ key: `k${i}`, type: 'G', user: '*', host: `h${i}`, removedAt: i, removedBy: 'x', setAt: 0, expireAt: 0 });
    assert.deepEqual([...t.values()].map((x) => x.key), ['k2', 'k3', 'k4']);
  });
});


describe('a store that does not decode is not written to', () => {
  it('load() stops at a corrupt record without deleting the expired entries it read before it', async () => {
    const backend = new MemoryBackend();
    const s = new MemoryStore(backend, { logger: silent });
    s.load(NOW);
    await s.putTkl(g('expired.example', { expireAt: NOW + 10 }));
    await s.close();
    backend.dbs.get('tkl')!.set('bad', [1, 'G']); // a record of an unknown form, read after the expired one
    const batches = backend.committedBatches;
    const r = new MemoryStore(backend, { logger: silent });
    assert.throws(() => r.load(NOW + 100), (e: unknown) => e instanceof StoreOpenError && e.code === 'corrupt');
    await new Promise((done) => setImmediate(done));
    await r.flush();
    assert.equal(backend.committedBatches, batches, 'nothing committed');
    assert.equal(backend.dbs.get('tkl')!.size, 2, 'the expired entry is still there');
  });
});
