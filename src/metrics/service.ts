// The metrics of a node: opens the `listen { ...; options { metrics; } }` blocks of its
// configuration as MetricsHttpListeners, and closes and opens them on a reload. prom-client is
// loaded (and its registry made) only once a metrics listener exists, and the registry is kept
// across reloads (its default collectors register observers that cannot be removed).
//
//   const metrics = new MetricsService(node, node.log);
//   await metrics.start();            // after the node's listeners
//   changes.push(...await metrics.reload());
//   await metrics.stop();
import type * as PromClient from 'prom-client';
import type { ListenConfig } from '../config/index.ts';
import type { Logger } from '../runtime/logger.ts';
import type { MetricsHttpListener, Exposition } from './httpListener.ts';
import type { MetricsSource } from './source.ts';

/** The metrics listeners of a configuration. */
export function metricsListeners(listen: readonly ListenConfig[]): ListenConfig[] {
  return listen.filter((l) => l.metrics);
}

function keyOf(l: ListenConfig): string {
  return `${l.ip}:${l.port}`;
}

export class MetricsService {
  private readonly open = new Map<string, { listener: MetricsHttpListener; address: { host: string; port: number } }>();
  private registry: PromClient.Registry | null = null;

  constructor(private readonly source: MetricsSource, private readonly log: Logger) {}

  /** The bound addresses (port 0 resolved), for tests and the start log line. */
  get addresses(): { host: string; port: number }[] {
    return [...this.open.values()].map((o) => o.address);
  }

  /** Open every metrics listener of the configuration; throws when one cannot be opened. */
  async start(): Promise<void> {
    for (const l of metricsListeners(this.source.config.listen)) await this.openListener(l);
  }

  /** Match the listeners to the (new) configuration; returns what changed. */
  async reload(): Promise<string[]> {
    const out: string[] = [];
    const wanted = new Map(metricsListeners(this.source.config.listen).map((l) => [keyOf(l), l]));
    for (const [key, o] of [...this.open]) {
      if (wanted.has(key)) continue;
      this.open.delete(key);
      await o.listener.close();
      out.push(`metrics listener ${key} closed`);
    }
    for (const [key, l] of wanted) {
      if (this.open.has(key)) continue;
      try {
        await this.openListener(l);
        out.push(`metrics listener ${key} opened`);
      } catch (err) {
        this.log.error({ event: 'METRICS_LISTEN_FAILED', listen: key, reason: (err as Error).message }, `could not open metrics listener ${key}: ${(err as Error).message}`);
        out.push(`metrics listener ${key} FAILED: ${(err as Error).message}`);
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((o) => o.listener.close()));
  }

  /** The exposition text, as a scrape gets it. */
  async scrape(): Promise<Exposition> {
    const registry = await this.ensureRegistry();
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  private async openListener(l: ListenConfig): Promise<void> {
    await this.ensureRegistry();
    // node:http and the listener are loaded with the first metrics listener: a node without one
    // never loads them (issue 13's idle RSS; node:http alone is ~1 MB).
    const { MetricsHttpListener } = await import('./httpListener.ts');
    const listener = new MetricsHttpListener(() => this.scrape());
    const address = await listener.listen(l.ip === '*' ? '::' : l.ip ?? '127.0.0.1', l.port ?? 0);
    this.open.set(keyOf(l), { listener, address });
    this.log.info({ event: 'METRICS_LISTENING', ip: address.host, port: address.port }, `metrics on http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}/metrics`);
  }

  private async ensureRegistry(): Promise<PromClient.Registry> {
    if (!this.registry) {
      const prom = (await import('prom-client')) as unknown as typeof PromClient & { default?: typeof PromClient };
      const { buildRegistry } = await import('./registry.ts');
      this.registry = buildRegistry(prom.default ?? prom, this.source);
    }
    return this.registry;
  }
}
