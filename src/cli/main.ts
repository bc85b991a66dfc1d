// tslink command line: subcommands, each loaded only when it runs (`start` does not load the
// replay code, `replay` not the node's). Every error ends here as `tslink <cmd>: <message>` and an
// exit code, never a stack trace (TSLINK_DEBUG=1 adds the stack, for a bug report).
import { readFileSync } from 'node:fs';
import { CliError, UsageError, parseCommandLine, wantsHelp } from './args.ts';
import { HELP, USAGE } from './usage.ts';

/** The commands served by src/rpc/cli.ts (talk to a running node over its rpc socket). */
const RPC_COMMANDS = new Set(['status', 'links', 'map', 'connect', 'squit', 'rehash', 'rpc']);

export interface MainIo { out: (s: string) => void; err: (s: string) => void }
const defaultIo: MainIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** The version in package.json (one level above src/ and dist/). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

async function run(cmd: string, rest: string[], io: MainIo): Promise<number> {
  if (RPC_COMMANDS.has(cmd)) {
    const { rpcCli } = await import('../rpc/cli.ts');
    return rpcCli([cmd, ...rest], io);
  }
  if (!Object.hasOwn(USAGE, cmd)) {
    io.err(`tslink: unknown command "${cmd}"\n\n${HELP}`);
    return 2;
  }
  // --help never runs the command (`gencert --help` writes nothing).
  if (wantsHelp(rest)) { io.out(USAGE[cmd]); return 0; }
  switch (cmd) {
    case 'replay': return (await import('./replayCommand.ts')).replayCommand(rest);
    case 'gen-burst': return (await import('./genBurstCommand.ts')).genBurstCommand(rest);
    case 'start': return (await import('./startCommand.ts')).startCommand(rest);
    case 'check-config': return (await import('./configCommands.ts')).checkConfigCommand(rest);
    case 'gencert': return (await import('./certCommands.ts')).gencertCommand(rest);
    case 'fingerprint': return (await import('./certCommands.ts')).fingerprintCommand(rest);
    case 'mkpasswd': return (await import('./certCommands.ts')).mkpasswdCommand(rest);
    case 'tkl': return (await import('./tklCommand.ts')).tklCommand(rest, io);
    case 'version': {
      parseCommandLine(rest, {});
      io.out(`tslink ${packageVersion()}\n`);
      return 0;
    }
  }
  return 2;
}

export async function main(argv: string[], io: MainIo = defaultIo): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined: case '--help': case '-h': case 'help':
      if (cmd === undefined) { io.err(HELP); return 2; }
      io.out(HELP);
      return 0;
    case '--version': case '-V':
      io.out(`tslink ${packageVersion()}\n`);
      return 0;
  }
  try {
    return await run(cmd, rest, io);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.err(`tslink ${cmd}: ${message}\n`);
    if (err instanceof UsageError) { io.err(Object.hasOwn(USAGE, cmd) ? USAGE[cmd] : ''); return 2; }
    if (process.env.TSLINK_DEBUG === '1' && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
    return err instanceof CliError ? err.code : 1;
  }
}
