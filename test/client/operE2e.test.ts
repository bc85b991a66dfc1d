// OPER, KILL and WALLOPS on a running node over real sockets (irc-framework over TLS): the oper
// block of the configuration file, its $scrypt$ hash checked off the event loop, and the answer
// written without the client having to send anything more; OPER's failures (464 with fake lag and
// a log line without the password, 491 for a host the block's mask does not match) and its +o as
// the other node of a link sees it.
import { describe, it, after } from 'node:test';
import { strict as assert } from 'node:assert';
import { Harness, freePort, waitFor } from '../runtime/helpers.ts';
import { clientBlocks, closeUsers, connectUser, twoNodes, untagged, WAIT } from './e2eHelpers.ts';
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

describe('OPER on one of two linked nodes', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-e2e-oper2-');
  after(async () => { closeUsers(); await h.cleanup(); });

  it('464 with fake lag and a log line without the password; 491 when the mask does not match; 381 and +o seen on the other node', async () => {
    const hash = hashPasswordSync('operpassword', { N: 1024, r: 8, p: 1 });
    const opers = `oper operuser { class clients; mask *@127.0.0.1; password "${hash}"; operclass netadmin; }
oper farop { class clients; mask *@192.0.2.*; password "${hash}"; operclass netadmin; }
`;
    const { a, b } = await twoNodes(h, { connectFlood: '50:60', extra: opers });
    const op = await connectUser(a.clientPort, 'ircop');
    const ben = await connectUser(b.clientPort, 'ben');
    await waitFor(() => b.node.engine.net.userByNick('ircop') !== undefined, WAIT, 'b.test knows ircop');
    assert.ok(!b.node.engine.net.userByNick('ircop')!.umodes.has('o'));

    // Two wrong passwords: 464 each, 7 s of fake lag each, so the line after them waits.
    const WRONG = 'Wr0ng-pass-zz';
    op.irc.raw(`OPER operuser ${WRONG}`);
    op.irc.raw(`OPER operuser ${WRONG}`);
    await waitFor(() => op.lines.filter((l) => / 464 /.test(l)).length === 2 || op.closed, WAIT, `two 464\n${op.lines.join('\n')}`);
    assert.deepEqual(op.lines.filter((l) => / 464 /.test(l)).map(untagged), [':a.test 464 ircop :Password Incorrect', ':a.test 464 ircop :Password Incorrect']);
    const t0 = Date.now();
    op.irc.raw('PING :lagcheck');
    await op.line(/ PONG .*lagcheck/, 30_000);
    const waited = Date.now() - t0;
    assert.ok(waited >= 4000, `the line after two failed OPERs was read after ${waited} ms, not held by fake lag`);
    const failed = a.log.events('OPER_FAILED');
    assert.equal(failed.length, 2, a.log.dump());
    for (const f of failed) {
      assert.equal(f.fail_type, 'AUTHENTICATION_FAILED');
      assert.equal(f.oper_block, 'operuser');
      assert.match(String(f.client), /^ircop!~?ircop@/);
      assert.match(String(f.msg), /^Failed OPER attempt by ircop!\S+ \[reason: Authentication failed\] \[oper-block: operuser\]$/);
    }

    // The right password, but from a host the block's mask does not match: 491, logged.
    op.irc.raw('OPER farop operpassword');
    assert.equal(untagged(await op.line(/ 491 /, 30_000)), ':a.test 491 ircop :No O-lines for your host');
    assert.ok(a.log.events('OPER_FAILED').some((f) => f.fail_type === 'NO_HOST_MATCH' && f.oper_block === 'farop'), a.log.dump());

    // Success: 381 here, +o on b.test, and b.test's users see an oper in WHOIS.
    op.irc.raw('OPER operuser operpassword');
    assert.equal(untagged(await op.line(/ 381 /, 30_000)), ':a.test 381 ircop :You are now an IRC Operator');
    assert.ok(a.log.events('OPER_SUCCESS').some((r) => r.oper_block === 'operuser' && r.operclass === 'netadmin'), a.log.dump());
    await waitFor(() => b.node.engine.net.userByNick('ircop')?.umodes.has('o') === true, WAIT, 'b.test sees ircop +o');
    ben.irc.raw('WHOIS ircop');
    assert.equal(untagged(await ben.line(/ 313 ben /)), ':b.test 313 ben ircop :is an IRC Operator');
    assert.ok(!b.log.records.some((r) => r.event === 'OPER_FAILED' || r.event === 'OPER_SUCCESS'), 'the OPER happened on a.test only');

    // No password (wrong or right) in any log line of either node.
    for (const n of [a, b]) {
      const text = JSON.stringify(n.log.records);
      assert.ok(!text.includes(WRONG) && !text.includes('operpassword'), `a password in the log of ${n.config.me.name}`);
    }
  });
});
