import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConnectThrottle, HandshakeSlots, addressKey } from '../../src/link/throttle.ts';

describe('addressKey', () => {
  it('normalises IPv4-mapped IPv6 and groups IPv6 by /64', () => {
    assert.equal(addressKey('127.0.0.1'), '127.0.0.1');
    assert.equal(addressKey('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(addressKey('::ffff:7f00:1'), '127.0.0.1');
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2:0:0:0:0/64');
    assert.equal(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), addressKey('2001:db8:1:2::9'));
    assert.notEqual(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'));
    assert.equal(addressKey('::1', 128), '0:0:0:0:0:0:0:1/128');
    assert.equal(addressKey('fe80::1%eth0', 128), 'fe80:0:0:0:0:0:0:1/128');
    assert.equal(addressKey('2001:db8::1.2.3.4', 128), '2001:db8:0:0:0:0:102:304/128');
    assert.equal(addressKey('2001:db8:ffff::', 36), '2001:db8:f000:0:0:0:0:0/36');
    assert.equal(addressKey('/tmp/sock'), '/tmp/sock');
  });
});

describe('ConnectThrottle', () => {
  it('allows N per window per address, then refuses until the window slides', () => {
    let now = 1_000_000;
    const t = new ConnectThrottle({ limit: 3, windowMs: 60_000, now: () => now });
    assert.deepEqual([t.hit('10.0.0.1'), t.hit('10.0.0.1'), t.hit('10.0.0.1')], [true, true, true]);
    assert.equal(t.hit('10.0.0.1'), false);
    assert.equal(t.hit('::ffff:10.0.0.1'), false, 'mapped address is the same address');
    assert.equal(t.hit('10.0.0.2'), true, 'other addresses are independent');
    now += 59_999;
    assert.equal(t.hit('10.0.0.1'), false);
    now += 1;
    assert.equal(t.hit('10.0.0.1'), true, 'oldest attempt left the window');
    assert.equal(t.hit('10.0.0.1'), true);
    assert.equal(t.hit('10.0.0.1'), true);
    assert.equal(t.hit('10.0.0.1'), false);
  });

  it('memory is hard-capped; expired entries are pruned first', () => {
    let now = 0;
    const t = new ConnectThrottle({ limit: 1, windowMs: 1000, maxEntries: 100, now: () => now });
    for (let i = 0; i < 100; i++) assert.equal(t.hit(`10.1.0.${i}`), true);
    assert.equal(t.size, 100);
    now = 5000; // all expired
    assert.equal(t.hit('10.2.0.1'), true);
    assert.equal(t.size, 1);
    // A spray of 10000 distinct addresses never grows the table past the cap.
    for (let i = 0; i < 10_000; i++) t.hit(`172.16.${i >> 8}.${i & 255}`);
    assert.equal(t.size, 100);
  });

  it('prune() forgets the addresses whose window has passed, so the table shrinks after an attack', () => {
    let now = 0;
    const t = new ConnectThrottle({ limit: 3, windowMs: 1000, now: () => now });
    for (let i = 0; i < 400; i++) t.hit(`127.10.${i >> 8}.${i & 255}`);
    now = 800;
    t.hit('10.0.0.1');
    assert.equal(t.prune(), 0, 'nothing expired yet');
    now = 1500;
    assert.equal(t.prune(), 400);
    assert.equal(t.size, 1, 'the address still inside its window stays');
    assert.equal(t.hit('10.0.0.1'), true);
    assert.equal(t.hit('10.0.0.1'), true);
    assert.equal(t.hit('10.0.0.1'), false, 'its attempts were kept');
  });

  it("onFull 'reject' fails closed for new addresses while known ones keep their state", () => {
    const now = 0;
    const t = new ConnectThrottle({ limit: 2, windowMs: 1000, maxEntries: 3, onFull: 'reject', now: () => now });
    assert.ok(t.hit('1.1.1.1') && t.hit('2.2.2.2') && t.hit('3.3.3.3'));
    assert.equal(t.hit('4.4.4.4'), false);
    assert.equal(t.hit('1.1.1.1'), true);
    assert.equal(t.hit('1.1.1.1'), false);
    assert.equal(t.size, 3);
  });

  it('property: never more than limit allowed per address in any window, size ≤ maxEntries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ip: fc.integer({ min: 0, max: 20 }), dt: fc.integer({ min: 0, max: 400 }) }), {
          maxLength: 300,
        }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 25 }),
        (events, limit, maxEntries) => {
          let now = 0;
          const windowMs = 1000;
          const t = new ConnectThrottle({ limit, windowMs, maxEntries, onFull: 'reject', now: () => now });
          const allowed = new Map<number, number[]>();
          for (const e of events) {
            now += e.dt;
            if (t.hit(`10.0.0.${e.ip}`)) {
              const list = allowed.get(e.ip) ?? [];
              list.push(now);
              allowed.set(e.ip, list);
              const recent = list.filter((x) => x > now - windowMs);
              if (recent.length > limit) return false;
            }
            if (t.size > maxEntries) return false;
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('HandshakeSlots', () => {
  const noop = () => {};
  it('caps per address, per /24 and in total; release is idempotent', () => {
    const l = new HandshakeSlots({ perIp: 2, perPrefix: 3, total: 4 });
    const a1 = l.acquire('10.0.0.1', false, noop);
    const a2 = l.acquire('::ffff:10.0.0.1', false, noop);
    assert.ok(a1.ok && a2.ok);
    assert.deepEqual(l.acquire('10.0.0.1', false, noop), { ok: false, reason: 'too many unregistered connections from this address' });
    assert.ok(l.acquire('10.0.0.2', false, noop).ok);
    assert.deepEqual(l.acquire('10.0.0.3', false, noop), { ok: false, reason: 'too many unregistered connections from this network' });
    assert.ok(l.acquire('10.0.1.3', false, noop).ok);
    assert.equal(l.pending, 4);
    if (a1.ok) { a1.release(); a1.release(); }
    assert.equal(l.pending, 3);
    assert.equal(l.pendingFor('10.0.0.1'), 1);
  });

  it('a full table: a newcomer takes the oldest slot of the prefix that holds the most, never a trusted one', () => {
    const l = new HandshakeSlots({ perIp: 10, perPrefix: 100, total: 10 });
    const evicted: string[] = [];
    // One /24 holds all ten slots.
    for (let i = 0; i < 10; i++) assert.ok(l.acquire(`192.0.2.${i}`, false, () => evicted.push(`192.0.2.${i}`)).ok);
    const r = l.acquire('198.51.100.1', false, () => evicted.push('198.51.100.1'));
    assert.ok(r.ok && r.evicted);
    assert.deepEqual(evicted, ['192.0.2.0'], 'the oldest connection of the heaviest prefix');
    assert.equal(l.pendingUntrusted, 10);
    // A newcomer from the heaviest prefix itself cannot take a slot from its own prefix.
    assert.equal(l.acquire('192.0.2.50', false, noop).ok, false);
    // A trusted address always gets a slot, is not counted in total, and is never evicted.
    let trustedEvicted = false;
    const t = l.acquire('203.0.113.7', true, () => { trustedEvicted = true; });
    assert.ok(t.ok && !t.evicted);
    assert.equal(l.pendingUntrusted, 10);
    for (let i = 0; i < 50; i++) l.acquire(`100.64.${i}.1`, false, noop);
    assert.equal(trustedEvicted, false);
    // trust(): a connection that authenticated leaves the evictable pool.
    const u = l.acquire('100.65.0.1', false, () => assert.fail('a trusted slot was evicted'));
    if (u.ok) u.trust();
    for (let i = 0; i < 50; i++) l.acquire(`100.66.${i}.1`, false, noop);
  });

  it('a slot is one object with shared methods (no closures per connection), and an object can be the one evicted', () => {
    const l = new HandshakeSlots({ perIp: 10, perPrefix: 100, total: 2 });
    const evicted: string[] = [];
    const holder = (name: string) => ({ name, evict() { evicted.push(this.name); } });
    const a = l.acquire('192.0.2.1', false, holder('a'));
    const b = l.acquire('192.0.2.2', false, holder('b'));
    assert.ok(a.ok && b.ok);
    // Issue 14 item 2: 2,000 half-open connections must not cost two closures and a result object each.
    assert.equal(a.release, b.release);
    assert.equal(a.trust, b.trust);
    assert.ok(!Object.hasOwn(a, 'release') && !Object.hasOwn(a, 'trust'));
    const c = l.acquire('198.51.100.1', false, holder('c'));
    assert.ok(c.ok && c.evicted);
    assert.deepEqual(evicted, ['a'], "the holder's evict() ran, with the holder as `this`");
    a.release(); // already freed by the eviction: a no-op
    assert.equal(l.pendingUntrusted, 2);
    b.release();
    c.release();
    assert.equal(l.pending, 0);
  });

  it('property: counters stay consistent, untrusted slots never exceed total, trusted ones are never evicted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(
          fc.record({ op: fc.constant('acq' as const), net: fc.integer({ min: 0, max: 4 }), host: fc.integer({ min: 0, max: 5 }), trusted: fc.boolean() }),
          fc.record({ op: fc.constant('rel' as const), idx: fc.nat() }),
          fc.record({ op: fc.constant('trust' as const), idx: fc.nat() }),
        ), { maxLength: 300 }),
        (ops) => {
          const l = new HandshakeSlots({ perIp: 3, perPrefix: 6, total: 10 });
          const held: Array<{ addr: string; trusted: boolean; gone: boolean; release: () => void; trust: () => void }> = [];
          for (const o of ops) {
            if (o.op === 'acq') {
              const addr = `10.0.${o.net}.${o.host}`;
              const h = { addr, trusted: o.trusted, gone: false, release: noop, trust: noop };
              const r = l.acquire(addr, o.trusted, () => { if (h.trusted) throw new Error('trusted slot evicted'); h.gone = true; });
              if (r.ok) { h.release = () => r.release(); h.trust = () => { r.trust(); h.trusted = true; }; held.push(h); }
            } else if (held.length > 0) {
              const h = held[o.idx % held.length];
              if (o.op === 'rel') { h.release(); h.release(); h.gone = true; } else if (!h.gone) h.trust();
            }
            const live = held.filter((h) => !h.gone);
            if (l.pending !== live.length) return false;
            if (l.pendingUntrusted !== live.filter((h) => !h.trusted).length || l.pendingUntrusted > 10) return false;
            for (const h of live) if (l.pendingFor(h.addr) !== live.filter((x) => x.addr === h.addr).length || l.pendingFor(h.addr) > 3) return false;
          }
          for (const h of held) h.release();
          return l.pending === 0 && l.size === 0;
        },
      ),
      { numRuns: 300 },
    );
  });
});
