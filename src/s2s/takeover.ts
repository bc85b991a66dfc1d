// A second link for a server we are already linked to directly (issue 14, item 6).
//
// UnrealIRCd drops the old link at once ("Old link dropped, resyncing"), so whoever holds a
// link's credentials can cut the live link at will. tslink holds the new, authenticated link
// instead (no SERVER answer, no burst either way, its lines kept unprocessed), PINGs the old
// link, and:
// - the old link answers within TAKEOVER_TIMEOUT seconds: the new link is refused;
// - it does not: the old link is dropped ("Ping timeout: replaced by ...") and the new one goes
//   ahead exactly as a fresh link would (SERVER accepted, bursts);
// - the old link closes meanwhile: the new one goes ahead at once;
// - the new link closes meanwhile: nothing happens to the old one.
// At most one link is held per linked server; a further contender is refused at once.
//
// What counts as an answer: any line received on the old link after the PING was sent. A PONG
// cannot carry a token of ours (UnrealIRCd answers a server's PING with its own name as the
// origin, whatever we put there) and would be indistinguishable from the answer to a keepalive
// PING anyway; what the check must find out is whether the old connection still delivers the
// peer's lines, and any line does show that. It also keeps a live link that is busy (its PONG
// queued behind a burst) from being cut. (A line already read from the socket before the PING
// but processed after it counts too: the edge reads at most a few KB ahead of the engine.)
//
// The engine has no timers: a held link asks the edge for a tick() at its deadline (the `wake`
// effect) and tick() settles the checks that are due.
import type { Engine } from './engine.ts';
import type { Link } from './link.ts';
import { parseReceived } from './engine.ts';

/** Seconds the existing link has to answer our PING before a new link of the same name replaces it. */
export const TAKEOVER_TIMEOUT = 5;

/**
 * Bytes a held link may send while it waits (kept, and processed in order if it goes ahead). An
 * incoming peer sends nothing until it has our SERVER; the peer of an outgoing link bursts at
 * once, and a burst larger than this refuses the held link (the edge's handshake flood limit
 * applies as well).
 */
export const HELD_BYTES_MAX = 64 * 1024;

/** One takeover check: a held new link and the existing link it would replace. */
export interface Takeover {
  /** The new, authenticated link (phase 'held'). */
  readonly held: Link;
  /** The link the server is linked through now. */
  readonly old: Link;
  /** The server name the held link's SERVER gave. */
  readonly name: string;
  /** Accepts the held link's SERVER (the SERVER handler's own continuation). */
  readonly accept: () => void;
  /** Engine time the PING was sent. */
  readonly startedAt: number;
  /** Lines received on the held link meanwhile, and their bytes. */
  readonly lines: string[];
  bytes: number;
}

/** Where a link came from, for logs and reasons. */
function whereFrom(l: Link): string {
  return l.address || l.id;
}

/** Log fields naming both links of a check. */
function fieldsOf(t: Takeover): Record<string, string> {
  return { newLink: t.held.id, newAddress: whereFrom(t.held), existingLink: t.old.id, existingAddress: whereFrom(t.old) };
}

/**
 * `link` (authenticated, every SERVER check passed) names the server `old` is linked through:
 * hold it and check `old`, or refuse it at once when another link is already held for it or its
 * SID is taken by a server that stays when `old` goes. `accept` accepts its SERVER, if it goes ahead.
 */
export function contestLink(e: Engine, link: Link, old: Link, name: string, accept: () => void): void {
  if (old.takeover !== null) {
    const other = old.takeover.held;
    e.log('warn', 'LINK_TAKEOVER_REFUSED', `${name}: a new link from ${whereFrom(link)} refused at once: another new link (from ${whereFrom(other)}) is already waiting to replace the existing link (from ${whereFrom(old)})`, link,
      { newLink: link.id, newAddress: whereFrom(link), existingLink: old.id, existingAddress: whereFrom(old), waitingLink: other.id, waitingAddress: whereFrom(other) });
    e.exitLink(link, `Server ${name} is already linked (another new link is waiting to replace it)`);
    return;
  }
  const holder = link.peerSid ? e.net.serversBySid.get(link.peerSid) : undefined;
  if (holder && holder.link !== old.id) { e.exitLink(link, 'SID collision'); return; }
  const t: Takeover = { held: link, old, name, accept, startedAt: e.now(), lines: [], bytes: 0 };
  link.phase = 'held';
  link.takeover = t;
  old.takeover = t;
  e.takeovers.add(t);
  e.send(old, `PING :${e.me.name}`);
  e.log('warn', 'LINK_TAKEOVER_PENDING', `${name}: a new link from ${whereFrom(link)} presents the name of the server linked from ${whereFrom(old)}; holding it and pinging the existing link (${TAKEOVER_TIMEOUT} s)`, link, fieldsOf(t));
  e.emit({ kind: 'wake', at: t.startedAt + TAKEOVER_TIMEOUT + 1 });
}

