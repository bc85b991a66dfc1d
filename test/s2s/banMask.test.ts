// banMask.ts: ban masks in UnrealIRCd's normal form (clean_ban_mask() for a remote source), and
// the list operations on it. Examples worked out from UnrealIRCd 6.1.8.1's source (channel.c,
// misc.c, api-extban.c, extbans/*.c, chanmodes/link.c), and fast-check properties.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EXTBAN_NAMES, addBan, atoi, cleanBanMask, delBan, findBan, normalBan, sameBan, validUtf8 } from '../../src/s2s/banMask.ts';
import { SmallMap } from '../../src/state/smallMap.ts';
import type { Channel, ListEntry, ListMode } from '../../src/state/model.ts';
import { convertParam } from '../../src/s2s/chanmodes.ts';

const n = (m: string, type: ListMode = 'b') => normalBan(m, type);
/** ASCII case changes only (UnrealIRCd's casemapping; JS's toUpperCase would also change bytes over 0x7f). */
const asciiUpper = (s: string) => s.replace(/[a-z]+/g, (x) => x.toUpperCase());
const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (x) => x.toLowerCase());

describe('ban masks in UnrealIRCd\'s normal form', () => {
  it('nick!user@host completion: bar, c!d, e@, *!*@, an address, a host', () => {
    assert.equal(n('bar'), 'bar!*@*');
    assert.equal(n('c!d'), 'c!d@*');
    assert.equal(n('e@'), '*!e@*');
    assert.equal(n('*!*@'), '*!*@*');
    assert.equal(n('@h'), '*!*@h');
    assert.equal(n('!u@h'), '*!u@h');
    assert.equal(n('n!@h'), 'n!*@h');
    assert.equal(n('1.2.3.4'), '*!*@1.2.3.4');
    assert.equal(n('2001:db8::1'), '*!*@2001:db8::1');
    assert.equal(n('a!b@c@d'), 'a!b@c@d', 'the host is after the last @');
    assert.equal(n('a!b!c@d'), 'a!b!c@d', 'the nick ends at the first !');
    assert.equal(n('x@y!z'), 'x@y!z@*', 'the @ before the ! is part of the nick');
    assert.equal(n('*!*@*'), '*!*@*');
  });

  it('length limits: nick 30, user 10, host 63 keep their last characters behind a *, the whole at most 78', () => {
    assert.equal(n('n'.repeat(31) + '!u@h'), '*' + 'n'.repeat(29) + '!u@h');
    assert.equal(n('n!' + 'abcdefghijk' + '@h'), 'n!*cdefghijk@h');
    assert.equal(n('n!u@' + 'h'.repeat(64)), 'n!u@*' + 'h'.repeat(62));
    const long = n('n'.repeat(30) + '!' + 'u'.repeat(10) + '@' + 'h'.repeat(63))!;
    assert.equal(long.length, 78);
    assert.equal(long, 'n'.repeat(30) + '!' + 'u'.repeat(10) + '@' + 'h'.repeat(36));
    assert.equal(n('u'.repeat(11) + '@h'), '*!*' + 'u'.repeat(9) + '@h');
  });

  it('what is refused or cut: leading colons, a space, control bytes, "~x" without @ or :', () => {
    assert.equal(n('::a!b@c'), 'a!b@c');
    assert.equal(n(':'), null);
    assert.equal(n(''), null);
    assert.equal(n('a!b@c d'), 'a!b@c');
    assert.equal(n('a!b\x01@c'), null);
    assert.equal(n('~nomask'), null);
    assert.equal(n('~no@mask'), '*!~no@mask');
    assert.equal(n('\xe9!\xe9@\xe9'), '\xe9!\xe9@\xe9', 'bytes over 0x7f are kept');
  });

  it('extended bans: letters become names, unknown ones are kept as they came', () => {
    assert.equal(n('~t:5:tb!*@*'), '~time:5:tb!*@*');
    assert.equal(n('~time:05:tb'), '~time:5:tb!*@*');
    assert.equal(n('~q:*!*@*.mobile.example.fr'), '~quiet:*!*@*.mobile.example.fr');
    assert.equal(n('~a:goodguy', 'e'), '~account:goodguy');
    assert.equal(n('~j:x'), '~join:x!*@*');
    assert.equal(n('~n:x@y'), '~nickchange:*!x@y');
    assert.equal(n('~p:x'), '~partmsg:x!*@*');
    assert.equal(n('~zz:whatever'), '~zz:whatever');
    assert.equal(n('~Z:whatever'), '~Z:whatever');
    assert.equal(n('~TIME:5:x'), '~TIME:5:x', 'names are case-sensitive: an unknown one');
    assert.equal(n('~a:'), '~a:', 'nothing after the colon: not looked up, kept');
    assert.equal(n('~:x'), '~:x');
  });

  it('extended bans: each extban converts its own parameter (extbans/*.c, chanmodes/link.c)', () => {
    assert.equal(n('~account:' + 'a'.repeat(40)), '~account:' + 'a'.repeat(33));
    assert.equal(n('~A:00123'), '~asn:123');
    assert.equal(n('~asn:12x'), null);
    assert.equal(n('~asn:4294967297'), '~asn:1');
    assert.equal(n('~S:ABCDEF'), '~certfp:abcdef');
    assert.equal(n('~C:nl'), '~country:NL');
    assert.equal(n('~c:#chan'), '~channel:#chan');
    assert.equal(n('~c:@#chan'), '~channel:@#chan');
    assert.equal(n('~c:*chan'), null);
    assert.equal(n('~c:chan'), null);
    assert.equal(n('~i:#chan'), '~inherit:#chan');
    assert.equal(n('~i:chan'), null);
    assert.equal(n('~m:external:x', 'e'), '~msgbypass:external:x!*@*');
    assert.equal(n('~m:bogus:x', 'e'), null);
    assert.equal(n('~F:jm:~a:acct', 'e'), '~flood:jm:~account:acct');
    assert.equal(n('~F:' + 'j'.repeat(17) + ':x', 'e'), null);
    assert.equal(n('~O:admin!x'), '~operclass:admin');
    assert.equal(n('~r:~bot*'), '~realname:?bot*');
    assert.equal(n('~r:' + 'r'.repeat(60)), '~realname:' + 'r'.repeat(50));
    assert.equal(n('~G:!unknown-users'), '~security-group:!unknown-users');
    assert.equal(n('~G:bad.name'), null);
    assert.equal(n('~T:Block:bad'), '~text:block:*bad*');
    assert.equal(n('~T:censor:*bad*'), '~text:censor:*bad*');
    assert.equal(n('~T:censor:b*d'), null);
    assert.equal(n('~T:strip:x'), null);
    assert.equal(n('~T:block:a\x02b'), null);
    assert.equal(n('~f:#other:x'), '~forward:#other:x!*@*');
    assert.equal(n('~f:other:x'), null);
    assert.equal(n('~t:0:x'), null);
    assert.equal(n('~t:10000:x'), null);
    assert.equal(n('~t:9999:~a:acct'), '~time:9999:~account:acct');
    assert.equal(n('~t:5:~zz:acct'), null, 'inside ~time an unknown extban is refused');
    assert.equal(n('~t:5:~t:5:x'), null, 'no ~time inside ~time');
  });

  it('extended bans: one level of stacking, never an action modifier or ~inherit/~text inside another', () => {
    assert.equal(n('~q:~a:acct'), '~quiet:~account:acct');
    assert.equal(n('~q:~r:~x'), '~quiet:~realname:?x');
    assert.equal(n('~q:~q:x'), null);
    assert.equal(n('~q:~j:x'), null);
    assert.equal(n('~q:~T:block:x'), null);
    assert.equal(n('~q:~i:#c'), null);
    assert.equal(n('~q:~zz:x'), '~quiet:~zz:x', 'an unknown stacked extban is kept');
    assert.equal(n('~f:#c:~q:x'), null);
  });

  it('at the length limits UnrealIRCd is not idempotent, and neither is tslink: a stacked ~certfp is cut to 128, then to 126', () => {
    const once = n('~q:~S:' + 'F'.repeat(140))!;
    assert.equal(once, '~quiet:~certfp:' + 'f'.repeat(128));
    assert.equal(n(once), '~quiet:~certfp:' + 'f'.repeat(126));
  });

  it('an ~operclass cut to nothing is kept, but not inside ~time (timedban.c refuses an extban with nothing after its colon): UnrealIRCd\'s own second pass differs', () => {
    assert.equal(n('~O:!x'), '~operclass:');
    assert.equal(n('~operclass:'), '~operclass:');
    assert.equal(n('~t:1:~O:!x'), '~time:1:~operclass:');
    assert.equal(n('~time:1:~operclass:'), null);
  });

  it('~inherit: at most one per +b and +I list and none once there is one on +e (inherit.c defaults); removal is always allowed', () => {
    const ch = { name: '#c', lists: { b: new SmallMap<string, ListEntry>(), e: new SmallMap<string, ListEntry>(), I: new SmallMap<string, ListEntry>() } } as unknown as Channel;
    assert.equal(normalBan('~i:#a', 'b', 'add', ch), '~inherit:#a');
    ch.lists.b.set('~time:5:~inherit:#a', { setBy: 'x', setAt: 1 });
    assert.equal(normalBan('~i:#b', 'b', 'add', ch), null);
    assert.equal(normalBan('~i:#b', 'b', 'del', ch), '~inherit:#b');
    assert.equal(normalBan('~i:#b', 'e', 'add', ch), '~inherit:#b');
    ch.lists.e.set('~inherit:#x', { setBy: 'x', setAt: 1 });
    assert.equal(normalBan('~i:#b', 'e', 'add', ch), null);
  });

  it('list entries: the same entry under ASCII case folding is found, added once, replaced only by an older one, removed', () => {
    const list = new SmallMap<string, ListEntry>();
    assert.equal(addBan(list, '*!*@Host', 'a', 100), 'added');
    assert.equal(findBan(list, '*!*@HOST'), '*!*@Host');
    assert.equal(addBan(list, '*!*@host', 'b', 100), null);
    assert.equal(addBan(list, '*!*@host', 'b', 200), null);
    assert.equal(addBan(list, '*!*@hOST', 'c', 50), 'updated');
    assert.deepEqual([...list], [['*!*@hOST', { setBy: 'c', setAt: 50 }]]);
    assert.equal(sameBan('[a]', '[A]'), true);
    assert.equal(sameBan('[a]', '{a}'), false, 'ASCII casemapping: [ ] are not { }');
    assert.equal(sameBan('\xc9', '\xe9'), false);
    assert.equal(delBan(list, '*!*@HOST'), true);
    assert.equal(list.size, 0);
    assert.equal(delBan(list, '*!*@HOST'), false);
  });

  // ------------------------------------------------------------ properties

  /** Mask-like strings: the parts and separators masks are made of, extban names and letters, long runs. */
  const piece = fc.oneof(
    fc.constantFrom('!', '@', ':', '~', '*', '?', '.', '#', ',', ' ', '\x01', '\xe9', '-', '_', '5', '0'),
    fc.constantFrom(...EXTBAN_NAMES.map((x) => `~${x.letter}:`), ...EXTBAN_NAMES.map((x) => `~${x.name}:`), 'block:', 'censor:', 'external:', '#chan', '@#chan'),
    fc.stringMatching(/^[a-zA-Z0-9]{1,12}$/),
    fc.integer({ min: 1, max: 90 }).map((k) => 'x'.repeat(k)),
  );
  // At most 110 bytes: at the length limits of a stacked extban UnrealIRCd is not idempotent itself (below).
  const maskArb = fc.array(piece, { maxLength: 12 }).map((a) => a.join('').slice(0, 110));
  const typeArb = fc.constantFrom<ListMode>('b', 'e', 'I');

  it('property: the normal form is a fixed point, normal(normal(x)) == normal(x)', () => {
    fc.assert(fc.property(maskArb, typeArb, (m, t) => {
      const a = normalBan(m, t);
      // An empty ~operclass (below) is the one other case where UnrealIRCd is not idempotent.
      if (a !== null && !a.endsWith('~operclass:')) assert.equal(normalBan(a, t), a, JSON.stringify(m));
    }), { numRuns: 20000 });
  });

  it('property: the quick path for a plain nick!user@host gives what clean_ban_mask() gives', () => {
    fc.assert(fc.property(maskArb, typeArb, (m, t) => {
      assert.equal(normalBan(m, t), cleanBanMask(m, { what: 'add', type: t, channel: null }));
    }), { numRuns: 20000 });
  });

  it('property: a mask that is not an extended ban comes out as nick!user@host, non-empty parts, at most 78 bytes, nothing <= 0x20', () => {
    fc.assert(fc.property(maskArb, (m) => {
      const a = normalBan(m, 'b');
      if (a === null || a.startsWith('~')) return;
      assert.ok(a.length <= 78, a);
      assert.match(a, /^[^!]+!.+@.+$/);
      assert.ok(![...a].some((c) => c.charCodeAt(0) <= 32), a);
    }), { numRuns: 20000 });
  });

  it('property: case does not change the normal form of a nick!user@host mask beyond the case itself', () => {
    fc.assert(fc.property(maskArb, (m) => {
      if (m.includes('~')) return;
      const a = normalBan(m, 'b'), b = normalBan(asciiUpper(m), 'b');
      assert.equal(a === null, b === null);
      if (a !== null) assert.ok(sameBan(a, b!), `${a} / ${b}`);
    }), { numRuns: 10000 });
  });

  it('property: adding normal forms to a list keeps one entry per mask under case folding, and removing by any case empties it', () => {
    fc.assert(fc.property(fc.array(fc.tuple(maskArb, fc.boolean()), { maxLength: 30 }), (ops) => {
      const list = new SmallMap<string, ListEntry>();
      const added: string[] = [];
      for (const [m, upper] of ops) {
        const a = normalBan(upper ? asciiUpper(m) : m, 'b');
        if (a === null) continue;
        addBan(list, a, 's', 1);
        added.push(a);
      }
      const keys = [...list.keys()];
      for (let i = 0; i < keys.length; i++) for (let j = i + 1; j < keys.length; j++) assert.ok(!sameBan(keys[i], keys[j]), `${keys[i]} / ${keys[j]}`);
      for (const a of added) assert.notEqual(findBan(list, asciiLower(a)), undefined);
      for (const a of added) delBan(list, asciiLower(a));
      assert.equal(list.size, 0);
    }), { numRuns: 3000 });
  });
});

