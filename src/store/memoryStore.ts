// The in-memory store (tests, and nodes run without a data directory): the same behaviour as the
// LMDB store (batching per turn, tombstones, expiry at load, degraded mode), kept in maps.
// `failWith` makes the next commits fail as a full disk would, to test the degraded path.
import { BatchingStore, type Backend, type CoreOptions, type Op } from './core.ts';
import type { DbName } from './codec.ts';

export class MemoryBackend implements Backend {
  readonly kind = 'memory';
  readonly path = null;
  readonly dbs = new Map<DbName, Map<string, unknown>>();
  /** When set, commits reject with this error (nothing of the batch is kept). */
  failWith: (Error & { code?: string | number }) | null = null;
  committedBatches = 0;

  private db(name: DbName): Map<string, unknown> {
    let m = this.dbs.get(name);
    if (!m) { m = new Map(); this.dbs.set(name, m); }
    return m;
  }

  forEach(db: DbName, fn: (key: string, value: unknown) => void): void {
    for (const [k, v] of [...this.db(db)]) fn(k, structuredClone(v));
  }

  async commit(ops: Op[]): Promise<void> {
    await Promise.resolve();
    if (this.failWith) throw this.failWith;
    // Values are copied (structuredClone), as a real store would serialise them.
    for (const op of ops) {
      if (op.value === undefined) this.db(op.db).delete(op.key);
      else this.db(op.db).set(op.key, structuredClone(op.value));
    }
    this.committedBatches++;
  }

  count(db: DbName): number { return this.db(db).size; }
  async close(): Promise<void> {}
}

/** A store in memory. Pass the same backend to a second MemoryStore to "restart" on its data. */
export class MemoryStore extends BatchingStore {
  readonly memory: MemoryBackend;
  constructor(backend: MemoryBackend = new MemoryBackend(), opts: CoreOptions = {}) {
    super(backend, opts);
    this.memory = backend;
  }
}
