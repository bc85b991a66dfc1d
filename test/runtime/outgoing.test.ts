/**
 * Config items that shape where links come from and where they are accepted:
 * link::outgoing::bind-ip (the dialling side's source address) and listen { options { clientsonly; } }
 * (a port for clients: a server trying to link there is told it is for clients only).
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import * as net from 'node:net';
import { Harness, freePort, handshakeLines, knowsServer, rawTcp, serverLine, waitFor } from './helpers.ts';

const WAIT = 10_000;

describe('runtime: bind-ip and clientsonly listeners', () => {
  const h = new Harness();
  after(() => h.cleanup());

  it('outgoing bind-ip: the link leaves from that address (the accepting block only admits 127.0.0.2)', async () => {
    const A = h.identity('a.test'), B = h.identity('b.test');
    const nb = await h.startNode({ id: B, sid: '0BB', port: await freePort(), links: [{ peer: A, incomingMask: ['127.0.0.2'] }] });
    const na = await h.startNode({ id: A, sid: '0AA', port: await freePort(), links: [{ peer: B, port: nb.port, bindIp: '127.0.0.2' }] });
    await na.node.connect(na.config.links[0]);
    await waitFor(() => knowsServer(nb.node, 'a.test') && knowsServer(na.node, 'b.test'), WAIT, 'A-B linked from 127.0.0.2');
    const link = [...nb.node.engine.links.values()].find((l) => l.server?.name === 'a.test');
    assert.equal(link?.address, '127.0.0.2');
    await h.stopNode(na);
    // Without bind-ip the same block refuses A (its connection comes from 127.0.0.1).
    const na2 = await h.startNode({ id: A, sid: '0AA', port: await freePort(), links: [{ peer: B, port: nb.port }] });
    await na2.node.connect(na2.config.links[0]);
    await waitFor(() => nb.log.records.some((r) => r.event === 'LINK_DENIED' && /No link block|incoming::mask/.test(String(r.reason))), WAIT, 'refused from 127.0.0.1');
    assert.equal(knowsServer(nb.node, 'a.test'), false);
    await h.stopNode(na2);
    await h.stopNode(nb);
  });

  it('a clientsonly listen block takes clients; a server linking there is refused with "This port is for clients only"', async () => {
    const A = h.identity('a.test');
    const clientPort = await freePort();
    const n = await h.startNode({ id: A, sid: '0AA', port: await freePort(), links: [], extra: `listen { ip 127.0.0.1; port ${clientPort}; options { clientsonly; } }\nallow { mask *; class servers; maxperip 3; }` });
    assert.ok(n.log.records.some((r) => r.event === 'CLIENT_LISTEN' && r.port === clientPort), n.log.dump());
    const raw = await rawTcp(clientPort);
    h.track(raw.socket);
    raw.send(...handshakeLines('b.test', '0BB'), serverLine('b.test', '0BB'));
    assert.match(await raw.waitLine(/^ERROR /, WAIT), /This port is for clients only/);
    await raw.waitClosed(WAIT);
    assert.equal(knowsServer(n.node, 'b.test'), false);
    await h.stopNode(n);
  });
});
