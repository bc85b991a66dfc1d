// npm run build (and `prepare`, so `npm ci` runs it): compiles src/ to dist/ with tsc, writes the
// configuration schema's precompiled validator (dist/config/documentValidator.cjs, see
// src/config/validate.ts), then stamps the build with the size and modification time of every
// file in src/ it was made from (as they were before tsc read them). bin/tslink.js runs dist/ only
// while src/ still matches the stamp (otherwise it runs the sources through tsx), so an edited
// tree never runs stale code.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
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

const validate = await import(pathToFileURL(`${dist}/config/validate.js`).href);
writeFileSync(`${dist}/config/${validate.PRECOMPILED_VALIDATOR}`, validate.documentValidatorSource());
if (!validate.loadDocumentValidator()) fail('the precompiled configuration validator does not load');

if (JSON.stringify(sourceFiles(`${root}src`)) !== JSON.stringify(before)) {
  // Someone edited src/ meanwhile: dist/ may hold a mix. Not an error (the sources still run).
  process.stderr.write('build: src/ changed while it was being compiled; dist/ is not stamped, so bin/tslink.js runs the sources through tsx (npm run build again to use dist/)\n');
  process.exit(0);
}
writeFileSync(`${dist}/.build-stamp`, JSON.stringify({ built: new Date().toISOString(), src: before }) + '\n');
