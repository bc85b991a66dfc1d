// The commands' fast paths (CommandSpec.fast, tried before a line is parsed) against the parser and
// handlers alone: the same lines must give the same state and the same effects either way.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Engine } from '../../src/s2s/engine.ts';
import { stateDigest } from '../../src/state/digest.ts';
import { hub, linkLeaf, uid, T0, assertInvariants } from './harness.ts';

const UIDS = ['0AAAAAAA1', '0AAAAAAA2', '0AAAAAAA3', '0AAAAAAA9' /* never introduced */, '0ABAAAAA1' /* behind leaf2 */, 'weird-uid'];
const KEYS = ['creationtime', 'webirc', 'certfp', 'operlogin', 'creationtim', 'creationtimex'];
const VALUES = ['1795305116', '1795305117', '0', '1', '01', '', 'abc', 'a b', '1795305116 ', ':x', '99999999999999999'];

/** An MD line in the usual form or one of its variations (spacing, colon, case, type, source). */
const mdLine = fc.record({
  src: fc.constantFrom(':0AA', ':0AA', ':0AA', ':leaf.test', ':0AAAAAAA1', ':0AB', ':001', ''),
  cmd: fc.constantFrom('MD', 'MD', 'MD', 'md'),
  type: fc.constantFrom('client', 'client', 'client', 'channel', 'clients'),
  target: fc.constantFrom(...UIDS),
  key: fc.constantFrom(...KEYS),
  value: fc.option(fc.constantFrom(...VALUES), { nil: undefined, freq: 8 }),
  shape: fc.constantFrom('plain', 'plain', 'plain', 'plain', 'doubleSpace', 'noColon', 'tagged', 'long'),
}).map(({ src, cmd, type, target, key, value, shape }) => {
  const head = `${src ? src + ' ' : ''}${cmd} ${type} ${target} ${key}`;
  if (value === undefined) return head;
  if (shape === 'doubleSpace') return `${src ? src + ' ' : ''}${cmd}  ${type} ${target}  ${key} :${value}`;
  if (shape === 'noColon') return `${head} ${value}`;
  if (shape === 'tagged') return `@time=2026-11-22T00:00:00.000Z ${head} :${value}`;
  if (shape === 'long') return `${head} :${value}${'y'.repeat(520)}`;
  return `${head} :${value}`;
});

/** UID lines: the usual form and variations of its spacing, fields and collisions. */
const uidLine = fc.record({
  n: fc.integer({ min: 1, max: 6 }),
  nick: fc.constantFrom('alpha', 'beta', 'newbie', 'newbie2', 'Alpha', '1bad', 'x'.repeat(40)),
  ts: fc.constantFrom(String(T0), String(T0 - 5), String(T0 + 5), 'abc', '-3'),
  host: fc.constantFrom('host.example', 'bad host!', '2001:db8::1'),
  ip: fc.constantFrom('fwAAAQ==', '*', 'bad'),
  ident: fc.constantFrom('id', 'i@d', 'averyveryverylongident'),
  sid: fc.constantFrom('0AA', '0AA', '0AB', '001'),
  shape: fc.constantFrom('plain', 'plain', 'plain', 'doubleSpace', 'colonParam', 'noColon', 'extra', 'short', 'shortDouble', 'tags'),
}).map(({ n, nick, ts, host, ip, ident, sid, shape }) => {
  const id = `${sid}NEWUS${n}`;
  const fields = [nick, '0', ts, ident, host, id, '0', '+i', '*', 'cl.oak', ip];
  const src = ':0AA UID ';
  switch (shape) {
    case 'doubleSpace': return `${src}${fields.join('  ')} :Real name`;
    case 'colonParam': return `${src}${fields.slice(0, 6).join(' ')} :acct ${fields.slice(7).join(' ')} :Real name`;
    case 'noColon': return `${src}${fields.join(' ')} Realname`;
    case 'extra': return `${src}${fields.join(' ')} extra :Real name`;
    case 'short': return `${src}${fields.slice(0, 10).join(' ')} :Real name`;
    case 'shortDouble': return `${src}${fields.slice(0, 5).join(' ')}  ${fields.slice(5, 10).join(' ')} :Real name`;
    case 'tags': return `@s2s-md/creationtime=1795305116;s2s-md/webirc=1 ${src}${fields.join(' ')} :Real name`;
    default: return `${src}${fields.join(' ')} :Real name`;
  }
});

