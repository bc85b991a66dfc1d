#!/usr/bin/env -S node --max-semi-space-size=8
// Launcher: registers the TypeScript loader (tsx) and runs the CLI, so the node
// runs straight from src/ with no build step.
// --max-semi-space-size=8 (also in `npm start`): V8's young generation is capped at 2 x 8 MB.
// Nearly everything a node allocates in a burst is state that lives on, so a larger nursery
// only holds more memory (the default grows it to 2 x 16 MB): the 50,000-user burst of
// `npm run bench` grows the node's RSS by ~58 MB instead of ~77 MB, in the same time.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
