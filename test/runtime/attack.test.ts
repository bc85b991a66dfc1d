/**
 * Issue 14 on a running node: handshake slots an attacker cannot fill (1), no TLS state before a
 * ClientHello (2), UnrealIRCd's connect-flood throttle with its exemptions (4), refusal logs
 * that cannot be flooded (5). Attacking source addresses come from 127.0.0.0/8.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import * as net from 'node:net';
import { Harness, LOOP, freePort, handshakeLines, knowsServer, rawTls, serverLine, sleep, waitFor } from './helpers.ts';
import { RefusalLog } from '../../src/runtime/refusalLog.ts';
import { parseConfigText } from '../../src/config/index.ts';
import { hashPasswordSync } from '../../src/link/passwords.ts';

const WAIT = 10_000;
const T = { timeout: 60_000 };

/** Open plain TCP connections from the given source addresses; resolves once each connected or failed. */
async function openFrom(h: Harness, port: number, sources: string[]): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  await Promise.all(sources.map((localAddress) => new Promise<void>((resolve) => {
    const s = h.track(net.connect({ host: LOOP, port, localAddress }, () => resolve()));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    socks.push(s);
  })));
  return socks;
}
const openCount = (socks: net.Socket[]) => socks.filter((s) => !s.destroyed && s.readyState === 'open').length;

describe('attack: handshake slots (issue 14 item 1)', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('200 addresses holding every unfinished-handshake slot cannot keep a configured peer out: it links at once', T, async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A, incomingMask: ['127.0.0.1'] }],
      extra: 'set { handshake-limits { per-ip 10; total 400; } anti-flood { everyone { connect-flood 20:60; } } }' });
    const sources = Array.from({ length: 400 }, (_, i) => `127.${20 + (i % 10)}.${Math.floor(i / 10) % 20}.${2 + Math.floor(i / 200)}`);
    const idle = await openFrom(h, nb.port, sources);
    await sleep(300);
    assert.ok(openCount(idle) >= 390, `the attack holds the table: ${openCount(idle)} of 400`);
    const peer = await rawTls(nb.port, A);
    h.track(peer.socket);
    peer.send(...handshakeLines('a.test', '0AA'), serverLine('a.test', '0AA'), ':0AA EOS');
    await waitFor(() => knowsServer(nb.node, 'a.test') || peer.closed, WAIT, 'A linked');
    assert.ok(knowsServer(nb.node, 'a.test'), `A was refused during the attack:\n${nb.log.dump().slice(-1500)}`);
    // At once: while the attack still holds its connections (none had to time out for A to get in).
    assert.ok(openCount(idle) >= 390, `A linked while the attack held the table: ${openCount(idle)} of 400 still open`);
    for (const s of idle) s.destroy();
    await h.stopNode(nb);
  });

  it('a full table: a newcomer from a light network evicts the oldest connection of the heaviest one', T, async () => {
    const B = h.identity('b.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [], extra: 'set { handshake-limits { per-ip 50; per-prefix 100; total 60; } anti-flood { everyone { connect-flood 100:60; } } }' });
    const heavy = await openFrom(h, nb.port, Array.from({ length: 60 }, (_, i) => `127.40.0.${2 + (i % 3)}`));
    await sleep(200);
    assert.equal(openCount(heavy), 60);
    const light = await openFrom(h, nb.port, ['127.41.0.9']);
    await sleep(300);
    assert.equal(openCount(light), 1, 'the newcomer got a slot');
    assert.equal(openCount(heavy), 59, 'one connection of the heaviest network was dropped');
    assert.ok(nb.log.has('LINK_DENIED', 'handshake slot taken'), nb.log.dump());
    for (const s of [...heavy, ...light]) s.destroy();
    await h.stopNode(nb);
  });
});

describe('attack: no TLS state before a ClientHello (issue 14 item 2)', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('an idle connection on a TLS listener has no TLS session; its first bytes start one', T, async () => {
    const B = h.identity('b.test'), A = h.identity('a.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A }] });
    const idle = await openFrom(h, nb.port, ['127.50.0.2', '127.50.0.3', '127.50.0.4']);
    await sleep(200);
    assert.equal(openCount(idle), 3);
    assert.equal(nb.node.tlsSessionsStarted, 0, 'no TLS session for connections that sent nothing');
    const peer = await rawTls(nb.port, A);
    h.track(peer.socket);
    assert.equal(nb.node.tlsSessionsStarted, 1);
    for (const s of idle) s.destroy();
    await h.stopNode(nb);
  });
});

