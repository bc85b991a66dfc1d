// tslink status | links | map | connect NAME | squit NAME [REASON] | rehash | rpc METHOD [JSON]:
// an operator's commands over the node's JSON-RPC unix socket (as UnrealIRCd's ./unrealircd
// rehash talks to its running server). The socket is --socket PATH, else the first
// listen { file ...; options { rpc; } } of --config FILE (in its data directory), else
// DATA/rpc.socket with DATA from --data-dir (default .tslink-data).
import * as net from 'node:net';
import { resolve } from 'node:path';
import { loadConfigFile } from '../config/index.ts';
import { rpcListeners, rpcSocketPath } from './nodeAdapter.ts';

export const RPC_CLI_COMMANDS = ['status', 'links', 'map', 'connect', 'squit', 'rehash', 'rpc'];

const USAGE = `usage: tslink status | links | map [--json]
       tslink connect NAME
       tslink squit NAME [REASON]
       tslink rehash
       tslink rpc METHOD [JSON-PARAMS]
options: --socket PATH | --config FILE | --data-dir DIR   (which node: its rpc unix socket)
         --timeout SECONDS                                (default 10; rehash 60)
`;

export interface CliIo { out: (s: string) => void; err: (s: string) => void }
const defaultIo: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
class CliError extends Error { constructor(message: string, readonly code = 1) { super(message); } }

/** One call over the unix socket: the response (log events in between are skipped). */
export function callSocket(path: string, method: string, params: Json, timeoutMs: number): Promise<Obj> {
  return new Promise((resolveCall, reject) => {
    const id = Math.floor(Math.random() * 1e9);
    const s = net.connect({ path });
    let buf = '';
    const timer = setTimeout(() => { s.destroy(); reject(new CliError(`no answer from ${path} within ${timeoutMs / 1000} s`)); }, timeoutMs);
    const done = (f: () => void) => { clearTimeout(timer); s.destroy(); f(); };
    s.setEncoding('utf8');
    s.once('connect', () => s.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n'));
    s.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: Obj;
        try { msg = JSON.parse(line) as Obj; } catch { done(() => reject(new CliError(`not JSON from ${path}: ${line.slice(0, 200)}`))); return; }
        if (msg.id === id || (msg.id === undefined && msg.error)) { done(() => resolveCall(msg)); return; }
      }
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'no such socket (is the node running, with listen { file "rpc.socket"; options { rpc; } }?)'
        : err.code === 'EACCES' ? 'permission denied (the socket is its owner\'s only: run as the user the node runs as)'
          : err.code === 'ECONNREFUSED' ? 'nothing listens there (a stale socket: is the node running?)' : err.message;
      done(() => reject(new CliError(`cannot connect to ${path}: ${why}`)));
    });
    s.once('close', () => done(() => reject(new CliError(`${path} closed the connection without an answer`))));
  });
}

interface Options { socket?: string; config?: string; dataDir?: string; timeout?: number; json: boolean; args: string[] }

function parseArgs(argv: string[]): Options {
  const o: Options = { json: false, args: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v === '') throw new CliError(`${a} needs a value`, 2);
      return v;
    };
    if (a === '--socket') o.socket = value();
    else if (a === '--config') o.config = value();
    else if (a === '--data-dir') o.dataDir = value();
    else if (a === '--timeout') {
      const t = Number(value());
      if (!Number.isFinite(t) || t <= 0 || t > 3600) throw new CliError('--timeout takes seconds, 1 to 3600', 2);
      o.timeout = t;
    } else if (a === '--json') o.json = true;
    else if (a.startsWith('--')) throw new CliError(`unknown option ${a}`, 2);
    else o.args.push(a);
  }
  return o;
}

/** The socket a command talks to. */
export function socketPathFor(o: { socket?: string; config?: string; dataDir?: string }): string {
  if (o.socket) return resolve(o.socket);
  if (o.config) {
    const res = loadConfigFile(o.config);
    if (!res.config) throw new CliError(`${o.config} has errors:\n${res.errors.map((e) => `  ${e.text}`).join('\n')}`);
    const l = rpcListeners(res.config).find((x) => x.file !== undefined);
    if (!l) throw new CliError(`${o.config} has no listen { file "rpc.socket"; options { rpc; } } block`);
    return rpcSocketPath(l, resolve(res.config.set.dataDirectory ?? o.dataDir ?? '.tslink-data'));
  }
  return resolve(o.dataDir ?? '.tslink-data', 'rpc.socket');
}

