// Nothing is cut silently (issue 13 item 7; protocol README "Line length limits"): lines of a
// BIGLINES peer are taken whole up to 16 KB, whatever the command; a peer without BIGLINES has
// its long lines cut as UnrealIRCd's parse.c cuts them, and gets at most 510 bytes, a long SJOIN
// or MODE split as sjoin.c / mode.c split theirs; whatever is still cut or refused is logged
// under its own event ID, counted on the link, and rate-limited.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { hub, linkLeaf, local, feed, uid, logs, drainSent, T0, TEST_TIMEOUT, LEAF_CAPS } from './harness.ts';
import fc from 'fast-check';
import { LineReader } from '../../src/wire/lineReader.ts';
import { ChanModeGroups, DEFAULT_CHANMODES } from '../../src/s2s/chanmodes.ts';
import type { Engine } from '../../src/s2s/engine.ts';

const TC = 1795305735;
const BIG = `${LEAF_CAPS} BIGLINES`;

/** The lines sent on `link` among `effects`. */
function drainLines(effects: ReturnType<Engine['drain']>, link: string): string[] {
  return effects.flatMap((x) => (x.kind === 'send' && x.link === link ? [x.line] : []));
}

/** n UIDs of server `sid`: <sid>U<5 digits>. */
function uids(sid: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${sid}U${String(i).padStart(5, '0')}`);
}

/** An SJOIN of #big from 0AA naming members until the line is at least `bytes` long. */
function sjoinOf(members: string[], bytes: number): { line: string; named: string[] } {
  let line = `:0AA SJOIN ${TC} #big :`;
  const named: string[] = [];
  for (const m of members) {
    if (line.length >= bytes) break;
    line += (named.length ? ' ' : '') + m;
    named.push(m);
  }
  return { line, named };
}

/** A hub with a leaf (BIGLINES or not) carrying `n` users, a BIGLINES peer and a plain peer. */
function net(leafCaps: string, n: number): { e: ReturnType<typeof hub>; ids: string[] } {
  const e = hub();
  const ids = uids('0AA', n);
  linkLeaf(e, { caps: leafCaps, burst: ids.map((id, i) => uid('0AA', `m${i}`, T0, id)) });
  linkLeaf(e, { id: 'big', name: 'big.test', sid: '0AB', caps: BIG });
  linkLeaf(e, { id: 'small', name: 'small.test', sid: '0AC' });
  return { e, ids };
}

