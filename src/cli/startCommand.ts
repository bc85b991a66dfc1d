// tslink start [--config FILE] [--data-dir DIR] [--capture-dir DIR]: run the node until
// SIGTERM/SIGINT; SIGHUP rehashes.
import { resolve as resolvePath } from 'node:path';
import { defaultConfig, loadConfigFile, type TslinkConfig } from '../config/index.ts';
import { TslinkNode } from '../runtime/node.ts';
import { createLogger } from '../runtime/logger.ts';

export const START_USAGE = 'usage: tslink start [--config FILE] [--data-dir DIR] [--capture-dir DIR]\n';

const VALUE_FLAGS = new Set(['--config', '--data-dir', '--capture-dir']);

/** The options of `tslink start`, or an error message. */
export function parseStartArgs(args: string[]): { values: Map<string, string>; error?: string } {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!VALUE_FLAGS.has(a)) return { values, error: a.startsWith('-') ? `unknown option ${a}` : `unexpected argument ${a}` };
    const v = args[i + 1];
    if (v === undefined || v === '') return { values, error: `${a} needs a value` };
    values.set(a, v);
    i++;
  }
  return { values };
}

export async function startCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(START_USAGE); return 0; }
  const parsed = parseStartArgs(args);
  if (parsed.error) { process.stderr.write(`tslink start: ${parsed.error}\n${START_USAGE}`); return 2; }
  const log = createLogger();
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
  const node = new TslinkNode(config, { logger: log, captureDir });
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
    return 1;
  }
  started = true;
  if (stopping) shutDown();
  return await finished;
}
