// What the RPC needs from a running node: read the engine's state, and a few actions, each the
// same operation an oper command or the node itself would carry out (rehash, connect a link
// block, SQUIT, KILL, TKL lines as the node's own). src/rpc/nodeAdapter.ts implements it for
// TslinkNode; tests can implement it on a bare Engine.
import type { Network } from '../state/network.ts';
import type { Server } from '../state/model.ts';
import type { TklTable } from '../tkl/tklTable.ts';
import type { StoreStatus } from '../store/types.ts';
import type { Json, JsonObject, MeFacts } from './objects.ts';

/** Who makes a call: UnrealIRCd's RPC client (`RPC:local` on the unix socket, `RPC:<rpc-user>` over HTTPS). */
export interface RpcCaller {
  /** The client name UnrealIRCd gives it (set_by of its bans, `rehash_client` of its rehash). */
  name: string;
  /** `<local>` (unix socket) or the rpc-user block's name. */
  user: string;
  rpcClass: 'full' | 'read-only';
  transport: 'unix' | 'https' | 'websocket';
  /** The remote address (IP), or `unix:<socket path>`. */
  remote: string;
  /** A session id, unique for the node's lifetime (the client's `id`). */
  id: string;
  /** When the connection was made (ms). */
  connectedAt: number;
  /** rpc.set_issuer: the person behind the API client (logged with each call). */
  issuer?: string;
}

/** A log event in UnrealIRCd's JSON log shape (log.event, the rehash log). */
export interface LogEvent extends JsonObject {
  timestamp: string;
  level: string;
  subsystem: string;
  event_id: string;
  log_source: string;
  msg: string;
}

/** What a rehash did: UnrealIRCd's rehash log. */
export interface RehashOutcome {
  success: boolean;
  /** The log events of the rehash (errors saying why it was refused, what changed). */
  log: LogEvent[];
}

/** One link of the node, for `tslink status` / `tslink links`. */
export interface LinkStatus {
  id: string;
  name: string;
  sid: string | null;
  direction: 'in' | 'out';
  address: string;
  phase: 'handshake' | 'held' | 'linked' | 'closed';
  /** ms since the epoch, when known. */
  connectedAt?: number;
  /** When the peer finished its burst (EOS), when known. */
  syncedAt?: number;
  /** Bytes waiting to be written, and the class limit, when known. */
  sendq?: number;
  sendqMax?: number;
}

/** A call that changes something, as written to the audit log. */
export interface AuditEntry {
  time: string;
  caller: string;
  user: string;
  issuer?: string;
  transport: RpcCaller['transport'];
  remote: string;
  method: string;
  params: Json;
  result: 'ok' | 'error';
  code?: number;
  message?: string;
}

export interface RpcNode {
  /** The engine's state, read only. */
  readonly engine: {
    readonly net: Network;
    readonly tkl: TklTable;
    now(): number;
    globalMax(): number;
    isUlined(s: Server): boolean;
  };
  meFacts(): MeFacts;
  /** A line of the node's own (a TKL, SQUIT or KILL from our server), carried out at once. */
  local(line: string): void;
  /** Resolves once what local() changed is committed to the store (a call is answered only then). */
  persisted?(): Promise<void>;
  /** A link block by name (case-insensitive). */
  linkBlock(name: string): { name: string; outgoing: boolean } | undefined;
  /** The reason a deny link { } rule refuses linking to `name` now, or null. */
  denyLinkReason(name: string): string | null;
  /** Dial a link block now (as /CONNECT). */
  connect(blockName: string): void;
  /** Reload the configuration: applied, or refused with the reasons in the log. */
  rehash(): Promise<RehashOutcome>;
  /** Live log events; returns the unsubscribe function. */
  subscribeLog(fn: (e: LogEvent) => void): () => void;
  /** Append to the audit log. */
  audit(entry: AuditEntry): void;
  links(): LinkStatus[];
  /** The node's store: whether it persists, or a write failed and the node runs from memory (null: none open). */
  storeStatus?(): StoreStatus | null;
  /** When the node started (ms). */
  readonly startedAt: number;
}
