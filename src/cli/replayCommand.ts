// tslink replay FILE [--json] [--until LINE] [--digest]
import { readFileSync } from 'node:fs';
import { replayCapture } from '../replay/offline.ts';

export function replayCommand(args: string[]): number {
  const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
  if (!file) { process.stderr.write('usage: tslink replay FILE [--json] [--until LINE] [--digest]\n'); return 2; }
  let buf: Buffer;
  try { buf = readFileSync(file); } catch (err) { process.stderr.write(`tslink replay: cannot read ${file}: ${(err as Error).message}\n`); return 2; }
  const untilIdx = args.indexOf('--until');
  const untilLine = untilIdx >= 0 ? Number(args[untilIdx + 1]) : undefined;
  if (untilIdx >= 0 && !Number.isInteger(untilLine)) { process.stderr.write('tslink replay: --until needs a line number\n'); return 2; }
  const res = replayCapture(buf, { untilLine });
  if (args.includes('--digest')) {
    process.stdout.write(res.digest + '\n');
  } else if (args.includes('--json')) {
    const { servers, users, channels, memberships, tkl, md, digest, errors } = res;
    process.stdout.write(JSON.stringify({ servers, users, channels, memberships, tkl, md, digest, errors }) + '\n');
  } else {
    process.stdout.write(`servers ${res.servers}  users ${res.users}  channels ${res.channels}  memberships ${res.memberships}  md ${res.md}\n`);
    process.stdout.write(`tkl ${Object.entries(res.tkl).map(([k, v]) => `${k}:${v}`).join(' ') || '(none)'}\n`);
    process.stdout.write(`digest ${res.digest}\n`);
    for (const e of res.errors) process.stdout.write(`error at line ${e.line}: ${e.message}\n`);
  }
  return res.errors.length ? 1 : 0;
}
