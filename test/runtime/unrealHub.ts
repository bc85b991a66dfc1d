// A real UnrealIRCd 6 hub for the interop tests (test/runtime/unrealircd.test.ts,
// test/client/unrealircd.test.ts). Not a test file itself (the runner only picks up *.test.ts).
//
// UNREALIRCD_BIN: the `bin/unrealircd` of an installation (its own conf/ directory provides
// modules.default.conf). UnrealIRCd refuses to run as root: when the tests run as root, set
// UNREALIRCD_UID / UNREALIRCD_GID to an unprivileged user allowed to run it.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as net from 'node:net';
import { LOOP, freePort, sleep } from './helpers.ts';

export const UNREALIRCD_BIN = process.env.UNREALIRCD_BIN;
export const UNREALIRCD_SKIP = 'UNREALIRCD_BIN not set: set it to an UnrealIRCd 6 binary (e.g. ~/unrealircd/bin/unrealircd; as root also UNREALIRCD_UID/UNREALIRCD_GID) to run the interop test';

export interface HubOptions {
  dir: string;
  certPath: string;
  keyPath: string;
  /** The tslink node allowed to link in, authenticated by its public key. */
  tslinkName: string;
  tslinkSpkifp: string;
  /** set::cloak-keys (three keys UnrealIRCd accepts). */
  cloakKeys: [string, string, string];
  /** Extra text inside the hub's set {} block. */
  setExtra?: string;
  /** More servers allowed to link in (name and public key), as tslink is. */
  moreLinks?: { name: string; spkifp: string }[];
}

export function hubConf(o: HubOptions & { serverPort: number; clientPort: number }): string {
  return `/* written by test/runtime/unrealHub.ts */
include "modules.default.conf";
include "snomasks.default.conf";
/* geoip_classic is often not built (it needs libGeoIP) and would download databases. */
blacklist-module "geoip_classic";
loadmodule "cloak_sha256";
me { name "hub.test"; info "UnrealIRCd interop hub"; sid "001"; }
admin { "tslink interop test"; }
class clients { pingfreq 90; maxclients 100; sendq 200k; recvq 8000; }
class servers { pingfreq 60; connfreq 15; maxclients 10; sendq 20M; }
allow { mask *; class clients; maxperip 10; }
listen { ip 127.0.0.1; port ${o.clientPort}; }
listen {
	ip 127.0.0.1;
	port ${o.serverPort};
	options { tls; serversonly; }
	tls-options { certificate "${o.certPath}"; key "${o.keyPath}"; }
}
link ${o.tslinkName} {
	incoming { mask 127.0.0.1; }
	password "${o.tslinkSpkifp}" { spkifp; }
	class servers;
}
${(o.moreLinks ?? []).map((l) => `link ${l.name} { incoming { mask 127.0.0.1; } password "${l.spkifp}" { spkifp; } class servers; }\n`).join('')}files { pidfile "${join(o.dir, 'unrealircd.pid')}"; tunefile "${join(o.dir, 'unrealircd.tune')}"; }
set {
	network-name "TestNet";
	default-server "hub.test";
	services-server "services.test";
	help-channel "#help";
	kline-address "admin@hub.test";
	cloak-keys { "${o.cloakKeys[0]}"; "${o.cloakKeys[1]}"; "${o.cloakKeys[2]}"; }
	tls { certificate "${o.certPath}"; key "${o.keyPath}"; }
	dns { client { timeout 1500; retry 0; } }
${o.setExtra ?? ''}
}
`;
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = net.connect({ host: LOOP, port });
    s.once('connect', () => { s.destroy(); r(true); });
    s.once('error', () => r(false));
  });
}

export interface Hub {
  proc: ChildProcess;
  serverPort: number;
  clientPort: number;
  /** The last 4000 characters UnrealIRCd printed. */
  output(): string;
  stop(): Promise<void>;
}

/** Write the config into o.dir, start UnrealIRCd in the foreground, wait until both ports listen. */
export async function startHub(o: HubOptions): Promise<Hub> {
  if (!UNREALIRCD_BIN) throw new Error(UNREALIRCD_SKIP);
  const [serverPort, clientPort] = [await freePort(), await freePort()];
  const confPath = join(o.dir, 'unrealircd.conf');
  writeFileSync(confPath, hubConf({ ...o, serverPort, clientPort }));
  const uid = process.env.UNREALIRCD_UID ? Number(process.env.UNREALIRCD_UID) : undefined;
  const gid = process.env.UNREALIRCD_GID ? Number(process.env.UNREALIRCD_GID) : uid;
  if (uid !== undefined) {
    chmodSync(o.dir, 0o755);
    for (const f of readdirSync(o.dir)) chownSync(join(o.dir, f), uid, gid ?? uid);
    chownSync(o.dir, uid, gid ?? uid);
  }
  const outPath = join(o.dir, 'unrealircd.out');
  const log = createWriteStream(outPath);
  const proc = spawn(UNREALIRCD_BIN, ['-F', '-f', confPath], { cwd: o.dir, stdio: ['ignore', 'pipe', 'pipe'], uid, gid });
  proc.stdout!.pipe(log);
  proc.stderr!.pipe(log);
  const output = () => { try { return readFileSync(outPath, 'utf8').slice(-4000); } catch { return ''; } };
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise((r) => proc.once('exit', r)), new Promise((r) => { timer = setTimeout(r, 5000); })]);
      clearTimeout(timer);
    }
    // A process it started may still hold its stdout/stderr: do not wait for them.
    proc.stdout?.destroy();
    proc.stderr?.destroy();
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  const deadline = Date.now() + 30_000;
  while (!(await portOpen(serverPort)) || !(await portOpen(clientPort))) {
    if (proc.exitCode !== null) throw new Error(`unrealircd exited with ${proc.exitCode}:\n${output()}`);
    if (Date.now() > deadline) { await stop(); throw new Error(`unrealircd did not listen within 30 s:\n${output()}`); }
    await sleep(200);
  }
  return { proc, serverPort, clientPort, output, stop };
}
