// Bench (issue 15): the event loop while a peer adds 50,000 network bans. A node (child process,
// `npm start`'s V8 flags, its LMDB store in its data directory) has two links: the hub sends
// 50,000 `TKL + G` lines in one write; meanwhile the other peer sends a PING every 10 ms and
// times each PONG (PING→PONG on another link, target ≤ 300 ms: the store's writes are batched
// per turn, off the line handling). The other link also gets the 50,000 relayed TKL lines, ahead
// of its PONGs, as any server on the network would. Prints the PONG times over the adds (and
// 1 s after, while the last batches commit), the hub's own PING→PONG, and the store's size.
//   node --import tsx bench/tklPong.ts
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connectHub, hubHandshake, otherHandshake, sleep, startBenchNode } from './benchNode.ts';
import { TKL_ADDS, glineLines } from './tklRss.ts';

export async function tklPongBench(runs = 3): Promise<{ maxPongMs: number[] }> {
  const maxes: number[] = [];
  const lines: string[] = [];
  for (let r = 0; r < runs; r++) {
    const node = await startBenchNode({ otherPeer: true });
    try {
      const hub = await connectHub(node);
      await hub.sendAndPing([...hubHandshake(), ':001 EOS']);
      const other = await connectHub(node, { kc: node.otherKc!, sid: '002' });
      await other.sendAndPing([...otherHandshake(), ':002 EOS']);
      await sleep(500);
      // Quiet link first: the PONG time with nothing else going on.
      const idle: number[] = [];
      for (let i = 0; i < 20; i++) { idle.push(await other.sendAndPing([])); await sleep(10); }
      const rtts: number[] = [];
      const before = other.received;
      let adding = true;
      const pinger = (async () => {
        while (adding) { rtts.push(await other.sendAndPing([])); await sleep(10); }
        const until = Date.now() + 1000;
        while (Date.now() < until) { rtts.push(await other.sendAndPing([])); await sleep(10); }
      })();
      await sleep(30);
      const hubMs = await hub.sendAndPing(glineLines(TKL_ADDS, 1795300000 + r * TKL_ADDS));
      adding = false;
      const relayedAtHubPong = other.received - before;
      await pinger;
      const relayed = other.received - before;
      const size = statSync(join(node.dir, 'data', 'store', 'data.mdb')).size;
      hub.sock.destroy(); other.sock.destroy();
      const s = [...rtts].sort((a, b) => a - b);
      const max = s[s.length - 1];
      maxes.push(max);
      lines.push(`  run ${r + 1}: other link's PING→PONG over ${rtts.length} PINGs: median ${s[s.length >> 1].toFixed(1)} / p99 ${s[Math.floor(s.length * 0.99)].toFixed(1)} / max ${max.toFixed(1)} ms (idle: max ${Math.max(...idle).toFixed(1)} ms); hub's 50,000 lines to its PONG ${hubMs.toFixed(0)} ms; lines relayed to the other link ${relayedAtHubPong.toLocaleString('en')} by then, ${relayed.toLocaleString('en')} in all; data.mdb ${(size / 1e6).toFixed(1)} MB`);
    } finally {
      await node.stop();
    }
  }
  const m = [...maxes].sort((a, b) => a - b);
  console.log(`tkl adds and the event loop: ${TKL_ADDS.toLocaleString('en')} G-lines from the hub, a PING every 10 ms on another link; worst PONG per run: min ${m[0].toFixed(0)} / median ${m[m.length >> 1].toFixed(0)} / max ${m[m.length - 1].toFixed(0)} ms   target: ≤ 300 ms`);
  for (const l of lines) console.log(l);
  return { maxPongMs: maxes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await tklPongBench();
