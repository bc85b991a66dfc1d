// The files under a directory with their size and modification time, in a stable order: what
// scripts/build.mjs stamps a build with and bin/tslink.js compares src/ against.
import { readdirSync, statSync } from 'node:fs';

/** { "relative/path": [size, mtimeMs], ... } for every file under dir (sorted by path). */
export function sourceFiles(dir) {
  const out = {};
  for (const name of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const st = statSync(`${dir}/${name}`, { throwIfNoEntry: false });
    if (st?.isFile()) out[name] = [st.size, st.mtimeMs];
  }
  return out;
}