describe('attack: connect-flood throttle (issue 14 item 4)', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('UnrealIRCd\'s default 3:60 per address; link-block addresses and except ban { type connect-flood; } are exempt', T, async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A, incomingMask: ['127.0.0.1'] }],
      extra: 'except ban { mask *@127.60.0.9; type { connect-flood; } }' });
    assert.deepEqual(nb.config.set.antiFlood.connectFlood, { count: 3, periodSeconds: 60 });
    const stranger = await openFrom(h, nb.port, Array(5).fill('127.60.0.2'));
    await sleep(300);
    assert.equal(openCount(stranger), 3, 'the 4th and 5th connection in a minute are refused');
    assert.ok(nb.log.has('LINK_DENIED', 'connect-flood'), nb.log.dump());
    const excepted = await openFrom(h, nb.port, Array(5).fill('127.60.0.9'));
    const linkAddr = await openFrom(h, nb.port, Array(5).fill('127.0.0.1'));
    await sleep(300);
    assert.equal(openCount(excepted), 5, 'except ban { type connect-flood; } is exempt');
    assert.equal(openCount(linkAddr), 5, 'the address of a link block is exempt');
    for (const s of [...stranger, ...excepted, ...linkAddr]) s.destroy();
    await h.stopNode(nb);
  });

  it('connect-flood and except ban are checked at load', T, () => {
    const base = 'me { name "b.test"; info "x"; sid "0BB"; }\nlisten { ip 127.0.0.1; port 6999; options { serversonly; tls; } }\nset { network-name "T"; ';
    assert.deepEqual(parseConfigText(base + 'anti-flood { everyone { connect-flood 10:30; } } }').config?.set.antiFlood.connectFlood, { count: 10, periodSeconds: 30 });
    for (const bad of ['0:60', '256:60', '3:0', '3:3601', 'many']) {
      const r = parseConfigText(base + `anti-flood { everyone { connect-flood "${bad}"; } } }`);
      assert.ok(r.errors.some((e) => /connect-flood/.test(e.text)), `${bad}: ${r.errors.map((e) => e.text).join('; ')}`);
    }
    const r = parseConfigText(base + '}\nexcept ban { mask "10.0.0.0/8x"; type connect-flood; }');
    assert.ok(r.errors.some((e) => /except ban/.test(e.text) && /10\.0\.0\.0\/8x/.test(e.text)), r.errors.map((e) => e.text).join('; '));
  });
});

describe('attack: refusal logs cannot be flooded (issue 14 item 5)', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('200 refused connections from one address write at most 5 lines a minute, and the rest is counted', T, async () => {
    const B = h.identity('b.test'), X = h.identity('x.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [], extra: 'set { anti-flood { everyone { connect-flood 255:60; } } }' });
    for (let round = 0; round < 4; round++) {
      const peers = await Promise.all(Array.from({ length: 25 }, () => rawTls(nb.port, X).catch(() => null)));
      for (const p of peers) if (p) { h.track(p.socket); await p.waitClosed(WAIT); }
    }
    await sleep(200);
    const denied = nb.log.events('LINK_DENIED');
    assert.ok(denied.length <= 5, `${denied.length} refusal lines`);
    assert.ok(denied.length >= 1);
    await h.stopNode(nb);
  });

  it('every refusal before authentication tells the peer the same words; the log has the reason and the certificate it presented', T, async () => {
    const A = h.identity('a.test'), B = h.identity('b.test'), X = h.identity('x.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A, passwordHash: hashPasswordSync('right', { N: 1024, r: 8, p: 1 }) }, { peer: X }],
      extra: 'set { anti-flood { everyone { connect-flood 255:60; } } }' });
    const attempts: [string, ReturnType<typeof h.identity>, string[]][] = [
      ['wrong password', A, handshakeLines('a.test', '0AA', { pass: 'wrong' })],
      ['missing password', A, handshakeLines('a.test', '0AA').slice(1)],
      ['unknown name', A, handshakeLines('nosuch.test', '0AA')],
      ['certificate pinned for another block', X, handshakeLines('a.test', '0AA', { pass: 'right' })],
    ];
    const errors: string[] = [];
    for (const [, id, lines] of attempts) {
      const p = await rawTls(nb.port, id);
      h.track(p.socket);
      p.send(...lines, serverLine('a.test', '0AA'));
      errors.push(await p.waitLine(/^ERROR /, WAIT));
      await p.waitClosed(WAIT);
    }
    for (const e of errors) assert.match(e, /\(Link denied \(No link block found with your server name or link::incoming::mask did not match\)\)$/, e);
    const reasons = nb.log.events('LINK_DENIED').map((r) => String(r.reason));
    for (const want of [/Authentication failed/, /Missing password/, /No link block/, /fingerprint does not match/]) assert.ok(reasons.some((r) => want.test(r)), `${want} in ${reasons.join(' | ')}`);
    const pinned = nb.log.events('LINK_DENIED').find((r) => /fingerprint does not match/.test(String(r.reason)));
    assert.equal(pinned?.certfp, X.certfp, 'the fingerprint received is logged');
    await h.stopNode(nb);
  });

  it('RefusalLog: the suppressed count is carried to the next logged line or reported by flush()', T, () => {
    let now = 0;
    const r = new RefusalLog({ burst: 2, windowMs: 1000, now: () => now });
    assert.deepEqual([r.admit('10.0.0.1'), r.admit('10.0.0.1'), r.admit('10.0.0.1'), r.admit('10.0.0.1')], [0, 0, null, null]);
    assert.equal(r.admit('10.0.0.2'), 0, 'other addresses have their own share');
    now = 1500;
    assert.equal(r.admit('10.0.0.1'), 2, 'the next line carries the count');
    r.admit('10.0.0.1'); r.admit('10.0.0.1');
    now = 3000;
    assert.deepEqual(r.flush(), [{ address: '10.0.0.1', suppressed: 1 }]);
    assert.equal(r.size, 0);
  });
});
