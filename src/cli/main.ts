// tslink command line: subcommands, each loaded only when it runs (`start` does not load the
// replay code, `replay` not the node's).

const HELP = `tslink — UnrealIRCd-compatible server-to-server linking node

usage: tslink <command> [options]

commands:
  start [--config FILE] [--data-dir DIR] [--capture-dir DIR]
                               run the node (embedded loopback-only default config without --config);
                               SIGTERM stops it cleanly, SIGHUP re-reads the config
  check-config [FILE]          validate a configuration file; exits non-zero with file:line errors
  replay FILE [--json]         replay a capture offline and print the resulting network
         [--until LINE] [--digest] [--state] [--as hub|leaf]
  replay FILE --connect HOST:PORT | --listen [HOST:]PORT --pin FP [--cert F --key F]
         [--name N --sid S --password-file F --now --fast --plaintext --json]
                               replay one side of a capture against a live server, diff its replies
  gen-burst --users N --channels N --tkl N --servers N --seed S [--out FILE]
                               write a deterministic synthetic burst capture
  gencert [--dir DIR] [--name NAME]   write a key (0600) and self-signed certificate; print certfp/spkifp
  fingerprint FILE             print the certfp and spkifp of a PEM certificate
  mkpasswd                     hash a link password (scrypt) for a link block
  --help                       this text
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined: case '--help': case '-h': case 'help':
      process.stdout.write(HELP);
      return cmd === undefined ? 2 : 0;
    case 'replay': {
      const { replayCommand } = await import('./replayCommand.ts');
      return replayCommand(rest);
    }
    case 'gen-burst': {
      const { genBurstCommand } = await import('./genBurstCommand.ts');
      return genBurstCommand(rest);
    }
    case 'start': {
      const { startCommand } = await import('./startCommand.ts');
      return startCommand(rest);
    }
    case 'check-config': {
      const { checkConfigCommand } = await import('./configCommands.ts');
      return checkConfigCommand(rest);
    }
    case 'gencert': case 'fingerprint': case 'mkpasswd': {
      const mod = await import('./certCommands.ts');
      return cmd === 'gencert' ? mod.gencertCommand(rest) : cmd === 'fingerprint' ? mod.fingerprintCommand(rest) : mod.mkpasswdCommand(rest);
    }
    default:
      process.stderr.write(`tslink: unknown command "${cmd}"\n\n${HELP}`);
      return 2;
  }
}
