// The state digest: stateDigest() writes the JSON text of canonicalState() straight into SHA-256
// (src/state/digest.ts); it must give exactly sha256(JSON.stringify(canonicalState())) on every
// state, the odd ones included (characters JSON escapes, latin1 bytes, UIDs of other forms, member
// MD, huge TS), and stay independent of the order things were added in.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Engine } from '../../src/s2s/engine.ts';
import { canonicalState, orderingsForTests, stateDigest } from '../../src/state/digest.ts';
import { replayCapture } from '../../src/replay/offline.ts';
import { generateBurst } from '../../src/replay/genBurst.ts';

const NOW = 1795400000;
const reference = (e: Engine, now?: number) => createHash('sha256').update(JSON.stringify(canonicalState(e.net, e.tkl, now)), 'latin1').digest('hex');

function engine(lines: string[]): Engine {
  const e = new Engine({ me: { sid: '001', name: 'hub.test', info: 'a "quoted" \\ hub' }, now: () => NOW, authorize: () => ({ ok: true, hub: '*' }) });
  for (const l of lines) e.local(l);
  e.drain();
  return e;
}

const uid = (nick: string, id: string, realname = `Real ${nick}`, ts = '1795300000', host = 'host.example') =>
  `:001 UID ${nick} 0 ${ts} ${nick.toLowerCase()} ${host} ${id} 0 +iwx * cloak.example fwAAAQ== :${realname}`;

/** A network with something of everything, and the strings JSON has to escape. */
function oddLines(): string[] {
  return [
    uid('alice', '001AAAAAA', 'quote " backslash \\ tab \t bell \x07 high \xe9\xff'),
    uid('bob', '001AAAAAB', 'Bob'),
    uid('carol', '001AAAAAC', '\x01ACTION\x01', '9007199254740993'),
    uid('dave', '001AAAAAD', 'lone \ud800 surrogate'),
    uid('erin', '001AAAAAE', 'only "quotes" here'), // one escape alone (each escape is checked by itself)
    `:001 SJOIN 1795300000 #chan +ntk key :@001AAAAAA +001AAAAAB %001AAAAAC 001AAAAAD`,
    `:001 SJOIN 1795300000 #q"uote\\ :001AAAAAB`,
    `:001 SJOIN 1795300000 #caf\xc3\xa9 :001AAAAAA`,
    `:001 SJOIN 1795300001 #CAF\xc3\xa9 :001AAAAAB`,
    `:001 SJOIN 1795300000 #bans +b :&a"b!*@* &c\\d!*@* &\x02!*@* ~qaov@001AAAAAA 001AAAAAC`,
    `:001 MODE #chan +b-b+e *!*@evil.example *!*@none ex!*@*`,
    `:001 SJOIN 1795300000 #one :&q"x!*@* 001AAAAAB`, // a list of one entry that needs escaping
    `:001 SJOIN 1795300000 #two :&b\\s!*@* 001AAAAAB`,
    `TOPIC #chan "set\\by" 1795300002 :topic with "quotes" and \\`,
    `:001 MLOCK 1795300000 #chan :nt`,
    `:001 MD client 001AAAAAA certfp :ab"cd`,
    `:001 MD member #chan:001AAAAAA key :v"1`,
    `:001 MD membership 001AAAAAB:#chan key2 :v\\2`,
    `:001 MD channel #chan topic-history :x`,
    `:001 SWHOIS 001AAAAAA + tag 10 :is "special"`,
    `:001AAAAAB AWAY :gone "fishing" \\`,
    `:hub.test TKL + G * 192.0.2.9 a!"a"@a 0 1795300000 :reason "q" \\`,
    `:hub.test TKL + E ~account:* * a!a@a 0 1795300000 Gk :exempt`,
    `:hub.test TKL + F cp d a!a@a 0 1795300000 86400 no_"reason" simple :bad "word"`,
  ];
}