/** SJOIN lines: members, statuses, bans with SJSBY, modes with params, TS outcomes, spacing variations. */
const sjoinLine = fc.record({
  ts: fc.constantFrom('1795305000', '1795304000', '1795306000', 'x'),
  chan: fc.constantFrom('#a', '#b', '#A', 'bad', '#c,d'),
  modes: fc.constantFrom('', '+nt', '+ntl 10', '+ntk key', '+lk 5 k2', '+s', '+p'),
  items: fc.array(fc.constantFrom('0AAAAAAA1', '@0AAAAAAA2', '*~0AAAAAAA3', '+%0AAAAAAA1', '0ABAAAAA1', 'nosuch', '@alpha',
    '<1795305000,x!y@z>&*!*@a.example', '&*!*@b.example', '"e!*@*', "'i!*@*", '<bad>&m!n@o', '&nobang', ''), { maxLength: 8 }),
  shape: fc.constantFrom('plain', 'plain', 'plain', 'doubleSpace', 'colonParam', 'noColon', 'tags', 'lower', 'short'),
}).map(({ ts, chan, modes, items, shape }) => {
  const mid = [ts, chan, ...(modes ? modes.split(' ') : [])];
  const buf = items.join(' ');
  switch (shape) {
    case 'doubleSpace': return `:0AA SJOIN ${mid.join('  ')} :${buf}`;
    case 'colonParam': return `:0AA SJOIN ${mid.slice(0, 2).join(' ')} :${mid.slice(2).join(' ')} :${buf}`;
    case 'noColon': return `:0AA SJOIN ${mid.join(' ')} ${items[0] ?? ''}`;
    case 'tags': return `@msgid=abc :0AA SJOIN ${mid.join(' ')} :${buf}`;
    case 'lower': return `:0AA sjoin ${mid.join(' ')} :${buf}`;
    case 'short': return `:0AA SJOIN ${ts} :${buf}`;
    default: return `:0AA SJOIN ${mid.join(' ')} :${buf}`;
  }
});

/** UID lines (with s2s-md tags) and the MD lines that repeat or change them, interleaved. */
const step = fc.oneof(
  { weight: 6, arbitrary: mdLine },
  // What the users hold from their UID lines, sent again (the fast path's case).
  { weight: 3, arbitrary: fc.constantFrom(':0AA MD client 0AAAAAAA1 creationtime :1795305116', ':0AA MD client 0AAAAAAA1 webirc :1', ':0AA MD client 0AAAAAAA2 creationtime :01', ':0AA MD client 0AAAAAAA3 creationtime :1795305116') },
  { weight: 1, arbitrary: fc.record({ n: fc.integer({ min: 1, max: 3 }), ct: fc.constantFrom('1795305116', '01', 'x'), web: fc.boolean() })
    .map(({ n, ct, web }) => `@s2s-md/creationtime=${ct}${web ? ';s2s-md/webirc=1' : ''} ${uid('0AA', `n${n}x`, T0, `0AAAAAAA${n}`)}`) },
  { weight: 1, arbitrary: fc.constantFrom(':0AA QUIT :bye', ':0AAAAAAA2 QUIT :bye', ':0AAAAAAA3 QUIT :bye') },
  { weight: 3, arbitrary: uidLine },
  { weight: 4, arbitrary: sjoinLine },
  { weight: 1, arbitrary: fc.constantFrom(':0AAAAAAA1 PART #a', ':0AA MODE #a +o 0AAAAAAA1', ':001 SJOIN 1795305000 #a +nt :@001AAAAAA') },
  // A server behind the leaf that splits and returns; lines from it while it is gone are refused.
  { weight: 2, arbitrary: fc.constantFrom(':0AA SQUIT sub.test :gone', ':0AA SID sub.test 2 0AC :sub', ':0AC MD client 0AAAAAAA1 creationtime :1795305116', ':0AC EOS') },
);

