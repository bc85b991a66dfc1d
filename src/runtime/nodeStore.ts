// The node's side of the store (src/store): which store a node opens, loading it into the
// engine at start-up (before any link can come up, so the first burst already has every ban,
// +P channel and network MD variable), and carrying out the engine's 'tkl', 'channel' and
// 'globalvar' effects on it. The engine never sees the store; it only asks, through
// EngineOptions.tklRemoved, whether a re-added ban was removed here.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Effect } from '../s2s/effects.ts';
import type { Engine } from '../s2s/engine.ts';
import { applyModeChanges, parseModeChanges } from '../s2s/channelModes.ts';
import { channelModeString } from '../s2s/channelWire.ts';
import { validChannelName } from '../s2s/validate.ts';
import type { Channel, ListEntry, ListMode } from '../state/model.ts';
import type { MapLike } from '../state/smallMap.ts';
import type { TklTable } from '../tkl/tklTable.ts';
import { tklKey } from '../tkl/types.ts';
import { casefold } from '../wire/casemap.ts';
import { encodeChannel } from '../store/codec.ts';
import { openLmdbStore } from '../store/lmdbStore.ts';
import type { PermanentChannel, PermanentListEntry, Store, StoreLogger, StoreSnapshot } from '../store/types.ts';

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
  return loadTkls(store, table, now).report;
}

function loadTkls(store: Store, table: TklTable, now: number): { report: LoadReport; snap: StoreSnapshot } {
  const t0 = performance.now();
  // Bans the table got before the store was open (lines of our own before start()) are written too.
  const early = table.size > 0 ? [...table.values()] : [];
  // Each decoded entry goes straight into the table, which takes it as its own (it is garbage
  // right after: 100,000 entries are never all held as objects), the index sized once.
  table.reserve(table.size + store.status().counts.tkl);
  const snap = store.load(now, { onTkl: (e) => { table.addOwned(e); } });
  for (const e of early) { const held = table.get(tklKey(e)); if (held) store.queueTkl(held); }
  const report = {
    tkl: table.size, tombstones: snap.tombstones.length, expiredTkl: snap.dropped.expiredTkl,
    expiredTombstones: snap.dropped.expiredTombstones, loadMs: performance.now() - t0,
  };
  return { report, snap };
}

/** What a node's start-up loaded, for its log line. */
export interface NodeLoadReport extends LoadReport { channels: number; networkMd: number }

/**
 * The node's start-up: TKLs into the table, +P channels (with their MD) and network MD into the
 * engine's state, as they were stored. Returns the writer that keeps the store in step with the
 * engine's 'channel' and 'globalvar' effects from then on.
 */
export function loadStoreIntoEngine(store: Store, engine: Engine, now: number): { report: NodeLoadReport; writer: StateWriter } {
  const t0 = performance.now();
  const { report, snap } = loadTkls(store, engine.tkl, now);
  const writer = new StateWriter(store, engine);
  for (const [k, v] of snap.networkMd) engine.net.globalMd.set(k, v);
  let channels = 0;
  for (const pc of snap.channels) {
    const md = snap.channelMd.get(casefold(pc.name))?.md;
    if (restoreChannel(engine, pc, md, now)) channels++;
    writer.seed(pc, md);
  }
  // Channel MD of a channel not stored as +P (left by a crash between two writes): not restored, deleted.
  for (const [f, c] of snap.channelMd) if (!writer.holds(f)) for (const k of c.md.keys()) void store.setChannelMd(c.name, k, null);
  return { report: { ...report, channels, networkMd: snap.networkMd.size, loadMs: performance.now() - t0 }, writer };
}

/** A stored +P channel back into the engine's state (without members), as channeldb.c reads one in. False when it is not restored. */
function restoreChannel(engine: Engine, pc: PermanentChannel, md: Map<string, string> | undefined, now: number): boolean {
  if (!validChannelName(pc.name) || engine.net.channel(pc.name)) return false;
  // channeldb.c: an invalid creation time (IsInvalidChannelTS) becomes now.
  const ch = engine.net.createChannel(pc.name, typeof pc.ts === 'number' && pc.ts <= 1000000 ? now : pc.ts);
  const groups = engine.modeGroups(null);
  applyModeChanges(engine.net, ch, parseModeChanges(groups, pc.modes, pc.params === '' ? [] : pc.params.split(' ')), engine.me.name, now, groups);
  if (!ch.modes.has('P')) ch.modes.set('P', ''); // a record is only ever written for a +P channel
  for (const l of ['b', 'e', 'I'] as const) for (const x of pc.lists[l]) ch.lists[l].set(x.mask, { setBy: x.setBy, setAt: x.setAt });
  ch.topic = pc.topic ? { ...pc.topic } : null;
  ch.mlock = pc.mlock;
  if (md) for (const [k, v] of md) ch.md.set(k, v);
  return true;
}

