// npm run build (and `prepare`, so `npm ci` runs it): compiles src/ to dist/ with tsc, writes the
// configuration schema's precompiled validator (dist/config/documentValidator.cjs, see
// src/config/validate.ts), then stamps the build with the size and modification time of every
// file in src/ it was made from (as they were before tsc read them). bin/tslink.js runs dist/ only
// while src/ still matches the stamp (otherwise it runs the sources through tsx), so an edited
// tree never runs stale code.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sourceFiles } from './sourceFiles.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;
const fail = (why) => {
  process.stderr.write(`build: ${why}; dist/ is not stamped, so bin/tslink.js runs the sources through tsx\n`);
  process.exit(1);
};

const before = sourceFiles(`${root}src`);
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
if (r.status !== 0) fail(r.error ? `tsc did not run (${r.error.message})` : `tsc failed (exit ${r.status ?? r.signal})`);

// Every character beyond ASCII in the output (a '→' or '—' in a message) written as a \u escape:
// tsc leaves them as they are, and V8 keeps the source text of a module that has even one of
// them in two bytes per character for as long as the module lives (the node's idle RSS, issue
// 13). They only occur in string, template and regular-expression literals, where the escape
// means the same character (a pair of escapes for one beyond U+FFFF, which a /u regular
// expression reads as one code point too).
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/\.c?js$/.test(entry.name)) continue;
  const file = `${entry.parentPath ?? entry.path}/${entry.name}`;
  const text = readFileSync(file, 'utf8');
  if (/[^\x00-\x7f]/.test(text)) writeFileSync(file, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

const validate = await import(pathToFileURL(`${dist}/config/validate.js`).href);
writeFileSync(`${dist}/config/${validate.PRECOMPILED_VALIDATOR}`, validate.documentValidatorSource());
if (!validate.loadDocumentValidator()) fail('the precompiled configuration validator does not load');

// The replay command's code in one file, dist/cli/main.bundle.js (bin/tslink.js loads it for
// `tslink replay`): main.js with replayCommand.js and every module those two import, in one file
// instead of ~85, which saves the replay process ~15 ms of module loading. Every other import
// (the other commands, `replay --connect`'s replayLive.js, packages) stays an import of its own
// file, next to main.js in dist/cli as before. esbuild comes with tsx; without it there is no
// bundle and bin/tslink.js loads dist/cli/main.js as for every other command.
const BUNDLED = new Set(['./replayCommand.js']);
try {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [`${dist}/cli/main.js`], outfile: `${dist}/cli/main.bundle.js`,
    bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning',
    plugins: [{
      name: 'replay-only',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (a) => {
          if (a.kind === 'entry-point') return null;
          if (a.kind === 'dynamic-import') return a.importer === `${dist}/cli/main.js` && BUNDLED.has(a.path) ? null : { path: a.path, external: true };
          return a.path.startsWith('.') ? null : { path: a.path, external: true };
        });
      },
    }],
  });
} catch (err) {
  rmSync(`${dist}/cli/main.bundle.js`, { force: true });
  process.stderr.write(`build: no replay bundle (${err instanceof Error ? err.message.split('\n')[0] : err}); tslink replay loads dist/cli/main.js\n`);
}

if (JSON.stringify(sourceFiles(`${root}src`)) !== JSON.stringify(before)) {
  // Someone edited src/ meanwhile: dist/ may hold a mix. Not an error (the sources still run).
  process.stderr.write('build: src/ changed while it was being compiled; dist/ is not stamped, so bin/tslink.js runs the sources through tsx (npm run build again to use dist/)\n');
  process.exit(0);
}
writeFileSync(`${dist}/.build-stamp`, JSON.stringify({ built: new Date().toISOString(), src: before }) + '\n');
