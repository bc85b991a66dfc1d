// The TKL table (src/tkl/tklTable.ts) keeps its entries as records of bytes outside the V8 heap.
// It must behave exactly as a Map of TklEntry objects keyed by tklKey() with the merge rule of
// conflicts.md §6 (the reference model below, the table as it was before): same results from
// add/get/remove/expire, same entries in the same order, whatever the strings (latin1 bytes, wider
// characters) and times (numbers, bigints beyond 2^53), across merges that rewrite a record and
// compactions that move them, also while an iteration is under way.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TklTable, strcmp, type TklAddResult } from '../../src/tkl/tklTable.ts';
import { isLive, tklKey, type TklEntry } from '../../src/tkl/types.ts';
import { tsMax, tsMin, type Ts } from '../../src/state/ts.ts';

/** The reference: a Map in insertion order, entries copied in, merged in place. */
class ModelTable {
  readonly m = new Map<string, TklEntry>();
  get size(): number { return this.m.size; }
  values(): TklEntry[] { return [...this.m.values()].map((e) => ({ ...e, ...(e.spamfilter ? { spamfilter: { ...e.spamfilter } } : {}) })); }
  get(key: string): TklEntry | undefined { return this.m.get(key); }
  add(e: TklEntry, now?: number): TklAddResult {
    const key = tklKey(e);
    let cur = this.m.get(key);
    if (cur && now !== undefined && !isLive(cur, now)) { this.m.delete(key); cur = undefined; }
    if (!cur) {
      const copy: TklEntry = { type: e.type, user: e.user, host: e.host, setBy: e.setBy, expireAt: e.expireAt, setAt: e.setAt, reason: e.reason };
      if (e.bantypes !== undefined) copy.bantypes = e.bantypes;
      if (e.spamfilter) copy.spamfilter = { ...e.spamfilter };
      this.m.set(key, copy);
      return { kind: 'added', entry: copy };
    }
    if (!(e.setAt < cur.setAt || e.expireAt !== cur.expireAt || e.setBy !== cur.setBy)) return { kind: 'unchanged', entry: cur };
    const setAt = tsMin(cur.setAt, e.setAt);
    const expireAt = cur.expireAt === 0 || e.expireAt === 0 ? 0 : tsMax(cur.expireAt, e.expireAt);
    const setBy = strcmp(e.setBy, cur.setBy) > 0 ? e.setBy : cur.setBy;
    if (setAt === cur.setAt && expireAt === cur.expireAt && setBy === cur.setBy) return { kind: 'unchanged', entry: cur };
    cur.setAt = setAt; cur.expireAt = expireAt; cur.setBy = setBy;
    return { kind: 'merged', entry: cur };
  }
  remove(key: string): TklEntry | undefined { const e = this.m.get(key); if (e) this.m.delete(key); return e; }
  expire(now: number): TklEntry[] { const gone: TklEntry[] = []; for (const [k, e] of this.m) if (!isLive(e, now)) { gone.push(e); this.m.delete(k); } return gone; }
  countsByType(now: number): Record<string, number> { const out: Record<string, number> = {}; for (const e of this.m.values()) if (isLive(e, now)) out[e.type] = (out[e.type] ?? 0) + 1; return out; }
}

const plain = (e: TklEntry | undefined) => (e === undefined ? undefined : JSON.parse(JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? `big:${v}` : v))));
const sortByKey = (a: TklEntry[]) => a.map(plain).sort((x, y) => strcmp(tklKey(x), tklKey(y)));

const G = (host: string, over: Partial<TklEntry> = {}): TklEntry => ({ type: 'G', user: '*', host, setBy: 'oper!o@hub.test', expireAt: 0, setAt: 1795300000, reason: 'r', ...over });

