/**
 * Rules that involve several items or blocks: link security, listener TLS,
 * references and duplicates. They read the raw document defensively (it may
 * hold values the schema rejected) and report through the sink.
 */
import { isLoopbackAddress } from './addresses.ts';
import { isLoopbackOnlyMask, parseAddressMask, type AddressMask } from '../link/addressMask.ts';
import type { MessageSink } from './messages.ts';
import { childPointer, type PositionTable } from './positions.ts';
import type { RawAllow, RawDocument, RawLink, RawListen } from './schema.ts';
import type { SourcePos } from './types.ts';
import { parseRule } from './connectionRule.ts';
import { exceptBanAddressMask, parseConnectFlood, rpcUserMasks } from './finalise.ts';
import { parseArgon2Hash } from '../link/argon2Passwords.ts';
import type { RawOper, RawRpcUser } from './schema.ts';
import { parsePasswordHash } from '../link/passwords.ts';
import { isCertfp, normaliseCertfp } from './fingerprints.ts';
import { DEFAULT_OPERCLASSES, SNOMASK_LETTERS } from './operclasses.ts';

/** An oper or allow block's password that is not a hash (the text itself is never repeated in the message). */
export const PLAINTEXT_PASSWORD =
  '"password" must be a password hash ("$scrypt$..." or "$argon2id$...") or a certfp with { certfp; }: ' +
  'a plaintext password is not accepted here, hash it with "tslink mkpasswd" and put the hash in "password"';
export const OPER_PLAINTEXT_PASSWORD = PLAINTEXT_PASSWORD;

/** The class every link uses unless it names another; it always exists. */
export const DEFAULT_CLASS_NAME = 'servers';

export function checkRules(doc: RawDocument, positions: PositionTable, sink: MessageSink): void {
  const ctx = new RuleContext(doc, positions, sink);
  doc.link.forEach((link, i) => ctx.checkLink(link, i));
  doc.listen.forEach((listen, i) => ctx.checkListen(listen, i));
  ctx.checkDuplicates();
  ctx.checkSet();
  doc['deny-link'].forEach((d, i) => ctx.checkDenyLink(d.rule, i, d.pos));
  doc['except-ban'].forEach((d, i) => ctx.checkExceptBan(d.mask, i, d.pos));
  (doc['rpc-user'] ?? []).forEach((u, i) => ctx.checkRpcUser(u, i));
  ctx.checkRpcListeners();
  ctx.checkLogFiles();
  (doc.allow ?? []).forEach((a, i) => ctx.checkAllow(a, i));
  (doc.oper ?? []).forEach((o, i) => ctx.checkOper(o, i));
  ctx.checkOperNames();
  ctx.checkClientListeners();
}

class RuleContext {
  private readonly hasPlaintextLoopbackLink: boolean;

  constructor(
    private readonly doc: RawDocument,
    private readonly positions: PositionTable,
    private readonly sink: MessageSink,
  ) {
    this.hasPlaintextLoopbackLink = doc.link.some((link) => link.options?.['plaintext-loopback'] === true);
  }

  /** An allow block: its class exists, it matches someone. */
  checkAllow(allow: RawAllow, index: number): void {
    const at = (...path: (string | number)[]): SourcePos => this.posOf(childPointer('/allow', index), path, allow.pos);
    const cls = allow.class;
    if (typeof cls === 'string' && cls !== DEFAULT_CLASS_NAME && !this.doc.class.some((c) => c.name === cls)) {
      this.sink.error(at('class'), `class "${cls}" is not defined (add class ${cls} { pingfreq 90; maxclients 1000; sendq 200k; recvq 8000; })`, 'allow');
    }
    const masks = [...(allow.mask ?? []), ...(allow.match ?? []), ...(allow.ip ?? []), ...(allow.hostname ?? [])];
    if (masks.length === 0) this.sink.error(allow.pos, 'allow block needs a mask (mask *; for everyone)', 'allow');
    // UnrealIRCd keeps a plaintext allow::password as written; tslink refuses it, as for opers.
    this.checkClientPassword(allow.password, allow['password-type'], at('password'), 'allow');
  }

