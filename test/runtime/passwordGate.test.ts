/**
 * A link's PASS is checked against the link block's scrypt hash off the event loop: the link's
 * lines wait (LinkConn.gate) while the node goes on serving everything else, and a wrong password
 * is still refused before SERVER is accepted.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import * as net from 'node:net';
import { hashPasswordSync } from '../../src/link/passwords.ts';
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
    // A deliberately costly hash (N = 2^17), so that checking it on the event loop would hold it
    // for the whole check: no timer could fire while the check is in progress.
    const hash = hashPasswordSync(pass, { N: 1 << 17, r: 8, p: 1 });
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A, passwordHash: hash }] });
    // A 5 ms timer notes, at each tick, whether a check is in progress and whether A is linked yet.
    const ticks: { checking: boolean; linked: boolean }[] = [];
    const timer = setInterval(() => ticks.push({ checking: nb.node.passwordChecksActive > 0, linked: knowsServer(nb.node, 'a.test') }), 5);
    const peer = await rawTls(nb.port, A);
    h.track(peer.socket);
    try {
      peer.send(...handshakeLines('a.test', '0AA', { pass }), serverLine('a.test', '0AA'), uidLine('0AA', 'gated', 2), ':0AA EOS');
      await waitFor(() => knowsServer(nb.node, 'a.test') && knowsUsersOf(nb.node, '0AA'), WAIT, 'A linked to B');
    } finally {
      clearInterval(timer);
    }
    assert.equal(nb.node.passwordChecksStarted, 1);
    // The event loop turned while the check ran (it is not on the event loop), and the link waited for it.
    const during = ticks.filter((x) => x.checking);
    assert.ok(during.length >= 2, `${during.length} timer ticks while the check was in progress (${ticks.length} in all)`);
    assert.equal(during.filter((x) => x.linked).length, 0, 'A was linked while its password was still being checked');
    assert.ok(ticks.findIndex((x) => x.linked) === -1 || ticks.findIndex((x) => x.linked) > ticks.map((x) => x.checking).lastIndexOf(true), 'A linked after the check');

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
