// Wire codec: examples and a round-trip property (parseLine ∘ serialize = id on valid messages).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  parseLine, commandOf, serialize, escapeTagValue, unescapeTagValue, parseTags, serializeTags,
  bytesToLine, lineToBytes, utf8ToByteString, displayText, splitTagsAndBody, type Message,
} from '../../src/wire/message.ts';
import { LineReader } from '../../src/wire/lineReader.ts';
import { casefold, caseEqual } from '../../src/wire/casemap.ts';
import { BODY_MAX } from '../../src/wire/limits.ts';
import { hub, linkLeaf, feed, uid, T0, local } from '../s2s/harness.ts';

describe('wire codec examples', () => {
  it('parses tags with every escape, a :source, params and a trailing', () => {
    const m = parseLine('@msgid=ab\\:c\\sd\\\\e\\r\\n;+typing=active;flag;vendor.example/k=v :001ABCDEF PRIVMSG #chan :hello  world ');
    assert.deepEqual(m, {
      // \r and \n unescape to nothing: a tag value may end up in a param of a line we write.
      tags: { msgid: 'ab;c d\\e', '+typing': 'active', flag: '', 'vendor.example/k': 'v' },
      source: '001ABCDEF', command: 'PRIVMSG', params: ['#chan', 'hello  world '],
    });
  });

  it('unescapes unknown escapes to the char itself and drops a lone trailing backslash; empty value = no value', () => {
    assert.equal(unescapeTagValue('a\\bc\\'), 'abc');
    assert.deepEqual(parseTags('a=;b;c=x=y'), { a: '', b: '', c: 'x=y' });
    assert.equal(serializeTags({ a: '', b: 'x y;z\\' }), 'a;b=x\\sy\\:z\\\\');
    assert.equal(escapeTagValue('\r\n'), '\\r\\n');
  });

  it('a run of several spaces is one separator (UnrealIRCd emits "+nt  1795305748")', () => {
    assert.deepEqual(parseLine(':001 MODE #newchan1 +nt  1795305748'), { source: '001', command: 'MODE', params: ['#newchan1', '+nt', '1795305748'] });
    assert.deepEqual(parseLine('   :001    SJOIN   1795305735 #lobby   :@001GXG705 ')?.params, ['1795305735', '#lobby', '@001GXG705 ']);
    assert.deepEqual(parseLine('PING x   ')?.params, ['x']);
  });

  it('commands are upper-cased; numerics stay; no prefix means no source', () => {
    assert.deepEqual(parseLine('privmsg a :b'), { command: 'PRIVMSG', params: ['a', 'b'] });
    assert.deepEqual(parseLine(':hub.test 461 leaf.test UID :Not enough parameters')?.command, '461');
  });

  it('commandOf() gives the command parseLine() gives, for any line (replay scans look with it)', () => {
    const part = fc.constantFrom('@a=b', '@', ':src', ':', 'PASS', 'pass', 'Protoctl', '461', ' ', '  ', 'x', ':t r', '\r', '\n', '\0', 'é');
    fc.assert(fc.property(fc.array(part, { maxLength: 8 }).map((xs) => xs.join(' ')), fc.string({ maxLength: 20 }), (a, b) => {
      for (const line of [a, b, a + b]) assert.equal(commandOf(line), parseLine(line)?.command ?? '', JSON.stringify(line));
    }), { numRuns: 3000 });
  });

  it('empty lines, tag-only and prefix-only lines parse to null', () => {
    for (const l of ['', '   ', '@a=b', '@a=b ', ':prefix', ':prefix   ', '@a :src']) assert.equal(parseLine(l), null, JSON.stringify(l));
  });

  it('CR, LF and NUL end the line wherever they appear', () => {
    assert.deepEqual(parseLine('PRIVMSG a :one\r\nQUIT :two'), { command: 'PRIVMSG', params: ['a', 'one'] });
    assert.deepEqual(parseLine('PRIVMSG a :x\u0000y'), { command: 'PRIVMSG', params: ['a', 'x'] });
    assert.deepEqual(parseLine('PRIVMSG a\nb'), { command: 'PRIVMSG', params: ['a'] });
    assert.equal(parseLine('\r\nPRIVMSG a b'), null);
  });

  it('non-UTF-8 bytes survive parse → serialize → bytes unchanged', () => {
    const raw = Buffer.from([0x3a, 0x30, 0x30, 0x31, 0x20, 0x50, 0x52, 0x49, 0x56, 0x4d, 0x53, 0x47, 0x20, 0x23, 0x63, 0x20, 0x3a, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x20, 0xe6, 0x97, 0xa5]);
    const line = bytesToLine(raw);
    const m = parseLine(line)!;
    assert.equal(m.params[1], '\u00ff\u00fe\u0080\u00c3( \u00e6\u0097\u00a5');
    assert.deepEqual(lineToBytes(serialize(m)), raw);
    assert.equal(displayText(utf8ToByteString('日本語')), '日本語');
    assert.equal(displayText('\u00ff\u00fe'), '\u00ff\u00fe'); // not UTF-8: shown as is
  });

  it('serialize adds ":" only when the last param needs it; remainder past maxParams is glued', () => {
    assert.equal(serialize({ command: 'PING', params: ['x'] }), 'PING x');
    assert.equal(serialize({ command: 'PRIVMSG', params: ['#c', ''] }), 'PRIVMSG #c :');
    assert.equal(serialize({ command: 'PRIVMSG', params: ['#c', ':)'] }), 'PRIVMSG #c ::)');
    assert.equal(serialize({ source: 'a', tags: { x: 'y z' }, command: 'X', params: ['p q'] }), '@x=y\\sz :a X :p q');
    assert.deepEqual(parseLine('KICK #c a b c d e', 3)?.params, ['#c', 'a', 'b c d e']);
    assert.deepEqual(parseLine('KICK #c a :b c', 3)?.params, ['#c', 'a', 'b c']);
  });

  it('splitTagsAndBody separates the raw tag section', () => {
    assert.deepEqual(splitTagsAndBody('@a=b;c :x Y z'), { tags: 'a=b;c', body: ':x Y z' });
    assert.deepEqual(splitTagsAndBody(':x Y'), { tags: null, body: ':x Y' });
  });

  it('ASCII casemapping: only A-Z fold, []\\^ and bytes >= 0x80 do not', () => {
    assert.equal(casefold('ABC[]\\^\u00c9'), 'abc[]\\^\u00c9');
    assert.ok(caseEqual('Nick', 'nICK'));
    assert.ok(!caseEqual('a[', 'a{'));
  });

  it('LineReader: CR/LF/NUL end lines, empty lines dropped, partial lines buffered, long lines cut at maxLine', () => {
    const r = new LineReader(16);
    assert.deepEqual(r.push(Buffer.from('PING a\r\n\r\nPI')), ['PING a']);
    assert.equal(r.buffered, 2);
    assert.deepEqual(r.push(Buffer.from('NG b\u0000x\ny')), ['PING b', 'x']);
    assert.deepEqual(r.push(Buffer.from('0123456789abcdefEXCESS-DROPPED\nok\n')), ['y0123456789abcde', 'ok']);
    const r2 = new LineReader();
    assert.deepEqual(r2.push(Buffer.from([0x41, 0xff, 0x0a])), ['A\u00ff']);
  });

  it('line length: an incoming body over 510 bytes has each param cut to 510; outgoing lines are cut to 510 without BIGLINES', () => {
    const e = hub();
    local(e, uid('001', 'alice', T0, '001AAAAAA'), ':001 SJOIN 1795305735 #c :001AAAAAA');
    linkLeaf(e, { burst: [uid('0AA', 'leafA', T0, '0AAAAAAA1'), ':0AA SJOIN 1795305735 #c :0AAAAAAA1'] });
    linkLeaf(e, { id: 'leaf2', name: 'leaf2.test', sid: '0AB', burst: [uid('0AB', 'leafB', T0, '0ABAAAAA1'), ':0AB SJOIN 1795305735 #c :0ABAAAAA1'] });
    const text = 'x'.repeat(5000);
    const r = feed(e, 'leaf', `:0AAAAAAA1 PRIVMSG #c :${text}`);
    const out = r.to('leaf2');
    assert.equal(out.length, 1);
    assert.ok(out[0].length <= BODY_MAX, `relayed ${out[0].length} bytes`);
    assert.ok(out[0].startsWith(':leafA PRIVMSG #c :xxx'));
    // 20000 bytes do not drop the link either.
    feed(e, 'leaf', `:0AAAAAAA1 PRIVMSG #c :${'y'.repeat(20000)}`);
    assert.equal(e.links.get('leaf')?.phase, 'linked');
    // MD is a BIGLINES command: not cut when the body is long.
    feed(e, 'leaf', `:0AA MD client 0AAAAAAA1 big :${'z'.repeat(700)}`);
    assert.equal(e.net.user('0AAAAAAA1')!.md.get('big')!.length, 700);
  });
});

