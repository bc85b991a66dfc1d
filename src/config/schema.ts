/**
 * JSON schema of the configuration as written (the "raw document"): property
 * names are the UnrealIRCd item names (`leaf-depth`, `password-file`, ...).
 *
 * Besides standard JSON schema, each property carries annotations read by
 * `convert.ts` and `validate.ts`:
 *  - `kind`: how an item is turned into JSON (see `ItemKind`); properties
 *    without `kind` (`name`, `pos`, `extra`) cannot be written as items;
 *  - `mustBe`: the end of the error message `"<item>" must be <mustBe>`;
 *  - `normalise`: a rewrite applied to the text before validation;
 *  - `allowExtra`: unknown items in this block are kept in `extra` instead of
 *    being errors (only `set`);
 *  - `ignoreUnknown`: unknown items in this block are warnings (this text
 *    says what tslink reads there) instead of errors (`set::tls`, which a
 *    set block shared with UnrealIRCd fills with its own TLS settings).
 */
import type { ConfigNode, SourcePos } from './types.ts';

/**
 * How an item becomes JSON:
 * `string`, `int`, `size`, `duration`, `yesno`: `key value;` (value converted);
 * `flag`: `key;` → true; `list`: repeated `key value;` or `key { a; b; }` → string[];
 * `block`: `key { ... }` → object.
 */
export type ItemKind = 'string' | 'int' | 'size' | 'duration' | 'yesno' | 'flag' | 'list' | 'block';
export type Normalisation = 'certfp' | 'spkifp';

/** The annotation keywords, registered with ajv as a vocabulary. */
export const ANNOTATION_KEYWORDS = ['kind', 'mustBe', 'normalise', 'allowExtra', 'ignoreUnknown'];

/** A (sub)schema as used here: JSON schema plus the annotations above. */
export interface ConfSchema {
  kind?: ItemKind;
  mustBe?: string;
  normalise?: Normalisation;
  allowExtra?: boolean;
  ignoreUnknown?: string;
  type?: string;
  properties?: Record<string, ConfSchema>;
  items?: ConfSchema;
  required?: string[];
  [keyword: string]: unknown;
}

/* ---------- Raw document types (mirror the schema) ---------- */

export interface RawMe { name: string; info: string; sid: string; pos: SourcePos }
export interface RawListen {
  ip?: string;
  port?: number;
  file?: string;
  options?: { serversonly?: boolean; clientsonly?: boolean; tls?: boolean; rpc?: boolean; metrics?: boolean; 'metrics-remote'?: boolean };
  'tls-options'?: { certificate?: string; key?: string };
  pos: SourcePos;
}
export interface RawLink {
  name: string;
  incoming?: { mask: string[] };
  outgoing?: { hostname: string; port: number; 'bind-ip'?: string; options?: { tls?: boolean; autoconnect?: boolean } };
  password?: string;
  'password-file'?: string;
  verify?: { certfp?: string[]; spkifp?: string[]; ca?: string };
  'hmac-secret-file'?: string;
  'require-hmac'?: boolean;
  class?: string;
  hub?: string;
  leaf?: string;
  'leaf-depth'?: number;
  options?: { 'plaintext-loopback'?: boolean };
  capture?: string;
  pos: SourcePos;
}
export interface RawClass {
  name: string;
  pingfreq?: number;
  connfreq?: number;
  maxclients?: number;
  sendq?: number;
  recvq?: number;
  pos: SourcePos;
}
/** `allow { mask ...; class ...; maxperip ...; }`: who may connect as a client (UnrealIRCd's block). */
export interface RawAllow {
  mask?: string[];
  match?: string[];
  ip?: string[];
  hostname?: string[];
  class?: string;
  maxperip?: number;
  'global-maxperip'?: number;
  password?: string;
  'password-type'?: 'certfp';
  options?: { tls?: boolean; ssl?: boolean; noident?: boolean; useip?: boolean; 'reject-on-auth-failure'?: boolean };
  pos: SourcePos;
}
/** `oper <name> { ... }`: who may become an IRC operator with /OPER (UnrealIRCd's block). */
export interface RawOper {
  name: string;
  password?: string;
  'password-type'?: 'certfp';
  mask?: string[];
  match?: string[];
  operclass: string;
  class: string;
  vhost?: string;
  swhois?: string[];
  snomask?: string;
  modes?: string;
  'require-modes'?: string;
  maxlogins?: number;
  'auto-join'?: string;
  'server-notice-colors'?: boolean;
  'server-notice-show-event'?: boolean;
  pos: SourcePos;
}
export interface RawSet {
  'network-name'?: string;
  'handshake-timeout'?: number;
  'data-directory'?: string;
  'server-linking'?: { 'connect-timeout'?: number; 'handshake-timeout'?: number; 'autoconnect-strategy'?: 'sequential' | 'parallel' | 'sequential-fallback' };
  'handshake-limits'?: { 'per-ip'?: number; 'per-prefix'?: number; total?: number };
  'anti-flood'?: { everyone?: { 'connect-flood'?: string } };
  tls?: { 'min-version'?: 'TLSv1.2' | 'TLSv1.3' };
  extra: ConfigNode[];
  pos: SourcePos;
}
export interface RawDenyLink { mask: string; rule: string; reason?: string; type?: 'all' | 'auto'; pos: SourcePos }

