// npm run bench [engine] [tls] [replay] [idle] [tkl] [burst] [tklmatch] [tklstore] [fanout]: prints the figures (all without arguments).
//   engine  burst ingest by the engine alone (issue 3: < 400 ms; issue 13: keep ≤ 350 ms)
//   tls     the same burst over a real TLS link to a node: first byte → PONG, the node's RSS growth;
//           then PING → PONG on another link while the burst is ingested (5 runs)
//   replay  `tslink replay FILE --json` of the generated 50k capture as a whole process (issue 13: < 0.8 s)
//   idle    idle RSS of the node on the default configuration (issue 13: ≤ 60 MB)
//   tkl     RSS a node keeps for 50,000 G-line adds (issue 13: ≤ +10 MB)
//   tklstore  start-up load of 100,000 TKLs, by the store and by a node (issue 15: < 250 ms); 50,000
//           G-lines from a peer and PING→PONG on another link meanwhile (issue 15: ≤ 300 ms)
//   fanout  1,000 local clients in one channel, messages from a server peer fanned out (issue 17)
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { burstLines, ingest, BURST, type IngestFigures } from './engineIngest.ts';

const which = process.argv.slice(2);
const all = which.length === 0;

/** GC pauses (main thread) that fell inside a run's timed window: minor (scavenge) and major. */
const gcs: { kind: number; start: number; ms: number }[] = [];
const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) gcs.push({ kind: ((e as { detail?: unknown }).detail as { kind?: number } | null)?.kind ?? 0, start: e.startTime, ms: e.duration }); });
obs.observe({ entryTypes: ['gc'] });
const tick = () => new Promise((r) => setTimeout(r, 10));
function gcIn(r: IngestFigures): string {
  let minor = 0, nMinor = 0, major = 0, nMajor = 0;
  for (const g of gcs) {
    if (g.start < r.start || g.start > r.end) continue;
    if (g.kind === constants.NODE_PERFORMANCE_GC_MINOR) { minor += g.ms; nMinor++; } else { major += g.ms; nMajor++; }
  }
  return `gc ${Math.round(minor + major)} ms: ${nMinor} scavenges ${Math.round(minor)} ms, ${nMajor} major ${Math.round(major)} ms`;
}

if (all || which.includes('engine')) {
  const lines = burstLines();
  const bytes = lines.reduce((n, l) => n + l.length + 2, 0);
  console.log(`synthetic burst: ${BURST.users} UIDs over ${BURST.servers} servers, ${BURST.channels} channels, ${BURST.tkl} TKLs: ${lines.length} lines, ${(bytes / 1e6).toFixed(1)} MB`);
  // Warm-up: one whole ingest, so that every handler the timed runs use is compiled already
  // (the first 20,000 lines alone left SJOIN and TKL cold, and the first timed run ~10 % slower).
  ingest(lines);
  const runs: IngestFigures[] = [];
  for (let i = 0; i < 3; i++) { runs.push(ingest(lines)); await tick(); }
  const best = runs.reduce((a, b) => (a.wallMs < b.wallMs ? a : b));
  console.log(`engine ingest: wall ${best.wallMs.toFixed(0)} ms (cpu ${best.cpuMs.toFixed(0)} ms incl. GC threads; ${gcIn(best)}) (runs: ${runs.map((r) => `${r.wallMs.toFixed(0)}/${r.cpuMs.toFixed(0)}`).join(', ')} wall/cpu ms), ${Math.round(best.linesPerSec).toLocaleString('en')} lines/s, heap ${Math.round(best.heapBytesPerUser)} bytes per remote user`);
  console.log(`  state: ${best.users} users, ${best.channels} channels, ${best.memberships} memberships, ${best.tkl} TKLs   target: < 400 ms`);
}
obs.disconnect();

if (all || which.includes('tls')) {
  const { tlsBench } = await import('./tlsIngest.ts');
  await tlsBench();
}

if (all || which.includes('replay')) {
  const { replayBench } = await import('./replayProcess.ts');
  await replayBench();
}

if (all || which.includes('idle')) {
  const { idleRssBench } = await import('./idleRss.ts');
  await idleRssBench();
}

if (all || which.includes('tkl')) {
  const { tklRssBench } = await import('./tklRss.ts');
  await tklRssBench();
}


if (all || which.includes('burst')) {
  const { burstOutBench } = await import('./burstOut.ts');
  await burstOutBench();
}

if (all || which.includes('tklmatch')) {
  const { tklMatchBench } = await import('./tklMatch.ts');
  await tklMatchBench();
}

if (all || which.includes('tklstore')) {
  const { tklStoreBench } = await import('./tklStore.ts');
  await tklStoreBench();
  const { tklPongBench } = await import('./tklPong.ts');
  await tklPongBench();
}

if (all || which.includes('fanout')) {
  const { fanoutBench } = await import('./fanout.ts');
  await fanoutBench();
}
