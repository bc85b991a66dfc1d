import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it, before, after } from 'node:test';
import {
  ERR_BAD_PROOF,
  ERR_DOWNGRADE,
  createHmacHandshake,
  loadSecretFile,
  type HmacHandshakeOptions,
} from '../../src/link/hmacAuth.ts';
import { handleLine, makeSide, run, stripTslink } from './hmacSim.ts';

const SECRET = Buffer.from('correct horse battery staple, 32 bytes+', 'utf8');
const OTHER_SECRET = Buffer.from('an entirely different shared secret!!', 'utf8');

function exporter(tag: string): Buffer {
  return createHash('sha256').update(`fake-exporter-${tag}`).digest();
}

/** Deterministic byte source (tests only). */
function seeded(seed: string): (n: number) => Buffer {
  let counter = 0;
  return (n: number) => {
    const out = Buffer.alloc(n);
    let off = 0;
    while (off < n) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      off += block.copy(out, off);
    }
    return out;
  };
}

function hs(over: Partial<HmacHandshakeOptions> & Pick<HmacHandshakeOptions, 'role' | 'ourName'>) {
  return createHmacHandshake({
    secret: SECRET,
    exporter: exporter('session-1'),
    requireHmac: true,
    ...over,
  });
}

function pair(
  c: Partial<HmacHandshakeOptions> = {},
  s: Partial<HmacHandshakeOptions> = {},
) {
  const client = makeSide('leaf.test', 'client', hs({ role: 'client', ourName: 'leaf.test', expectedPeerName: 'hub.test', ...c }));
  const server = makeSide('hub.test', 'server', hs({ role: 'server', ourName: 'hub.test', ...s }));
  return { client, server };
}

function assertNoSecret(lines: string[], secret: Buffer): void {
  const forms = [
    secret.toString('utf8'),
    secret.toString('hex'),
    secret.toString('base64'),
    secret.toString('base64url'),
  ];
  for (const l of lines) for (const f of forms) assert.ok(!l.includes(f), `secret leaked in: ${l}`);
}

