// tslink status / links / map / connect / squit / rehash / rpc (src/rpc/cli.ts) against a
// running node's unix socket, and their errors.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rpcCli, mapLines, socketPathFor } from '../../src/rpc/cli.ts';
import { freePort, seed, waitFor, type TestNode } from '../runtime/helpers.ts';
import { startRpcNode, type RpcNodeHandle } from './helpers.ts';

const T = { timeout: 30_000 };

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await rpcCli(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

describe('tslink CLI over the RPC socket', { timeout: 120_000 }, () => {
  let r: RpcNodeHandle;
  let b: TestNode;
  before(async () => {
    r = await startRpcNode({ links: (h) => [{ peer: h.identity('peer.test') }], loadConfig: () => ({ config: r.tn.config, errors: [], warnings: [] }) });
    b = await r.h.startNode({ id: r.h.identity('peer.test'), sid: '0PE', port: await freePort(), links: [{ peer: r.h.identity('rpc.test'), port: r.tn.port, autoconnect: true }] });
    seed(b.node, '0PE', 'far');
    await waitFor(() => r.tn.node.engine.net.server('peer.test')?.synced === true, 20_000, 'peer synced');
  });
  after(async () => { await r?.cleanup(); });

  test('status, links and map', T, async () => {
    const s = await run(['status', '--socket', r.socket]);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /^rpc\.test \(0RP\), tslink-0\.1\.0, up \d+s/);
    assert.match(s.out, /servers 2, users 3, channels 2/);
    assert.match(s.out, /^store: ok \(lmdb \S+\), \d+ TKLs, 0 tombstones, 0 \+P channels$/m);
    assert.match(s.out, /peer\.test \(0PE\) {2}in {2}127\.0\.0\.1 {2}linked {2}burst \d+ ms {2}sendq \d+\/20971520/);
    const l = await run(['links', '--socket', r.socket, '--json']);
    assert.equal(JSON.parse(l.out)[0].name, 'peer.test');
    const m = await run(['map', '--socket', r.socket]);
    assert.equal(m.out, 'rpc.test (0RP) 0 users\n└─ peer.test (0PE) 3 users\n');
  });

  test('rpc METHOD [JSON], connect and squit errors, rehash', T, async () => {
    const u = await run(['rpc', 'user.get', '{"nick":"far0"}', '--socket', r.socket]);
    assert.equal(u.code, 0, u.err);
    assert.equal(JSON.parse(u.out).client.user.servername, 'peer.test');
    const bad = await run(['rpc', 'user.get', '{"nick":"nobody"}', '--socket', r.socket]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /user\.get: error -1000/);
    assert.equal((await run(['rpc', 'user.get', '{not json', '--socket', r.socket])).code, 2);
    const c = await run(['connect', 'peer.test', '--socket', r.socket]);
    assert.equal(c.code, 1);
    assert.match(c.err, /error -1001/);
    const rh = await run(['rehash', '--socket', r.socket]);
    assert.equal(rh.code, 0, rh.err);
    assert.match(rh.out, /\[info\] REHASH: configuration reloaded/);
    assert.match(rh.out, /rehash done\n$/);
    const sq = await run(['squit', 'peer.test', 'going away', '--socket', r.socket]);
    assert.equal(sq.code, 0, sq.err);
    assert.equal(r.tn.node.engine.net.server('peer.test'), undefined);
    assert.equal((await run(['squit', 'peer.test', '--socket', r.socket])).code, 1);
  });

  test('usage, missing socket, and where the socket is found', T, async () => {
    assert.equal((await run(['status', 'extra', '--socket', r.socket])).code, 2);
    assert.equal((await run(['status', '--bogus'])).code, 2);
    assert.equal((await run(['connect', '--socket', r.socket])).code, 2);
    assert.equal((await run(['status', '--help'])).code, 0);
    const missing = await run(['status', '--socket', join(r.h.dir, 'none.sock')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no such socket/);
    assert.equal(socketPathFor({ dataDir: '/srv/t' }), '/srv/t/rpc.socket');
    const conf = join(r.h.dir, 'cli.conf');
    writeFileSync(conf, `me { name "c.test"; info "i"; sid "0CC"; }\nset { network-name "T"; data-directory "${r.h.dir}/d"; }\nlisten { file "ctl.sock"; options { rpc; } }\n`);
    assert.equal(socketPathFor({ config: conf }), join(r.h.dir, 'd', 'ctl.sock'));
  });

  test('map draws a tree', () => {
    const s = (name: string, id: string, up?: string) => ({ name, id, server: { num_users: 1, ...(up ? { uplink: up } : {}) } });
    assert.deepEqual(mapLines([s('a.t', '0A'), s('b.t', '0B', 'a.t'), s('c.t', '0C', 'b.t'), s('d.t', '0D', 'a.t')], 'a.t'), [
      'a.t (0A) 1 users', '├─ b.t (0B) 1 users', '│  └─ c.t (0C) 1 users', '└─ d.t (0D) 1 users',
    ]);
  });
});
