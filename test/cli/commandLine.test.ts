// Issue 16 items 5 and 6: the command line's sharp tools made safe, through the real launcher.
// Every subcommand has --help, refuses unknown options and extra arguments (usage, exit 2), and no
// error is a stack trace; gencert keeps an existing key; mkpasswd asks twice without echo on a
// terminal; the node refuses to run as root unless told to.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { CliError } from '../../src/cli/args.ts';
import { mkpasswdCommand } from '../../src/cli/certCommands.ts';
import { promptHidden, type TerminalInput } from '../../src/cli/passwordInput.ts';
import { rootRefusal, startCommand } from '../../src/cli/startCommand.ts';
import { verifyPassword } from '../../src/link/passwords.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'tslink.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const T = { timeout: 60_000 };
const STACK = /^\s+at .+[:(]/m;

interface Run { code: number; out: string; err: string }

function tslink(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, cwd: opts.cwd, input: opts.input ?? '', env: opts.env ?? process.env });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The same, without blocking: the loops over every subcommand run their launchers side by side. */
function tslinkAsync(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`tslink ${args.join(' ')}: no exit within 60 s`)); }, 60_000);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, out, err }); });
  });
}

/** Runs `tslink <cmd> <valid...> <added...>` for every subcommand at once. */
function forEveryCommand(added: string[], cwd: string): Promise<Array<{ cmd: string; r: Run }>> {
  return Promise.all(COMMANDS.map(async ({ cmd, valid }) => ({ cmd, r: await tslinkAsync([cmd, ...valid, ...added], cwd) })));
}

/** Every subcommand with arguments that are otherwise valid (so that only the added one is wrong). */
const COMMANDS: Array<{ cmd: string; valid: string[] }> = [
  { cmd: 'start', valid: [] },
  { cmd: 'check-config', valid: [] },
  { cmd: 'replay', valid: ['capture.txt'] },
  { cmd: 'gen-burst', valid: [] },
  { cmd: 'gencert', valid: [] },
  { cmd: 'fingerprint', valid: ['cert.pem'] },
  { cmd: 'mkpasswd', valid: ['pw'] },
  { cmd: 'version', valid: [] },
  { cmd: 'status', valid: [] },
  { cmd: 'links', valid: [] },
  { cmd: 'map', valid: [] },
  { cmd: 'connect', valid: ['peer.test'] },
  { cmd: 'squit', valid: ['peer.test', 'reason'] },
  { cmd: 'rehash', valid: [] },
  { cmd: 'rpc', valid: ['server.list', '{}'] },
];

