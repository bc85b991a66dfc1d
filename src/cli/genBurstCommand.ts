// tslink gen-burst --users N --channels N --tkl N --servers N --seed S [--out FILE]
import { writeFileSync } from 'node:fs';
import { generateBurst } from '../replay/genBurst.ts';

export function genBurstCommand(args: string[]): number {
  const num = (flag: string, def: number): number | null => {
    const i = args.indexOf(flag);
    if (i < 0) return def;
    const v = Number(args[i + 1]);
    return Number.isInteger(v) && v >= 0 ? v : null;
  };
  const users = num('--users', 1000), channels = num('--channels', 100), tkl = num('--tkl', 50), servers = num('--servers', 2), seed = num('--seed', 1);
  if (users === null || channels === null || tkl === null || servers === null || seed === null || servers < 1) {
    process.stderr.write('usage: tslink gen-burst --users N --channels N --tkl N --servers N (>=1) --seed S [--out FILE]\n');
    return 2;
  }
  const text = generateBurst({ users, channels, tkl, servers, seed }).join('\n') + '\n';
  const oi = args.indexOf('--out');
  if (oi >= 0 && args[oi + 1]) writeFileSync(args[oi + 1], text, 'latin1');
  else process.stdout.write(Buffer.from(text, 'latin1'));
  return 0;
}
