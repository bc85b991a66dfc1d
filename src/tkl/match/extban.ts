// Extended server bans (UnrealIRCd 6: the extbans registered with the TKL option, which a
// G-line, K-line, shun or E-line can carry: TKL + G ~account: EvilUser ...).
//
// Facts: a mask is an extended ban when it starts with '~' and holds a ':' anywhere after it
// (a leading '%' for soft bans aside). The name is what lies between '~' and the FIRST ':'; one
// character is a letter form, longer is a name; the value is the rest, and must not be empty.
// TKL-capable extbans (letter / name): a account, A asn, S certfp, C country, c channel,
// O operclass, r realname, G security-group. Any other name (also UnrealIRCd's own channel-only
// ones such as ~text, ~time, ~quiet) never matches a server ban.
//   account:  "0" = every user not logged in, "*" = every user logged in, else a glob on the
//             account ("0" when not logged in, so '?' matches those too).
//   certfp:   exact compare with the user's certfp (as received: no case folding).
//   realname: match_esc() glob on the realname.
//   channel:  [prefix]glob: the user is in a channel matching the glob (match_esc), with at
//             least that status when a prefix is given (+ voice or more, % halfop or more, @ op,
//             & admin, ~ owner); a first character that is not '#' is taken as the prefix.
//   operclass: the user is an oper and its operclass matches the glob.
//   security-group: [!]name: in (or, with '!', not in) the security group.
//   country / asn: compared with GeoIP data. Divergence (issue 15): without GeoIP data for the user
//             they never match (UnrealIRCd treats such a user as country "*" and ASN 0).
import { compileGlob, foldText, type Glob } from './glob.ts';
import type { PreparedUser } from './user.ts';

export type ExtbanName = 'account' | 'asn' | 'certfp' | 'country' | 'channel' | 'operclass' | 'realname' | 'security-group';

export const EXTBAN_LETTERS: Readonly<Record<string, ExtbanName>> = {
  a: 'account', A: 'asn', S: 'certfp', C: 'country', c: 'channel', O: 'operclass', r: 'realname', G: 'security-group',
};
const NAMES = new Set<string>(Object.values(EXTBAN_LETTERS));

/** Answers ~security-group: (securityGroups.ts provides one). */
export interface GroupResolver {
  inGroup(name: string, pu: PreparedUser): boolean;
}

/** is_extended_server_ban(): '%'? '~' ... ':' ... */
export function isExtendedServerBan(s: string): boolean {
  let i = s.charCodeAt(0) === 37 /* % */ ? 1 : 0;
  if (s.charCodeAt(i) !== 126 /* ~ */) return false;
  return s.indexOf(':', i + 1) >= 0;
}

/** Split "~name:value" (no '%'): the extban it names (null = none that matches server bans) and the value; null when there is no value. */
export function splitExtban(s: string): { name: ExtbanName | null; raw: string; value: string } | null {
  const colon = s.indexOf(':');
  if (colon < 0 || colon + 1 >= s.length) return null;
  const raw = s.slice(1, colon);
  const name = raw.length === 1 ? EXTBAN_LETTERS[raw] ?? null : NAMES.has(raw) ? (raw as ExtbanName) : null;
  return { name, raw, value: s.slice(colon + 1) };
}

const STATUS_NEEDS: Readonly<Record<string, string>> = { '+': 'vhoaq', '%': 'hoaq', '@': 'oaq', '&': 'aq', '~': 'q' };

export interface CompiledExtban {
  readonly name: ExtbanName | null;
  readonly value: string;
  /** An index key for the value, when the extban can only match users holding that exact key. */
  readonly key: string | null;
  test(pu: PreparedUser, groups: GroupResolver | null): boolean;
}

const enum Op { Never, NotLoggedIn, LoggedIn, AccountGlob, Certfp, Realname, Country, Asn, Operclass, Channel, Group }

