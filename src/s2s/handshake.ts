// Link setup order (handshake.md §1): who sends PASS/PROTOCTL/SERVER when.
import type { Engine } from './engine.ts';
import type { Link } from './link.ts';
import { eauthLine, protoLines, serverLine, serversLine } from './protoctl.ts';
import { sendBurst } from './burst.ts';

/** Outgoing side (A): PASS, EAUTH, SERVERS=, the PROTOCTL lines; SERVER waits for the peer's first PROTOCTL. */
export function startHandshake(e: Engine, link: Link): void {
  e.send(link, `PASS :${link.policy.sendPassword ?? '*'}`);
  link.sentPass = true;
  e.send(link, eauthLine(e));
  e.send(link, serversLine(e, false));
  for (const l of protoLines(e, link)) e.send(link, l);
  for (const l of e.opts.extraProtoctl?.(link) ?? []) e.send(link, l);
  link.sentProtoctl = true;
}

/** Incoming side (B), on the peer's SERVER: PASS (if not yet), PROTOCTL lines, SERVER, then the burst. */
export function answerServer(e: Engine, link: Link): void {
  if (!link.sentPass) { e.send(link, `PASS :${link.policy.sendPassword ?? '*'}`); link.sentPass = true; }
  if (!link.sentProtoctl) { for (const l of protoLines(e, link)) e.send(link, l); link.sentProtoctl = true; }
  e.send(link, serverLine(e));
  link.sentServer = true;
  sendBurst(e, link);
}

/** Outgoing side: send SERVER once the peer's first PROTOCTL arrived. */
export function maybeSendServer(e: Engine, link: Link): void {
  if (link.direction === 'out' && !link.sentServer && link.phase === 'handshake') {
    e.send(link, serverLine(e));
    link.sentServer = true;
  }
}
