// Commands with a server argument, as UnrealIRCd's hunt_server() passes them on: a user on a.test
// names b.test (by name, SID, or a user of it), the request crosses the link in S2S form
// (":<uid> VERSION 0BB") and b.test's answer comes back as numerics from b.test. Two tslink
// nodes linked over TLS, users through irc-framework.
import { describe, it, after, before } from 'node:test';
import { strict as assert } from 'node:assert';
import { Harness, freePort, handshakeLines, knowsServer, rawTls, serverLine, uidLine, waitFor } from '../runtime/helpers.ts';
import { clientNode, closeUsers, connectUser, twoNodes, untagged, WAIT, type ClientNode, type User } from './e2eHelpers.ts';
import { huntedParams } from '../../src/s2s/handlers/hunt.ts';

describe('hunt_server(): VERSION/ADMIN/TIME/INFO/MOTD/LUSERS/WHOIS <server> across two tslink nodes', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-hunt-');
  let a: ClientNode, b: ClientNode, ann: User, ben: User;
  before(async () => {
    ({ a, b } = await twoNodes(h));
    ann = await connectUser(a.clientPort, 'ann');
    ben = await connectUser(b.clientPort, 'ben');
  });
  after(async () => { closeUsers(); await h.cleanup(); });

  /** Send a line as ann and wait (bounded) for a line of hers after it matching `re`. */
  async function ask(line: string, re: RegExp, ms = 20_000): Promise<string> {
    const from = ann.lines.length;
    ann.irc.raw(line);
    for (const end = Date.now() + ms; Date.now() < end;) {
      const l = ann.lines.slice(from).map(untagged).find((x) => re.test(x));
      if (l !== undefined) return l;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no ${re} after ${line}:\n${ann.lines.slice(from).join('\n')}`);
  }
  const after_ = (from: number) => ann.lines.slice(from).map(untagged);

  it('VERSION b.test: 351 and the 005 tokens as 105 RPL_REMOTEISUPPORT, from b.test', async () => {
    const from = ann.lines.length;
    assert.match(await ask('VERSION b.test', / 351 ann /), /^:b\.test 351 ann tslink-\S+\. b\.test :0 \[\*=6100\]$/);
    await ask('PING :v-done', /PONG .*v-done/);
    const lines = after_(from);
    assert.ok(lines.some((l) => /^:b\.test 105 ann .*NETWORK=TestNet.* :are supported by this server$/.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => / 005 ann /.test(l)), 'no 005 for a remote VERSION');
  });

  it('by SID and by a user of the server: TIME 0BB, ADMIN ben', async () => {
    assert.match(await ask('TIME 0BB', / 391 ann /), /^:b\.test 391 ann b\.test :\w+ \w+ \d+ \d{4} -- \d\d:\d\d \+00:00$/);
    assert.match(await ask('ADMIN ben', / 423 ann /), /^:b\.test 423 ann b\.test :/);
  });

  it('LUSERS b.test is answered by b.test', async () => {
    assert.match(await ask('LUSERS b.test', / 255 ann /), /^:b\.test 255 ann :I have 1 clients and 1 servers$/);
  });

  it('WHOIS ben ben asks b.test (317 idle comes from there); WHOIS b.test ben too', async () => {
    assert.match(await ask('WHOIS ben ben', / 317 ann ben /), /^:b\.test 317 ann ben \d+ \d+ :seconds idle, signon time$/);
    assert.match(await ask('WHOIS b.test ben', / 312 ann ben /), /^:b\.test 312 ann ben b\.test :/);
    // without the server: a.test answers (no 317: ben is not its user)
    const from = ann.lines.length;
    assert.match(await ask('WHOIS ben', / 318 ann ben /), /^:a\.test 318 /);
    assert.ok(!after_(from).some((l) => / 317 ann ben /.test(l)));
  });

  it('an unknown server (UnrealIRCd 6 takes no wildcards here) is 402; INFO <server> needs server:remote', async () => {
    assert.equal(await ask('VERSION nosuch.test', / 402 ann /), ':a.test 402 ann nosuch.test :No such server');
    assert.equal(await ask('TIME *.test', / 402 ann /), ':a.test 402 ann *.test :No such server');
    assert.match(await ask('INFO b.test', / 481 ann /), /^:a\.test 481 ann :Permission Denied/);
  });

  it('naming our own server (or our own user) answers locally', async () => {
    assert.match(await ask('TIME a.test', / 391 ann /), /^:a\.test 391 ann a\.test :/);
    assert.match(await ask('VERSION ann', / 351 ann /), /^:a\.test 351 ann /);
    void ben; void b;
  });

  it('MOTD b.test: answered by b.test; the asker gets 15 s of fake lag (motd.c)', async () => {
    assert.match(await ask('MOTD b.test', / 422 ann /), /^:b\.test 422 ann :/);
    const t0 = Date.now();
    await ask('PING :after-motd', /PONG .*after-motd/);
    assert.ok(Date.now() - t0 >= 3000, `PONG after ${Date.now() - t0} ms`);
  });

  it('hunt_server()\'s S2S parameter list', () => {
    assert.equal(huntedParams(['b.test'], 0, '0BB'), '0BB');
    assert.equal(huntedParams(['ben', 'ben'], 0, '0BBAAAAAA'), '0BBAAAAAA ben');
    assert.equal(huntedParams(['x', 'a b'], 0, '0BB'), '0BB :a b');
  });
});

describe('hunt_server() over S2S with a raw UnrealIRCd-like peer', { timeout: 120_000 }, () => {
  const h = new Harness('tslink-hunt-raw-');
  after(async () => { closeUsers(); await h.cleanup(); });

  it('requests for tslink are answered over S2S, others passed on toward their server, back the same way 402', { timeout: 90_000 }, async () => {
    const N = h.identity('n.test'), R = h.identity('raw.test'), B = h.identity('b.test');
    const b = await clientNode(h, B, '0BB', [{ peer: N }]);
    const n = await clientNode(h, N, '0NN', [{ peer: B, port: b.port }, { peer: R }]);
    await n.node.connect(n.config.links[0]);
    await waitFor(() => knowsServer(n.node, 'b.test') && knowsServer(b.node, 'n.test'), WAIT, 'n.test and b.test linked');
    const nia = await connectUser(n.clientPort, 'nia');
    const peer = await rawTls(n.port, R, 5000, (l) => !/ (UID|SJOIN|MD|SID|SINFO|EOS|NETINFO|PROTOCTL|SERVER|PASS|SMOD|UMODE2|MODE) /.test(l) || /^ERROR/.test(l));
    h.track(peer.socket);
    peer.send(...handshakeLines('raw.test', '1RW'), serverLine('raw.test', '1RW'), uidLine('1RW', 'rick', 1), ':1RW EOS');
    await waitFor(() => !!n.node.engine.net.userByNick('rick') && !!b.node.engine.net.userByNick('rick'), WAIT, 'rick known on both');
    const rick = n.node.engine.net.userByNick('rick')!.uid;
    // for n.test (by SID): answered over S2S, addressed by nick, from n.test
    peer.send(`:${rick} VERSION 0NN`);
    assert.match(await peer.waitLine(/ 351 rick /, WAIT), /^:n\.test 351 rick tslink-\S+\. n\.test :0 \[\*=6100\]$/);
    assert.match(await peer.waitLine(/ 105 rick /, WAIT), /^:n\.test 105 rick .* :are supported by this server$/);
    // WHOIS <our user> <nick>: n.test answers with its user's idle time
    peer.send(`:${rick} WHOIS ${n.node.engine.net.userByNick('nia')!.uid} :nia`);
    assert.match(await peer.waitLine(/ 317 rick nia /, WAIT), /^:n\.test 317 rick nia \d+ \d+ :seconds idle, signon time$/);
    // for b.test: passed on by n.test (the target as b.test's SID); b.test's answer routed back to rick
    peer.send(`:${rick} TIME b.test`);
    assert.match(await peer.waitLine(/ 391 rick /, WAIT), /^:b\.test 391 rick b\.test :/);
    // naming a server back where the request came from (raw.test itself): 402
    peer.send(`:${rick} ADMIN raw.test`);
    assert.equal(await peer.waitLine(/ 402 rick /, WAIT), ':n.test 402 rick raw.test :No such server');
    // a remote non-oper's INFO is ignored (remotecmdfilter); a remote LUSERS is answered
    peer.send(`:${rick} INFO 0NN`, `:${rick} LUSERS 0NN`);
    await peer.waitLine(/ 266 rick /, WAIT);
    assert.ok(!peer.has(/ 37[14] rick /), peer.lines.join('\n'));
    // a tslink user asking raw.test: the S2S line it gets
    nia.irc.raw('MOTD raw.test');
    assert.equal(await peer.waitLine(/ MOTD /, WAIT), `:${n.node.engine.net.userByNick('nia')!.uid} MOTD 1RW`);
    void freePort;
  });
});