describe('TKL table', () => {
  it('adds, merges (conflicts.md §6), finds and removes every kind of entry', () => {
    const t = new TklTable();
    assert.equal(t.add(G('192.0.2.1')).kind, 'added');
    assert.equal(t.add(G('192.0.2.1')).kind, 'unchanged');
    const m = t.add(G('192.0.2.1', { setAt: 1795299999, expireAt: 1795400000, setBy: 'zed!z@z' }));
    assert.equal(m.kind, 'merged');
    assert.deepEqual(plain(m.entry), plain(G('192.0.2.1', { setAt: 1795299999, expireAt: 0, setBy: 'zed!z@z' })));
    assert.deepEqual(plain(t.get(tklKey(G('192.0.2.1')))), plain(m.entry));
    const e: TklEntry = { type: 'E', user: '~account:*', host: '*', setBy: 's', expireAt: 0, setAt: 1, reason: 'ex', bantypes: 'Gk' };
    const f: TklEntry = { type: 'F', user: 'cp', host: 'd', setBy: 's', expireAt: 0, setAt: 1, reason: 'no reason', spamfilter: { duration: '86400', tklReason: 'no_reason', matchType: 'simple', match: 'bad word' } };
    const q: TklEntry = { type: 'Q', user: 'H', host: 'Serv*', setBy: 's', expireAt: 0, setAt: 1, reason: 'reserved' };
    for (const x of [e, f, q]) assert.equal(t.add(x).kind, 'added');
    assert.deepEqual({ ...t.get(tklKey(e))! }, e);
    assert.deepEqual(plain(t.get(tklKey(f))), plain(f));
    assert.equal(t.get(tklKey({ ...f, spamfilter: { ...f.spamfilter!, match: 'other' } })), undefined);
    assert.equal(t.size, 4);
    assert.deepEqual(t.countsByType(2), { G: 1, E: 1, F: 1, Q: 1 });
    assert.deepEqual(plain(t.remove(tklKey(q))), plain(q));
    assert.equal(t.remove(tklKey(q)), undefined);
    assert.equal(t.size, 3);
    assert.deepEqual([...t.values()].map((x) => x.type), ['G', 'E', 'F']);
  });

  it('keeps strings and times exactly: latin1 bytes, wider characters, bigints past 2^53', () => {
    const t = new TklTable();
    const odd = [G('h\xe9\xff\x01', { reason: 'caf\xe9 "\\' }), G('wide\u20ac', { setBy: 'n\u0100!u@h', reason: '\ud800 lone' }),
      G('big', { expireAt: 9007199254740993n, setAt: 67768036191676799n }), G('big2', { setAt: 9007199254740993n }),
      G('u32', { expireAt: 4294967295, setAt: 4294967296 }), G('l'.repeat(253), { reason: 'r'.repeat(254), setBy: 's'.repeat(70000) }), G('w\u20ac'.repeat(300), { reason: 'r\u20ac'.repeat(127) })];
    for (const x of odd) t.add(x);
    for (const x of odd) assert.deepEqual(plain(t.get(tklKey(x))), plain(x));
    assert.equal(typeof t.get(tklKey(odd[2]))!.expireAt, 'bigint');
    // A merge into a bigint time, and out of it.
    assert.equal(t.add(G('big2', { setAt: 5 })).kind, 'merged');
    assert.equal(t.get(tklKey(odd[3]))!.setAt, 5);
    assert.deepEqual(t.expire(9007199254740994).map(plain), [plain(odd[2]), plain(odd[4])]);
  });

  it('replaces an expired entry instead of merging with it', () => {
    const t = new TklTable();
    t.add(G('x', { expireAt: 100, setAt: 50, setBy: 'zzz' }));
    const r = t.add(G('x', { expireAt: 300, setAt: 150, setBy: 'aaa' }), 200);
    assert.equal(r.kind, 'added');
    assert.equal(t.get(tklKey(G('x')))!.setBy, 'aaa');
    assert.equal(t.size, 1);
  });

  it('stays right across compactions, also during an iteration', () => {
    const t = new TklTable();
    const N = 20000;
    for (let i = 0; i < N; i++) t.add(G(`10.0.${i >> 8}.${i & 255}`, { reason: `reason ${i % 7}` }));
    const it = t.values();
    const seen: string[] = [];
    for (let k = 0; k < 10; k++) seen.push(it.next().value!.host);
    // Remove most entries (the table compacts), add some more, then finish the iteration.
    for (let i = 100; i < N; i++) if (i % 10 !== 0) t.remove(tklKey(G(`10.0.${i >> 8}.${i & 255}`)));
    for (let i = 0; i < 50; i++) t.add(G(`192.0.2.${i}`));
    for (let r = it.next(); !r.done; r = it.next()) seen.push(r.value.host);
    const want = [...t.values()].map((e) => e.host);
    assert.deepEqual(seen, want, 'the iteration went on where it was, over the entries that are left');
    assert.equal(t.size, 100 + (N - 100) / 10 + 50);
    for (const h of want) assert.ok(t.get(tklKey(G(h))), h);
    for (let i = 0; i < N; i++) t.remove(tklKey(G(`10.0.${i >> 8}.${i & 255}`)));
    assert.equal(t.size, 50);
    assert.deepEqual([...t.values()].map((e) => e.host), Array.from({ length: 50 }, (_, i) => `192.0.2.${i}`));
  });

  it('a bulk load (addOwned) that compacts the records as it goes keeps every entry findable', () => {
    const t = new TklTable();
    const N = 20000;
    for (let i = 0; i < N; i++) t.add(G(`10.0.${i >> 8}.${i & 255}`, { reason: `reason ${i}` }));
    for (let i = 0; i < N; i++) if (i % 10 !== 0) t.remove(tklKey(G(`10.0.${i >> 8}.${i & 255}`)));
    const epoch = (t as unknown as { epoch: number }).epoch;
    const M = 20000;
    t.reserve(t.size + M);
    for (let i = 0; i < M; i++) {
      const e = G(`172.16.${i >> 8}.${i & 255}`, { reason: `bulk ${i}` });
      assert.equal(t.addOwned(e), true);
      assert.ok(t.get(tklKey(e)), `${e.host} found right after its add`);
    }
    assert.ok((t as unknown as { epoch: number }).epoch > epoch, 'the records were compacted during the load');
    assert.equal(t.size, N / 10 + M);
    for (let i = 0; i < M; i++) assert.equal(t.get(tklKey(G(`172.16.${i >> 8}.${i & 255}`)))?.reason, `bulk ${i}`);
    for (let i = 0; i < N; i += 10) assert.ok(t.get(tklKey(G(`10.0.${i >> 8}.${i & 255}`))));
    assert.equal(t.addOwned(G('172.16.0.5', { setAt: 1 })), false, 'one held already is merged');
    assert.equal(t.get(tklKey(G('172.16.0.5')))?.setAt, 1);
    assert.equal(t.size, N / 10 + M);
  });

  it("finds an entry whatever the case of its masks, among many (UnrealIRCd's strcasecmp identity)", () => {
    const t = new TklTable();
    const N = 3000;
    for (let i = 0; i < N; i++) t.add(G(`Host${i}.Example`, { user: i % 2 ? 'Ident' : '*' }));
    for (let i = 0; i < N; i++) {
      const user = i % 2 ? 'iDENT' : '*';
      assert.equal(t.get(tklKey({ type: 'G', user, host: `hOST${i}.eXAMPLE` }))?.host, `Host${i}.Example`, `entry ${i}`);
      assert.equal(t.add(G(`HOST${i}.EXAMPLE`, { user, setBy: 'zzz' })).kind, 'merged');
    }
    assert.equal(t.size, N);
    for (let i = 0; i < N; i += 2) assert.ok(t.remove(tklKey(G(`host${i}.example`))), `removed ${i}`);
    assert.equal(t.size, N / 2);
  });

  it('gives the same results as a Map of entries under random operations', () => {
    // Lengths around the records' one-byte length (below 254) and its long form.
    const str = fc.constantFrom('*', 'a', 'b', '192.0.2.1', 'h\xe9', 'w\u20ac', '~account:x', '', 'l'.repeat(253), 'm'.repeat(254), 'n'.repeat(255), 'w\u20ac'.repeat(200));
    // Case variants: one identity (masks compare without case, tklKey()).
    const mask = fc.constantFrom('*', '192.0.2.1', 'h\xe9', 'H\xe9', 'w\u20ac', 'W\u20ac', 'Ab', 'aB');
    // Times around 32 bits (a record holds a time as a u32, or as its digits).
    const ts = fc.oneof(fc.constantFrom<Ts>(0, 1, 100, 200, 4294967295, 4294967296, 9007199254740993n, 9007199254740994n), fc.integer({ min: 0, max: 300 }));
    const entry = fc.record({
      type: fc.constantFrom('G', 'Z', 's', 'Q', 'E', 'F'),
      user: mask, host: mask, setBy: fc.constantFrom('a!a@a', 'b!b@b', 'z\xff!z@z'), expireAt: ts, setAt: ts, reason: str,
      match: fc.constantFrom('m1', 'm2'),
      // Spamfilters: the targets as a set (order and unknown letters do not count), the action letter.
      targets: fc.constantFrom('cp', 'pc', 'cpx', 'p'), action: fc.constantFrom('b', 'K'),
      hold: fc.constantFrom('*', 'H'),
    }).map(({ match, targets, action, hold, ...e }): TklEntry => {
      const x: TklEntry = { ...e };
      if (e.type === 'E') x.bantypes = 'Gk';
      if (e.type === 'Q') x.user = hold;
      if (e.type === 'F') { x.user = targets; x.host = action; x.spamfilter = { duration: '0', tklReason: 'r_r', matchType: 'simple', match }; }
      return x;
    });
    const op = fc.oneof(
      fc.record({ op: fc.constant('add' as const), e: entry, now: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }) }),
      fc.record({ op: fc.constant('remove' as const), e: entry }),
      fc.record({ op: fc.constant('expire' as const), now: fc.integer({ min: 0, max: 300 }) }),
      // The store's bulk load at start-up: the entry handed over (addOwned), the index sized at once (reserve).
      fc.record({ op: fc.constant('owned' as const), e: entry }),
      fc.record({ op: fc.constant('reserve' as const), n: fc.integer({ min: 0, max: 400 }) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const t = new TklTable(), m = new ModelTable();
      for (const o of ops) {
        if (o.op === 'add') {
          const a = t.add(o.e, o.now), b = m.add(o.e, o.now);
          assert.equal(a.kind, b.kind);
          assert.deepEqual(plain(a.entry), plain(b.entry));
        } else if (o.op === 'owned') {
          const b = m.add(o.e);
          assert.equal(t.addOwned(structuredClone(o.e)), b.kind === 'added');
        } else if (o.op === 'reserve') {
          t.reserve(o.n);
        } else if (o.op === 'remove') {
          assert.deepEqual(plain(t.remove(tklKey(o.e))), plain(m.remove(tklKey(o.e))));
        } else {
          assert.deepEqual(sortByKey(t.expire(o.now)), sortByKey(m.expire(o.now)));
        }
        assert.equal(t.size, m.size);
        assert.equal([...t.values()].length, m.size);
      }
      assert.deepEqual(sortByKey([...t.values()]), sortByKey(m.values()));
      for (const e of m.values()) assert.deepEqual(plain(t.get(tklKey(e))), plain(e));
      assert.deepEqual(t.countsByType(150), m.countsByType(150));
    }), { seed: 1313, numRuns: 300 });
  });
});
