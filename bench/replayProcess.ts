// `tslink replay FILE --json` of the generated 50k capture as a whole process, from the spawn to
// its exit, the state digest included: the burst of the engine bench (BURST: 50,000 UIDs over 10
// servers, 10,000 channels, 5,000 TKLs, seed 42) written by `tslink gen-burst`, replayed by
// bin/tslink.js started as its shebang starts it. Target (issue 13): < 0.8 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BURST } from './engineIngest.ts';

/** The node flags of bin/tslink.js's shebang (`#!/usr/bin/env -S node --flag ...`). */
function shebangFlags(): string[] {
  const first = readFileSync('bin/tslink.js', 'utf8').split('\n')[0];
  const m = /^#!\S*env -S node((?: --\S+)*)\s*$/.exec(first);
  return m ? m[1].split(' ').filter(Boolean) : [];
}

export async function replayBench(runs = 5): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-replay-'));
  try {
    const file = join(dir, 'b50k.txt');
    const gen = spawnSync(process.execPath, ['bin/tslink.js', 'gen-burst', '--users', String(BURST.users), '--channels', String(BURST.channels), '--tkl', String(BURST.tkl), '--servers', String(BURST.servers), '--seed', String(BURST.seed), '--out', file], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(`gen-burst failed: ${gen.stderr}`);
    const argv = [...shebangFlags(), 'bin/tslink.js', 'replay', file, '--json'];
    const walls: number[] = [];
    let out = '';
    for (let i = 0; i <= runs; i++) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 20 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`replay failed (${r.status}): ${r.stderr}`);
      out = r.stdout;
      if (i > 0) walls.push(ms); // the first run warms the page cache
    }
    const res = JSON.parse(out) as { users: number; channels: number; memberships: number; digest: string };
    const w = [...walls].sort((a, b) => a - b);
    console.log(`replay (whole process): tslink replay <50k capture> --json in ${w[0].toFixed(0)} ms min, ${w[w.length >> 1].toFixed(0)} ms median of ${runs} (runs: ${walls.map((x) => x.toFixed(0)).join(', ')} ms); ${(readFileSync(file).length / 1e6).toFixed(1)} MB, ${res.users} users, ${res.channels} channels, ${res.memberships} memberships, digest ${res.digest.slice(0, 12)}…; node flags: ${shebangFlags().join(' ') || 'none'}   target: < 800 ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
