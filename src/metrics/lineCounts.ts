// Lines received and sent per S2S command, counted where every link line passes (LinkConn) with
// one array increment: no Map, no substring, no prom-client call on that path. The metrics exposition
// reads the arrays on scrape. The set of commands is fixed (the engine's command table plus
// "other"), so a peer sending made-up commands cannot grow it.
import { COMMANDS } from '../s2s/commandTable.ts';

/** The bucket of every command the engine does not know (numerics, typos, garbage). */
export const OTHER_COMMAND = 'other';

/** Longest command name looked up; anything longer is "other" without a lookup. */
const MAX_COMMAND = 16;

/** A command's bucket: its first character (its low 7 bits) and its length. */
function bucketOf(first: number, length: number): number {
  return (first & 127) * (MAX_COMMAND + 1) + length;
}

const SPACE = 32;
const AT = 64;
const COLON = 58;

export class LineCounts {
  /** Command name and slot (in `received` / `sent`) by bucketOf(first character, length): [name, slot, name, slot, ...]. */
  private readonly buckets: (string | number)[][] = [];
  /** Slot → command name (the last slot is OTHER_COMMAND). */
  readonly names: readonly string[];
  readonly received: Float64Array;
  readonly sent: Float64Array;
  private readonly other: number;

  constructor(commands: Iterable<string> = COMMANDS.keys()) {
    const names = [...new Set(commands)].filter((n) => n.length > 0 && n.length <= MAX_COMMAND);
    names.forEach((n, i) => {
      const key = bucketOf(n.charCodeAt(0), n.length);
      (this.buckets[key] ??= []).push(n, i);
    });
    this.other = names.length;
    names.push(OTHER_COMMAND);
    this.names = names;
    this.received = new Float64Array(names.length);
    this.sent = new Float64Array(names.length);
  }

  countReceived(line: string): void { this.received[this.slotOf(line)]++; }
  countSent(line: string): void { this.sent[this.slotOf(line)]++; }

  /** The slot of a line's command: after an optional `@tags` section and `:source`. */
  slotOf(line: string): number {
    let i = 0;
    if (line.charCodeAt(0) === AT) {
      i = line.indexOf(' ');
      if (i < 0) return this.other;
      while (line.charCodeAt(i) === SPACE) i++;
    }
    if (line.charCodeAt(i) === COLON) {
      i = line.indexOf(' ', i);
      if (i < 0) return this.other;
      while (line.charCodeAt(i) === SPACE) i++;
    }
    let end = line.indexOf(' ', i);
    if (end < 0) end = line.length;
    const len = end - i;
    if (len === 0 || len > MAX_COMMAND) return this.other;
    // Candidates by first character and length, compared in place: no substring, no hashing.
    const bucket = this.buckets[bucketOf(line.charCodeAt(i), len)];
    if (bucket === undefined) return this.other;
    for (let k = 0; k < bucket.length; k += 2) if (line.startsWith(bucket[k] as string, i)) return bucket[k + 1] as number;
    return this.other;
  }
}
