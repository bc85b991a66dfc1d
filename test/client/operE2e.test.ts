// OPER, KILL and WALLOPS on a running node over real sockets (irc-framework over TLS): the oper
// block of the configuration file, its $scrypt$ hash checked off the event loop, and the answer
// written without the client having to send anything more.
import { describe, it, after } from 'node:test';
import { strict as assert } from 'node:assert';
import { Harness, freePort } from '../runtime/helpers.ts';
import { clientBlocks, closeUsers, connectUser, untagged, WAIT } from './e2eHelpers.ts';
import { hashPasswordSync } from '../../src/link/passwords.ts';

describe('OPER, KILL and WALLOPS on a node', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-e2e-oper-');
  after(async () => { closeUsers(); await h.cleanup(); });

  it('a hashed oper password opers up (381, +o, 313 in WHOIS to others); the oper kills a user and sends a WALLOPS to +w users', async () => {
    const hash = hashPasswordSync('operpassword', { N: 1024, r: 8, p: 1 });
    const clientPort = await freePort();
    const oper = `oper operuser { class clients; mask *; password "${hash}"; operclass netadmin; }\n`;
    await h.startNode({ id: h.identity('o.test'), sid: '0OO', port: await freePort(), links: [], extra: clientBlocks(clientPort, { connectFlood: '50:60' }) + oper });
    const op = await connectUser(clientPort, 'ircop');
    const alice = await connectUser(clientPort, 'alice');
    const bob = await connectUser(clientPort, 'bob');
    bob.irc.raw('KILL alice :no');
    assert.equal(untagged(await bob.line(/ 481 /)), ':o.test 481 bob :Permission Denied- You do not have the correct IRC operator privileges');
    op.irc.raw('OPER operuser wrong');
    assert.equal(untagged(await op.line(/ 464 /)), ':o.test 464 ircop :Password Incorrect');
    await new Promise((r) => setTimeout(r, 8000)); // the failure's 7 s of fake lag
    op.irc.raw('OPER operuser operpassword');
    assert.equal(untagged(await op.line(/ 381 /, WAIT)), ':o.test 381 ircop :You are now an IRC Operator');
    assert.ok(op.lines.some((l) => untagged(l) === ':ircop MODE ircop :+os'), op.lines.join('\n'));
    alice.irc.raw('WHOIS ircop');
    assert.equal(untagged(await alice.line(/ 313 alice /)), ':o.test 313 alice ircop :is an IRC Operator');
    op.irc.raw('WALLOPS :hi everyone');
    assert.match(untagged(await alice.line(/ WALLOPS /)), /^:ircop!~?ircop@\S+ WALLOPS :hi everyone$/);
    assert.match(untagged(await op.line(/ WALLOPS /)), /^:ircop!~?ircop@\S+ WALLOPS :hi everyone$/);
    op.irc.raw('KILL alice :some arbitrary reason');
    assert.equal(untagged(await alice.line(/^ERROR /)), 'ERROR :Closing Link: alice[localhost] (Killed by ircop (some arbitrary reason))');
    assert.match(untagged(alice.lines.find((l) => / KILL alice /.test(l)) ?? ''), /^:ircop!\S+ KILL alice :some arbitrary reason$/);
  });
});
