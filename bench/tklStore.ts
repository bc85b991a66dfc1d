// Bench: start-up load of 100,000 TKLs from the LMDB store (issue 15 target: < 250 ms).
//   node --import tsx bench/tklStore.ts [--tkl N]
// Writes N mixed TKLs (bench/tklMatch.ts's mix) through putTkl (1,000 per event-loop turn),
// closes the store, then times opening it and load() (read, decode, expiry check) — best of 5.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openLmdbStore } from '../src/store/lmdbStore.ts';
import { mixedTkls } from './tklMatch.ts';
import { tklKey } from '../src/tkl/types.ts';

export async function tklStoreBench(opts: { tkl?: number } = {}): Promise<{ loadMs: number }> {
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
    const best = runs.reduce((x, y) => (x.open + x.load < y.open + y.load ? x : y));
    console.log(`tkl store: ${n.toLocaleString('en')} TKLs written in ${writeMs.toFixed(0)} ms (1,000 per turn); data.mdb ${(size / 1e6).toFixed(1)} MB`);
    console.log(`  start-up: open ${best.open.toFixed(1)} ms + load ${best.load.toFixed(1)} ms = ${(best.open + best.load).toFixed(1)} ms for ${best.n.toLocaleString('en')} TKLs (best of 5: ${runs.map((r) => (r.open + r.load).toFixed(0)).join(', ')} ms)   target: < 250 ms`);
    return { loadMs: best.open + best.load };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--tkl');
  await tklStoreBench({ tkl: i > 0 ? Number(process.argv[i + 1]) : undefined });
}
