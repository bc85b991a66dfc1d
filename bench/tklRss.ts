// RSS a node keeps for 50,000 G-lines: a client playing the hub links to a tslink node (child
// process, `npm start`'s V8 flags), sends 50,000 `TKL + G` lines and a PING, and we read the
// node's VmRSS just before the adds and 3 s after the PONG. Two figures:
//  - a running node (headline): the node has first handled 50,000 lines that leave nothing
//    behind (TKLs of a type it ignores), as a node in service has handled traffic before;
//  - a fresh node: the adds are the first traffic it sees, so the figure also holds the one-time
//    growth of V8's young generation to its full size (2 x --max-semi-space-size), which any
//    first traffic causes (a table that stored nothing would show most of it too).
// Target (issue 13): ≤ +10 MB (UnrealIRCd 6.1.8.1: +8.7 MB).
import { connectHub, hubHandshake, rssKb, rssPartsKb, sleep, startBenchNode } from './benchNode.ts';

export const TKL_ADDS = 50_000;

/** 50,000 distinct G-lines as a hub sends them (one setter, 97 reasons). */
export function glineLines(n = TKL_ADDS, setAt = 1795300000): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`:001 TKL + G * 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} admin!admin@hub.gen.test 0 ${setAt + i} :Botnet drone (case ${i % 97})`);
  return out;
}

/** RSS growth (KiB) of a node over the adds, after `warm` (whether it first handles as many ignored lines). */
async function tklGrowth(warm: boolean): Promise<{ before: number; after: number; ms: number; anon: number; file: number }> {
  const node = await startBenchNode();
  try {
    const hub = await connectHub(node);
    await hub.sendAndPing([...hubHandshake(), ':001 EOS']);
    if (warm) await hub.sendAndPing(glineLines().map((l) => l.replace(' TKL + G ', ' TKL + X ')));
    await sleep(2000);
    const before = rssKb(node.child.pid!), p0 = rssPartsKb(node.child.pid!);
    const ms = await hub.sendAndPing(glineLines());
    await sleep(3000);
    const after = rssKb(node.child.pid!), p1 = rssPartsKb(node.child.pid!);
    hub.sock.destroy();
    return { before, after, ms, anon: p1.anon - p0.anon, file: p1.file - p0.file };
  } finally {
    await node.stop();
  }
}

export async function tklRssBench(): Promise<void> {
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const w = await tklGrowth(true);
  const c = await tklGrowth(false);
  console.log(`tkl adds: ${TKL_ADDS.toLocaleString('en')} G-lines over the link in ${w.ms.toFixed(0)} ms; RSS kept +${mb(w.after - w.before)} MB (${mb(w.before)} → ${mb(w.after)} MB, 3 s after the PONG, a node that has handled traffic; anonymous +${mb(w.anon)} MB, mapped file pages +${mb(w.file)} MB); fresh node +${mb(c.after - c.before)} MB (${mb(c.before)} → ${mb(c.after)}, includes the young generation's one-time growth)   target: ≤ +10 MB (UnrealIRCd: +8.7 MB)`);
}