  /**
   * A client's password as written (oper::password, allow::password): a $scrypt$ or $argon2id$
   * hash that parses, or a certfp with { certfp; }. Anything else (plaintext, bcrypt, crypt) is an
   * error whose text never repeats the password.
   */
  private checkClientPassword(pw: unknown, type: unknown, at: SourcePos, label: string): void {
    // An empty password is the schema's error (it says the same).
    if (typeof pw !== 'string' || pw === '') return;
    if (type === 'certfp') {
      if (!isCertfp(normaliseCertfp(pw))) this.sink.error(at, 'a certfp is the SHA-256 fingerprint of the client certificate: 64 hex digits (colons allowed)', label);
      return;
    }
    if (type !== undefined) return; // the schema refuses other types
    if (pw.startsWith('$argon2id$')) {
      const r = parseArgon2Hash(pw);
      if (!r.ok) this.sink.error(at, `${r.reason}: use a $scrypt$ hash from "tslink mkpasswd", or one from UnrealIRCd's mkpasswd`, label);
    } else if (pw.startsWith('$scrypt$')) {
      const r = parsePasswordHash(pw);
      if (!r.ok) this.sink.error(at, `${r.reason}: make one with "tslink mkpasswd"`, label);
    } else if (/^\$(2[abxy]|argon2i|argon2d|1|5|6)\$/.test(pw)) {
      this.sink.error(at, 'tslink checks $argon2id$ and $scrypt$ password hashes only (not bcrypt, crypt or other argon2 types): make one with "tslink mkpasswd" or UnrealIRCd\'s mkpasswd', label);
    } else {
      this.sink.error(at, PLAINTEXT_PASSWORD, label);
    }
  }

  /**
   * An oper block as UnrealIRCd's conf.c _test_oper() checks it: a mask, a class, an operclass; no
   * password only with a narrow mask. Unlike UnrealIRCd (which warns), a plaintext password is an
   * error, as for links: tslink checks $scrypt$ and $argon2id$ hashes and certfp only (not
   * UnrealIRCd's bcrypt and crypt ones), so no oper password is ever kept as written.
   */
  checkOper(oper: RawOper, index: number): void {
    const base = childPointer('/oper', index);
    const at = (...path: (string | number)[]): SourcePos => this.posOf(base, path, oper.pos);
    const label = `oper "${oper.name}"`;
    const masks = [...(oper.mask ?? []), ...(oper.match ?? [])];
    if (masks.length === 0) this.sink.error(oper.pos, 'oper block needs a mask (like mask *@127.0.0.1; or mask *;)', label);
    if (oper.mask && oper.match) this.sink.error(oper.pos, 'you cannot have both mask and match: use one of them', label);
    const broad = masks.some((m) => typeof m === 'string' && /^(\*@)?\*$/.test(m));
    const pw = oper.password;
    if (pw === undefined && broad) this.sink.error(oper.pos, 'this oper block has no password and is completely unrestricted (mask *): add a password', label);
    const cls = oper.class;
    if (typeof cls === 'string' && cls !== DEFAULT_CLASS_NAME && !this.doc.class.some((c) => c.name === cls)) {
      this.sink.error(at('class'), `class "${cls}" is not defined (add class ${cls} { pingfreq 90; maxclients 1000; sendq 200k; recvq 8000; })`, label);
    }
    if (typeof oper.operclass === 'string' && !DEFAULT_OPERCLASSES.has(oper.operclass)) {
      this.sink.warn(at('operclass'), `operclass "${oper.operclass}" is not one of UnrealIRCd's default operclasses (${[...DEFAULT_OPERCLASSES.keys()].join(', ')}) and tslink reads no operclass blocks: OPER with this block will fail, as on UnrealIRCd with an unknown operclass`, label);
    }
    this.checkClientPassword(pw, oper['password-type'], at('password'), label);
    if (typeof oper.modes === 'string' && /[orzS]/.test(oper.modes)) this.sink.error(at('modes'), `oper::modes may not include mode '${/[orzS]/.exec(oper.modes)![0]}'`, label);
    if (typeof oper.snomask === 'string') {
      const bad = [...oper.snomask].filter((c) => c !== '+' && c !== '-' && !SNOMASK_LETTERS.includes(c));
      if (bad.length) this.sink.error(at('snomask'), `oper::snomask contains unknown snomask letter(s) '${bad.join('')}'`, label);
    }
    if (typeof oper.vhost === 'string' && !/^([^@\s]{1,10}@)?[A-Za-z0-9.:_-]{1,63}$/.test(oper.vhost)) this.sink.error(at('vhost'), 'oper::vhost contains illegal characters or is too long', label);
    for (const item of ['auto-join', 'server-notice-colors', 'server-notice-show-event'] as const) {
      if (oper[item] !== undefined) this.sink.warn(at(item), `oper::${item} is not used by tslink; ignored`, label);
    }
  }

