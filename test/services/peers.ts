// Helpers to run Debian's IRC services (atheme-services, anope) against a tslink node on loopback.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfigText } from '../../src/config/index.ts';
import { TslinkNode } from '../../src/runtime/node.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { hashPasswordSync } from '../../src/link/passwords.ts';
import { freePort } from '../runtime/helpers.ts';

const PEERS = join(import.meta.dirname, '../../fixtures/peers');
export const ATHEME_BIN = '/usr/bin/atheme-services';
export const ANOPE_BIN = '/usr/sbin/anope';

export { freePort };

/** uid/gid of Debian's unprivileged irc user, when we are root and it exists. */
function ircIds(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const r = spawnSync('id', ['-u', 'irc']); const g = spawnSync('id', ['-g', 'irc']);
  if (r.status !== 0) return null;
  return { uid: Number(r.stdout.toString().trim()), gid: Number(g.stdout.toString().trim()) };
}

function chownTree(dir: string, ids: { uid: number; gid: number } | null): void {
  if (!ids) return;
  chownSync(dir, ids.uid, ids.gid);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) chownTree(p, ids); else chownSync(p, ids.uid, ids.gid);
  }
}

export interface Harness { node: TslinkNode; dir: string; port: number; logs: string[]; stop: () => Promise<void> }

/** Start a tslink node ("hub.test", SID 0TS) with a plaintext-loopback link block for services.test. */
export async function startNode(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-svc-'));
  const port = await freePort();
  writeFileSync(join(dir, 'servpass'), 'servpass\n', { mode: 0o600 });
  const conf = `
me { name "hub.test"; info "tslink test hub"; sid "0TS"; }
listen { ip 127.0.0.1; port ${port}; options { serversonly; } }
listen { file "rpc.socket"; options { rpc; } }
class servers { pingfreq 90; connfreq 15; maxclients 10; sendq 20M; recvq 1M; }
link services.test {
	incoming { mask 127.0.0.1; }
	password "${hashPasswordSync('servpass')}";
	password-file "${join(dir, 'servpass')}";
	options { plaintext-loopback; }
	class servers;
}
ulines { services.test; }
set { network-name "TestNet"; data-directory "${join(dir, 'data')}"; }
`;
  const res = parseConfigText(conf, join(dir, 'tslink.conf'));
  if (!res.config) throw new Error(res.errors.map((e) => e.text).join('\n'));
  const logs: string[] = [];
  const destination = new Writable({ write(chunk, _enc, cb) { logs.push(chunk.toString()); cb(); } });
  const node = new TslinkNode(res.config, { logger: createLogger({ destination, level: 'debug' }) });
  await node.start();
  return { node, dir, port, logs, stop: () => node.stop('test done') };
}

/** Run a services daemon in the foreground as the irc user. */
export function runAsIrc(bin: string, args: string[], dir: string): ChildProcess {
  const ids = ircIds();
  chownTree(dir, ids);
  // The services user must be able to traverse the node's temp dir (its own files stay private).
  chmodSync(join(dir, '..'), 0o711);
  const child = ids
    ? spawn('setpriv', ['--reuid=irc', '--regid=irc', '--init-groups', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', () => {});
  child.stderr?.on('data', () => {});
  return child;
}

/** Atheme (fixtures/peers/atheme.conf: uplink hub.test) dialling `h.port`, its files under `h.dir`/atheme. */
export function atheme(h: Pick<Harness, 'dir' | 'port'>): ChildProcess {
  const sdir = join(h.dir, 'atheme');
  mkdirSync(join(sdir, 'data'), { recursive: true });
  const conf = readFileSync(join(PEERS, 'atheme.conf'), 'utf8')
    .replace('uplink "hub.test"', 'uplink "hub.test"')
    .replace(/port = 7000;/, `port = ${h.port};`);
  writeFileSync(join(sdir, 'atheme.conf'), conf);
  return runAsIrc(ATHEME_BIN, ['-n', '-c', join(sdir, 'atheme.conf'), '-D', join(sdir, 'data'), '-l', join(sdir, 'data/atheme.log'), '-p', join(sdir, 'data/atheme.pid')], sdir);
}

export function anope(h: Harness): ChildProcess {
  const sdir = join(h.dir, 'anope');
  for (const d of ['conf', 'data/backups', 'logs']) mkdirSync(join(sdir, d), { recursive: true });
  for (const f of ['botserv.conf', 'chanserv.conf', 'global.conf', 'hostserv.conf', 'memoserv.conf', 'nickserv.conf', 'operserv.conf', 'services.motd']) {
    if (existsSync(join('/etc/anope', f))) copyFileSync(join('/etc/anope', f), join(sdir, 'conf', f));
  }
  const ns = join(sdir, 'conf/nickserv.conf');
  if (existsSync(ns)) writeFileSync(ns, readFileSync(ns, 'utf8').replace(/regdelay\s*=\s*"?[^"\n]*"?/, 'regdelay = 0s'));
  const conf = readFileSync(join(PEERS, 'anope-services.conf'), 'utf8')
    .replace(/port = 7000/, `port = ${h.port}`)
    .replaceAll('@SERVICES_DIR@', sdir);
  writeFileSync(join(sdir, 'conf/services.conf'), conf);
  return runAsIrc(ANOPE_BIN, ['-n', `--confdir=${join(sdir, 'conf')}`, `--dbdir=${join(sdir, 'data')}`, `--logdir=${join(sdir, 'logs')}`, '--modulesdir=/usr/lib/anope', '--localedir=/usr/share/anope/locale'], sdir);
}

export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

export function stopChild(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null) { resolve(); return; }
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => { c.kill('SIGKILL'); }, 3000).unref();
  });
}
