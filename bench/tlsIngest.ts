// Burst ingest over a real TLS link: a client playing the hub connects to a tslink node
// (child process, started from a config file), sends the whole synthetic burst followed by
// a PING, and we time first byte → PONG and read the node's RSS growth from /proc.
import { burstLines } from './engineIngest.ts';
import { connectHub, hubHandshake, nodeFlags, rssKb, startBenchNode } from './benchNode.ts';

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
}
