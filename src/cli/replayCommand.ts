// tslink replay FILE [--json] [--until LINE] [--digest] [--state] [--as hub|leaf]
// tslink replay FILE --connect HOST:PORT | --listen [HOST:]PORT [live options]  (replayLive.ts)
import { readFileSync } from 'node:fs';
import { replayCapture, type ReplaySide } from '../replay/offline.ts';
import { buildStateDump, formatStateDump, type StateDump } from '../replay/stateDump.ts';
import { createProgress } from './progress.ts';
import { USAGE } from './usage.ts';

export const REPLAY_USAGE = USAGE.replay;

/** Flags that take a value, and flags that do not. */
const VALUE_FLAGS = new Set(['--until', '--as', '--connect', '--listen', '--cert', '--key', '--pin', '--name', '--sid', '--password-file', '--compare', '--timeout']);
const BOOL_FLAGS = new Set(['--json', '--digest', '--state', '--plaintext', '--fast', '--now']);

export interface ParsedArgs { file?: string; values: Map<string, string[]>; flags: Set<string>; error?: string }

export function parseReplayArgs(args: string[]): ParsedArgs {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (VALUE_FLAGS.has(a)) {
      const v = args[i + 1];
      if (v === undefined) return { values, flags, file, error: `${a} needs a value` };
      values.set(a, [...(values.get(a) ?? []), v]);
      i++;
    } else if (BOOL_FLAGS.has(a)) {
      flags.add(a);
      // --now takes an optional unix time.
      if (a === '--now' && /^\d+$/.test(args[i + 1] ?? '')) { values.set('--now', [args[i + 1]]); i++; }
    } else if (a.startsWith('--')) {
      return { values, flags, file, error: `unknown option ${a}` };
    } else if (file === undefined) {
      file = a;
    } else {
      return { values, flags, file, error: `unexpected argument ${a}` };
    }
  }
  return { file, values, flags };
}

export async function replayCommand(args: string[]): Promise<number> {
  const p = parseReplayArgs(args);
  if (p.error || !p.file) {
    process.stderr.write(`tslink replay: ${p.error ?? 'no capture file given'}\n${REPLAY_USAGE}`);
    return 2;
  }
  const one = (f: string) => p.values.get(f)?.[p.values.get(f)!.length - 1];
  const as = one('--as');
  if (as !== undefined && as !== 'hub' && as !== 'leaf') { process.stderr.write('tslink replay: --as takes hub or leaf\n'); return 2; }
  let buf: Buffer;
  try { buf = readFileSync(p.file); } catch (err) { process.stderr.write(`tslink replay: cannot read ${p.file}: ${(err as Error).message}\n`); return 2; }

  if (p.values.has('--connect') || p.values.has('--listen')) {
    const { replayLiveCommand } = await import('./replayLive.ts');
    return replayLiveCommand(buf, p);
  }

  const untilRaw = one('--until');
  const untilLine = untilRaw !== undefined ? Number(untilRaw) : undefined;
  if (untilRaw !== undefined && !Number.isInteger(untilLine)) { process.stderr.write('tslink replay: --until needs a line number\n'); return 2; }
  const progress = createProgress('replay');
  let dump: StateDump | null = null;
  const res = replayCapture(buf, {
    untilLine,
    as: (as as ReplaySide | undefined) ?? 'recorder',
    onProgress: (d, t) => progress.update(d, t),
    onEngine: p.flags.has('--state') ? (e, now) => { dump = buildStateDump(e.net, e.tkl, now); } : undefined,
  });
  progress.finish();
  if (p.flags.has('--state')) {
    process.stdout.write(formatStateDump(dump ?? buildEmptyDump()));
    for (const e of res.errors) process.stderr.write(`error at line ${e.line}: ${e.message}\n`);
  } else if (p.flags.has('--digest')) {
    process.stdout.write(res.digest + '\n');
  } else if (p.flags.has('--json')) {
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

function buildEmptyDump(): StateDump {
  return { channels: [], name_bans: [], server_ban_exceptions: [], server_bans: [], servers: [], spamfilters: [], users: [] } as StateDump;
}