describe('every subcommand: --help, unknown options, extra arguments, no stack traces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-cmdline-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--help prints the usage on stdout, exit 0, and does nothing else (no files written)', T, async () => {
    for (const { cmd, r } of await forEveryCommand(['--help'], dir)) {
      assert.equal(r.code, 0, `${cmd} --help: ${r.err}`);
      assert.match(r.out, new RegExp(`usage: tslink (${cmd}|status)`), `${cmd} --help`);
      assert.equal(r.err, '', `${cmd} --help`);
    }
    assert.deepEqual(readdirSync(dir), [], 'nothing was written by any --help');
  });

  it('an unknown option is a usage error: tslink <cmd>: unknown option, the usage, exit 2', T, async () => {
    for (const { cmd, r } of await forEveryCommand(['--bogus'], dir)) {
      assert.equal(r.code, 2, `${cmd} --bogus: ${r.out}${r.err}`);
      assert.match(r.err, new RegExp(`^tslink ${cmd}: unknown option --bogus\n`), `${cmd}: ${r.err}`);
      assert.match(r.err, /usage: tslink /, cmd);
      assert.doesNotMatch(r.err, STACK, cmd);
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  it('an extra argument is a usage error: unexpected argument, the usage, exit 2', T, async () => {
    for (const { cmd, r } of await forEveryCommand(['extra1', 'extra2'], dir)) {
      assert.equal(r.code, 2, `${cmd} extra: ${r.out}${r.err}`);
      assert.match(r.err, new RegExp(`^tslink ${cmd}: unexpected argument extra`), `${cmd}: ${r.err}`);
      assert.match(r.err, /usage: tslink /, cmd);
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  it('an unknown command, and tslink alone, print the overview and exit 2', T, () => {
    const r = tslink(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^tslink: unknown command "frobnicate"/);
    assert.match(r.err, /commands:/);
    assert.equal(tslink([]).code, 2);
    const help = tslink(['--help']);
    assert.equal(help.code, 0);
    for (const cmd of COMMANDS.map((c) => c.cmd)) assert.match(help.out, new RegExp(`^ {2}(\\S+ \\| )?${cmd}\\b`, 'm'), `tslink --help lists ${cmd}`);
  });

  it('tslink --version and tslink version print the version of package.json', T, () => {
    for (const args of [['--version'], ['version']]) {
      const r = tslink(args);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, `tslink ${VERSION}\n`);
    }
  });

  it('errors are one line, no stack (TSLINK_LOG_LEVEL=loud, a missing file, a closed pipe); TSLINK_DEBUG=1 adds the stack', T, () => {
    const loud = tslink(['start', '--allow-root'], { cwd: dir, env: { ...process.env, TSLINK_LOG_LEVEL: 'loud' } });
    assert.equal(loud.code, 2);
    assert.equal(loud.err, 'tslink start: TSLINK_LOG_LEVEL=loud is not a log level (fatal, error, warn, info, debug, trace, silent)\n');
    const missing = tslink(['replay', join(dir, 'none.txt')]);
    assert.equal(missing.code, 2);
    assert.doesNotMatch(missing.err, STACK);
    const fp = tslink(['fingerprint', join(dir, 'none.pem')]);
    assert.equal(fp.code, 2);
    assert.match(fp.err, /^tslink fingerprint: cannot read .*none\.pem/);
    assert.doesNotMatch(fp.err, STACK);
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello\n');
    const bad = tslink(['fingerprint', notPem]);
    rmSync(notPem);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /is not a PEM certificate/);
    assert.doesNotMatch(bad.err, STACK);
    const gb = tslink(['gen-burst', '--users', '1e99']);
    assert.equal(gb.code, 2);
    assert.match(gb.err, /^tslink gen-burst: --users takes a whole number from 0 to 10000000, not 1e99\n/);
    // A reader that goes away (`| head -1`): the command ends quietly.
    const piped = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${BIN}" gen-burst --users 20000 | head -c 10 >/dev/null`], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(piped.status, 0);
    assert.equal(piped.stderr, '', 'nothing on stderr when the reader goes away');
  });

  it('main() turns a thrown error into tslink <cmd>: <message> (stack only with TSLINK_DEBUG=1)', T, async () => {
    let out = '', err = '';
    const io = { out: (s: string) => { out += s; }, err: (s: string) => { err += s; } };
    // fingerprint of a directory: the read fails, main reports it.
    const code = await main(['fingerprint', dir], io);
    assert.equal(code, 2);
    assert.match(err, /^tslink fingerprint: cannot read /);
    assert.doesNotMatch(err, STACK);
    err = '';
    const saved = process.env.TSLINK_DEBUG;
    process.env.TSLINK_DEBUG = '1';
    try {
      assert.equal(await main(['fingerprint', dir], io), 2);
      assert.match(err, STACK);
    } finally {
      if (saved === undefined) delete process.env.TSLINK_DEBUG; else process.env.TSLINK_DEBUG = saved;
    }
    assert.equal(out, '');
  });
});

describe('gencert', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-gencert-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('twice keeps the key and the certificate (exit 1, says why); --force replaces them', T, () => {
    const tls = join(dir, 'tls');
    const first = tslink(['gencert', '--dir', tls, '--name', 'leaf.example.net']);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /^key {2}.*link\.key\.pem \(mode 0600\)\ncert .*link\.cert\.pem\ncertfp [0-9a-f]{64}\nspkifp /);
    assert.equal(statSync(join(tls, 'link.key.pem')).mode & 0o777, 0o600);
    assert.equal(statSync(tls).mode & 0o777, 0o700);
    const key = readFileSync(join(tls, 'link.key.pem'), 'utf8'), cert = readFileSync(join(tls, 'link.cert.pem'), 'utf8');
    const second = tslink(['gencert', '--dir', tls, '--name', 'leaf.example.net']);
    assert.equal(second.code, 1);
    assert.match(second.err, /^tslink gencert: .*link\.key\.pem and .*link\.cert\.pem already exist: kept\..*--force replaces them/);
    assert.equal(second.out, '');
    assert.equal(readFileSync(join(tls, 'link.key.pem'), 'utf8'), key, 'the key is unchanged');
    assert.equal(readFileSync(join(tls, 'link.cert.pem'), 'utf8'), cert, 'the certificate is unchanged');
    // Only the certificate there (the key was moved away): still kept.
    rmSync(join(tls, 'link.key.pem'));
    const half = tslink(['gencert', '--dir', tls]);
    assert.equal(half.code, 1);
    assert.match(half.err, /link\.cert\.pem already exists: kept/);
    assert.equal(existsSync(join(tls, 'link.key.pem')), false);
    const forced = tslink(['gencert', '--dir', tls, '--force']);
    assert.equal(forced.code, 0, forced.err);
    assert.notEqual(readFileSync(join(tls, 'link.cert.pem'), 'utf8'), cert);
    assert.deepEqual(readdirSync(tls).sort(), ['link.cert.pem', 'link.key.pem'], 'no temporary files left');
  });

  it('validates the server name (usage error, nothing written)', T, () => {
    for (const name of ['bad name', 'nodot', 'a..b', '-x.test/../y', 'x'.repeat(60) + '.test']) {
      const r = tslink(['gencert', '--dir', join(dir, 'names'), '--name', name]);
      assert.equal(r.code, 2, name);
      assert.match(r.err, /^tslink gencert: --name .* is not a server name containing a dot/, name);
    }
    assert.equal(existsSync(join(dir, 'names')), false);
  });

  it('a missing, non-directory or unwritable --dir is a message and exit 1, no stack, nothing written', T, () => {
    const missing = tslink(['gencert', '--dir', join(dir, 'no', 'such', 'tls')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^tslink gencert: .*no\/such\/tls does not exist and neither does its parent directory: create it first/);
    assert.equal(existsSync(join(dir, 'no')), false, 'a mistyped --dir is not created with its parents');
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    const notDir = tslink(['gencert', '--dir', file]);
    assert.equal(notDir.code, 1);
    assert.match(notDir.err, /^tslink gencert: .*plain-file is not a directory\n$/);
    const under = tslink(['gencert', '--dir', join(file, 'tls')]);
    assert.equal(under.code, 1);
    assert.match(under.err, /a part of the path is not a directory/);
    // Unwritable: a read-only directory (root ignores modes, but not /proc, which no one may write in).
    const ro = join(dir, 'ro');
    mkdirSync(ro, { mode: 0o500 });
    const target = process.getuid?.() === 0 ? '/proc/self' : ro;
    const unwritable = tslink(['gencert', '--dir', target]);
    assert.equal(unwritable.code, 1, unwritable.out + unwritable.err);
    assert.match(unwritable.err, /^tslink gencert: cannot write in .*: permission denied/);
    for (const r of [missing, notDir, under, unwritable]) { assert.doesNotMatch(r.err, STACK); assert.equal(r.out, ''); }
    assert.deepEqual(readdirSync(ro), []);
  });
});

describe('mkpasswd', () => {
  it('from a pipe: hashes the first line only', T, async () => {
    const r = tslink(['mkpasswd'], { input: 'hunter2\nsecond line\n' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^\$scrypt\$N=\d+,r=\d+,p=\d+\$\S+\n$/);
    assert.equal(await verifyPassword('hunter2', r.out.trim()), true);
    assert.doesNotMatch(r.out + r.err, /hunter2/);
    const empty = tslink(['mkpasswd'], { input: '' });
    assert.equal(empty.code, 2);
    assert.match(empty.err, /^tslink mkpasswd: an empty password/);
  });

  const python = spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' }).status === 0;
  const onPty = (answers: string[]): Run => {
    const script = JSON.stringify([['Password: ', answers[0]], ['Again: ', answers[1]]]);
    const r = spawnSync('python3', [join(ROOT, 'test/cli/ptyRun.py'), process.execPath, BIN, 'mkpasswd'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PTY_SCRIPT: script } });
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { code: number; out: string };
    return { code: res.code, out: res.out, err: '' };
  };

  it('on a terminal: asks twice, echoes nothing, prints the hash', { ...T, skip: python ? false : 'python3 with its pty module is needed to play a terminal' }, async () => {
    const r = onPty(['hunter2\r', 'hunter2\r']);
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.out, /hunter2/, 'the password is not echoed');
    const m = /^Password: \r\nAgain: \r\n(\$scrypt\$\S+)\r\n$/.exec(r.out);
    assert.ok(m, JSON.stringify(r.out));
    assert.equal(await verifyPassword('hunter2', m[1]), true);
  });

  it('on a terminal: two different passwords are refused, nothing printed', { ...T, skip: python ? false : 'python3 with its pty module is needed to play a terminal' }, () => {
    const r = onPty(['hunter2\r', 'hunter3\r']);
    assert.equal(r.code, 1);
    assert.equal(r.out, 'Password: \r\nAgain: \r\ntslink mkpasswd: the two passwords do not match; nothing printed\r\n');
  });

  it('the prompt reads keys without echo: backspace, Ctrl-U, typed-ahead lines, Ctrl-C', T, async () => {
    const fake = (): TerminalInput & { feed: (s: string) => void; raw: boolean[] } => {
      const listeners: Array<(c: Buffer | string) => void> = [];
      const raw: boolean[] = [];
      return {
        isRaw: false, raw,
        setRawMode(m: boolean) { raw.push(m); },
        on(_e: 'data', fn: (c: Buffer | string) => void) { listeners.push(fn); },
        off(_e: 'data', fn: (c: Buffer | string) => void) { listeners.splice(listeners.indexOf(fn), 1); },
        resume() {}, pause() {},
        feed(s: string) { for (const l of [...listeners]) l(Buffer.from(s)); },
      };
    };
    let shown = '';
    const a = fake();
    const p = promptHidden(['Password: ', 'Again: '], a, (s) => { shown += s; });
    a.feed('hunx\u007fter2\rjunk\u0015hunter2\r');
    assert.deepEqual(await p, ['hunter2', 'hunter2']);
    assert.equal(shown, 'Password: \nAgain: \n');
    assert.deepEqual(a.raw, [true, false], 'raw mode on while reading, restored after');
    const b = fake();
    const q = promptHidden(['Password: ', 'Again: '], b, () => {});
    b.feed('abc\u0003');
    assert.equal(await q, null);
    assert.deepEqual(b.raw, [true, false]);
    // mkpasswdCommand with a fake terminal: a cancel is an error, not a hash of what was typed.
    const c = fake();
    const run = mkpasswdCommand([], { stdin: Object.assign(c, { isTTY: true, [Symbol.asyncIterator]: () => { throw new Error('not read as a pipe'); } }), prompt: () => {} });
    setImmediate(() => c.feed('\u0004'));
    await assert.rejects(run, (e: unknown) => e instanceof CliError && /cancelled/.test(e.message));
  });
});

