// What unrealircd-rpc-py (a Python JSON-RPC client for UnrealIRCd that no one here wrote) sends and
// expects, encoded as tests of ours because CI cannot run it. Seen by running it by hand against a
// node (see the issue 16 acceptance notes):
//  - unix socket: one connection per call; it writes the request followed by "\r\n" and reads until
//    a chunk ends in "\n", then closes; ids are large integers (time plus a random number);
//  - HTTPS: a GET /api with basic auth first (any status >= 300 is a failed setup), then each call
//    as POST /api with the JSON as the body and no Content-Type header;
//  - it sends absent optional parameters as JSON null (server.get {server: null}, server_ban.add
//    {expire_at: null, set_by: null}, server_ban.del {set_by: null});
//  - it reads its version gate from server.get's features.software, as NAME-X.Y.Z (integers after
//    the dash; a part that is not a number raises at connect);
//  - it builds a fixed record from each object and fails the whole answer on a key it does not
//    know: the keys must stay within UnrealIRCd's fields.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import * as net from 'node:net';
import { hashPasswordSync } from '../../src/link/passwords.ts';
import { RpcCode } from '../../src/rpc/errors.ts';
import { freePort, seed, waitFor } from '../runtime/helpers.ts';
import { httpsRequest, startRpcNode, type Obj, type RpcNodeHandle } from './helpers.ts';

const T = { timeout: 30_000 };

