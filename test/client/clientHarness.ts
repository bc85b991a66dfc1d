// Helpers for the client-side tests: an engine playing a leaf of the captures' hub (its users are
// local clients), a scripted hub peer on link "hub", and local clients on the engine.
// Not a test file itself (the runner only picks up *.test.ts).
import { Engine } from '../../src/s2s/engine.ts';
import { clock, linkLeaf, drainSent, type Clock } from '../s2s/harness.ts';
import { LocalClients, type ClientEffect } from '../../src/client/clients.ts';
import { clientConfig, type ClientConfig } from '../../src/client/config.ts';
import type { ClientInfo } from '../../src/client/session.ts';

export const KEYS: [string, string, string] = [
  'Ei3uGq7Lk2mZ9xRw4Tb8Ny6Hc1Vd5Jf0Pa3Sx7Uq9Wn2Yk4Mb6Rc8Te1Gv5Hz0Lj3Do7Fp9Qs2Xu4Aw6Cy8',
  'rT5yU8iO2pA4sD6fG9hJ1kL3zX7cV0bN5mQ8wE2rT4yU6iO9pA1sD3fG5hJ7kL0zX2cV4bN6mQ8wE1rT3yU',
  'Zq9Xw7Ce5Vr3Bt1Ny8Mu6Ki4Lo2Pa0Sd9Fg7Hj5Kl3Zx1Cv8Bn6Mq4We2Rt0Yu9Io7Pa5Sd3Fg1Hj8Kl6',
];

export interface Node {
  engine: Engine & { clock: Clock };
  clients: LocalClients;
  /** Lines each client got so far (drained from the effects), by client id. */
  seen: Map<string, string[]>;
  closed: Map<string, string>;
  /** Drain the engine: the bodies it sent per link. */
  sent(): ReturnType<typeof drainSent>;
  /** Drain the client effects into seen/closed; returns the new lines per client. */
  pump(): Map<string, string[]>;
}

/** tslink.test / 0TS with local clients; the scripted peer "hub.test" (SID 001) linked as "hub". */
export function leafNode(o: { cfg?: Partial<ClientConfig>; burst?: string[]; start?: number } = {}): Node {
  const c = clock(o.start);
  const engine = new Engine({
    me: { sid: '0TS', name: 'tslink.test', info: 'tslink leaf' },
    now: c.now,
    authorize: () => ({ ok: true, hub: '*' }),
    networkName: 'TestNet',
  }) as Engine & { clock: Clock };
  engine.clock = c;
  const clients = LocalClients.onEngine(engine, clientConfig({ cloak: { keys: KEYS }, ...(o.cfg ?? {}) }), () => c.now() * 1000);
  linkLeaf(engine, { id: 'hub', name: 'hub.test', sid: '001', burst: o.burst ?? [] });
  const seen = new Map<string, string[]>();
  const closed = new Map<string, string>();
  const node: Node = {
    engine, clients, seen, closed,
    sent: () => drainSent(engine),
    pump() {
      const fresh = new Map<string, string[]>();
      for (const ef of clients.drain() as ClientEffect[]) {
        if (ef.kind === 'close') { closed.set(ef.client, ef.reason); continue; }
        (seen.get(ef.client) ?? seen.set(ef.client, []).get(ef.client)!).push(ef.line);
        (fresh.get(ef.client) ?? fresh.set(ef.client, []).get(ef.client)!).push(ef.line);
      }
      return fresh;
    },
  };
  return node;
}

/** Connect and register a client (NICK, USER, answering the ping cookie); returns the lines it got. */
export function register(n: Node, id: string, nick: string, info: Partial<ClientInfo> = {}, pre: string[] = []): string[] {
  n.clients.connect(id, { ip: '192.0.2.10', ...info });
  for (const l of pre) n.clients.receive(id, l);
  n.clients.receive(id, `NICK ${nick}`);
  n.clients.receive(id, `USER ${nick.toLowerCase()} 0 * :Real ${nick}`);
  const got = n.pump().get(id) ?? [];
  const ping = got.find((l) => l.startsWith('PING :'));
  if (ping) n.clients.receive(id, `PONG :${ping.slice(6)}`);
  return [...got, ...(n.pump().get(id) ?? [])];
}

/** Strip an @tags section. */
export function body(line: string): string {
  return line.startsWith('@') ? line.slice(line.indexOf(' ') + 1) : line;
}

export const TIMEOUT = 30_000;