export interface RawDocument {
  me?: RawMe;
  listen: RawListen[];
  link: RawLink[];
  class: RawClass[];
  ulines: string[];
  set?: RawSet;
  'deny-link': RawDenyLink[];
  'except-ban': RawExceptBan[];
  'rpc-user': RawRpcUser[];
  /** The `file "path" { ... }` destinations of `log { destination { } }` blocks, in file order. */
  log?: RawLogFile[];
  allow?: RawAllow[];
  oper?: RawOper[];
  /** `admin { "line"; ... }`: the lines of ADMIN. */
  admin?: string[];
  /** `files { motd "path"; }`: the MOTD file. */
  files?: { motd?: string };
}

/** UnrealIRCd's `log { destination { file "ircd.log" { maxsize 100M; type json; } } }` (the file destination). */
export interface RawLogFile { file: string; maxsize?: number; 'max-size'?: number; type?: 'json' | 'text'; pos: SourcePos }

/** `rpc-user <name> { match { ip ...; } password "..."; rpc-class ...; }` (UnrealIRCd's block; `mask` is its older form of match). */
export interface RawRpcUser {
  name: string;
  match?: { ip?: string[]; mask?: string[] };
  mask?: string[];
  password?: string;
  'rpc-class'?: string;
  pos: SourcePos;
}

/** `except ban { mask ...; type ...; }` (UnrealIRCd's block; tslink reads type connect-flood). */
export interface RawExceptBan { mask: string[]; type?: string[]; pos: SourcePos }

/* ---------- Schema building blocks ---------- */

const SERVER_NAME_PATTERN = '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)+$';
export const SERVER_NAME_TEXT = 'a server name containing a dot, like leaf.example.net (letters, digits, "-", "_"; at most 63 characters)';

const pos: ConfSchema = {
  type: 'object',
  properties: { file: { type: 'string' }, line: { type: 'integer' } },
  required: ['file', 'line'],
};

function text(mustBe = 'a non-empty text', extra: ConfSchema = {}): ConfSchema {
  return { kind: 'string', type: 'string', minLength: 1, mustBe, ...extra };
}

function word(mustBe = 'a single word (no spaces)'): ConfSchema {
  return text(mustBe, { pattern: '^\\S+$' });
}

function filePath(): ConfSchema {
  return text('a file path');
}

/** A name me::name accepts (what `tslink gencert --name` checks too). */
export function isServerName(name: string): boolean {
  return name.length <= 63 && new RegExp(SERVER_NAME_PATTERN).test(name);
}

function serverName(): ConfSchema {
  return text(SERVER_NAME_TEXT, { pattern: SERVER_NAME_PATTERN, maxLength: 63 });
}

function integer(minimum: number, maximum: number): ConfSchema {
  return { kind: 'int', type: 'integer', minimum, maximum, mustBe: `an integer ${minimum}..${maximum}` };
}

