// One local client connection, sans-I/O: lines in (receive()), time in (tick()), and out: lines
// to the client and closes (LocalClients.drain()), S2S lines to the engine (ClientHost.local()).
// Registration, fake lag and the flood limits are here (UnrealIRCd src/parse.c, src/ircd.c,
// src/modules/nick.c register_user()/welcome_user()); each command is a file in commands/,
// registered in commandTable.ts.
import { parseFrom, parseTags, type Message, type Tags } from '../wire/message.ts';
import { labelCapture, labeledLines } from './labels.ts';
import type { User } from '../state/model.ts';
import { displayedHost } from '../state/user.ts';
import type { Numeric } from './numerics.ts';
import { N } from './numerics.ts';
import { CLIENT_COMMANDS } from './commandTable.ts';
import { CapSet, clientTagString, newMsgid, serverTime, type LineTags } from './tags.ts';
import type { LocalClients } from './clients.ts';
import type { ClientLimits, FloodClass } from './config.ts';
import { abortSasl, saslTick, type SaslState } from './sasl.ts';
import type { OperState } from './oper.ts';
import { admitThenRegister } from './admission.ts';

export type ClientId = string;

/** What the listener knows of a connection when it is accepted. */
export interface ClientInfo {
  /** The peer's address as UnrealIRCd writes it (cloak.ts ipString(): IPv4, or IPv6 in 8 groups). */
  ip: string;
  /** A verified (forward-confirmed) reverse DNS name, when there is one. */
  hostname?: string;
  tls?: boolean;
  /** SHA256 fingerprint of the client certificate (MD certfp). */
  certfp?: string;
  /** The TLS cipher (MD tls_cipher), e.g. TLSv1.3-TLS_AES_256_GCM_SHA384. */
  tlsCipher?: string;
}

/** The commands that add no fake lag (CMD_NOLAG: cap.c registers CAP so). */
const NO_LAG = new Set(['CAP']);

/** The most bytes of a line from a client kept (READBUFSIZE-ish: 510 body + tags of 4094). */
const CLIENT_LINE_MAX = 4094 + 1 + 510;
/** The longest tag section of a client's line, its '@' included (message-tags.c). */
const TAGS_MAX = 4094;

export class ClientSession {
  // ---- identity
  nick = '';
  ident = '';
  realname = '';
  /** The real host: the verified host name, "localhost", or the IP (set once the lookup is done: rdns.ts). */
  realHost: string;
  uid = '';
  /** The engine's record of this user once registered (null before, and after it is gone). */
  user: User | null = null;
  registered = false;
  closed = false;
  // ---- registration
  password: string | null = null;
  capNegotiating = false;
  capVersion = 0;
  readonly caps = new CapSet();
  cookie: string | null = null;
  /** The SASL exchange, once AUTHENTICATE was used (sasl.ts). */
  sasl: SaslState | null = null;
  /** Channels this user was invited to (casefolded names, oldest first), for +i/+k/+l/+b at JOIN. */
  readonly invites = new Set<string>();
  /** labeled-response: the lines of the command being handled, held to be sent with its label. */
  private captured: string[] | null = null;
  /** The client tags of the line being handled. */
  lineTags: Tags = {};
  cookieOk = false;
  // ---- times (unix seconds)
  readonly connectedAt: number;
  signon = 0;
  idleSince = 0;
  lastReceived: number;
  pingSent = false;
  // ---- flood (parse.c): fake lag as a unix time in s plus leftover ms
  fakeLag: number;
  fakeLagMs = 0;
  private queue: string[] = [];
  private queueHead = 0;
  queuedBytes = 0;
  /** Bytes handed to the runtime and not yet reported written (written()). */
  sendqBytes = 0;
  /** Lines queued for the runtime since the last drain (LocalClients.queueLine()); null when none. */
  outLines: string[] | null = null;
  /** The close queued after them (its reason); null when none. */
  outClose: string | null = null;
  /** In LocalClients' list of sessions with output waiting. */
  outQueued = false;
  /**
   * This connection's limits: the configuration's until registration, then those of the class its
   * allow block gives it (LocalClients.admit).
   */
  limits: ClientLimits;
  /** The class the allow block put this user in (null before registration, or without allow blocks). */
  className: string | null = null;
  // ---- oper (oper.ts)
  /** What OPER made this user; null while it is none. */
  oper: OperState | null = null;
  /** The server notice mask (user mode +s, local to this server); '' when none. */
  snomask = '';
  /** A check this client waits for (OPER's or allow's password hash): no further line is read until it answers. */
  private held = false;

