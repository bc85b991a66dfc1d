// tslink.links: the node's links with their burst and sendq; tslink.store: whether the store
// persists or the node runs from memory after a failed write (not UnrealIRCd methods: what
// `tslink status` and `tslink links` show; UnrealIRCd clients never call them).
import type { JsonObject } from '../objects.ts';
import type { MethodSpec } from './types.ts';
import { VERSION } from './version.ts';

export const tslinkMethods: MethodSpec[] = [
  {
    name: 'tslink.links', module: 'tslink/links', version: VERSION,
    call(ctx) {
      const list = ctx.node.links().map((l) => {
        const o: JsonObject = { id: l.id, name: l.name, sid: l.sid, direction: l.direction, address: l.address, phase: l.phase };
        if (l.connectedAt !== undefined) o.connected_since = new Date(l.connectedAt).toISOString();
        if (l.syncedAt !== undefined) o.synced_at = new Date(l.syncedAt).toISOString();
        if (l.connectedAt !== undefined && l.syncedAt !== undefined) o.burst_ms = l.syncedAt - l.connectedAt;
        if (l.sendq !== undefined) o.sendq = l.sendq;
        if (l.sendqMax !== undefined) o.sendq_max = l.sendqMax;
        return o;
      });
      return { list, started_at: new Date(ctx.node.startedAt).toISOString(), uptime: Math.floor((Date.now() - ctx.node.startedAt) / 1000) };
    },
  },
  {
    name: 'tslink.store', module: 'tslink/store', version: VERSION,
    call(ctx) {
      const st = ctx.node.storeStatus?.() ?? null;
      if (!st) return { state: 'none', persisting: false };
      const o: JsonObject = {
        state: st.state, persisting: st.state === 'ok', kind: st.kind, path: st.path, schema_version: st.schemaVersion,
        counts: { tkl: st.counts.tkl, tombstones: st.counts.tombstones, channels: st.counts.channels, channel_md: st.counts.channelMd, network_md: st.counts.networkMd },
        pending: st.pending, commits: st.commits, unpersisted: st.unpersisted,
      };
      if (st.lastCommitAt !== null) o.last_commit_at = new Date(st.lastCommitAt * 1000).toISOString();
      if (st.error) o.error = { code: st.error.code, message: st.error.message, at: new Date(st.error.at * 1000).toISOString() };
      return o;
    },
  },
];
