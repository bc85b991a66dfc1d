/**
 * A reload that tells the truth (issue 16 item 3): every change is applied or refused with a
 * reason. A changed me { name; sid; } is refused; the key and certificate are read again and
 * new connections get them; listeners open and close to match; the result lists the changes.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { copyFileSync } from 'node:fs';
import { Harness, LOOP, configText, freePort, sleep } from './helpers.ts';
import { parseConfigText } from '../../src/config/index.ts';
import { certFingerprint } from '../../src/link/certs.ts';

const T = { timeout: 60_000 };

function presented(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: LOOP, port, rejectUnauthorized: false }, () => {
      const c = s.getPeerX509Certificate();
      s.destroy();
      c ? resolve(certFingerprint(c.raw)) : reject(new Error('no certificate'));
    });
    s.once('error', reject);
  });
}
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: LOOP, port }, () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

describe('runtime: reload (rehash)', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('a changed me::sid or me::name is refused and nothing changes', T, async () => {
    const B = h.identity('b.test'), A = h.identity('a.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A }] });
    const withSid = parseConfigText(configText({ ...nb.spec, sid: '0CC' }), 'b.conf').config!;
    const r = await nb.node.rehash(withSid);
    assert.equal(r.ok, false);
    assert.match(r.reason!, /me::sid cannot change/);
    assert.equal(nb.node.config.me.sid, '0BB');
    assert.equal(nb.node.engine.me.sid, '0BB');
    const renamed = parseConfigText(configText({ ...nb.spec, id: { ...B, name: 'other.test' } }), 'b.conf').config!;
    assert.match((await nb.node.rehash(renamed)).reason!, /me::name cannot change/);
    assert.ok(nb.log.has('REHASH_FAILED', 'me::name'), nb.log.dump());
    await h.stopNode(nb);
  });

  it('a new key and certificate are served to new connections; the result says so', T, async () => {
    const B = h.identity('b.test'), B2 = h.identity('b2.test'), A = h.identity('a.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A }] });
    assert.equal(await presented(nb.port), B.certfp);
    copyFileSync(B2.certPath, B.certPath);
    copyFileSync(B2.keyPath, B.keyPath);
    const r = await nb.node.rehash(parseConfigText(configText(nb.spec), 'b.conf').config!);
    assert.equal(r.ok, true);
    assert.ok(r.changes.some((c) => c.includes(`certificate reloaded (certfp ${B2.certfp}`)), r.changes.join('; '));
    assert.equal(await presented(nb.port), B2.certfp, 'a new connection gets the new certificate');
    await h.stopNode(nb);
  });

  it('a key that does not belong to the certificate refuses the reload', T, async () => {
    const B = h.identity('bk.test'), X = h.identity('xk.test'), A = h.identity('a.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A }] });
    // The configuration is checked (check-config would refuse the pair too), then the key changes under it.
    const cfg = parseConfigText(configText(nb.spec), 'b.conf').config!;
    copyFileSync(X.keyPath, B.keyPath);
    assert.ok(parseConfigText(configText(nb.spec), 'b.conf').errors.some((e) => /is not the key of certificate/.test(e.text)), 'check-config refuses the pair');
    const r = await nb.node.rehash(cfg);
    assert.equal(r.ok, false);
    assert.match(r.reason!, /TLS key/);
    assert.equal(await presented(nb.port), B.certfp, 'the running certificate is kept');
    await h.stopNode(nb);
  });

  it('listeners added by a reload are opened, removed ones closed', T, async () => {
    const B = h.identity('b.test'), A = h.identity('a.test');
    const extraPort = await freePort();
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A }] });
    assert.equal(await accepts(extraPort), false);
    const more = parseConfigText(configText({ ...nb.spec, extra: `listen { ip 127.0.0.1; port ${extraPort}; options { serversonly; tls; } }` }), 'b.conf');
    assert.ok(more.config, more.errors.map((e) => e.text).join('\n'));
    const r1 = await nb.node.rehash(more.config!);
    assert.ok(r1.changes.includes(`listener 127.0.0.1:${extraPort} (tls) opened`), r1.changes.join('; '));
    assert.equal(await accepts(extraPort), true);
    const r2 = await nb.node.rehash(parseConfigText(configText(nb.spec), 'b.conf').config!);
    assert.ok(r2.changes.includes(`listener 127.0.0.1:${extraPort} (tls) closed`), r2.changes.join('; '));
    // server.close() stops accepting at once; give the event loop a moment, bounded.
    for (let i = 0; i < 50 && (await accepts(extraPort)); i++) await sleep(20);
    assert.equal(await accepts(extraPort), false);
    assert.equal(await accepts(nb.port), true, 'the unchanged listener stays');
    await h.stopNode(nb);
  });
});
