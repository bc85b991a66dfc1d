#!/usr/bin/env node
// Launcher: registers the TypeScript loader (tsx) and runs the CLI, so the node
// runs straight from src/ with no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