/** One call the way the client makes it on the unix socket; resolves with the raw answer text. */
function clientStyleUnixCall(path: string, request: Obj): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ path });
    let got = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no answer ending in \\n; got ${JSON.stringify(got.slice(0, 300))}`)); }, 10_000);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`${JSON.stringify(request)}\r\n`));
    s.on('data', (d: string) => {
      got += d;
      if (d.endsWith('\n')) { clearTimeout(timer); s.destroy(); resolve(got); }
    });
    s.on('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

/** A POST /api as python-requests sends `data=<str>`: basic auth, Content-Length, no Content-Type. */
function postWithoutContentType(port: number, auth: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, method: 'POST', path: '/api', rejectUnauthorized: false, agent: false, timeout: 10_000,
      headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'Content-Length': String(Buffer.byteLength(body)) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('HTTPS request timeout')));
    req.on('error', reject);
    assert.equal(req.getHeader('content-type'), undefined);
    req.end(body);
  });
}

let nextId = 1796663708;
async function call(path: string, method: string, params: Obj = {}): Promise<Obj> {
  const id = nextId++;
  const text = await clientStyleUnixCall(path, { jsonrpc: '2.0', method, params, id });
  assert.equal(text.indexOf('\n'), text.length - 1, 'one answer line, ending in \\n');
  const answer = JSON.parse(text);
  assert.equal(answer.id, id, 'the id comes back unchanged');
  return answer;
}

// UnrealIRCd's field names for each object (its json_expand_* functions), the only keys the
// client's records take.
const CLIENT_KEYS = ['name', 'id', 'hostname', 'ip', 'details', 'server_port', 'client_port', 'connected_since', 'idle_since', 'user', 'tls', 'geoip'];
const SERVER_KEYS = [...CLIENT_KEYS.filter((k) => k !== 'user' && k !== 'geoip'), 'server'];
const SERVER_INFO_KEYS = ['info', 'uplink', 'num_users', 'boot_time', 'synced', 'ulined', 'features'];
const USER_INFO_KEYS = ['username', 'realname', 'vhost', 'cloakedhost', 'servername', 'account', 'reputation', 'security-groups', 'away_reason', 'away_since', 'modes', 'snomasks', 'operlogin', 'operclass', 'channels'];
const USER_CHANNEL_KEYS = ['name', 'level'];
const TLS_KEYS = ['certfp', 'cipher'];
const FEATURE_KEYS = ['software', 'protocol', 'usermodes', 'chanmodes', 'rpc_modules', 'nick_character_sets'];
const CHANNEL_KEYS = ['name', 'creation_time', 'num_users', 'topic', 'topic_set_by', 'topic_set_at', 'modes', 'bans', 'ban_exemptions', 'invite_exceptions', 'members'];
const MEMBER_KEYS = [...CLIENT_KEYS, 'level'];
const TKL_KEYS = ['type', 'type_string', 'name', 'set_by', 'set_at', 'expire_at', 'set_at_string', 'expire_at_string', 'duration_string', 'set_at_delta', 'set_in_config', 'reason'];

function keysWithin(o: Obj, allowed: string[], what: string): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  assert.deepEqual(extra, [], `${what} has keys UnrealIRCd does not: ${extra.join(', ')}`);
}

describe('what unrealircd-rpc-py sends and expects', { timeout: 120_000 }, () => {
  let r: RpcNodeHandle;
  before(async () => {
    r = await startRpcNode({
      https: true,
      rpcUsers: `rpc-user admin { match { ip 127.0.0.1; } password "${hashPasswordSync('secret', { N: 1024, r: 8, p: 1 })}"; rpc-class full; }`,
      links: (h) => [{ peer: h.identity('peer.test') }],
    });
    // A linked peer with users of its own, so remote servers and users are in every list too.
    const b = await r.h.startNode({ id: r.h.identity('peer.test'), sid: '0PE', port: await freePort(), links: [{ peer: r.h.identity('rpc.test'), port: r.tn.port, autoconnect: true }] });
    seed(r.tn.node, '0RP', 'own');
    seed(b.node, '0PE', 'far');
    await waitFor(() => [...r.tn.node.engine.net.usersByUid.keys()].some((u) => u.startsWith('0PE')) && r.tn.node.engine.net.server('peer.test')?.synced === true, 20_000, 'peer linked and synced');
  });
  after(async () => { await r?.cleanup(); });

  test('unix socket: a request ended by \\r\\n on its own connection gets one line ending in \\n, with the id back', T, async () => {
    const a = await call(r.socket, 'stats.get', { object_detail_level: 1 });
    assert.equal(a.jsonrpc, '2.0');
    assert.ok(a.result.user.total >= 3);
  });

  test('features.software reads as NAME-X.Y.Z, integers after the dash (the client\'s version gate)', T, async () => {
    const a = await call(r.socket, 'server.get', { server: null });
    assert.equal(a.result.server.name, 'rpc.test', 'server: null is our own server');
    const software = String(a.result.server.server.features.software);
    const after = software.split('-')[1];
    assert.ok(after !== undefined, `${software} has a dash`);
    assert.ok(after.split('.').every((x) => /^\d+$/.test(x)), `${software}: every part after the dash is an integer`);
  });

  test('null parameters read as absent: a G-line added and removed as the client sends them', T, async () => {
    const add = await call(r.socket, 'server_ban.add', { type: 'gline', name: '*@192.0.2.66', reason: 'acceptance test', expire_at: null, duration_string: '1h', set_by: null });
    assert.equal(add.error, undefined, JSON.stringify(add.error));
    assert.equal(add.result.tkl.set_by, 'RPC:local');
    keysWithin(add.result.tkl, TKL_KEYS, 'server_ban.add tkl');
    const got = await call(r.socket, 'server_ban.get', { type: 'gline', name: '*@192.0.2.66' });
    assert.equal(got.result.tkl.reason, 'acceptance test');
    const del = await call(r.socket, 'server_ban.del', { type: 'gline', name: '*@192.0.2.66', set_by: null });
    assert.equal(del.error, undefined, JSON.stringify(del.error));
    const gone = await call(r.socket, 'server_ban.get', { type: 'gline', name: '*@192.0.2.66' });
    assert.equal(gone.error.code, RpcCode.NOT_FOUND);
  });

  test('a bad call gets UnrealIRCd\'s error codes', T, async () => {
    assert.equal((await call(r.socket, 'no.such_method')).error.code, RpcCode.METHOD_NOT_FOUND);
    assert.equal((await call(r.socket, 'server_ban.add', { type: 'gline' })).error.code, RpcCode.INVALID_PARAMS);
    assert.equal((await call(r.socket, 'user.get', { nick: 'nosuchnick' })).error.code, RpcCode.NOT_FOUND);
  });

  test('servers, users, channels and bans at every detail level the client asks for have only UnrealIRCd\'s keys', T, async () => {
    const servers = (await call(r.socket, 'server.list')).result.list as Obj[];
    assert.equal(servers.length, 2);
    for (const s of servers) {
      keysWithin(s, SERVER_KEYS, `server ${s.name}`);
      keysWithin(s.server, SERVER_INFO_KEYS, `server ${s.name} .server`);
      if (s.server.features) keysWithin(s.server.features, FEATURE_KEYS, 'server features');
      if (s.tls) keysWithin(s.tls, TLS_KEYS, `server ${s.name} .tls`);
    }
    for (const level of [0, 1, 2, 4]) {
      const users = (await call(r.socket, 'user.list', { object_detail_level: level })).result.list as Obj[];
      assert.ok(users.length >= 6);
      for (const u of users) {
        keysWithin(u, CLIENT_KEYS, `user (level ${level})`);
        if (u.user) keysWithin(u.user, USER_INFO_KEYS, `user .user (level ${level})`);
        for (const c of (u.user?.channels ?? []) as Obj[]) keysWithin(c, USER_CHANNEL_KEYS, `user channel (level ${level})`);
        if (u.tls) keysWithin(u.tls, TLS_KEYS, 'user .tls');
      }
    }
    for (const level of [0, 1, 2, 3, 4]) {
      const chans = (await call(r.socket, 'channel.list', { object_detail_level: level })).result.list as Obj[];
      assert.ok(chans.length >= 2);
      for (const c of chans) {
        keysWithin(c, CHANNEL_KEYS, `channel (level ${level})`);
        for (const m of (c.members ?? []) as Obj[]) keysWithin(m, MEMBER_KEYS, `channel member (level ${level})`);
      }
    }
    const own = (await call(r.socket, 'channel.get', { channel: '#own', object_detail_level: 3 })).result.channel;
    assert.ok((own.members as Obj[]).some((m) => m.name === 'own0' && m.level === 'o'), JSON.stringify(own.members));
    const bans = (await call(r.socket, 'server_ban.list')).result.list as Obj[];
    assert.ok(bans.length >= 1);
    for (const b of bans) keysWithin(b, TKL_KEYS, 'server ban');
  });

  test('HTTPS: GET /api with basic auth is a 2xx, a call is a POST without Content-Type, a bad login a 401', T, async () => {
    const port = r.httpsPort!;
    const probe = await httpsRequest(port, { method: 'GET', auth: 'admin:secret' });
    assert.ok(probe.status >= 200 && probe.status < 300, `GET /api: ${probe.status}`);
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'user.list', params: { object_detail_level: 2 }, id: 1796663709 });
    const res = await postWithoutContentType(port, 'admin:secret', body);
    assert.equal(res.status, 200);
    const answer = JSON.parse(res.body);
    assert.equal(answer.id, 1796663709);
    assert.ok(answer.result.list.length >= 3);
    assert.equal((await httpsRequest(port, { method: 'GET', auth: 'admin:wrong' })).status, 401);
  });
});
