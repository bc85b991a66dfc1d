// Live replay against a running tslink (TslinkNode in-process, TLS on loopback, certificates
// pinned both ways). The node plays the recorded hub (hub.test / 001); the replay plays the
// recorded leaf's '>' lines. In the seeded runs the node starts from the hub's recorded network
// and its clock follows the capture, so both checks are exact: the node's replies must match the
// hub's recorded replies, and its whole network must equal the offline replay's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LiveHarness, captureFacts, freePort, seededHooks } from './liveHarness.ts';
import { formatLiveReport, liveReplay, type LiveHooks } from '../../src/replay/live.ts';
import { replayLiveCommand, type CliIo } from '../../src/cli/replayLive.ts';
import { parseReplayArgs } from '../../src/cli/replayCommand.ts';
import { hashPasswordSync } from '../../src/link/passwords.ts';
import type { TslinkNode } from '../../src/runtime/node.ts';

const fixtures = join(import.meta.dirname, '../../fixtures/unreal6');
/** The captures with a complete link and burst (one connection each). */
const BURST_CAPTURES = [
  'burst-and-live.txt', 'collision-uid-older-ts.txt', 'collision-uid-newer-ts.txt', 'collision-uid-equal-ts.txt',
  'sjoin-older-ts.txt', 'sjoin-newer-ts.txt', 'tkl-existing-mask.txt', 'malformed-input.txt',
];

const h = new LiveHarness();
after(() => h.cleanup());

async function seededNode(buf: Buffer, opts: { start?: boolean; outgoingPort?: number } = {}) {
  const facts = captureFacts(buf);
  const first = facts.rows.find((r) => r.kind === 'line') as { ms: number };
  const clock = { now: Math.floor(facts.clock.ts + (first.ms - facts.clock.ms) / 1000) };
  const leaf = h.cert('leaf.test');
  const started = await h.startNode({ me: facts.peer, links: [{ name: facts.own.name, peerCert: leaf, outgoingPort: opts.outgoingPort }], clock, start: opts.start });
  const hooks = seededHooks(() => started.node, clock, facts.clock);
  return { ...started, leaf, hooks, facts };
}

for (const f of BURST_CAPTURES) {
  test(`live: ${f} against tslink as the hub — replies and the whole network match`, { timeout: 30_000 }, async () => {
    const buf = readFileSync(join(fixtures, f));
    const { node, port, cert, leaf, hooks } = await seededNode(buf);
    try {
      const rep = await liveReplay({
        capture: buf, mode: 'connect', host: '127.0.0.1', port, keyPem: leaf.keyPem, certPem: leaf.certPem, pin: [cert.certfp],
        fast: true, hooks, stateScope: 'full', timeoutMs: 5000,
      });
      assert.ok(rep.ok, formatLiveReport(rep));
      const c = rep.connections[0];
      assert.equal(rep.connections.length, 1);
      assert.ok(c.lines.compared.expected >= 2, 'at least the final ERROR and the close are compared');
      assert.equal(c.lines.compared.expected, c.lines.compared.actual);
      assert.ok(c.state && c.state.differences.length === 0);
    } finally {
      await h.stopNode(node);
    }
  });
}

