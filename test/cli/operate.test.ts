// Issue 16 items 2 and 3: an operator steers a node started with `tslink start --config FILE` from
// the command line, through the real launcher: `tslink status`, `links`, `map`, and `tslink rehash`,
// which re-reads the file the node was started with (a change is applied and listed; a typo'd
// block name is refused with its file:line, and the node keeps running as before).
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../runtime/helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'tslink.js');
const T = { timeout: 60_000 };

function tslink(args: string[], cwd: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, cwd });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('operating a started node with tslink status / links / map / rehash', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-op-'));
  const file = join(dir, 'node.conf');
  let child: ChildProcess | undefined;
  let log = '';
  const conf = (info: string, extra = '') => `me { name "op.test"; info "${info}"; sid "0OP"; }
set { network-name "TestNet"; data-directory ${JSON.stringify(join(dir, 'data'))}; }
listen { ip 127.0.0.1; port ${port}; options { serversonly; tls; } }
listen { file "rpc.socket"; options { rpc; } }
${extra}`;
  let port = 0;

  before(async () => {
    port = await freePort();
    writeFileSync(file, conf('first info'));
    child = spawn(process.execPath, [BIN, 'start', '--config', file, '--allow-root'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TSLINK_LOG_LEVEL: 'info' } });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { log += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { log += d; });
    const deadline = Date.now() + 60_000;
    while (!log.includes('"event":"NODE_STARTED"')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the node did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    child?.stdout?.destroy();
    child?.stderr?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tslink status, links and map find the node through --config and show it', T, () => {
    const s = tslink(['status', '--config', file], dir);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /^op\.test \(0OP\), tslink-\d+\.\d+\.\d+, up \d+s\n/);
    assert.match(s.out, /servers 1, users 0, channels 0, network bans \d+\n/);
    assert.match(s.out, /links:\n {2}\(no links\)\n$/);
    const l = tslink(['links', '--data-dir', join(dir, 'data')], dir);
    assert.equal(l.code, 0, l.err);
    assert.equal(l.out, '  (no links)\n');
    const m = tslink(['map', '--socket', join(dir, 'data', 'rpc.socket')], dir);
    assert.equal(m.code, 0, m.err);
    assert.equal(m.out, 'op.test (0OP) 0 users\n');
  });

  it('tslink rehash re-reads the file the node was started with and lists what changed', T, () => {
    writeFileSync(file, conf('second info'));
    const r = tslink(['rehash', '--config', file], dir);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /REHASH: configuration reloaded: me::info changed/);
    assert.match(r.out, /rehash done\n$/);
    const again = tslink(['rehash', '--config', file], dir);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /configuration reloaded \(no changes\)/);
  });

  it('a typo in a block name makes tslink rehash refuse the reload with file:line; the node runs on', T, () => {
    const good = conf('second info');
    writeFileSync(file, `${good}lnik peer.test { }\n`);
    const r = tslink(['rehash', '--socket', join(dir, 'data', 'rpc.socket')], dir);
    assert.equal(r.code, 1, r.out + r.err);
    assert.ok(r.out.includes(`${file}:5: lnik: unknown block; did you mean "link"?`), r.out);
    assert.match(r.err, /rehash refused: the running configuration is kept/);
    // check-config says the same about the file, and start would refuse it.
    const c = tslink(['check-config', file], dir);
    assert.equal(c.code, 1);
    assert.ok(c.err.includes(`error: ${file}:5: lnik: unknown block; did you mean "link"?`), c.err);
    writeFileSync(file, good);
    const s = tslink(['status', '--config', file], dir);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /^op\.test \(0OP\)/);
  });

  it('an UnrealIRCd block tslink does not use is a warning: the reload goes through', T, () => {
    writeFileSync(file, conf('second info', 'operclass netadmin2 { parent netadmin; }\n'));
    const r = tslink(['rehash', '--config', file], dir);
    assert.equal(r.code, 0, r.out + r.err);
    assert.ok(r.out.includes(`[warn] CONFIG_WARNING: ${file}:5: operclass: ignored: tslink does not use it`), r.out);
    assert.match(r.out, /rehash done\n$/);
  });
});

describe('start refuses a configuration with a typo in a block name', () => {
  it('exit 1 with the file:line error, nothing started', T, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tslink-typo-'));
    try {
      const file = join(dir, 'typo.conf');
      writeFileSync(file, `me { name "t.test"; info "x"; sid "0TT"; }\nset { network-name "T"; data-directory ${JSON.stringify(join(dir, 'data'))}; }\nlsiten { ip 127.0.0.1; port 1; }\n`);
      const r = spawnSync(process.execPath, [BIN, 'start', '--config', file, '--allow-root'], { encoding: 'utf8', timeout: 60_000, cwd: dir, env: { ...process.env, TSLINK_LOG_LEVEL: 'info' } });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.ok(r.stdout.includes(`${file}:3: lsiten: unknown block; did you mean \\"listen\\"?`), r.stdout);
      assert.doesNotMatch(r.stdout, /NODE_STARTED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
