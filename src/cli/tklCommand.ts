// tslink tkl list|add|del|export|import: the network bans in a stopped node's store.
//
// The same code as the running node's: the store is loaded into an engine (what expired is
// dropped), `add` and `del` are the JSON-RPC methods themselves (server_ban.add, name_ban.del,
// spamfilter.add ... with their checks) run against that engine, `import` feeds each object as the
// TKL line that adds it through the engine (the checks a peer's TKL gets, and UnrealIRCd's rule
// for an entry that exists already), and the engine's changes go to the store as the node's do
// (a removal leaves a tombstone, so a peer's burst does not bring the ban back).
// `list --json` and `export` write UnrealIRCd's ban objects (server_ban.list and friends), one
// JSON object a line; `import` reads them back (src/tkl/tklJson.ts says which fields).
// While a node runs on the data directory (its pid file names a live process), writes are refused.
import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadConfigFile } from '../config/index.ts';
import { Engine } from '../s2s/engine.ts';
import type { Effect } from '../s2s/effects.ts';
import { openLmdbStore } from '../store/lmdbStore.ts';
import { StoreOpenError, type Store } from '../store/types.ts';
import { applyTklEffect, dataDirOf, loadStoreInto, nodePidFile, runningNodePid } from '../runtime/nodeStore.ts';
import type { RpcCaller, RpcNode } from '../rpc/api.ts';
import { RpcError } from '../rpc/errors.ts';
import type { JsonObject } from '../rpc/objects.ts';
import { StateView } from '../rpc/stateView.ts';
import { serverBanMethods } from '../rpc/methods/serverBan.ts';
import { nameBanMethods } from '../rpc/methods/nameBan.ts';
import { spamfilterMethods } from '../rpc/methods/spamfilter.ts';
import type { MethodCtx, MethodSpec } from '../rpc/methods/types.ts';
import type { RpcSession } from '../rpc/session.ts';
import { tklLineFromJson } from '../tkl/tklJson.ts';

export const TKL_USAGE = `usage: tslink tkl <command> [--data-dir DIR | --config FILE] ...   (the node must be stopped)
  list [--json]                      every ban; --json: one UnrealIRCd ban object a line
  add TYPE NAME --reason TEXT [--duration D | --expire-at ISO] [--set-by WHO]
      TYPE gline|gzline|shun NAME [%]user@host or ~account:x ...
      TYPE except NAME as for gline, --exception-types LETTERS (e.g. GZs)
      TYPE qline NAME a nick mask
      TYPE spamfilter NAME the match string, --match-type simple|regex --targets cp --action block [--ban-duration D]
  del TYPE NAME [--set-by WHO] [spamfilter: --match-type --targets --action]
  export [--out FILE]                every ban as JSON lines (as list --json)
  import FILE|-                      add the bans of a JSON lines file (as export writes them); nothing is
                                     imported when a line is wrong
--data-dir DIR: the data directory (default .tslink-data); --config FILE: the one its set::data-directory names.
`;

/** Options that take a value, and the RPC parameter each one is. */
const PARAM_OPTIONS = new Map([
  ['--reason', 'reason'], ['--duration', 'duration_string'], ['--expire-at', 'expire_at'], ['--set-by', 'set_by'],
  ['--exception-types', 'exception_types'], ['--match-type', 'match_type'], ['--targets', 'spamfilter_targets'],
  ['--action', 'ban_action'], ['--ban-duration', 'ban_duration'],
]);
const OTHER_VALUE_OPTIONS = new Set(['--data-dir', '--config', '--out']);

interface Args { command: string; positional: string[]; options: Map<string, string>; json: boolean }

function parseArgs(args: string[]): Args | string {
  const [command, ...rest] = args;
  const positional: string[] = [];
  const options = new Map<string, string>();
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--json') { json = true; continue; }
    if (PARAM_OPTIONS.has(a) || OTHER_VALUE_OPTIONS.has(a)) {
      const v = rest[i + 1];
      if (v === undefined) return `${a} needs a value`;
      options.set(a, v);
      i++;
      continue;
    }
    if (a.startsWith('--')) return `unknown option ${a}`;
    positional.push(a);
  }
  return { command: command ?? '', positional, options, json };
}

/** Which RPC method group a TYPE word belongs to. */
function groupOf(type: string): { prefix: string; param?: string } | string {
  if (['gline', 'gzline', 'shun', 'kline', 'zline'].includes(type)) return { prefix: 'server_ban', param: type };
  if (type === 'except') return { prefix: 'server_ban_exception' };
  if (type === 'qline') return { prefix: 'name_ban' };
  if (type === 'spamfilter') return { prefix: 'spamfilter' };
  return `unknown type '${type}' (gline, gzline, shun, except, qline, spamfilter)`;
}