test('live: a broken engine (drops one SJOIN member) is reported and the command exits 1', { timeout: 30_000 }, async () => {
  const buf = readFileSync(join(fixtures, 'sjoin-older-ts.txt'));
  const { node, port, cert, leaf, hooks } = await seededNode(buf);
  try {
    const e = node.engine;
    const receive = e.receive.bind(e);
    let dropped = '';
    e.receive = (id, line) => {
      const m = /^(:\S+ SJOIN \d+ #lobby (?:\S+ )*:)(.*) (\S+)$/.exec(line);
      if (m && !dropped) { dropped = m[3]; line = `${m[1]}${m[2]}`; }
      receive(id, line);
    };
    let out = '', err = '';
    const io: CliIo = { out: (s) => { out += s; }, err: (s) => { err += s; }, progress: false };
    const args = parseReplayArgs(['x', '--connect', `127.0.0.1:${port}`, '--pin', cert.spkifp, '--cert', leaf.certPath, '--key', leaf.keyPath, '--fast', '--timeout', '5']);
    const code = await replayLiveCommand(buf, args, hooks, io);
    assert.equal(dropped, '0AAAAAAA2');
    assert.equal(code, 1, out + err);
    assert.match(out, /state \(before capture line \d+\): \d+ difference\(s\)/);
    assert.match(out, /\.channels\[#lobby\]\.members/);
    assert.match(out, /\.users\[leafB\]\.user\.channels/);
    assert.match(out, /live replay: DIVERGED/);
  } finally {
    await h.stopNode(node);
  }
});

test('live --listen: the node dials the replay (autoconnect) and the result is the same', { timeout: 30_000 }, async () => {
  const buf = readFileSync(join(fixtures, 'burst-and-live.txt'));
  const port = await freePort();
  const { node, cert, leaf, hooks } = await seededNode(buf, { start: false, outgoingPort: port });
  const seed = hooks.seedPeer!;
  const withStart: LiveHooks = { ...hooks, async seedPeer(lines, i) { await seed(lines, i); await node.start(); } };
  try {
    const rep = await liveReplay({
      capture: buf, mode: 'listen', host: '127.0.0.1', port, keyPem: leaf.keyPem, certPem: leaf.certPem, pin: [cert.certfp],
      fast: true, hooks: withStart, stateScope: 'full', timeoutMs: 8000,
    });
    assert.ok(rep.ok, formatLiveReport(rep));
  } finally {
    await h.stopNode(node);
  }
});

for (const f of ['burst-and-live.txt', 'sjoin-newer-ts.txt']) {
  test(`live --as leaf: tslink plays the recorded leaf of ${f} (it dials the replay, which plays the hub)`, { timeout: 30_000 }, async () => {
    const buf = readFileSync(join(fixtures, f));
    const facts = captureFacts(buf, 'leaf');
    assert.equal(facts.peer.name, 'leaf.test');
    const first = facts.rows.find((r) => r.kind === 'line') as { ms: number };
    const clock = { now: Math.floor(facts.clock.ts + (first.ms - facts.clock.ms) / 1000) };
    const hubCert = h.cert('hub.test');
    const port = await freePort();
    const { node, cert } = await h.startNode({ me: facts.peer, links: [{ name: 'hub.test', peerCert: hubCert, outgoingPort: port }], clock, start: false });
    const hooks = seededHooks(() => node, clock, facts.clock);
    const seed = hooks.seedPeer!;
    try {
      const rep = await liveReplay({
        capture: buf, mode: 'listen', host: '127.0.0.1', port, as: 'leaf', keyPem: hubCert.keyPem, certPem: hubCert.certPem, pin: [cert.certfp],
        fast: true, stateScope: 'full', timeoutMs: 8000,
        hooks: { ...hooks, async seedPeer(lines, i) { await seed(lines, i); await node.start(); } },
      });
      assert.ok(rep.ok, formatLiveReport(rep));
      assert.equal(rep.connections[0].names.live.peer, 'leaf.test');
    } finally {
      await h.stopNode(node);
    }
  });
}

test('live, paced by the recorded gaps (the capture\'s clock sped up 20×)', { timeout: 30_000 }, async () => {
  const { readCapture, writeCapture } = await import('../../src/replay/captureFormat.ts');
  const { rows } = readCapture(readFileSync(join(fixtures, 'sjoin-older-ts.txt')));
  const buf = writeCapture(rows.map((r) => (r.kind === 'line' ? { ...r, ms: Math.round(r.ms / 20) } : r)));
  const span = Math.max(...rows.map((r) => (r.kind === 'line' && r.dir === '>' ? Math.round(r.ms / 20) : 0)));
  const { node, port, cert, leaf, hooks } = await seededNode(buf);
  try {
    const t0 = Date.now();
    const rep = await liveReplay({ capture: buf, mode: 'connect', host: '127.0.0.1', port, keyPem: leaf.keyPem, certPem: leaf.certPem, pin: [cert.certfp], hooks, stateScope: 'full', timeoutMs: 5000 });
    assert.ok(rep.ok, formatLiveReport(rep));
    assert.ok(Date.now() - t0 >= span * 0.9, `took ${Date.now() - t0} ms for a ${span} ms capture`);
  } finally {
    await h.stopNode(node);
  }
});

test('live --plaintext on loopback: a plaintext-loopback link checked by password (the capture\'s own PASS)', { timeout: 30_000 }, async () => {
  const buf = readFileSync(join(fixtures, 'sjoin-older-ts.txt'));
  const facts = captureFacts(buf);
  const first = facts.rows.find((r) => r.kind === 'line') as { ms: number };
  const clock = { now: Math.floor(facts.clock.ts + (first.ms - facts.clock.ms) / 1000) };
  const hash = hashPasswordSync('linkpass', { N: 1024, r: 8, p: 1 });
  const { node, port } = await h.startNode({ me: facts.peer, plaintext: true, links: [{ name: 'leaf.test', passwordHash: hash, plaintext: true }], clock });
  try {
    const rep = await liveReplay({ capture: buf, mode: 'connect', host: '127.0.0.1', port, plaintext: true, fast: true, hooks: seededHooks(() => node, clock, facts.clock), stateScope: 'full', timeoutMs: 5000 });
    assert.ok(rep.ok, formatLiveReport(rep));
  } finally {
    await h.stopNode(node);
  }
});

test('live: a generated burst (5,000 users behind 4 servers) sent to tslink playing the leaf', { timeout: 30_000 }, async () => {
  const { generateBurst } = await import('../../src/replay/genBurst.ts');
  const buf = Buffer.from(generateBurst({ users: 5000, channels: 500, tkl: 200, servers: 5, seed: 11 }).join('\n') + '\n', 'latin1');
  const facts = captureFacts(buf, 'leaf');
  const first = facts.rows.find((r) => r.kind === 'line') as { ms: number };
  const clock = { now: Math.floor(facts.clock.ts + (first.ms - facts.clock.ms) / 1000) };
  const hubCert = h.cert('hub.gen.test');
  const port = await freePort();
  const { node, cert } = await h.startNode({ me: facts.peer, links: [{ name: facts.own.name, peerCert: hubCert, outgoingPort: port, hub: true }], clock, start: false });
  const hooks = seededHooks(() => node, clock, facts.clock);
  const seed = hooks.seedPeer!;
  try {
    const rep = await liveReplay({
      capture: buf, mode: 'listen', host: '127.0.0.1', port, as: 'leaf', keyPem: hubCert.keyPem, certPem: hubCert.certPem, pin: [cert.spkifp],
      fast: true, stateScope: 'full', timeoutMs: 10_000,
      hooks: { ...hooks, async seedPeer(lines, i) { await seed(lines, i); await node.start(); } },
    });
    assert.ok(rep.ok, formatLiveReport(rep));
    assert.ok(rep.connections[0].sent > 10_000);
  } finally {
    await h.stopNode(node);
  }
});

function realClock(): { now: number } {
  return { get now() { return Math.floor(Date.now() / 1000); } } as { now: number };
}

test('live CLI, unseeded node on the real clock: --name/--sid/--password-file/--now rewrite the leaf; replies match', { timeout: 30_000 }, async () => {
  const buf = readFileSync(join(fixtures, 'sjoin-older-ts.txt'));
  const me = h.cert('replay.example');
  const hash = hashPasswordSync('rp-secret', { N: 1024, r: 8, p: 1 });
  const { node, port, cert } = await h.startNode({ me: { name: 'tslink.example', sid: '0TS' }, links: [{ name: 'replay.example', peerCert: me, passwordHash: hash }], clock: realClock() });
  try {
    const pw = h.file('rp.pass', 'rp-secret\n');
    let out = '', err = '';
    const io: CliIo = { out: (s) => { out += s; }, err: (s) => { err += s; }, progress: false };
    const code = await replayLiveCommand(buf, parseReplayArgs(['x', '--connect', `127.0.0.1:${port}`, '--pin', cert.certfp, '--cert', me.certPath, '--key', me.keyPath,
      '--name', 'replay.example', '--sid', '0RP', '--password-file', pw, '--now', '--fast', '--json']), undefined, io);
    assert.equal(code, 0, out + err);
    const j = JSON.parse(out);
    assert.equal(j.ok, true);
    assert.deepEqual(j.connections[0].divergences, []);
    assert.ok(node.engine.net.serversByName.size >= 1);
    // The leaf's users were introduced under the new SID while linked (the link is gone now).
    const wrong = await replayLiveCommand(buf, parseReplayArgs(['x', '--connect', `127.0.0.1:${port}`, '--pin', cert.certfp, '--cert', me.certPath, '--key', me.keyPath,
      '--name', 'replay.example', '--sid', '0RP', '--now', '--fast']), undefined, { out: (s) => { out = s; }, err: () => {}, progress: false });
    assert.equal(wrong, 1, 'without the password file the capture\'s PASS is sent and the link is refused');
    assert.match(out, /Authentication failed|Closing Link/);
  } finally {
    await h.stopNode(node);
  }
});

test('live through the real launcher: tslink replay FILE --connect ... --now (exit 0, report on stdout, quiet stderr)', { timeout: 30_000 }, async () => {
  const { spawn } = await import('node:child_process');
  const leaf = h.cert('leaf.test');
  const { node, port, cert } = await h.startNode({ me: { name: 'hub.test', sid: '001' }, links: [{ name: 'leaf.test', peerCert: leaf }], clock: realClock() });
  try {
    const root = join(import.meta.dirname, '../..');
    const child = spawn(process.execPath, [join(root, 'bin/tslink.js'), 'replay', join(fixtures, 'sjoin-older-ts.txt'), '--connect', `127.0.0.1:${port}`,
      '--pin', cert.certfp, '--cert', leaf.certPath, '--key', leaf.keyPath, '--now', '--fast', '--timeout', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 0, out + err);
    assert.match(out, /replies: 2 compared, no divergence/);
    assert.match(out, /live replay: no divergence/);
    assert.equal(err, '');
  } finally {
    await h.stopNode(node);
  }
});

test('live CLI, unseeded: replies that depend on the peer\'s users diverge → exit 1 with a readable diff', { timeout: 30_000 }, async () => {
  const buf = readFileSync(join(fixtures, 'collision-uid-newer-ts.txt'));
  const leaf = h.cert('leaf.test');
  const facts = captureFacts(buf);
  const first = facts.rows.find((r) => r.kind === 'line') as { ms: number };
  const clock = { now: Math.floor(facts.clock.ts + (first.ms - facts.clock.ms) / 1000) };
  const { node, port, cert } = await h.startNode({ me: facts.peer, links: [{ name: 'leaf.test', peerCert: leaf }], clock });
  try {
    let out = '';
    const code = await replayLiveCommand(buf, parseReplayArgs(['x', '--connect', `127.0.0.1:${port}`, '--pin', cert.certfp, '--cert', leaf.certPath, '--key', leaf.keyPath, '--fast']), undefined, { out: (s) => { out += s; }, err: () => {}, progress: false });
    assert.equal(code, 1, out);
    // Without the hub's alice42/Yusuf- there is no collision: the recorded collision KILLs are missing.
    assert.match(out, /^\s*- :<peer> KILL <self>AAAAA9 :Nick collision: <self> <- <peer> +\[capture line \d+: :001 KILL 0AAAAAAA9 :Nick collision: leaf\.test <- hub\.test\]$/m);
    assert.match(out, /^\s*- :<peer> KILL <self>AAAAA1 :Nick collision: leafA <- <peer>/m);
  } finally {
    await h.stopNode(node as TslinkNode);
  }
});
