/**
 * +P channels, their MD and network MD in the node's store (issue 15 item 4), end to end:
 * an UnrealIRCd-like peer (a raw TLS peer) bursts a +P channel with modes, parameters, lists,
 * a topic, MLOCK and channel MD, and a network MD variable (MD globalvar); the node is stopped and
 * started again with no peer; its state is back as channeldb.c reads a channel in (no members),
 * and its burst to the next peer carries it as UnrealIRCd bursts a +P channel (SJOIN with the
 * modes and lists and no members, TOPIC, MD channel, MLOCK). -P on the empty channel destroys it
 * and its record; a change on a channel without +P writes nothing.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Harness, freePort, handshakeLines, rawTls, serverLine, waitFor, type Identity, type RawPeer } from './helpers.ts';
import { openLmdbStore } from '../../src/store/lmdbStore.ts';
import { runAndKill as killChildAfter } from './killChild.ts';

const nowS = () => Math.floor(Date.now() / 1000);
const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'fixtures', 'chanNodeChild.ts');

/** Run the child until it has printed `killAfter` keys, then SIGKILL it (killChild.ts). */
const runAndKill = (dir: string, prefix: string, killAfter: number): Promise<string[]> => killChildAfter(CHILD, [dir, prefix, '3000'], killAfter);
const silent = { info() {}, warn() {}, error() {} };

async function peerUp(h: Harness, port: number, R: Identity, lines: string[]): Promise<RawPeer> {
  const peer = await rawTls(port, R);
  h.track(peer.socket);
  peer.send(...handshakeLines('hub.test', '001'), serverLine('hub.test', '001'), ...lines, ':001 EOS');
  await peer.waitLine(/^:0AA EOS$/, 10_000);
  return peer;
}