const METHODS = new Map<string, MethodSpec>([...serverBanMethods, ...nameBanMethods, ...spamfilterMethods].map((m) => [m.name, m]));
const LISTS = ['server_ban.list', 'server_ban_exception.list', 'name_ban.list', 'spamfilter.list'];

/** The stopped node: its store loaded into an engine, and what the RPC methods need of a node. */
class OfflineNode {
  readonly engine: Engine;
  readonly caller: RpcCaller = { name: 'tslink-tkl', user: '<local>', rpcClass: 'full', transport: 'unix', remote: 'unix:tslink-tkl', id: 'tkl', connectedAt: Date.now() };
  /** TKL_IGNORED reasons of the last line fed. */
  ignored: string[] = [];

  constructor(readonly store: Store, name: string) {
    this.engine = new Engine({ me: { sid: '000', name, info: 'tslink tkl' } });
  }

  /** A TKL line of our own through the engine; its changes go to the store. */
  local(line: string): void {
    this.ignored = [];
    this.engine.local(line);
    for (const ef of this.engine.drain()) this.apply(ef);
  }

  private apply(ef: Effect): void {
    if (ef.kind === 'tkl') applyTklEffect(this.store, ef, this.engine.now());
    else if (ef.kind === 'log' && (ef.event === 'TKL_IGNORED' || ef.event === 'ENGINE_EXCEPTION')) this.ignored.push(ef.msg);
  }

  /** The RPC node the methods see (only what the ban methods use is there). */
  rpcNode(): RpcNode {
    const unavailable = (): never => { throw new Error('not available offline'); };
    return {
      engine: this.engine, local: (line) => this.local(line), meFacts: unavailable, linkBlock: () => undefined, denyLinkReason: () => null,
      connect: unavailable, rehash: unavailable, subscribeLog: () => () => {}, audit: () => {}, links: () => [], startedAt: Date.now(),
    };
  }

  call(method: string, params: JsonObject): JsonObject {
    const spec = METHODS.get(method);
    if (!spec) throw new Error(`no method ${method}`);
    const node = this.rpcNode();
    const ctx: MethodCtx = { node, caller: this.caller, session: null as unknown as RpcSession, view: new StateView(node) };
    return spec.call(ctx, params) as JsonObject;
  }

  list(): JsonObject[] {
    return LISTS.flatMap((m) => this.call(m, {}).list as JsonObject[]);
  }
}

function describe(o: JsonObject): string {
  const expires = o.expire_at === null ? 'permanent' : `expires ${String(o.expire_at_string)}`;
  const extra = o.type === 'except' ? ` [exempt from ${String(o.exception_types)}]` : o.type === 'spamfilter' ? ` [${String(o.match_type)}, targets ${String(o.spamfilter_targets)}, action ${String(o.ban_action)}]` : '';
  return `${String(o.type_string)} ${String(o.name)}${extra}  set by ${String(o.set_by)} at ${String(o.set_at_string)}, ${expires}: ${String(o.reason)}`;
}

async function readJsonLines(file: string): Promise<string[]> {
  const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  const lines: string[] = [];
  for await (const l of createInterface({ input, crlfDelay: Infinity })) lines.push(l);
  return lines;
}

/** Where the command writes (tests pass their own). */
export interface Io { out(s: string): void; err(s: string): void }
const STDIO: Io = { out: (s) => { process.stdout.write(s); }, err: (s) => { process.stderr.write(s); } };

