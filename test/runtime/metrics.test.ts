/**
 * Issue 16 item 7: Prometheus metrics on a loopback HTTP listener (`listen { options { metrics; } }`):
 * what a scrape reports for a linked node (links up by peer, users/channels/servers, TKLs by type,
 * lines per command, burst figures, sendq, refusals by event ID, process metrics), that only
 * GET /metrics is served, that a reload opens and closes the listener, that a non-loopback
 * metrics listener is a file:line error, and that Debian's `promtool check metrics` accepts the
 * exposition (skipped, saying so, when promtool is not installed).
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { parseConfigText } from '../../src/config/index.ts';
import { LineCounts } from '../../src/metrics/lineCounts.ts';
import { Harness, LOOP, configText, freePort, knowsServer, rawTls, seed, waitFor, type TestNode } from './helpers.ts';

/** A GET (or another method) on the metrics port: status and body. */
function request(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: LOOP, port, path, method: opts.method ?? 'GET', headers: opts.headers, timeout: 5000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('timeout', () => req.destroy(new Error('metrics request timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The value of one sample (`name{labels} value`) in an exposition, or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    if (line.slice(0, sp) === `${name}${labels}`) return Number(line.slice(sp + 1));
  }
  return undefined;
}

function promtool(): string | null {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'promtool' : null;
}

describe('runtime: Prometheus metrics', () => {
  const h = new Harness('tslink-metrics-');
  after(() => h.cleanup());
  const A = h.identity('a.test'), B = h.identity('b.test'), C = h.identity('c.test');
  let nb: TestNode, metricsPort = 0, scrape = '';

  it('a scrape reports the link up by peer, burst figures, users/channels/servers, TKLs by type and lines per command', async () => {
    const secret = h.secret('ab');
    const [pa, pb] = [await freePort(), await freePort()];
    metricsPort = await freePort();
    nb = await h.startNode({ id: B, sid: '0BB', port: pb, links: [{ peer: A, secretFile: secret }, { peer: C }], extra: `listen { ip 127.0.0.1; port ${metricsPort}; options { metrics; } }` }, { start: false });
    const na = await h.startNode({ id: A, sid: '0AA', port: pa, links: [{ peer: B, port: pb, autoconnect: true, secretFile: secret }] }, { start: false });
    seed(na.node, '0AA', 'alpha');
    seed(nb.node, '0BB', 'bravo', 2);
    await nb.node.start();
    await na.node.start();
    await waitFor(() => knowsServer(nb.node, 'a.test') && nb.log.events('LINK_SYNCED').length > 0, 10_000, 'A linked to B and its burst done');
    await waitFor(() => na.node.digest() === nb.node.digest(), 10_000, 'digests equal');
    assert.ok(nb.log.find((r) => r.event === 'METRICS_LISTENING' && r.port === metricsPort), nb.log.dump());

    const res = await request(metricsPort, '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.type ?? '', /^text\/plain; version=0\.0\.4/);
    scrape = res.body;
    assert.equal(sample(scrape, 'tslink_link_up', '{peer="a.test"}'), 1, scrape);
    assert.equal(sample(scrape, 'tslink_link_up', '{peer="c.test"}'), 0, 'a link block whose server is not linked is 0');
    assert.equal(sample(scrape, 'tslink_users'), nb.node.engine.net.usersByUid.size);
    assert.equal(sample(scrape, 'tslink_users'), 5, 'three users of A, two of B');
    assert.equal(sample(scrape, 'tslink_servers'), 2);
    assert.equal(sample(scrape, 'tslink_channels'), nb.node.engine.net.channels.size);
    assert.equal(sample(scrape, 'tslink_tkl', '{type="gline"}'), 2, 'one G-line from each side');
    assert.equal(sample(scrape, 'tslink_tkl', '{type="shun"}'), 0);
    assert.equal(sample(scrape, 'tslink_node_info', '{name="b.test",sid="0BB"}'), 1);
    // A's burst: 3 UIDs; B sent its own 2 (and the handshake lines both ways).
    assert.ok((sample(scrape, 'tslink_lines_received_total', '{command="UID"}') ?? 0) >= 3, scrape);
    assert.ok((sample(scrape, 'tslink_lines_sent_total', '{command="UID"}') ?? 0) >= 2, scrape);
    assert.equal(sample(scrape, 'tslink_lines_received_total', '{command="SERVER"}'), 1);
    assert.ok((sample(scrape, 'tslink_lines_received_total', '{command="EOS"}') ?? 0) >= 1);
    const burstLines = sample(scrape, 'tslink_link_burst_lines', '{peer="a.test"}') ?? 0;
    assert.ok(burstLines >= 3 + 3 + 1, `burst lines ${burstLines}: the handshake, 3 UIDs, SJOINs, TKL, EOS`);
    assert.ok((sample(scrape, 'tslink_link_burst_bytes', '{peer="a.test"}') ?? 0) > burstLines * 10);
    const burstSeconds = sample(scrape, 'tslink_link_burst_seconds', '{peer="a.test"}');
    assert.ok(burstSeconds !== undefined && burstSeconds >= 0 && burstSeconds < 10, `burst seconds ${burstSeconds}`);
    assert.ok(sample(scrape, 'tslink_link_sendq_bytes', '{peer="a.test"}') !== undefined);
    assert.equal(sample(scrape, 'tslink_link_sendq_limit_bytes', '{peer="a.test"}'), 20 * 1024 * 1024);
    // prom-client's default collectors: RSS, heap, event-loop lag.
    assert.ok((sample(scrape, 'process_resident_memory_bytes') ?? 0) > 10 * 1024 * 1024, 'RSS');
    assert.ok(sample(scrape, 'nodejs_eventloop_lag_seconds') !== undefined, 'event-loop lag');
    assert.ok((sample(scrape, 'nodejs_heap_size_used_bytes') ?? 0) > 0, 'heap');
    assert.equal(sample(scrape, 'tslink_refusals_total', '{event="LINK_DENIED"}'), 0);
  });

  it('refusals are counted by log event ID (a TLS peer without a certificate is one LINK_DENIED)', async () => {
    const peer = h.track((await rawTls(nb.port)).socket);
    await waitFor(() => peer.destroyed || nb.log.events('LINK_DENIED').length > 0, 5000, 'refused');
    await waitFor(() => nb.log.events('LINK_DENIED').length > 0, 5000, 'LINK_DENIED logged');
    const text = (await request(metricsPort, '/metrics')).body;
    assert.equal(sample(text, 'tslink_refusals_total', '{event="LINK_DENIED"}'), 1, text);
    assert.equal(sample(text, 'tslink_refusals_total', '{event="LINK_REVOKED"}'), 0);
  });

  it('promtool check metrics accepts the exposition', (t) => {
    const tool = promtool();
    if (!tool) { t.skip('promtool is not on PATH (Debian: apt-get install prometheus; scripts/install-peers.sh does it as root)'); return; }
    assert.ok(scrape.length > 0, 'the first test scraped');
    const r = spawnSync(tool, ['check', 'metrics'], { input: scrape, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `promtool check metrics failed:\n${r.stdout}${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint findings');
  });

  it('serves GET /metrics only: other paths and methods are 404, a request with a body is not read', async () => {
    assert.equal((await request(metricsPort, '/')).status, 404);
    assert.equal((await request(metricsPort, '/metrics/x')).status, 404);
    assert.equal((await request(metricsPort, '/metrics', { method: 'POST', body: 'x'.repeat(100) })).status, 404);
    assert.equal((await request(metricsPort, '/metrics', { method: 'HEAD' })).status, 404);
    assert.equal((await request(metricsPort, '/metrics?x=1')).status, 200);
    // Headers beyond 8 KiB: refused without an answer from the handler.
    const big = await request(metricsPort, '/metrics', { headers: { 'x-big': 'y'.repeat(16 * 1024) } }).catch((e: Error) => ({ status: -1, body: e.message }));
    assert.ok(big.status === 431 || big.status === -1, `status ${big.status}`);
  });

  it('at most 16 connections at once: the 17th is closed, the first ones still scrape', async () => {
    const held: net.Socket[] = [];
    for (let i = 0; i < 16; i++) {
      const s = h.track(net.connect(metricsPort, LOOP));
      await new Promise<void>((r, j) => { s.once('connect', () => r()); s.once('error', j); });
      held.push(s);
    }
    const extra = h.track(net.connect(metricsPort, LOOP));
    extra.on('error', () => {});
    await waitFor(() => extra.destroyed || extra.closed, 5000, 'the 17th connection closed');
    held[0].write('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let got = '';
    held[0].on('data', (d: Buffer) => { got += d.toString(); });
    await waitFor(() => got.includes('tslink_users'), 5000, 'a held connection still scrapes');
    for (const s of held) s.destroy();
  });

  it('a reload closes the metrics listener when its block is removed and opens it again when it is back', async () => {
    const without = parseConfigText(configText({ ...nb.spec, extra: '' }), 'b.conf').config!;
    const r1 = await nb.node.rehash(without);
    assert.ok(r1.ok && r1.changes.some((c) => c === `metrics listener 127.0.0.1:${metricsPort} closed`), JSON.stringify(r1));
    await assert.rejects(request(metricsPort, '/metrics'), /ECONNREFUSED/);
    const back = parseConfigText(configText(nb.spec), 'b.conf').config!;
    const r2 = await nb.node.rehash(back);
    assert.ok(r2.changes.includes(`metrics listener 127.0.0.1:${metricsPort} opened`), JSON.stringify(r2));
    assert.equal((await request(metricsPort, '/metrics')).status, 200);
  });
});

describe('config: listen { options { metrics; } }', () => {
  const base = 'me { name "a.test"; info "x"; sid "0AA"; }\nset { network-name "T"; }\n';
  it('a metrics listener on a non-loopback address is a file:line error unless metrics-remote allows it', () => {
    const r = parseConfigText(`${base}listen {\n\tip 192.0.2.1;\n\tport 9100;\n\toptions { metrics; }\n}\n`, 'm.conf');
    assert.equal(r.config, undefined);
    assert.equal(r.errors.length, 1, r.errors.map((e) => e.text).join('\n'));
    assert.match(r.errors[0].text, /^m\.conf:4: listen: metrics on 192\.0\.2\.1 would be reachable from other hosts/);
    for (const ip of ['*', '::']) assert.ok(parseConfigText(`${base}listen { ip ${ip}; port 9100; options { metrics; } }`, 'm.conf').errors.length > 0, ip);
    const allowed = parseConfigText(`${base}listen { ip 192.0.2.1; port 9100; options { metrics; metrics-remote; } }`, 'm.conf');
    assert.deepEqual(allowed.errors, []);
    assert.equal(allowed.config!.listen[0].metrics, true);
    assert.equal(allowed.config!.listen[0].tls, false);
  });

  it('a metrics listener needs ip and port and takes no TLS, rpc or server options', () => {
    const bad = [
      'listen { file "m.sock"; options { metrics; } }',
      'listen { ip 127.0.0.1; port 9100; options { metrics; tls; } }',
      'listen { ip 127.0.0.1; port 9100; options { metrics; serversonly; } }',
      'listen { ip 127.0.0.1; port 9100; options { metrics; rpc; } }',
      'listen { ip 127.0.0.1; port 9100; options { serversonly; tls; metrics-remote; } }',
    ];
    for (const text of bad) {
      const r = parseConfigText(`${base}${text}`, 'm.conf');
      assert.ok(r.errors.length > 0 && r.errors.every((e) => /^m\.conf:3: /.test(e.text)), `${text}: ${r.errors.map((e) => e.text).join('; ')}`);
    }
  });
});

describe('metrics: line counts per command', () => {
  it('a line counts under its command after tags and source; unknown or long commands are "other"', () => {
    const c = new LineCounts(['UID', 'PING', 'SJOIN']);
    const at = (name: string) => c.names.indexOf(name);
    for (const l of ['@s2s-md/x=1 :0AA UID n 0 1 u h 0AAAAAAAA 0 +i * * * :r', ':0AA  UID x', 'PING :a.test', '@a=b  SJOIN 1 #c :x', 'PINGX', 'ping', ':0AA', '@tag', '', '105 a.test :x', `${'A'.repeat(40)} x`]) c.countReceived(l);
    assert.equal(c.received[at('UID')], 2);
    assert.equal(c.received[at('PING')], 1);
    assert.equal(c.received[at('SJOIN')], 1);
    assert.equal(c.received[at('other')], 7);
    c.countSent(':0BB EOS');
    assert.equal(c.sent[at('other')], 1);
  });
});
