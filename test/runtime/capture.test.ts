/**
 * Captures on live links: a link block's `capture "path";` (an incoming link: the capture
 * starts buffering at accept and learns its file at EAUTH) and the node option `captureDir`
 * (`tslink start --capture-dir`, here on the dialling side). Secrets never reach the files;
 * replaying a capture offline gives the capturing node's own digest at the end of the capture
 * (the round-trip acceptance). A capture that cannot be written stops with one log line and
 * leaves the link alone; a connection refused before it named a link block is recorded under
 * its connection id with --capture-dir.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPasswordSync } from '../../src/link/passwords.ts';
import { replayCapture } from '../../src/replay/offline.ts';
import { readCapture } from '../../src/replay/captureFormat.ts';
import { captureDirPath, captureFileStem } from '../../src/runtime/linkCapture.ts';
import { Harness, freePort, handshakeLines, knowsServer, rawTls, seed, serverLine, waitFor } from './helpers.ts';

const CHEAP_SCRYPT = { N: 1 << 10, r: 8, p: 1 };

describe('runtime: capture of live links', () => {
  const h = new Harness('tslink-cap-');
  after(() => h.cleanup());

  it('HMAC + password link: no secret in either capture, and each replays to its node\'s digest', async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const hmacValue = 'hmac-' + 'Zq7'.repeat(12);
    const secret = h.secret('ab', hmacValue);
    // Each side sends its own password (password-file) and checks the other's (password hash).
    const passA = 'pass-of-a-' + 'x9'.repeat(10), passB = 'pass-of-b-' + 'y8'.repeat(10);
    const passFileA = join(h.dir, 'a.pass'), passFileB = join(h.dir, 'b.pass');
    writeFileSync(passFileA, passA + '\n', { mode: 0o600 });
    writeFileSync(passFileB, passB + '\n', { mode: 0o600 });
    const capB = join(h.dir, 'b-side.txt');
    const capDirA = join(h.dir, 'captures-a');
    const [pa, pb] = [await freePort(), await freePort()];
    const nb = await h.startNode({ id: B, sid: '0BB', port: pb, links: [
      { peer: A, secretFile: secret, passwordHash: hashPasswordSync(passA, CHEAP_SCRYPT), extra: `\tpassword-file ${JSON.stringify(passFileB)};\n\tcapture ${JSON.stringify(capB)};\n` },
    ] });
    const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [
      { peer: B, port: pb, autoconnect: true, secretFile: secret, passwordHash: hashPasswordSync(passB, CHEAP_SCRYPT), extra: `\tpassword-file ${JSON.stringify(passFileA)};\n` },
    ] }, { start: false, captureDir: capDirA });
    seed(na.node, '0AA', 'alpha');
    seed(nb.node, '0BB', 'bravo');
    await na.node.start();
    // Linked, and both bursts processed (so channel messages reach the other side's members).
    await waitFor(() => knowsServer(na.node, 'b.test') && knowsServer(nb.node, 'a.test') && na.node.digest() === nb.node.digest(), 10_000, 'A and B linked and synced');
    assert.equal(na.log.events('LINK_HMAC_VERIFIED').length, 1, na.log.dump());
    assert.equal(nb.log.events('LINK_HMAC_VERIFIED').length, 1, nb.log.dump());

    // Live traffic both ways, including users pasting the HMAC secret into messages (every
    // configured secret is redacted anywhere in a row; a peer's password is known to a node only
    // as a hash, so only its PASS line can be redacted — which it is, always).
    const now = Math.floor(Date.now() / 1000);
    seed(na.node, '0AA', 'charlie', 2);
    na.node.engine.local(`:0AAALPHAA PRIVMSG #shared :oops ${hmacValue}`);
    na.node.engine.local(':0AAALPHAA TOPIC #alpha alpha0 ' + now + ' :alpha topic');
    na.node.engine.local(':0AAALPHAB NICK alpha1renamed ' + (now + 1));
    na.node.pump();
    nb.node.engine.local(`:0BBBRAVAA PRIVMSG #shared :and ${hmacValue}!`);
    nb.node.engine.local(':0BBBRAVAA MODE #bravo +kl key 10');
    nb.node.engine.local(':0BBBRAVAB PART #bravo :bye');
    nb.node.engine.local(`:b.test TKL + Z * 192.0.2.99 oper!o@h ${now + 3600} ${now} :zline`);
    nb.node.pump();
    await waitFor(() => na.node.digest() === nb.node.digest() && nb.node.engine.net.usersByNick.has('alpha1renamed') && na.node.engine.net.channels.get('#bravo')?.modes.get('l') === '10', 10_000, 'live state converged');
    // The end of the capture: nothing more happens on the link before it ends.
    const digestA = na.node.digest(), digestB = nb.node.digest();
    assert.equal(digestA, digestB);

    // A leaves (SQUIT + ERROR): the end of both captures. Then B stops (closes its file).
    await h.stopNode(na);
    await waitFor(() => !knowsServer(nb.node, 'a.test'), 5000, 'B saw A leave');
    await h.stopNode(nb);

    const filesA = readdirSync(capDirA);
    assert.equal(filesA.length, 1, filesA.join(', '));
    assert.match(filesA[0], /^b\.test-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.txt$/);
    const capA = join(capDirA, filesA[0]);

    for (const [file, digest, label] of [[capB, digestB, 'B (incoming, link block capture)'], [capA, digestA, 'A (outgoing, --capture-dir)']] as const) {
      const buf = readFileSync(file);
      const text = buf.toString('latin1');
      // (a) No secret anywhere: passwords, the HMAC secret, nonces and proofs.
      for (const s of [passA, passB, hmacValue]) assert.ok(!text.includes(s), `${label}: secret ${s.slice(0, 8)}… in the capture:\n${text.split('\n').filter((l) => l.includes(s)).join('\n')}`);
      assert.match(text, /PASS :\[redacted\]/, label);
      assert.match(text, /TSLINK-NONCE=\[redacted\]/, label);
      assert.match(text, /TSLINK-PROOF=\[redacted\]/, label);
      assert.match(text, /< :\S+ PRIVMSG #shared :(oops \[redacted\]|and \[redacted\]!)\n/, label);
      assert.match(text, /> :\S+ PRIVMSG #shared :(oops \[redacted\]|and \[redacted\]!)\n/, label);
      // The format: a version header, the handshake from the first line, the close note.
      const { rows, problems } = readCapture(buf);
      assert.deepEqual(problems, [], label);
      assert.equal(rows[0].kind, 'note');
      assert.match((rows[0] as { text: string }).text, /^tslink capture v1: link (a|b)\.test \((in|out)#/, label);
      const protocol = rows.filter((r) => r.kind === 'line');
      assert.match((protocol[0] as { line: string }).line, /^PASS :\[redacted\]$/, `${label}: the handshake is captured from its first line`);
      assert.ok(rows.some((r) => r.kind === 'note' && /connection closed/.test(r.text)), `${label}: close note`);
      assert.ok(protocol.some((r) => r.kind === 'line' && r.dir === '<' && /^:\S+ UID /.test(r.line)), label);
      assert.ok(protocol.some((r) => r.kind === 'line' && r.dir === '>' && /^:\S+ UID /.test(r.line)), label);
      // (b) The offline replay ends with the live node's network.
      const res = replayCapture(buf);
      assert.deepEqual(res.errors, [], `${label}: ${JSON.stringify(res.errors)}`);
      assert.equal(res.servers, 2, label);
      assert.equal(res.digest, digest, `${label}: replay digest differs from the live node's`);
    }
    // No capture failed.
    assert.equal(na.log.events('CAPTURE_FAILED').length + nb.log.events('CAPTURE_FAILED').length, 0);
  });

  it('an unwritable capture file: one CAPTURE_FAILED line, the link is not affected', async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const secret = h.secret('ab-fail');
    const bad = join(h.dir, 'no-such-dir', 'x.txt');
    const [pa, pb] = [await freePort(), await freePort()];
    const nb = await h.startNode({ id: B, sid: '0BB', port: pb, links: [{ peer: A, secretFile: secret }] });
    const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [
      { peer: B, port: pb, autoconnect: true, secretFile: secret, extra: `\tcapture ${JSON.stringify(bad)};\n` },
    ] });
    seed(nb.node, '0BB', 'bravo');
    await waitFor(() => knowsServer(na.node, 'b.test') && na.node.digest() === nb.node.digest(), 10_000, 'linked and converged');
    await waitFor(() => na.log.events('CAPTURE_FAILED').length > 0, 5000, 'CAPTURE_FAILED');
    nb.node.engine.local(':0BBBRAVAA PRIVMSG #shared :still here');
    seed(nb.node, '0BB', 'echo', 1);
    await waitFor(() => na.node.engine.net.usersByNick.has('echo0'), 5000, 'traffic after the failure');
    const failed = na.log.events('CAPTURE_FAILED');
    assert.equal(failed.length, 1, na.log.dump());
    assert.equal(failed[0].path, bad);
    assert.match(String(failed[0].reason), /ENOENT/);
    assert.ok(knowsServer(na.node, 'b.test'));
    assert.equal(existsSync(bad), false);
    await h.stopNode(na);
    await h.stopNode(nb);
  });

  it('--capture-dir: a connection refused at EAUTH is recorded under its connection id, handshake and ERROR included', async () => {
    const B = h.identity('b.test'), X = h.identity('x.test');
    const dir = join(h.dir, 'captures-refused');
    const pb = await freePort();
    // X's certificate is pinned (for x.test), so the connection gets as far as its EAUTH.
    const nb = await h.startNode({ id: B, sid: '0BB', port: pb, links: [{ peer: X }] }, { captureDir: dir });
    const peer = await rawTls(pb, X);
    h.track(peer.socket);
    peer.send(...handshakeLines('../../evil/x.test', '0XX', { pass: 'not-a-secret-but-redacted' }), serverLine('x.test', '0XX'));
    await peer.waitLine(/^ERROR /, 5000);
    await peer.waitClosed(5000);
    await waitFor(() => readdirSync(dir).length === 1 && /connection closed/.test(readFileSync(join(dir, readdirSync(dir)[0]), 'latin1')), 5000, 'capture written');
    const [file] = readdirSync(dir);
    assert.match(file, /^in-\d+-\d{4}-.*\.txt$/, 'named by the connection id, never by the peer-supplied name');
    const text = readFileSync(join(dir, file), 'latin1');
    assert.match(text, /^# tslink capture v1: link \(no link block\) \(in#\d+, from 127\.0\.0\.1\)/);
    assert.match(text, /< PASS :\[redacted\]\n/);
    assert.match(text, /< PROTOCTL EAUTH=\.\.\/\.\.\/evil\/x\.test/);
    assert.match(text, /> ERROR :Closing Link: /);
    assert.ok(!text.includes('not-a-secret-but-redacted'));
    await h.stopNode(nb);
  });

  it('capture file names: only safe characters from the link block name or id', () => {
    assert.equal(captureFileStem('hub.example.net'), 'hub.example.net');
    assert.equal(captureFileStem('in#12'), 'in-12');
    assert.equal(captureFileStem('out#3:hub.test'), 'out-3-hub.test');
    assert.equal(captureFileStem('../../etc/passwd'), 'etc-passwd');
    assert.equal(captureFileStem('...'), 'link');
    assert.equal(captureDirPath('/c', 'hub.test', new Date('2025-01-31T12:00:00.123Z')), '/c/hub.test-2025-01-31T12-00-00-123Z.txt');
  });
});