export async function tklCommand(argv: string[], io: Io = STDIO): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) { io.out(TKL_USAGE); return argv.length === 0 ? 2 : 0; }
  const a = parseArgs(argv);
  const fail = (msg: string, code = 2): number => { io.err(`tslink tkl: ${msg}\n${code === 2 ? TKL_USAGE : ''}`); return code; };
  if (typeof a === 'string') return fail(a);
  if (!['list', 'add', 'del', 'export', 'import'].includes(a.command)) return fail(`unknown command '${a.command}'`);
  const writes = a.command === 'add' || a.command === 'del' || a.command === 'import';

  // Where the store is, and our server name (the source of our TKL lines).
  let dataDir = a.options.get('--data-dir');
  let name = 'tslink.offline';
  const configFile = a.options.get('--config');
  if (configFile) {
    const res = loadConfigFile(configFile);
    if (res.errors.length) return fail(`${configFile}: ${res.errors.map((e) => e.text).join('; ')}`, 1);
    dataDir ??= res.config!.set.dataDirectory;
    name = res.config!.me.name;
  }
  const dir = dataDirOf(dataDir);
  const pid = runningNodePid(nodePidFile(dir));
  if (pid !== null && pid !== process.pid && writes) return fail(`a node (pid ${pid}) is running on ${dir}: stop it first (a running node takes bans through its JSON-RPC API)`, 1);

  let store: Store;
  try { store = openLmdbStore(dir); } catch (e) { return fail(e instanceof StoreOpenError ? e.message : `cannot open the store in ${dir}: ${(e as Error).message}`, 1); }
  const node = new OfflineNode(store, name);
  try {
    loadStoreInto(store, node.engine.tkl, node.engine.now());
    return await run(a, node, io, fail);
  } catch (e) {
    if (e instanceof RpcError || e instanceof Error) return fail(e.message, 1);
    throw e;
  } finally {
    await store.close();
  }
}

async function run(a: Args, node: OfflineNode, io: Io, fail: (msg: string, code?: number) => number): Promise<number> {
  const out = io.out;
  switch (a.command) {
    case 'list': {
      const list = node.list();
      if (a.json) { for (const o of list) out(`${JSON.stringify(o)}\n`); return 0; }
      for (const o of list) out(`${describe(o)}\n`);
      const st = node.store.status();
      out(`${list.length} ban(s); ${st.counts.tombstones} removal(s) remembered\n`);
      return 0;
    }
    case 'export': {
      const text = node.list().map((o) => `${JSON.stringify(o)}\n`).join('');
      const file = a.options.get('--out');
      if (file) { writeFileSync(file, text, { mode: 0o600 }); io.err(`${text ? text.split('\n').length - 1 : 0} ban(s) written to ${file}\n`); } else out(text);
      return 0;
    }
    case 'add': case 'del': {
      const [type, name] = a.positional;
      if (!type || !name || a.positional.length > 2) return fail(`${a.command} needs TYPE and NAME`);
      const g = groupOf(type);
      if (typeof g === 'string') return fail(g);
      const params: JsonObject = { name };
      if (g.param) params.type = g.param;
      for (const [opt, param] of PARAM_OPTIONS) { const v = a.options.get(opt); if (v !== undefined) params[param] = v; }
      const r = node.call(`${g.prefix}.${a.command}`, params);
      await node.store.flush();
      if (node.store.status().state !== 'ok') return fail(`the store could not be written: ${node.store.status().error?.message ?? ''}`, 1);
      out(`${a.command === 'add' ? 'added' : 'removed'}: ${describe(r.tkl as JsonObject)}\n`);
      return 0;
    }
    case 'import': {
      const [file] = a.positional;
      if (!file || a.positional.length > 1) return fail('import needs one FILE (or - for standard input)');
      const lines = await readJsonLines(file);
      const tkl: { n: number; line: string }[] = [];
      const errors: string[] = [];
      lines.forEach((text, i) => {
        if (text.trim() === '') return;
        try { tkl.push({ n: i + 1, line: tklLineFromJson(JSON.parse(text)) }); } catch (e) { errors.push(`${file}:${i + 1}: ${(e as Error).message}`); }
      });
      // Checked by the engine too (what a peer's TKL line would get), before anything is kept.
      const check = new Engine({ me: { sid: '000', name: node.engine.me.name, info: '' } });
      for (const t of tkl) {
        check.local(`:${node.engine.me.name} ${t.line}`);
        const why = check.drain().filter((ef) => ef.kind === 'log' && ef.event === 'TKL_IGNORED').map((ef) => (ef.kind === 'log' ? ef.msg : ''));
        if (why.length) errors.push(`${file}:${t.n}: ${why.join('; ')}`);
      }
      if (errors.length) { for (const e of errors) io.err(`${e}\n`); return fail(`${errors.length} bad line(s): nothing imported`, 1); }
      const before = node.engine.tkl.size;
      for (const t of tkl) node.local(`:${node.engine.me.name} ${t.line}`);
      await node.store.flush();
      if (node.store.status().state !== 'ok') return fail(`the store could not be written: ${node.store.status().error?.message ?? ''}`, 1);
      const added = node.engine.tkl.size - before;
      out(`${tkl.length} ban(s) read: ${added} new, ${tkl.length - added} already held (merged as UnrealIRCd merges a ban it has)\n`);
      return 0;
    }
  }
  return fail(`unknown command '${a.command}'`);
}