  /** oper names are unique (UnrealIRCd would use the first). */
  checkOperNames(): void {
    const names = new Map<string, SourcePos>();
    for (const o of this.doc.oper ?? []) {
      if (typeof o.name !== 'string') continue;
      const first = names.get(o.name);
      if (first) this.sink.error(o.pos, `duplicate oper block (the first is at ${where(first)})`, `oper "${o.name}"`);
      else names.set(o.name, o.pos);
    }
  }

  /** A client port without any allow block lets nobody in (as in UnrealIRCd): said so. */
  checkClientListeners(): void {
    if ((this.doc.allow ?? []).length > 0) return;
    for (const l of this.doc.listen) {
      if (l.options?.clientsonly === true) this.sink.warn(l.pos, 'a clientsonly port, but no allow { } block: every client will be refused (add allow { mask *; class clients; maxperip 3; })', 'listen');
    }
  }

  checkDenyLink(rule: unknown, index: number, pos: SourcePos): void {
    if (typeof rule !== 'string') return; // the schema reports it
    try {
      parseRule(rule);
    } catch (err) {
      this.sink.error(this.posOf(childPointer('/deny-link', index), ['rule'], pos), `bad connection rule: ${(err as Error).message}`, 'deny link');
    }
  }

  checkLink(link: RawLink, index: number): void {
    const base = childPointer('/link', index);
    const label = `link "${link.name}"`;
    const at = (...path: (string | number)[]): SourcePos => this.posOf(base, path, link.pos);
    const plaintextLoopback = link.options?.['plaintext-loopback'] === true;
    const verify = link.verify ?? {};
    const verified = (verify.certfp?.length ?? 0) > 0 || (verify.spkifp?.length ?? 0) > 0 || typeof verify.ca === 'string';
    const hasPasswordHash = typeof link.password === 'string' && link.password !== '*';
    const masks = this.checkMasks(link, at, label);

    if (!link.incoming && !link.outgoing) {
      this.sink.error(link.pos, 'needs incoming { mask ...; } and/or outgoing { hostname ...; port ...; }', label);
    }
    if (!verified && !plaintextLoopback) {
      const localOnly = masks.length > 0 && masks.every((m) => m !== undefined && isLoopbackOnlyMask(m));
      this.sink.error(
        link.pos,
        'no way to verify the peer: add verify { certfp "..."; } (SHA-256 of its certificate), ' +
          'verify { spkifp "..."; } (SHA-256 of its public key) or verify { ca "file"; }' +
          (localOnly ? ', or for local services without TLS: options { plaintext-loopback; } with a password hash' : ''),
        label,
      );
    }
    if (typeof link.password === 'string' && link.password.startsWith('$argon2')) {
      this.sink.warn(at('password'), 'this node cannot check argon2 hashes for links (link passwords are checked as $scrypt$ only; rpc-user blocks take $argon2id$): use a $scrypt$ hash from "tslink mkpasswd"', label);
    }
    if (plaintextLoopback) {
      this.checkPlaintextLoopbackLink(link, masks, at, label, hasPasswordHash);
    } else {
      if (link['require-hmac'] === true && typeof link['hmac-secret-file'] !== 'string') {
        this.sink.error(at('require-hmac'), 'require-hmac yes needs hmac-secret-file "path"', label);
      }
      if (link.outgoing && link.outgoing.options?.tls !== true) {
        this.sink.error(
          at('outgoing'),
          'connects without TLS: add options { tls; } (plaintext is only for loopback links with options { plaintext-loopback; })',
          `${label} → outgoing`,
        );
      }
    }
    const className = link.class ?? DEFAULT_CLASS_NAME;
    if (className !== DEFAULT_CLASS_NAME && !this.doc.class.some((c) => c.name === className)) {
      this.sink.error(at('class'), `class "${className}" is not defined (add class ${className} { ... })`, label);
    }
    if (this.doc.me && typeof link.name === 'string' && link.name.toLowerCase() === String(this.doc.me.name).toLowerCase()) {
      this.sink.error(link.pos, 'a link block cannot use our own server name (me::name)', label);
    }
  }

