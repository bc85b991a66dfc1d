// The strict argument parsing every subcommand shares: a known set of options (with or without a
// value) and a bounded number of plain arguments. Anything else is a UsageError, which main()
// turns into `tslink <cmd>: <message>`, the command's usage, and exit 2.

/** A wrong command line: main() prints the message and the command's usage, exits 2. */
export class UsageError extends Error {}

/** A failure with a message meant for the operator (no stack): main() prints it, exits `code`. */
export class CliError extends Error {
  constructor(message: string, readonly code = 1) { super(message); }
}

export interface ArgSpec {
  /** Options followed by a value (`--dir DIR`). The last one given wins. */
  values?: readonly string[];
  /** Options without a value (`--force`). */
  flags?: readonly string[];
  /** How many plain arguments are allowed (default 0). */
  minArgs?: number;
  maxArgs?: number;
}

export interface ParsedCommandLine {
  values: Map<string, string>;
  flags: Set<string>;
  args: string[];
}

export function parseCommandLine(argv: readonly string[], spec: ArgSpec): ParsedCommandLine {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const args: string[] = [];
  const valueOpts = new Set(spec.values ?? []);
  const flagOpts = new Set(spec.flags ?? []);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (valueOpts.has(a)) {
      const v = argv[i + 1];
      // A value that looks like an option is almost always a forgotten value (`--dir --force`).
      if (v === undefined || v === '' || (v.startsWith('--') && (valueOpts.has(v) || flagOpts.has(v)))) throw new UsageError(`${a} needs a value`);
      values.set(a, v);
      i++;
    } else if (flagOpts.has(a)) {
      flags.add(a);
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option ${a}`);
    } else {
      args.push(a);
    }
  }
  const min = spec.minArgs ?? 0, max = spec.maxArgs ?? 0;
  if (args.length > max) throw new UsageError(`unexpected argument ${args[max]}`);
  if (args.length < min) throw new UsageError(min === 1 && max === 1 ? 'one argument expected' : `at least ${min} argument(s) expected`);
  return { values, flags, args };
}

/** `--help` or `-h` anywhere on the command line. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
