// Test harness for driving the sans-I/O engine with real protocol lines.
// Not a test file itself (the runner only picks up *.test.ts).
import { Engine, type EngineOptions } from '../../src/s2s/engine.ts';
import type { Effect } from '../../src/s2s/effects.ts';
import type { LinkPolicy } from '../../src/s2s/link.ts';
import { splitTagsAndBody } from '../../src/wire/message.ts';
import { checkInvariants } from '../../src/state/digest.ts';

/** The hub user TS used in the captures (fixtures/unreal6/collision-uid-*.txt). */
export const T0 = 1795305734;
/** Clock start for tests: a little after T0. */
export const NOW0 = 1795305800;

export interface Clock { now: () => number; set(t: number): void; advance(d: number): void }
export function clock(start = NOW0): Clock {
  let t = start;
  return { now: () => t, set(v) { t = v; }, advance(d) { t += d; } };
}

export interface HubOpts extends Partial<EngineOptions> { clock?: Clock }

/** An engine playing the reference hub: hub.test / 001 (the captures' hub). */
export function hub(opts: HubOpts = {}): Engine & { clock: Clock } {
  const c = opts.clock ?? clock();
  const e = new Engine({
    me: { sid: '001', name: 'hub.test', info: 'Reference hub' },
    now: c.now,
    authorize: () => ({ ok: true, hub: '*' }),
    networkName: 'TestNet',
    ...opts,
  }) as Engine & { clock: Clock };
  e.clock = c;
  return e;
}

export const LEAF_CAPS = 'NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS';

export interface LeafOpts {
  id?: string; name?: string; sid?: string;
  /** Capability tokens for the first PROTOCTL line. */
  caps?: string;
  policy?: LinkPolicy;
  /** Burst lines sent by the leaf after SERVER (EOS is appended). */
  burst?: string[];
  eos?: boolean;
}

/** Link a scripted leaf (incoming) to `e` with a complete handshake; returns the link id. Drains. */
export function linkLeaf(e: Engine, o: LeafOpts = {}): string {
  const id = o.id ?? 'leaf';
  const name = o.name ?? 'leaf.test';
  const sid = o.sid ?? '0AA';
  e.linkUp(id, 'in', '127.0.0.1', o.policy);
  e.receive(id, 'PASS :linkpass');
  e.receive(id, `PROTOCTL EAUTH=${name},6100,Fhn6OoE,FakeLeaf-0.1`);
  e.receive(id, `PROTOCTL SERVERS=`);
  e.receive(id, `PROTOCTL ${o.caps ?? LEAF_CAPS}`);
  e.receive(id, `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ USERMODES=diopqrstwxzBDGHIRSTWZ BOOTED=${e.now() - 100} PREFIX=(qaohv)~&@%+ SID=${sid} MLOCK TS=${e.now()} EXTSWHOIS`);
  e.receive(id, 'PROTOCTL NICKCHARS= CHANNELCHARS=utf8');
  e.receive(id, `SERVER ${name} 1 :U6100-Fhn6OoE-${sid} Fake leaf`);
  for (const l of o.burst ?? []) e.receive(id, l);
  if (o.eos !== false) e.receive(id, `:${sid} EOS`);
  e.drain();
  return id;
}

/** Body (without tags) of every line sent on `link` in these effects. */
export function sentTo(effects: Effect[], link: string): string[] {
  const out: string[] = [];
  for (const ef of effects) if (ef.kind === 'send' && ef.link === link) out.push(splitTagsAndBody(ef.line).body);
  return out;
}

/** Drain and return the bodies sent per link. */
export function drainSent(e: Engine): Map<string, string[]> & { to(link: string): string[]; effects: Effect[] } {
  const effects = e.drain();
  const m = new Map<string, string[]>() as Map<string, string[]> & { to(link: string): string[]; effects: Effect[] };
  for (const ef of effects) {
    if (ef.kind !== 'send') continue;
    const arr = m.get(ef.link) ?? [];
    arr.push(splitTagsAndBody(ef.line).body);
    m.set(ef.link, arr);
  }
  m.to = (link: string) => m.get(link) ?? [];
  m.effects = effects;
  return m;
}

/** Feed lines from a link and return what was sent per link afterwards. */
export function feed(e: Engine, link: string, ...lines: string[]): ReturnType<typeof drainSent> {
  for (const l of lines) e.receive(link, l);
  return drainSent(e);
}

/** Feed local-origin lines and return what was sent per link afterwards. */
export function local(e: Engine, ...lines: string[]): ReturnType<typeof drainSent> {
  for (const l of lines) e.local(l);
  return drainSent(e);
}

/** A UID line. */
export function uid(sid: string, nick: string, ts: number, id: string, o: { ident?: string; host?: string; umodes?: string; vhost?: string; ip?: string; account?: string; real?: string } = {}): string {
  return `:${sid} UID ${nick} 0 ${ts} ${o.ident ?? nick.toLowerCase().slice(0, 10)} ${o.host ?? 'host.example'} ${id} ${o.account ?? '0'} ${o.umodes ?? '+i'} ${o.vhost ?? '*'} * ${o.ip ?? 'fwAAAQ=='} :${o.real ?? 'Real ' + nick}`;
}

export function assertInvariants(e: Engine): void {
  const bad = checkInvariants(e.net);
  if (bad.length) throw new Error('invariants violated:\n' + bad.join('\n'));
}

/** Logs of a given event in effects. */
export function logs(effects: Effect[], event?: string): Extract<Effect, { kind: 'log' }>[] {
  return effects.filter((x): x is Extract<Effect, { kind: 'log' }> => x.kind === 'log' && (event === undefined || x.event === event));
}