// ---------------------------------------------------------------- round-trip property

const byte = (exclude: string) => fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)).filter((c) => !exclude.includes(c));
const bytes = (exclude: string, o: { minLength?: number; maxLength?: number } = {}) => fc.string({ unit: byte(exclude), ...o });

const tagKeyChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'.split(''));
const tagKey = fc.tuple(
  fc.boolean(),
  fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(\.[a-z][a-z0-9-]{0,8}){0,2}$/), { nil: undefined }),
  fc.string({ unit: tagKeyChar, minLength: 1, maxLength: 12 }),
).map(([client, vendor, name]) => `${client ? '+' : ''}${vendor ? vendor + '/' : ''}${name}`);
/** Tag values: any byte but CR, LF and NUL (which no unescaped value holds; ';', ' ', '\\' are escaped). */
const tagValue = bytes('\r\n\0', { maxLength: 20 });
const tags = fc.dictionary(tagKey, tagValue, { minKeys: 1, maxKeys: 5 });

const command = fc.oneof(
  fc.stringMatching(/^[A-Z]{1,12}$/),
  fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, '0')),
);
const source = bytes(' \r\n\0', { minLength: 1, maxLength: 20 });
/** A middle param: non-empty, no space/CR/LF/NUL, not starting with ':'. */
const middle = bytes(' \r\n\0', { minLength: 1, maxLength: 15 }).filter((s) => s[0] !== ':');
/** The last param may be anything without CR/LF/NUL (spaces, ':' first, empty). */
const last = bytes('\r\n\0', { maxLength: 40 });