describe('HMAC handshake (in memory)', () => {
  it('two state machines with the same secret verify each other', () => {
    const { client, server } = pair();
    run(client, server);
    assert.deepEqual(client.errors, []);
    assert.deepEqual(server.errors, []);
    assert.equal(client.hs!.status(), 'verified');
    assert.equal(server.hs!.status(), 'verified');
    assert.ok(client.peerServerSeen && server.peerServerSeen);
    // Each side sent exactly one offer line and one proof.
    for (const side of [client, server]) {
      assert.equal(side.sent.filter((l) => l.includes('TSLINK-HMAC=1')).length, 1);
      assert.equal(side.sent.filter((l) => l.includes('TSLINK-PROOF=')).length, 1);
      assertNoSecret(side.sent, SECRET);
    }
    // Ordering: each side's proof precedes its SERVER line.
    for (const side of [client, server]) {
      const p = side.sent.findIndex((l) => l.includes('TSLINK-PROOF='));
      const s = side.sent.findIndex((l) => l.startsWith('SERVER '));
      assert.ok(p >= 0 && s > p, `${side.role}: proof before SERVER`);
    }
  });

  it('the accepting side sends its proof only after verifying the connecting side', () => {
    const { client, server } = pair();
    run(client, server);
    const serverProofIdx = server.sent.findIndex((l) => l.includes('TSLINK-PROOF='));
    const clientProofIdx = client.sent.findIndex((l) => l.includes('TSLINK-PROOF='));
    // The server's first lines (offer + EAUTH) carry no proof.
    assert.ok(serverProofIdx >= 2);
    assert.ok(clientProofIdx >= 0);
  });

  it('server names are compared case-insensitively', () => {
    const client = makeSide('Leaf.Test', 'client', hs({ role: 'client', ourName: 'Leaf.Test', expectedPeerName: 'HUB.test' }));
    const server = makeSide('hub.test', 'server', hs({ role: 'server', ourName: 'hub.test' }));
    run(client, server);
    assert.equal(client.hs!.status(), 'verified');
    assert.equal(server.hs!.status(), 'verified');
  });

  it('wrong secret → bad proof (and the stranger never gets the server proof)', () => {
    const { client, server } = pair({ secret: OTHER_SECRET });
    run(client, server);
    assert.deepEqual(server.errors, [ERR_BAD_PROOF]);
    assert.equal(server.hs!.status(), 'failed');
    assert.ok(!server.sent.some((l) => l.includes('TSLINK-PROOF=')));
    assert.notEqual(client.hs!.status(), 'verified');
    for (const s of [client, server]) {
      assertNoSecret(s.sent, SECRET);
      assertNoSecret(s.sent, OTHER_SECRET);
      assertNoSecret(s.errors, SECRET);
    }
  });

  it('server configured with another secret refuses the client; the client is never verified', () => {
    const { client, server } = pair({}, { secret: OTHER_SECRET });
    run(client, server);
    assert.deepEqual(server.errors, [ERR_BAD_PROOF]);
    assert.notEqual(client.hs!.status(), 'verified');
  });

  it('a recorded transcript replayed on another TLS session (different exporter) fails', () => {
    // Session 1, recorded by an eavesdropper. The server's nonce source is
    // deterministic so the replay target can be given the *same* nonce:
    // the only thing that differs is the TLS exporter.
    const c1 = makeSide('leaf.test', 'client', hs({ role: 'client', ourName: 'leaf.test', expectedPeerName: 'hub.test' }));
    const s1 = makeSide('hub.test', 'server', hs({ role: 'server', ourName: 'hub.test', randomBytes: seeded('srv') }));
    run(c1, s1);
    assert.equal(s1.hs!.status(), 'verified');
    const transcript = c1.sent.filter((l) => l.startsWith('PROTOCTL '));

    // Control: the same transcript against an identical server on the same
    // session verifies, so the failure below is due to the exporter alone.
    const control = makeSide('hub.test', 'server', hs({ role: 'server', ourName: 'hub.test', randomBytes: seeded('srv') }));
    for (const l of transcript) handleLine(control, l);
    assert.equal(control.hs!.status(), 'verified');

    const replayTarget = makeSide(
      'hub.test',
      'server',
      hs({ role: 'server', ourName: 'hub.test', randomBytes: seeded('srv'), exporter: exporter('session-2') }),
    );
    for (const l of transcript) handleLine(replayTarget, l);
    assert.deepEqual(replayTarget.errors, [ERR_BAD_PROOF]);
    assert.equal(replayTarget.hs!.status(), 'failed');

    // And on the same exporter with a fresh (random) server nonce it fails too.
    const freshNonce = makeSide('hub.test', 'server', hs({ role: 'server', ourName: 'hub.test' }));
    for (const l of transcript) handleLine(freshNonce, l);
    assert.deepEqual(freshNonce.errors, [ERR_BAD_PROOF]);
  });

  it('different exporters on the two ends (MITM with two TLS sessions) fail', () => {
    const { client, server } = pair({ exporter: exporter('a') }, { exporter: exporter('b') });
    run(client, server);
    assert.deepEqual(server.errors, [ERR_BAD_PROOF]);
  });

  it('stripped TSLINK tokens with requireHmac → downgrade error', () => {
    const { client, server } = pair();
    run(client, server, { c2s: stripTslink });
    assert.deepEqual(server.errors, [ERR_DOWNGRADE]);
    assert.equal(server.hs!.status(), 'failed');
  });

  it('peer without HMAC support (e.g. UnrealIRCd) and requireHmac on our client → downgrade error', () => {
    const client = makeSide('leaf.test', 'client', hs({ role: 'client', ourName: 'leaf.test', expectedPeerName: 'hub.test' }));
    const server = makeSide('hub.test', 'server', null);
    run(client, server);
    assert.deepEqual(client.errors, [ERR_DOWNGRADE]);
  });

  it('peer without HMAC support and requireHmac off → not-offered, link goes on', () => {
    const client = makeSide('leaf.test', 'client', hs({ role: 'client', ourName: 'leaf.test', expectedPeerName: 'hub.test', requireHmac: false }));
    const server = makeSide('hub.test', 'server', null);
    run(client, server);
    assert.deepEqual(client.errors, []);
    assert.equal(client.hs!.status(), 'not-offered');
    assert.ok(client.peerServerSeen);
  });

  it('peer offers but fails: requireHmac off does not soften a bad proof', () => {
    const { client, server } = pair({ secret: OTHER_SECRET }, { requireHmac: false });
    run(client, server);
    assert.deepEqual(server.errors, [ERR_BAD_PROOF]);
  });

  it('tokens stripped from the server to client direction → the handshake cannot complete', () => {
    const { client, server } = pair();
    run(client, server, { s2c: stripTslink });
    assert.ok(server.errors.length === 1 || client.errors.length === 1);
    assert.notEqual(client.hs!.status(), 'verified');
    assert.notEqual(server.hs!.status(), 'verified');
  });

  it('two sides claiming the same role (reflection / role confusion) fail', () => {
    const a = makeSide('leaf.test', 'client', hs({ role: 'client', ourName: 'leaf.test', expectedPeerName: 'hub.test' }));
    // "server" side of the simulation, but its state machine claims client.
    const b = makeSide('hub.test', 'server', hs({ role: 'client', ourName: 'hub.test', expectedPeerName: 'leaf.test' }));
    run(a, b);
    assert.ok([...a.errors, ...b.errors].length >= 1);
    assert.notEqual(a.hs!.status(), 'verified');
  });

  it('a reflected nonce is refused', () => {
    const c = hs({ role: 'client', ourName: 'leaf.test', expectedPeerName: 'hub.test' });
    const [line] = c.localLines();
    const nonce = /TSLINK-NONCE=(\S+)/.exec(line!)![1]!;
    assert.deepEqual(c.onPeerToken('TSLINK-HMAC', '1'), {});
    assert.deepEqual(c.onPeerToken('TSLINK-NONCE', nonce), { error: 'reflected nonce' });
    assert.equal(c.status(), 'failed');
  });

  it('protocol violations fail closed and errors are sticky', () => {
    const mk = () => hs({ role: 'server', ourName: 'hub.test' });
    const goodNonce = randomBytes(32).toString('base64url');

    let h = mk();
    assert.match(h.onPeerToken('TSLINK-NONCE', goodNonce).error!, /before TSLINK-HMAC/);

    h = mk();
    h.onPeerToken('TSLINK-HMAC', '1');
    assert.match(h.onPeerToken('TSLINK-NONCE', 'short').error!, /malformed/);

    h = mk();
    h.onPeerToken('TSLINK-HMAC', '1');
    // 32 bytes but in standard base64 (with + and /): refused.
    assert.match(h.onPeerToken('TSLINK-NONCE', Buffer.alloc(32, 0xfb).toString('base64')).error!, /malformed/);

    h = mk();
    h.onPeerToken('TSLINK-HMAC', '1');
    h.onPeerToken('TSLINK-NONCE', goodNonce);
    assert.match(h.onPeerToken('TSLINK-NONCE', goodNonce).error!, /duplicate/);
    // sticky
    assert.match(h.onPeerToken('TSLINK-PROOF', 'x').error!, /duplicate/);
    assert.match(h.onPeerName('leaf.test').error!, /duplicate/);
    assert.match(h.onPeerDone().error!, /duplicate/);
    assert.equal(h.status(), 'failed');

    h = mk();
    h.onPeerToken('TSLINK-HMAC', '1');
    assert.match(h.onPeerToken('TSLINK-HMAC', '1').error!, /duplicate/);

    h = mk();
    h.onPeerName('leaf.test');
    h.onPeerToken('TSLINK-HMAC', '1');
    h.onPeerToken('TSLINK-NONCE', goodNonce);
    assert.equal(h.onPeerToken('TSLINK-PROOF', 'AAAA').error, ERR_BAD_PROOF);

    h = mk();
    h.onPeerToken('TSLINK-HMAC', '1');
    h.onPeerToken('TSLINK-NONCE', goodNonce);
    assert.match(h.onPeerDone().error!, /did not complete/);

    h = mk();
    assert.equal(h.onPeerToken('TSLINK-HMAC', '7,8').error, 'no common HMAC authentication version');

    // Unknown tokens are ignored.
    h = mk();
    assert.deepEqual(h.onPeerToken('NICKv2', undefined), {});
    assert.deepEqual(h.onPeerToken('TSLINK-FUTURE', 'x'), {});
    assert.equal(h.status(), 'pending');

    // The client must not accept a server proof before it sent its own.
    const c = hs({ role: 'client', ourName: 'leaf.test', expectedPeerName: 'hub.test' });
    c.onPeerToken('TSLINK-HMAC', '1');
    assert.match(c.onPeerToken('TSLINK-PROOF', randomBytes(32).toString('base64url')).error!, /before our proof/);
  });

  it('peer name must match the link block and may not change', () => {
    let c = hs({ role: 'client', ourName: 'leaf.test', expectedPeerName: 'hub.test' });
    assert.match(c.onPeerName('evil.test').error!, /does not match/);
    const s = hs({ role: 'server', ourName: 'hub.test' });
    assert.deepEqual(s.onPeerName('leaf.test'), {});
    assert.match(s.onPeerName('other.test').error!, /changed/);
    c = hs({ role: 'client', ourName: 'leaf.test', expectedPeerName: 'hub.test' });
    assert.match(c.onPeerName('bad name with spaces').error!, /invalid/);
    assert.throws(() => hs({ role: 'client', ourName: 'leaf.test' }), /expectedPeerName/);
  });

  it('localLines returns the offer once', () => {
    const c = hs({ role: 'client', ourName: 'leaf.test', expectedPeerName: 'hub.test' });
    const first = c.localLines();
    assert.equal(first.length, 1);
    assert.match(first[0]!, /^PROTOCTL TSLINK-HMAC=1 TSLINK-NONCE=[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(c.localLines(), []);
  });

  it('after verification, further TSLINK tokens are a protocol error', () => {
    const { client, server } = pair();
    run(client, server);
    assert.match(server.hs!.onPeerToken('TSLINK-PROOF', 'x').error!, /unexpected/);
  });

  it('refuses weak configuration without echoing the secret', () => {
    const short = Buffer.from('tooshort');
    assert.throws(
      () => createHmacHandshake({ secret: short, ourName: 'a.test', role: 'client', exporter: exporter('x'), requireHmac: true }),
      (e: Error) => /at least 16 bytes/.test(e.message) && !e.message.includes('tooshort'),
    );
    assert.throws(
      () =>
        createHmacHandshake({
          secret: SECRET,
          ourName: 'a.test',
          role: 'client',
          expectedPeerName: 'b.test',
          exporter: Buffer.alloc(0),
          requireHmac: true,
        }),
      /exporter/,
    );
  });
});

describe('loadSecretFile', () => {
  let dir: string;
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tslink-secret-'));
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('reads a 0600 file and strips the trailing newline', async () => {
    const p = path.join(dir, 'ok');
    await fsp.writeFile(p, `${SECRET.toString('utf8')}\n`, { mode: 0o600 });
    await fsp.chmod(p, 0o600);
    const s = await loadSecretFile(p);
    assert.ok(s.equals(SECRET));
  });

  for (const mode of [0o640, 0o604, 0o620, 0o644]) {
    it(`refuses mode ${mode.toString(8)} with a clear error`, async () => {
      const p = path.join(dir, `m${mode.toString(8)}`);
      await fsp.writeFile(p, SECRET);
      await fsp.chmod(p, mode);
      await assert.rejects(loadSecretFile(p), (e: Error) => {
        assert.match(e.message, /group\/others/);
        assert.match(e.message, /chmod 600/);
        assert.ok(!e.message.includes(SECRET.toString('utf8')));
        return true;
      });
    });
  }

  it('refuses a too-short secret and a directory', async () => {
    const p = path.join(dir, 'short');
    await fsp.writeFile(p, 'abc\n', { mode: 0o600 });
    await fsp.chmod(p, 0o600);
    await assert.rejects(loadSecretFile(p), /shorter than 16 bytes/);
    const d = path.join(dir, 'sub');
    await fsp.mkdir(d, { mode: 0o700 });
    await assert.rejects(loadSecretFile(d), /not a regular file/);
  });
});
