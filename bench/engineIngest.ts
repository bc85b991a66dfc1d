// Engine-only burst ingest: the synthetic burst (gen-burst) fed to a sans-I/O engine.
import { Engine } from '../src/s2s/engine.ts';
import { generateBurst } from '../src/replay/genBurst.ts';

export interface IngestFigures { lines: number; wallMs: number; start: number; end: number; cpuMs: number; linesPerSec: number; heapBytesPerUser: number; users: number; channels: number; memberships: number; tkl: number }

export const BURST = { users: 50_000, channels: 10_000, tkl: 5_000, servers: 10, seed: 42 };

/** The peer's ('<') lines of the synthetic burst, in order. */
export function burstLines(opts = BURST): string[] {
  return generateBurst(opts).filter((r) => r.startsWith('+') && r.includes(' < ')).map((r) => r.slice(r.indexOf(' < ') + 3));
}

export function ingest(lines: string[]): IngestFigures {
  const gc = (globalThis as { gc?: () => void }).gc;
  const e = new Engine({ me: { sid: '0AA', name: 'leaf.gen.test', info: 'bench' }, now: () => 1795305700, authorize: () => ({ ok: true, hub: '*' }) });
  e.linkUp('hub', 'out', '127.0.0.1', { hub: '*' });
  e.drain();
  gc?.(); gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const c0 = process.cpuUsage();
  const start = performance.now();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i++) {
    e.receive('hub', lines[i]);
    if ((i & 1023) === 0) e.drain();
  }
  e.drain();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const end = performance.now();
  const cu = process.cpuUsage(c0);
  const cpuMs = (cu.user + cu.system) / 1000;
  gc?.(); gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  const users = e.net.usersByUid.size;
  return { lines: lines.length, wallMs, start, end, cpuMs, linesPerSec: lines.length / (wallMs / 1000), heapBytesPerUser: (heap1 - heap0) / users, users, channels: e.net.channels.size, memberships: e.net.memberships(), tkl: e.tkl.size };
}