const obj = (v: Json | undefined): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

function duration(secs: number): string {
  const d = Math.floor(secs / 86400), h = Math.floor(secs / 3600) % 24, m = Math.floor(secs / 60) % 60, s = secs % 60;
  return `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || secs === 0 ? `${s}s` : ''}`;
}

function linkLines(list: Json[]): string[] {
  if (list.length === 0) return ['  (no links)'];
  return list.map((x) => {
    const l = obj(x);
    const burst = typeof l.burst_ms === 'number' ? `burst ${l.burst_ms} ms` : l.synced_at ? 'synced' : l.phase === 'linked' ? 'bursting' : String(l.phase);
    const sendq = typeof l.sendq === 'number' ? `sendq ${l.sendq}${typeof l.sendq_max === 'number' ? `/${l.sendq_max}` : ''}` : '';
    return `  ${String(l.name)}${l.sid ? ` (${String(l.sid)})` : ''}  ${String(l.direction)}  ${String(l.address)}  ${String(l.phase)}  ${burst}${sendq ? `  ${sendq}` : ''}`;
  });
}

/** The store's line of `tslink status`: persisting, or running from memory since a write failed. */
export function storeLine(st: Obj): string {
  const c = obj(st.counts);
  const held = `${String(c.tkl ?? 0)} TKLs, ${String(c.tombstones ?? 0)} tombstones, ${String(c.channels ?? 0)} +P channels`;
  if (st.state === 'ok') return `store: ok (${String(st.kind)}${st.path ? ` ${String(st.path)}` : ''}), ${held}`;
  if (st.state === 'degraded') {
    const e = obj(st.error);
    return `store: NOT PERSISTING since ${String(e.at ?? '?')}: ${String(e.message ?? 'a write failed')}; ${String(st.unpersisted ?? 0)} change(s) in memory only (lost at the next stop); ${held} as of the last good commit`;
  }
  return `store: ${String(st.state ?? 'none')}`;
}

/** The server tree of server.list, from our own server down. */
export function mapLines(servers: Json[], me: string): string[] {
  const byName = new Map<string, Obj>();
  const children = new Map<string, string[]>();
  for (const x of servers) {
    const s = obj(x);
    const name = String(s.name);
    byName.set(name.toLowerCase(), s);
    const up = obj(s.server).uplink;
    if (typeof up === 'string') {
      const k = up.toLowerCase();
      if (!children.has(k)) children.set(k, []);
      children.get(k)!.push(name);
    }
  }
  const out: string[] = [];
  const label = (s: Obj) => `${String(s.name)} (${String(s.id)}) ${String(obj(s.server).num_users ?? 0)} users${obj(s.server).ulined === true ? ', ulined' : ''}`;
  const walk = (name: string, prefix: string, last: boolean, root: boolean, depth: number) => {
    const s = byName.get(name.toLowerCase());
    if (!s || depth > 64) return;
    out.push(root ? label(s) : `${prefix}${last ? '└─ ' : '├─ '}${label(s)}`);
    const kids = (children.get(name.toLowerCase()) ?? []).sort();
    kids.forEach((k, i) => walk(k, root ? '' : prefix + (last ? '   ' : '│  '), i === kids.length - 1, false, depth + 1));
  };
  walk(me, '', true, true, 0);
  return out;
}