  /**
   * Parses every incoming mask (src/link/addressMask.ts, the matcher the node
   * uses); a mask that does not parse is an error here, so it can never
   * silently match everything or nothing. Returns the parsed masks in order
   * (undefined for a bad one).
   */
  private checkMasks(link: RawLink, at: (...path: (string | number)[]) => SourcePos, label: string): (AddressMask | undefined)[] {
    const masks = Array.isArray(link.incoming?.mask) ? link.incoming.mask : [];
    return masks.map((mask, i) => {
      if (typeof mask !== 'string' || mask.length === 0 || /\s/.test(mask)) return undefined; // the schema reports it
      const parsed = parseAddressMask(mask);
      if (parsed.ok) return parsed.mask;
      this.sink.error(at('incoming', 'mask', i), `mask "${mask}": ${parsed.reason}`, `${label} → incoming`);
      return undefined;
    });
  }

  /**
   * A plaintext-loopback link has no TLS, so nothing but its password hash can
   * authenticate the peer: the hash is mandatory, and everything that needs
   * TLS (verify { }, HMAC) is an error rather than a check that silently
   * never runs.
   */
  private checkPlaintextLoopbackLink(
    link: RawLink,
    masks: (AddressMask | undefined)[],
    at: (...path: (string | number)[]) => SourcePos,
    label: string,
    hasPasswordHash: boolean,
  ): void {
    masks.forEach((mask, i) => {
      if (mask !== undefined && !isLoopbackOnlyMask(mask)) {
        this.sink.error(
          at('incoming', 'mask', i),
          'options { plaintext-loopback; } allows only loopback incoming masks (127.0.0.0/8 or ::1)',
          `${label} → incoming`,
        );
      }
    });
    const outgoing = link.outgoing;
    if (outgoing && typeof outgoing.hostname === 'string' && !isLoopbackAddress(outgoing.hostname)) {
      this.sink.error(
        at('outgoing', 'hostname'),
        'options { plaintext-loopback; } allows only a loopback IP address as hostname (127.0.0.1 or ::1)',
        `${label} → outgoing`,
      );
    }
    if (!hasPasswordHash) {
      this.sink.error(
        link.pos,
        'a plaintext-loopback link must check the peer\'s password: set password to a hash from "tslink mkpasswd" ' +
          '(without TLS nothing else authenticates the peer)',
        label,
      );
    }
    if (link.verify !== undefined) {
      this.sink.error(
        at('verify'),
        'verify { } cannot apply to a plaintext-loopback link (certificate pins and CAs need TLS): remove it; ' +
          'the peer is checked by its password hash',
        label,
      );
    }
    if (link['require-hmac'] === true) {
      this.sink.error(
        at('require-hmac'),
        'require-hmac yes cannot work on a plaintext-loopback link (the HMAC handshake needs TLS): such a link could never be made; remove it',
        label,
      );
    }
    if (link['hmac-secret-file'] !== undefined) {
      this.sink.error(
        at('hmac-secret-file'),
        'hmac-secret-file cannot be used on a plaintext-loopback link (the HMAC handshake needs TLS): remove it',
        label,
      );
    }
  }

