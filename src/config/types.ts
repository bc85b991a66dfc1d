/**
 * Public types of the tslink configuration.
 *
 * The configuration file uses UnrealIRCd's block syntax; `TslinkConfig` is the
 * validated, typed result. Conventions:
 *  - times are in seconds, sizes in bytes;
 *  - file paths are absolute, resolved against the directory of the file that
 *    contains them (the current directory for text given to `parseConfigText`);
 *  - every block-level object carries `pos`, where it was written.
 */

/** Where something was written: file name as given/resolved, 1-based line (0 = whole file). */
export interface SourcePos {
  file: string;
  line: number;
}

/** An error or warning about the configuration. */
export interface ConfigMessage {
  file: string;
  /** 1-based line; 0 when the message concerns the whole file (e.g. it cannot be read). */
  line: number;
  /** Block path, e.g. `link "hub.test" → outgoing`; absent for syntax messages. */
  block?: string;
  /** The message without position, e.g. `"port" must be an integer 1..65535`. */
  message: string;
  /** Ready to print: `file:line: block: message` (`file: message` when line is 0). */
  text: string;
}

/** Result of loading/parsing: `config` is present only when `errors` is empty. */
export interface ConfigResult {
  config?: TslinkConfig;
  errors: ConfigMessage[];
  warnings: ConfigMessage[];
}

/** `me { name ...; info ...; sid ...; }`: this server's identity. */
export interface MeConfig {
  /** Server name; contains a dot (e.g. `leaf.example.net`). */
  name: string;
  /** Server description sent in SERVER. */
  info: string;
  /** Server ID: a digit then two characters 0-9/A-Z (e.g. `0AB`). */
  sid: string;
  pos: SourcePos;
}

/** `listen { ... }`: one listening socket. Exactly one of `ip`+`port` or `file` is set. */
export interface ListenConfig {
  /** IPv4/IPv6 address to bind, or `*` for all addresses. */
  ip?: string;
  port?: number;
  /**
   * Unix socket path (`file "path";`), instead of ip/port. For an `rpc` listener a relative path is
   * relative to the data directory (as UnrealIRCd has it): resolved against `set::data-directory`
   * when the configuration sets one, else kept relative for the node to resolve against its data
   * directory (`--data-dir`); see src/rpc/nodeAdapter.ts rpcSocketPath().
   */
  file?: string;
  /** `options { serversonly; }`: only server links may use this port. */
  serversOnly: boolean;
  /** `options { clientsonly; }`: no server links on this port. */
  clientsOnly: boolean;
  /** `options { tls; }`: TLS from the first byte. */
  tls: boolean;
  /**
   * `options { rpc; }`: UnrealIRCd's JSON-RPC (src/rpc/) instead of server links. On a unix socket
   * (`file`) without authentication (the socket is created 0600: the file system is its access
   * control); on ip/port always HTTPS (`POST /api` and WebSocket) with `rpc-user` logins.
   * Present (true) only on such a listener.
   */
  rpc?: true;
  /**
   * `options { metrics; }`: Prometheus metrics (src/metrics/) over plain HTTP, `GET /metrics`, instead of
   * server links. On loopback only, unless `options { metrics-remote; }` says otherwise. Present
   * (true) only on such a listener.
   */
  metrics?: true;
  /** `tls-options { certificate ...; key ...; }`: overrides the node's default certificate. */
  tlsOptions?: { certificate?: string; key?: string };
  pos: SourcePos;
}

/** `incoming { mask ...; }`: who may connect to us under this link name. */
export interface LinkIncoming {
  /** IP masks (`*`, `127.0.0.1`, `10.0.0.0/8`, `192.168.*`). At least one. */
  mask: string[];
}

/** `outgoing { ... }`: how we connect to the peer. */
export interface LinkOutgoing {
  hostname: string;
  port: number;
  /** Local address to bind before connecting (`bind-ip`). */
  bindIp?: string;
  /** `options { tls; }`: connect with TLS. */
  tls: boolean;
  /** `options { autoconnect; }`: connect automatically (every class `connfreq`). */
  autoconnect: boolean;
}

/** Peer verification methods; at least one is required unless the link is `plaintext-loopback`. */
export interface LinkVerify {
  /** SHA-256 of the peer's whole certificate: lowercase hex, 64 chars, no colons. */
  certfp: string[];
  /** SHA-256 of the peer's public key (SPKI), base64 (44 chars, padded). */
  spkifp: string[];
  /** CA file: the peer certificate must chain to it and match the link name. */
  ca?: string;
}