function pair(withSecondLeaf: boolean): [Engine, Engine] {
  const make = (fastPaths: boolean): Engine => {
    const e = hub({ fastPaths });
    linkLeaf(e, { burst: [
      `@s2s-md/creationtime=1795305116;s2s-md/webirc=1 ${uid('0AA', 'alpha', T0, '0AAAAAAA1')}`,
      `@s2s-md/creationtime=01 ${uid('0AA', 'beta', T0, '0AAAAAAA2')}`,
      uid('0AA', 'gamma', T0, '0AAAAAAA3'),
    ] });
    if (withSecondLeaf) linkLeaf(e, { id: 'leaf2', name: 'leaf2.test', sid: '0AB', burst: [uid('0AB', 'delta', T0, '0ABAAAAA1')] });
    return e;
  };
  return [make(true), make(false)];
}

describe('fast paths (CommandSpec.fast)', () => {
  it('take the usual UID line and give it the user the handler would', () => {
    const [fast, slow] = pair(true);
    const line = `@s2s-md/creationtime=1795305200 :0AA UID zed 0 ${T0} zedi 198.51.100.7 0AAAAAAZ1 zacct +iwx zed.vhost cl.oak xjNkBw== :Zed Zedson`;
    fast.receive('leaf', line); slow.receive('leaf', line);
    assert.deepEqual(fast.drain(), slow.drain());
    const u = fast.net.user('zed')!;
    assert.deepEqual([u.uid, u.ident, u.realHost, u.vhost, u.account, u.realname, [...u.umodes].join(''), u.md.get('creationtime')],
      ['0AAAAAAZ1', 'zedi', '198.51.100.7', 'zed.vhost', 'zacct', 'Zed Zedson', 'iwx', '1795305200']);
    assert.equal(stateDigest(fast.net), stateDigest(slow.net));
  });

  for (const withSecondLeaf of [false, true]) {
    it(`give the state and effects of the parser and handlers (${withSecondLeaf ? 'two links: lines are relayed' : 'one link'})`, () => {
      fc.assert(fc.property(fc.array(step, { maxLength: 40 }), (lines) => {
        const [fast, slow] = pair(withSecondLeaf);
        for (const line of lines) {
          fast.receive('leaf', line);
          slow.receive('leaf', line);
          assert.deepEqual(fast.drain(), slow.drain(), line);
        }
        assert.equal(stateDigest(fast.net), stateDigest(slow.net));
        for (const u of slow.net.usersByUid.values()) assert.deepEqual([...fast.net.user(u.uid)!.md.entries()], [...u.md.entries()], u.uid);
        assertInvariants(fast);
      }), { numRuns: 300 });
    });
  }

  it('do not take a line from a server that has split since its source was last looked up', () => {
    for (const e of pair(false)) {
      for (const l of [':0AA SID sub.test 2 0AC :sub', ':0AC EOS', ':0AA SQUIT sub.test :gone']) e.receive('leaf', l);
      e.drain();
      e.receive('leaf', ':0AC MD client 0AAAAAAA1 creationtime :1795305116');
      const out = e.drain();
      assert.deepEqual(out.filter((x) => x.kind === 'send').map((x) => x.kind === 'send' && x.line), [':001 SQUIT 0AC :Unknown prefix (0AC) from leaf.test']);
    }
  });

  it('take the burst form of a repeated MD line, and only that', () => {
    const [fast] = pair(false);
    const u = fast.net.user('0AAAAAAA1')!;
    // Same value again: nothing changes, nothing is sent (on either path).
    fast.receive('leaf', ':0AA MD client 0AAAAAAA1 creationtime :1795305116');
    fast.receive('leaf', ':0AA MD client 0AAAAAAA1 webirc :1');
    assert.deepEqual(fast.drain(), []);
    // A new value still lands (through the handler).
    fast.receive('leaf', ':0AA MD client 0AAAAAAA1 creationtime :1795305999');
    fast.receive('leaf', ':0AA MD client 0AAAAAAA1 webirc :0');
    assert.equal(u.md.get('creationtime'), '1795305999');
    assert.equal(u.md.get('webirc'), '0');
  });
});
