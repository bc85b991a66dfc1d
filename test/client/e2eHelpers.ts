// Helpers for the end-to-end client tests: tslink nodes with a TLS client port (and linked to
// each other over TLS, test/runtime/helpers.ts), and users on them through a real IRC client
// library (irc-framework, over TLS, accepting the nodes' self-signed certificates).
// Not a test file itself (the runner only picks up *.test.ts).
import { createRequire } from 'node:module';
import { Harness, freePort, knowsServer, waitFor, type Identity, type LinkSpec, type TestNode } from '../runtime/helpers.ts';
import { KEYS } from './clientHarness.ts';

export const WAIT = 10_000;

// irc-framework ships no type declarations: the few calls the tests make are typed here.
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface IrcClient {
  connect(o: Record<string, unknown>): void;
  on(event: string, f: (e: any) => void): void;
  once(event: string, f: (e: any) => void): void;
  raw(...args: string[]): void;
  join(channel: string): void;
  say(target: string, text: string): void;
  changeNick(nick: string): void;
  quit(message?: string): void;
  whois(nick: string, cb: (e: any) => void): void;
  requestCap(cap: string | string[]): void;
  user: { nick: string };
  connection: { connected: boolean; transport?: { socket?: { destroy(): void } }; end(): void };
}
const IRC = createRequire(import.meta.url)('irc-framework') as { Client: new (o?: Record<string, unknown>) => IrcClient };

/** A user on a node: the library's client, and every line it got from the server (raw). */
export interface User {
  irc: IrcClient;
  lines: string[];
  /** Events seen, by name, in order. */
  events: Map<string, any[]>;
  /** Wait until a line matches (already there or coming); returns it. */
  line(re: RegExp, ms?: number): Promise<string>;
  /** Wait for an event whose payload passes `pred`. */
  event(name: string, pred?: (e: any) => boolean, ms?: number): Promise<any>;
  closed: boolean;
}

/**
 * The text of a client port block, an allow block for everyone and the cloak keys; no reverse DNS
 * (set::options::dont-resolve: tests make no DNS queries) unless o.resolve.
 */
export function clientBlocks(port: number, o: { tls?: boolean; ip?: string; maxperip?: number; connectFlood?: string; recvq?: number; handshakeTimeout?: string; resolve?: boolean; extra?: string } = {}): string {
  return `listen { ip ${o.ip ?? '127.0.0.1'}; port ${port}; options { clientsonly; ${o.tls === false ? '' : 'tls; '}} }
class clients { pingfreq 90; maxclients 100; sendq 200k; recvq ${o.recvq ?? 8000}; }
allow { mask *; class clients; maxperip ${o.maxperip ?? 10}; }
set { cloak-keys { "${KEYS[0]}"; "${KEYS[1]}"; "${KEYS[2]}"; } ${o.resolve ? '' : 'options { dont-resolve; } '}${o.connectFlood ? `anti-flood { everyone { connect-flood ${o.connectFlood}; } }` : ''} ${o.handshakeTimeout ? `handshake-timeout ${o.handshakeTimeout};` : ''} }
${o.extra ?? ''}`;
}

export interface ClientNode extends TestNode { clientPort: number }

/** One node with a client port (TLS unless o.tls is false). */
export async function clientNode(h: Harness, id: Identity, sid: string, links: LinkSpec[], o: Parameters<typeof clientBlocks>[1] = {}): Promise<ClientNode> {
  const clientPort = await freePort();
  const n = await h.startNode({ id, sid, port: await freePort(), links, extra: clientBlocks(clientPort, o) });
  return { ...n, clientPort };
}

/** Nodes a.test (0AA) and b.test (0BB), A dialling B over TLS, both with a TLS client port; resolves once linked. */
export async function twoNodes(h: Harness, o: Parameters<typeof clientBlocks>[1] = {}): Promise<{ a: ClientNode; b: ClientNode }> {
  const A = h.identity('a.test'), B = h.identity('b.test');
  const b = await clientNode(h, B, '0BB', [{ peer: A }], o);
  const a = await clientNode(h, A, '0AA', [{ peer: B, port: b.port }], o);
  await a.node.connect(a.config.links[0]);
  await waitFor(() => knowsServer(a.node, 'b.test') && knowsServer(b.node, 'a.test'), WAIT, 'a.test and b.test linked');
  return { a, b };
}

/** Every IRC client made, for teardown. */
const made = new Set<IrcClient>();

/** Connect a user over TLS (irc-framework) and wait until it is registered (001). */
export async function connectUser(port: number, nick: string, o: { tls?: boolean; host?: string; localAddress?: string; register?: boolean; caps?: string[]; account?: { account: string; password: string } } = {}): Promise<User> {
  const irc = new IRC.Client();
  made.add(irc);
  const lines: string[] = [];
  const events = new Map<string, any[]>();
  const u: User = {
    irc, lines, events, closed: false,
    async line(re, ms = WAIT) {
      await waitFor(() => lines.some((l) => re.test(l)) || u.closed, ms, `${nick}: a line ${re}\n${lines.join('\n')}`);
      const l = lines.find((x) => re.test(x));
      if (l === undefined) throw new Error(`${nick}: closed before a line ${re}; got:\n${lines.join('\n')}`);
      return l;
    },
    async event(name, pred = () => true, ms = WAIT) {
      await waitFor(() => (events.get(name) ?? []).some(pred), ms, `${nick}: event ${name}\n${lines.join('\n')}`);
      return (events.get(name) ?? []).find(pred);
    },
  };
  irc.on('raw', (e: { line: string; from_server: boolean }) => { if (e.from_server) lines.push(e.line.replace(/\r?\n$/, '')); });
  for (const name of ['registered', 'join', 'part', 'kick', 'quit', 'nick', 'topic', 'privmsg', 'message', 'away', 'back', 'userlist', 'mode', 'close', 'socket close', 'invite', 'user updated']) {
    irc.on(name, (e: any) => { (events.get(name) ?? events.set(name, []).get(name)!).push(e ?? {}); });
  }
  irc.on('socket close', () => { u.closed = true; });
  if (o.caps?.length) irc.requestCap(o.caps);
  irc.connect({
    host: o.host ?? '127.0.0.1', port, tls: o.tls !== false, rejectUnauthorized: false, nick, username: nick, gecos: `Real ${nick}`,
    auto_reconnect: false, ping_interval: 0, ping_timeout: 0, outgoing_addr: o.localAddress,
    ...(o.account ? { account: o.account } : {}),
  });
  if (o.register !== false) await u.event('registered');
  return u;
}

/** Close every IRC client still open (teardown). */
export function closeUsers(): void {
  for (const c of made) {
    try { c.connection.transport?.socket?.destroy(); } catch { /* gone already */ }
    try { c.connection.end(); } catch { /* gone already */ }
  }
  made.clear();
}

/** The raw IRC line without its @tags. */
export function untagged(line: string): string {
  return line.startsWith('@') ? line.slice(line.indexOf(' ') + 1) : line;
}
