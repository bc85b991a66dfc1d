// Per-link protocol state (what the engine knows about one direct connection).
import type { LinkId, Server } from '../state/model.ts';
import { ChanModeGroups, DEFAULT_CHANMODES } from './chanmodes.ts';

export type LinkPhase = 'handshake' | 'linked' | 'closed';

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

  constructor(readonly id: LinkId, readonly direction: 'in' | 'out', readonly address = '') {}

  has(cap: string): boolean { return this.caps.has(cap); }
  /** The link block name we dialled (outgoing links), shown until the peer names itself. */
  displayName: string | null = null;
  get name(): string { return this.server?.name ?? this.eauthName ?? this.displayName ?? this.id; }
}
