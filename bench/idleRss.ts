// Idle RSS of the node as `npm start` runs it (npm start's V8 flags, the embedded default
// configuration): VmRSS of the node process 5 s after it was started. Its first start generates
// the node's certificate; the figure is that of a start that finds it (and the first one's is
// printed too). Target (issue 13): ≤ 60 MB (bare node ~39 MB, UnrealIRCd ~14 MB).
// When 127.0.0.1:6901 (the default's port) is taken, the default configuration's text is used
// from a file, on a free port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import { defaultConfigText } from '../src/config/defaults.ts';
import { freePort, nodeFlags, rssKb, sleep, waitForPort } from './benchNode.ts';

function portFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = net.createServer();
    s.once('error', () => r(false));
    s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
  });
}

/** VmRSS (KiB) of a node started with `args`, `afterMs` after its start. */
async function rssAfter(args: string[], port: number, afterMs: number): Promise<number> {
  const child = spawn(process.execPath, [...nodeFlags(), 'bin/tslink.js', 'start', ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TSLINK_LOG_LEVEL: 'warn', TSLINK_ALLOW_ROOT: '1' } });
  const t0 = Date.now();
  try {
    if (!(await waitForPort(port))) throw new Error('the node did not start listening');
    await sleep(afterMs - (Date.now() - t0));
    return rssKb(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

export async function idleRssBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-idle-'));
  try {
    const data = join(dir, 'data');
    let args = ['--data-dir', data];
    let port = 6901;
    let note = 'the embedded default configuration';
    if (!(await portFree(6901))) {
      port = await freePort();
      writeFileSync(join(dir, 'default.conf'), defaultConfigText(data).replace('port 6901;', `port ${port};`));
      args = ['--config', join(dir, 'default.conf')];
      note = `the default configuration's text on port ${port} (6901 is taken here)`;
    }
    const first = await rssAfter(args, port, 5000);
    const idle = await rssAfter(args, port, 5000);
    console.log(`idle RSS: ${(idle / 1024).toFixed(1)} MB 5 s after the start (first start, generating its certificate: ${(first / 1024).toFixed(1)} MB); ${note}; node flags: ${nodeFlags().join(' ') || 'none'}   target: ≤ 60 MB (bare node ~39 MB)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
