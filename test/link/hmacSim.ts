/**
 * Test helper: a minimal stand-in for the link engine around the HMAC state
 * machine. It speaks the UnrealIRCd ordering described in hmacAuth.ts:
 * client sends EAUTH + offer, server answers on EAUTH with offer then EAUTH,
 * client sends SERVER after the first PROTOCTL line from the server, server
 * sends SERVER after the client's SERVER.
 */
import type { HmacHandshake, HmacStepResult } from '../../src/link/hmacAuth.ts';

export interface SimSide {
  name: string;
  role: 'client' | 'server';
  /** null = a peer that knows nothing about TSLINK-HMAC (e.g. UnrealIRCd). */
  hs: HmacHandshake | null;
  out: string[];
  /** Every line this side ever sent, in order. */
  sent: string[];
  errors: string[];
  closed: boolean;
  introSent: boolean;
  serverSent: boolean;
  peerServerSeen: boolean;
}

export function makeSide(name: string, role: 'client' | 'server', hs: HmacHandshake | null): SimSide {
  const side: SimSide = {
    name,
    role,
    hs,
    out: [],
    sent: [],
    errors: [],
    closed: false,
    introSent: false,
    serverSent: false,
    peerServerSeen: false,
  };
  if (role === 'client') sendIntro(side);
  return side;
}

function sendIntro(side: SimSide): void {
  side.introSent = true;
  if (side.role === 'client') {
    side.out.push(`PROTOCTL EAUTH=${side.name}`);
    if (side.hs) side.out.push(...side.hs.localLines());
  } else {
    // B: the offer must be B's first PROTOCTL line (see hmacAuth.ts).
    if (side.hs) side.out.push(...side.hs.localLines());
    side.out.push(`PROTOCTL EAUTH=${side.name}`);
  }
}

function apply(side: SimSide, r: HmacStepResult): void {
  if (r.send) side.out.push(...r.send);
  if (r.error) {
    side.errors.push(r.error);
    side.closed = true;
    side.out.push(`ERROR :${r.error}`);
  }
}

/** Feeds one line from the peer into `side`. */
export function handleLine(side: SimSide, line: string): void {
  if (side.closed) return;
  if (line.startsWith('ERROR ')) {
    side.closed = true;
    return;
  }
  if (line.startsWith('SERVER ')) {
    side.peerServerSeen = true;
    if (side.hs) apply(side, side.hs.onPeerDone());
    if (side.closed) return;
    if (side.role === 'server' && !side.serverSent) {
      side.serverSent = true;
      side.out.push(`SERVER ${side.name}`);
    }
    return;
  }
  if (line.startsWith('PROTOCTL ')) {
    for (const tok of line.slice('PROTOCTL '.length).split(' ')) {
      if (side.closed) return;
      if (tok === '') continue;
      const eq = tok.indexOf('=');
      const key = eq < 0 ? tok : tok.slice(0, eq);
      const value = eq < 0 ? undefined : tok.slice(eq + 1);
      if (key === 'EAUTH') {
        if (side.hs) apply(side, side.hs.onPeerName(value ?? ''));
        if (side.role === 'server' && !side.introSent && !side.closed) sendIntro(side);
      } else if (side.hs) {
        apply(side, side.hs.onPeerToken(key, value));
      }
    }
    if (side.role === 'client' && !side.serverSent && !side.closed) {
      side.serverSent = true;
      side.out.push(`SERVER ${side.name}`);
    }
  }
}

export type Tamper = (line: string) => string | null;

/** Runs the exchange to completion (bounded). */
export function run(
  client: SimSide,
  server: SimSide,
  tamper: { c2s?: Tamper; s2c?: Tamper } = {},
  maxRounds = 50,
): void {
  for (let round = 0; round < maxRounds; round++) {
    if (client.out.length === 0 && server.out.length === 0) return;
    deliver(client, server, tamper.c2s);
    deliver(server, client, tamper.s2c);
  }
  throw new Error('simulation did not settle');
}

function deliver(from: SimSide, to: SimSide, tamper?: Tamper): void {
  const lines = from.out;
  from.out = [];
  for (const l of lines) {
    from.sent.push(l);
    const t = tamper ? tamper(l) : l;
    if (t !== null) handleLine(to, t);
  }
}

/** Removes every TSLINK-* token from a PROTOCTL line (a stripping MITM). */
export function stripTslink(line: string): string | null {
  if (!line.startsWith('PROTOCTL ')) return line;
  const toks = line
    .slice(9)
    .split(' ')
    .filter((t) => !t.startsWith('TSLINK-'));
  return toks.length === 0 ? null : `PROTOCTL ${toks.join(' ')}`;
}