  /** An rpc-user block: IP masks that parse, a class, a hash this node can check. */
  checkRpcUser(user: RawRpcUser, index: number): void {
    const base = childPointer('/rpc-user', index);
    const label = `rpc-user "${user.name}"`;
    const masks = rpcUserMasks(user);
    if (masks.length === 0) {
      this.sink.error(user.pos, 'needs match { ip ...; } (the addresses this login may be used from, like match { ip 127.0.0.1; })', label);
    }
    masks.forEach((m) => {
      if (typeof m !== 'string' || m.length === 0 || /\s/.test(m)) return; // the schema reports it
      const r = parseAddressMask(exceptBanAddressMask(m));
      if (!r.ok) this.sink.error(this.posOf(base, ['match'], user.pos), `mask "${m}": ${r.reason}`, label);
    });
    if (user['rpc-class'] === undefined) {
      this.sink.warn(user.pos, 'no rpc-class: assuming rpc-class full (every call allowed), as UnrealIRCd does; say rpc-class full; or rpc-class read-only;', label);
    }
    if (typeof user.password === 'string' && user.password.startsWith('$argon2id$')) {
      // Checked now, not at the first login: a hash with absurd costs would make every login slow.
      const r = parseArgon2Hash(user.password);
      if (!r.ok) this.sink.error(this.posOf(base, ['password'], user.pos), `${r.reason}: use a $scrypt$ hash from "tslink mkpasswd", or one from UnrealIRCd's mkpasswd`, label);
    }
  }

  /** rpc-user names are unique; an HTTPS rpc listener without any rpc-user refuses everyone. */
  checkRpcListeners(): void {
    const users = this.doc['rpc-user'] ?? [];
    const names = new Map<string, SourcePos>();
    for (const u of users) {
      if (typeof u.name !== 'string') continue;
      const first = names.get(u.name);
      if (first) this.sink.error(u.pos, `duplicate rpc-user block (the first is at ${where(first)})`, `rpc-user "${u.name}"`);
      else names.set(u.name, u.pos);
    }
    const https = this.doc.listen.filter((l) => l.options?.rpc === true && l.file === undefined);
    if (https.length > 0 && users.length === 0) {
      for (const l of https) this.sink.warn(l.pos, 'an rpc listener on ip/port (HTTPS) needs rpc-user blocks: without one every connection is refused', 'listen');
    }
  }

  checkListen(listen: RawListen, index: number): void {
    const base = childPointer('/listen', index);
    const at = (...path: (string | number)[]): SourcePos => this.posOf(base, path, listen.pos);
    const label = 'listen';
    if (listen.options?.metrics === true) {
      this.checkMetricsListen(listen, at, label);
      return;
    }
    if (listen.options?.['metrics-remote'] === true) this.sink.error(at('options'), 'metrics-remote applies to a metrics listener only: add metrics; or remove metrics-remote', `${label} → options`);
    if (listen.options?.rpc === true) {
      this.checkRpcListen(listen, at, label);
      return;
    }
    const hasIp = listen.ip !== undefined;
    const hasFile = listen.file !== undefined;
    if (hasIp === hasFile) {
      this.sink.error(listen.pos, hasIp ? 'use either ip and port, or file, not both' : 'needs ip and port, or file (a unix socket)', label);
    } else if (hasIp && listen.port === undefined) {
      this.sink.error(listen.pos, '"port" is required with "ip"', label);
    } else if (hasFile && listen.port !== undefined) {
      this.sink.error(at('port'), '"port" does not apply to a unix socket file', label);
    }
    const options = listen.options ?? {};
    if (options.serversonly === true && options.clientsonly === true) {
      this.sink.error(at('options'), 'serversonly and clientsonly exclude each other', `${label} → options`);
    }
    const tlsOptions = listen['tls-options'];
    if (tlsOptions && (tlsOptions.certificate === undefined) !== (tlsOptions.key === undefined)) {
      this.sink.error(at('tls-options'), 'certificate and key must be given together', `${label} → tls-options`);
    }
    const acceptsServers = options.clientsonly !== true;
    if (acceptsServers && options.tls !== true) this.checkPlaintextListen(listen, label);
  }