  constructor(readonly mgr: LocalClients, readonly id: ClientId, readonly info: ClientInfo) {
    const now = mgr.host.now();
    this.connectedAt = now;
    this.lastReceived = now;
    this.fakeLag = now;
    this.limits = mgr.cfg.limits;
    this.realHost = isLocalhost(info.ip) ? 'localhost' : info.hostname ?? info.ip;
  }

  /** The reverse DNS lookup (rdns.ts) verified this name for the IP: the real host from now on. */
  setResolvedHost(name: string): void {
    this.info.hostname = name;
    if (!isLocalhost(this.info.ip)) this.realHost = name;
  }

  /** The name numerics address the client by: its nick, "*" before it has one. */
  get target(): string { return this.nick || '*'; }
  /** nick!ident@displayed-host. */
  get mask(): string { return this.user ? `${this.user.nick}!${this.user.ident}@${displayedHost(this.user)}` : `${this.target}!${this.ident}@${this.realHost}`; }
  /** The security group for anti-flood: known-users (logged in) or unknown-users. */
  get floodClass(): FloodClass {
    return this.user && this.user.account ? this.limits.knownUsers : this.limits.unknownUsers;
  }
  hasCap(c: string): boolean { return this.caps.has(c); }

  // ---------------------------------------------------------------- output
  /** A raw line to this client (no tags). */
  send(line: string): void {
    if (this.closed || !this.mgr.lineOk(this, line)) return;
    this.sendqBytes += line.length + 2;
    if (this.captured !== null) this.captured.push(line);
    else this.mgr.queueLine(this, line);
    if (this.sendqBytes > this.limits.sendq) this.close('Max SendQ exceeded');
  }

  /**
   * A line that is no reply to the command being handled, even when it is labeled (message.c sets
   * labeled_response_inhibit while it delivers a message to its target, who may be the sender).
   */
  sendUnlabeled(line: string): void {
    const held = this.captured;
    this.captured = null;
    try { this.send(line); } finally { if (!this.closed) this.captured = held; }
  }

  /**
   * Remember an invite (invite.c add_invite()): a list as long as the channel limit, the oldest
   * invite dropped to make room.
   */
  addInvite(folded: string): void {
    this.invites.delete(folded);
    if (this.invites.size >= this.limits.maxChannelsPerUser) {
      const oldest = this.invites.values().next().value;
      if (oldest !== undefined) this.invites.delete(oldest);
    }
    this.invites.add(folded);
  }
  /** A line with the tags this client's caps let through. */
  sendTagged(line: string, tags: LineTags | null): void {
    const t = tags ? clientTagString(tags, this.caps) : '';
    this.send(t ? `@${t} ${line}` : line);
  }
  /** ":<server> <code> <target> <text>". */
  numeric(n: Numeric, tags: LineTags | null = null): void {
    this.sendTagged(`:${this.mgr.host.me.name} ${n[0]} ${this.target} ${n[1]}`, tags);
  }
  /** A NOTICE from the server. */
  notice(text: string): void { this.send(`:${this.mgr.host.me.name} NOTICE ${this.target} :${text}`); }
  /** The runtime wrote `bytes` of what drain() gave it. */
  written(bytes: number): void { this.sendqBytes = Math.max(0, this.sendqBytes - bytes); }

  /** Tags for a line this client originates: a new msgid and the time now. */
  newTags(): LineTags {
    const t: LineTags = { msgid: newMsgid(), time: serverTime(this.mgr.host.nowMs()) };
    if (this.user?.account) t.account = this.user.account;
    if (this.user?.umodes.has('B')) t.bot = true;
    return t;
  }
  /** The S2S tag section for a line of this user (unrealircd.org/userhost, userip, msgid, time, as UnrealIRCd sends them). */
  s2sTags(t: LineTags): string {
    const parts = [`unrealircd.org/userhost=${this.ident}@${this.realHost}`, `unrealircd.org/userip=${this.ident}@${this.info.ip}`];
    if (t.bot) parts.push('bot');
    if (t.msgid) parts.push(`msgid=${t.msgid}`);
    if (t.time) parts.push(`time=${t.time}`);
    return parts.join(';');
  }
  /** Feed an S2S line of this user (":<uid> ..."), with tags, to the engine. */
  toNetwork(body: string, tags?: LineTags): void {
    this.mgr.host.local(tags ? `@${this.s2sTags(tags)} ${body}` : body);
  }

