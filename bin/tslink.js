#!/usr/bin/env -S node --max-semi-space-size=4 --v8-pool-size=1
// Launcher: runs the compiled CLI in dist/ (`npm run build`, which `npm ci` runs through
// `prepare`). When there is no finished build, or src/ is not what it was built from (a file
// added, removed, or with another size or modification time: an edited tree), it runs the
// TypeScript sources through tsx instead, as before the build step existed, so the command always
// runs the code that is in src/. TSLINK_FROM_SOURCE=1 forces the sources.
// --max-semi-space-size=4 --v8-pool-size=1 (also in `npm start`; README "Benchmarks" has the
// figures of 1, 2, 4 and 8): V8's young generation is capped at 2 x 4 MB. Nearly everything a
// burst allocates is state that lives on, so a larger nursery only holds more memory (the default
// grows it to 2 x 16 MB, 8 gave 2,000 idle half-open connections 9 KB each and a young generation
// that stayed grown after them); a smaller one promotes the garbage of our own outgoing burst
// (1 and 2: +13-22 MB kept after a 50k re-burst instead of +8-10). One V8 worker thread instead of four:
// each keeps a malloc arena of its own that grew by 1-2 MB in an attack and stayed so.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sourceFiles } from '../scripts/sourceFiles.mjs';

const root = new URL('../', import.meta.url);

/** src/ is still what dist/ was built from: the same files, sizes and modification times (~3 ms). */
function buildIsCurrent() {
  let stamp;
  try { stamp = JSON.parse(readFileSync(new URL('dist/.build-stamp', root), 'utf8')); } catch { return false; }
  try { return JSON.stringify(sourceFiles(fileURLToPath(new URL('src', root)))) === JSON.stringify(stamp.src); } catch { return false; }
}

let main;
if (process.env.TSLINK_FROM_SOURCE !== '1' && buildIsCurrent()) {
  // `replay` loads the build's one-file bundle of the replay path (scripts/build.mjs), when there is one.
  const bundled = process.argv[2] === 'replay' && existsSync(new URL('dist/cli/main.bundle.js', root));
  ({ main } = await import(bundled ? '../dist/cli/main.bundle.js' : '../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
// No stack traces for an operator (main() turns every error of a command into a message): a
// closed pipe (`tslink gencert | head`) ends the command quietly, and an error nothing caught is
// one line; TSLINK_DEBUG=1 shows the stack, for a bug report.
const cmd = process.argv[2] ?? '';
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => { if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0); });
}
const crash = (err) => {
  const debug = process.env.TSLINK_DEBUG === '1';
  try {
    process.stderr.write(`tslink${cmd ? ` ${cmd}` : ''}: internal error: ${err instanceof Error ? err.message : String(err)}${debug ? `\n${err?.stack ?? ''}` : ' (TSLINK_DEBUG=1 shows where)'}\n`);
  } catch { /* stderr is gone too */ }
  process.exit(70);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
if (cmd === 'replay' && !process.argv.includes('--connect') && !process.argv.includes('--listen')) {
  // An offline replay is a batch command (no socket, no file left to write): once stdout and
  // stderr have taken what it wrote, the process exits without Node's teardown of V8's heap (a
  // few hundred unmaps for the 170 MB of the 50k capture's state).
  let pending = 2;
  const done = () => { if (--pending === 0) process.exit(); };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
