// Connection rules ("crule") as UnrealIRCd 6 writes them in security-group { rule ...; } and
// spamfilter { rule ...; }: the subset that can be decided from a user record (pure).
//
// Grammar (the facts): rule := or END (END: end of text or ':'); or := and ('||' or)?;
// and := primary ('&&' and)?; primary := '!' primary | '(' or ')' | function;
// function := word '(' [word (',' word)*] ')' [('==' | '<' | '>') number]. A word is letters,
// digits and * ? . - _ , or anything between single quotes. A function's value is a number; with
// a comparison the primary is true when it holds, without one when the value is not 0.
// Functions tslink evaluates: online_time(), reputation(), is_identified(), is_tls(),
// is_webirc(), is_websocket(), is_away(), has_user_mode(m), in_security_group(g), in_channel(c),
// match_mask(m), match_ip(m), match_account(a), match_country(c), match_asn(n),
// match_certfp(f), match_realname(r). The ones about the network or the connection state
// (connected, directcon, via, directop, tag, cap_version, cap_set, destination,
// has_channel_mode) are refused when the rule is compiled.
import type { GroupResolver } from './match/extban.ts';
import { compileExtban } from './match/extban.ts';
import { compileGlob } from './match/glob.ts';
import { compileUserMask } from './match/userMask.ts';
import type { PreparedUser } from './match/user.ts';

export interface CruleContext {
  pu: PreparedUser;
  groups: GroupResolver | null;
  /** Unix time now (online_time). */
  now: number;
}

type Node =
  | { t: 'and' | 'or'; a: Node; b: Node }
  | { t: 'not'; a: Node }
  | { t: 'fn'; name: string; fn: (ctx: CruleContext) => number; cmp: '' | '==' | '<' | '>'; value: number };

export class CruleError extends Error {}

const ARGS: Record<string, number> = {
  online_time: 0, reputation: 0, is_identified: 0, is_tls: 0, is_webirc: 0, is_websocket: 0, is_away: 0,
  has_user_mode: 1, in_security_group: 1, in_channel: 1, inchannel: 1, match_mask: 1, match_ip: 1, match_account: 1,
  match_country: 1, match_asn: 1, match_certfp: 1, match_realname: 1,
};
const UNSUPPORTED = new Set(['connected', 'directcon', 'via', 'directop', 'tag', 'cap_version', 'cap_set', 'destination', 'has_channel_mode']);

function makeFn(name: string, args: string[]): (ctx: CruleContext) => number {
  const a = args[0] ?? '';
  switch (name) {
    case 'online_time': return (c) => (c.pu.u.connectedAt ? c.now - c.pu.u.connectedAt : 0);
    case 'reputation': return (c) => c.pu.u.reputation ?? 0;
    case 'is_identified': return (c) => (c.pu.loggedIn ? 1 : 0);
    case 'is_tls': return (c) => (c.pu.u.tls ? 1 : 0);
    case 'is_webirc': return (c) => (c.pu.u.webirc ? 1 : 0);
    case 'is_websocket': return (c) => (c.pu.u.websocket ? 1 : 0);
    case 'is_away': return (c) => (c.pu.u.away ? 1 : 0);
    case 'has_user_mode': return (c) => (a !== '' && [...a].every((m) => (c.pu.u.umodes ?? '').includes(m)) ? 1 : 0);
    case 'in_security_group': return (c) => (c.groups?.inGroup(a, c.pu) ? 1 : 0);
    case 'in_channel': case 'inchannel': { const e = compileExtban(`~channel:${a}`); return (c) => (e.test(c.pu, c.groups) ? 1 : 0); }
    case 'match_mask': { const m = compileUserMask(a); return (c) => (m.test(c.pu, c.groups) ? 1 : 0); }
    case 'match_ip': { const m = compileUserMask(a, true); return (c) => (m.test(c.pu) ? 1 : 0); }
    case 'match_account': case 'match_country': case 'match_asn': case 'match_certfp': {
      const e = compileExtban(`~${name.slice(6)}:${a}`);
      return (c) => (e.test(c.pu, c.groups) ? 1 : 0);
    }
    case 'match_realname': { const g = compileGlob(a); return (c) => (g.testFolded(c.pu.realnameF) ? 1 : 0); }
  }
  throw new CruleError(`Unknown function ${name}`);
}

