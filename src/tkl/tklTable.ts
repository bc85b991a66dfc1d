// The in-memory TKL table: every network ban, complete and re-sendable in a burst.
// Merge rule for a re-added entry: conflicts.md §6.
//
// Memory (a network can hold tens of thousands of bans; issue 13 asks ≤ 10 MB of RSS kept for
// 50,000 G-lines, UnrealIRCd keeps 8.7 MB): the entries are not JavaScript objects. Each is one
// record of bytes outside the V8 heap (its strings as latin1 bytes, its times as doubles), in
// blocks of 256 KB filled one after the other (never copied to grow), found through an
// open-addressed index of record offsets (an Int32Array). A record costs its bytes and about 12
// bytes of index, about half of what an object, its strings and a Map entry took, and the
// garbage collector never copies it: a burst of TKL lines leaves nothing behind in the young
// generation for it to grow into. TklEntry objects are made when asked for (get, values, remove,
// merges), plain objects holding nothing of the table.
//
// A record's offset is its block's number times 2^20 plus its place in the block.
// Record (little endian), at a place that is a multiple of 8 (a G-line: 56 bytes):
//   u32 size (bytes, a multiple of 8)   u8 flags   u8 number of strings   u16 tag (the identity
//   hash's top 16 bits: a probe of the index compares it before the strings)
//   f64 sequence number (records stay in this order)
//   u32 expireAt   u32 setAt            (0 when the value does not fit 32 bits: then it is a string below)
//   strings: a u8 length below 254 (or 255 and a u32 length), then the characters (one byte
//   each, or two when WIDE); or, for set_by and reason, 254 and a u32 number in the table of
//   shared strings
//     type, user, host, setBy, reason [, bantypes] [, duration, tklReason, matchType, match]
//     [, expireAt digits] [, setAt digits]   (EXPIRE_BIG / SETAT_BIG: a time beyond 32 bits)
// Shared strings: a set_by or reason seen again among the last 256 new values (a mass ban: one
// setter, one reason) is kept once, in a table of strings with a count of the records that use
// it; a value seen once stays in its record.
// Iteration is in insertion order (a merge that changes set_by rewrites the record at the end).
import { canonicalTargets, type TklEntry } from './types.ts';
import { own } from '../wire/message.ts';
import { tsMax, tsMin, tsOf, type Ts } from '../state/ts.ts';

export type TklAddResult = { kind: 'added'; entry: TklEntry } | { kind: 'merged'; entry: TklEntry } | { kind: 'unchanged'; entry: TklEntry };

type Identity = Pick<TklEntry, 'type' | 'user' | 'host' | 'spamfilter'>;

const LIVE = 1, BANTYPES = 2, SPAMFILTER = 4, WIDE = 8, EXPIRE_BIG = 16, SETAT_BIG = 32;
const HEADER = 24;
const EMPTY = 0, TOMBSTONE = -1;
/** field()'s length of a string field that holds a number in the shared strings instead of characters. */
const SHARED = 0xffffffff;
/** A string's first byte: its length when below SHARED_MARK; SHARED_MARK (a shared number follows) or LONG_MARK (a u32 length follows). */
const SHARED_MARK = 254, LONG_MARK = 255;
/** A time the record holds as a u32 (others are kept as digits among its strings). */
const fitsU32 = (t: Ts): t is number => typeof t === 'number' && t >= 0 && t <= 0xffffffff;
/** How many recent set_by / reason values are remembered to be shared when seen again. */
const RECENT_MAX = 256;

/** The identity fields a key string from tklKey() stands for (it holds no NUL of its own: a line ends at its first NUL). */
function keyFields(key: string): Identity | null {
  const p = key.split('\0');
  if (p[0] === 'F') return p.length === 4 ? { type: 'F', user: p[3], host: p[2], spamfilter: { duration: '', tklReason: '', matchType: '', match: p[1] } } : null;
  return p.length === 3 ? { type: p[0], user: p[1], host: p[2] } : null;
}

/** FNV-1a over a string's UTF-16 units, continuing from h. */
function hashStr(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return Math.imul(h ^ 0xffff, 16777619);
}