function duration(minimum: number, maximum: number, range: string): ConfSchema {
  return { kind: 'duration', type: 'integer', minimum, maximum, mustBe: `a time like 90, 30s, 5m or 1d2h, ${range}` };
}

function size(minimum: number, maximum: number, range: string): ConfSchema {
  return { kind: 'size', type: 'integer', minimum, maximum, mustBe: `a size like 8192, 64k, 20M or 1G, ${range}` };
}

function yesNo(): ConfSchema {
  return { kind: 'yesno', type: 'boolean', mustBe: 'yes or no' };
}

function flag(): ConfSchema {
  return { kind: 'flag', type: 'boolean', mustBe: 'a flag without value, like: tls;' };
}

function list(items: ConfSchema, minItems = 0): ConfSchema {
  return { kind: 'list', type: 'array', items, minItems, mustBe: `one or more items, each ${items.mustBe ?? 'a value'}` };
}

function block(properties: Record<string, ConfSchema>, required: string[] = [], mustBe = 'a block { ... }'): ConfSchema {
  return { kind: 'block', type: 'object', properties, required, additionalProperties: false, mustBe };
}

/** A top-level block that keeps its position (and, for named blocks, its name). */
function topBlock(properties: Record<string, ConfSchema>, required: string[] = [], mustBe?: string): ConfSchema {
  return block({ ...properties, pos }, [...required, 'pos'], mustBe);
}

/* ---------- The blocks ---------- */

export const meSchema = topBlock(
  {
    name: serverName(),
    info: text('a description (1..120 characters)', { maxLength: 120 }),
    sid: text('a server ID of 3 characters: a digit, then two digits or capital letters (like 0AB)', {
      pattern: '^[0-9][0-9A-Z]{2}$',
    }),
  },
  ['name', 'info', 'sid'],
  'a block: me { name "leaf.example.net"; info "..."; sid "0AB"; }',
);

export const listenSchema = topBlock({
  ip: text('an IPv4 or IPv6 address, or *', { format: 'bind-address' }),
  port: integer(1, 65535),
  file: filePath(),
  options: block({ serversonly: flag(), clientsonly: flag(), tls: flag(), rpc: flag(), metrics: flag(), 'metrics-remote': flag() }),
  'tls-options': block({ certificate: filePath(), key: filePath() }),
});

const PASSWORD_TEXT =
  'a password hash ("$scrypt$..." or "$argon2id$...") or "*": a plaintext password is not accepted here, ' +
  'hash it with "tslink mkpasswd" and put the hash in "password"; the password we send goes in password-file';

export const linkSchema = topBlock(
  {
    name: serverName(),
    incoming: block({ mask: list(word('an IP mask like *, 127.0.0.1, 10.0.0.0/8 or 192.168.*'), 1) }, ['mask']),
    outgoing: block(
      {
        hostname: word('a host name or IP address'),
        port: integer(1, 65535),
        'bind-ip': text('an IPv4 or IPv6 address', { format: 'ip-address' }),
        options: block({ tls: flag(), autoconnect: flag() }),
      },
      ['hostname', 'port'],
    ),
    password: text(PASSWORD_TEXT, { pattern: '^(\\*|\\$scrypt\\$\\S+|\\$argon2id\\$\\S+)$' }),
    'password-file': filePath(),
    verify: block({
      certfp: list(
        text('64 hex digits, the SHA-256 of the peer certificate (colons allowed)', { normalise: 'certfp', pattern: '^[0-9a-f]{64}$' }),
      ),
      spkifp: list(
        text('base64 of 32 bytes, the SHA-256 of the peer public key (44 characters ending in "=")', {
          normalise: 'spkifp',
          format: 'spkifp',
        }),
      ),
      ca: filePath(),
    }),
    'hmac-secret-file': filePath(),
    'require-hmac': yesNo(),
    class: word('a class name'),
    hub: word('a server name mask, like * or *.example.net'),
    leaf: word('a server name mask, like * or *.example.net'),
    'leaf-depth': integer(0, 255),
    options: block({ 'plaintext-loopback': flag() }),
    capture: filePath(),
  },
  ['name'],
);

export const CLASS_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';