const WORD = /[A-Za-z0-9*?.\-_]/;

/** Parse a rule; throws CruleError with UnrealIRCd's wording for syntax errors. */
export function compileCrule(text: string): Crule {
  let i = 0;
  const peekTok = (): string => {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length || text[i] === ':') return 'END';
    const two = text.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === '==') return two;
    const c = text[i];
    if ('!(),<>'.includes(c)) return c;
    if (WORD.test(c) || c === "'") return 'WORD';
    throw new CruleError('Unknown token');
  };
  const eat = (tok: string): void => { peekTok(); i += tok.length; };
  const word = (): string => {
    peekTok();
    if (text[i] === "'") {
      const end = text.indexOf("'", i + 1);
      const w = end < 0 ? text.slice(i + 1) : text.slice(i + 1, end);
      i = end < 0 ? text.length : end + 1;
      return w;
    }
    const s = i;
    while (i < text.length && WORD.test(text[i])) i++;
    return text.slice(s, i);
  };
  const orExpr = (): Node => {
    const a = andExpr();
    if (peekTok() === '||') { eat('||'); return { t: 'or', a, b: orExpr() }; }
    return a;
  };
  const andExpr = (): Node => {
    const a = primary();
    if (peekTok() === '&&') { eat('&&'); return { t: 'and', a, b: andExpr() }; }
    return a;
  };
  const primary = (): Node => {
    const tok = peekTok();
    if (tok === '!') { eat('!'); return { t: 'not', a: primary() }; }
    if (tok === '(') {
      eat('(');
      const n = orExpr();
      if (peekTok() !== ')') throw new CruleError(') expected');
      eat(')');
      return n;
    }
    if (tok !== 'WORD') throw new CruleError('Primary expected');
    const name = word().toLowerCase();
    if (peekTok() !== '(') throw new CruleError('( expected');
    eat('(');
    const args: string[] = [];
    if (peekTok() !== ')') {
      for (;;) {
        if (peekTok() !== 'WORD') throw new CruleError('Unexpected token');
        args.push(word());
        if (peekTok() === ',') { eat(','); continue; }
        break;
      }
    }
    if (peekTok() !== ')') throw new CruleError(') expected');
    eat(')');
    if (UNSUPPORTED.has(name)) throw new CruleError(`Function ${name}() is about the network or the connection and is not supported here`);
    if (!(name in ARGS)) throw new CruleError('Unknown function');
    if (ARGS[name] !== args.length) throw new CruleError('Argument mismatch');
    let cmp: '' | '==' | '<' | '>' = '';
    let value = 0;
    const next = peekTok();
    if (next === '==' || next === '<' || next === '>') {
      eat(next);
      cmp = next;
      if (peekTok() !== 'WORD') throw new CruleError('Missing value in comparisson');
      value = parseInt(word(), 10) || 0;
    }
    return { t: 'fn', name, fn: makeFn(name, args), cmp, value };
  };
  const root = orExpr();
  if (peekTok() !== 'END') throw new CruleError('Unexpected token');
  return new Crule(text, root);
}

export class Crule {
  constructor(readonly text: string, private readonly root: Node) {}
  eval(ctx: CruleContext): boolean { return evalNode(this.root, ctx); }
}

function evalNode(n: Node, ctx: CruleContext): boolean {
  switch (n.t) {
    case 'and': return evalNode(n.a, ctx) && evalNode(n.b, ctx);
    case 'or': return evalNode(n.a, ctx) || evalNode(n.b, ctx);
    case 'not': return !evalNode(n.a, ctx);
    case 'fn': {
      const v = n.fn(ctx);
      return n.cmp === '==' ? v === n.value : n.cmp === '<' ? v < n.value : n.cmp === '>' ? v > n.value : v !== 0;
    }
  }
}
