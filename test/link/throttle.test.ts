import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConnectThrottle, HalfOpenLimiter, addressKey } from '../../src/link/throttle.ts';

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

describe('HalfOpenLimiter', () => {
  it('caps per address and in total; release is idempotent', () => {
    const l = new HalfOpenLimiter({ perIp: 2, total: 3 });
    const a1 = l.tryAcquire('10.0.0.1');
    const a2 = l.tryAcquire('::ffff:10.0.0.1');
    assert.ok(a1.ok && a2.ok);
    const a3 = l.tryAcquire('10.0.0.1');
    assert.deepEqual(a3, { ok: false, reason: 'too many unregistered connections from this address' });
    const b1 = l.tryAcquire('10.0.0.2');
    assert.ok(b1.ok);
    assert.deepEqual(l.tryAcquire('10.0.0.3'), { ok: false, reason: 'too many unregistered connections' });
    assert.equal(l.pending, 3);
    if (a1.ok) {
      a1.release();
      a1.release();
    }
    assert.equal(l.pending, 2);
    assert.equal(l.pendingFor('10.0.0.1'), 1);
    assert.ok(l.tryAcquire('10.0.0.3').ok);
    assert.ok(l.size <= 3);
  });

  it('property: counters stay consistent and the map never exceeds total', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ op: fc.constant('acq' as const), ip: fc.integer({ min: 0, max: 9 }) }), fc.record({ op: fc.constant('rel' as const), idx: fc.nat() })), {
          maxLength: 400,
        }),
        (ops) => {
          const l = new HalfOpenLimiter({ perIp: 3, total: 10 });
          const held: Array<{ ip: number; release: () => void }> = [];
          for (const o of ops) {
            if (o.op === 'acq') {
              const r = l.tryAcquire(`10.0.0.${o.ip}`);
              if (r.ok) held.push({ ip: o.ip, release: r.release });
            } else if (held.length > 0) {
              const [h] = held.splice(o.idx % held.length, 1);
              h!.release();
              h!.release();
            }
            if (l.pending !== held.length || l.pending > 10 || l.size > 10) return false;
            for (let ip = 0; ip < 10; ip++) {
              const n = held.filter((h) => h.ip === ip).length;
              if (n > 3 || l.pendingFor(`10.0.0.${ip}`) !== n) return false;
            }
          }
          for (const h of held) h.release();
          return l.pending === 0 && l.size === 0;
        },
      ),
      { numRuns: 300 },
    );
  });
});