export const classSchema = topBlock(
  {
    name: text('a class name (letters, digits, "_", "-", ".")', { pattern: CLASS_NAME_PATTERN }),
    pingfreq: duration(10, 3600, 'between 10s and 1h'),
    connfreq: duration(5, 86400, 'between 5s and 1d'),
    maxclients: integer(1, 100000),
    sendq: size(1024, 1024 ** 3, 'between 1k and 1G'),
    recvq: size(512, 1024 ** 3, 'between 512 and 1G'),
  },
  ['name'],
);

export const ulineSchema = serverName();

export const setSchema: ConfSchema = {
  ...topBlock({
    'network-name': text('a network name without control characters (at most 100 characters)', {
      pattern: '^[^\\x00-\\x1f]+$',
      maxLength: 100,
    }),
    'data-directory': filePath(),
    // UnrealIRCd's set::handshake-timeout: a client must register within it.
    'handshake-timeout': duration(5, 300, 'between 5s and 5m'),
    'server-linking': block({
      'connect-timeout': duration(1, 3600, 'between 1s and 1h'),
      'handshake-timeout': duration(1, 3600, 'between 1s and 1h'),
      'autoconnect-strategy': text('sequential, parallel or sequential-fallback', {
        enum: ['sequential', 'parallel', 'sequential-fallback'],
      }),
    }),
    'handshake-limits': block({ 'per-ip': integer(1, 100000), 'per-prefix': integer(1, 1000000), total: integer(1, 1000000) }),
    'anti-flood': {
      ...block({
        everyone: {
          ...block({
            'connect-flood': text('<count>:<period>, like 3:60 (count 1-255 connections per period 1-3600 seconds)', { pattern: '^[0-9]{1,3}:[0-9]{1,4}s?$' }),
          }),
          ignoreUnknown: 'tslink reads only connect-flood here',
        },
      }),
      ignoreUnknown: 'tslink reads only everyone::connect-flood here',
    },
    tls: {
      ...block({
        'min-version': text('TLSv1.2 or TLSv1.3 (the lowest TLS version a server link may use)', { enum: ['TLSv1.2', 'TLSv1.3'] }),
      }),
      ignoreUnknown: 'tslink reads only min-version here',
    },
    extra: { type: 'array' },
  }),
  allowExtra: true,
};

export const denyLinkSchema = topBlock(
  {
    mask: word('a server name mask, like *.example.net'),
    rule: text('a connection rule, like connected(hub.*)'),
    reason: text(),
    type: text('all or auto', { enum: ['all', 'auto'] }),
  },
  ['mask', 'rule'],
);

export const exceptBanSchema = topBlock(
  {
    mask: list(word('an IP mask like 192.0.2.1, 10.0.0.0/8 or 192.168.* (a user@ part is ignored)'), 1),
    type: list(word('a ban type, like connect-flood or all')),
  },
  ['mask'],
);

/** UnrealIRCd's rule for rpc-user names: letters, digits, "-" and "_", at most NICKLEN - 4 (26) characters. */
export const RPC_USER_NAME_PATTERN = '^[A-Za-z0-9_-]{1,26}$';

const RPC_PASSWORD_TEXT =
  'a password hash: "$scrypt$..." from "tslink mkpasswd", or UnrealIRCd\'s "$argon2id$..." ' +
  '(a plaintext password is not accepted: hash it with "tslink mkpasswd")';

const RPC_MASK_TEXT = 'an IP mask like 127.0.0.1, 192.0.2.0/24, 10.* or ::1 (a "*@" in front is allowed)';

export const rpcUserSchema = topBlock(
  {
    name: text('a login name: letters, digits, "-" and "_", at most 26 characters', { pattern: RPC_USER_NAME_PATTERN }),
    match: block({ ip: list(word(RPC_MASK_TEXT)), mask: list(word(RPC_MASK_TEXT)) }, [], 'a block: match { ip 127.0.0.1; }'),
    mask: list(word(RPC_MASK_TEXT)),
    password: text(RPC_PASSWORD_TEXT, { pattern: '^(\\$scrypt\\$\\S+|\\$argon2id\\$\\S+)$' }),
    'rpc-class': text('full or read-only (the rpc-classes tslink has)', { enum: ['full', 'read-only'] }),
  },
  ['name', 'password'],
);