describe('runtime: +P channels and network MD survive a restart', () => {
  const h = new Harness('tslink-chanstore-');
  after(() => h.cleanup());

  it('a +P channel (modes, key, limit, lists, topic, MLOCK, MD) and a globalvar are back after a restart and in the next burst', async () => {
    const A = h.identity('a.test'), R = h.identity('hub.test');
    const pa = await freePort();
    const spec = { id: A, sid: '0AA', port: pa, links: [{ peer: R }], dataDir: join(h.dir, 'a') };
    let na = await h.startNode(spec);
    const ts = nowS() - 5000;
    const p1 = await peerUp(h, pa, R, [
      `:001 SJOIN ${ts} #perm +Pntkl sekrit 25 :<${ts + 1},op!o@h>&bad!*@*.example <${ts + 2},op!o@h>"good!*@*.example <${ts + 3},op!o@h>'inv!*@*`,
      `TOPIC #perm topper!t@h ${ts + 10} :the permanent topic`,
      `:001 MLOCK ${ts} #perm :ntk`,
      ':001 MD channel #perm some.key :some value',
      `:001 SJOIN ${ts} #plain +nt :`,
      ':001 MD globalvar motd.extra :hello network',
    ]);
    assert.ok(na.node.engine.net.channel('#perm'), 'the +P channel exists without members');
    assert.equal(na.node.engine.net.globalMd.get('motd.extra'), 'hello network');
    // A live change after the burst is written too.
    p1.send(`:001 MODE #perm +b later!*@* ${ts}`);
    await waitFor(() => na.node.engine.net.channel('#perm')!.lists.b.size === 2, 5000, 'the second ban');
    await na.node.persisted();
    assert.equal(na.node.storeStatus()!.counts.channels, 1, 'one +P channel stored');
    assert.equal(na.node.storeStatus()!.counts.channelMd, 1);
    assert.equal(na.node.storeStatus()!.counts.networkMd, 1);
    p1.destroy();
    await h.stopNode(na);

    na = await h.startNode(spec);
    const loaded = na.log.events('STORE_LOADED')[0] as { channels: number; networkMd: number };
    assert.equal(loaded.channels, 1, na.log.dump());
    assert.equal(loaded.networkMd, 1);
    const ch = na.node.engine.net.channel('#perm');
    assert.ok(ch, 'the +P channel is back');
    assert.equal(ch.ts, ts);
    assert.deepEqual([...ch.modes.entries()].sort(), [['P', ''], ['k', 'sekrit'], ['l', '25'], ['n', ''], ['t', '']]);
    assert.deepEqual([...ch.lists.b.entries()].map(([m, x]) => [m, x.setBy, x.setAt]), [['bad!*@*.example', 'op!o@h', ts + 1], ['later!*@*', 'hub.test', (ch.lists.b.get('later!*@*')!).setAt]]);
    assert.deepEqual([...ch.lists.e.keys()], ['good!*@*.example']);
    assert.deepEqual([...ch.lists.I.keys()], ['inv!*@*']);
    assert.deepEqual(ch.topic, { text: 'the permanent topic', setBy: 'topper!t@h', ts: ts + 10 });
    assert.equal(ch.mlock, 'ntk');
    assert.equal(ch.md.get('some.key'), 'some value');
    assert.equal(ch.members.size, 0);
    assert.equal(na.node.engine.net.channel('#plain'), undefined, 'a channel without +P is not kept');
    assert.equal(na.node.engine.net.globalMd.get('motd.extra'), 'hello network');

    // The next peer gets it in A's burst, as UnrealIRCd bursts a +P channel.
    const p2 = await peerUp(h, pa, R, []);
    const sj = p2.lines.find((l) => / SJOIN \d+ #perm /.test(l));
    assert.equal(sj, `:0AA SJOIN ${ts} #perm +klntP sekrit 25 :<${ts + 1},op!o@h>&bad!*@*.example <${ch.lists.b.get('later!*@*')!.setAt},hub.test>&later!*@* <${ts + 2},op!o@h>"good!*@*.example <${ts + 3},op!o@h>'inv!*@*`, p2.lines.join('\n'));
    assert.ok(p2.has(new RegExp(`^TOPIC #perm topper!t@h ${ts + 10} :the permanent topic$`)), p2.lines.join('\n'));
    assert.ok(p2.has(/^:0AA MD channel #perm some\.key :some value$/));
    assert.ok(p2.has(new RegExp(`^:0AA MLOCK ${ts} #perm :ntk$`)));
    assert.ok(p2.has(/^:0AA MD globalvar motd\.extra :hello network$/));

    // -P on the empty channel destroys it (permanent.c) and deletes its record and MD; a globalvar unset is deleted.
    p2.send(`:001 MODE #perm -P ${ts}`, ':001 MD globalvar motd.extra');
    await waitFor(() => na.node.engine.net.channel('#perm') === undefined && na.node.engine.net.globalMd.size === 0, 5000, '#perm gone');
    await na.node.persisted();
    p2.destroy();
    await h.stopNode(na);
    const s = openLmdbStore(spec.dataDir, { logger: silent });
    const snap = s.load(nowS());
    assert.deepEqual(snap.channels, []);
    assert.equal(snap.channelMd.size, 0);
    assert.equal(snap.networkMd.size, 0);
    await s.close();
  });

  it('a node SIGKILLed at 3 random moments: every +P channel and globalvar it had persisted is back at the next start and in its burst', { timeout: 180_000 }, async (t) => {
    const A = h.identity('a.test'), R = h.identity('hub.test');
    const dir = join(h.dir, 'killed');
    const printed: string[] = [];
    for (let round = 0; round < 3; round++) {
      const killAfter = 20 + Math.floor(Math.random() * 1000);
      const got = await runAndKill(dir, `r${round}`, killAfter);
      printed.push(...got);
      t.diagnostic(`round ${round}: killed after ${got.length} persisted channels (asked ${killAfter})`);
    }
    const pa = await freePort();
    const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [{ peer: R }], dataDir: dir });
    const net = na.node.engine.net;
    const missing: string[] = [];
    for (const name of printed) {
      const ch = net.channel(name);
      const [prefix, n] = name.slice(1).split('-');
      if (!ch || ch.modes.get('k') !== `key${n}` || !ch.lists.b.has(`ban${n}!*@*`) || ch.topic?.text !== `topic ${n}` || ch.md.get('k') !== `v${n}`) missing.push(name);
      // The variable holds the latest channel's number: at least this one's (a later one may have been committed, not printed).
      if (!(Number(net.globalMd.get(`${prefix}.last`)) >= Number(n))) missing.push(`${name} (globalvar ${prefix}.last = ${net.globalMd.get(`${prefix}.last`)})`);
    }
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${printed.length} persisted channels missing or incomplete`);
    assert.equal(na.node.storeStatus()!.state, 'ok');
    const sample = printed[Math.floor(Math.random() * printed.length)];
    const p = await peerUp(h, pa, R, []);
    const n = sample.split('-')[1];
    assert.ok(p.has(new RegExp(`^:0AA SJOIN \\d+ ${sample} \\+\\S*P\\S* key${n} :<\\d+,op!o@h>&ban${n}!\\*@\\*$`)), `${sample} in the burst:\n${p.lines.filter((l) => l.includes(sample)).join('\n')}`);
    assert.ok(p.has(new RegExp(`^TOPIC ${sample} setter!s@h \\d+ :topic ${n}$`)));
    p.destroy();
    await h.stopNode(na);
  });
});
