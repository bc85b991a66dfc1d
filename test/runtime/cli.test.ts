/**
 * Acceptance 5 and 6: config-level refusal of plaintext server listeners on
 * non-loopback addresses; the CLI (`start` under SIGTERM, `check-config`).
 */
import { strict as assert } from 'node:assert';
import { exampleTree } from '../config/configFiles.ts';
import { describe, it, after } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as net from 'node:net';
import { parseConfigText } from '../../src/config/index.ts';
import { freePort } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'tslink.js');

const BASE = `me { name "n.test"; info "x"; sid "0NN"; }
set { network-name "TestNet"; }
`;

describe('config: server listeners without TLS', () => {
  it('a non-loopback listen block without TLS is refused with file:line', () => {
    const text = `${BASE}listen {
	ip 192.0.2.1;
	port 6900;
	options { serversonly; }
}
`;
    const res = parseConfigText(text, 'plain.conf');
    assert.equal(res.config, undefined);
    const e = res.errors.find((x) => /without TLS/.test(x.message));
    assert.ok(e, res.errors.map((x) => x.text).join('\n'));
    assert.equal(e.file, 'plain.conf');
    assert.equal(e.line, 3);
    assert.match(e.text, /^plain\.conf:3: /);
  });

  it('the same on ip * (every address) is refused too; with options { tls; } it is accepted', () => {
    const star = parseConfigText(`${BASE}listen { ip *; port 6900; options { serversonly; } }\n`, 'star.conf');
    assert.ok(star.errors.some((x) => /^star\.conf:3: .*without TLS/.test(x.text)), star.errors.map((x) => x.text).join('\n'));
    const ok = parseConfigText(`${BASE}listen { ip 192.0.2.1; port 6900; options { serversonly; tls; } }\n`, 'tls.conf');
    assert.deepEqual(ok.errors.map((x) => x.text), []);
    assert.ok(ok.config);
  });
});

function portFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = net.createServer();
    s.once('error', () => r(false));
    s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
  });
}

describe('cli', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('start: logs NODE_STARTED (JSON on a pipe), exits 0 within 5 s of SIGTERM after NODE_STOPPED', async (t) => {
    const captureDir = join(dir, 'captures');
    const args = [BIN, 'start', '--data-dir', join(dir, 'data'), '--capture-dir', captureDir];
    // The embedded default config listens on 127.0.0.1:6901; if that is taken here, use a config file on a free port.
    if (!(await portFree(6901))) {
      const conf = join(dir, 'start.conf');
      writeFileSync(conf, `${BASE}listen { ip 127.0.0.1; port ${await freePort()}; options { serversonly; tls; } }\nset { data-directory ${JSON.stringify(join(dir, 'data'))}; }\n`);
      args.push('--config', conf);
      t.diagnostic('port 6901 busy: using a config file on a free port');
    }
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TSLINK_LOG_LEVEL: 'info', TSLINK_ALLOW_ROOT: '1' } });
    const records: Record<string, unknown>[] = [];
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl); out = out.slice(nl + 1);
        try { records.push(JSON.parse(line)); } catch { records.push({ raw: line }); }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    try {
      const deadline = Date.now() + 30_000;
      while (!records.some((r) => r.event === 'NODE_STARTED')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no NODE_STARTED; stdout records: ${JSON.stringify(records)}\nstderr: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const started = records.find((r) => r.event === 'NODE_STARTED')!;
      assert.equal(typeof started.certfp, 'string');
      // --capture-dir: announced, and the directory exists (mode 0700) before any link.
      assert.ok(records.some((r) => r.event === 'CAPTURE_DIR' && r.path === captureDir), JSON.stringify(records));
      assert.equal(statSync(captureDir).mode & 0o777, 0o700);
      const t0 = Date.now();
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const res = await Promise.race([exited, new Promise<null>((r) => { timer = setTimeout(() => r(null), 5000); })]);
      clearTimeout(timer);
      assert.ok(res, 'did not exit within 5 s of SIGTERM');
      t.diagnostic(`exited ${Date.now() - t0} ms after SIGTERM`);
      assert.deepEqual(res, { code: 0, signal: null }, err);
      await new Promise((r) => setImmediate(r));
      assert.ok(records.some((r) => r.event === 'NODE_STOPPED'), JSON.stringify(records));
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('start: a bad option or a missing value is a usage error (exit 2), nothing is started', () => {
    for (const args of [['--capture-dir'], ['--config'], ['--bogus'], ['extra-arg']]) {
      const r = spawnSync(process.execPath, [BIN, 'start', ...args], { encoding: 'utf8', timeout: 30_000, cwd: dir });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /usage: tslink start \[--config FILE\] \[--data-dir DIR\] \[--capture-dir DIR\]/);
      assert.doesNotMatch(r.stdout, /NODE_STARTED/);
    }
    const help = spawnSync(process.execPath, [BIN, 'start', '--help'], { encoding: 'utf8', timeout: 30_000, cwd: dir });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /usage: tslink start/);
  });

  it('check-config link.conf.example exits 0 (beside the secret and CA files it names)', () => {
    const tree = exampleTree();
    try {
      const r = spawnSync(process.execPath, [BIN, 'check-config', tree.file], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /OK/);
    } finally {
      tree.cleanup();
    }
  });

  it('check-config on a broken config exits non-zero with file:line', () => {
    const bad = join(dir, 'broken.conf');
    writeFileSync(bad, `${BASE}listen {\n\tip 192.0.2.1;\n\tport 6900;\n\toptions { serversonly; }\n}\nclass servers { sendq lots; }\n`);
    const r = spawnSync(process.execPath, [BIN, 'check-config', bad], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(r.status, 0);
    const text = r.stdout + r.stderr;
    assert.ok(text.includes(`${bad}:3:`), text);
    assert.match(text, /broken\.conf:\d+: /);
  });
});
