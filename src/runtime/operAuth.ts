// The node's oper { } blocks for the client side's OPER (src/client/oper.ts OperAuthority): the
// block by name, its masks (as allow { } masks match), and its password check. Hashes ($scrypt$,
// UnrealIRCd's $argon2id$) are checked off the event loop, a bounded number at once; a certfp is
// compared in constant time through SHA-256 digests. There is no plaintext password: the
// configuration refuses one (config/rules.ts). Blocks are read from the configuration at each
// OPER (a rehash applies).
import type { OperConfig, TslinkConfig } from '../config/index.ts';
import { DEFAULT_OPERCLASSES, OPER_SNOMASK_DEFAULT } from '../config/operclasses.ts';
import type { OperAuthority, OperBlock } from '../client/oper.ts';
import type { ClientSession } from '../client/session.ts';
import type { ClientLimits } from '../client/config.ts';
import { SecretVerifier, sameSecret, uncheckable } from './secretVerifier.ts';
import { allowMaskMatches, classLimits } from './clientAdmission.ts';
import type { Logger } from './logger.ts';

export { sameSecret } from './secretVerifier.ts';

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
  /** The hash checks (shared with allow::password, so their bound is the node's); a private one when absent. */
  verifier?: SecretVerifier;
}

export class NodeOperAuthority implements OperAuthority {
  private readonly verifier: SecretVerifier;
  private readonly ownVerifier: boolean;
  constructor(private readonly deps: OperAuthDeps) {
    this.ownVerifier = deps.verifier === undefined;
    this.verifier = deps.verifier ?? new SecretVerifier();
  }

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
        if (uncheckable(password)) return false;
        return this.verifier.check(password, auth.hash).then((r) => {
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

  async close(): Promise<void> { if (this.ownVerifier) await this.verifier.close(); }
}