/** `link <name> { ... }`: a server we link with. */
export interface LinkConfig {
  /** The peer's server name (matched case-insensitively). */
  name: string;
  incoming?: LinkIncoming;
  outgoing?: LinkOutgoing;
  /**
   * Hash (`$scrypt$…` or `$argon2id$…`) the peer's PASS is checked against.
   * Undefined when the block says `password "*"` or has no password: PASS is then not checked.
   */
  passwordHash?: string;
  /** File holding the plaintext password we send as PASS (otherwise we send `PASS :*`). */
  passwordFile?: string;
  verify: LinkVerify;
  /** File holding the shared secret for tslink-to-tslink HMAC link authentication. */
  hmacSecretFile?: string;
  /** `require-hmac yes`: refuse the peer unless it completes HMAC authentication. */
  requireHmac: boolean;
  /** `class` name (default `servers`); always a key of `TslinkConfig.classes`. */
  className: string;
  /** Mask of servers this peer may introduce (`hub`); undefined = none (peer is a leaf). */
  hub?: string;
  /** Mask of servers this peer may NOT introduce (`leaf`). */
  leaf?: string;
  /** Maximum depth of servers behind this peer (`leaf-depth`). */
  leafDepth?: number;
  /** `options { plaintext-loopback; }`: allow this link without TLS over loopback only. */
  plaintextLoopback: boolean;
  /** File to write a capture of this link's traffic to. */
  capture?: string;
  pos: SourcePos;
}

/** A client's password check (oper, allow): a hash tslink checks, or a client certificate fingerprint. */
export type PasswordAuth = { type: 'hash'; hash: string } | { type: 'certfp'; fingerprint: string };

/**
 * `allow { mask ...; class ...; maxperip ...; }`: who may connect as a client, with which class
 * (UnrealIRCd's block; the first block that matches a client, in file order, is its block).
 */
export interface AllowConfig {
  /** allow::mask / match / ip / hostname: `*`, an IP mask (`192.0.2.*`, `10.0.0.0/8`) or a host name mask, a `user@` part ignored. */
  masks: string[];
  /** allow::class; always a key of `TslinkConfig.classes`. */
  className: string;
  /** allow::maxperip: registered local users from one IP. */
  maxPerIp: number;
  /** allow::global-maxperip: users from one IP on the whole network (default maxperip + 1). */
  globalMaxPerIp: number;
  /**
   * allow::password: what the client must show for this block to match: PASS checked against a
   * `$scrypt$`/`$argon2id$` hash, or (`password "<fp>" { certfp; }`) its client certificate's
   * SHA-256 fingerprint (lowercase hex). A plaintext password is a configuration error.
   */
  auth?: PasswordAuth;
  /** allow::options::tls: only TLS connections match. */
  tlsOnly: boolean;
  /** allow::options::reject-on-auth-failure: a wrong password refuses instead of trying the next block. */
  rejectOnAuthFailure: boolean;
  pos: SourcePos;
}

/** `class <name> { ... }`: connection class. */
export interface ClassConfig {
  name: string;
  /**
   * The items the block wrote (the fields above have server defaults filled in; a client class
   * takes UnrealIRCd's client defaults for the ones left out: recvq 8000, sendq 3000000).
   */
  written?: { pingFreq?: number; sendQ?: number; recvQ?: number; maxClients?: number };
  /** Seconds of silence before we PING (default 90). */
  pingFreq: number;
  /** Seconds between autoconnect attempts (default 15). */
  connFreq: number;
  /** Maximum connections in this class (default 10). */
  maxClients: number;
  /** Send queue limit in bytes (default 20M). */
  sendQ: number;
  /** Receive queue limit in bytes (default 64k). */
  recvQ: number;
  pos: SourcePos;
}

/** `deny link { ... }`: refuse linking when a rule matches. */
export interface ExceptBanConfig {
  /** IP masks (a `user@` part removed). */
  masks: string[];
  /** Ban types the addresses are exempt from (`all` covers every type); default `all`. */
  types: string[];
  pos: SourcePos;
}

export interface DenyLinkConfig {
  /** Server name mask the rule applies to. */
  mask: string;
  /** Connection rule expression, e.g. `connected(hub.*)`. */
  rule: string;
  reason?: string;
  /** `all` (default) or `auto` (only autoconnect attempts). */
  type: 'all' | 'auto';
  pos: SourcePos;
}

/** A parsed item kept as written (for `set` keys tslink does not interpret). */
export interface ConfigNode {
  name: string;
  value?: string;
  /** Present when the item has a `{ ... }` block (possibly empty). */
  children?: ConfigNode[];
  pos: SourcePos;
}