  // ---------------------------------------------------------------- input
  /** A line from the client (without CR LF). */
  receive(line: string): void { this.receiveChunk([line]); }

  /**
   * What one read gave: the lines go to the receive queue, as much of it is parsed as fake lag
   * allows, then the queue is checked against the limits (parse.c process_packet()).
   */
  receiveChunk(lines: string[]): void {
    if (this.closed) return;
    const now = this.mgr.host.now();
    this.lastReceived = now;
    this.pingSent = false;
    if (now > this.fakeLag) { this.fakeLag = now; }
    for (const l of lines) { this.queue.push(l); this.queuedBytes += l.length + 2; }
    this.processQueued();
    this.checkFlood();
  }

  private checkFlood(): void {
    if (this.closed) return;
    const lim = this.limits;
    if (!this.registered && this.queuedBytes > lim.handshakeDataFlood) { this.close('Handshake data flood detected'); return; }
    if (this.registered && this.queuedBytes > lim.recvq) this.close('Excess Flood');
  }

  /** client_lagged_up(): fake lag 10 s or more ahead of the clock stops the parsing. */
  lagged(): boolean { return this.fakeLag - this.mgr.host.now() >= this.limits.fakeLagMax; }

  /** Stop reading this client's lines until `done` settles (then what came meanwhile is read, in order). */
  holdUntil(done: Promise<void>): void {
    this.held = true;
    void done.finally(() => {
      this.held = false;
      if (this.closed) return;
      this.processQueued();
      this.checkFlood();
      this.mgr.wake?.();
    });
  }

  /** add_fake_lag(): `ms` more of fake lag (OPER's failures add 7 s). */
  addFakeLag(ms: number): void {
    this.fakeLagMs += ms;
    this.fakeLag += Math.floor(this.fakeLagMs / 1000);
    this.fakeLagMs %= 1000;
  }

  private processQueued(): void {
    while (this.queueHead < this.queue.length && !this.closed && !this.held && !this.lagged()) {
      const line = this.queue[this.queueHead];
      this.queue[this.queueHead++] = '';
      this.queuedBytes -= line.length + 2;
      if (this.queueHead > 64 && this.queueHead * 2 > this.queue.length) { this.queue = this.queue.slice(this.queueHead); this.queueHead = 0; }
      this.dispatch(line);
    }
    if (this.queueHead >= this.queue.length) { this.queue = []; this.queueHead = 0; }
  }

  /** parse_addlag(): (1 + bytes/penalty-bytes + tag bytes/penalty-bytes) × penalty ms. */
  private addLag(bodyBytes: number, tagBytes: number): void {
    const f = this.floodClass;
    this.fakeLagMs += (1 + Math.floor(bodyBytes / f.lagPenaltyBytes) + Math.floor(tagBytes / f.lagPenaltyBytes)) * f.lagPenaltyMs;
    this.fakeLag += Math.floor(this.fakeLagMs / 1000);
    this.fakeLagMs %= 1000;
  }

  private dispatch(raw: string): void {
    let line = raw.length > CLIENT_LINE_MAX ? raw.slice(0, CLIENT_LINE_MAX) : raw;
    const cut = line.search(/[\r\n\0]/);
    if (cut >= 0) line = line.slice(0, cut);
    let tagBytes = 0, start = 0;
    if (line.charCodeAt(0) === 64) {
      const sp = line.indexOf(' ');
      tagBytes = sp < 0 ? line.length : sp;
      start = sp < 0 ? line.length : sp;
      while (start < line.length && line.charCodeAt(start) === 32) start++;
    }
    // message-tags.c: a tag section (with its '@') over 4094 bytes gets 417 and the line is
    // handled as an empty one.
    if (tagBytes > TAGS_MAX) { this.lineTags = {}; this.numeric(N.ERR_INPUTTOOLONG()); this.fakeLag++; return; }
    const body = line.slice(start);
    this.lineTags = tagBytes > 0 ? parseTags(line.slice(1, tagBytes)) : {};
    const msg = parseFrom(line, start, 15);
    if (!msg) { this.fakeLag++; return; } // an empty line: 1 s of fake lag
    const cmd = msg.command.toUpperCase();
    if (!NO_LAG.has(cmd)) this.addLag(Math.min(body.length, 510), tagBytes);
    if (msg.source !== undefined) delete msg.source; // a client's prefix is ignored
    const label = labelCapture(this);
    if (label === null) { this.run(msg, cmd); return; }
    this.captured = [];
    try { this.run(msg, cmd); } finally { this.endLabel(label); }
  }

