// The LMDB store: one environment in DATA/store (data.mdb, lock.mdb), one named database per
// kind of record (codec.ts DB_NAMES), a schema version in 'meta'.
//
// Opening: a directory without data.mdb becomes a new store. An existing one must be an LMDB
// file (its meta pages are checked before LMDB maps it: LMDB itself crashes the process on some
// damaged files), must hold this schema version, and must decode (load()). Anything else stops
// start-up with a StoreOpenError saying what to do; the files are never wiped or rewritten (a
// foreign or future store is not even given a 'meta' database).
//
// Writes: BatchingStore (core.ts) hands one batch per event-loop turn to commit(), which runs
// it as one LMDB transaction. `durability: 'commit'` (default) resolves a write once its
// transaction is committed (it survives the process being killed; LMDB's copy-on-write pages
// and its meta pointers keep the file consistent); 'flush' waits for the data to be synced to
// the disk as well (survives power loss; the flush overlaps with the next turns).
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Database, RootDatabase } from 'lmdb';
import { BatchingStore, type Backend, type CoreOptions, type Op } from './core.ts';
import { DB_NAMES, type DbName } from './codec.ts';
import { STORE_SCHEMA_VERSION, StoreOpenError } from './types.ts';

export interface LmdbStoreOptions extends CoreOptions {
  /** The store's directory under the data directory (default 'store'). */
  subdir?: string;
  durability?: 'commit' | 'flush';
  /** Clock for the 'created' stamp of a new store. */
  now?: () => number;
  /** How long writes must have stopped before a reopen gives the data file's pages back (ms; tests shorten it). */
  remapQuietMs?: number;
}

const MDB_MAGIC = 0xbeefc0de;
/** TransactionFlags: ABORTABLE | SYNCHRONOUS_COMMIT | NO_SYNC_FLUSH. */
const TXN_FLAGS = 0x1 | 0x2 | 0x10000;
/** Offsets in a meta page of the LMDB build lmdb-js ships (page header 24 bytes). */
const META = { magic: 24, version: 28, psize: 48, lastPg: 144, txnid: 152 };

