// allow { } at registration, as UnrealIRCd's nick.c AllowClient() decides: the first block in file
// order whose masks (and tls option) match; no block: "You are not authorized to connect to this
// server"; the class gives the user its limits; a full class is "This server is full". The blocks'
// passwords (hashes checked off the event loop) are in allowPassword.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, type TslinkConfig } from '../../src/config/index.ts';
import { admitByAllow, REJECT } from '../../src/runtime/clientAdmission.ts';
import { leafNode, register, TIMEOUT } from './clientHarness.ts';

function config(body: string): TslinkConfig {
  const r = parseConfigText(`me { name "tslink.test"; info "x"; sid "0TS"; }\nset { network-name "TestNet"; }\n${body}`, 't.conf');
  assert.deepEqual(r.errors.map((e) => e.text), []);
  return r.config!;
}

function nodeWith(body: string) {
  const n = leafNode();
  const cfg = config(body);
  n.clients.admit = (s) => admitByAllow(cfg, n.clients, s);
  return n;
}

test('no allow block matches: refused with "You are not authorized to connect to this server"', { timeout: TIMEOUT }, () => {
  const n = nodeWith('class clients { pingfreq 90; maxclients 10; sendq 200k; }\nallow { mask 198.51.100.*; class clients; maxperip 3; }');
  register(n, 'a', 'alice', { ip: '192.0.2.10' });
  assert.equal(n.closed.get('a'), REJECT.unauthorized);
  assert.ok(n.seen.get('a')!.includes(`ERROR :Closing Link: alice[192.0.2.10] (${REJECT.unauthorized})`));
  assert.equal(n.engine.net.userByNick('alice'), undefined, 'never introduced');
});

test('the first matching block decides; its class gives the limits (recvq 8000 and pingfreq as written, sendq)', { timeout: TIMEOUT }, () => {
  const n = nodeWith('class small { pingfreq 45; maxclients 10; sendq 100k; }\nclass big { pingfreq 120; maxclients 10; sendq 1M; recvq 16k; }\nallow { mask 192.0.2.*; class small; maxperip 3; }\nallow { mask *; class big; maxperip 3; }');
  register(n, 'a', 'alice', { ip: '192.0.2.10' });
  register(n, 'b', 'bob', { ip: '198.51.100.7' });
  const a = n.clients.sessions.get('a')!, b = n.clients.sessions.get('b')!;
  assert.equal(a.className, 'small');
  assert.deepEqual([a.limits.recvq, a.limits.sendq, a.limits.pingFreq], [8000, 100 * 1024, 45]);
  assert.equal(b.className, 'big');
  assert.deepEqual([b.limits.recvq, b.limits.sendq, b.limits.pingFreq], [16 * 1024, 1024 * 1024, 120]);
});

test('allow::options::tls: the block matches TLS connections only', { timeout: TIMEOUT }, () => {
  const n = nodeWith('class clients { pingfreq 90; maxclients 10; sendq 200k; }\nallow { mask *; class clients; maxperip 3; options { tls; } }');
  register(n, 'a', 'alice', { tls: true });
  register(n, 'b', 'bob', {});
  assert.equal(n.clients.sessions.get('a')!.className, 'clients');
  assert.equal(n.closed.get('b'), REJECT.unauthorized);
});

test('maxperip counts this node\'s users from the IP; a full class is "This server is full"', { timeout: TIMEOUT }, () => {
  const n = nodeWith('class two { pingfreq 90; maxclients 2; sendq 200k; }\nallow { mask *; class two; maxperip 1; global-maxperip 5; }');
  register(n, 'a', 'alice', { ip: '192.0.2.1' });
  register(n, 'b', 'bob', { ip: '192.0.2.1' });
  assert.equal(n.closed.get('b'), REJECT.tooManyConnections);
  register(n, 'c', 'carol', { ip: '192.0.2.2' });
  register(n, 'd', 'dave', { ip: '192.0.2.3' });
  assert.equal(n.closed.get('c'), undefined);
  assert.equal(n.closed.get('d'), REJECT.serverFull);
});

test('global-maxperip counts the users from the IP on the whole network', { timeout: TIMEOUT }, () => {
  const n = nodeWith('class clients { pingfreq 90; maxclients 10; sendq 200k; }\nallow { mask *; class clients; maxperip 2; global-maxperip 2; }');
  // A remote user from 192.0.2.1 (NICKIP wAACAQ==).
  n.engine.receive('hub', ':001 UID far 0 1795305700 far far.example 001AAAAAF 0 +i * * wAACAQ== :Far');
  register(n, 'a', 'alice', { ip: '192.0.2.1' });
  register(n, 'b', 'bob', { ip: '192.0.2.1' });
  assert.equal(n.closed.get('a'), undefined);
  assert.equal(n.closed.get('b'), REJECT.tooManyConnections);
});