  /** The lines held for a label go out: with the label (one), in a labeled-response batch (more), or an ACK (none). */
  private endLabel(label: string): void {
    const held = this.captured;
    this.captured = null;
    if (held === null) return;
    for (const line of labeledLines(this.mgr.host.me.name, label, held)) this.mgr.queueLine(this, line);
  }

  private run(msg: Message, cmd: string): void {
    const spec = CLIENT_COMMANDS.get(cmd);
    if (!spec) {
      if (/^\d{3}$/.test(cmd)) return; // numerics from clients are dropped
      this.numeric(N.ERR_UNKNOWNCOMMAND(msg.command));
      return;
    }
    if (!this.registered && !spec.unregistered) { this.numeric(N.ERR_NOTREGISTERED()); return; }
    if (this.registered && spec.unregistered === 'only') { this.numeric(N.ERR_ALREADYREGISTRED()); return; }
    if (msg.params.length < spec.minParams) { this.numeric(N.ERR_NEEDMOREPARAMS(cmd)); return; }
    if (this.registered && !spec.noIdle) this.idleSince = this.mgr.host.now();
    spec.handler(this, { ...msg, command: cmd } as Message);
  }

  // ---------------------------------------------------------------- time
  /** Housekeeping: parse what fake lag now allows, registration timeout, pings. */
  tick(): void {
    if (this.closed) return;
    this.processQueued();
    if (this.closed) return;
    saslTick(this);
    if (this.closed) return;
    const now = this.mgr.host.now();
    const lim = this.limits;
    if (!this.registered) {
      if (now - this.connectedAt > lim.handshakeTimeout) this.close('Registration Timeout');
      return;
    }
    const idle = now - this.lastReceived;
    if (idle < lim.pingFreq) return;
    if (this.pingSent) {
      if (idle >= 2 * lim.pingFreq) this.close(`Ping timeout: ${idle} seconds`);
      return;
    }
    this.pingSent = true;
    this.lastReceived = now - lim.pingFreq; // as check_ping(): the 2x window counts from here
    this.send(`PING :${this.mgr.host.me.name}`);
  }

  // ---------------------------------------------------------------- registration
  /** Register once NICK, USER (and CAP END, the cookie PONG) are in (nick.c register_user()). */
  tryRegister(): void {
    if (this.registered || this.closed || !this.nick || !this.ident || this.capNegotiating) return;
    if (this.mgr.cfg.pingCookie && !this.cookieOk) {
      if (this.cookie === null) {
        this.cookie = randomCookie();
        this.send(`PING :${this.cookie}`);
      }
      return;
    }
    // The nick may have been taken on the network since NICK was accepted.
    if (this.mgr.host.net.userByNick(this.nick)) {
      this.numeric(N.ERR_NICKNAMEINUSE(this.nick));
      this.nick = '';
      return;
    }
    // allow { } blocks (their passwords), maxperip, class limits (nick.c AllowClient()): admission.ts.
    admitThenRegister(this);
  }

  /**
   * End the connection: "ERROR :Closing Link: <nick>[<host>] (<reason>)", then the close. A
   * registered user still on the network quits it with the same reason (exit_client()).
   */
  close(reason: string): void {
    if (this.closed) return;
    if (this.captured !== null) this.endLabel(this.lineTags.label ?? '');
    abortSasl(this); // sasl.c sasl_quit(): an exchange still open is ended on the network too
    if (this.registered && this.user && this.mgr.host.net.usersByUid.get(this.uid) === this.user) {
      this.toNetwork(`:${this.uid} QUIT :${reason}`, this.newTags());
    }
    this.mgr.queueLine(this, `ERROR :Closing Link: ${this.nick}[${this.realHost}] (${reason})`);
    this.closed = true;
    this.user = null;
    this.mgr.queueClose(this, reason);
    this.mgr.forget(this);
  }
}

function randomCookie(): string {
  return Math.floor(Math.random() * 0x100000000).toString(16).toUpperCase().padStart(8, '0');
}

/** register_user(): these addresses get the host "localhost". */
export function isLocalhost(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '0:0:0:0:0:0:0:1' || ip === '0:0:0:0:0:ffff:127.0.0.1';
}
