// tslink start [--config FILE] [--data-dir DIR] [--capture-dir DIR] [--allow-root]: run the node
// until SIGTERM/SIGINT; SIGHUP (or `tslink rehash` over the rpc socket) rehashes.
import { resolve as resolvePath } from 'node:path';
import { defaultConfig, loadConfigFile, type TslinkConfig } from '../config/index.ts';
import { TslinkNode } from '../runtime/node.ts';
import { createLogger } from '../runtime/logger.ts';
import { CliError, UsageError } from './args.ts';
import { USAGE } from './usage.ts';
import { LogOutput, logFileOf } from '../runtime/logOutput.ts';

export const START_USAGE = USAGE.start;

const VALUE_FLAGS = new Set(['--config', '--data-dir', '--capture-dir']);
const BOOL_FLAGS = new Set(['--allow-root']);

/** pino's levels: any other TSLINK_LOG_LEVEL would make pino throw. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The options of `tslink start`, or an error message. */
export function parseStartArgs(args: string[]): { values: Map<string, string>; flags: Set<string>; error?: string } {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (BOOL_FLAGS.has(a)) { flags.add(a); continue; }
    if (!VALUE_FLAGS.has(a)) return { values, flags, error: a.startsWith('-') ? `unknown option ${a}` : `unexpected argument ${a}` };
    const v = args[i + 1];
    if (v === undefined || v === '' || VALUE_FLAGS.has(v) || BOOL_FLAGS.has(v)) return { values, flags, error: `${a} needs a value` };
    values.set(a, v);
    i++;
  }
  return { values, flags };
}

/**
 * Why the node must not start as this user, or null. A node faces the network and parses what
 * peers send: as root, one bug would hand the peer the whole machine, and nothing it does needs
 * root (ports below 1024 are not used for server links; systemd's User= runs it as its own user).
 */
/**
 * Why the node will not start as root, or null. Only a node run from a configuration file is
 * refused: the embedded default configuration (no --config) listens on loopback only and is the
 * README's first command, which a newcomer may well run as root in a container; it starts with a
 * warning instead (ROOT_WARNING).
 */
export function rootRefusal(uid: number | undefined, allowRootFlag: boolean, env: NodeJS.ProcessEnv, withConfigFile = true): string | null {
  if (uid !== 0 || allowRootFlag || env.TSLINK_ALLOW_ROOT === '1' || !withConfigFile) return null;
  return 'refusing to run as root: the node faces the network, and as root a single bug would give a peer the whole machine. '
    + 'Run it as its own user (contrib/tslink.service has User=tslink; useradd --system tslink), '
    + 'or, if you really mean it, pass --allow-root or set TSLINK_ALLOW_ROOT=1';
}

/** What startCommand reads from the process (injectable, so that the root refusal is tested as any user). */
export interface StartEnvironment {
  getuid?: () => number | undefined;
  env?: NodeJS.ProcessEnv;
}

export async function startCommand(args: string[], environment: StartEnvironment = {}): Promise<number> {
  const env = environment.env ?? process.env;
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(START_USAGE); return 0; }
  const parsed = parseStartArgs(args);
  if (parsed.error) throw new UsageError(parsed.error);
  const uid = (environment.getuid ?? (() => process.getuid?.()))();
  const refusal = rootRefusal(uid, parsed.flags.has('--allow-root'), env, parsed.values.has('--config'));
  if (refusal) throw new CliError(refusal);
  const rootOnDefault = uid === 0 && rootRefusal(uid, parsed.flags.has('--allow-root'), env, true) !== null;
  const level = env.TSLINK_LOG_LEVEL;
  if (level !== undefined && !LOG_LEVELS.includes(level)) throw new CliError(`TSLINK_LOG_LEVEL=${level} is not a log level (${LOG_LEVELS.join(', ')})`, 2);
  // Stdout until the configuration names a log file (config errors always reach stdout/journald).
  const output = new LogOutput();
  const log = createLogger({ destination: output.stream });
  if (rootOnDefault) log.warn({ event: 'ROOT_WARNING' }, 'running as root on the embedded default configuration (loopback only); with --config the node refuses root unless --allow-root or TSLINK_ALLOW_ROOT=1');
  const file = parsed.values.get('--config');
  const dataDir = parsed.values.get('--data-dir') ?? '.tslink-data';
  const captureDirArg = parsed.values.get('--capture-dir');
  const captureDir = captureDirArg !== undefined ? resolvePath(captureDirArg) : undefined;
  const load = (): TslinkConfig | null => {
    if (!file) return defaultConfig(dataDir);
    const res = loadConfigFile(file);
    for (const w of res.warnings) log.warn({ event: 'CONFIG_WARNING', where: `${w.file}:${w.line}` }, w.text);
    if (res.errors.length) { for (const e of res.errors) log.error({ event: 'CONFIG_ERROR', where: `${e.file}:${e.line}` }, e.text); return null; }
    if (!res.config!.set.dataDirectory) res.config!.set.dataDirectory = dataDir;
    return res.config!;
  };
  const config = load();
  if (!config) return 1;
  // Said on stdout (journald) before the lines start going to the file.
  const logFile = logFileOf(config);
  if (logFile) log.info({ event: 'LOG_OUTPUT', file: logFile.file, maxSize: logFile.maxSize }, `logging to ${logFile.file} from now on (rotated at ${logFile.maxSize} bytes)`);
  try {
    await output.apply(config);
  } catch (err) {
    log.error({ event: 'START_FAILED', reason: (err as Error).message }, `could not open the log file: ${(err as Error).message}`);
    return 1;
  }
  // server.rehash over JSON-RPC (`tslink rehash`) re-reads the same file as SIGHUP does.
  const node = new TslinkNode(config, { logger: log, captureDir, logOutput: output, loadConfig: file ? () => loadConfigFile(file) : undefined });
  if (captureDir) log.info({ event: 'CAPTURE_DIR', path: captureDir }, `recording every link to ${captureDir}`);
  // The signal handlers come before the listeners: a SIGTERM or SIGINT that arrives while the node
  // is starting stops it once it has started, instead of killing it (the default action) with
  // its ports half open. One stop, whatever arrives meanwhile: under `npm start`, Ctrl-C at a
  // terminal reaches the node twice (from the terminal, and again from npm, which passes SIGINT
  // and SIGTERM on to its script), and the default action of a second SIGINT would kill it
  // halfway through.
  let started = false;
  let stopping = false;
  let done!: (code: number) => void;
  const finished = new Promise<number>((r) => { done = r; });
  const shutDown = () => { void node.stop('Server shutting down').then(() => done(0)); };
  const stop = (sig: string) => {
    if (stopping) { log.info({ event: 'SIGNAL', signal: sig }, `${sig}: already shutting down`); return; }
    stopping = true;
    log.info({ event: 'SIGNAL', signal: sig }, `${sig}: shutting down`);
    if (started) shutDown();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    if (!started || stopping) { log.warn({ event: 'REHASH_FAILED' }, 'SIGHUP while the node is starting or stopping: ignored'); return; }
    const next = load();
    if (!next) { log.error({ event: 'REHASH_FAILED' }, 'rehash failed: keeping the running configuration'); return; }
    void node.rehash(next);
  });
  try {
    await node.start();
  } catch (err) {
    log.error({ event: 'START_FAILED', reason: (err as Error).message }, `could not start: ${(err as Error).message}`);
    await node.stop('Startup failed');
    await output.close();
    return 1;
  }
  started = true;
  if (stopping) shutDown();
  const code = await finished;
  await output.close();
  return code;
}