/**
 * A line arrived on a link that is part of a check (Engine.receive()). On the held link it is kept
 * (true: not to be processed now); on the old link it is the answer: the held link is refused, and
 * the line is processed as usual (false).
 */
export function takeoverLine(e: Engine, link: Link, raw: string): boolean {
  const t = link.takeover!;
  if (link === t.held) {
    // An ERROR is logged now (the peer is likely to close right after it).
    if (raw.includes('ERROR')) {
      const msg = parseReceived(raw);
      if (msg?.command === 'ERROR') e.log('warn', 'LINK_ERROR', `ERROR from ${link.name}: ${msg.params[0] ?? ''}`, link);
    }
    t.bytes += raw.length + 2;
    if (t.bytes > HELD_BYTES_MAX) e.exitLink(link, `Excess flood (over ${HELD_BYTES_MAX} bytes while waiting for the existing link of ${t.name} to answer)`);
    else t.lines.push(raw);
    return true;
  }
  end(e, t);
  e.log('warn', 'LINK_TAKEOVER_REFUSED', `${t.name}: the new link from ${whereFrom(t.held)} refused: the existing link from ${whereFrom(t.old)} answered`, t.held, fieldsOf(t));
  e.exitLink(t.held, `Server ${t.name} is already linked (the existing link answered)`);
  return false;
}

/** A link that is part of a check closed (Engine.exitLink(), after it forgot the link). */
export function takeoverLinkGone(e: Engine, link: Link, reason: string): void {
  const t = link.takeover;
  if (t === null) return;
  end(e, t);
  if (link === t.held) {
    e.log('info', 'LINK_TAKEOVER_ABANDONED', `${t.name}: the new link from ${whereFrom(t.held)} closed (${reason}) while the existing link was being checked; the existing link stays`, t.held, fieldsOf(t));
    return;
  }
  e.log('warn', 'LINK_TAKEOVER', `${t.name}: the existing link from ${whereFrom(t.old)} closed (${reason}) while a new link waited; the new link from ${whereFrom(t.held)} goes ahead`, t.held, fieldsOf(t));
  goAhead(e, t);
}

/** tick(): replace the old links that did not answer in time; ask for another tick for the rest. */
export function takeoverTick(e: Engine): void {
  const now = e.now();
  for (const t of [...e.takeovers]) {
    if (now - t.startedAt <= TAKEOVER_TIMEOUT) { e.emit({ kind: 'wake', at: t.startedAt + TAKEOVER_TIMEOUT + 1 }); continue; }
    end(e, t);
    e.log('warn', 'LINK_TAKEOVER', `${t.name}: the existing link from ${whereFrom(t.old)} did not answer a PING within ${TAKEOVER_TIMEOUT} s; replaced by the new link from ${whereFrom(t.held)}`, t.held, fieldsOf(t));
    try {
      e.exitLink(t.old, `Ping timeout: replaced by a new link from ${whereFrom(t.held)}`);
    } catch (err) {
      // Not expected; the tick must go on, and the new link cannot go ahead beside a half-removed old one.
      e.log('error', 'ENGINE_EXCEPTION', `exception while dropping ${t.old.name}: ${(err as Error).stack ?? err}`, t.old);
      e.exitLink(t.held, 'Internal error');
      continue;
    }
    goAhead(e, t);
  }
}

/** The check is over: both links forget it. */
function end(e: Engine, t: Takeover): void {
  e.takeovers.delete(t);
  t.held.takeover = null;
  t.old.takeover = null;
}

/** The held link goes ahead: its SERVER is accepted now, then the lines it sent meanwhile are processed. */
function goAhead(e: Engine, t: Takeover): void {
  const link = t.held;
  if (link.phase !== 'held') return;
  link.phase = 'handshake';
  try {
    t.accept();
  } catch (err) {
    e.log('error', 'ENGINE_EXCEPTION', `exception while linking ${link.name}: ${(err as Error).stack ?? err}`, link);
    e.exitLink(link, 'Internal error');
    return;
  }
  for (const line of t.lines) {
    if (e.links.get(link.id) !== link) break; // closed by one of them
    e.receive(link.id, line);
  }
  t.lines.length = 0;
}