/** `tslink <command> ...` for the RPC commands: argv[0] is the command. Returns the exit code. */
export async function rpcCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h') || !cmd || !RPC_CLI_COMMANDS.includes(cmd)) {
    (cmd && RPC_CLI_COMMANDS.includes(cmd) ? io.out : io.err)(USAGE);
    return cmd && RPC_CLI_COMMANDS.includes(cmd) ? 0 : 2;
  }
  try {
    const o = parseArgs(rest);
    const path = socketPathFor(o);
    const timeoutMs = (o.timeout ?? (cmd === 'rehash' ? 60 : 10)) * 1000;
    const call = async (method: string, params: Json = {}): Promise<Json> => {
      const r = await callSocket(path, method, params, timeoutMs);
      if (r.error) {
        const e = obj(r.error);
        throw new CliError(`${method}: error ${String(e.code)}: ${String(e.message)}`);
      }
      return r.result ?? null;
    };
    const expectArgs = (min: number, max: number) => {
      if (o.args.length > max) throw new CliError(`unexpected argument ${o.args[max]}`, 2);
      if (o.args.length < min) throw new CliError(`missing argument (${cmd === 'rpc' ? 'METHOD' : 'NAME'})`, 2);
    };
    switch (cmd) {
      case 'status': {
        expectArgs(0, 0);
        const [me, stats, links, store] = [obj(obj(await call('server.get')).server), obj(await call('stats.get')), obj(await call('tslink.links')), obj(await call('tslink.store'))];
        if (o.json) { io.out(JSON.stringify({ server: me, stats, links, store }, null, 2) + '\n'); return 0; }
        const up = typeof links.uptime === 'number' ? duration(links.uptime) : '?';
        io.out(`${String(me.name)} (${String(me.id)}), ${String(obj(obj(me.server).features).software ?? 'tslink')}, up ${up}\n`);
        io.out(`servers ${String(obj(stats.server).total)}, users ${String(obj(stats.user).total)}, channels ${String(obj(stats.channel).total)}, network bans ${String(obj(stats.server_ban).total)}\n`);
        io.out(`${storeLine(store)}\n`);
        io.out(`links:\n${linkLines(arr(links.list)).join('\n')}\n`);
        return 0;
      }
      case 'links': {
        expectArgs(0, 0);
        const links = obj(await call('tslink.links'));
        io.out(o.json ? JSON.stringify(links.list, null, 2) + '\n' : `${linkLines(arr(links.list)).join('\n')}\n`);
        return 0;
      }
      case 'map': {
        expectArgs(0, 0);
        const me = obj(obj(await call('server.get')).server);
        const list = arr(obj(await call('server.list')).list);
        io.out(o.json ? JSON.stringify(list, null, 2) + '\n' : `${mapLines(list, String(me.name)).join('\n')}\n`);
        return 0;
      }
      case 'connect': {
        expectArgs(1, 1);
        await call('server.connect', { link: o.args[0] });
        io.out(`connecting to ${o.args[0]} (tslink links shows when it is up)\n`);
        return 0;
      }
      case 'squit': {
        expectArgs(1, 2);
        await call('server.disconnect', { link: o.args[0], reason: o.args[1] ?? 'Disconnected by the operator (tslink squit)' });
        io.out(`${o.args[0]} disconnected\n`);
        return 0;
      }
      case 'rehash': {
        expectArgs(0, 0);
        const r = obj(await call('server.rehash'));
        for (const x of arr(r.log)) {
          const e = obj(x);
          io.out(`[${String(e.level)}] ${String(e.event_id)}: ${String(e.msg)}\n`);
        }
        if (r.success === true) { io.out('rehash done\n'); return 0; }
        io.err('rehash refused: the running configuration is kept\n');
        return 1;
      }
      case 'rpc': {
        expectArgs(1, 2);
        let params: Json = {};
        if (o.args[1] !== undefined) {
          try { params = JSON.parse(o.args[1]) as Json; } catch { throw new CliError(`the params are not JSON: ${o.args[1]}`, 2); }
        }
        io.out(JSON.stringify(await call(o.args[0], params), null, 2) + '\n');
        return 0;
      }
    }
    return 2;
  } catch (err) {
    const e = err instanceof CliError ? err : new CliError((err as Error)?.message ?? String(err));
    // A usage error (exit 2) shows the usage, as every other subcommand does.
    io.err(`tslink ${cmd}: ${e.message}\n${e.code === 2 ? USAGE : ''}`);
    return e.code;
  }
}
