// A Map for the few entries most users have (1-3 MD keys, a handful of channels): keys and
// values in one flat array, linear lookups. Same operations as Map, a fraction of the memory
// of a hash table per user. Not for large collections (lookups are O(n)).
//
// The store is an exactly sized array [k0, v0, k1, v1, ...]. Adding or removing an entry
// replaces the array (copy-on-write), so an iterator keeps reading the array it started on;
// changing the value of an existing key writes in place (as a Map iterator would see it).
// The functions below work on such a store wherever it lives: in a SmallMap, or directly in a
// field of the object that owns it (UserEntry keeps its MD and channels that way).
import { own } from '../wire/message.ts';
export interface MapLike<K, V> extends Iterable<[K, V]> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
  has(key: K): boolean;
  delete(key: K): boolean;
  clear(): void;
  readonly size: number;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  entries(): IterableIterator<[K, V]>;
}

/** A flat [key, value, ...] store. */
export type Store = readonly unknown[];

/** The empty store (shared). */
export const EMPTY_STORE: Store = Object.freeze([]);

export function storeIndex(a: Store, key: unknown): number {
  for (let i = 0; i < a.length; i += 2) if (a[i] === key) return i;
  return -1;
}

/** The store with `key` set to `value`: the same array when the key was there, else a new one. */
export function storeSet(a: Store, key: unknown, value: unknown): Store {
  const i = storeIndex(a, key);
  if (i >= 0) { (a as unknown[])[i + 1] = value; return a; }
  return storeAppend(a, key, value);
}

/** A new store with (key, value) added at the end; the caller knows `key` is absent. */
export function storeAppend(a: Store, key: unknown, value: unknown): Store {
  const n = a.length;
  // Exactly sized (push would reserve 17 slots).
  const b = new Array<unknown>(n + 2);
  for (let k = 0; k < n; k++) b[k] = a[k];
  b[n] = key; b[n + 1] = value;
  return b;
}

/** The store without `key` (a new array), or null when the key is absent. */
export function storeDelete(a: Store, key: unknown): Store | null {
  const i = storeIndex(a, key);
  if (i < 0) return null;
  if (a.length === 2) return EMPTY_STORE;
  return a.slice(0, i).concat(a.slice(i + 2));
}

export function* storeKeys<K>(a: Store): IterableIterator<K> { for (let i = 0; i < a.length; i += 2) yield a[i] as K; }
export function* storeValues<V>(a: Store): IterableIterator<V> { for (let i = 1; i < a.length; i += 2) yield a[i] as V; }
export function* storeEntries<K, V>(a: Store): IterableIterator<[K, V]> { for (let i = 0; i < a.length; i += 2) yield [a[i] as K, a[i + 1] as V]; }

export class SmallMap<K, V> implements MapLike<K, V> {
  private a: Store = EMPTY_STORE;
  get size(): number { return this.a.length >> 1; }
  get(key: K): V | undefined { const i = storeIndex(this.a, key); return i < 0 ? undefined : (this.a[i + 1] as V); }
  has(key: K): boolean { return storeIndex(this.a, key) >= 0; }
  set(key: K, value: V): this { this.a = storeSet(this.a, key, value); return this; }
  /** set() for a key the caller knows is absent (no lookup). */
  append(key: K, value: V): this { this.a = storeAppend(this.a, key, value); return this; }
  delete(key: K): boolean {
    const b = storeDelete(this.a, key);
    if (b === null) return false;
    this.a = b;
    return true;
  }
  clear(): void { this.a = EMPTY_STORE; }
  /** The flat [k0, v0, k1, v1, ...] store as it is (no copy): for a reader that changes nothing meanwhile (the state digest). */
  store(): Store { return this.a; }
  keys(): IterableIterator<K> { return storeKeys<K>(this.a); }
  values(): IterableIterator<V> { return storeValues<V>(this.a); }
  entries(): IterableIterator<[K, V]> { return storeEntries<K, V>(this.a); }
  [Symbol.iterator](): IterableIterator<[K, V]> { return this.entries(); }
}

/**
 * Interned short strings (MD keys and the like): one copy shared by every user. What is kept is a
 * copy of its own (own()), never a slice that would hold the whole line it was cut from.
 */
const INTERN = new Map<string, string>();
export function intern(s: string): string {
  if (s.length > 40) return s;
  const hit = INTERN.get(s);
  if (hit !== undefined) return hit;
  if (INTERN.size >= 4096) return s;
  const o = own(s);
  INTERN.set(o, o);
  return o;
}
