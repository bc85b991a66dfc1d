// The open-addressed table under the UID and nick indexes (uidIndex.ts, nickIndex.ts): a power
// of two of slots, at most four fifths full (a smaller table stays in cache better; the longer
// probe runs compare numbers only), linear probing. Slot i is two elements of one array:
// t[2i] the entry's 32-bit hash and t[2i+1] the entry (undefined = free). The hash sits next to
// the entry so that probing past other entries, deleting and growing compare numbers and never
// read an entry; an index reads the entry only when the hash matches, to confirm the key (and the
// caller wants the entry's fields next anyway). Each index (a SlotTable) keeps its own probe loops
// (the key comparison differs); filling, removal, growth and iteration are here.

import { randomBytes } from 'node:crypto';

export type Slots<T> = (number | T | undefined)[];

/**
 * The seed of the indexes' hashes, random per process (as V8 seeds its own string hashes): keys
 * come from peers and their users, and with a known hash they could be chosen to fall into one
 * probe run and make every lookup walk it.
 */
export const HASH_SEED = randomBytes(4).readInt32LE(0);

/** Jenkins' one-at-a-time step: h with x mixed in. */
export function hashStep(h: number, x: number): number {
  h = (h + x) | 0;
  h = (h + (h << 10)) | 0;
  return h ^ (h >>> 6);
}

/** Jenkins' one-at-a-time finish. */
export function hashEnd(h: number): number {
  h = (h + (h << 3)) | 0;
  h ^= h >>> 11;
  return (h + (h << 15)) | 0;
}

export const MIN_SLOTS = 64;

/** A table of n free slots. */
export function newSlots<T>(n: number): Slots<T> {
  const t = new Array<number | T | undefined>(2 * n);
  for (let k = 0; k < 2 * n; k += 2) { t[k] = 0; t[k + 1] = undefined; }
  return t;
}

/** The same entries in a table of n slots. */
export function resized<T>(old: Slots<T>, n: number): Slots<T> {
  const t = newSlots<T>(n), mask = n - 1;
  for (let k = 1; k < old.length; k += 2) {
    const x = old[k];
    if (x === undefined) continue;
    const h = old[k - 1] as number;
    let i = h & mask;
    while (t[2 * i + 1] !== undefined) i = (i + 1) & mask;
    t[2 * i] = h; t[2 * i + 1] = x;
  }
  return t;
}

/**
 * Frees slot i (which holds an entry) by backward-shift deletion: each later entry of the probe
 * run moves into the hole unless its home slot lies cyclically in (hole, its slot].
 */
export function removeAt<T>(t: Slots<T>, mask: number, i: number): void {
  for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
    const x = t[2 * j + 1];
    if (x === undefined) break;
    const home = (t[2 * j] as number) & mask;
    const stays = i <= j ? home > i && home <= j : home > i || home <= j;
    if (stays) continue;
    t[2 * i] = t[2 * j]; t[2 * i + 1] = x;
    i = j;
  }
  t[2 * i] = 0; t[2 * i + 1] = undefined;
}

/** The table of an index: its probe loops read `t` and `mask` and end in fill() or free(). */
export class SlotTable<T> {
  protected t: Slots<T> = newSlots<T>(MIN_SLOTS);
  protected mask = MIN_SLOTS - 1;
  /** Entries in the table. */
  protected n = 0;

  /** Put x with hash h into slot i, where a probe found it free. */
  protected fill(i: number, h: number, x: T): void {
    this.t[2 * i] = h; this.t[2 * i + 1] = x;
    if (++this.n * 5 > (this.mask + 1) * 4) this.resize(2 * (this.mask + 1));
  }

  /** Remove the entry in slot i. */
  protected free(i: number): void {
    removeAt(this.t, this.mask, i);
    if (--this.n * 8 < this.mask + 1 && this.mask + 1 > MIN_SLOTS) this.resize((this.mask + 1) / 2);
  }

  private resize(n: number): void {
    this.t = resized(this.t, n);
    this.mask = n - 1;
  }

  /** The entries, copied out (a caller may delete while it walks them). */
  protected entryList(): T[] {
    const out: T[] = [], t = this.t;
    for (let k = 1; k < t.length; k += 2) if (t[k] !== undefined) out.push(t[k] as T);
    return out;
  }
}