// ---------------------------------------------------------------- in-memory linking of engines

export interface Wire { a: Engine; b: Engine; aLink: string; bLink: string }

/**
 * Pump lines between linked engines until every engine is quiet (bounded).
 * `wires` lists the in-memory connections; each engine's effects are routed by link id.
 * `onStep` runs after every delivered line (e.g. invariant checks).
 *
 * It never hangs: more than `maxSteps` deliveries, more than `maxQueued` lines in flight, or more
 * than `maxMs` of wall time (a test runner's { timeout } cannot stop a synchronous loop) throws,
 * naming the limit and the last lines delivered (a relay loop shows up there).
 */
export function pump(engines: Engine[], wires: Wire[], opts: { maxSteps?: number; maxQueued?: number; maxMs?: number; onStep?: () => void; closed?: Set<string>; burstBudget?: number } = {}): number {
  const max = opts.maxSteps ?? 200000;
  const maxQueued = opts.maxQueued ?? 200000;
  const deadline = Date.now() + (opts.maxMs ?? PUMP_MAX_MS);
  // A FIFO with a moving head (shift() on a long array is linear per call).
  const queue: { to: Engine; link: string; line: string }[] = [];
  let head = 0;
  let steps = 0;
  const recent: string[] = [];
  const fail = (why: string): never => {
    throw new Error(`pump: ${why} after ${steps} steps, ${queue.length - head} lines in flight; last lines delivered:\n${recent.join('\n')}`);
  };
  const route = (from: Engine, effects: Effect[]) => {
    for (const ef of effects) {
      if (ef.kind === 'send') {
        const w = wires.find((x) => (x.a === from && x.aLink === ef.link) || (x.b === from && x.bLink === ef.link));
        if (!w) continue;
        const [to, link] = w.a === from ? [w.b, w.bLink] : [w.a, w.aLink];
        queue.push({ to, link, line: ef.line });
      } else if (ef.kind === 'close') {
        const w = wires.find((x) => (x.a === from && x.aLink === ef.link) || (x.b === from && x.bLink === ef.link));
        if (w) {
          const [to, link] = w.a === from ? [w.b, w.bLink] : [w.a, w.aLink];
          opts.closed?.add(`${link}`);
          // The transport closes: the other side sees the connection drop after what was queued.
          queue.push({ to, link, line: '\u0000CLOSE' });
        }
      }
    }
    if (queue.length - head > maxQueued) fail(`more than ${maxQueued} lines in flight`);
  };
  for (const e of engines) route(e, e.drain());
  // An engine with streamBurst writes its bursts as its links "drain": here, a part of each
  // whenever no line is in flight (opts.burstBudget bytes, default 4096).
  const moreBurst = (): boolean => {
    let any = false;
    for (const e of engines) {
      for (const id of [...e.links.keys()]) {
        if (!e.bursting(id)) continue;
        e.burstMore(id, opts.burstBudget ?? 4096);
        route(e, e.drain());
        any = true;
      }
    }
    return any;
  };
  while (head < queue.length || moreBurst()) {
    if (head >= queue.length) continue;
    if (++steps > max) fail('no quiescence');
    if ((steps & 255) === 0 && Date.now() > deadline) fail(`no quiescence within ${opts.maxMs ?? PUMP_MAX_MS} ms`);
    const { to, link, line } = queue[head];
    queue[head++] = undefined as never;
    if (head > 4096 && head * 2 > queue.length) { queue.splice(0, head); head = 0; }
    recent.push(`${to.me.name}/${link} < ${line.slice(0, 160)}`);
    if (recent.length > 12) recent.shift();
    if (line === '\u0000CLOSE') to.linkDown(link, 'Connection closed');
    else to.receive(link, line);
    route(to, to.drain());
    opts.onStep?.();
  }
  return steps;
}

/** pump()'s default wall-clock budget. */
export const PUMP_MAX_MS = 10_000;

/**
 * The { timeout } for the s2s/props test files. It fails a test that waits (timers, I/O); a
 * synchronous loop cannot be interrupted by it, which is why pump() and the properties' loops have
 * their own bounds, and why assertNoBareOk() exists.
 */
export const TEST_TIMEOUT = 60_000;

/**
 * The lines of `file` that call assert.ok()/assert() with no message. When such an assertion fails,
 * node:assert builds the message by reading the test's source at the position in the stack, which
 * under tsx is the transpiled position: it re-parses the source with acorn from every token before
 * it, for minutes in a long file (a failing `assert.ok(x)` near the end of commands.test.ts took
 * over 150 s, synchronously, so no test timeout could stop it). Every assert.ok() gets a message.
 */
export async function bareAssertOkLines(file: string): Promise<number[]> {
  const ts = (await import('typescript')).default;
  const { readFileSync } = await import('node:fs');
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: number[] = [];
  const visit = (n: import('typescript').Node): void => {
    if (ts.isCallExpression(n)) {
      const callee = n.expression.getText(src);
      if (/^(?:assert|assert\.ok|assert\.strict|assert\.strict\.ok)$/.test(callee) && n.arguments.length < 2) out.push(src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

/** Link engine `a` (outgoing) to engine `b` (incoming) in memory. Returns the wire; call pump() to run it. */
export function connect(a: Engine, b: Engine, aLink: string, bLink: string, policy: { a?: LinkPolicy; b?: LinkPolicy } = {}): Wire {
  a.linkUp(aLink, 'out', '', policy.a);
  b.linkUp(bLink, 'in', '', policy.b);
  return { a, b, aLink, bLink };
}