/** `set { ... }`: global settings. */
export interface SetConfig {
  /** `network-name` (NETINFO); default `TestNet` with a warning. */
  networkName: string;
  /** `handshake-timeout`: seconds a client has to register (UnrealIRCd's default 30). */
  handshakeTimeout: number;
  /** `data-directory`; undefined when not configured (the caller chooses). */
  dataDirectory?: string;
  /** `server-linking { ... }`. */
  serverLinking: {
    /** Seconds to wait for an outgoing TCP/TLS connect (default 10). */
    connectTimeout: number;
    /** Seconds allowed from connect to SERVER (default 20). */
    handshakeTimeout: number;
    /** Autoconnect order (default `sequential`). */
    autoconnectStrategy: 'sequential' | 'parallel' | 'sequential-fallback';
  };
  /** `handshake-limits { ... }`: concurrent unregistered connections. */
  handshakeLimits: {
    /** Per remote IP (IPv6: per /64; default 20). */
    perIp: number;
    /** Per network prefix, IPv4 /24 and IPv6 /48 (default 200). */
    perPrefix: number;
    /** In total (default 2000); addresses that match a link block are not counted. */
    total: number;
  };
  /** `anti-flood { everyone { connect-flood <count>:<period>; } }` (UnrealIRCd's name; default 3:60). */
  antiFlood: { connectFlood: { count: number; periodSeconds: number } };
  /** `tls { ... }`: TLS settings of every server link (listeners and outgoing links). */
  tls: {
    /** `min-version`: the lowest TLS version accepted and offered (default `TLSv1.2`). */
    minVersion: 'TLSv1.2' | 'TLSv1.3';
  };
  /** Every other `set` item, unvalidated, in file order. */
  extra: ConfigNode[];
}

/** `rpc-user <name> { match { ip ...; } password "<hash>"; rpc-class full|read-only; }`: a JSON-RPC login over HTTPS. */
export interface RpcUserConfig {
  /** Login name (letters, digits, "-", "_"; at most 26 characters). */
  name: string;
  /** IP masks (`match { ip ...; }`, or `mask ...;`) the login is allowed from; at least one. */
  match: string[];
  /** `$scrypt$…` (tslink mkpasswd) or `$argon2id$…` (UnrealIRCd's mkpasswd; needs the argon2 package). */
  passwordHash: string;
  /** `rpc-class`: `full` (everything; the default, with a warning, as in UnrealIRCd) or `read-only`. */
  rpcClass: 'full' | 'read-only';
  pos: SourcePos;
}

/**
 * `oper <name> { ... }`: who may become an IRC operator with `OPER <name> <password>` (UnrealIRCd's
 * block; src/client/oper.ts applies it).
 */
export interface OperConfig {
  name: string;
  /**
   * How the password is checked: `$scrypt$`/`$argon2id$` hashes, or the client certificate's
   * SHA-256 fingerprint (certfp, lowercase hex); none: only the mask decides (UnrealIRCd refuses
   * that with mask *). A plaintext password is a configuration error (UnrealIRCd only warns).
   */
  auth: PasswordAuth | { type: 'none' };
  /** oper::mask / match: the masks one of which the client must match (`*`, `ident@host`, IP masks). */
  masks: string[];
  operclass: string;
  /** oper::class: the class the oper is moved to. */
  className: string;
  vhost?: string;
  swhois: string[];
  /** oper::snomask (else set::snomask-on-oper, else UnrealIRCd's +bBcdfkqsSoO). */
  snomask?: string;
  /** oper::modes (else set::modes-on-oper). */
  modes?: string;
  requireModes?: string;
  /** 0: no limit. */
  maxLogins: number;
  pos: SourcePos;
}

/** The whole validated configuration. */
export interface TslinkConfig {
  /** `admin { }`'s lines (ADMIN: 257, 258, then 259 each); empty when there is none. */
  admin?: string[];
  /** `files::motd`, resolved against the configuration file's directory. */
  motdFile?: string;
  me: MeConfig;
  listen: ListenConfig[];
  links: LinkConfig[];
  /** Classes by name; always contains `servers` (built-in defaults unless configured). */
  classes: Record<string, ClassConfig>;
  /** U-lined (services) server names. */
  ulines: string[];
  set: SetConfig;
  denyLink: DenyLinkConfig[];
  /** `except ban { mask; type; }` blocks (the connect-flood exemptions are what tslink reads). */
  exceptBan: ExceptBanConfig[];
  /** `rpc-user` blocks: the logins of the HTTPS JSON-RPC listeners (`listen { options { rpc; } }`). */
  rpcUsers: RpcUserConfig[];
  /** `allow` blocks, in file order (clients on `listen { options { clientsonly; } }` ports). */
  allow: AllowConfig[];
  /** `oper` blocks, in file order. */
  opers: OperConfig[];
  /** `log { destination { file ... } }`: the log file; undefined = JSON lines on stdout (journald). */
  log?: LogFileConfig;
}

/** `log { destination { file "path" { maxsize 100M; } } }` (UnrealIRCd's block). */
export interface LogFileConfig {
  /**
   * The file. A relative path is relative to the data directory (UnrealIRCd: to its log
   * directory): resolved against `set::data-directory` when the configuration sets one, else kept
   * relative for the node to resolve against its data directory (`--data-dir`).
   */
  file: string;
  /** Bytes after which the file is rotated (`maxsize`; default 100M). */
  maxSize: number;
  pos: SourcePos;
}
