// The node's side of the store (src/store): which store a node opens, loading it into the
// engine's TKL table at start-up (before any link can come up, so the first burst already has
// every ban), and carrying out the engine's 'tkl' effects on it. The engine never sees the store;
// it only asks, through EngineOptions.tklRemoved, whether a re-added ban was removed here.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Effect } from '../s2s/effects.ts';
import type { TklTable } from '../tkl/tklTable.ts';
import { tklKey } from '../tkl/types.ts';
import { openLmdbStore } from '../store/lmdbStore.ts';
import type { Store, StoreLogger } from '../store/types.ts';

/** The data directory a configuration's node uses (the same default as its TLS files). */
export function dataDirOf(dataDirectory: string | undefined): string {
  return dataDirectory ?? '.tslink-data';
}

/** The store directory inside a data directory. */
export const storeDirOf = (dataDir: string): string => join(dataDir, 'store');

/** The file in the store directory that says which process runs a node on it (`tslink tkl` refuses to write while one does). */
export const nodePidFile = (dataDir: string): string => join(storeDirOf(dataDir), 'tslink.pid');

/** Pid files written by this process, by store. */
const pidFiles = new WeakMap<Store, string>();

/**
 * Open the node's store: the one given (tests), else the LMDB store in the data directory (and
 * write its pid file). Throws StoreOpenError (start-up stops; the files are left as they are).
 */
export function openNodeStore(dataDirectory: string | undefined, log: StoreLogger, given?: Store): Store {
  if (given) return given;
  const dir = dataDirOf(dataDirectory);
  const store = openLmdbStore(dir, { logger: log });
  const pidFile = nodePidFile(dir);
  try { writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 }); pidFiles.set(store, pidFile); } catch { /* read-only directory: no pid file, the store works */ }
  return store;
}

/** Close a store openNodeStore() opened (everything queued is committed first) and remove its pid file. */
export async function closeNodeStore(store: Store): Promise<void> {
  await store.close().catch(() => {});
  const pidFile = pidFiles.get(store);
  if (pidFile && runningNodePid(pidFile) === process.pid) rmSync(pidFile, { force: true });
}

/** The pid in a pid file when that process is alive, else null (none, unreadable, or left by a process that died). */
export function runningNodePid(pidFile: string): number | null {
  let pid: number;
  try { pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10); } catch { return null; }
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try { process.kill(pid, 0); return pid; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : null; }
}

/** What loading put in the table, for the start-up log line. */
export interface LoadReport { tkl: number; tombstones: number; expiredTkl: number; expiredTombstones: number; loadMs: number }

/**
 * Read the store into the TKL table. What expired while the node was down is dropped (and
 * deleted from the store by load()). An entry is added as it was stored (no effects: the table and
 * the store already agree); one the table held already is merged with it and written back.
 */
export function loadStoreInto(store: Store, table: TklTable, now: number): LoadReport {
  const t0 = performance.now();
  // Bans the table got before the store was open (lines of our own before start()) are written too.
  const early = table.size > 0 ? [...table.values()] : [];
  const snap = store.load(now);
  for (const e of snap.tkl) table.add(e);
  for (const e of early) { const held = table.get(tklKey(e)); if (held) store.queueTkl(held); }
  return {
    tkl: table.size, tombstones: snap.tombstones.length, expiredTkl: snap.dropped.expiredTkl,
    expiredTombstones: snap.dropped.expiredTombstones, loadMs: performance.now() - t0,
  };
}

/**
 * The engine's 'tkl' effect on the store. An add or merge writes the entry as the table now holds
 * it; a removal deletes it and, when it was a removal (not an expiry), keeps a tombstone with the
 * time. Not awaited: a ban from a peer is relayed at once and persisted with this event-loop
 * turn's batch; a caller that must know it is committed (an API call) awaits Store.flush().
 */
export function applyTklEffect(store: Store, ef: Extract<Effect, { kind: 'tkl' }>, now: number): void {
  if (ef.op === 'add') store.queueTkl(ef.entry);
  else store.queueTklRemoval(ef.entry, ef.removedBy !== undefined ? { removedAt: now, removedBy: ef.removedBy } : undefined);
}