describe('line lengths', { timeout: TEST_TIMEOUT }, () => {
  it('from a BIGLINES peer a 550-byte and a 16,000-byte SJOIN join every member', () => {
    for (const bytes of [550, 16000]) {
      const { e, ids } = net(BIG, 1700);
      const { line, named } = sjoinOf(ids, bytes);
      assert.ok(line.length >= bytes && line.length < bytes + 12, `${line.length} bytes`);
      const r = feed(e, 'leaf', line);
      const ch = e.net.channel('#big')!;
      assert.equal(ch.members.size, named.length, `${bytes} bytes: every member joined`);
      assert.deepEqual(logs(r.effects).filter((l) => l.event.startsWith('LINE_')), [], 'nothing cut, nothing logged');
      // Relayed whole-ly: every member reaches both peers, in lines each peer takes.
      for (const peer of ['big', 'small']) {
        const got = r.to(peer).filter((l) => l.includes(' SJOIN ')).flatMap((l) => l.slice(l.indexOf(' :') + 2).split(' ').filter(Boolean));
        assert.equal(got.length, named.length, `${bytes} bytes: all members relayed to ${peer}`);
        for (const l of r.to(peer)) assert.ok(l.length <= 510, `${peer} gets ${l.length} bytes`);
      }
    }
  });

  it('from a peer without BIGLINES the same SJOINs are cut at 510 bytes per param as UnrealIRCd does, and LINE_PARAMS_CUT says so', () => {
    for (const bytes of [550, 16000]) {
      const { e, ids } = net(LEAF_CAPS, 1700);
      const { line } = sjoinOf(ids, bytes);
      const r = feed(e, 'leaf', line);
      // parse.c: the buffer param cut to 510 bytes, 51 whole "0AAUnnnnn " items; the partial one is an unknown UID.
      assert.equal(e.net.channel('#big')!.members.size, 51, `${bytes} bytes`);
      const cut = logs(r.effects, 'LINE_PARAMS_CUT');
      assert.equal(cut.length, 1, 'one log line');
      assert.equal(cut[0].link, 'leaf');
      assert.match(cut[0].msg, /SJOIN of \d+ bytes from leaf\.test \(no BIGLINES\): 1 param\(s\) cut to 510 bytes/);
      assert.equal(e.links.get('leaf')!.limitedCount('LINE_PARAMS_CUT'), 1);
    }
  });

  it('what is cut or refused is logged rate-limited: the first at once, the rest counted on the link and summed up at most once a minute', () => {
    const { e } = net(LEAF_CAPS, 2);
    local(e, `:001 SJOIN ${TC} #c :`);
    feed(e, 'leaf', `:0AA SJOIN ${TC} #c :0AAU00000 0AAU00001`);
    const r = feed(e, 'leaf', ...Array.from({ length: 100 }, (_, i) => `:0AAU00000 PRIVMSG #c :${String(i).repeat(600)}`));
    assert.equal(logs(r.effects, 'LINE_PARAMS_CUT').length, 1, '100 bad lines, one log line');
    const link = e.links.get('leaf')!;
    assert.equal(link.limitedCount('LINE_PARAMS_CUT'), 100);
    e.clock.advance(30);
    e.tick();
    assert.equal(logs(e.drain(), 'LINE_PARAMS_CUT').length, 0, 'no summary before the interval');
    e.clock.advance(31);
    e.tick();
    const sum = logs(e.drain(), 'LINE_PARAMS_CUT');
    assert.equal(sum.length, 1);
    assert.match(sum[0].msg, /^99 more LINE_PARAMS_CUT in the last 61 s \(100 on this link\)/);
    // What is left when the link closes is summed up then.
    feed(e, 'leaf', ':0AAU00000 PRIVMSG #c :' + 'z'.repeat(600));
    e.linkDown('leaf', 'gone');
    const last = logs(e.drain(), 'LINE_PARAMS_CUT');
    assert.ok(last.some((l) => /^1 more LINE_PARAMS_CUT/.test(l.msg)), JSON.stringify(last));
  });

  it('a line over 16 KB is cut at UnrealIRCd\'s read buffer (16382 bytes) and LINE_TOO_LONG says so', () => {
    const { e } = net(BIG, 1);
    local(e, `:001 SJOIN ${TC} #c :`);
    feed(e, 'leaf', `:0AA SJOIN ${TC} #c :0AAU00000`);
    const bytes = Buffer.from(`:0AA MD client 0AAU00000 big :${'q'.repeat(20000)}\r\n:0AA MD client 0AAU00000 small :${'s'.repeat(16000)}\r\n`, 'latin1');
    const lines = new LineReader().push(bytes);
    const r = feed(e, 'leaf', ...lines);
    const big = e.net.user('0AAU00000')!.md.get('big')!;
    assert.equal(`:0AA MD client 0AAU00000 big :`.length + big.length, 16382, 'kept up to 16382 bytes');
    assert.equal(e.net.user('0AAU00000')!.md.get('small')!.length, 16000, 'a line within the limit whole');
    const too = logs(r.effects, 'LINE_TOO_LONG');
    assert.equal(too.length, 1);
    assert.equal(e.links.get('leaf')!.limitedCount('LINE_TOO_LONG'), 1);
  });

  it('a long MODE is sent whole to a BIGLINES peer and split as mode.c splits it (no more than fits 510 bytes, 12 params a line) to one without', () => {
    const { e } = net(BIG, 1);
    local(e, `:001 SJOIN ${TC} #c :`);
    feed(e, 'leaf', `:0AA SJOIN ${TC} #c :@0AAU00000`);
    // Masks in UnrealIRCd's normal form, within its length limits (nick 30, user 10, host 63): 12 of them pass 510 bytes.
    const bans = Array.from({ length: 12 }, (_, i) => `n${String(i).padStart(2, '0')}${'x'.repeat(19)}!${'u'.repeat(9)}@h${String(i).padStart(2, '0')}-${'y'.repeat(32)}.example`);
    const r = feed(e, 'leaf', `:0AA MODE #c +nt${'b'.repeat(bans.length)} ${bans.join(' ')} ${TC}`);
    assert.equal(e.net.channel('#c')!.lists.b.size, 12);
    const whole = r.to('big');
    assert.equal(whole.length, 1, 'one line to the BIGLINES peer');
    const parts = r.to('small');
    assert.ok(parts.length >= 2, `${parts.length} lines`);
    const seen: string[] = [];
    for (const l of parts) {
      assert.ok(l.length <= 510, `${l.length} bytes`);
      const f = l.split(' ');
      assert.equal(f[0], ':0AA');
      assert.equal(f[f.length - 1], String(TC), 'each line ends with the TS');
      assert.ok(f.length - 5 <= 12, 'at most 12 params');
      seen.push(...f.slice(4, -1));
    }
    assert.deepEqual(seen, bans, 'every ban once, in order');
    assert.ok(parts[0].includes(' +ntb'), parts[0]);
    assert.deepEqual(logs(r.effects).filter((l) => l.event.startsWith('LINE_')), []);
  });

  it('a long SJOIN is split at the bottom as sjoin.c splits it: modes on the first line, ":<sid> SJOIN <ts> <#chan> :" on the next, nothing lost', () => {
    const { e } = net(LEAF_CAPS, 1);
    const small = e.links.get('small')!;
    const members = uids('0AA', 80).map((u, i) => (i % 3 === 0 ? '@' + u : u));
    const lists = ['&*!*@a.example', '<1795305000,x!y@z>&*!*@b.example', '"*!*@c.example'];
    const body = `:0AA SJOIN ${TC} #s +ntk key :${[...members, ...lists].join(' ')}`;
    e.send(small, body);
    const out = drainSent(e).to('small');
    assert.ok(out.length >= 2, `${out.length} lines`);
    assert.ok(out[0].startsWith(`:0AA SJOIN ${TC} #s +ntk key :`), out[0]);
    for (const l of out.slice(1)) assert.ok(l.startsWith(`:0AA SJOIN ${TC} #s :`), l);
    for (const l of out) assert.ok(l.length <= 503, `${l.length} bytes`);
    assert.deepEqual(out.flatMap((l) => l.slice(l.indexOf(' :') + 2).split(' ').filter(Boolean)), [...members, ...lists]);
  });

  it('a long line no split applies to is cut for a peer without BIGLINES and LINE_CUT_FOR_PEER says so', () => {
    const e = hub();
    linkLeaf(e, { caps: BIG, burst: [uid('0AA', 'm0', T0, '0AAU00000'), `:0AA SJOIN ${TC} #c :0AAU00000`] });
    linkLeaf(e, { id: 'big', name: 'big.test', sid: '0AB', caps: BIG, burst: [uid('0AB', 'b0', T0, '0ABU00000'), `:0AB SJOIN ${TC} #c :0ABU00000`] });
    linkLeaf(e, { id: 'small', name: 'small.test', sid: '0AC', burst: [uid('0AC', 's0', T0, '0ACU00000'), `:0AC SJOIN ${TC} #c :0ACU00000`] });
    const r = feed(e, 'leaf', `:0AAU00000 PRIVMSG #c :${'p'.repeat(3000)}`);
    assert.equal(r.to('big')[0].length, ':m0 PRIVMSG #c :'.length + 3000, 'whole to the BIGLINES peer');
    assert.equal(r.to('small')[0].length, 510);
    const cut = logs(r.effects, 'LINE_CUT_FOR_PEER');
    assert.equal(cut.length, 1);
    assert.equal(cut[0].link, 'small');
    assert.equal(e.links.get('small')!.limitedCount('LINE_CUT_FOR_PEER'), 1);
  });

  it('every KILL answering a bad UID is logged: Bad hostname, Bad virtual host, Bad username', () => {
    const e = hub();
    linkLeaf(e);
    const r = feed(e, 'leaf',
      `:0AA UID h1 0 ${T0} id bad!host 0AAAAAAB1 0 +i * * fwAAAQ== :x`,
      `:0AA UID h2 0 ${T0} id ok.host 0AAAAAAB2 0 +ix bad!vhost * fwAAAQ== :x`,
      `:0AA UID h3 0 ${T0} b@d ok.host 0AAAAAAB3 0 +i * * fwAAAQ== :x`,
      `:0AA UID h4 0 ${T0} id bad!host2 0AAAAAAB4 0 +i * * fwAAAQ== :x`);
    assert.deepEqual(r.to('leaf'), [':001 KILL 0AAAAAAB1 :Bad hostname', ':001 KILL 0AAAAAAB2 :Bad virtual host', ':001 KILL 0AAAAAAB3 :Bad username', ':001 KILL 0AAAAAAB4 :Bad hostname']);
    const host = logs(r.effects, 'BAD_HOSTNAME');
    assert.equal(host.length, 1, 'one line for the two host kills (rate-limited)');
    assert.match(host[0].msg, /introduced user h1 with bad host name: bad!host/);
    assert.equal(logs(r.effects, 'BAD_USERNAME').length, 1);
    const link = e.links.get('leaf')!;
    assert.equal(link.limitedCount('BAD_HOSTNAME'), 3, 'bad host and bad virtual host');
    assert.equal(link.limitedCount('BAD_USERNAME'), 1);
  });

  it('a split SJOIN or MODE keeps every item and change, in order, in lines that fit (property, 300 runs)', () => {
    const groups = new ChanModeGroups(DEFAULT_CHANMODES);
    // Through Engine.send(): to a peer without BIGLINES (510 bytes a body) and one with (16381 a line).
    const e = hub();
    linkLeaf(e, { id: 'small', name: 'small.test', sid: '0AC' });
    linkLeaf(e, { id: 'big', name: 'big.test', sid: '0AB', caps: BIG });
    const splitLine = (body: string, max: number) => {
      e.send(e.links.get(max === 510 ? 'small' : 'big')!, body);
      const effects = e.drain();
      assert.deepEqual(logs(effects).filter((l) => l.event.startsWith('LINE_')), [], 'nothing cut or left out');
      return { lines: drainLines(effects, max === 510 ? 'small' : 'big') };
    };
    let long = 0;
    const member = fc.tuple(fc.constantFrom('', '@', '+', '*~@%+', '%'), fc.integer({ min: 0, max: 99999 })).map(([p, n]) => `${p}0AAU${String(n).padStart(5, '0')}`);
    const listItem = fc.tuple(fc.constantFrom('&', '"', "'", '<1795305000,a!b@c>&'), fc.string({ unit: fc.constantFrom('a', 'b', '*', '.', '!', '@'), minLength: 1, maxLength: 300, size: 'max' })).map(([p, m]) => p + m);
    fc.assert(fc.property(fc.array(fc.oneof(member, member, listItem), { minLength: 40, maxLength: 2000, size: 'max' }), fc.constantFrom(510, 16381), (items, max) => {
      const body = `:0AA SJOIN ${TC} #p +ntl 5 :${items.join(' ')}`;
      if (body.length <= max) return;
      long++;
      const r = splitLine(body, max);
      for (const l of r.lines) assert.ok(l.length <= max, `${l.length} > ${max}`);
      assert.ok(r.lines[0].startsWith(`:0AA SJOIN ${TC} #p +ntl 5 :`), r.lines[0]);
      for (const l of r.lines.slice(1)) assert.ok(l.startsWith(`:0AA SJOIN ${TC} #p :`), l);
      const back = r.lines.flatMap((l) => l.slice(l.indexOf(' :') + 2).split(' ').filter(Boolean));
      assert.deepEqual(back, items, 'every item, in order (each fits a line of its own)');
    }), { numRuns: 150 });
    const change = fc.oneof(
      fc.tuple(fc.constantFrom('+b', '-b', '+e', '+o', '-v', '+k', '+l'), fc.string({ unit: fc.constantFrom('x', 'y', '1', '.'), minLength: 1, maxLength: 200, size: 'max' })).map(([m, p]) => ({ m, p })),
      fc.constantFrom('+n', '-t', '+s', '-l', '-i').map((m) => ({ m, p: null as string | null })),
    );
    fc.assert(fc.property(fc.array(change, { minLength: 4, maxLength: 40, size: 'max' }), fc.boolean(), (changes, server) => {
      const modes = changes.map((c) => c.m).join('');
      const params = changes.filter((c) => c.p !== null).map((c) => c.p);
      const body = `${server ? ':0AA' : ':0AAU00000'} MODE #p ${modes}${params.map((p) => ' ' + p).join('')}${server ? ' ' + TC : ''}`;
      if (body.length <= 510) return;
      long++;
      const r = splitLine(body, 510);
      const got: string[] = [];
      for (const l of r.lines) {
        assert.ok(l.length <= 510, `${l.length} bytes`);
        const f = l.split(' ');
        if (server) assert.equal(f.pop(), String(TC), 'the TS on every line');
        const ps = f.slice(4);
        assert.ok(ps.length <= 12, `${ps.length} params`);
        let dir = '+', k = 0;
        for (const ch of f[3]) {
          if (ch === '+' || ch === '-') { dir = ch; continue; }
          got.push(dir + ch + (groups.takesParam(ch, dir === '+') ? ' ' + ps[k++] : ''));
        }
        assert.equal(k, ps.length, 'params consumed exactly');
      }
      assert.deepEqual(got, changes.map((c) => c.m + (c.p !== null ? ' ' + c.p : '')));
    }), { numRuns: 150 });
    assert.ok(long >= 200, `${long} of 300 lines were long enough to split`);
  });
});
