// The part of the store both implementations share: the write queue committed once per
// event-loop turn, the tombstones, start-up loading (dropping what expired), and what happens
// when a write fails (ENOSPC, a full map, EIO): logged once, the store goes 'degraded' and takes
// no more writes, the node keeps running from memory, status() says so. The store is never
// wiped or rewritten to recover: what it holds stays as it was at the last good commit.
import { tklKey, type TklEntry } from '../tkl/types.ts';
import { casefold } from '../wire/casemap.ts';
import {
  type DbName, CorruptRecord, chanMdKey, channelKey, decodeChanMd, decodeChannel, decodeNetMd, decodeTkl, decodeTombstone,
  encodeChanMd, encodeChannel, encodeTkl, encodeTombstone, keyOf, tklStoreKey,
} from './codec.ts';
import { TombstoneSet, tombstoneFor, tombstoneLive, DEFAULT_MAX_TOMBSTONES } from './tombstones.ts';
import {
  type CommitResult, type LoadOptions, type PermanentChannel, type Store, type StoreLogger, type StoreSnapshot, type StoreStatus, type Tombstone,
  STORE_SCHEMA_VERSION, StoreOpenError,
} from './types.ts';

/** One write: value undefined = delete. */
export interface Op { db: DbName; key: string; value: unknown }

/** What an implementation provides. */
export interface Backend {
  readonly kind: string;
  readonly path: string | null;
  /** Call fn for every key and value of a database (start-up). May throw (corruption). */
  forEach(db: DbName, fn: (key: string, value: unknown) => void): void;
  /** Commit the ops as one transaction; rejects on failure (nothing of it is then committed). */
  commit(ops: Op[]): Promise<void>;
  count(db: DbName): number;
  close(): Promise<void>;
}

export interface CoreOptions {
  logger?: StoreLogger;
  maxTombstones?: number;
}

const OK: CommitResult = { persisted: true };
const NOW_S = () => Math.floor(Date.now() / 1000);

export class BatchingStore implements Store {
  private queue = new Map<string, Op>();
  private waiters: ((r: CommitResult) => void)[] = [];
  private scheduled = false;
  private inFlight = new Set<Promise<void>>();
  private readonly tombs: TombstoneSet;
  private readonly log: StoreLogger | undefined;
  private state: 'ok' | 'degraded' | 'closed' = 'ok';
  private error: StoreStatus['error'] = null;
  private commits = 0;
  private lastCommitAt: number | null = null;
  private loaded = false;
  /** Writes not persisted since the store went 'degraded' (the failed batch included). */
  private unpersisted = 0;

  constructor(private readonly backend: Backend, opts: CoreOptions = {}) {
    this.tombs = new TombstoneSet(opts.maxTombstones ?? DEFAULT_MAX_TOMBSTONES);
    this.log = opts.logger;
  }