  /** `listen { ...; options { rpc; } }`: JSON-RPC only, never server links. */
  private checkRpcListen(listen: RawListen, at: (...path: (string | number)[]) => SourcePos, label: string): void {
    const hasIp = listen.ip !== undefined;
    const hasFile = listen.file !== undefined;
    if (hasIp === hasFile) {
      this.sink.error(listen.pos, hasIp ? 'use either ip and port, or file, not both' : 'needs file "rpc.socket" (a unix socket) or ip and port (HTTPS)', label);
    } else if (hasIp && listen.port === undefined) {
      this.sink.error(listen.pos, '"port" is required with "ip"', label);
    } else if (hasFile && listen.port !== undefined) {
      this.sink.error(at('port'), '"port" does not apply to a unix socket file', label);
    }
    const options = listen.options ?? {};
    if (options.serversonly === true || options.clientsonly === true) {
      this.sink.error(at('options'), 'an rpc listener takes no server or client connections: remove serversonly/clientsonly', `${label} → options`);
    }
    if (hasFile && (options.tls === true || listen['tls-options'] !== undefined)) {
      this.sink.error(at('options'), 'a unix rpc socket has no TLS (its file mode is its protection): remove tls / tls-options', `${label} → options`);
    }
    const tlsOptions = listen['tls-options'];
    if (tlsOptions && (tlsOptions.certificate === undefined) !== (tlsOptions.key === undefined)) {
      this.sink.error(at('tls-options'), 'certificate and key must be given together', `${label} → tls-options`);
    }
  }

  /**
   * `listen { ip 127.0.0.1; port 9100; options { metrics; } }`: Prometheus metrics over plain HTTP.
   * The figures are not secret but not public either (peer names, addresses of nothing, counts):
   * loopback only unless `metrics-remote` says the operator means it.
   */
  private checkMetricsListen(listen: RawListen, at: (...path: (string | number)[]) => SourcePos, label: string): void {
    const options = listen.options ?? {};
    if (listen.ip === undefined || listen.port === undefined || listen.file !== undefined) {
      this.sink.error(listen.pos, 'a metrics listener needs ip and port (HTTP for Prometheus), like: listen { ip 127.0.0.1; port 9100; options { metrics; } }', label);
    }
    const others = (['rpc', 'serversonly', 'clientsonly', 'tls'] as const).filter((o) => options[o] === true);
    if (others.length > 0) {
      this.sink.error(at('options'), `a metrics listener serves only GET /metrics over plain HTTP: remove ${others.join(', ')}`, `${label} → options`);
    }
    if (listen['tls-options'] !== undefined) this.sink.error(at('tls-options'), 'a metrics listener has no TLS: remove tls-options', label);
    if (typeof listen.ip === 'string' && !isLoopbackAddress(listen.ip) && options['metrics-remote'] !== true) {
      this.sink.error(at('ip'), `metrics on ${listen.ip} would be reachable from other hosts: use ip 127.0.0.1 (or ::1), or add metrics-remote; to options if you mean it`, label);
    }
  }

  /** At most one log file: tslink writes one stream of JSON lines. */
  checkLogFiles(): void {
    const files = this.doc.log ?? [];
    for (const f of files.slice(1)) {
      this.sink.error(f.pos, `tslink writes one log file (the first is at ${where(files[0].pos)}): remove this destination`, 'log → destination → file');
    }
    for (const f of files) {
      if (f.type === 'text') this.sink.warn(f.pos, 'type text: tslink writes JSON lines (as type json); ignored', 'log → destination → file');
    }
  }

