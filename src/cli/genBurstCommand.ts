// tslink gen-burst --users N --channels N --tkl N --servers N --seed S [--out FILE]
import { writeFileSync } from 'node:fs';
import { generateBurst } from '../replay/genBurst.ts';
import { CliError, UsageError, parseCommandLine } from './args.ts';

const MAX = 10_000_000;

export function genBurstCommand(args: string[]): number {
  const p = parseCommandLine(args, { values: ['--users', '--channels', '--tkl', '--servers', '--seed', '--out'] });
  const num = (flag: string, def: number, min = 0, max = MAX): number => {
    const raw = p.values.get(flag);
    if (raw === undefined) return def;
    const v = Number(raw);
    // The upper bound keeps a typo (an extra zero or three) from filling the memory.
    if (!/^\d+$/.test(raw) || v < min || v > max) throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not ${raw}`);
    return v;
  };
  const users = num('--users', 1000), channels = num('--channels', 100), tkl = num('--tkl', 50), servers = num('--servers', 2, 1), seed = num('--seed', 1, 0, 2 ** 32 - 1);
  const text = generateBurst({ users, channels, tkl, servers, seed }).join('\n') + '\n';
  const out = p.values.get('--out');
  if (out === undefined) { process.stdout.write(Buffer.from(text, 'latin1')); return 0; }
  try { writeFileSync(out, text, 'latin1'); } catch (err) { throw new CliError(`cannot write ${out}: ${(err as Error).message}`); }
  return 0;
}