  load(now: number, opts: LoadOptions = {}): StoreSnapshot {
    const t0 = performance.now();
    if (this.loaded) throw new Error('store already loaded');
    this.loaded = true;
    const where = this.backend.path ?? this.backend.kind;
    const read = <T>(db: DbName, decode: (k: string, v: unknown) => T): T[] => {
      const out: T[] = [];
      try {
        this.backend.forEach(db, (k, v) => { const r = decode(k, v); if (r !== undefined) out.push(r); });
      } catch (e) {
        const why = e instanceof CorruptRecord ? e.message : (e as Error).message;
        throw new StoreOpenError(`The store at ${where} is corrupt (${db}: ${why}). It was left as it is; move it away to start with an empty store, or restore a backup.`, 'corrupt');
      }
      return out;
    };
    const dropped = { expiredTkl: 0, expiredTombstones: 0 };
    const tkl: TklEntry[] = [];
    // The deletes of what expired are queued only once everything has decoded: a store that
    // turns out to be corrupt is not written to at all.
    const deletes: Op[] = [];
    // Each TKL goes to onTkl as it is decoded, when given (start-up: straight into the node's
    // table, so that 100,000 entries are not all held as objects at once), else into the snapshot.
    const onTkl = opts.onTkl ?? ((e: TklEntry) => { tkl.push(e); });
    let tklCount = 0;
    read('tkl', (k, v) => {
      const e = decodeTkl(v);
      if (e.expireAt !== 0 && e.expireAt <= now) { deletes.push({ db: 'tkl', key: k, value: undefined }); dropped.expiredTkl++; } else { tklCount++; onTkl(e); }
      return undefined;
    });
    for (const [k, t] of read('tomb', (k, v) => [k, decodeTombstone(v)] as const)) {
      if (!tombstoneLive(t, now)) { deletes.push({ db: 'tomb', key: k, value: undefined }); dropped.expiredTombstones++; continue; }
      for (const ev of this.tombs.add(t)) deletes.push({ db: 'tomb', key: keyOf(ev.key), value: undefined });
    }
    const channelMd: StoreSnapshot['channelMd'] = new Map();
    for (const r of read('chanmd', (_k, v) => decodeChanMd(v))) {
      const f = casefold(r.channel);
      let c = channelMd.get(f);
      if (!c) { c = { name: r.channel, md: new Map() }; channelMd.set(f, c); }
      c.md.set(r.key, r.value);
    }
    const networkMd = new Map(read('netmd', (k, v) => decodeNetMd(k, v)).map((r) => [r.key, r.value] as const));
    const channels = read('chan', (_k, v) => decodeChannel(v));
    for (const op of deletes) void this.enqueue(op);
    return { tkl, tklCount, tombstones: [...this.tombs.values()], channelMd, networkMd, channels, dropped, loadMs: performance.now() - t0 };
  }

  putTkl(e: TklEntry): Promise<CommitResult> {
    this.queueTkl(e);
    return this.enqueue({ db: 'tkl', key: tklStoreKey(e), value: encodeTkl(e) }); // again: the same write, now with a promise
  }

  removeTkl(e: TklEntry, tombstone?: { removedAt: number; removedBy: string }): Promise<CommitResult> {
    this.queueTklRemoval(e, tombstone);
    return this.enqueue({ db: 'tkl', key: tklStoreKey(e), value: undefined });
  }

  /** putTkl() for a change nobody waits for (Store.queueTkl()): no promise is made. */
  queueTkl(e: TklEntry): void {
    const key = tklStoreKey(e);
    const t = this.tombs.size > 0 ? this.tombs.get(tklKey(e)) : undefined;
    if (t) { this.tombs.delete(t.key); this.queueOp({ db: 'tomb', key, value: undefined }); }
    this.queueOp({ db: 'tkl', key, value: encodeTkl(e) });
  }

  /** removeTkl() for a change nobody waits for. */
  queueTklRemoval(e: TklEntry, tombstone?: { removedAt: number; removedBy: string }): void {
    const key = tklStoreKey(e);
    if (tombstone) {
      const t = tombstoneFor(e, tombstone.removedAt, tombstone.removedBy);
      if (tombstoneLive(t, tombstone.removedAt)) {
        for (const ev of this.tombs.add(t)) this.queueOp({ db: 'tomb', key: keyOf(ev.key), value: undefined });
        this.queueOp({ db: 'tomb', key, value: encodeTombstone(t) });
      }
    }
    this.queueOp({ db: 'tkl', key, value: undefined });
  }

  refuseReAdd(e: TklEntry, now: number): Tombstone | null {
    return this.tombs.refuse(e, now);
  }

  expireTombstones(now: number): Tombstone[] {
    const gone = this.tombs.expire(now);
    for (const t of gone) this.enqueue({ db: 'tomb', key: keyOf(t.key), value: undefined });
    return gone;
  }

  /** The tombstones held (for listings). */
  tombstones(): Tombstone[] { return [...this.tombs.values()]; }

  setChannelMd(channel: string, key: string, value: string | null): Promise<CommitResult> {
    return this.enqueue({ db: 'chanmd', key: chanMdKey(channel, key), value: value === null ? undefined : encodeChanMd(channel, key, value) });
  }

