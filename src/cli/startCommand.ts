// tslink start [--config FILE] [--data-dir DIR]: run the node until SIGTERM/SIGINT; SIGHUP rehashes.
import { defaultConfig, loadConfigFile, type TslinkConfig } from '../config/index.ts';
import { TslinkNode } from '../runtime/node.ts';
import { createLogger } from '../runtime/logger.ts';

export async function startCommand(args: string[]): Promise<number> {
  const log = createLogger();
  const ci = args.indexOf('--config');
  const file = ci >= 0 ? args[ci + 1] : undefined;
  const di = args.indexOf('--data-dir');
  const dataDir = di >= 0 ? args[di + 1] : '.tslink-data';
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
  const node = new TslinkNode(config, { logger: log });
  try {
    await node.start();
  } catch (err) {
    log.error({ event: 'START_FAILED', reason: (err as Error).message }, `could not start: ${(err as Error).message}`);
    await node.stop('Startup failed');
    return 1;
  }
  return await new Promise<number>((resolve) => {
    const stop = (sig: string) => {
      log.info({ event: 'SIGNAL', signal: sig }, `${sig}: shutting down`);
      void node.stop('Server shutting down').then(() => resolve(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      const next = load();
      if (!next) { log.error({ event: 'REHASH_FAILED' }, 'rehash failed: keeping the running configuration'); return; }
      void node.rehash(next);
    });
  });
}