const message: fc.Arbitrary<Message> = fc.record({
  tags: fc.option(tags, { nil: undefined }),
  source: fc.option(source, { nil: undefined }),
  command,
  middles: fc.array(middle, { maxLength: 14 }),
  last: fc.option(last, { nil: undefined }),
}).map(({ tags, source, command, middles, last }) => {
  const m: Message = { command, params: last === undefined ? middles : [...middles, last] };
  if (tags) m.tags = { ...tags }; // fc.dictionary objects have a null prototype
  if (source !== undefined) m.source = source;
  return m;
});

describe('wire codec property', () => {
  it('parseLine(serialize(m)) deep-equals m for every valid message', () => {
    fc.assert(fc.property(message, (m) => {
      const line = serialize(m);
      assert.deepEqual(parseLine(line), m);
      // The byte string maps 1:1 onto bytes.
      assert.equal(bytesToLine(lineToBytes(line)), line);
    }), { numRuns: 1000 });
  });

  it('escapeTagValue/unescapeTagValue round-trip any value without CR, LF, NUL; those are dropped', () => {
    fc.assert(fc.property(bytes('', { maxLength: 30 }), (v) => {
      const esc = escapeTagValue(v);
      assert.ok(!/[ ;\r\n]/.test(esc));
      assert.equal(unescapeTagValue(esc), v.replace(/[\r\n\0]/g, ''));
    }), { numRuns: 500 });
  });

  it('no tag section unescapes to a value holding CR, LF or NUL (issue 12 item 1)', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('\\', 'r', 'n', '0', 's', ':', 'a', '\r', '\n', '\0', '=', ';'), maxLength: 40 }), (section) => {
      for (const v of Object.values(parseTags(section))) assert.doesNotMatch(v, /[\r\n\0]/);
      assert.doesNotMatch(unescapeTagValue(section), /[\r\n\0]/);
    }), { numRuns: 1000 });
  });
});
