// Per-link protocol state (what the engine knows about one direct connection).
import type { LinkId, Server } from '../state/model.ts';
import { ChanModeGroups, DEFAULT_CHANMODES } from './chanmodes.ts';
import type { LogLevel } from './effects.ts';
import type { BurstCursor } from './burst.ts';
import type { Takeover } from './takeover.ts';

/**
 * handshake → linked → closed; `held`: authenticated, its SERVER names a server we are linked to
 * directly through another link, and it waits while that link is checked (takeover.ts).
 */
export type LinkPhase = 'handshake' | 'held' | 'linked' | 'closed';

/** One event's count for Engine.logLimited() (lines cut or refused, refused UIDs, ...). */
export interface LimitedLog {
  level: LogLevel;
  /** Occurrences on this link since it came up. */
  total: number;
  /** Occurrences not logged yet (summed up in the next log line). */
  pending: number;
  /** When the event was last logged (engine clock, seconds). */
  lastLog: number;
  /** The latest occurrence not logged yet. */
  last: string;
}

export interface LinkPolicy {
  /** U-lined server (services). */
  ulined?: boolean;
  /** Mask of servers this link may introduce behind it (UnrealIRCd link::hub); undefined = none (leaf only). */
  hub?: string;
  /** Servers matching this mask may not be introduced (link::leaf). */
  leaf?: string;
  leafDepth?: number;
  /** What we send as PASS ('*' when the peer authenticates us by certificate). */
  sendPassword?: string;
}

export class Link {
  phase: LinkPhase = 'handshake';
  /** PASS received from the peer. */
  password: string | null = null;
  eauthName: string | null = null;
  peerProtocol = 0;
  peerSoftware = '';
  peerSid: string | null = null;
  peerTs: number | null = null;
  /** PROTOCTL tokens announced by the peer (upper-case name → value or ''). */
  readonly caps = new Map<string, string>();
  chanmodes = new ChanModeGroups(DEFAULT_CHANMODES);
  sentPass = false;
  sentProtoctl = false;
  sentServer = false;
  authorized = false;
  policy: LinkPolicy = {};
  /** The peer's server entry once SERVER is accepted. */
  server: Server | null = null;
  receivedProtoctl = false;
  /** TSLINK-* PROTOCTL tokens received (bounded). */
  linkTokens = 0;
  /**
   * What was cut or refused on this link, by log event ID (LINE_TOO_LONG, LINE_PARAMS_CUT,
   * LINE_CUT_FOR_PEER, LINE_ITEM_DROPPED, BAD_HOSTNAME, ...): see Engine.logLimited().
   */
  readonly limited = new Map<string, LimitedLog>();
  /** Our streamed burst toward this link while it is not all queued (see burst.ts); null otherwise. */
  burst: BurstCursor | null = null;
  /** The takeover check this link is part of (as the held new link or as the existing one), if any. */
  takeover: Takeover | null = null;

  constructor(readonly id: LinkId, readonly direction: 'in' | 'out', readonly address = '') {}

  has(cap: string): boolean { return this.caps.has(cap); }
  /** How many times `event` was counted by Engine.logLimited() on this link. */
  limitedCount(event: string): number { return this.limited.get(event)?.total ?? 0; }
  /** The link block name we dialled (outgoing links), shown until the peer names itself. */
  displayName: string | null = null;
  get name(): string { return this.server?.name ?? this.eauthName ?? this.displayName ?? this.id; }
}
