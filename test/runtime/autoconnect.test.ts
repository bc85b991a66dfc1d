/**
 * set::server-linking::autoconnect-strategy (UnrealIRCd's semantics, src/modules/server.c):
 * sequential (the default) dials one autoconnect block at a time and waits until that link has
 * finished its burst (EOS) before dialling the next; parallel dials them all at once.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Harness, type Identity, LOOP, freePort, handshakeLines, knowsServer, serverLine, waitFor } from './helpers.ts';

const WAIT = 15_000;

/** A TLS server playing b.test that registers at once but sends its EOS only after `eosDelayMs`. */
async function slowPeer(id: Identity, sid: string, eosDelayMs: number): Promise<{ port: number; eosAt: () => number; close: () => Promise<void> }> {
  let eosAt = 0;
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ key: id.keyPem, cert: id.certPem, requestCert: true, rejectUnauthorized: false }, (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.write([...handshakeLines(id.name, sid), serverLine(id.name, sid), ''].join('\r\n'));
    setTimeout(() => { if (!s.destroyed) { eosAt = Date.now(); s.write(`:${sid} EOS\r\n`); } }, eosDelayMs);
    s.on('data', (d: Buffer) => { for (const m of d.toString('latin1').matchAll(/(?:^|\n):?\S* ?PING (\S+)[^\n]*/g)) s.write(`:${sid} PONG ${sid} ${m[1]}\r\n`); });
  });
  await new Promise<void>((r) => server.listen(0, LOOP, () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    eosAt: () => eosAt,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

describe('runtime: autoconnect strategy', () => {
  const h = new Harness();
  after(() => h.cleanup());

  for (const strategy of ['sequential', 'parallel'] as const) {
    it(`${strategy}: ${strategy === 'sequential' ? 'the second block is dialled only after the first link finished its burst' : 'both blocks are dialled at once'}`, async () => {
      const A = h.identity('a.test'), B = h.identity('b.test'), C = h.identity('c.test');
      const slow = await slowPeer(B, '0BB', 1500);
      try {
        const nc = await h.startNode({ id: C, sid: '0CC', port: await freePort(), links: [{ peer: A }] });
        const na = await h.startNode({
          id: A, sid: '0AA', port: await freePort(),
          links: [{ peer: B, port: slow.port, autoconnect: true }, { peer: C, port: nc.port, autoconnect: true }],
          extra: strategy === 'parallel' ? 'set { server-linking { autoconnect-strategy parallel; } }' : '',
        });
        await waitFor(() => knowsServer(na.node, 'b.test') && knowsServer(na.node, 'c.test'), WAIT, 'A linked to both');
        const cLinkedAt = nc.log.records.find((r) => r.event === 'LINK_CONNECTED' || r.event === 'LINK_SYNCED');
        assert.ok(cLinkedAt, nc.log.dump());
        const cTime = Number(cLinkedAt.time);
        if (strategy === 'sequential') assert.ok(slow.eosAt() > 0 && cTime >= slow.eosAt(), `C linked at ${cTime}, before b.test's EOS (${slow.eosAt() || 'not sent yet'})`);
        else assert.ok(cTime < slow.eosAt() || slow.eosAt() === 0, `C linked at ${cTime}, only after b.test's EOS at ${slow.eosAt()}`);
        await h.stopNode(na);
        await h.stopNode(nc);
      } finally {
        await slow.close();
      }
    });
  }

  // The two sequential strategies differ in where the next dial starts once a link finished its
  // burst: after the block tried last (sequential) or at the top of the list (sequential-fallback).
  for (const strategy of ['sequential', 'sequential-fallback'] as const) {
    it(`${strategy}: after b.test's burst the next dial ${strategy === 'sequential' ? 'goes on down the list (c.test), not back to' : 'starts again from'} the unreachable first block`, async () => {
      const A = h.identity('a.test'), B = h.identity('b.test'), C = h.identity('c.test'), X = h.identity('x.test');
      const slow = await slowPeer(B, '0BB', 3000);
      const deadPort = await freePort(); // nothing listens there: x.test is refused at once
      try {
        const nc = await h.startNode({ id: C, sid: '0CC', port: await freePort(), links: [{ peer: A }] });
        const na = await h.startNode({
          id: A, sid: '0AA', port: await freePort(),
          links: [{ peer: X, port: deadPort, autoconnect: true }, { peer: B, port: slow.port, autoconnect: true }, { peer: C, port: nc.port, autoconnect: true }],
          extra: `set { server-linking { autoconnect-strategy ${strategy}; } }`,
        });
        await waitFor(() => knowsServer(na.node, 'b.test') && knowsServer(na.node, 'c.test'), WAIT, 'A linked to b.test and c.test');
        const cLinked = na.log.records.find((r) => (r.event === 'LINK_CONNECTED' || r.event === 'LINK_SYNCED') && String(r.peer ?? r.msg).includes('c.test'));
        assert.ok(cLinked && slow.eosAt() > 0, na.log.dump());
        const xFailures = na.log.records.filter((r) => r.event === 'LINK_CONNECT_FAILED' && r.peer === 'x.test').map((r) => Number(r.time));
        assert.ok(xFailures.length >= 1 && xFailures[0] < slow.eosAt(), `x.test tried first: ${xFailures.join(',')}`);
        const xBetween = xFailures.filter((t) => t >= slow.eosAt() && t <= Number(cLinked.time)).length;
        if (strategy === 'sequential') assert.equal(xBetween, 0, 'x.test dialled again before c.test');
        else assert.ok(xBetween >= 1, `x.test not dialled again between b.test's EOS (${slow.eosAt()}) and c.test (${cLinked.time})`);
        await h.stopNode(na);
        await h.stopNode(nc);
      } finally {
        await slow.close();
      }
    });
  }
});
