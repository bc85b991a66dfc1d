// The connection-rule language of `deny link { rule "..."; }` (UnrealIRCd's crule subset that
// depends on the server tree): connected(mask), directcon(mask), via(viamask, mask), with !,
// && , || and parentheses. Parsed at config load (errors with file:line) and evaluated by the node.
export type RuleNode =
  | { op: 'call'; fn: string; args: string[] }
  | { op: 'not'; a: RuleNode }
  | { op: 'and' | 'or'; a: RuleNode; b: RuleNode };

/** Parse a rule; throws Error with a message on a syntax error. */
export function parseRule(text: string): RuleNode {
  const toks = text.match(/\s*(\|\||&&|!|\(|\)|,|[^\s()!,&|]+)/g)?.map((t) => t.trim()).filter(Boolean) ?? [];
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const expr = (): RuleNode => {
    let a: RuleNode = term();
    while (peek() === '||') { next(); a = { op: 'or', a, b: term() }; }
    return a;
  };
  const term = (): RuleNode => {
    let a: RuleNode = factor();
    while (peek() === '&&') { next(); a = { op: 'and', a, b: factor() }; }
    return a;
  };
  const factor = (): RuleNode => {
    const t = next();
    if (t === '!') return { op: 'not', a: factor() };
    if (t === '(') { const e = expr(); if (next() !== ')') throw new Error('missing )'); return e; }
    if (!t || !/^[a-z]+$/i.test(t)) throw new Error(`unexpected ${t ?? 'end of rule'}`);
    const fn = t.toLowerCase();
    if (!['connected', 'directcon', 'via'].includes(fn)) throw new Error(`unknown rule function ${fn}()`);
    if (next() !== '(') throw new Error(`${fn} needs (`);
    const args: string[] = [];
    while (peek() !== ')') {
      const a = next();
      if (a === undefined) throw new Error('missing )');
      if (a !== ',') args.push(a);
    }
    next();
    if ((fn === 'via' && args.length !== 2) || (fn !== 'via' && args.length !== 1)) throw new Error(`${fn}() takes ${fn === 'via' ? 2 : 1} argument(s)`);
    return { op: 'call', fn, args };
  };
  const root = expr();
  if (i < toks.length) throw new Error(`unexpected ${toks[i]}`);
  return root;
}