function listOf(l: MapLike<string, ListEntry>): PermanentListEntry[] {
  const out: PermanentListEntry[] = [];
  for (const [mask, x] of l) out.push({ mask, setBy: x.setBy, setAt: x.setAt });
  return out;
}

/** A channel's stored record (what channeldb.c writes: TS, topic, modes and parameters, MLOCK, the three lists). */
export function permanentOf(ch: Channel): PermanentChannel {
  const ms = channelModeString(ch);
  const sp = ms.indexOf(' ');
  const lists = {} as Record<ListMode, PermanentListEntry[]>;
  for (const l of ['b', 'e', 'I'] as const) lists[l] = listOf(ch.lists[l]);
  return {
    name: ch.name, ts: ch.ts, topic: ch.topic ? { text: ch.topic.text, setBy: ch.topic.setBy, ts: ch.topic.ts } : null,
    modes: sp < 0 ? ms : ms.slice(0, sp), params: sp < 0 ? '' : ms.slice(sp + 1), mlock: ch.mlock, lists,
  };
}

/** A record's identity for "did it change": its encoding as text (timestamps may be bigints). */
const recordText = (pc: PermanentChannel): string => JSON.stringify(encodeChannel(pc), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/**
 * Keeps the store's +P channels, their MD and the network MD in step with the engine. A
 * 'channel' effect marks the channel; once the effects of this turn are done (a microtask), each
 * marked channel is written as it now is when it is +P and differs from what was stored, or its
 * record and MD are deleted when it lost +P or is gone. Per-user and member MD are not stored:
 * they live and die with the user (issue 15 item 4); channel MD is stored with its +P channel
 * (UnrealIRCd's channeldb keeps none; tslink keeps it, and only for +P channels, since any
 * other channel is gone after a restart).
 */
export class StateWriter {
  /** What the store holds: folded name -> record text and MD. */
  private readonly stored = new Map<string, { text: string; md: Map<string, string>; name: string }>();
  private readonly dirty = new Map<string, string>();
  private scheduled = false;

  constructor(private readonly store: Store, private readonly engine: Engine) {}

  /** A record load() gave back (start-up). */
  seed(pc: PermanentChannel, md: Map<string, string> | undefined): void {
    this.stored.set(casefold(pc.name), { text: recordText(pc), md: new Map(md ?? []), name: pc.name });
  }

  holds(folded: string): boolean { return this.stored.has(folded); }

  /** The number of +P channels the store holds. */
  get channels(): number { return this.stored.size; }

  effect(ef: Extract<Effect, { kind: 'channel' } | { kind: 'globalvar' }>): void {
    if (ef.kind === 'globalvar') { void this.store.setNetworkMd(ef.key, ef.value); return; }
    const name = ef.channel.name;
    this.dirty.set(casefold(name), name);
    if (!this.scheduled) { this.scheduled = true; queueMicrotask(() => this.flush()); }
  }

  /** Write what the marked channels are now (also called at stop, before the store closes). */
  flush(): void {
    this.scheduled = false;
    if (this.dirty.size === 0) return;
    const marked = [...this.dirty];
    this.dirty.clear();
    for (const [f, name] of marked) {
      const ch = this.engine.net.channel(name);
      const held = this.stored.get(f);
      if (ch === undefined || !ch.modes.has('P')) {
        if (!held) continue;
        this.stored.delete(f);
        void this.store.removeChannel(held.name);
        for (const k of held.md.keys()) void this.store.setChannelMd(held.name, k, null);
        continue;
      }
      const pc = permanentOf(ch);
      const text = recordText(pc);
      const md = held?.md ?? new Map<string, string>();
      if (!held || held.text !== text || held.name !== ch.name) void this.store.putChannel(pc);
      for (const [k, v] of ch.md) if (md.get(k) !== v) { void this.store.setChannelMd(ch.name, k, v); md.set(k, v); }
      for (const k of [...md.keys()]) if (!ch.md.has(k)) { void this.store.setChannelMd(ch.name, k, null); md.delete(k); }
      this.stored.set(f, { text, md, name: ch.name });
    }
  }
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