describe('state digest', () => {
  it('equals sha256 of the canonical JSON on a state with every kind of field and escape', () => {
    const e = engine(oddLines());
    assert.ok(e.net.usersByUid.size >= 4 && e.net.channels.size >= 3, `the lines built a network: ${e.net.usersByUid.size} users, ${e.net.channels.size} channels`);
    assert.equal(stateDigest(e.net, e.tkl, NOW), reference(e, NOW));
    assert.equal(stateDigest(e.net, e.tkl), reference(e)); // every ban, live or not
    assert.equal(stateDigest(e.net), createHash('sha256').update(JSON.stringify(canonicalState(e.net)), 'latin1').digest('hex'));
  });

  it('equals it on every shared UnrealIRCd capture', () => {
    const dir = join(import.meta.dirname, '../../fixtures/unreal6');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.txt')).sort()) {
      let seen: { e: Engine; now: number } | null = null;
      const res = replayCapture(readFileSync(join(dir, f)), { onEngine: (e, now) => { seen = { e, now }; } });
      const s = seen as { e: Engine; now: number } | null;
      if (!s) continue;
      assert.equal(res.digest, reference(s.e, s.now), f);
    }
  });

  it('equals it on a generated burst (tags, MD, TKLs, many members per channel)', () => {
    const text = generateBurst({ users: 3000, channels: 400, tkl: 200, servers: 4, seed: 7 }).join('\n') + '\n';
    let seen: { e: Engine; now: number } | null = null;
    const res = replayCapture(Buffer.from(text, 'latin1'), { onEngine: (e, now) => { seen = { e, now }; } });
    const s = seen as { e: Engine; now: number } | null;
    assert.ok(s && s.e.net.usersByUid.size === 3000);
    assert.equal(res.digest, reference(s.e, s.now));
  });

  it('equals it with UIDs of other forms (sorted as strings, not as base-36 numbers)', () => {
    const lines = [uid('n1', '001AAAAAB'), uid('n2', '001AAAAA'), uid('n3', '001AAAAAAA'), uid('n4', '001aaaaaa'), uid('n5', '001AAAAA0'),
      ':001 SJOIN 1795300000 #mixed :001AAAAAB 001AAAAA 001AAAAAAA 001aaaaaa 001AAAAA0'];
    const e = engine(lines);
    assert.equal(stateDigest(e.net, e.tkl, NOW), reference(e, NOW));
  });

  it('orders users the same by the packed native sort and by the radix sort (keys below 36^9, ties by position)', () => {
    const { packedOrder, radixOrder } = orderingsForTests;
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    for (const n of [1, 2, 33, 5000, 131072]) {
      const keys = new Float64Array(n);
      // Random keys over the whole range, and some repeated ones (ties keep their positions' order).
      for (let i = 0; i < n; i++) keys[i] = i % 7 === 3 ? keys[i >> 1] : Math.floor(rnd() * 36 ** 9);
      keys[0] = 36 ** 9 - 1;
      const a = packedOrder(keys, n), b = radixOrder(keys, n);
      assert.equal(a.length, n);
      assert.equal(a.findIndex((x, i) => x !== b[i]), -1, `n=${n}: the first position where they differ`);
    }
  });

  it('does not depend on the order the network was built in', () => {
    const lines = oddLines();
    const users = lines.filter((l) => / UID /.test(l));
    const rest = lines.filter((l) => !/ UID /.test(l));
    const a = engine(lines);
    // The same network, its users and channels introduced the other way round.
    const b = engine([...users.reverse(), ...rest.slice(0, 2).reverse(), ...rest.slice(2)]);
    assert.equal(stateDigest(a.net, a.tkl, NOW), stateDigest(b.net, b.tkl, NOW));
    assert.deepEqual(canonicalState(a.net, a.tkl, NOW), canonicalState(b.net, b.tkl, NOW));
  });

  it('orders channels whose names lowercase alike by their names, not by when they were made', () => {
    // Byte strings: "#\xc0" and "#\xe0" are two channels (casemapping folds ASCII only), which
    // toLowerCase() makes equal; the engine refuses them today (not UTF-8), the model holds them.
    const build = (names: string[]) => {
      const e = engine([uid('m', '001AAAAAM')]);
      const u = e.net.user('001AAAAAM')!;
      for (const n of names) e.net.join(u, e.net.createChannel(n, 1795300000));
      return e;
    };
    const a = build(['#\xc0', '#\xe0']), b = build(['#\xe0', '#\xc0']);
    assert.equal(a.net.channels.size, 2);
    assert.equal(stateDigest(a.net), stateDigest(b.net));
    assert.equal(stateDigest(a.net), reference(a));
  });
});