/** FNV-1a over a string's UTF-16 units with A-Z folded to a-z (the masks compare case-insensitively). */
function hashFold(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c + 32 : c), 16777619);
  }
  return Math.imul(h ^ 0xffff, 16777619);
}

/**
 * The hash of an entry's identity (tklKey(): masks without case, a Q-line's name without its hold
 * flag, a spamfilter's match, action letter and target set).
 */
function identityHash(k: Identity): number {
  let h = hashStr(2166136261, k.type);
  if (k.type === 'F') {
    h = hashStr(h, canonicalTargets(k.user));
    h = hashStr(h, k.host.slice(0, 1));
    h = hashStr(h, k.spamfilter?.match ?? '');
  } else {
    if (k.type !== 'Q') h = hashFold(h, k.user);
    h = hashFold(h, k.host);
  }
  return h >>> 0;
}

/** A-Z folded to a-z. */
const fold = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/** Buffer's latin1 / utf16 string methods (what toString(enc, a, b) and write(s, at, enc) end up calling, without their argument checks). */
interface RawBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  ucs2Slice(start: number, end: number): string;
  latin1Write(s: string, at: number): number;
  ucs2Write(s: string, at: number): number;
}

function isNarrow(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

/** Blocks of records: BLOCK bytes each (a bigger record gets a block of its own, up to 2^20). */
const BLOCK = 1 << 18;
const SHIFT = 20;
const PLACE = (1 << SHIFT) - 1;
/** Offsets (+1) must fit the Int32Array index. */
const MAX_BLOCKS = 2047;

export class TklTable {
  private blocks: RawBuffer[] = [];
  /** Bytes used in each block (its records end there). */
  private ends: number[] = [];
  /** Bytes of dead records, and of all records. */
  private dead = 0;
  private bytes = 0;
  private n = 0;
  private seq = 0;
  /** Bumped whenever records move (compaction), so that iterators find their place again. */
  private epoch = 0;
  /** Index: record offset + 1, EMPTY or TOMBSTONE; size a power of two, at most 5/8 full with tombstones. */
  private slots = new Int32Array(16);
  private used = 0;
  /** Shared strings, the number of records using each, the free numbers. */
  private shared: string[] = [];
  private sharedRefs: number[] = [];
  private sharedFree: number[] = [];
  /** Recent set_by / reason values → their shared number, or -1 (seen once, in its record). First seen first (the oldest goes when it is full). */
  private recent = new Map<string, number>();

  get size(): number { return this.n; }

  // ------------------------------------------------------------------ reading records

  private static u32(d: Uint8Array, p: number): number {
    return (d[p] | (d[p + 1] << 8) | (d[p + 2] << 16)) + d[p + 3] * 0x1000000;
  }

  private blockOf(o: number): RawBuffer { return this.blocks[o >>> SHIFT]; }

  private flagsOf(o: number): number { return this.blocks[o >>> SHIFT][(o & PLACE) + 4]; }

  private sizeOf(o: number): number { return TklTable.u32(this.blocks[o >>> SHIFT], o & PLACE); }

  /** Where field() found its string: the place of its characters (or shared number) in the block, and its length (or SHARED). */
  private fp = 0;
  private flen = 0;

  /** Find string i of the record at o (sets fp and flen: no array per call on this hot path). */
  private field(o: number, i: number): void {
    const d = this.blockOf(o);
    const at = o & PLACE;
    const wide = (d[at + 4] & WIDE) !== 0;
    const w = wide ? 2 : 1;
    let p = at + HEADER;
    for (let k = 0; k < i; k++) {
      const b = d[p];
      p += b < SHARED_MARK ? 1 + b * w : b === SHARED_MARK ? 5 : 5 + TklTable.u32(d, p + 1) * w;
    }
    const b = d[p];
    if (b < SHARED_MARK) { this.fp = p + 1; this.flen = b; } else if (b === SHARED_MARK) { this.fp = p + 1; this.flen = SHARED; } else { this.fp = p + 5; this.flen = TklTable.u32(d, p + 1); }
  }

  private str(o: number, i: number): string {
    this.field(o, i);
    const p = this.fp, len = this.flen;
    const d = this.blockOf(o);
    if (len === SHARED) return this.shared[TklTable.u32(d, p)];
    return (d[(o & PLACE) + 4] & WIDE) !== 0 ? d.ucs2Slice(p, p + len * 2) : d.latin1Slice(p, p + len);
  }

  /** Does string i of the record at o equal s? (No string is made.) */
  private fieldIs(o: number, i: number, s: string): boolean {
    this.field(o, i);
    const p = this.fp, len = this.flen;
    const d = this.blockOf(o);
    if (len === SHARED) return this.shared[TklTable.u32(d, p)] === s;
    if (len !== s.length) return false;
    if ((d[(o & PLACE) + 4] & WIDE) !== 0) {
      for (let k = 0; k < len; k++) if (d[p + 2 * k] + (d[p + 2 * k + 1] << 8) !== s.charCodeAt(k)) return false;
      return true;
    }
    for (let k = 0; k < len; k++) if (d[p + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  /** Does string i of the record at o equal s, A-Z and a-z being the same? */
  private fieldIsFolded(o: number, i: number, s: string): boolean {
    this.field(o, i);
    const p = this.fp, len = this.flen;
    const d = this.blockOf(o);
    if (len === SHARED) {
      const v = this.shared[TklTable.u32(d, p)];
      if (v.length !== s.length) return false;
      for (let k = 0; k < v.length; k++) if (fold(v.charCodeAt(k)) !== fold(s.charCodeAt(k))) return false;
      return true;
    }
    if (len !== s.length) return false;
    if ((d[(o & PLACE) + 4] & WIDE) !== 0) {
      for (let k = 0; k < len; k++) if (fold(d[p + 2 * k] + (d[p + 2 * k + 1] << 8)) !== fold(s.charCodeAt(k))) return false;
      return true;
    }
    for (let k = 0; k < len; k++) if (fold(d[p + k]) !== fold(s.charCodeAt(k))) return false;
    return true;
  }

  private double(o: number, at: number): number { return this.blockOf(o).readDoubleLE((o & PLACE) + at); }

  private expireAtOf(o: number): Ts {
    const d = this.blockOf(o), at = o & PLACE;
    if ((d[at + 4] & EXPIRE_BIG) === 0) return TklTable.u32(d, at + 16);
    return tsOf(BigInt(this.str(o, d[at + 5] - ((d[at + 4] & SETAT_BIG) !== 0 ? 2 : 1))));
  }

  private setAtOf(o: number): Ts {
    const d = this.blockOf(o), at = o & PLACE;
    if ((d[at + 4] & SETAT_BIG) === 0) return TklTable.u32(d, at + 20);
    return tsOf(BigInt(this.str(o, d[at + 5] - 1)));
  }

  private liveAt(o: number, now: Ts): boolean {
    const x = this.expireAtOf(o);
    return x === 0 || x > now;
  }

  /** The record as a TklEntry (a new plain object). */
  private entryAt(o: number): TklEntry {
    const flags = this.flagsOf(o);
    const e: TklEntry = { type: this.str(o, 0), user: this.str(o, 1), host: this.str(o, 2), setBy: this.str(o, 3), expireAt: this.expireAtOf(o), setAt: this.setAtOf(o), reason: this.str(o, 4) };
    let i = 5;
    if (flags & BANTYPES) e.bantypes = this.str(o, i++);
    if (flags & SPAMFILTER) e.spamfilter = { duration: this.str(o, i), tklReason: this.str(o, i + 1), matchType: this.str(o, i + 2), match: this.str(o, i + 3) };
    return e;
  }

  /** The string index of a spamfilter record's match. */
  private matchField(o: number): number { return (this.flagsOf(o) & BANTYPES) !== 0 ? 9 : 8; }

  /** Is the record at o the entry with identity k (tklKey())? */
  private isIdentity(o: number, k: Identity): boolean {
    if (!this.fieldIs(o, 0, k.type)) return false;
    if (k.type === 'Q') return this.fieldIsFolded(o, 2, k.host);
    if (k.type !== 'F') return this.fieldIsFolded(o, 1, k.user) && this.fieldIsFolded(o, 2, k.host);
    // Spamfilters are few: their identity is worked out on strings.
    if (canonicalTargets(this.str(o, 1)) !== canonicalTargets(k.user) || this.str(o, 2).slice(0, 1) !== k.host.slice(0, 1)) return false;
    if ((this.flagsOf(o) & SPAMFILTER) === 0) return (k.spamfilter?.match ?? '') === '';
    return this.fieldIs(o, this.matchField(o), k.spamfilter?.match ?? '');
  }

  private identityOf(o: number): Identity {
    const k: Identity = { type: this.str(o, 0), user: this.str(o, 1), host: this.str(o, 2) };
    if ((this.flagsOf(o) & SPAMFILTER) !== 0) k.spamfilter = { duration: '', tklReason: '', matchType: '', match: this.str(o, this.matchField(o)) };
    return k;
  }

  /** The offset after the record at o in the table's order, or -1. */
  private next(o: number): number {
    const b = o >>> SHIFT;
    const p = (o & PLACE) + this.sizeOf(o);
    if (p < this.ends[b]) return o + (p - (o & PLACE));
    return this.first(b + 1);
  }

  /** The first record in block b or a later one, or -1. */
  private first(b: number): number {
    for (; b < this.blocks.length; b++) if (this.ends[b] > 0) return b << SHIFT;
    return -1;
  }

  // ------------------------------------------------------------------ index

  /** The slot holding the entry with identity k, or -1. */
  private findSlot(k: Identity): number {
    const mask = this.slots.length - 1;
    const h = identityHash(k), tag = h >>> 16;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = this.slots[i];
      if (v === EMPTY) return -1;
      if (v !== TOMBSTONE && this.tagOf(v - 1) === tag && this.isIdentity(v - 1, k)) return i;
    }
  }

  /** The identity hash's top 16 bits, as the record at o holds them. */
  private tagOf(o: number): number {
    const d = this.blocks[o >>> SHIFT], p = (o & PLACE) + 6;
    return d[p] | (d[p + 1] << 8);
  }

  /** Make room in the index for one more entry (before its record is written: reindex() indexes every live record). */
  private indexRoom(): void {
    if ((this.used + 1) * 8 > this.slots.length * 5) this.reindex(this.n + 1);
  }

  /** Index the record at o (indexRoom() first). */
  private indexInsert(k: Identity, o: number): void {
    const mask = this.slots.length - 1;
    let i = identityHash(k) & mask;
    while (this.slots[i] !== EMPTY && this.slots[i] !== TOMBSTONE) i = (i + 1) & mask;
    if (this.slots[i] === EMPTY) this.used++;
    this.slots[i] = o + 1;
  }

  /** A fresh index for the live records (sized for `count` of them: at most half full). */
  private reindex(count: number): void {
    let size = 16;
    while (size < count * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.used = 0;
    const mask = size - 1;
    for (let o = this.first(0); o >= 0; o = this.next(o)) {
      if ((this.flagsOf(o) & LIVE) === 0) continue;
      let i = identityHash(this.identityOf(o)) & mask;
      while (this.slots[i] !== EMPTY) i = (i + 1) & mask;
      this.slots[i] = o + 1;
      this.used++;
    }
  }

  // ------------------------------------------------------------------ writing records

  /**
   * The shared number for a set_by or reason value seen among the recent ones (made now if it has
   * none yet), or -1: the value goes in its record, and is remembered as seen.
   */
  private shareId(v: string): number {
    const r = this.recent.get(v);
    if (r !== undefined) {
      if (r >= 0 && this.shared[r] === v) return r;
      // Seen again: shared from now on (keyed by the table's own copy: `v` may be a slice of a
      // line, which the Map would keep alive).
      const id = this.newShared(v);
      this.recent.delete(v);
      this.recent.set(this.shared[id], id);
      return id;
    }
    if (this.recent.size >= RECENT_MAX) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(own(v), -1);
    return -1;
  }

  private newShared(v: string): number {
    const id = this.sharedFree.pop() ?? this.shared.length;
    this.shared[id] = own(v);
    this.sharedRefs[id] = 0;
    return id;
  }

  /** A record that dies gives up its shared strings. */
  private release(o: number): void {
    const d = this.blockOf(o);
    for (let i = 3; i <= 4; i++) {
      this.field(o, i);
      if (this.flen !== SHARED) continue;
      const id = TklTable.u32(d, this.fp);
      if (--this.sharedRefs[id] === 0) {
        if (this.recent.get(this.shared[id]) === id) this.recent.set(this.shared[id], -1);
        this.shared[id] = '';
        this.sharedFree.push(id);
      }
    }
  }

  /** Append the record of e; returns its offset. */
  private append(e: TklEntry, h: number = identityHash(e)): number {
    const strs = [e.type, e.user, e.host, e.setBy, e.reason];
    let flags = LIVE;
    if (e.bantypes !== undefined) { flags |= BANTYPES; strs.push(e.bantypes); }
    if (e.spamfilter) { flags |= SPAMFILTER; strs.push(e.spamfilter.duration, e.spamfilter.tklReason, e.spamfilter.matchType, e.spamfilter.match); }
    const expBig = !fitsU32(e.expireAt), setBig = !fitsU32(e.setAt);
    if (expBig) { flags |= EXPIRE_BIG; strs.push(String(e.expireAt)); }
    if (setBig) { flags |= SETAT_BIG; strs.push(String(e.setAt)); }
    const setById = this.shareId(e.setBy), reasonId = this.shareId(e.reason);
    const ids = [-1, -1, -1, setById, reasonId];
    let wide = false;
    for (let k = 0; k < strs.length; k++) if (ids[k] === undefined || ids[k] < 0) { if (!isNarrow(strs[k])) { wide = true; break; } }
    if (wide) flags |= WIDE;
    let size = HEADER;
    for (let k = 0; k < strs.length; k++) size += ids[k] >= 0 ? 5 : (strs[k].length < SHARED_MARK ? 1 : 5) + strs[k].length * (wide ? 2 : 1);
    size = (size + 7) & ~7;
    if (size > PLACE) throw new RangeError(`TKL entry of ${size} bytes is too large`);
    const o = this.room(size);
    const d = this.blockOf(o);
    let p = o & PLACE;
    d.writeUInt32LE(size, p);
    d[p + 4] = flags;
    d[p + 5] = strs.length;
    d[p + 6] = (h >>> 16) & 0xff;
    d[p + 7] = h >>> 24;
    d.writeDoubleLE(this.seq++, p + 8);
    d.writeUInt32LE(expBig ? 0 : (e.expireAt as number), p + 16);
    d.writeUInt32LE(setBig ? 0 : (e.setAt as number), p + 20);
    p += HEADER;
    for (let k = 0; k < strs.length; k++) {
      const id = ids[k];
      if (id !== undefined && id >= 0) {
        d[p] = SHARED_MARK;
        d.writeUInt32LE(id, p + 1);
        this.sharedRefs[id]++;
        p += 5;
        continue;
      }
      const s = strs[k], len = s.length;
      if (len < SHARED_MARK) d[p++] = len;
      else { d[p] = LONG_MARK; d.writeUInt32LE(len, p + 1); p += 5; }
      if (wide) p += d.ucs2Write(s, p);
      else if (len > 64) p += d.latin1Write(s, p);
      else { for (let c = 0; c < len; c++) d[p + c] = s.charCodeAt(c); p += len; } // a short one: no call into C++
    }
    this.ends[o >>> SHIFT] += size;
    this.bytes += size;
    this.n++;
    return o;
  }

  /** The offset where a record of `size` bytes goes (at the end of the last block, or a new block). */
  private room(size: number): number {
    let b = this.blocks.length - 1;
    if (b < 0 || this.ends[b] + size > this.blocks[b].length) {
      if (this.dead > 65536 && this.dead * 2 > this.bytes) { this.compact(); return this.room(size); }
      if (this.blocks.length >= MAX_BLOCKS) throw new RangeError('TKL table full');
      // The first block starts small (a table of a few entries stays small), the next ones are BLOCK.
      const want = b < 0 ? 4096 : BLOCK;
      this.blocks.push(Buffer.allocUnsafe(Math.max(want, size)) as RawBuffer);
      this.ends.push(0);
      b++;
    }
    return (b << SHIFT) + this.ends[b];
  }

  /** Write the live records again into fresh blocks, in their order, and rebuild the index. */
  private compact(): void {
    const old = this.blocks, oldEnds = this.ends;
    this.blocks = [];
    this.ends = [];
    this.bytes = 0;
    this.dead = 0;
    for (let b = 0; b < old.length; b++) {
      const d = old[b];
      for (let p = 0; p < oldEnds[b];) {
        const size = TklTable.u32(d, p);
        if ((d[p + 4] & LIVE) !== 0) {
          const o = this.room(size);
          d.copy(this.blockOf(o), o & PLACE, p, p + size);
          this.ends[o >>> SHIFT] += size;
          this.bytes += size;
        }
        p += size;
      }
    }
    this.epoch++;
    this.reindex(this.n);
  }

  /** Mark the record in index slot i dead. */
  private kill(i: number): void {
    const o = this.slots[i] - 1;
    this.release(o);
    this.blockOf(o)[(o & PLACE) + 4] &= ~LIVE;
    this.dead += this.sizeOf(o);
    this.slots[i] = TOMBSTONE;
    this.n--;
    if (this.n === 0) {
      this.blocks = []; this.ends = []; this.bytes = 0; this.dead = 0; this.epoch++;
      this.shared = []; this.sharedRefs = []; this.sharedFree = []; this.recent = new Map();
      this.slots = new Int32Array(16); this.used = 0;
    }
  }

  private setTimes(o: number, expireAt: Ts, setAt: Ts): boolean {
    if ((this.flagsOf(o) & (EXPIRE_BIG | SETAT_BIG)) !== 0 || !fitsU32(expireAt) || !fitsU32(setAt)) return false;
    const d = this.blockOf(o), p = o & PLACE;
    d.writeUInt32LE(expireAt, p + 16);
    d.writeUInt32LE(setAt, p + 20);
    return true;
  }

  // ------------------------------------------------------------------ the table's operations

  *values(): IterableIterator<TklEntry> {
    let epoch = this.epoch;
    let lastSeq = -1;
    for (let o = this.first(0); ;) {
      if (epoch !== this.epoch) {
        // Records moved: go on from the first record after the last one given out.
        epoch = this.epoch;
        for (o = this.first(0); o >= 0 && this.double(o, 8) <= lastSeq; o = this.next(o));
      }
      if (o < 0) return;
      const at = o;
      o = this.next(o);
      if ((this.flagsOf(at) & LIVE) === 0) continue;
      lastSeq = this.double(at, 8);
      yield this.entryAt(at);
    }
  }

  /** The entry whose tklKey() is `key`. */
  get(key: string): TklEntry | undefined {
    const k = keyFields(key);
    if (!k) return undefined;
    const i = this.findSlot(k);
    return i < 0 ? undefined : this.entryAt(this.slots[i] - 1);
  }

  /** Make the index big enough for `count` entries in all, at once (a bulk load: no re-indexing as it grows). */
  reserve(count: number): void {
    if ((count + 1) * 8 > this.slots.length * 5) this.reindex(count + 1);
  }

  /**
   * A bulk load's add (the store's records at start-up): `e` becomes the table's own (no copy),
   * and an entry of the same identity already held is merged as add() does. One hash and one
   * probe for a new entry (reserve() first: the index is then never rebuilt as it fills).
   * Returns whether it was new.
   */
  addOwned(e: TklEntry): boolean {
    const h = identityHash(e), tag = h >>> 16;
    let slots = this.slots, mask = slots.length - 1, free = -1, i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const v = slots[i];
      if (v === EMPTY) break;
      if (v === TOMBSTONE) { if (free < 0) free = i; continue; }
      if (this.tagOf(v - 1) === tag && this.isIdentity(v - 1, e)) { this.add(e); return false; }
    }
    if ((this.used + 1) * 8 > slots.length * 5) {
      this.reindex(this.n + 1);
      slots = this.slots; mask = slots.length - 1; free = -1;
      for (i = h & mask; slots[i] !== EMPTY; i = (i + 1) & mask);
    }
    const o = this.append(e, h);
    if (this.slots !== slots) {
      // append() compacted the records (and rebuilt the index without this one): find its place again.
      slots = this.slots; mask = slots.length - 1; free = -1;
      for (i = h & mask; slots[i] !== EMPTY; i = (i + 1) & mask);
    }
    if (free >= 0) i = free; else this.used++;
    slots[i] = o + 1;
    return true;
  }

  /** Add or merge. Merge: oldest set_at, permanent-or-longest expiry, set_by greater by strcmp;
   *  reason, bantypes and spamfilter fields stay as they were (conflicts.md §6). */
  add(e: TklEntry, now?: number): TklAddResult {
    let i = this.findSlot(e);
    // An entry that has already expired only waits for the next expiry run (UnrealIRCd runs it
    // every 5 s): a re-add replaces it instead of merging with it. Otherwise a side that still
    // holds the dead entry would merge its set_by/set_at into the new one, while its peer (which
    // never received the expired entry in the burst) would not.
    if (i >= 0 && now !== undefined && !this.liveAt(this.slots[i] - 1, now)) { this.kill(i); i = -1; }
    if (i < 0) {
      const copy: TklEntry = { type: e.type, user: e.user, host: e.host, setBy: e.setBy, expireAt: e.expireAt, setAt: e.setAt, reason: e.reason };
      if (e.bantypes !== undefined) copy.bantypes = e.bantypes;
      if (e.spamfilter) copy.spamfilter = { ...e.spamfilter };
      this.indexRoom();
      this.indexInsert(copy, this.append(copy));
      return { kind: 'added', entry: copy };
    }
    const o = this.slots[i] - 1;
    const cur = this.entryAt(o);
    if (!(e.setAt < cur.setAt || e.expireAt !== cur.expireAt || e.setBy !== cur.setBy)) return { kind: 'unchanged', entry: cur };
    const setAt = tsMin(cur.setAt, e.setAt);
    const expireAt = cur.expireAt === 0 || e.expireAt === 0 ? 0 : tsMax(cur.expireAt, e.expireAt);
    const setBy = strcmp(e.setBy, cur.setBy) > 0 ? e.setBy : cur.setBy;
    if (setAt === cur.setAt && expireAt === cur.expireAt && setBy === cur.setBy) return { kind: 'unchanged', entry: cur };
    const rewrite = setBy !== cur.setBy;
    cur.setAt = setAt; cur.expireAt = expireAt; cur.setBy = setBy;
    if (rewrite || !this.setTimes(o, expireAt, setAt)) {
      // The record changes size (or form): write it again at the end.
      this.kill(i);
      this.indexRoom();
      this.indexInsert(cur, this.append(cur));
    }
    return { kind: 'merged', entry: cur };
  }

  /** Remove the entry whose tklKey() is `key`; returns it. */
  remove(key: string): TklEntry | undefined {
    const k = keyFields(key);
    if (!k) return undefined;
    const i = this.findSlot(k);
    if (i < 0) return undefined;
    const e = this.entryAt(this.slots[i] - 1);
    this.kill(i);
    return e;
  }

  /** Drop expired entries; returns them. */
  expire(now: number): TklEntry[] {
    const gone: TklEntry[] = [];
    for (let o = this.first(0); o >= 0; o = this.next(o)) if ((this.flagsOf(o) & LIVE) !== 0 && !this.liveAt(o, now)) gone.push(this.entryAt(o));
    for (const e of gone) {
      const i = this.findSlot(e);
      if (i >= 0) this.kill(i);
    }
    return gone;
  }

  countsByType(now: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (let o = this.first(0); o >= 0; o = this.next(o)) {
      if ((this.flagsOf(o) & LIVE) === 0 || !this.liveAt(o, now)) continue;
      const t = this.str(o, 0);
      out[t] = (out[t] ?? 0) + 1;
    }
    return out;
  }
}

/** C strcmp on byte strings. */
export function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

