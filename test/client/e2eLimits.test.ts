// The client ports' limits over real sockets, as UnrealIRCd applies them: TLS unless a port asks
// for plaintext, IPv6, allow::maxperip, set::anti-flood::everyone::connect-flood (the node's
// throttle, shared with server links), the class recvq (Excess Flood) and the registration
// timeout (set::handshake-timeout).
import { describe, it, after } from 'node:test';
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { Harness, rawTcp, rawTls, waitFor, type RawPeer } from '../runtime/helpers.ts';
import { clientNode, closeUsers, connectUser, untagged, WAIT } from './e2eHelpers.ts';

/** Register a raw connection (NICK, USER, answering the ping cookie); resolves on 001. */
async function registerRaw(p: RawPeer, nick: string): Promise<void> {
  p.send(`NICK ${nick}`, `USER ${nick} 0 * :Raw ${nick}`);
  const ping = await p.waitLine(/^PING :/, WAIT);
  p.send(`PONG :${ping.slice(6)}`);
  await p.waitLine(/ 001 /, WAIT);
}

async function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

describe('client ports: TLS, plaintext, IPv6 and the per-client limits over real sockets', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-e2e-limits-');
  after(async () => { closeUsers(); await h.cleanup(); });

  it('a TLS client port takes TLS only: a plaintext client gets no welcome; a port without the tls option is plaintext', async () => {
    const tlsNode = await clientNode(h, h.identity('t.test'), '0TT', [], { connectFlood: '50:60' });
    const plain = await rawTcp(tlsNode.clientPort);
    h.track(plain.socket);
    plain.send('NICK plain', 'USER plain 0 * :Plain');
    await plain.waitClosed(WAIT);
    assert.ok(!plain.has(/ 001 /), plain.lines.join('\n'));
    await h.stopNode(tlsNode);
    const plainNode = await clientNode(h, h.identity('p.test'), '0PP', [], { tls: false, connectFlood: '50:60' });
    const u = await connectUser(plainNode.clientPort, 'plainuser', { tls: false });
    assert.equal(untagged(await u.line(/ 001 /)), ':p.test 001 plainuser :Welcome to the TestNet IRC Network plainuser!plainuser@localhost');
    assert.ok(!plainNode.node.engine.net.userByNick('plainuser')!.umodes.has('z'), 'no +z without TLS');
    await h.stopNode(plainNode);
  });

  it('IPv6: a client port on ::1 takes clients over IPv6', async (t) => {
    if (!(await ipv6Loopback())) { t.skip('no IPv6 loopback on this machine'); return; }
    const n = await clientNode(h, h.identity('six.test'), '066', [], { ip: '::1', connectFlood: '50:60' });
    const u = await connectUser(n.clientPort, 'sixer', { host: '::1' });
    await u.line(/ 001 sixer /);
    // ::1 is "localhost", as UnrealIRCd names it; the UID carries the 16-byte address.
    assert.equal(n.node.engine.net.userByNick('sixer')!.realHost, 'localhost');
    assert.equal(n.node.engine.net.userByNick('sixer')!.ip, Buffer.from('00000000000000000000000000000001', 'hex').toString('base64'));
    await h.stopNode(n);
  });

  it('allow::maxperip: the registration over the limit is refused with "Too many connections from your IP"', async () => {
    const n = await clientNode(h, h.identity('m.test'), '0MM', [], { maxperip: 2, connectFlood: '50:60' });
    await connectUser(n.clientPort, 'one');
    await connectUser(n.clientPort, 'two');
    const three = await connectUser(n.clientPort, 'three', { register: false });
    assert.equal(await three.line(/^ERROR /), 'ERROR :Closing Link: three[localhost] (Too many connections from your IP)');
    assert.equal(n.node.engine.net.userByNick('three'), undefined);
    await h.stopNode(n);
  });

  it('connect-flood: a connection over set::anti-flood::everyone::connect-flood inside its period is refused before anything is read', async () => {
    const n = await clientNode(h, h.identity('f.test'), '0FF', [], { connectFlood: '2:60' });
    const first = await rawTls(n.clientPort);
    const second = await rawTls(n.clientPort);
    h.track(first.socket); h.track(second.socket);
    // The third one is cut before its TLS handshake completes.
    await assert.rejects(async () => { const p = await rawTls(n.clientPort, undefined, 3000); h.track(p.socket); await registerRaw(p, 'third'); });
    await waitFor(() => n.log.records.some((r) => /connect-flood/.test(String(r.reason))), WAIT, 'throttle logged');
    // The first two are unaffected.
    await registerRaw(first, 'first');
    await h.stopNode(n);
  });

  it('a client that floods past its class recvq is disconnected with "Excess Flood", and the network sees its QUIT', async () => {
    const n = await clientNode(h, h.identity('x.test'), '0XX', [], { connectFlood: '50:60' });
    const watcher = await connectUser(n.clientPort, 'watcher');
    const p = await rawTls(n.clientPort);
    h.track(p.socket);
    await registerRaw(p, 'flooder');
    watcher.irc.join('#f');
    await watcher.line(/ 366 watcher #f /);
    p.send('JOIN #f');
    await watcher.event('join', (e) => e.nick === 'flooder');
    // Fake lag holds the lines; what waits beyond recvq (8000 bytes) is a flood.
    p.send(...Array.from({ length: 300 }, (_, i) => `PRIVMSG #f :flood line ${i} ${'x'.repeat(60)}`));
    assert.equal(await p.waitLine(/^ERROR /, WAIT), 'ERROR :Closing Link: flooder[localhost] (Excess Flood)');
    await p.waitClosed(WAIT);
    const q = await watcher.event('quit', (e) => e.nick === 'flooder');
    assert.equal(q.message, 'Excess Flood');
    assert.equal(n.node.engine.net.userByNick('flooder'), undefined);
    await h.stopNode(n);
  });

  it('set::handshake-timeout: a connection that does not register in time is closed with "Registration Timeout"', async () => {
    const n = await clientNode(h, h.identity('r.test'), '0RR', [], { connectFlood: '50:60', handshakeTimeout: '5s' });
    const p = await rawTls(n.clientPort);
    h.track(p.socket);
    p.send('NICK slow');
    assert.match(await p.waitLine(/^ERROR /, 15_000), /^ERROR :Closing Link: slow\[localhost\] \(Registration Timeout\)$/);
    await p.waitClosed(WAIT);
    await h.stopNode(n);
  });
});
