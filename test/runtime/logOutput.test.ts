/**
 * Issue 16 item 6, logs: stdout by default; UnrealIRCd's `log { destination { file "..." { maxsize
 * ...; } } }` sends them to a file rotated by size (pino-roll), with secrets still redacted; a
 * reload switches the destination (and a file that cannot be opened is reported, logging carries
 * on); `tslink start` says on stdout where its log goes and writes NODE_STARTED/NODE_STOPPED there.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfigText, type TslinkConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { LOG_FILES_KEPT, LogOutput } from '../../src/runtime/logOutput.ts';
import { freePort, waitFor } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'tslink.js');
const BASE = 'me { name "n.test"; info "x"; sid "0NN"; }\nset { network-name "TestNet"; }\n';

function config(text: string): TslinkConfig {
  const r = parseConfigText(`${BASE}${text}`, 'log.conf');
  assert.deepEqual(r.errors.map((e) => e.text), []);
  return r.config!;
}

/** A stdout stand-in that keeps what it is given. */
function fakeStdout(): { lines: string[]; write(c: string): void } {
  const lines: string[] = [];
  return { lines, write: (c: string) => { lines.push(c); } };
}

describe('runtime: log output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-log-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a log file is rotated once it exceeds maxsize, at most LOG_FILES_KEPT old files stay, and secrets stay redacted', async () => {
    const logDir = join(dir, 'rot');
    const out = new LogOutput({ stdout: fakeStdout() });
    assert.deepEqual(await out.apply(config(`log {\n\tsource { all; }\n\tdestination { file "${logDir}/tslink.log" { maxsize 64k; } }\n}\n`)), [`logging to log file ${logDir}/tslink.log (rotated at 65536 bytes)`]);
    const log = createLogger({ destination: out.stream, level: 'info' });
    // ~300 bytes a line, 2,000 lines: ~600 KB, about ten files' worth at 64 KiB.
    for (let i = 0; i < 2000; i++) {
      log.info({ event: 'TEST_LINE', n: i, password: 'hunter2-password', secret: 'hmac-secret-value', nested: { pass: 'nested-pass-value' }, pad: 'x'.repeat(150) }, `line ${i}`);
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await out.close();
    await waitFor(() => readdirSync(logDir).length <= LOG_FILES_KEPT + 1, 5000, 'old files removed');
    const files = readdirSync(logDir).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
    assert.ok(files.length >= 3, `rotated into several files: ${files.join(' ')}`);
    assert.ok(files.length <= LOG_FILES_KEPT + 1, `at most ${LOG_FILES_KEPT + 1} files: ${files.join(' ')}`);
    for (const f of files) assert.match(f, /^tslink\.\d+\.log$/);
    // The newest file may be empty: the last line took the one before it past maxsize.
    const written = files.filter((f) => statSync(join(logDir, f)).size > 0);
    assert.ok(files.length - written.length <= 1, `only the newest file may be empty: ${files.join(' ')}`);
    for (const f of written) {
      const text = readFileSync(join(logDir, f), 'utf8');
      // A file is cut after the line that takes it past maxsize.
      assert.ok(statSync(join(logDir, f)).size < 65536 + 1024, `${f}: ${statSync(join(logDir, f)).size} bytes`);
      assert.doesNotMatch(text, /hunter2|hmac-secret-value|nested-pass-value/, `${f} holds a secret`);
      assert.match(text, /"password":"\[redacted\]"/);
      assert.match(text, /"secret":"\[redacted\]"/);
    }
    // The last line written is in the last file written: nothing lost at close.
    assert.match(readFileSync(join(logDir, written[written.length - 1]), 'utf8'), /"n":1999,/);
  });

  it('a reload switches stdout → file → stdout; a file that cannot be opened is reported and the log carries on where it was', async () => {
    const stdout = fakeStdout();
    const out = new LogOutput({ stdout });
    const log = createLogger({ destination: out.stream, level: 'info' });
    assert.deepEqual(await out.reload(config('')), [], 'stdout already');
    log.info({ event: 'ONE' }, 'one');
    const file = join(dir, 'switch', 'node.log');
    assert.deepEqual(await out.reload(config(`log { destination { file "${file}"; } }`)), [`logging to log file ${file} (rotated at ${100 * 1024 * 1024} bytes)`]);
    log.info({ event: 'TWO' }, 'two');
    assert.deepEqual(await out.reload(config(`log { destination { file "${file}"; } }`)), [], 'same file: nothing to do');
    // A path under a regular file cannot be created.
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, '');
    const bad = await out.reload(config(`log { destination { file "${blocker}/x.log"; } }`));
    assert.equal(bad.length, 1);
    assert.match(bad[0], new RegExp(`^log file ${blocker}/x\\.log FAILED: .*; still logging to log file ${file}`));
    log.info({ event: 'THREE' }, 'three');
    assert.deepEqual(await out.reload(config('')), ['logging to stdout']);
    log.info({ event: 'FOUR' }, 'four');
    await out.close();
    const inFile = readFileSync(join(dir, 'switch', 'node.1.log'), 'utf8');
    assert.match(inFile, /"event":"TWO"/);
    assert.match(inFile, /"event":"THREE"/);
    const onStdout = stdout.lines.join('');
    assert.match(onStdout, /"event":"ONE"/);
    assert.match(onStdout, /"event":"FOUR"/);
    assert.doesNotMatch(onStdout, /"event":"TWO"|"event":"THREE"/);
  });

  it('tslink start with a log block: LOG_OUTPUT on stdout, then NODE_STARTED and NODE_STOPPED in the file', async () => {
    const data = join(dir, 'data');
    const conf = join(dir, 'start.conf');
    // The data directory from --data-dir, as the systemd unit gives it.
    writeFileSync(conf, `${BASE}listen { ip 127.0.0.1; port ${await freePort()}; options { serversonly; tls; } }\nlog { destination { file "logs/tslink.log" { maxsize 1M; } } }\n`);
    const child = spawn(process.execPath, [BIN, 'start', '--config', conf, '--data-dir', data], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TSLINK_LOG_LEVEL: 'info', TSLINK_ALLOW_ROOT: '1' } });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // A relative file is in the data directory.
    const file = join(data, 'logs', 'tslink.1.log');
    const read = () => { try { return readFileSync(file, 'utf8'); } catch { return ''; } };
    try {
      await waitFor(() => read().includes('"NODE_STARTED"') || child.exitCode !== null, 30_000, `NODE_STARTED in ${file}; stdout: ${stdout} stderr: ${stderr}`);
      assert.match(read(), /"NODE_STARTED"/, `stdout: ${stdout}\nstderr: ${stderr}`);
      const first = JSON.parse(stdout.split('\n')[0]) as Record<string, unknown>;
      assert.equal(first.event, 'LOG_OUTPUT');
      assert.equal(first.file, join(data, 'logs', 'tslink.log'));
      assert.doesNotMatch(stdout, /NODE_STARTED/, 'after LOG_OUTPUT the lines go to the file only');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.match(read(), /"NODE_STOPPED"/, 'the last line reached the file before exit');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
