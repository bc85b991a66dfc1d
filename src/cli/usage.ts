// The usage text of every subcommand (printed by `tslink <cmd> --help`, and after a usage error),
// and the overview of `tslink --help`. Kept apart from the commands so that main() can print them
// without loading the command's code.

export const USAGE: Readonly<Record<string, string>> = {
  start: `usage: tslink start [--config FILE] [--data-dir DIR] [--capture-dir DIR] [--allow-root]
  run the node until SIGTERM or SIGINT; SIGHUP (or tslink rehash) re-reads the config file
  --config FILE      the configuration (without it: an embedded loopback-only default)
  --data-dir DIR     data directory when the config sets none (default .tslink-data)
  --capture-dir DIR  record every link to DIR
  --allow-root       run even as root (refused otherwise; also TSLINK_ALLOW_ROOT=1)
`,
  'check-config': `usage: tslink check-config [FILE]
  validate a configuration as start and a reload would; errors as file:line, exit 1 on any
`,
  replay: `usage: tslink replay FILE [--json | --digest | --state] [--until LINE] [--as hub|leaf]
       tslink replay FILE --connect HOST:PORT | --listen [HOST:]PORT
              [--pin CERTFP|SPKIFP]... [--cert FILE --key FILE] [--plaintext]
              [--name NAME] [--sid SID] [--password-file FILE] [--now [UNIXTIME]]
              [--fast] [--as hub|leaf] [--compare replies|all] [--timeout SECONDS] [--json]
`,
  'gen-burst': `usage: tslink gen-burst [--users N] [--channels N] [--tkl N] [--servers N (>=1)] [--seed S] [--out FILE]
  write a deterministic synthetic burst capture (to stdout without --out)
`,
  gencert: `usage: tslink gencert [--dir DIR] [--name NAME] [--force]
  write a private key (0600) and a self-signed certificate, link.key.pem and link.cert.pem, in DIR
  (default .tslink-data/tls) for the server name NAME (default tslink.localhost); print certfp/spkifp.
  An existing key or certificate is kept unless --force is given (peers pin the key).
`,
  fingerprint: `usage: tslink fingerprint FILE [--name NAME]
  print the certfp and spkifp of a PEM certificate, with ready-to-paste link blocks for NAME
`,
  mkpasswd: `usage: tslink mkpasswd [PASSWORD]
  print the scrypt hash of a link password; on a terminal it asks twice (not echoed), from a pipe
  it reads the first line (prefer both over PASSWORD: arguments end up in shell history and ps)
`,
  tkl: `usage: tslink tkl list|add|del|export|import [--data-dir DIR | --config FILE] ...   (the node must be stopped)
  the network bans in a stopped node's store: list [--json], add TYPE NAME --reason TEXT [--duration D],
  del TYPE NAME, export [--out FILE], import FILE|-   (TYPE: gline, gzline, shun, except, qline, spamfilter)
`,
  version: `usage: tslink version   (or tslink --version)
  print the version of tslink
`,
};

export const HELP = `tslink — UnrealIRCd-compatible server-to-server linking node

usage: tslink <command> [options]      (tslink <command> --help for its options)

commands:
  start [--config FILE] [--data-dir DIR] [--capture-dir DIR] [--allow-root]
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
  gencert [--dir DIR] [--name NAME] [--force]
                               write a key (0600) and self-signed certificate; print certfp/spkifp
  fingerprint FILE             print the certfp and spkifp of a PEM certificate
  mkpasswd                     hash a link password (scrypt) for a link block
  tkl list|add|del|export|import [--data-dir DIR]   network bans in a stopped node's store

  on a running node, over its rpc socket (listen { file "rpc.socket"; options { rpc; } }):
  status                       name, SID, uptime, users, channels, links (burst time, sendq)
  links | map                  the links; the server tree
  connect NAME                 connect a link block now
  squit NAME [REASON]          drop a server link
  rehash                       re-read the config file; prints what changed or why it was refused
  rpc METHOD [JSON]            any JSON-RPC method (UnrealIRCd's: server.list, user.list, ...)
                               which node: --socket PATH | --config FILE | --data-dir DIR

  version, --version           print the version
  --help                       this text
`;
