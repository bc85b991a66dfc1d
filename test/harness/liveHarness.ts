// Helpers for the live-replay tests: certificates, an in-process TslinkNode on loopback playing
// the recorded peer of a capture, and the "seeded" hooks that make it start from (and follow)
// the recorded peer's own network. Not a test file (the runner only picks up *.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/index.ts';
import { TslinkNode } from '../../src/runtime/node.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { certFingerprint, generateSelfSigned, spkiFingerprint } from '../../src/link/certs.ts';
import { readCapture, type CaptureRow } from '../../src/replay/captureFormat.ts';
import { splitConnections } from '../../src/replay/connections.ts';
import { captureAnchor, connectionClock, connectionIdentities, roleDir, rowsForSide } from '../../src/replay/offline.ts';
import { buildStateDump } from '../../src/replay/stateDump.ts';
import type { LiveHooks } from '../../src/replay/live.ts';
import { freePort } from '../runtime/helpers.ts';

export interface Cert { keyPem: string; certPem: string; keyPath: string; certPath: string; certfp: string; spkifp: string }

export class LiveHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'tslink-live-'));
  private certs = new Map<string, Cert>();
  private nodes = new Set<TslinkNode>();

  cert(name: string): Cert {
    const c = this.certs.get(name);
    if (c) return c;
    const kc = generateSelfSigned({ commonName: name });
    const keyPath = join(this.dir, `${name}.key`), certPath = join(this.dir, `${name}.crt`);
    writeFileSync(keyPath, kc.keyPem, { mode: 0o600 });
    writeFileSync(certPath, kc.certPem);
    const out = { ...kc, keyPath, certPath, certfp: certFingerprint(kc.certPem), spkifp: spkiFingerprint(kc.certPem) };
    this.certs.set(name, out);
    return out;
  }

  file(name: string, text: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  }

  /**
   * Start a node named `me` (name/sid) with a TLS listener on a free loopback port and one link
   * block per `links` entry (pinned to `peerCert`). `clock` drives the node's engine clock.
   */
  async startNode(o: {
    me: { name: string; sid: string; info?: string };
    links: { name: string; peerCert?: Cert; outgoingPort?: number; passwordHash?: string; passwordFile?: string; hub?: boolean; plaintext?: boolean }[];
    /** A plaintext listener on loopback instead of TLS (for plaintext-loopback links). */
    plaintext?: boolean;
    clock: { now: number };
    /** false: construct only (start it yourself, e.g. once a listener is up). */
    start?: boolean;
  }): Promise<{ node: TslinkNode; port: number; cert: Cert }> {
    const cert = this.cert(`node-${o.me.name}`);
    const port = await freePort();
    const q = (s: string) => JSON.stringify(s);
    const links = o.links.map((l) => `link ${l.name} {
	incoming { mask 127.0.0.1; }
${l.outgoingPort ? `	outgoing { hostname 127.0.0.1; port ${l.outgoingPort}; options { tls; autoconnect; } }\n` : ''}	password ${q(l.passwordHash ?? '*')};
${l.passwordFile ? `	password-file ${q(l.passwordFile)};\n` : ''}${l.peerCert ? `	verify { certfp ${q(l.peerCert.certfp)}; }\n` : ''}${l.plaintext ? '	options { plaintext-loopback; }\n' : ''}${l.hub ? '	hub *;\n' : ''}	class servers;
}`).join('\n');
    const text = `me { name ${q(o.me.name)}; info ${q(o.me.info || 'tslink test node')}; sid ${q(o.me.sid)}; }
${o.plaintext ? `listen { ip 127.0.0.1; port ${port}; options { serversonly; } }` : `listen { ip 127.0.0.1; port ${port}; options { serversonly; tls; } tls-options { certificate ${q(cert.certPath)}; key ${q(cert.keyPath)}; } }`}
class servers { pingfreq 600; connfreq 5; maxclients 10; sendq 20M; recvq 64k; }
${links}
set { network-name "TestNet"; data-directory ${q(join(this.dir, `data-${o.me.name}-${port}`))}; server-linking { connect-timeout 5s; handshake-timeout 20s; } }
`;
    const res = parseConfigText(text, 'live-test.conf');
    if (!res.config) throw new Error(`test config invalid:\n${res.errors.map((e) => e.text).join('\n')}\n${text}`);
    const node = new TslinkNode(res.config, { logger: createLogger({ level: 'silent', pretty: false }), now: () => o.clock.now });
    this.nodes.add(node);
    if (o.start !== false) await node.start();
    return { node, port, cert };
  }

  async stopNode(node: TslinkNode): Promise<void> {
    if (!this.nodes.delete(node)) return;
    await node.stop('test done');
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.nodes].map((n) => n.stop('test cleanup').catch(() => {})));
    this.nodes.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export { freePort };

/** The identities and clock of the single (last) linking connection of a capture. */
export function captureFacts(buf: Buffer, serverAs?: 'hub' | 'leaf'): { rows: CaptureRow[]; own: { name: string; sid: string; info: string }; peer: { name: string; sid: string; info: string }; clock: { ts: number; ms: number } } {
  const { rows } = readCapture(buf);
  const conns = splitConnections(rows);
  // As the live replay sees it: the server under test plays '<', the replay plays '>'.
  let last = conns[conns.length - 1].rows;
  if (serverAs && roleDir(last, serverAs) === '>') last = rowsForSide(last, serverAs === 'hub' ? 'leaf' : 'hub');
  const ids = connectionIdentities(last);
  return { rows: last, own: ids.own, peer: ids.peer, clock: connectionClock(last, captureAnchor(rows)) };
}

/**
 * Seeded hooks: the node plays the recorded peer with the recorded peer's own state. Its clock
 * follows the capture's timeline exactly as the offline replay's does (a barrier first, so lines
 * already sent are processed at their own time); the peer's burst is applied as local lines
 * before we connect, and its later own traffic (users, operators) at its recorded position.
 * Replies (PONG, KILL by the server, numerics, ERROR) are never injected: the node must make them.
 */
export function seededHooks(node: () => TslinkNode, clock: { now: number }, anchor: { ts: number; ms: number }, opts: { probe?: boolean } = {}): LiveHooks {
  const at = (ms: number) => Math.floor(anchor.ts + (ms - anchor.ms) / 1000);
  return {
    async beforeRow(row, ctx) {
      if (row.kind !== 'line') return;
      const t = at(row.ms);
      if (t !== clock.now) { await ctx.barrier(); clock.now = t; }
    },
    seedPeer(lines) {
      const n = node();
      for (const l of lines) n.engine.local(l);
      n.pump();
    },
    injectPeerLine(line) {
      const n = node();
      n.engine.local(line);
      n.pump();
    },
    probeState: opts.probe === false ? undefined : () => { const n = node(); return buildStateDump(n.engine.net, n.engine.tkl, n.engine.now()); },
  };
}
