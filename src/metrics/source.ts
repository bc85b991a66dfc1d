// What the metrics exposition reads from a running node, on scrape only (TslinkNode implements it).
import type { TslinkConfig } from '../config/index.ts';
import type { LinkStatus } from '../rpc/api.ts';
import type { Network } from '../state/network.ts';
import type { StoreStatus } from '../store/types.ts';
import type { LineCounts } from './lineCounts.ts';
import type { RefusalCounts } from './refusalCounts.ts';

/** What one link received until its peer's EOS (its burst). */
export interface BurstFigures { lines: number; bytes: number }

export interface MetricsSource {
  readonly config: TslinkConfig;
  readonly engine: {
    readonly net: Network;
    readonly tkl: { countsByType(now: number): Record<string, number> };
    now(): number;
  };
  /** Every connection the engine knows (phase, peer name, sendq, connect and EOS times). */
  linkStats(): LinkStatus[];
  /** The burst of a link that has finished it (by link id). */
  burstOf(id: string): BurstFigures | undefined;
  readonly lineCounts: LineCounts;
  readonly refusalCounts: RefusalCounts;
  /** The store's state (null before start). */
  storeStatus?(): StoreStatus | null;
}
