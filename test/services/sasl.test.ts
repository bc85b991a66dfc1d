// SASL against real services: Debian's atheme-services linked to tslink node hub.test (A),
// node b.test (B) linked to A over TLS. A user registers an account with NickServ from A
// (irc-framework over TLS), reconnects logging in by SASL PLAIN (903), and a user on B sees the
// account in WHOIS (330) and in the account tag of a message. Skipped (with the reason) when
// atheme-services is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, freePort, knowsServer, waitFor } from '../runtime/helpers.ts';
import { clientBlocks, closeUsers, connectUser, untagged, WAIT } from '../client/e2eHelpers.ts';
import { hashPasswordSync } from '../../src/link/passwords.ts';
import { ATHEME_BIN, atheme, stopChild } from './peers.ts';

const PASSWORD = 's3cretPass!';

test('atheme SASL PLAIN: NickServ REGISTER, reconnect with SASL (900, 903), the account in WHOIS 330 and account-tag on the other node', { timeout: 90_000 }, async (t) => {
  if (!existsSync(ATHEME_BIN)) { t.skip(`${ATHEME_BIN} not installed (apt-get install atheme-services, or scripts/install-peers.sh)`); return; }
  const h = new Harness('tslink-sasl-');
  let services: ReturnType<typeof atheme> | null = null;
  try {
    const A = h.identity('hub.test'), B = h.identity('b.test');
    const [aPort, bPort, aClients, bClients, svcPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const passFile = join(h.dir, 'servpass');
    writeFileSync(passFile, 'servpass\n', { mode: 0o600 });
    // The services' link (plaintext on loopback, as in test/services/peers.ts) and set::sasl-server.
    const servicesBlocks = `listen { ip 127.0.0.1; port ${svcPort}; options { serversonly; } }
link services.test {
	incoming { mask 127.0.0.1; }
	password "${hashPasswordSync('servpass')}";
	password-file "${passFile}";
	options { plaintext-loopback; }
	class servers;
}
ulines { services.test; }
set { sasl-server "services.test"; }
`;
    const b = await h.startNode({ id: B, sid: '0BB', port: bPort, links: [{ peer: A }], extra: clientBlocks(bClients) + 'ulines { services.test; }\n' });
    const captureDir = join(h.dir, 'captures');
    const a = await h.startNode({ id: A, sid: '0AA', port: aPort, links: [{ peer: B, port: bPort }], extra: clientBlocks(aClients) + servicesBlocks }, { captureDir });
    await a.node.connect(a.config.links.find((l) => l.name === 'b.test')!);
    await waitFor(() => knowsServer(a.node, 'b.test') && knowsServer(b.node, 'hub.test'), WAIT, 'hub.test and b.test linked');

    services = atheme({ dir: h.dir, port: svcPort });
    const svc = services;
    await waitFor(() => !!a.node.engine.net.server('services.test')?.synced || svc.exitCode !== null, 20_000, 'atheme to link and burst');
    assert.equal(svc.exitCode, null, 'atheme exited early');
    await waitFor(() => !!a.node.engine.net.userByNick('SaslServ') && !!b.node.engine.net.userByNick('NickServ'), 20_000, 'the services bots on both nodes');

    // 1. alice registers an account with NickServ, without SASL.
    const first = await connectUser(aClients, 'alice');
    assert.match(first.lines.find((l) => / CAP \S+ LS /.test(l)) ?? '', /[ :]sasl( |$)/, 'CAP LS offers sasl');
    first.irc.say('NickServ', `REGISTER ${PASSWORD} alice@example.test`);
    await waitFor(() => a.node.engine.net.userByNick('alice')?.account === 'alice', 20_000, 'NickServ to log alice in after REGISTER');
    assert.match(untagged(await first.line(/ 900 alice /)), /^:hub\.test 900 alice alice!alice@localhost alice :You are now logged in as alice\.$/);
    first.irc.quit('reconnecting');
    await waitFor(() => !a.node.engine.net.userByNick('alice') && !b.node.engine.net.userByNick('alice'), WAIT, 'alice gone from both nodes');

    // 2. bob on B, in a channel alice will join.
    const bob = await connectUser(bClients, 'bob');
    bob.irc.join('#sasl');
    await bob.line(/ 366 bob #sasl /);

    // 3. alice reconnects and logs in by SASL PLAIN before registering.
    const alice = await connectUser(aClients, 'alice', { account: { account: 'alice', password: PASSWORD } });
    const i900 = alice.lines.findIndex((l) => / 900 /.test(l)), i903 = alice.lines.findIndex((l) => / 903 /.test(l));
    const i001 = alice.lines.findIndex((l) => / 001 alice /.test(l));
    assert.ok(i900 >= 0 && i903 > i900 && i001 > i903, `900, 903, then 001:\n${alice.lines.join('\n')}`);
    assert.equal(untagged(alice.lines[i903]), ':hub.test 903 alice :SASL authentication successful');
    assert.ok(alice.lines.some((l) => /^AUTHENTICATE \+$/.test(untagged(l))), 'the services asked for the PLAIN data');
    assert.ok(!alice.lines.some((l) => / 90[456] /.test(l)), 'no failure or abort');
    await waitFor(() => b.node.engine.net.userByNick('alice')?.account === 'alice', WAIT, 'alice known on b.test with her account');

    // 4. bob sees the account: WHOIS 330, and account= on alice's message (bob asked for account-tag).
    bob.irc.raw('WHOIS', 'alice');
    assert.equal(untagged(await bob.line(/ 330 bob alice /)), ':b.test 330 bob alice alice :is logged in as');
    alice.irc.join('#sasl');
    await bob.event('join', (e) => e.nick === 'alice');
    alice.irc.say('#sasl', 'logged in by SASL');
    const msg = await bob.line(/PRIVMSG #sasl :logged in by SASL$/);
    assert.match(msg, /^@\S*\baccount=alice\b/, msg);

    // 5. The SASL secret never reached a log of either node, nor hub.test's link captures
    //    (its services link carried it: the C line there is redacted).
    const plain = Buffer.from(`alice\0alice\0${PASSWORD}`).toString('base64');
    for (const [name, n] of [['hub.test', a], ['b.test', b]] as const) {
      assert.ok(!JSON.stringify(n.log.records).includes(plain), `${name}'s log holds the SASL data`);
    }
    await h.stopNode(a);
    const captures = readdirSync(captureDir).map((f) => readFileSync(join(captureDir, f), 'utf8')).join('\n');
    assert.match(captures, / SASL services\.test \S+ S PLAIN/, 'the services link was captured');
    assert.match(captures, / SASL services\.test \S+ C :\[redacted\]/, 'the C line is there, redacted');
    assert.ok(!captures.includes(plain), 'a capture holds the SASL data');
  } finally {
    closeUsers();
    if (services) await stopChild(services);
    await h.cleanup();
  }
});