  private checkPlaintextListen(listen: RawListen, label: string): void {
    const loopbackOnly = hasFileOnly(listen) || (typeof listen.ip === 'string' && isLoopbackAddress(listen.ip));
    if (loopbackOnly && this.hasPlaintextLoopbackLink) return;
    const advice = loopbackOnly
      ? 'add options { tls; }, or allow one loopback link without TLS with options { plaintext-loopback; } in its link block'
      : 'add options { tls; } (plaintext is only allowed on a loopback address or unix socket, with a link block that has options { plaintext-loopback; })';
    this.sink.error(listen.pos, `accepts server links without TLS: ${advice}`, label);
  }

  checkDuplicates(): void {
    const links = new Map<string, SourcePos>();
    this.doc.link.forEach((link) => {
      if (typeof link.name !== 'string') return;
      const key = link.name.toLowerCase();
      const first = links.get(key);
      if (first) this.sink.error(link.pos, `duplicate link block (the first is at ${where(first)})`, `link "${link.name}"`);
      else links.set(key, link.pos);
    });
    const classes = new Map<string, SourcePos>();
    this.doc.class.forEach((cls) => {
      const first = classes.get(cls.name);
      if (first) this.sink.error(cls.pos, `duplicate class block (the first is at ${where(first)})`, `class "${cls.name}"`);
      else classes.set(cls.name, cls.pos);
    });
    const endpoints = new Map<string, SourcePos>();
    this.doc.listen.forEach((listen) => {
      const key = hasFileOnly(listen) ? `file ${listen.file}` : `${listen.ip} port ${listen.port}`;
      const first = endpoints.get(key);
      if (first) this.sink.error(listen.pos, `listens on the same ${key} as the listen block at ${where(first)}`, 'listen');
      else endpoints.set(key, listen.pos);
    });
    const ulines = new Set<string>();
    this.doc.ulines.forEach((name, i) => {
      const pos = this.posOf('/ulines', [i], { file: '', line: 0 });
      const key = name.toLowerCase();
      if (this.doc.me && key === String(this.doc.me.name).toLowerCase()) {
        this.sink.error(pos, 'our own server name (me::name) cannot be a uline', 'ulines');
      }
      if (ulines.has(key)) this.sink.warn(pos, `"${name}" is listed twice`, 'ulines');
      ulines.add(key);
    });
  }

  checkSet(): void {
    if (this.doc.set?.['network-name'] === undefined) {
      if (this.doc.set) this.sink.warn(this.doc.set.pos, '"network-name" is not set; using "TestNet"', 'set');
      else this.sink.warn(this.posOf('', [], { file: '', line: 0 }), 'set { network-name "..."; } is not set; using "TestNet"');
    }
    const flood = this.doc.set?.['anti-flood']?.everyone?.['connect-flood'];
    if (typeof flood === 'string') {
      const { count, periodSeconds } = parseConnectFlood(flood);
      if (count < 1 || count > 255 || periodSeconds < 1 || periodSeconds > 3600) {
        this.sink.error(this.posOf('/set/anti-flood/everyone/connect-flood', [], this.doc.set!.pos), 'connect-flood is <count>:<period>, like 3:60: count 1-255, period 1-3600 seconds', 'set → anti-flood → everyone');
      }
    }
  }

  /** An except ban block's masks are IP masks, as incoming masks are (a user@ part is ignored). */
  checkExceptBan(masks: unknown, index: number, pos: SourcePos): void {
    if (!Array.isArray(masks)) return; // the schema reports it
    masks.forEach((m, i) => {
      if (typeof m !== 'string') return;
      const r = parseAddressMask(exceptBanAddressMask(m));
      if (!r.ok) this.sink.error(this.posOf(childPointer('/except-ban', index), ['mask', i], pos), `mask "${m}" ${r.reason}`, 'except ban');
    });
  }

  private posOf(base: string, path: (string | number)[], fallback: SourcePos): SourcePos {
    const pointer = path.reduce<string>((p, segment) => childPointer(p, segment), base);
    return this.positions.nearest(pointer)?.pos ?? fallback;
  }
}

function hasFileOnly(listen: RawListen): boolean {
  return listen.file !== undefined && listen.ip === undefined;
}

function where(pos: SourcePos): string {
  return `${pos.file}:${pos.line}`;
}
