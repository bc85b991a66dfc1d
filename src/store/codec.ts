// Records as stored (arrays, so that MessagePack writes no field names), their keys, and their
// checks on the way back (a record that does not decode is corruption: start-up stops).
// Strings are byte strings (src/wire/message.ts); they round-trip through MessagePack's UTF-8
// exactly. Timestamps are numbers, or bigints beyond 2^53 (src/state/ts.ts), both exact.
import { createHash } from 'node:crypto';
import { casefold } from '../wire/casemap.ts';
import { tsOf, type Ts } from '../state/ts.ts';
import { tklKey, type TklEntry } from '../tkl/types.ts';
import type { PermanentChannel, PermanentListEntry, Tombstone } from './types.ts';

export const DB_NAMES = ['meta', 'tkl', 'tomb', 'chanmd', 'netmd', 'chan'] as const;
export type DbName = (typeof DB_NAMES)[number];

/** LMDB keys stay under 1978 bytes: a long identity (a long spamfilter) is keyed by its hash. */
export function keyOf(identity: string): string {
  if (identity.length <= 900) return identity; // at most 2 UTF-8 bytes per byte-string char
  return 'H\0' + createHash('sha256').update(identity, 'latin1').digest('hex');
}

export const tklStoreKey = (e: TklEntry): string => keyOf(tklKey(e));
export const chanMdKey = (channel: string, key: string): string => keyOf(`${casefold(channel)}\0${key}`);
export const channelKey = (name: string): string => keyOf(casefold(name));

export class CorruptRecord extends Error {}

function ts(v: unknown, what: string): Ts {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return tsOf(v);
  throw new CorruptRecord(`${what} is not a timestamp`);
}
function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new CorruptRecord(`${what} is not a string`);
  return v;
}
function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new CorruptRecord(`${what} is not a list`);
  return v;
}

export function encodeTkl(e: TklEntry): unknown[] {
  const sf = e.spamfilter;
  return [1, e.type, e.user, e.host, e.setBy, e.expireAt, e.setAt, e.reason, e.bantypes ?? null, sf ? [sf.duration, sf.tklReason, sf.matchType, sf.match] : null];
}

export function decodeTkl(v: unknown): TklEntry {
  const a = arr(v, 'TKL record');
  if (a[0] !== 1 || a.length < 10) throw new CorruptRecord('TKL record of an unknown form');
  const e: TklEntry = { type: str(a[1], 'type'), user: str(a[2], 'user'), host: str(a[3], 'host'), setBy: str(a[4], 'set-by'), expireAt: ts(a[5], 'expire-at'), setAt: ts(a[6], 'set-at'), reason: str(a[7], 'reason') };
  if (e.type.length !== 1) throw new CorruptRecord('bad TKL type');
  if (a[8] !== null) e.bantypes = str(a[8], 'bantypes');
  if (a[9] !== null) {
    const s = arr(a[9], 'spamfilter');
    e.spamfilter = { duration: str(s[0], 'duration'), tklReason: str(s[1], 'tkl reason'), matchType: str(s[2], 'match type'), match: str(s[3], 'match') };
  }
  return e;
}

export function encodeTombstone(t: Tombstone): unknown[] {
  return [1, t.key, t.type, t.user, t.host, t.match ?? null, t.removedAt, t.removedBy, t.setAt, t.expireAt];
}

export function decodeTombstone(v: unknown): Tombstone {
  const a = arr(v, 'tombstone');
  if (a[0] !== 1 || a.length < 10) throw new CorruptRecord('tombstone of an unknown form');
  const t: Tombstone = { key: str(a[1], 'key'), type: str(a[2], 'type'), user: str(a[3], 'user'), host: str(a[4], 'host'), removedAt: Number(ts(a[6], 'removed-at')), removedBy: str(a[7], 'removed-by'), setAt: ts(a[8], 'set-at'), expireAt: ts(a[9], 'expire-at') };
  if (a[5] !== null) t.match = str(a[5], 'match');
  return t;
}

function encodeList(l: PermanentListEntry[]): unknown[] {
  const out: unknown[] = [];
  for (const x of l) out.push(x.mask, x.setBy, x.setAt);
  return out;
}
function decodeList(v: unknown): PermanentListEntry[] {
  const a = arr(v, 'list');
  if (a.length % 3) throw new CorruptRecord('list of an odd length');
  const out: PermanentListEntry[] = [];
  for (let i = 0; i < a.length; i += 3) out.push({ mask: str(a[i], 'mask'), setBy: str(a[i + 1], 'set-by'), setAt: ts(a[i + 2], 'set-at') });
  return out;
}

export function encodeChannel(c: PermanentChannel): unknown[] {
  return [1, c.name, c.ts, c.topic ? [c.topic.text, c.topic.setBy, c.topic.ts] : null, c.modes, c.params, c.mlock, encodeList(c.lists.b), encodeList(c.lists.e), encodeList(c.lists.I)];
}

export function decodeChannel(v: unknown): PermanentChannel {
  const a = arr(v, 'channel');
  if (a[0] !== 1 || a.length < 10) throw new CorruptRecord('channel record of an unknown form');
  const t = a[3] === null ? null : arr(a[3], 'topic');
  return {
    name: str(a[1], 'name'), ts: ts(a[2], 'channel TS'),
    topic: t ? { text: str(t[0], 'topic'), setBy: str(t[1], 'topic set-by'), ts: ts(t[2], 'topic time') } : null,
    modes: str(a[4], 'modes'), params: str(a[5], 'mode parameters'), mlock: a[6] === null ? null : str(a[6], 'mlock'),
    lists: { b: decodeList(a[7]), e: decodeList(a[8]), I: decodeList(a[9]) },
  };
}

export function encodeChanMd(channel: string, key: string, value: string): unknown[] {
  return [channel, key, value];
}
export function decodeChanMd(v: unknown): { channel: string; key: string; value: string } {
  const a = arr(v, 'channel MD');
  return { channel: str(a[0], 'channel'), key: str(a[1], 'key'), value: str(a[2], 'value') };
}
export function decodeNetMd(k: unknown, v: unknown): { key: string; value: string } {
  const a = arr(v, 'network MD');
  return { key: str(a[0] ?? k, 'key'), value: str(a[1], 'value') };
}