describe('helpers as C has them', () => {
  it('atoi(): white space, one sign, digits, clamped to 64 bits, taken as a 32-bit int', () => {
    assert.equal(atoi('42'), 42);
    assert.equal(atoi('  -7x'), -7);
    assert.equal(atoi('+5'), 5);
    assert.equal(atoi('x5'), 0);
    assert.equal(atoi('4294967301'), 5);
    assert.equal(atoi('99999999999999999999999'), -1, 'LONG_MAX as an int');
    assert.equal(atoi('2147483648'), -2147483648);
  });

  it('validUtf8(): RFC 3629 on a byte string', () => {
    assert.equal(validUtf8('#caf\xc3\xa9'), true);
    assert.equal(validUtf8('#\xc3'), false);
    assert.equal(validUtf8('#\xc0\xaf'), false, 'overlong');
    assert.equal(validUtf8('#\xed\xa0\x80'), false, 'surrogate');
    assert.equal(validUtf8('#\xf4\x90\x80\x80'), false, 'past U+10FFFF');
    assert.equal(validUtf8('#\xf0\x9f\x98\x80'), true);
  });
});

describe('parameter modes in canonical form (chanmodes.ts convertParam)', () => {
  const ch = { name: '#c', modes: new Set<string>() };
  it('property: the held value of +f, +H, +l, +k is a fixed point (converting it again gives it back)', () => {
    const spec = fc.tuple(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1200 }), fc.constantFrom('c', 'j', 'k', 'm', 'n', 't', 'r', 'x', ''), fc.option(fc.tuple(fc.constantFrom('C', 'R', 'M', 'b', 'd', 'i', 'K', 'N', 'm', 'Z', ''), fc.option(fc.integer({ min: 0, max: 400 }))))), { maxLength: 8 }),
      fc.integer({ min: -5, max: 70000 }),
    ).map(([es, per]) => `[${es.map(([l, t, a]) => `${l}${t}${a ? `#${a[0]}${a[1] ?? ''}` : ''}`).join(',')}]:${per}`);
    fc.assert(fc.property(spec, (p) => {
      const c = convertParam('f', p, ch);
      if (c === null) return;
      assert.equal(convertParam('f', c.stored, ch)?.stored, c.stored, p);
    }), { numRuns: 20000 });
    fc.assert(fc.property(fc.integer({ min: -3, max: 6000 }), fc.oneof(fc.integer({ min: 0, max: 100000 }).map(String), fc.stringMatching(/^[0-9]{0,3}[wdhms]{0,2}[0-9]{0,3}[dhm]?$/)), (l, t) => {
      const c = convertParam('H', `${l}:${t}`, ch);
      if (c === null) return;
      assert.equal(convertParam('H', c.stored, ch)?.stored, c.stored, `${l}:${t}`);
    }), { numRuns: 20000 });
    fc.assert(fc.property(fc.string(), (p) => {
      for (const m of ['l', 'k']) {
        const c = convertParam(m, p, ch);
        if (c !== null) assert.equal(convertParam(m, c.stored, ch)?.stored, c.stored);
      }
    }), { numRuns: 5000 });
  });

  it('+f: the order of the entries does not matter', () => {
    fc.assert(fc.property(fc.shuffledSubarray(['5c#C3', '7j#R', '9k', '3m#M2', '4n', '2t#b', '6r#d9'], { minLength: 1 }), fc.integer({ min: 1, max: 999 }), (es, per) => {
      const a = convertParam('f', `[${es.join(',')}]:${per}`, ch)!.stored;
      const b = convertParam('f', `[${[...es].reverse().join(',')}]:${per}`, ch)!.stored;
      assert.equal(a, b);
    }));
  });

  it('+f quirks kept: a bare "#" reads the minutes after the comma; a period of 32768 or more is written as a signed short', () => {
    assert.deepEqual(convertParam('f', '[5c#,3j]:10', ch), { stored: '[5c#C3,3j]:10', wire: '[5c#C3,3j]:10' });
    assert.deepEqual(convertParam('f', '[5c#]:10', ch), { stored: '[5c]:10', wire: '[5c]:10' });
    assert.deepEqual(convertParam('f', '[5c]:40000', ch), { stored: '[5c]:1', wire: '[5c]:-25536' });
    assert.deepEqual(convertParam('f', '[5c]:65536', ch), { stored: '[5c]:1', wire: '[5c]:0' });
  });

  it('+H: sent as conv_param() writes it, held as put_param() and get_param() leave it', () => {
    assert.deepEqual(convertParam('H', '1:3601s', ch), { stored: '1:1h', wire: '1:60m' });
    assert.deepEqual(convertParam('H', '1:61', ch), { stored: '1:61m', wire: '1:61m' });
    assert.deepEqual(convertParam('H', '1:1h1', ch), { stored: '1:1h', wire: '1:60m' });
    assert.deepEqual(convertParam('H', '7:2w', ch), { stored: '7:14d', wire: '7:14d' });
  });
});
