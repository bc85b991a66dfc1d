// Burst ingest over a real TLS link: a client playing the hub connects to a tslink node
// (child process, started from a config file), sends the whole synthetic burst followed by
// a PING, and we time first byte → PONG and read the node's RSS growth from /proc. Then the
// event loop under that burst (bounded input slices, test/runtime/load.test.ts checks the
// slicing itself): another peer, linked first, sends a PING every 10 ms while the hub's burst is
// ingested and relayed to it, and the worst PING → PONG of each run is printed.
import { burstLines } from './engineIngest.ts';
import { connectHub, hubHandshake, nodeFlags, otherHandshake, rssKb, sleep, startBenchNode } from './benchNode.ts';

export async function tlsBench(): Promise<void> {
  const node = await startBenchNode();
  try {
    const lines = burstLines();
    const burst = lines.filter((l) => !/^(PASS|PROTOCTL|SERVER) /.test(l) && !/ PONG /.test(l));
    const payloadBytes = [...hubHandshake(), ...burst].reduce((n, l) => n + l.length + 2, 0);
    const rss0 = rssKb(node.child.pid!);
    const hub = await connectHub(node);
    let ms = -1;
    try { ms = await hub.sendAndPing([...hubHandshake(), ...burst]); } catch (err) { console.log(`tls ingest FAILED: ${(err as Error).message}`); }
    const rss1 = rssKb(node.child.pid!);
    console.log(`tls ingest: first byte → PONG ${ms.toFixed(0)} ms for ${(payloadBytes / 1e6).toFixed(1)} MB (${Math.round(burst.length / (ms / 1000)).toLocaleString('en')} lines/s); node RSS ${Math.round(rss0 / 1024)} → ${Math.round(rss1 / 1024)} MB (growth ${((rss1 - rss0) / 1024).toFixed(1)} MB); server cert pinned: ${hub.peerOk}; node flags: ${nodeFlags().join(' ') || 'none'}`);
    console.log(`  targets: first byte → PONG < 1100 ms (UnrealIRCd 6.1.8.1: 1420 ms plaintext); RSS growth < 80 MB (UnrealIRCd: ~81 MB)`);
    hub.sock.destroy();
  } finally {
    await node.stop();
  }
  await tlsLagBench();
}

/** Worst PING → PONG on another link while the hub's whole burst is ingested (and relayed to that link), per run. */
export async function tlsLagBench(runs = 5): Promise<number[]> {
  const burst = burstLines().filter((l) => !/^(PASS|PROTOCTL|SERVER) /.test(l) && !/ PONG /.test(l));
  const bytes = [...hubHandshake(), ...burst].reduce((n, l) => n + l.length + 2, 0);
  const maxes: number[] = [];
  const details: string[] = [];
  for (let r = 0; r < runs; r++) {
    const node = await startBenchNode({ otherPeer: true });
    try {
      const other = await connectHub(node, { kc: node.otherKc!, sid: '002' });
      await other.sendAndPing([...otherHandshake(), ':002 EOS']);
      await sleep(300);
      const hub = await connectHub(node);
      const rtts: number[] = [];
      let bursting = true;
      const pinger = (async () => { while (bursting) { rtts.push(await other.sendAndPing([])); await sleep(10); } })();
      await sleep(30);
      const hubMs = await hub.sendAndPing([...hubHandshake(), ...burst]);
      bursting = false;
      await pinger;
      const s = [...rtts].sort((a, b) => a - b);
      maxes.push(s[s.length - 1]);
      details.push(`  run ${r + 1}: ${rtts.length} PINGs, median ${s[s.length >> 1].toFixed(1)} / p99 ${s[Math.floor(s.length * 0.99)].toFixed(1)} / max ${s[s.length - 1].toFixed(1)} ms; hub's burst to its PONG ${hubMs.toFixed(0)} ms; lines relayed to the other link ${other.received.toLocaleString('en')}`);
      hub.sock.destroy(); other.sock.destroy();
    } finally {
      await node.stop();
    }
  }
  const m = [...maxes].sort((a, b) => a - b);
  console.log(`tls ingest and the event loop: a ${(bytes / 1e6).toFixed(1)} MB burst from the hub, a PING every 10 ms on another link; worst PONG per run (${runs} runs): min ${m[0].toFixed(0)} / median ${m[m.length >> 1].toFixed(0)} / max ${m[m.length - 1].toFixed(0)} ms   target: ≤ 100 ms (input in slices of ≤ 200 lines / 8 ms)`);
  for (const l of details) console.log(l);
  return maxes;
}
