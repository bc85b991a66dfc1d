// The RPC over HTTPS: rpc-user logins (basic auth and ?username=&password=, $scrypt$ hashes, and
// UnrealIRCd's $argon2id$ ones), match { ip }, rpc-class read-only,
// the HTTP answers UnrealIRCd gives (401, 200 for GET /api, 404), bounds, and WebSocket with
// live log events. Everything on loopback with the node's self-signed certificate.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hashPasswordSync } from '../../src/link/passwords.ts';
import { RpcCode } from '../../src/rpc/errors.ts';
import { Opcode } from '../../src/rpc/websocket.ts';
import { waitFor } from '../runtime/helpers.ts';
import { httpsCall, httpsRequest, startRpcNode, WsClient, type RpcNodeHandle } from './helpers.ts';

const T = { timeout: 30_000 };
const FAST = { N: 1024, r: 8, p: 1 };
/** argon2id of "secret", in the m,t,p order UnrealIRCd's mkpasswd writes. */
const ARGON2_SECRET = '$argon2id$v=19$m=8192,t=3,p=2$xLuRr9J8Y5lIgBJO+rDM9A$YoWpxioZqvP2c1Mrqh5RztVpryae98JcsdqmqWrXAPc';

describe('RPC over HTTPS', { timeout: 120_000 }, () => {
  let r: RpcNodeHandle;
  let port: number;
  before(async () => {
    const users = `
rpc-user admin { match { ip 127.0.0.1; } password "${hashPasswordSync('secret', FAST)}"; rpc-class full; }
rpc-user viewer { match { ip 127.0.0.0/8; } password "${hashPasswordSync('look', FAST)}"; rpc-class read-only; }
rpc-user elsewhere { match { ip 192.0.2.1; } password "${hashPasswordSync('secret', FAST)}"; rpc-class full; }
rpc-user unreal { mask 127.0.0.1; password "${ARGON2_SECRET}"; rpc-class full; }
`;
    r = await startRpcNode({ https: true, rpcUsers: users });
    port = r.httpsPort!;
  });
  after(async () => { await r?.cleanup(); });

  test('POST /api with basic auth: a call and its answer, then the connection closes', T, async () => {
    const res = await httpsCall(port, 'admin:secret', 'server.list');
    assert.equal(res.status, 200);
    assert.equal(res.json!.jsonrpc, '2.0');
    assert.equal(res.json!.method, 'server.list');
    assert.equal(res.json!.id, 1);
    assert.equal(res.json!.result.list[0].name, 'rpc.test');
    const bad = await httpsCall(port, 'admin:secret', 'no.such');
    assert.equal(bad.json!.error.code, RpcCode.METHOD_NOT_FOUND);
    const unparsable = await httpsRequest(port, { auth: 'admin:secret', body: '{not json' });
    assert.equal(JSON.parse(unparsable.body).error.code, RpcCode.PARSE_ERROR);
  });

  test('wrong password, no login, unknown user, a user whose match { ip } does not take us: 401', T, async () => {
    assert.equal((await httpsCall(port, 'admin:wrong', 'server.list')).status, 401);
    assert.equal((await httpsRequest(port, { body: '{}' })).status, 401);
    assert.equal((await httpsCall(port, 'nobody:secret', 'server.list')).status, 401);
    assert.equal((await httpsCall(port, 'elsewhere:secret', 'server.list')).status, 401);
    await waitFor(() => r.tn.log.events('RPC_AUTH_FAILED').length >= 3, 2000, 'refusals logged');
    assert.ok(r.tn.log.events('RPC_AUTH_FAILED').some((e) => String(e.reason).includes('does not match address 127.0.0.1')));
  });

  test('an address no rpc-user matches gets "Access denied" before any login', T, async () => {
    // 127.0.0.2 is loopback too (Linux routes the whole /8), but only viewer's match takes it.
    const res = await httpsRequest(port, { auth: 'admin:secret', body: '{}', localAddress: '127.0.0.2' });
    assert.equal(res.status, 401);
    const viewer = await httpsRequest(port, { auth: 'viewer:look', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'stats.get' }), localAddress: '127.0.0.2' });
    assert.equal(viewer.status, 200);
  });

  test('login in the URI, GET /api, other paths', T, async () => {
    const uri = await httpsRequest(port, { path: '/api?username=admin&password=secret', body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'stats.get' }) });
    assert.equal(JSON.parse(uri.body).result.server.total, 1);
    const get = await httpsRequest(port, { method: 'GET', auth: 'admin:secret' });
    assert.equal(get.status, 200);
    assert.match(get.body, /POST/);
    assert.equal((await httpsRequest(port, { path: '/other', auth: 'admin:secret', body: '{}' })).status, 404);
  });

  test('rpc-class read-only may read, not change: API_CALL_DENIED', T, async () => {
    assert.equal((await httpsCall(port, 'viewer:look', 'user.list')).json!.result.list.length, 0);
    const denied = await httpsCall(port, 'viewer:look', 'server_ban.add', { type: 'gline', name: '*@192.0.2.9', reason: 'x' });
    assert.equal(denied.json!.error.code, RpcCode.API_CALL_DENIED);
    assert.equal([...r.tn.node.engine.tkl.values()].some((e) => e.host === '192.0.2.9'), false);
    const ok = await httpsCall(port, 'admin:secret', 'server_ban.add', { type: 'gline', name: '*@192.0.2.9', reason: 'x' });
    assert.equal(ok.json!.result.tkl.set_by, 'RPC:admin');
  });

  test('$argon2id$ hashes (as UnrealIRCd\'s mkpasswd writes them) log in; a wrong password is a 401 whose log names no password', T, async () => {
    assert.equal((await httpsCall(port, 'unreal:secret', 'stats.get')).status, 200);
    assert.equal((await httpsCall(port, 'unreal:wrong-Pa55', 'stats.get')).status, 401);
    await waitFor(() => r.tn.log.events('RPC_AUTH_FAILED').some((e) => String(e.reason).includes('password mismatch')), 2000, 'mismatch logged');
    for (const e of r.tn.log.events('RPC_AUTH_FAILED')) assert.ok(!JSON.stringify(e).includes('wrong-Pa55'), 'the password is not logged');
  });

  test('a request body over the limit: 413', T, async () => {
    const res = await httpsRequest(port, { auth: 'admin:secret', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'stats.get', params: { x: 'y'.repeat(70 * 1024) } }) });
    assert.equal(res.status, 413);
  });

  test('WebSocket: calls and live log events on one connection; a bad login is refused', T, async () => {
    const refused = await WsClient.connect(port, 'admin:nope');
    assert.match(refused.status, / 401 /);
    const { client } = await WsClient.connect(port, 'admin:secret');
    assert.ok(client);
    try {
      assert.equal((await client.call('rpc.info')).result.methods['log.subscribe'].name, 'log.subscribe');
      assert.equal((await client.call('log.subscribe', { sources: ['all'] })).result, true);
      // A fragmented text message: two frames.
      const msg = JSON.stringify({ jsonrpc: '2.0', id: 'frag', method: 'name_ban.add', params: { name: 'WsBan*', reason: 'over websocket' } });
      client.socket.write(Buffer.concat([WsClient.frame(Opcode.TEXT, msg.slice(0, 10), false), WsClient.frame(Opcode.CONTINUATION, msg.slice(10))]));
      const added = await client.waitFor((m) => m.id === 'frag', 5000, 'fragmented call');
      assert.equal(added.result.tkl.name, 'WsBan*');
      const ev = await client.waitFor((m) => m.method === 'log.event' && m.result.method === 'name_ban.add', 5000, 'log event');
      assert.equal(ev.result.event_id, 'RPC_CALL');
      assert.equal(ev.result.transport, 'websocket');
      // A frame the client did not mask: closed with 1002.
      client.socket.write(Buffer.from([0x81, 0x02, 0x7b, 0x7d]));
      await waitFor(() => client.closeCode !== null, 5000, 'close frame');
      assert.equal(client.closeCode, 1002);
    } finally { client.close(); }
  });
});
