// The Prometheus registry of one node: tslink's own metrics, each read from the node when scraped
// (prom-client collect callbacks), and prom-client's default process metrics (RSS, heap,
// event-loop lag, GC). Nothing here runs between scrapes.
import type * as PromClient from 'prom-client';
import { findLink } from '../runtime/authorize.ts';
import { TKL_TYPES, tklType } from '../tkl/tklRules.ts';
import { casefold } from '../wire/casemap.ts';
import { REFUSAL_EVENTS } from './refusalCounts.ts';
import type { MetricsSource } from './source.ts';

type Prom = typeof PromClient;

/** prom-client default metrics whose names break Prometheus' naming rules (gauges ending in _total). */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** A TKL type letter as its UnrealIRCd name (gline, kline, ...), the letter itself when unknown. */
function tklTypeName(letter: string): string {
  return tklType(letter)?.name ?? letter;
}

/** The linked links, by peer name (a peer is linked once at most). */
function linkedByPeer(source: MetricsSource) {
  return source.linkStats().filter((l) => l.phase === 'linked');
}

export function buildRegistry(prom: Prom, source: MetricsSource): PromClient.Registry {
  const register = new prom.Registry();
  prom.collectDefaultMetrics({ register });
  // Gauges that prom-client names like counters: `promtool check metrics` (what CI runs on a
  // scrape) refuses them, and the figures they hold are of no use for a linking node.
  for (const name of LINT_FAILING_DEFAULTS) register.removeSingleMetric(name);
  const registers = [register];

  new prom.Gauge({
    name: 'tslink_node_info', help: 'This node: its server name and SID (value 1)', labelNames: ['name', 'sid'], registers,
    collect() { this.reset(); this.set({ name: source.config.me.name, sid: source.config.me.sid }, 1); },
  });

  new prom.Gauge({
    name: 'tslink_link_up', help: 'Whether the server of each link block is linked directly to this node (1) or not (0)', labelNames: ['peer'], registers,
    collect() {
      this.reset();
      const up = new Set(linkedByPeer(source).map((l) => casefold(l.name)));
      for (const b of source.config.links) this.set({ peer: b.name }, up.has(casefold(b.name)) ? 1 : 0);
      // A linked peer whose block was removed by a reload is still up until it is dropped.
      for (const l of linkedByPeer(source)) if (!findLink(source.config, l.name)) this.set({ peer: l.name }, 1);
    },
  });

  new prom.Gauge({
    name: 'tslink_link_sendq_bytes', help: 'Bytes waiting to be sent on each link', labelNames: ['peer'], registers,
    collect() { this.reset(); for (const l of linkedByPeer(source)) this.set({ peer: l.name }, l.sendq ?? 0); },
  });

  new prom.Gauge({
    name: 'tslink_link_sendq_limit_bytes', help: 'The send queue limit of each link (its class sendq)', labelNames: ['peer'], registers,
    collect() { this.reset(); for (const l of linkedByPeer(source)) if (l.sendqMax !== undefined) this.set({ peer: l.name }, l.sendqMax); },
  });

  new prom.Gauge({
    name: 'tslink_link_burst_seconds', help: 'Seconds from the connection to the peer\'s end of burst (EOS), per link', labelNames: ['peer'], registers,
    collect() {
      this.reset();
      for (const l of linkedByPeer(source)) if (l.connectedAt !== undefined && l.syncedAt !== undefined) this.set({ peer: l.name }, (l.syncedAt - l.connectedAt) / 1000);
    },
  });

  new prom.Gauge({
    name: 'tslink_link_burst_lines', help: 'Lines received from the peer until its end of burst, per link', labelNames: ['peer'], registers,
    collect() { this.reset(); for (const l of linkedByPeer(source)) { const b = source.burstOf(l.id); if (b) this.set({ peer: l.name }, b.lines); } },
  });

  new prom.Gauge({
    name: 'tslink_link_burst_bytes', help: 'Bytes received from the peer until its end of burst, per link', labelNames: ['peer'], registers,
    collect() { this.reset(); for (const l of linkedByPeer(source)) { const b = source.burstOf(l.id); if (b) this.set({ peer: l.name }, b.bytes); } },
  });

  new prom.Gauge({
    name: 'tslink_links_handshaking', help: 'Connections still in their handshake', registers,
    collect() { this.set(source.linkStats().filter((l) => l.phase === 'handshake').length); },
  });

  new prom.Gauge({ name: 'tslink_servers', help: 'Servers on the network, this one included', registers, collect() { this.set(source.engine.net.serversBySid.size); } });
  new prom.Gauge({ name: 'tslink_users', help: 'Users on the network', registers, collect() { this.set(source.engine.net.usersByUid.size); } });
  new prom.Gauge({ name: 'tslink_channels', help: 'Channels on the network', registers, collect() { this.set(source.engine.net.channels.size); } });
  new prom.Gauge({
    name: 'tslink_store_persisting', help: 'Whether the store takes writes (1), or a write failed (a full disk) and the node runs from memory (0)', registers,
    collect() { const st = source.storeStatus?.(); this.set(st && st.state === 'ok' ? 1 : 0); },
  });
  new prom.Gauge({
    name: 'tslink_store_unpersisted_changes', help: 'Changes kept in memory only since a store write failed (lost at the next stop)', registers,
    collect() { this.set(source.storeStatus?.()?.unpersisted ?? 0); },
  });

  new prom.Gauge({
    name: 'tslink_tkl', help: 'Network bans and exceptions in force, by TKL type (gline, kline, gzline, zline, shun, qline, spamfilter, except, ...)', labelNames: ['type'], registers,
    collect() {
      this.reset();
      for (const t of TKL_TYPES) if (t.tkl) this.set({ type: t.name }, 0);
      for (const [letter, n] of Object.entries(source.engine.tkl.countsByType(source.engine.now()))) this.set({ type: tklTypeName(letter) }, n);
    },
  });

  const lines = (name: string, help: string, pick: () => Float64Array) => new prom.Counter({
    name, help, labelNames: ['command'], registers,
    collect() {
      this.reset();
      const counts = pick();
      const names = source.lineCounts.names;
      for (let i = 0; i < counts.length; i++) if (counts[i] > 0) this.inc({ command: names[i] }, counts[i]);
    },
  });
  lines('tslink_lines_received_total', 'Lines received on server links, by command ("other": commands tslink does not know)', () => source.lineCounts.received);
  lines('tslink_lines_sent_total', 'Lines sent on server links, by command', () => source.lineCounts.sent);

  new prom.Counter({
    name: 'tslink_refusals_total', help: `Refusals and drops by log event ID (${REFUSAL_EVENTS.join(', ')})`, labelNames: ['event'], registers,
    collect() {
      this.reset();
      for (const [event, n] of source.refusalCounts.counts) this.inc({ event }, n);
    },
  });

  return register;
}
