/**
 * Acceptance 7: interop with a real UnrealIRCd 6 hub. Skipped unless
 * UNREALIRCD_BIN points to an UnrealIRCd 6 binary (the `bin/unrealircd` of an
 * installation, e.g. ~/unrealircd/bin/unrealircd; its own conf/ directory
 * provides modules.default.conf).
 *
 * The test writes a minimal unrealircd.conf into a temp dir: a hub on loopback
 * with a TLS servers-only port and a plaintext client port, and a link block
 * for tslink authenticated by tslink's public key (`password "<spkifp>" { spkifp; }`).
 * An IRC client registers on the hub and joins a channel; then tslink links as
 * a leaf over TLS, pinning the hub's spkifp, and must learn the hub, its user
 * and channel from the hub's burst; the hub must list tslink in LINKS.
 *
 * UnrealIRCd refuses to run as root: when the tests run as root, set
 * UNREALIRCD_UID / UNREALIRCD_GID to an unprivileged user allowed to run it.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Harness, LOOP, freePort, knowsServer, waitFor } from './helpers.ts';
import { UNREALIRCD_BIN as BIN, UNREALIRCD_SKIP, startHub, type Hub } from './unrealHub.ts';

function cloakKey(): string {
  // 80+ characters of a-z, A-Z and 0-9 (UnrealIRCd's requirement), with each class present.
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let s = 'aA0';
  for (const b of randomBytes(85)) s += alphabet[b % alphabet.length];
  return s;
}

/** A minimal IRC client on the hub's plaintext client port. */
class IrcClient {
  lines: string[] = [];
  private buf = '';
  readonly socket: net.Socket;
  constructor(port: number) {
    this.socket = net.connect({ host: LOOP, port });
    this.socket.setEncoding('utf8');
    this.socket.on('error', () => {});
    this.socket.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).replace(/\r$/, '');
        this.buf = this.buf.slice(nl + 1);
        this.lines.push(line);
        const ping = /^PING (.*)$/.exec(line);
        if (ping) this.send(`PONG ${ping[1]}`);
      }
    });
  }
  send(l: string): void { this.socket.write(l + '\r\n'); }
  async wait(re: RegExp, ms: number): Promise<string> {
    await waitFor(() => this.lines.some((l) => re.test(l)), ms, `IRC line ${re}; got:\n${this.lines.slice(-20).join('\n')}`);
    return this.lines.find((l) => re.test(l))!;
  }
}

describe('interop: tslink leaf ↔ real UnrealIRCd 6 hub', () => {
  const h = new Harness('tslink-unreal-');
  let hub: Hub | undefined;
  let client: IrcClient | undefined;
  after(async () => {
    client?.socket.destroy();
    await hub?.stop();
    await h.cleanup();
  });

  it('links as a leaf over TLS with spkifp pinning; the hub burst arrives', async (t) => {
    if (!BIN) {
      t.skip(UNREALIRCD_SKIP);
      return;
    }
    const hubId = h.identity('hub.test');
    const leafId = h.identity('tslink.test');
    const leafPort = await freePort();
    hub = await startHub({ dir: h.dir, certPath: hubId.certPath, keyPath: hubId.keyPath, tslinkName: leafId.name, tslinkSpkifp: leafId.spkifp, cloakKeys: [cloakKey(), cloakKey(), cloakKey()] });
    const { serverPort, clientPort } = hub;
    const hubOut = hub.output;
    try {
      // A user on the hub, in a channel, before the link: it must be in the hub's burst.
      client = new IrcClient(clientPort);
      client.send('NICK interop');
      client.send('USER interop 0 * :tslink interop client');
      await client.wait(/^:\S+ 001 interop /, 20_000);
      client.send('JOIN #interop');
      await client.wait(/^:interop!\S+ JOIN :?#interop/, 10_000);

      const leaf = await h.startNode({
        id: leafId, sid: '0TL', port: leafPort,
        // A secret without require-hmac: tslink offers TSLINK-HMAC, UnrealIRCd ignores the unknown
        // PROTOCTL tokens, and the link goes ahead on the spkifp pins alone.
        links: [{ peer: hubId, port: serverPort, autoconnect: true, certfp: [], spkifp: [hubId.spkifp], secretFile: h.secret('hub'), requireHmac: false }],
      });
      try {
        await waitFor(() => leaf.log.records.some((r) => r.event === 'LINK_SYNCED' && r.peer === 'hub.test'), 20_000, 'hub burst complete (EOS)');
      } catch (err) {
        throw new Error(`${(err as Error).message}\ntslink log:\n${leaf.log.dump()}\nunrealircd:\n${hubOut()}`);
      }
      const net_ = leaf.node.engine.net;
      assert.ok(knowsServer(leaf.node, 'hub.test'));
      assert.equal(net_.serversByName.get('hub.test')?.sid, '001');
      const user = net_.usersByNick.get('interop');
      assert.ok(user, `user from the hub burst; users: ${[...net_.usersByNick.keys()].join(',')}`);
      assert.equal(user.server.sid, '001');
      const ch = net_.channel('#interop');
      assert.ok(ch && [...ch.members.keys()].some((u) => u.nick === 'interop'), 'channel and membership from the hub burst');
      assert.equal(leaf.log.events('LINK_DENIED').length, 0, leaf.log.dump());

      // The hub, in turn, sees tslink.
      client.send('LINKS');
      await client.wait(/ 364 interop tslink\.test /, 10_000);
      t.diagnostic(`linked to ${net_.serversByName.get('hub.test')?.sinfo?.software ?? 'UnrealIRCd'}: ${net_.usersByUid.size} users, ${net_.channels.size} channels known`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- unrealircd output:\n${hubOut()}`);
    }
  });
});
