// The store's interface: what the node persists (network bans, their tombstones, channel and
// network-level MD, +P channels) and what it reads back at start-up. Two implementations: LMDB
// (lmdbStore.ts, the node's) and memory (memoryStore.ts, for tests). The engine never imports
// this; the node calls it with the engine's tkl/MD effects.
import type { Ts } from '../state/ts.ts';
import type { TklEntry } from '../tkl/types.ts';

export const STORE_SCHEMA_VERSION = 1;

/** A removed network ban, kept until the ban's own expiry (issue 15 item 5). */
export interface Tombstone {
  /** tklKey() of the removed entry. */
  key: string;
  type: string;
  user: string;
  host: string;
  /** Spamfilters: the match string (part of the identity). */
  match?: string;
  /** When it was removed (unix time, this node's clock) and by whom. */
  removedAt: number;
  removedBy: string;
  /** The removed entry's set-at and expire-at (0 = permanent: the tombstone lives until evicted). */
  setAt: Ts;
  expireAt: Ts;
}

/** A list entry of a +P channel (ban, exception, invite exception): mask, set by, set at. */
export interface PermanentListEntry { mask: string; setBy: string; setAt: Ts }

/** The state of a +P channel as UnrealIRCd's channeldb keeps it. */
export interface PermanentChannel {
  name: string;
  /** Creation time (channel TS). */
  ts: Ts;
  topic: { text: string; setBy: string; ts: Ts } | null;
  /** Simple and parameter modes as channel_modes() writes them: "+ntlk" and "10 key". */
  modes: string;
  params: string;
  /** MLOCK, null when none. */
  mlock: string | null;
  lists: { b: PermanentListEntry[]; e: PermanentListEntry[]; I: PermanentListEntry[] };
}

export interface LoadOptions {
  /** Each live TKL as it is decoded (the entry is the callee's), instead of in StoreSnapshot.tkl. */
  onTkl?: (e: TklEntry) => void;
}

/** What start-up gets back. */
export interface StoreSnapshot {
  /** Live TKLs (the ones that expired while the node was down were dropped, and deleted); empty when LoadOptions.onTkl took them. */
  tkl: TklEntry[];
  /** How many live TKLs were loaded. */
  tklCount: number;
  tombstones: Tombstone[];
  /** Channel MD: folded channel name -> { name as given, key -> value }. */
  channelMd: Map<string, { name: string; md: Map<string, string> }>;
  networkMd: Map<string, string>;
  channels: PermanentChannel[];
  dropped: { expiredTkl: number; expiredTombstones: number };
  /** How long loading took (ms). */
  loadMs: number;
}

export type StoreState = 'ok' | 'degraded' | 'closed';

export interface StoreStatus {
  state: StoreState;
  /** 'lmdb' or 'memory'. */
  kind: string;
  path: string | null;
  schemaVersion: number;
  /** The write error that put the store in 'degraded' (the node runs from memory since). */
  error: { code: string; message: string; at: number } | null;
  counts: { tkl: number; tombstones: number; channels: number; channelMd: number; networkMd: number };
  /** Writes queued and not committed yet. */
  pending: number;
  commits: number;
  lastCommitAt: number | null;
  /** Changes not persisted since the store went 'degraded' (0 while 'ok'): what a stop now loses. */
  unpersisted: number;
}

/** The result of a write: persisted, or not (the store is degraded: the node keeps it in memory only). */
export type CommitResult = { persisted: true } | { persisted: false; error: string };

/** pino-compatible subset. */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * The store. Writes are queued and committed together once per event-loop turn; every write
 * returns a promise that resolves (never rejects) once its turn's batch is committed — await it
 * for a TKL set on this node (commit before acknowledging or propagating), ignore it for one
 * received from a peer (relay at once, persisted asynchronously).
 */
export interface Store {
  /** Read everything back (start-up). Drops and deletes what expired by `now`. Call once, before writing. */
  load(now: number, opts?: LoadOptions): StoreSnapshot;
  /** Add or replace a TKL (after the table's merge: pass the merged entry). Clears a tombstone for its key. */
  putTkl(e: TklEntry): Promise<CommitResult>;
  /** Remove a TKL; with `tombstone`, record that removal (network bans). */
  removeTkl(e: TklEntry, tombstone?: { removedAt: number; removedBy: string }): Promise<CommitResult>;
  /**
   * putTkl() and removeTkl() for a change nobody waits for (a ban from a peer: relayed at once,
   * persisted with this turn's batch): no promise is made, as a burst of 50,000 bans would make
   * as many. A write that fails puts the store in 'degraded' as any other (status() says so).
   */
  queueTkl(e: TklEntry): void;
  queueTklRemoval(e: TklEntry, tombstone?: { removedAt: number; removedBy: string }): void;
  /**
   * Item 5: should this re-added ban be refused? A tombstone for its key that is still live at
   * `now`, and the entry's set-at is not newer than the removal. Returns the tombstone, or null.
   */
  refuseReAdd(e: TklEntry, now: number): Tombstone | null;
  /** Drop expired tombstones (call from the node's expiry tick). */
  expireTombstones(now: number): Tombstone[];
  setChannelMd(channel: string, key: string, value: string | null): Promise<CommitResult>;
  setNetworkMd(key: string, value: string | null): Promise<CommitResult>;
  putChannel(c: PermanentChannel): Promise<CommitResult>;
  removeChannel(name: string): Promise<CommitResult>;
  /** Resolves when everything queued so far is committed (or failed). */
  flush(): Promise<void>;
  status(): StoreStatus;
  close(): Promise<void>;
}

/** A store that cannot be used: start-up stops with this message; the files are left untouched. */
export class StoreOpenError extends Error {
  constructor(message: string, readonly code: 'open-failed' | 'corrupt' | 'unknown-version' | 'not-a-store' | 'locked') {
    super(message);
    this.name = 'StoreOpenError';
  }
}