describe('the node refuses to run as root from a configuration file unless told to', () => {
  const REFUSAL = /^refusing to run as root: .*Run it as its own user .*pass --allow-root or set TSLINK_ALLOW_ROOT=1$/;

  it('as uid 0 (injected): refused with why and how, before anything is started', T, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tslink-root-'));
    const conf = join(tmpdir(), `tslink-root-${process.pid}.conf`);
    try {
      writeFileSync(conf, 'me { name "root.test"; info "x"; sid "0RT"; }\n');
      await assert.rejects(startCommand(['--config', conf, '--data-dir', join(dir, 'data')], { getuid: () => 0, env: {} }), (e: unknown) => e instanceof CliError && e.code === 1 && REFUSAL.test(e.message));
      assert.deepEqual(readdirSync(dir), [], 'no data directory was created');
    } finally {
      rmSync(conf, { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
    assert.match(rootRefusal(0, false, {}) ?? '', REFUSAL);
    assert.match(rootRefusal(0, false, { TSLINK_ALLOW_ROOT: 'yes' }) ?? '', REFUSAL, 'only TSLINK_ALLOW_ROOT=1 allows it');
    assert.equal(rootRefusal(0, true, {}), null, '--allow-root');
    assert.equal(rootRefusal(0, false, { TSLINK_ALLOW_ROOT: '1' }), null, 'TSLINK_ALLOW_ROOT=1');
    assert.equal(rootRefusal(1000, false, {}), null, 'any other user');
    assert.equal(rootRefusal(undefined, false, {}), null, 'no uids (Windows)');
    assert.equal(rootRefusal(0, false, {}, false), null, 'the embedded default configuration (loopback only, the README\'s npm start) runs, with a warning');
  });

  it('through the launcher, as root: tslink start exits 1 with the message, no node started', { ...T, skip: process.getuid?.() === 0 ? false : 'not running as root here (the injected test above covers the rule)' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tslink-root-'));
    try {
      const env = { ...process.env };
      delete env.TSLINK_ALLOW_ROOT;
      writeFileSync(join(dir, 'n.conf'), 'me { name "root.test"; info "x"; sid "0RT"; }\n');
      const r = tslink(['start', '--config', join(dir, 'n.conf'), '--data-dir', join(dir, 'data')], { cwd: dir, env });
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.err, /^tslink start: refusing to run as root: /);
      assert.match(r.err, /--allow-root or set TSLINK_ALLOW_ROOT=1\n$/);
      assert.equal(r.out, '');
      assert.equal(existsSync(join(dir, 'data')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