  setNetworkMd(key: string, value: string | null): Promise<CommitResult> {
    return this.enqueue({ db: 'netmd', key: keyOf(key), value: value === null ? undefined : [key, value] });
  }

  putChannel(c: PermanentChannel): Promise<CommitResult> {
    return this.enqueue({ db: 'chan', key: channelKey(c.name), value: encodeChannel(c) });
  }

  removeChannel(name: string): Promise<CommitResult> {
    return this.enqueue({ db: 'chan', key: channelKey(name), value: undefined });
  }

  private enqueue(op: Op): Promise<CommitResult> {
    if (this.state === 'closed') return Promise.resolve({ persisted: false, error: 'store closed' });
    if (this.state === 'degraded') { this.unpersisted++; return Promise.resolve({ persisted: false, error: this.error!.message }); }
    this.queueOp(op);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Queue a write for this turn's commit, with nothing to tell anyone when it is done. */
  private queueOp(op: Op): void {
    if (this.state !== 'ok') { if (this.state === 'degraded') this.unpersisted++; return; }
    const id = `${op.db}\0${op.key}`;
    this.queue.delete(id); // the last write of a key in a turn wins, in its new place
    this.queue.set(id, op);
    if (!this.scheduled) { this.scheduled = true; setImmediate(() => this.commitTurn()); }
  }

  private commitTurn(): void {
    this.scheduled = false;
    const ops = [...this.queue.values()];
    const waiters = this.waiters;
    this.queue = new Map();
    this.waiters = [];
    if (ops.length === 0) { for (const w of waiters) w(OK); return; }
    if (this.state !== 'ok') { const r: CommitResult = { persisted: false, error: this.error?.message ?? 'store closed' }; for (const w of waiters) w(r); return; }
    const p = this.backend.commit(ops).then(
      () => { this.commits++; this.lastCommitAt = NOW_S(); for (const w of waiters) w(OK); },
      (err: unknown) => { this.degrade(err); this.unpersisted += ops.length; const r: CommitResult = { persisted: false, error: this.error!.message }; for (const w of waiters) w(r); },
    ).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private degrade(err: unknown): void {
    if (this.state !== 'ok') return;
    const e = err as { code?: unknown; message?: string };
    const code = typeof e.code === 'string' ? e.code : e.code === 5 ? 'EIO' : e.code === 28 ? 'ENOSPC' : e.code === -30792 ? 'MDB_MAP_FULL' : String(e.code ?? 'EWRITE');
    this.state = 'degraded';
    this.error = { code, message: `store write failed (${code}: ${e.message ?? String(err)}); running from memory, nothing more is persisted until restart`, at: NOW_S() };
    this.log?.error({ event: 'STORE_WRITE_FAILED', code, path: this.backend.path, error: e.message ?? String(err) },
      'The store could not be written (disk full?): the node keeps running from memory; changes from now on are not persisted');
  }

  async flush(): Promise<void> {
    if (this.scheduled) await new Promise<void>((r) => setImmediate(r));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  status(): StoreStatus {
    const b = this.backend;
    const count = (db: DbName) => (this.state === 'closed' ? 0 : b.count(db));
    return {
      state: this.state, kind: b.kind, path: b.path, schemaVersion: STORE_SCHEMA_VERSION, error: this.error,
      counts: { tkl: count('tkl'), tombstones: this.tombs.size, channels: count('chan'), channelMd: count('chanmd'), networkMd: count('netmd') },
      pending: this.queue.size, commits: this.commits, lastCommitAt: this.lastCommitAt, unpersisted: this.unpersisted,
    };
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    await this.flush();
    if (this.state === 'degraded' && this.unpersisted > 0) {
      this.log?.error({ event: 'STORE_UNPERSISTED', path: this.backend.path, unpersisted: this.unpersisted, code: this.error?.code },
        `${this.unpersisted} change(s) since the store write failed (${this.error?.code}) were kept in memory only and are lost with this stop; the store holds the state of its last good commit`);
    }
    this.state = 'closed';
    await this.backend.close();
  }
}
