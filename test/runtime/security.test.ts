/**
 * Issue 12 on a running node: the bottom line check (item 1), pins and masks before any password
 * work (3), no synchronous or unbounded password checks (4), links re-checked at a rehash (5), the
 * throttle and half-open caps on plaintext listeners (12), the pre-registration flood limit, and
 * the plaintext-loopback and require-hmac checks of authorize.ts.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import * as net from 'node:net';
import { writeFileSync } from 'node:fs';
import { hashPasswordSync } from '../../src/link/passwords.ts';
import { LinkConn, refusedLineCount } from '../../src/runtime/linkConn.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { authorizeLink, hmacBeforeServer, type ConnFacts, type LinkFiles } from '../../src/runtime/authorize.ts';
import { parseConfigText } from '../../src/config/index.ts';
import {
  Harness, LOOP, LogSink, configText, freePort, handshakeLines, knowsServer, rawTls, serverLine, sleep, uidLine, waitFor,
} from './helpers.ts';

const WAIT = 10_000;
const T = { timeout: 60_000 };
const CHEAP = { N: 1 << 10, r: 8, p: 1 };
const NO_FILES: LinkFiles = { ca: () => undefined, password: () => undefined };

async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, LOOP, () => r()));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const peer = net.connect((server.address() as net.AddressInfo).port, LOOP);
  const ours = await accepted;
  server.close();
  return [ours, peer];
}

describe('security: the line check at the bottom (item 1)', () => {
  it('LinkConn writes nothing of a line holding CR, LF or NUL, logs LINE_REFUSED and counts it', T, async () => {
    const [ours, peer] = await socketPair();
    const sink = new LogSink();
    const conn = new LinkConn('t', ours, LOOP, false, { sendQ: 1 << 20, recvQ: 1 << 20, pingFreq: 60, handshakeTimeout: 30 }, createLogger({ destination: sink, level: 'debug' }));
    const recorded: string[] = [];
    conn.capture = (_d, l) => recorded.push(l);
    let got = '';
    peer.setEncoding('latin1');
    peer.on('data', (d: string) => { got += d; });
    const before = refusedLineCount();
    try {
      assert.equal(conn.write('PRIVMSG #a :one\r\n:0AA KILL 001AAAAAA :injected'), true);
      assert.equal(conn.write('PRIVMSG #a :two\nSQUIT x'), true);
      assert.equal(conn.write('PRIVMSG #a :three\0'), true);
      conn.write('PING :ok');
      await waitFor(() => got.includes('PING :ok'), WAIT, 'the good line');
      await sleep(30);
      assert.equal(got, 'PING :ok\r\n', 'only the single line went out');
      assert.deepEqual(recorded, ['PING :ok'], 'a refused line is not recorded either');
      assert.equal(conn.refusedLines, 3);
      assert.equal(refusedLineCount() - before, 3);
      await waitFor(() => sink.events('LINE_REFUSED').length === 3, WAIT, 'LINE_REFUSED logged');
    } finally {
      conn.destroy('done');
      peer.destroy();
    }
  });
});

describe('security: authorization order and password checks (items 3, 4)', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('a certificate that fails the pin is refused before any password work, however many try', T, async () => {
    const A = h.identity('a.test'), B = h.identity('b.test'), X = h.identity('intruder.test');
    // X holds a pinned certificate (for intruder.test) and claims a.test: refused on its pin.
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A, passwordHash: hashPasswordSync('right', CHEAP) }, { peer: X }] });
    const peers = await Promise.all(Array.from({ length: 8 }, () => rawTls(nb.port, X)));
    for (const p of peers) {
      h.track(p.socket);
      p.send('PASS :right', 'PROTOCTL EAUTH=a.test,6100,Fhn6OoE,UnrealIRCd-6.1.8.1', 'PROTOCTL SID=0AA', serverLine('a.test', '0AA'));
    }
    for (const p of peers) await p.waitClosed(WAIT);
    // Refusal lines are rate-limited per address (5 a minute): the rest are counted, not lost.
    await waitFor(() => nb.log.records.filter((r) => r.event === 'LINK_DENIED' && String(r.reason).startsWith('Link denied (Authentication failed)')).length === 5, WAIT, 'refusals logged');
    assert.equal(nb.node.passwordChecksStarted, 0, 'no scrypt ran for a peer whose certificate failed');
    assert.equal(knowsServer(nb.node, 'a.test'), false);
    await h.stopNode(nb);
  });

  it('an address outside the incoming mask is refused before any password work', T, async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A, incomingMask: ['127.0.0.2'], passwordHash: hashPasswordSync('right', CHEAP) }] });
    const p = h.track((await rawTls(nb.port, A)).socket);
    p.write([...handshakeLines('a.test', '0AA', { pass: 'right' }), serverLine('a.test', '0AA')].map((l) => l + '\r\n').join(''));
    await waitFor(() => nb.log.has('LINK_DENIED', 'No link block found'), WAIT, 'refused by mask');
    assert.equal(nb.node.passwordChecksStarted, 0);
    await h.stopNode(nb);
  });

  it('a PASS over 256 bytes is refused without hashing; the right password links (one check)', T, async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const pass = 'p'.repeat(256);
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A, passwordHash: hashPasswordSync(pass, CHEAP) }] });
    const long = await rawTls(nb.port, A);
    h.track(long.socket);
    long.send(...handshakeLines('a.test', '0AA', { pass: pass + 'p' }), serverLine('a.test', '0AA'));
    await long.waitClosed(WAIT);
    assert.equal(nb.node.passwordChecksStarted, 0, 'an over-long PASS is not hashed');
    assert.ok(nb.log.has('LINK_DENIED', 'Authentication failed'), nb.log.dump());
    const ok = await rawTls(nb.port, A);
    h.track(ok.socket);
    ok.send(...handshakeLines('a.test', '0AA', { pass }), serverLine('a.test', '0AA'), ':0AA EOS');
    await waitFor(() => knowsServer(nb.node, 'a.test'), WAIT, 'linked with the 256-byte password');
    assert.equal(nb.node.passwordChecksStarted, 1);
    await h.stopNode(nb);
  });

  it('a lower-case eauth= token is not EAUTH: the password is checked off the event loop at SERVER, never synchronously', T, async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const pass = 'correct horse battery staple';
    const hash = hashPasswordSync(pass, { N: 1 << 17, r: 8, p: 1 });
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A, passwordHash: hash }] });
    // A 5 ms timer notes at each tick whether a check is in progress: a check on the event loop
    // (synchronous) would start and finish between two ticks, with none of them seeing it.
    const ticks: boolean[] = [];
    const timer = setInterval(() => ticks.push(nb.node.passwordChecksActive > 0), 5);
    try {
      const peer = await rawTls(nb.port, A);
      h.track(peer.socket);
      // Without a (case-correct) EAUTH an incoming peer may not send SID= either (protoctl.c):
      // named only by SERVER, it is authorized there and then refused for the missing SID.
      const lines = handshakeLines('a.test', '0AA', { pass }).map((l) => l.replace('PROTOCTL EAUTH=', 'PROTOCTL eauth=').replace(' SID=0AA', ''));
      peer.send(...lines, serverLine('a.test', '0AA'), uidLine('0AA', 'lc', 1), ':0AA EOS');
      await peer.waitClosed(WAIT);
      assert.ok(peer.has(/old unsupported protocol/), `refused for the missing SID, after authorization:\n${peer.lines.join('\n')}`);
    } finally {
      clearInterval(timer);
    }
    assert.equal(nb.node.passwordChecksStarted, 1);
    const during = ticks.filter(Boolean).length;
    assert.ok(during >= 2, `${during} timer ticks while the check was in progress (${ticks.length} in all): the check ran on the event loop`);
    await h.stopNode(nb);
  });
});

describe('security: authorize.ts decisions', () => {
  const cfgText = (hash: string) => `me { name "hub.test"; info "x"; sid "001"; }
listen { ip 127.0.0.1; port 6999; options { serversonly; } }
link svc.test { incoming { mask 127.0.0.1; } password "${hash}"; options { plaintext-loopback; } class servers; }
set { network-name "T"; }
`;
  const facts = (over: Partial<ConnFacts> = {}): ConnFacts => ({ socket: new net.Socket(), tls: false, listenerLoopback: true, passwordVerdict: () => true, ...over });

  it('a plaintext connection from a non-loopback address is refused, whatever the password verdict', T, () => {
    const res = parseConfigText(cfgText(hashPasswordSync('x', CHEAP)));
    assert.ok(res.config, res.errors.map((e) => e.text).join('\n'));
    // The configuration rules allow only loopback masks here; authorize.ts checks the address itself too.
    const cfg = { ...res.config!, links: [{ ...res.config!.links[0], incoming: { mask: ['*'] } }] };
    const req = (address: string) => ({ link: 'l', direction: 'in' as const, name: 'svc.test', password: 'x', address, software: '' });
    assert.equal(authorizeLink(cfg, req('127.0.0.1'), facts(), NO_FILES).ok, true);
    assert.deepEqual(authorizeLink(cfg, req('192.0.2.7'), facts(), NO_FILES), { ok: false, reason: 'Servers need to use TLS' });
    assert.deepEqual(authorizeLink(cfg, req('::ffff:10.1.2.3'), facts(), NO_FILES), { ok: false, reason: 'Servers need to use TLS' });
    assert.deepEqual(authorizeLink(cfg, req('127.0.0.1'), facts({ listenerLoopback: false }), NO_FILES), { ok: false, reason: 'Servers need to use TLS' });
  });

  it('no verdict is a refusal: authorize never hashes a password itself', T, () => {
    const res = parseConfigText(cfgText(hashPasswordSync('x', CHEAP)));
    const req = { link: 'l', direction: 'in' as const, name: 'svc.test', password: 'x', address: '127.0.0.1', software: '' };
    assert.equal(authorizeLink(res.config!, req, facts({ passwordVerdict: () => undefined }), NO_FILES).ok, false);
    assert.equal(authorizeLink(res.config!, req, facts({ passwordVerdict: () => false }), NO_FILES).ok, false);
  });

  it('require-hmac refuses a connection that has no HMAC handshake at all', T, () => {
    const res = parseConfigText(cfgText(hashPasswordSync('x', CHEAP)));
    const block = res.config!.links[0];
    assert.deepEqual(hmacBeforeServer({ ...block, requireHmac: true }, undefined), { error: 'downgrade: HMAC authentication required but not possible on this connection' });
    assert.deepEqual(hmacBeforeServer({ ...block, requireHmac: false }, undefined), {});
  });
});

describe('security: limits on every listener', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('more than 16 KiB before SERVER is accepted: Excess flood', T, async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A }] });
    const peer = await rawTls(nb.port, A);
    h.track(peer.socket);
    peer.send('PASS :*', ...Array.from({ length: 400 }, (_, i) => `NOTICE * :flood line ${i} ${'x'.repeat(40)}`));
    await peer.waitClosed(5000);
    assert.ok(nb.log.has('LINK_DENIED', 'Excess flood'), nb.log.dump());
    await h.stopNode(nb);
  });

  it('a plaintext loopback listener has the throttle and half-open caps (300 connections from one address)', { timeout: 120_000 }, async (t) => {
    const B = h.identity('b.test');
    const plainPort = await freePort();
    const hash = hashPasswordSync('svcpass', CHEAP);
    const nb = await h.startNode({
      id: B, sid: '0BB', port: await freePort(), links: [],
      extra: `listen { ip 127.0.0.1; port ${plainPort}; options { serversonly; } }
link svc.test { incoming { mask 127.0.0.1; } password "${hash}"; options { plaintext-loopback; } class servers; }
set { handshake-limits { per-ip 20; total 50; } }
`,
    });
    const socks: net.Socket[] = [];
    let closedByNode = 0;
    const stillOpen = () => socks.filter((s) => !s.destroyed && s.readyState === 'open').length;
    try {
      await Promise.all(Array.from({ length: 300 }, () => new Promise<void>((resolve) => {
        const s = net.connect({ host: LOOP, port: plainPort });
        socks.push(h.track(s));
        s.on('error', () => {});
        s.once('connect', () => resolve());
        s.once('close', () => { closedByNode++; resolve(); });
      })));
      // No fixed wait: the node closes every connection beyond the caps, however long that takes on
      // a loaded machine (a broken cap leaves them open until the per-test timeout).
      try {
        await waitFor(() => closedByNode >= 280, 90_000, 'the node closes what is over the caps');
      } finally {
        t.diagnostic(`${closedByNode} of 300 closed by the node, ${stillOpen()} open`);
      }
      assert.ok(stillOpen() <= 20, `${stillOpen()} of 300 connections from one address stay open`);
    } finally {
      for (const s of socks) s.destroy();
    }
    await h.stopNode(nb);
  });
});

describe('security: links re-checked at a rehash (item 5)', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('changed pins or password drop the link (LINK_REVOKED); an unchanged block keeps it', T, async () => {
    const A = h.identity('a.test'), B = h.identity('b.test'), Other = h.identity('other.test');
    const pass = 'link password';
    const hash = hashPasswordSync(pass, CHEAP);
    const port = await freePort();
    const nb = await h.startNode({ id: B, sid: '0BB', port, links: [{ peer: A, passwordHash: hash }] });
    const spec = (over: object) => ({ ...nb.spec, links: [{ peer: A, passwordHash: hash, ...over }] });
    const rehashTo = async (over: object) => {
      const res = parseConfigText(configText(spec(over)), 'b.conf');
      assert.ok(res.config, res.errors.map((e) => e.text).join('\n'));
      await nb.node.rehash(res.config!);
    };
    const link = async () => {
      const p = await rawTls(port, A);
      h.track(p.socket);
      p.send(...handshakeLines('a.test', '0AA', { pass }), serverLine('a.test', '0AA'), ':0AA EOS');
      await waitFor(() => knowsServer(nb.node, 'a.test'), WAIT, 'A linked');
      return p;
    };

    let p = await link();
    await rehashTo({});
    await sleep(100);
    assert.equal(p.closed, false, 'an unchanged block keeps the link');
    assert.ok(knowsServer(nb.node, 'a.test'));

    await rehashTo({ certfp: [Other.certfp], spkifp: [Other.spkifp] });
    await p.waitClosed(WAIT);
    assert.equal(knowsServer(nb.node, 'a.test'), false);
    assert.ok(nb.log.has('LINK_REVOKED', 'Authentication failed'), nb.log.dump());

    await rehashTo({});
    p = await link();
    await rehashTo({ passwordHash: hashPasswordSync('a new password', CHEAP) });
    await p.waitClosed(WAIT);
    assert.ok(nb.log.has('LINK_REVOKED', 'link password changed'), nb.log.dump());
    await h.stopNode(nb);
  });

  it('a rotated HMAC secret drops the link made with the old one', T, async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const secret = h.secret('ab-rot');
    const pa = await freePort(), pb = await freePort();
    const nb = await h.startNode({ id: B, sid: '0BB', port: pb, links: [{ peer: A, secretFile: secret }] });
    const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [{ peer: B, port: pb, autoconnect: true, secretFile: secret }] });
    await waitFor(() => knowsServer(nb.node, 'a.test') && knowsServer(na.node, 'b.test'), WAIT, 'A and B linked');
    writeFileSync(secret, 'a completely different shared secret value\n', { mode: 0o600 });
    await nb.node.rehash(nb.config);
    await waitFor(() => nb.log.has('LINK_REVOKED', 'HMAC secret changed'), WAIT, 'revoked');
    await h.stopNode(na);
    await h.stopNode(nb);
  });
});
