// The node's oper { } blocks for the client side's OPER (src/client/oper.ts OperAuthority): the
// block by name, its masks (as allow { } masks match), and its password check. Hashes ($scrypt$,
// UnrealIRCd's $argon2id$) are checked off the event loop, a bounded number at once; a certfp is
// compared in constant time through SHA-256 digests. There is no plaintext password: the
// configuration refuses one (config/rules.ts). Blocks are read from the configuration at each
// OPER (a rehash applies).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { OperConfig, TslinkConfig } from '../config/index.ts';
import { DEFAULT_OPERCLASSES, OPER_SNOMASK_DEFAULT } from '../config/operclasses.ts';
import type { OperAuthority, OperBlock } from '../client/oper.ts';
import type { ClientSession } from '../client/session.ts';
import type { ClientLimits } from '../client/config.ts';
import { Argon2Verifier } from '../link/argon2Passwords.ts';
import { PasswordChecker } from '../link/passwords.ts';
import { allowMaskMatches, classLimits } from './clientAdmission.ts';
import type { Logger } from './logger.ts';

/** Longest password looked at: UnrealIRCd's PASSWDLEN-ish bound (a longer one is no password of ours). */
const MAX_PASSWORD_BYTES = 256;

function digest(text: string): Buffer { return createHash('sha256').update(text, 'utf8').digest(); }

/** Constant-time equality of two texts (their SHA-256 digests are compared). */
export function sameSecret(a: string, b: string): boolean { return timingSafeEqual(digest(a), digest(b)); }

/** set::<name> as written (kept unvalidated in set.extra), or undefined. */
function setValue(cfg: TslinkConfig, name: string): string | undefined {
  return cfg.set.extra.find((n) => n.name === name)?.value;
}

/** set::plaintext-policy::oper: may a client without TLS (not from localhost) OPER? allow, warn, deny (UnrealIRCd's default). */
export function plaintextOperPolicy(cfg: TslinkConfig): 'allow' | 'warn' | 'deny' {
  const v = cfg.set.extra.find((n) => n.name === 'plaintext-policy')?.children?.find((c) => c.name === 'oper')?.value;
  return v === 'allow' || v === 'warn' ? v : 'deny';
}

export function operBlockOf(cfg: TslinkConfig, o: OperConfig): OperBlock {
  const block: OperBlock = {
    name: o.name,
    operclass: o.operclass,
    perms: DEFAULT_OPERCLASSES.get(o.operclass) ?? null,
    className: o.className,
    swhois: [...o.swhois],
    snomask: o.snomask ?? setValue(cfg, 'snomask-on-oper') ?? OPER_SNOMASK_DEFAULT,
    modes: o.modes ?? setValue(cfg, 'modes-on-oper') ?? '',
    requireModes: o.requireModes ?? '',
    maxLogins: o.maxLogins,
  };
  if (o.vhost !== undefined) block.vhost = o.vhost;
  return block;
}

export interface OperAuthDeps {
  config: () => TslinkConfig;
  log: Logger;
  /** The limits clients start from (the client side's configuration). */
  baseLimits: () => ClientLimits;
}

export class NodeOperAuthority implements OperAuthority {
  private readonly scrypt = new PasswordChecker(2);
  private readonly argon2 = new Argon2Verifier();
  constructor(private readonly deps: OperAuthDeps) {}

  private config(name: string): OperConfig | undefined { return this.deps.config().opers.find((o) => o.name === name); }

  find(name: string): OperBlock | undefined {
    const o = this.config(name);
    return o ? operBlockOf(this.deps.config(), o) : undefined;
  }

  matches(block: OperBlock, s: ClientSession): boolean {
    const o = this.config(block.name);
    return !!o && o.masks.some((m) => allowMaskMatches(m, s));
  }

  verify(block: OperBlock, s: ClientSession, password: string): boolean | Promise<boolean> {
    const o = this.config(block.name);
    if (!o) return false;
    const auth = o.auth;
    switch (auth.type) {
      case 'none': return true;
      case 'certfp': return s.info.certfp !== undefined && sameSecret(s.info.certfp.toLowerCase(), auth.fingerprint);
      case 'hash': {
        if (password === '' || Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return false;
        const check = auth.hash.startsWith('$argon2id$') ? this.argon2.check(password, auth.hash) : this.scrypt.check(password, auth.hash);
        return check.then((r) => {
          if (!r.ok && r.reason !== 'password mismatch') this.deps.log.warn({ event: 'OPER_HASH_UNCHECKED', oper_block: block.name, reason: r.reason }, `oper block ${block.name}: the password hash could not be checked: ${r.reason}`);
          return r.ok;
        });
      }
      default: return false;
    }
  }

  classLimits(className: string): ClientLimits | undefined {
    const cls = this.deps.config().classes[className];
    return cls ? classLimits(this.deps.baseLimits(), cls) : undefined;
  }

  plaintextPolicy(): 'allow' | 'warn' | 'deny' { return plaintextOperPolicy(this.deps.config()); }

  log(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, string>, msg: string): void {
    this.deps.log[level]({ event, ...fields }, msg);
  }

  async close(): Promise<void> { await this.argon2.close(); }
}
