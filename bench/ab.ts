// Compare the engine ingest of two source trees in one process, their runs alternating, so that
// both see the same spells of a noisy machine (separate runs differ more than most changes do).
//   git worktree add /tmp/base <rev>; ln -s "$PWD/node_modules" /tmp/base/node_modules
//   npm run bench:ab -- /tmp/base . [rounds]
// Prints the minimum, first quartile and median wall time of each tree's ingests.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { IngestFigures } from './engineIngest.ts';

interface Tree { name: string; ingest: (lines: string[]) => IngestFigures; burstLines: () => string[]; walls: number[] }

const args = process.argv.slice(2);
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 12);
const dirs = args.filter((a) => !/^\d+$/.test(a));
if (dirs.length !== 2) {
  console.error('usage: npm run bench:ab -- <treeA> <treeB> [rounds]');
  process.exit(2);
}
const trees: Tree[] = [];
for (const d of dirs) {
  const m = await import(pathToFileURL(resolve(d, 'bench/engineIngest.ts')).href) as Pick<Tree, 'ingest' | 'burstLines'>;
  trees.push({ name: d, ingest: m.ingest, burstLines: m.burstLines, walls: [] });
}
const lines = trees[0].burstLines();
for (const t of trees) { t.ingest(lines.slice(0, 20000)); t.ingest(lines); } // warm-up
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? trees : [...trees].reverse();
  for (const t of order) {
    t.walls.push(t.ingest(lines).wallMs);
    await new Promise((ok) => setTimeout(ok, 5));
  }
}
for (const t of trees) {
  const w = [...t.walls].sort((a, b) => a - b);
  console.log(`${t.name}: min ${w[0].toFixed(0)} ms, q1 ${w[w.length >> 2].toFixed(0)} ms, median ${w[w.length >> 1].toFixed(0)} ms (${rounds} ingests)`);
}
