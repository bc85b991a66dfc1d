// A Map for the few entries most users have (1-3 MD keys, a handful of channels): keys and
// values in one flat array, linear lookups. Same operations as Map, a fraction of the memory
// of a hash table per user. Not for large collections (lookups are O(n)).
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

const EMPTY: readonly never[] = Object.freeze([]);

export class SmallMap<K, V> implements MapLike<K, V> {
  private a: readonly (K | V)[] = EMPTY;
  get size(): number { return this.a.length >> 1; }
  private idx(key: K): number {
    const a = this.a;
    for (let i = 0; i < a.length; i += 2) if (a[i] === key) return i;
    return -1;
  }
  get(key: K): V | undefined { const i = this.idx(key); return i < 0 ? undefined : (this.a[i + 1] as V); }
  has(key: K): boolean { return this.idx(key) >= 0; }
  set(key: K, value: V): this {
    const i = this.idx(key);
    // Copy-on-write with an exactly sized store (push would reserve 17 slots); iterators
    // keep reading the array they started on.
    const a = this.a, n = a.length;
    if (i >= 0) { const b = a.slice(); b[i + 1] = value; this.a = b; return this; }
    const b = new Array<K | V>(n + 2);
    for (let k = 0; k < n; k++) b[k] = a[k];
    b[n] = key; b[n + 1] = value;
    this.a = b;
    return this;
  }
  delete(key: K): boolean {
    const i = this.idx(key);
    if (i < 0) return false;
    this.a = this.a.slice(0, i).concat(this.a.slice(i + 2));
    return true;
  }
  clear(): void { this.a = EMPTY; }
  *keys(): IterableIterator<K> { const a = this.a; for (let i = 0; i < a.length; i += 2) yield a[i] as K; }
  *values(): IterableIterator<V> { const a = this.a; for (let i = 1; i < a.length; i += 2) yield a[i] as V; }
  *entries(): IterableIterator<[K, V]> { const a = this.a; for (let i = 0; i < a.length; i += 2) yield [a[i] as K, a[i + 1] as V]; }
  [Symbol.iterator](): IterableIterator<[K, V]> { return this.entries(); }
}

/** Interned short strings (MD keys and the like): one copy shared by every user. */
const INTERN = new Map<string, string>();
export function intern(s: string): string {
  if (s.length > 40) return s;
  const hit = INTERN.get(s);
  if (hit !== undefined) return hit;
  if (INTERN.size < 4096) INTERN.set(s, s);
  return s;
}
