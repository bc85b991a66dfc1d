// npm run bench: prints burst-ingest figures. Targets (issue 3): engine alone < 400 ms;
// over a real TLS link first byte → PONG < 1.1 s; RSS growth < 80 MB.
import { burstLines, ingest, BURST } from './engineIngest.ts';

const which = process.argv.slice(2);
const all = which.length === 0;

if (all || which.includes('engine')) {
  const lines = burstLines();
  const bytes = lines.reduce((n, l) => n + l.length + 2, 0);
  console.log(`synthetic burst: ${BURST.users} UIDs over ${BURST.servers} servers, ${BURST.channels} channels, ${BURST.tkl} TKLs: ${lines.length} lines, ${(bytes / 1e6).toFixed(1)} MB`);
  ingest(lines.slice(0, 20000)); // warm-up
  const runs = [ingest(lines), ingest(lines), ingest(lines)];
  const best = runs.reduce((a, b) => (a.wallMs < b.wallMs ? a : b));
  console.log(`engine ingest: wall ${best.wallMs.toFixed(0)} ms (cpu ${best.cpuMs.toFixed(0)} ms incl. GC threads) (runs: ${runs.map((r) => r.wallMs.toFixed(0)).join(', ')}), ${Math.round(best.linesPerSec).toLocaleString('en')} lines/s, heap ${Math.round(best.heapBytesPerUser)} bytes per remote user`);
  console.log(`  state: ${best.users} users, ${best.channels} channels, ${best.memberships} memberships, ${best.tkl} TKLs   target: < 400 ms`);
}

if (all || which.includes('tls')) {
  const { tlsBench } = await import('./tlsIngest.ts');
  await tlsBench();
}
