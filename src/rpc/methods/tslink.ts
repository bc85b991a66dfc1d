// tslink.links: the node's links with their burst and sendq (not an UnrealIRCd method: what
// `tslink status` and `tslink links` show; UnrealIRCd clients never call it).
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
];