/** One `file "path" { maxsize ...; type ...; }` of a log block's destination (UnrealIRCd accepts maxsize and max-size). */
export const logFileSchema = topBlock(
  {
    file: filePath(),
    maxsize: size(64 * 1024, 1024 ** 4, 'between 64k and 1024G'),
    'max-size': size(64 * 1024, 1024 ** 4, 'between 64k and 1024G'),
    type: text('json or text (tslink writes JSON lines either way)', { enum: ['json', 'text'] }),
  },
  ['file'],
);

const ALLOW_MASK_TEXT = 'a mask like *, *@192.0.2.*, 10.0.0.0/8 or *.example.org';

export const allowSchema = topBlock(
  {
    mask: list(word(ALLOW_MASK_TEXT)),
    match: list(word(ALLOW_MASK_TEXT)),
    ip: list(word(ALLOW_MASK_TEXT)),
    hostname: list(word(ALLOW_MASK_TEXT)),
    class: word('a class name'),
    maxperip: integer(1, 1000000),
    'global-maxperip': integer(1, 1000000),
    password: text('a password hash ("$scrypt$..." from "tslink mkpasswd", or UnrealIRCd\'s "$argon2id$...") clients give the password of with PASS, ' +
      'or a certfp with { certfp; } (a plaintext password is not accepted: hash it with "tslink mkpasswd")'),
    'password-type': text('certfp', { enum: ['certfp'] }),
    options: block({ tls: flag(), ssl: flag(), noident: flag(), useip: flag(), 'reject-on-auth-failure': flag() }),
  },
  ['class', 'maxperip'],
);

/**
 * `oper <name> { class ...; mask ...; password "..." [{ certfp; }]; operclass ...; ... }` (UnrealIRCd's
 * block). `password-type` is not written as such: `password "<fp>" { certfp; }` becomes it (convert.ts).
 */
export const operSchema = topBlock(
  {
    name: text('an oper name (the first word of /OPER)', { pattern: '^[^\\s]{1,64}$' }),
    password: text('a password hash ("$scrypt$..." from "tslink mkpasswd", or UnrealIRCd\'s "$argon2id$..."), or a certfp with { certfp; } ' +
      '(a plaintext password is not accepted: hash it with "tslink mkpasswd")'),
    'password-type': text('certfp', { enum: ['certfp'] }),
    mask: list(word(ALLOW_MASK_TEXT)),
    match: list(word(ALLOW_MASK_TEXT)),
    operclass: word('an operclass name (netadmin, admin, globop, locop, ...)'),
    class: word('a class name'),
    vhost: word('a host name (or ident@host)'),
    swhois: list(text('a line of WHOIS text')),
    snomask: word('a snomask, like +bBcdfkqsSoO'),
    modes: word('user modes, like +xwgs'),
    'require-modes': word('user modes, like +z'),
    maxlogins: integer(0, 5000),
    'auto-join': text('channels, like #opers'),
    'server-notice-colors': yesNo(),
    'server-notice-show-event': yesNo(),
  },
  ['class', 'operclass'],
);

/** The whole raw document. */
export const documentSchema: ConfSchema = {
  type: 'object',
  properties: {
    me: meSchema,
    listen: { type: 'array', items: listenSchema },
    link: { type: 'array', items: linkSchema },
    class: { type: 'array', items: classSchema },
    ulines: { type: 'array', items: ulineSchema },
    set: setSchema,
    'deny-link': { type: 'array', items: denyLinkSchema },
    'except-ban': { type: 'array', items: exceptBanSchema },
    'rpc-user': { type: 'array', items: rpcUserSchema },
    log: { type: 'array', items: logFileSchema },
    allow: { type: 'array', items: allowSchema },
    oper: { type: 'array', items: operSchema },
    admin: { type: 'array', items: { type: 'string' } },
    files: { type: 'object', properties: { motd: { type: 'string' } }, additionalProperties: false },
  },
  required: ['me', 'listen', 'link', 'class', 'ulines', 'deny-link', 'except-ban'],
  additionalProperties: false,
};