class Extban implements CompiledExtban {
  constructor(
    readonly name: ExtbanName | null,
    readonly value: string,
    readonly key: string | null,
    private readonly op: Op,
    private readonly glob: Glob | null = null,
    private readonly num = 0,
    /** Channel: the member modes of which one is needed ('' = none); group: the group name. */
    private readonly str = '',
    private readonly negate = false,
  ) {}

  test(pu: PreparedUser, groups: GroupResolver | null): boolean {
    switch (this.op) {
      case Op.Never: return false;
      case Op.NotLoggedIn: return !pu.loggedIn;
      case Op.LoggedIn: return pu.loggedIn;
      case Op.AccountGlob: return this.glob!.testFolded(pu.accountF);
      case Op.Certfp: return pu.certfp !== null && pu.certfp === this.value;
      case Op.Realname: return this.glob!.testFolded(pu.realnameF);
      case Op.Country: return pu.u.country != null && pu.u.country === this.value;
      case Op.Asn: return pu.u.asn != null && pu.u.asn === this.num;
      case Op.Operclass: return !!pu.u.oper && !!pu.u.operclass && this.glob!.test(pu.u.operclass);
      case Op.Channel: {
        const chans = pu.channelsF;
        if (chans === null) return false;
        const needs = this.str;
        for (let c = 0; c < chans.length; c++) {
          if (!this.glob!.testFolded(chans[c])) continue;
          if (!needs) return true;
          const modes = pu.u.channels![c].modes;
          for (let i = 0; i < modes.length; i++) if (needs.includes(modes[i])) return true;
        }
        return false;
      }
      case Op.Group: return groups ? groups.inGroup(this.str, pu) !== this.negate : this.negate;
    }
  }
}

/** Compile "~name:value" (without '%'). Anything that cannot match yields a matcher that never does. */
export function compileExtban(s: string): CompiledExtban {
  const sp = splitExtban(s);
  if (!sp || !sp.name) return new Extban(null, sp?.value ?? '', null, Op.Never);
  const { name, value } = sp;
  switch (name) {
    case 'account': {
      if (value === '0') return new Extban(name, value, null, Op.NotLoggedIn);
      if (value === '*') return new Extban(name, value, null, Op.LoggedIn);
      const g = compileGlob(value);
      return new Extban(name, value, g.kind === 'exact' && !g.spaceAsUnderscore ? 'a' + g.literal : null, Op.AccountGlob, g);
    }
    case 'certfp': return new Extban(name, value, 'c' + value, Op.Certfp);
    case 'realname': {
      const g = compileGlob(value, true);
      return new Extban(name, value, g.kind === 'exact' && !g.spaceAsUnderscore ? 'r' + g.literal : null, Op.Realname, g);
    }
    case 'country': return new Extban(name, value, 'C' + value, Op.Country);
    case 'asn': { const asn = strtoul(value); return new Extban(name, value, 'A' + asn, Op.Asn, null, asn); }
    case 'operclass': return new Extban(name, value, null, Op.Operclass, compileGlob(value));
    case 'channel': {
      let symbol = '';
      let mask = value;
      if (mask.charCodeAt(0) !== 35 /* # */) { symbol = mask[0]; mask = mask.slice(1); }
      const needs = symbol ? STATUS_NEEDS[symbol] : '';
      if (symbol && !needs) return new Extban(name, value, null, Op.Never); // unknown prefix: never
      return new Extban(name, value, null, Op.Channel, compileGlob(mask, true), 0, needs);
    }
    case 'security-group': {
      const negate = value.charCodeAt(0) === 33 /* ! */;
      return new Extban(name, value, null, Op.Group, null, 0, negate ? value.slice(1) : value, negate);
    }
  }
}

/** strtoul(s, NULL, 10) for what it keeps: leading decimal digits (after blanks and a sign), 0 when none. */
export function strtoul(s: string): number {
  const m = /^\s*\+?(\d+)/.exec(s);
  if (!m) return 0;
  const v = Number(m[1]);
  return v > 4294967295 ? 4294967295 : v;
}

/** Does the user's realname (folded) equal a key? Used to build index keys for users. */
export function realnameKey(realname: string): string {
  return 'r' + foldText(realname).c;
}

export type { Glob };
