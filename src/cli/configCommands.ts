// tslink check-config [FILE]
import { loadConfigFile, defaultConfig } from '../config/index.ts';
import { parseCommandLine } from './args.ts';

export function checkConfigCommand(args: string[]): number {
  const [file] = parseCommandLine(args, { maxArgs: 1 }).args;
  if (!file) {
    defaultConfig('.tslink-data');
    process.stdout.write('embedded default configuration: OK\n');
    return 0;
  }
  const res = loadConfigFile(file);
  for (const w of res.warnings) process.stderr.write(`warning: ${w.text}\n`);
  for (const e of res.errors) process.stderr.write(`error: ${e.text}\n`);
  if (res.errors.length) {
    process.stderr.write(`${file}: ${res.errors.length} error(s); configuration NOT valid\n`);
    return 1;
  }
  process.stdout.write(`${file}: OK (${res.config!.links.length} link block(s), ${res.config!.listen.length} listener(s))\n`);
  return 0;
}
