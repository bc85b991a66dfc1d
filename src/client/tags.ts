// IRCv3 message tags toward local clients: which tags a client gets (by the caps it asked for, as
// UnrealIRCd's mtag modules decide: message-tags, server-time, account-tag, bot-tag), and the
// msgid/time tags tslink generates for what its own users send (message-ids.c, server-time.c).
import { randomBytes } from 'node:crypto';
import { escapeTagValue, parseTags, type Tags } from '../wire/message.ts';

/** What a line carries, before each recipient's caps pick from it. */
export interface LineTags {
  msgid?: string;
  /** server-time value (ISO 8601 with milliseconds, UTC). */
  time?: string;
  /** The source's account (account-tag), when logged in. */
  account?: string;
  /** The source is a bot (+B): the "bot" tag (bot-tag.c; message-tags clients). */
  bot?: boolean;
  /** Client-only tags ("+typing" ...), relayed to message-tags clients. */
  client?: Tags;
  /** The id of the batch the line belongs to (netsplit/netjoin), for clients with the batch cap. */
  batch?: string;
}

const MSGID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new msgid: 22 characters of [A-Za-z0-9], the shape UnrealIRCd's message-ids module gives. */
export function newMsgid(): string {
  const b = randomBytes(22);
  let s = '';
  for (let i = 0; i < 22; i++) s += MSGID_ALPHABET[b[i] % 62];
  return s;
}

/** server-time's value for a unix time in milliseconds: 2026-11-22T00:02:20.285Z. */
export function serverTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The LineTags of an S2S tag section (msgid and time as relayed; client-only tags kept). */
export function tagsFromS2s(raw: string | null): LineTags {
  if (!raw) return {};
  const t = parseTags(raw);
  const out: LineTags = {};
  if (t.msgid) out.msgid = t.msgid;
  if (t.time) out.time = t.time;
  for (const k of Object.keys(t)) {
    if (k.startsWith('+')) (out.client ??= {})[k] = t[k];
    if (k === 'bot' || k === 'draft/bot') out.bot = true;
  }
  return out;
}

/** The tag section (without '@') a client with `caps` gets for a line carrying `t`; '' for none. */
export function clientTagString(t: LineTags, caps: ReadonlySet<string>): string {
  const parts: string[] = [];
  const mt = caps.has('message-tags');
  if (t.batch && caps.has('batch')) parts.push(`batch=${t.batch}`);
  if (t.account && caps.has('account-tag')) parts.push(`account=${escapeTagValue(t.account)}`);
  if (mt && t.bot) parts.push('bot');
  if (mt && t.client) for (const k of Object.keys(t.client)) parts.push(t.client[k] === '' ? k : `${k}=${escapeTagValue(t.client[k])}`);
  if (mt && t.msgid) parts.push(`msgid=${escapeTagValue(t.msgid)}`);
  if (t.time && caps.has('server-time')) parts.push(`time=${t.time}`);
  return parts.join(';');
}

/** Which of the caps clientTagString() looks at are in `caps`, as 4 bits. */
function tagCapsKey(caps: ReadonlySet<string>): number {
  return (caps.has('message-tags') ? 1 : 0) | (caps.has('batch') ? 2 : 0) | (caps.has('account-tag') ? 4 : 0) | (caps.has('server-time') ? 8 : 0);
}

/**
 * A client's caps (ClientSession.caps): a Set that keeps tagCapsKey() of itself, worked out again
 * after a change, so a fan-out asks each member one number instead of four set look-ups.
 */
export class CapSet extends Set<string> {
  private key = -1;
  override add(c: string): this { this.key = -1; return super.add(c); }
  override delete(c: string): boolean { this.key = -1; return super.delete(c); }
  override clear(): void { this.key = -1; super.clear(); }
  /** tagCapsKey(this). */
  tagKey(): number {
    if (this.key < 0) this.key = tagCapsKey(this);
    return this.key;
  }
}

/**
 * One line for many recipients (a channel message): the tagged line each gets, made once per
 * combination of the caps clientTagString() looks at instead of once per recipient.
 */
export function lineForRecipients(t: LineTags | null, line: string): (caps: ReadonlySet<string>) => string {
  if (!t) return () => line;
  const memo: (string | undefined)[] = [];
  return (caps) => {
    const k = caps instanceof CapSet ? caps.tagKey() : tagCapsKey(caps);
    let out = memo[k];
    if (out === undefined) {
      const tags = clientTagString(t, caps);
      memo[k] = out = tags ? `@${tags} ${line}` : line;
    }
    return out;
  };
}

/** `line` with `tag` ("k=v") first in its tag section (one is made when it has none). */
export function withTag(line: string, tag: string): string {
  return line.charCodeAt(0) === 64 ? `@${tag};${line.slice(1)}` : `@${tag} ${line}`;
}

/** A batch reference: the same 22-character shape as a msgid (UnrealIRCd's BATCHLEN is 22). */
export function newBatchId(): string { return newMsgid(); }
