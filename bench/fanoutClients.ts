// The fan-out bench's 1,000 clients (bench/fanout.ts), in a worker thread of their own: counting
// a million lines on 1,000 sockets keeps an event loop busy for tens of ms at a time, and the
// bench's lag probe (PING → PONG on a server link, in the main thread) must time node A's event
// loop, not the bench's. Messages from the main thread: connect, reset, want, stop (see below).
// Not run on its own.
import * as net from 'node:net';
import { parentPort } from 'node:worker_threads';

const CHANNEL = '#fan';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A time both threads read the same way (ms since the epoch, sub-ms). */
const now = () => performance.timeOrigin + performance.now();

export type ToClients =
  | { op: 'connect'; port: number; count: number; timeoutMs: number }
  | { op: 'reset' }
  | { op: 'want'; lines: number }
  | { op: 'report' }
  | { op: 'stop' };
export type FromClients =
  | { op: 'connected'; joined: number; closed: number; error: string; connectMs: number }
  | { op: 'reset' }
  | { op: 'count'; total: number; lastAt: number; closed: number; complete: boolean }
  | { op: 'stopped' };

/** One raw client: registers, joins, then only counts line ends until the bench ends. */
class RawClient {
  joined = false;
  closed = false;
  /** The ERROR line the node closed it with, if it did while registering. */
  error = '';
  private text = '';
  constructor(readonly sock: net.Socket, readonly nick: string, private readonly onLines: (n: number) => void) {
    sock.on('data', (d: Buffer) => this.data(d));
    sock.on('error', () => {});
    sock.on('close', () => { this.closed = true; if (process.env.BENCH_FANOUT_DEBUG && !this.joined) console.log(`${nick} closed before joining; last bytes: ${JSON.stringify(this.text.slice(-300))}`); });
    sock.write(`NICK ${nick}\r\nUSER ${nick} 0 * :fan-out client\r\n`);
  }
  private data(d: Buffer): void {
    if (this.joined) {
      let n = 0;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) n++;
      this.onLines(n);
      return;
    }
    // Registration: lines are looked at (PING cookies answered, 001 → JOIN, 366 → joined).
    const lines = (this.text + d.toString('latin1')).split('\r\n');
    this.text = lines.pop()!;
    for (const l of lines) {
      if (l.startsWith('ERROR ')) this.error = l;
      else if (l.startsWith('PING ')) this.sock.write(`PONG ${l.slice(5)}\r\n`);
      else if (/^(?:@\S+ )?:\S+ 001 /.test(l)) this.sock.write(`JOIN ${CHANNEL}\r\n`);
      else if (/^(?:@\S+ )?:\S+ 366 \S+ #fan /i.test(l)) { this.joined = true; this.text = ''; }
    }
  }
}

let clients: RawClient[] = [];
let total = 0;
let lastAt = 0;
let want = Infinity;
const send = (m: FromClients) => parentPort!.postMessage(m);
const count = (complete: boolean) => send({ op: 'count', total, lastAt, closed: clients.filter((c) => c.closed).length, complete });
const onLines = (n: number) => {
  total += n;
  lastAt = now();
  if (total >= want) { want = Infinity; count(true); }
};

async function connect(port: number, n: number, timeoutMs: number): Promise<void> {
  const t0 = now();
  const deadline = Date.now() + timeoutMs;
  // Below the nodes' unfinished handshakes per IP (tslink's set::handshake-limits::per-ip is 20 by
  // default; the UnrealIRCd leaf is configured for 50): more at once from 127.0.0.1 would be refused.
  const BATCH = 16;
  for (let i = 0; i < n && Date.now() < deadline; i += BATCH) {
    const batch: RawClient[] = [];
    for (let k = i; k < Math.min(n, i + BATCH); k++) {
      const sock = net.connect(port, '127.0.0.1');
      sock.setNoDelay(true);
      batch.push(new RawClient(sock, `fan${k}`, onLines));
    }
    clients.push(...batch);
    while (Date.now() < deadline && batch.some((c) => !c.joined && !c.closed)) await sleep(5);
  }
  send({ op: 'connected', joined: clients.filter((c) => c.joined).length, closed: clients.filter((c) => c.closed).length, error: clients.find((c) => c.error)?.error ?? '', connectMs: now() - t0 });
}

parentPort!.on('message', (m: ToClients) => {
  if (m.op === 'connect') void connect(m.port, m.count, m.timeoutMs);
  else if (m.op === 'reset') { total = 0; lastAt = 0; send({ op: 'reset' }); }
  else if (m.op === 'want') { want = m.lines; if (total >= want) { want = Infinity; count(true); } }
  else if (m.op === 'report') count(false);
  else if (m.op === 'stop') {
    for (const c of clients) c.sock.destroy();
    clients = [];
    send({ op: 'stopped' });
    parentPort!.close();
  }
});
