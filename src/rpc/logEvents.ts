// Log events for log.subscribe and the rehash log, in UnrealIRCd's JSON log shape:
// { timestamp, level, subsystem, event_id, log_source, msg, ...details }. tslink's log records
// (pino, with an `event` field holding an UnrealIRCd-style event ID) are turned into that shape;
// a subscription's sources select them as UnrealIRCd's log sources do: "all", a level ("error"),
// a subsystem ("link"), an event ID ("LINK_DENIED"), "subsystem.EVENT_ID", "level.subsystem",
// and "!..." to exclude (checked after a positive match).
import type { Json, JsonObject } from './objects.ts';
import type { LogEvent } from './api.ts';
import { isoNow } from './times.ts';

const LEVELS = new Set(['debug', 'info', 'warn', 'error', 'fatal']);

export interface LogSource {
  negative: boolean;
  level?: string;
  subsystem?: string;
  eventId?: string;
  /** "all" (or "nomatch", which is "all" for a single subscriber). */
  all?: boolean;
}

const isEventId = (s: string) => /^[A-Z0-9_]/.test(s) && /^[A-Z0-9_]+$/.test(s);

/** One source text, like "!debug", "link", "LINK_DENIED", "link.LINK_DENIED", "error". */
export function parseLogSource(text: string): LogSource {
  const negative = text.startsWith('!');
  const body = negative ? text.slice(1) : text;
  const src: LogSource = { negative };
  if (body === 'all' || body === 'nomatch') { src.all = true; return src; }
  for (const part of body.split('.', 2)) {
    if (part === '') continue;
    if (LEVELS.has(part) && src.level === undefined) src.level = part;
    else if (isEventId(part) && src.eventId === undefined) src.eventId = part;
    else if (src.subsystem === undefined) src.subsystem = part;
  }
  return src;
}

function sourceMatches(s: LogSource, e: { level: string; subsystem: string; event_id: string }): boolean {
  if (s.eventId !== undefined && s.eventId !== e.event_id) return false;
  if (s.subsystem !== undefined && s.subsystem !== e.subsystem) return false;
  if (s.level !== undefined && s.level !== e.level) return false;
  return true;
}

/** Does a set of sources select this event (a positive match and no exclusion)? */
export function logSourcesMatch(sources: LogSource[], e: { level: string; subsystem: string; event_id: string }): boolean {
  const hit = sources.some((s) => !s.negative && (s.all === true || sourceMatches(s, e)));
  if (!hit) return false;
  return !sources.some((s) => s.negative && !s.all && sourceMatches(s, e));
}

/** The subsystem an event belongs to, from its ID (UnrealIRCd groups its events by subsystem). */
export function subsystemOf(eventId: string): string {
  if (eventId.startsWith('LINK_') || eventId.startsWith('SERVER_') || eventId === 'SQUIT') return 'link';
  if (eventId.startsWith('REHASH') || eventId.startsWith('CONFIG_')) return 'config';
  if (eventId.startsWith('RPC_')) return 'rpc';
  if (eventId.startsWith('TKL_')) return 'tkl';
  if (eventId.startsWith('CAPTURE')) return 'capture';
  if (eventId.startsWith('NODE_') || eventId.startsWith('CERT_') || eventId === 'SIGNAL' || eventId.startsWith('START')) return 'main';
  if (eventId.startsWith('KILL')) return 'kill';
  return 'tslink';
}

const PINO_LEVELS = new Map<number, string>([[10, 'debug'], [20, 'debug'], [30, 'info'], [40, 'warn'], [50, 'error'], [60, 'fatal']]);
/** Fields of a pino record that are not details of the event. */
const NOT_DETAILS = new Set(['level', 'time', 'pid', 'hostname', 'app', 'msg', 'event', 'v']);

/** A pino record (parsed JSON line) as an UnrealIRCd log event; null when it has no event ID. */
export function logEventFromRecord(rec: Record<string, unknown>, logSource: string): LogEvent | null {
  const eventId = typeof rec.event === 'string' ? rec.event : null;
  if (!eventId) return null;
  const level = typeof rec.level === 'number' ? PINO_LEVELS.get(rec.level) ?? 'info' : typeof rec.level === 'string' ? rec.level : 'info';
  const out: LogEvent = {
    timestamp: isoNow(typeof rec.time === 'number' ? rec.time : Date.now()),
    level,
    subsystem: subsystemOf(eventId),
    event_id: eventId,
    log_source: logSource,
    msg: typeof rec.msg === 'string' ? rec.msg : '',
  };
  for (const [k, v] of Object.entries(rec)) {
    if (NOT_DETAILS.has(k) || v === undefined || k in out) continue;
    out[k] = toJson(v);
  }
  return out;
}

/**
 * An event as an entry of server.rehash's `log`: the six fields only. UnrealIRCd's rehash log holds
 * its configuration messages, which carry no details, and clients build a fixed record from each
 * entry (unrealircd-rpc-py fails the whole rehash result on any other key, such as our `where`).
 * The details stay in the node's own log and in log.subscribe events.
 */
export function rehashLogEntry(e: LogEvent): LogEvent {
  return { timestamp: e.timestamp, level: e.level, subsystem: e.subsystem, event_id: e.event_id, log_source: e.log_source, msg: e.msg };
}

function toJson(v: unknown, depth = 0): Json {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (depth > 4) return String(v);
  if (Array.isArray(v)) return v.slice(0, 100).map((x) => toJson(x, depth + 1));
  if (typeof v === 'object') {
    const o: JsonObject = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) o[k] = toJson(x, depth + 1);
    return o;
  }
  return String(v);
}
