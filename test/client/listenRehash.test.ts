// Client ports at a rehash: listen { } blocks with clientsonly that a rehash adds, removes or
// changes (TLS on/off) open and close their listeners without a restart; a client on a removed
// port stays connected (UnrealIRCd keeps them); the REHASH changes say what happened.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Harness, configText, freePort, sleep } from '../runtime/helpers.ts';
import { parseConfigText } from '../../src/config/index.ts';
import { clientBlocks, closeUsers, connectUser, untagged } from './e2eHelpers.ts';

/** Does something accept a TCP connection on the port (loopback)? */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
    s.setTimeout(2000, () => { s.destroy(); resolve(false); });
  });
}

describe('client ports at a rehash', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-listen-rehash-');
  after(async () => { closeUsers(); await h.cleanup(); });

  it('added, changed and removed client ports open and close; clients on a removed port stay', { timeout: 90_000 }, async () => {
    const p1 = await freePort(), p2 = await freePort();
    const n = await h.startNode({ id: h.identity('r.test'), sid: '0RR', port: await freePort(), links: [], extra: clientBlocks(p1) });
    const rehash = async (extra: string) => {
      const r = await n.node.rehash(parseConfigText(configText({ ...n.spec, extra }), 'r.conf').config!);
      assert.ok(r.ok, r.reason);
      return r.changes;
    };
    const second = `listen { ip 127.0.0.1; port ${p2}; options { clientsonly; } }\n`;
    assert.equal(await accepts(p2), false);
    // added: a plaintext client port
    let changes = await rehash(clientBlocks(p1) + second);
    assert.ok(changes.includes(`client port 127.0.0.1:${p2} opened`), changes.join('; '));
    const onP2 = await connectUser(p2, 'pia', { tls: false });
    assert.match(untagged(await onP2.line(/ 001 pia /)), /^:r\.test 001 pia /);
    const onP1 = await connectUser(p1, 'tom');
    // unchanged: nothing said about it, it keeps accepting
    changes = await rehash(clientBlocks(p1) + second);
    assert.ok(!changes.some((c) => c.startsWith('client port')), changes.join('; '));
    // removed: no more connections on p2, but pia stays and still talks
    changes = await rehash(clientBlocks(p1));
    assert.ok(changes.includes(`client port 127.0.0.1:${p2} closed`), changes.join('; '));
    for (let i = 0; i < 50 && (await accepts(p2)); i++) await sleep(20);
    assert.equal(await accepts(p2), false);
    onP2.irc.raw('PRIVMSG tom :still here');
    assert.match(untagged(await onP1.line(/PRIVMSG tom :still here/)), /^:pia!pia@/);
    assert.equal(onP2.closed, false);
    // changed: p1 from TLS to plaintext (tom, on it, stays)
    changes = await rehash(clientBlocks(p1, { tls: false }));
    assert.ok(changes.includes(`client port 127.0.0.1:${p1} (tls) closed`) && changes.includes(`client port 127.0.0.1:${p1} opened`), changes.join('; '));
    const plain = await connectUser(p1, 'una', { tls: false });
    assert.match(untagged(await plain.line(/ 001 una /)), /^:r\.test 001 una /);
    assert.equal(onP1.closed, false);
    await sleep(50);
    assert.ok(n.log.events('REHASH').some((r) => String(r.msg).includes(`client port 127.0.0.1:${p1} opened`)), 'the REHASH log line tells:\n' + n.log.dump());
  });
});
