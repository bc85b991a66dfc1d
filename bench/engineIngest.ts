// Engine-only burst ingest: the synthetic burst (gen-burst) fed to a sans-I/O engine.
import { Engine } from '../src/s2s/engine.ts';
import { generateBurst } from '../src/replay/genBurst.ts';
import { LineReader } from '../src/wire/lineReader.ts';

export interface IngestFigures { lines: number; wallMs: number; start: number; end: number; cpuMs: number; linesPerSec: number; heapBytesPerUser: number; users: number; channels: number; memberships: number; tkl: number }

export const BURST = { users: 50_000, channels: 10_000, tkl: 5_000, servers: 10, seed: 42 };

/**
 * The peer's ('<') lines of the synthetic burst, in order, as a link hands them to the engine: the
 * burst's bytes cut into lines by the node's LineReader (64 KB reads), so each line is a string
 * decoded from the socket's bytes, not a slice of the generator's capture rows (V8 keeps those as
 * views into the row, which the engine would read through).
 */
export function burstLines(opts = BURST): string[] {
  const rows = generateBurst(opts).filter((r) => r.startsWith('+') && r.includes(' < ')).map((r) => r.slice(r.indexOf(' < ') + 3));
  const bytes = Buffer.from(rows.join('\r\n') + '\r\n', 'latin1');
  const reader = new LineReader();
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 65536) for (const l of reader.push(bytes.subarray(at, at + 65536))) lines.push(l);
  return lines;
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
