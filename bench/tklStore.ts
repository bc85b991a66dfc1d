// Bench: start-up load of 100,000 TKLs from the LMDB store (issue 15 target: < 250 ms).
//   node --import tsx bench/tklStore.ts [--tkl N]
// Writes N mixed TKLs (bench/tklMatch.ts's mix) through putTkl (1,000 per event-loop turn),
// closes the store, then times (5 runs each): opening it and load() (read, decode, expiry check);
// the same into a TKL table (loadStoreInto); and `tslink start` on that data directory, in a
// fresh process each time, as its STORE_LOADED log line times it (open, load, table, +P channels).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openLmdbStore } from '../src/store/lmdbStore.ts';
import { mixedTkls } from './tklMatch.ts';
import { tklKey } from '../src/tkl/types.ts';
import { TklTable } from '../src/tkl/tklTable.ts';
import { loadStoreInto } from '../src/runtime/nodeStore.ts';
import { spawn } from 'node:child_process';
import { nodeFlags } from './benchNode.ts';

const stats = (xs: number[]): string => {
  const a = [...xs].sort((x, y) => x - y);
  return `min ${a[0].toFixed(0)} / median ${a[a.length >> 1].toFixed(0)} / max ${a[a.length - 1].toFixed(0)} ms`;
};

/**
 * `tslink start` on `dir` as operators run it (a fresh process, `npm start`'s V8 flags, nothing
 * compiled yet): the store's part of its start-up as its STORE_LOADED line says (openMs: open,
 * read, into the TKL table and the state), and the TKLs loaded.
 */
async function nodeStart(dir: string): Promise<{ ms: number; cpuMs: number; tkl: number }> {
  const conf = join(dir, 'bench-node.conf');
  writeFileSync(conf, `me { name "bench.test"; info "store bench"; sid "0BS"; }\nset { network-name "BenchNet"; data-directory ${JSON.stringify(dir)}; }\n`);
  const child = spawn(process.execPath, [...nodeFlags(), 'bin/tslink.js', 'start', '--config', conf], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TSLINK_LOG_LEVEL: 'info', TSLINK_ALLOW_ROOT: '1' } });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const guard = setTimeout(() => reject(new Error('no STORE_LOADED line within 60 s')), 60_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        for (const l of buf.split('\n')) if (l.includes('"STORE_LOADED"')) { clearTimeout(guard); resolve(l); }
        buf = buf.slice(buf.lastIndexOf('\n') + 1);
      });
      child.once('exit', (code) => { clearTimeout(guard); reject(new Error(`tslink start exited ${code}`)); });
    });
    const r = JSON.parse(line) as { openMs: number; cpuMs: number; tkl: number };
    return { ms: r.openMs, cpuMs: r.cpuMs, tkl: r.tkl };
  } finally {
    if (child.exitCode === null) { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); }
  }
}

export async function tklStoreBench(opts: { tkl?: number } = {}): Promise<{ loadMs: number; nodeLoadMs: number }> {
  const n = opts.tkl ?? 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'tslink-bench-store-'));
  try {
    // n distinct entries (the mix draws a few identical ones; top up from a second draw).
    const seen = new Set<string>();
    const tkls = [...mixedTkls(n), ...mixedTkls(n / 10, 7)].filter((e) => { const k = tklKey(e); if (seen.has(k)) return false; seen.add(k); return true; }).slice(0, n);
    const now = 1795305736;
    const s = openLmdbStore(dir);
    s.load(now);
    const t0 = performance.now();
    for (let i = 0; i < tkls.length; i += 1000) {
      const batch = tkls.slice(i, i + 1000).map((e) => s.putTkl(e));
      await Promise.all(batch);
    }
    const writeMs = performance.now() - t0;
    await s.close();
    const size = statSync(join(dir, 'store', 'data.mdb')).size;
    const runs: { open: number; load: number; n: number }[] = [];
    for (let r = 0; r < 5; r++) {
      const a = performance.now();
      const st = openLmdbStore(dir);
      const b = performance.now();
      const snap = st.load(now);
      const c = performance.now();
      runs.push({ open: b - a, load: c - b, n: snap.tkl.length });
      await st.close();
    }
    // The node's start-up path (TslinkNode.openStore()): open, load, every entry into the TKL table.
    const node: number[] = [];
    for (let r = 0; r < 5; r++) {
      const a = performance.now();
      const st = openLmdbStore(dir);
      const table = new TklTable();
      loadStoreInto(st, table, now);
      node.push(performance.now() - a);
      if (table.size !== tkls.length) throw new Error(`loaded ${table.size} of ${tkls.length}`);
      await st.close();
    }
    // A real node's start-up, 5 processes (the first run before them makes the node's TLS certificate).
    await nodeStart(dir);
    const whole: number[] = [], wholeCpu: number[] = [];
    for (let r = 0; r < 5; r++) {
      const x = await nodeStart(dir);
      if (x.tkl !== tkls.length) throw new Error(`the node loaded ${x.tkl} of ${tkls.length}`);
      whole.push(x.ms);
      wholeCpu.push(x.cpuMs);
    }
    const best = runs.reduce((x, y) => (x.open + x.load < y.open + y.load ? x : y));
    console.log(`tkl store: ${n.toLocaleString('en')} TKLs written in ${writeMs.toFixed(0)} ms (1,000 per turn); data.mdb ${(size / 1e6).toFixed(1)} MB`);
    console.log(`  start-up: open ${best.open.toFixed(1)} ms + load ${best.load.toFixed(1)} ms = ${(best.open + best.load).toFixed(1)} ms for ${best.n.toLocaleString('en')} TKLs (best of 5: ${runs.map((r) => (r.open + r.load).toFixed(0)).join(', ')} ms)   target: < 250 ms`);
    console.log(`  open + load + into the TKL table: ${stats(node)} over 5 runs`);
    console.log(`  a node's start-up (tslink start, a fresh process each; its STORE_LOADED line, ${tkls.length.toLocaleString('en')} TKLs): ${stats(whole)} over 5 runs (CPU time of the process meanwhile, every thread: ${stats(wholeCpu)}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})   target: < 250 ms`);
    return { loadMs: best.open + best.load, nodeLoadMs: Math.min(...whole) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--tkl');
  await tklStoreBench({ tkl: i > 0 ? Number(process.argv[i + 1]) : undefined });
}
