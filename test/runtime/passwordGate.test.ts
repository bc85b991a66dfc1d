/**
 * A link's PASS is checked against the link block's scrypt hash off the event loop: the link's
 * lines wait (LinkConn.gate) while the node goes on serving everything else, and a wrong password
 * is still refused before SERVER is accepted.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import * as net from 'node:net';
import { checkPassword, hashPasswordSync } from '../../src/link/passwords.ts';
import { LinkConn } from '../../src/runtime/linkConn.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { Harness, LOOP, freePort, handshakeLines, knowsServer, knowsUsersOf, rawTls, serverLine, uidLine, waitFor } from './helpers.ts';

const WAIT = 10_000;

/** A connected loopback TCP pair: [our end wrapped by the caller, the peer's end]. */
async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, LOOP, () => r()));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const peer = net.connect((server.address() as net.AddressInfo).port, LOOP);
  const ours = await accepted;
  server.close();
  return [ours, peer];
}

describe('runtime: password check off the event loop', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('LinkConn.gate: a gated line and every line after it wait for the promise, in order; a rejected promise releases them too', async () => {
    const [ours, peer] = await socketPair();
    const conn = new LinkConn('t', ours, LOOP, false, { sendQ: 1 << 20, recvQ: 1 << 20, pingFreq: 60, handshakeTimeout: 30 }, createLogger({ level: 'silent' }));
    const got: string[] = [];
    let release: ((ok: boolean) => void) | null = null;
    let gated = 0;
    conn.gate = (line) => {
      if (!line.startsWith('CHECK')) return null;
      gated++;
      return new Promise((res, rej) => { release = (ok) => (ok ? res(undefined) : rej(new Error('no'))); });
    };
    conn.onLine = (l) => got.push(l);
    peer.write('A\r\nCHECK 1\r\nB\r\nC\r\n');
    await waitFor(() => release !== null, WAIT, 'gate reached');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, ['A'], 'nothing after the gated line is delivered while it waits');
    peer.write('D\r\n');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got, ['A']);
    release!(true);
    await waitFor(() => got.length === 5, WAIT, 'all lines');
    assert.deepEqual(got, ['A', 'CHECK 1', 'B', 'C', 'D']);
    assert.equal(gated, 1, 'the gated line is shown to the gate once');
    release = null;
    peer.write('CHECK 2\r\nE\r\n');
    await waitFor(() => release !== null, WAIT, 'second gate');
    release!(false);
    await waitFor(() => got.length === 7, WAIT, 'released after a rejection');
    assert.deepEqual(got.slice(5), ['CHECK 2', 'E']);
    conn.markRegistered();
    peer.write('CHECK 3\r\n');
    await waitFor(() => got.length === 8, WAIT, 'no gate after registration');
    assert.equal(gated, 2);
    conn.destroy('done');
    peer.destroy();
  });

  it('the node keeps serving timers while a costly PASS hash is checked, then links the peer; a wrong PASS is refused', async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const pass = 'correct horse battery staple';
    // A deliberately costly hash (N = 2^17), so that checking it on the event loop would stall it visibly.
    const hash = hashPasswordSync(pass, { N: 1 << 17, r: 8, p: 1 });
    let t = performance.now();
    assert.ok((await checkPassword(pass, hash)).ok);
    const checkMs = performance.now() - t;
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A, passwordHash: hash }] });
    // Ticks of a 5 ms timer while the link registers: the largest gap between two of them is how
    // long the event loop was held at once.
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 5);
    const peer = await rawTls(nb.port, A);
    h.track(peer.socket);
    t = performance.now();
    peer.send(...handshakeLines('a.test', '0AA', { pass }), serverLine('a.test', '0AA'), uidLine('0AA', 'gated', 2), ':0AA EOS');
    await waitFor(() => knowsServer(nb.node, 'a.test') && knowsUsersOf(nb.node, '0AA'), WAIT, 'A linked to B');
    const linkedAt = performance.now();
    clearInterval(timer);
    const inWindow = ticks.filter((x) => x >= t && x <= linkedAt);
    let maxGap = 0;
    for (let i = 1; i < inWindow.length; i++) maxGap = Math.max(maxGap, inWindow[i] - inWindow[i - 1]);
    assert.ok(linkedAt - t >= checkMs * 0.5, `the link waited for the check (${(linkedAt - t).toFixed(0)} ms; the check takes ${checkMs.toFixed(0)} ms)`);
    assert.ok(maxGap < checkMs / 2, `event loop held for ${maxGap.toFixed(0)} ms at once while a ${checkMs.toFixed(0)} ms check ran`);

    await h.stopNode(nb);
    const nb2 = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A, passwordHash: hash }] });
    const bad = await rawTls(nb2.port, A);
    h.track(bad.socket);
    bad.send(...handshakeLines('a.test', '0AA', { pass: 'wrong password' }), serverLine('a.test', '0AA'), uidLine('0AA', 'x', 1));
    await bad.waitClosed(WAIT);
    await waitFor(() => nb2.log.records.some((r) => r.event === 'LINK_DENIED' && r.reason === 'Link denied (Authentication failed)'), WAIT, 'denied');
    assert.equal(knowsServer(nb2.node, 'a.test'), false);
    await h.stopNode(nb2);
  });
});