/** Check an LMDB data file's meta pages: null when it looks sound, else what is wrong. */
export function checkLmdbFile(file: string): string | null {
  let fd: number;
  try { fd = openSync(file, 'r'); } catch (e) { return `cannot read it (${(e as Error).message})`; }
  try {
    const size = fstatSync(fd).size;
    if (size < 2 * 4096) return `it is too short for an LMDB file (${size} bytes)`;
    const page0 = Buffer.alloc(4096);
    readSync(fd, page0, 0, 4096, 0);
    const readMeta = (b: Buffer) => ({
      ok: b.readUInt32LE(META.magic) === MDB_MAGIC && [1, 2].includes(b.readUInt32LE(META.version)),
      psize: b.readUInt32LE(META.psize), lastPg: Number(b.readBigUInt64LE(META.lastPg)), txnid: b.readBigUInt64LE(META.txnid),
    });
    const m0 = readMeta(page0);
    const psize = m0.ok ? m0.psize : 4096;
    if (psize < 512 || psize > 65536 || (psize & (psize - 1)) !== 0) return 'its page size is not one LMDB writes';
    const page1 = Buffer.alloc(4096);
    readSync(fd, page1, 0, 4096, psize);
    const m1 = readMeta(page1);
    if (!m0.ok && !m1.ok) return 'it is not an LMDB file (no valid meta page)';
    const m = m0.ok && m1.ok ? (m1.txnid > m0.txnid ? m1 : m0) : m0.ok ? m0 : m1;
    if (m.lastPg < 1 || (m.lastPg + 1) * psize > size) return `it is truncated (${size} bytes; its last page is ${m.lastPg} of ${psize} bytes)`;
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * lmdb-js through its CommonJS build (dist/index.cjs, one bundled file) rather than its ESM entry
 * (node-index.js: ~20 modules of lmdb, msgpackr and their helpers, each kept as a module record
 * and source text): the same code and native addon, 1.3-2 MB less of the idle node's RSS (issue 13).
 */
const { open } = createRequire(import.meta.url)('lmdb') as typeof import('lmdb');

/** The environment's options (the same at every opening). */
const ENV_OPTIONS = { maxDbs: 12, compression: false } as const;

/**
 * Giving the data file's pages back. LMDB reads through a read-only mapping of data.mdb: every
 * page a write or a read has passed through stays resident in the process (it counts in its RSS)
 * until the file is unmapped; 50,000 G-lines written one turn after the other leave the whole
 * file mapped (~9 MB for 50,000 G-lines). So once at least REMAP_AFTER records have been read or
 * written since the environment was opened, and no write has come for `remapQuietMs`, the
 * environment is closed and opened again (a few ms): what it holds is unchanged (every write was
 * committed, LMDB's close waits for the flush in progress), and a commit queued meanwhile waits
 * for the new environment. Start-up's load of the whole store counts as reading every record.
 */
const REMAP_AFTER = 4096;
const REMAP_QUIET_MS = 1000;

class LmdbBackend implements Backend {
  readonly kind = 'lmdb';
  /** Records read or written through the current mapping. */
  private touched = 0;
  private lastWriteAt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** While the environment is being reopened: resolves once it is open again (or failed to). */
  private reopening: Promise<void> | null = null;
  /** Why the environment could not be opened again (every later commit fails with it). */
  private lost: Error | null = null;
  /** Commits started and not finished (a reopen waits for none to be running). */
  private busy = 0;
  /** Entry counts taken before a reopen, answered while it runs. */
  private counts: Partial<Record<DbName, number>> = {};
  private closing = false;
  /** Times the environment was reopened (tests, status). */
  remaps = 0;
  get remapping(): boolean { return this.reopening !== null; }

  constructor(readonly path: string, private env: RootDatabase, private dbs: Record<DbName, Database>, private readonly durability: 'commit' | 'flush', private readonly remapQuietMs = REMAP_QUIET_MS) {}

  forEach(db: DbName, fn: (key: string, value: unknown) => void): void {
    let n = 0;
    for (const { key, value } of this.dbs[db].getRange({})) { n++; fn(key as string, value); }
    this.touch(n);
  }

  async commit(ops: Op[]): Promise<void> {
    if (this.reopening) await this.reopening; // a reopen waiting for LMDB's flush of the last commit
    if (this.lost) throw this.lost;
    const dbs = this.dbs;
    this.busy++;
    try {
      // One synchronous transaction, committed before it returns, without waiting for the disk
      // flush (NO_SYNC_FLUSH: LMDB's overlapping sync flushes it right after). Synchronous on
      // purpose: lmdb-js's asynchronous transactions, when a commit fails (a full disk), leave a
      // rejected promise of their own unhandled (which ends a Node process) and a close() that
      // never returns; a synchronous one just throws. It holds the event loop about 1 ms per
      // turn with writes (25 puts: 0.9 ms on the development VM).
      this.env.transactionSync(() => {
        for (const op of ops) {
          if (op.value === undefined) dbs[op.db].removeSync(op.key);
          else dbs[op.db].putSync(op.key, op.value);
        }
      }, TXN_FLAGS);
      if (this.durability === 'flush') await new Promise<void>((resolve, reject) => { this.env.flushed.then(() => resolve(), reject); });
    } finally {
      this.busy--;
    }
    this.lastWriteAt = performance.now();
    this.touch(ops.length);
  }

  private touch(n: number): void {
    this.touched += n;
    if (this.touched >= REMAP_AFTER && !this.timer && !this.closing && !this.lost) {
      this.timer = setTimeout(() => this.quietCheck(), this.remapQuietMs);
      this.timer.unref();
    }
  }

  private quietCheck(): void {
    this.timer = null;
    if (this.closing || this.lost || this.reopening) return;
    const quietFor = performance.now() - this.lastWriteAt;
    if (this.busy > 0 || quietFor < this.remapQuietMs) {
      this.timer = setTimeout(() => this.quietCheck(), Math.max(10, this.remapQuietMs - quietFor));
      this.timer.unref();
      return;
    }
    void this.remapNow();
  }

  /** Reopen the environment now (the quiet period's end; tests). Resolves once it is open again. */
  remapNow(): Promise<void> {
    if (this.closing || this.lost) return Promise.resolve();
    if (this.reopening) return this.reopening;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    for (const db of DB_NAMES) this.counts[db] = this.count(db);
    this.reopening = this.reopen().finally(() => { this.reopening = null; });
    return this.reopening;
  }

  /** Close the environment and open it again (its mapping, and the pages resident in it, go). */
  private async reopen(): Promise<void> {
    this.touched = 0;
    try {
      await this.env.close();
      const env = open({ path: this.path, ...ENV_OPTIONS });
      const dbs = {} as Record<DbName, Database>;
      for (const name of DB_NAMES) dbs[name] = env.openDB(name, {});
      this.env = env;
      this.dbs = dbs;
      this.remaps++;
    } catch (e) {
      this.lost = new Error(`the store could not be opened again (${(e as Error).message})`);
    }
  }

  count(db: DbName): number {
    if (this.reopening || this.lost) return this.counts[db] ?? 0;
    return (this.dbs[db].getStats() as { entryCount: number }).entryCount;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.reopening) await this.reopening;
    if (!this.lost) await this.env.close();
  }
}

export class LmdbStore extends BatchingStore {
  constructor(private readonly lmdb: LmdbBackend, opts: CoreOptions) { super(lmdb, opts); }
  /** How many times the environment was reopened to give its pages back (tests). */
  get remaps(): number { return this.lmdb.remaps; }
  /** Reopen the environment now, as the end of a quiet period after many writes does (tests). */
  remapNow(): Promise<void> { return this.lmdb.remapNow(); }
  /** Whether a reopen is under way (tests). */
  get remapping(): boolean { return this.lmdb.remapping; }
}

/** Open (or create) the store in `dataDir`. Throws StoreOpenError when it cannot be used. */
export function openLmdbStore(dataDir: string, opts: LmdbStoreOptions = {}): LmdbStore {
  const dir = join(dataDir, opts.subdir ?? 'store');
  const file = join(dir, 'data.mdb');
  const tail = 'It was left as it is: move it away to start with an empty store, or restore a backup.';
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new StoreOpenError(`The store path ${dir} is not a directory. ${tail}`, 'not-a-store');
  const existed = existsSync(file);
  if (existed) {
    const bad = checkLmdbFile(file);
    if (bad) throw new StoreOpenError(`The store ${file} cannot be used: ${bad}. ${tail}`, 'corrupt');
  } else {
    try { mkdirSync(dir, { recursive: true, mode: 0o700 }); } catch (e) {
      throw new StoreOpenError(`Cannot create the store directory ${dir}: ${(e as Error).message}`, 'open-failed');
    }
  }
  let env: RootDatabase;
  try {
    env = open({ path: dir, ...ENV_OPTIONS });
  } catch (e) {
    throw new StoreOpenError(`Cannot open the store ${dir}: ${(e as Error).message}. ${tail}`, 'open-failed');
  }
  const fail = (err: StoreOpenError): never => { void env.close(); throw err; };
  try {
    // create: false (an lmdb-js option its types omit): a foreign environment is not modified.
    const meta = env.openDB<unknown, string>('meta', { create: !existed } as Parameters<RootDatabase['openDB']>[1]);
    if (existed) {
      const v = meta ? meta.get('schema') : undefined; // openDB(create: false) gives nothing when there is no such database
      if (v === undefined) fail(new StoreOpenError(`${dir} is an LMDB environment but not a tslink store (it has no schema version). ${tail}`, 'not-a-store'));
      if (v !== STORE_SCHEMA_VERSION) fail(new StoreOpenError(`The store ${dir} has schema version ${String(v)}; this tslink reads version ${STORE_SCHEMA_VERSION}. Run the tslink that wrote it, or move it away. ${tail}`, 'unknown-version'));
    } else {
      meta.putSync('schema', STORE_SCHEMA_VERSION);
      meta.putSync('created', (opts.now ?? (() => Math.floor(Date.now() / 1000)))());
      meta.putSync('software', 'tslink');
    }
    const dbs = {} as Record<DbName, Database>;
    for (const name of DB_NAMES) dbs[name] = name === 'meta' ? meta : env.openDB(name, {});
    return new LmdbStore(new LmdbBackend(dir, env, dbs, opts.durability ?? 'commit', opts.remapQuietMs), opts);
  } catch (e) {
    if (e instanceof StoreOpenError) throw e;
    return fail(new StoreOpenError(`Cannot open the store ${dir}: ${(e as Error).message}. ${tail}`, 'open-failed'));
  }
}
