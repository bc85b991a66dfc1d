/**
 * Issue 12 item 14: a name from the configuration text is never looked up on
 * a plain object's prototype chain. Names of Object.prototype members, used
 * as item names, password types, class names, set items, block names and
 * values, behave like any other unknown or user-chosen name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText, type ConfigResult } from '../../src/config/index.ts';
import { parseDuration, parseSize, parseYesNo } from '../../src/config/units.ts';

const ME = 'me { name "leaf.test"; info "x"; sid "0AB"; }';
const SET = 'set { network-name "T"; }';
const VERIFY = 'verify { spkifp "9ac71+1dyBIPmKoe2sSVsHCjN8i5oX4CIf1AbXeiygs="; }';
const KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', '__defineGetter__', 'toLocaleString'];
/** The keys that are valid class names (letters first). */
const CLASS_KEYS = KEYS.filter((k) => /^[A-Za-z]/.test(k));

function load(body: string): ConfigResult {
  return parseConfigText(`${ME}\n${SET}\n${body}\n`, 'keys.conf');
}

/** No message may show a prototype member (a function's source, [object Object]). */
function assertNoLeak(result: ConfigResult): void {
  for (const m of [...result.errors, ...result.warnings]) {
    assert.doesNotMatch(m.text, /native code|function |\[object |=>|internal error/, m.text);
  }
}

function errors(result: ConfigResult): string[] {
  assertNoLeak(result);
  return result.errors.map((e) => e.text);
}

describe('config names that are Object.prototype members', () => {
  for (const key of KEYS) {
    it(`password "x" { ${key}; } is an unsupported password type (not a verify method)`, () => {
      const result = load(`link a.test {\n\tincoming { mask *; }\n\t${VERIFY}\n\tpassword "x" { ${key}; };\n}`);
      assert.deepEqual(errors(result), [
        'keys.conf:6: link "a.test": password types other than { spkifp; } or { certfp; } are not supported (use a hash or verify { })',
      ]);
    });

    it(`${key} as an item name is an unknown item in every block`, () => {
      const blocks: [string, string][] = [
        [`link a.test { incoming { mask *; } ${VERIFY} ${key} 1; }`, 'link "a.test"'],
        [`link a.test { incoming { mask *; ${key}; } ${VERIFY} }`, 'link "a.test" → incoming'],
        [`link a.test { incoming { mask *; } outgoing { hostname 10.0.0.1; port 1; ${key} x; options { tls; } } ${VERIFY} }`, 'link "a.test" → outgoing'],
        [`link a.test { incoming { mask *; } outgoing { hostname 10.0.0.1; port 1; options { tls; ${key}; } } ${VERIFY} }`, 'link "a.test" → outgoing → options'],
        [`link a.test { incoming { mask *; } verify { spkifp "9ac71+1dyBIPmKoe2sSVsHCjN8i5oX4CIf1AbXeiygs="; ${key} "y"; } }`, 'link "a.test" → verify'],
        [`link a.test { incoming { mask *; } ${VERIFY} options { ${key}; } }`, 'link "a.test" → options'],
        [`listen { ip *; port 1; options { tls; ${key}; } }`, 'listen → options'],
        [`listen { ip *; port 1; options { tls; } tls-options { ${key} "f"; } }`, 'listen → tls-options'],
        [`listen { ip *; port 1; ${key} 2; options { tls; } }`, 'listen'],
        [`class c { ${key} 1; }`, 'class "c"'],
        [`deny link { mask *; rule "connected(x)"; ${key} 1; }`, 'deny link'],
        [`set { server-linking { ${key} 1; } }`, 'set → server-linking'],
        [`set { handshake-limits { ${key} 1; } }`, 'set → handshake-limits'],
      ];
      for (const [body, block] of blocks) {
        const texts = errors(load(body));
        assert.deepEqual(texts, [`keys.conf:3: ${block}: unknown item "${key}"`], body);
      }
      // set::tls ignores what it does not read (UnrealIRCd's own TLS items), with a warning.
      const tls = load(`set { tls { ${key} 1; } }`);
      assert.deepEqual(errors(tls), []);
      assert.deepEqual(tls.warnings.map((w) => w.text), [`keys.conf:3: set → tls: "${key}" is not used by tslink (tslink reads only min-version here); ignored`]);
      // me is parsed before the rest: its own block.
      const me = parseConfigText(`me { name "leaf.test"; info "x"; sid "0AB"; ${key} 1; }\n${SET}\n`, 'keys.conf');
      assert.deepEqual(errors(me), [`keys.conf:1: me: unknown item "${key}"`]);
    });

    it(`${key} as a set item is kept as written; as a top-level block or item it is an unknown block (error); as a deny type it is ignored with a warning`, () => {
      const set = load(`set { ${key} { a; } }`);
      assert.deepEqual(errors(set), []);
      assert.deepEqual(set.config?.set.extra.map((n) => n.name), [key]);
      const top = load(`${key} { }\n${key} 1;\ndeny ${key} { }`);
      const reads = "(tslink reads me, listen, link, class, ulines, set, deny, except, rpc-user, rpc-class, allow, oper, and ignores UnrealIRCd's other blocks)";
      assert.deepEqual(errors(top), [`keys.conf:3: ${key}: unknown block ${reads}`, `keys.conf:4: ${key}: unknown top-level item ${reads}`]);
      assert.deepEqual(top.warnings.map((w) => w.text), [`keys.conf:5: deny ${key} { } is not supported by tslink; ignored`]);
    });

    it(`${key} as a value is judged as a value (unit, yes/no, enum, mask)`, () => {
      assert.deepEqual(errors(load(`class c { pingfreq 1${key}; sendq 2${key}; }`)), [
        'keys.conf:3: class "c": "pingfreq" must be a time like 90, 30s, 5m or 1d2h, between 10s and 1h',
        'keys.conf:3: class "c": "sendq" must be a size like 8192, 64k, 20M or 1G, between 1k and 1G',
      ]);
      assert.equal(parseDuration(`1${key}`), undefined);
      assert.equal(parseSize(`1${key}`), undefined);
      assert.equal(parseYesNo(key), undefined);
      const texts = errors(load(`link a.test { incoming { mask "${key}"; } ${VERIFY} require-hmac ${key}; }\nset { server-linking { autoconnect-strategy ${key}; } tls { min-version ${key}; } }`));
      assert.equal(texts.length, 4, texts.join('\n'));
      assert.match(texts.join('\n'), /"require-hmac" must be yes or no/);
      assert.match(texts.join('\n'), /"autoconnect-strategy" must be sequential, parallel or sequential-fallback/);
      assert.match(texts.join('\n'), /"min-version" must be TLSv1\.2 or TLSv1\.3/);
      assert.match(texts.join('\n'), new RegExp(`mask "${key.replace(/_/g, '_')}": `));
    });
  }

  for (const key of CLASS_KEYS) {
    it(`a class called ${key} is a class like any other`, () => {
      const undefinedRef = load(`link a.test { incoming { mask *; } ${VERIFY} class ${key}; }`);
      assert.deepEqual(errors(undefinedRef), [`keys.conf:3: link "a.test": class "${key}" is not defined (add class ${key} { ... })`]);

      const defined = load(`class ${key} { sendq 1k; }\nlink a.test { incoming { mask *; } ${VERIFY} class ${key}; }`);
      assert.deepEqual(errors(defined), []);
      const config = defined.config!;
      assert.equal(config.links[0].className, key);
      assert.equal(config.classes[key].sendQ, 1024);
      assert.deepEqual(Object.keys(config.classes).sort(), [key, 'servers'].sort());
    });
  }

  it('the classes table holds only the defined classes (no inherited names)', () => {
    const config = load('class a { }').config!;
    for (const key of KEYS) {
      assert.equal((config.classes as Record<string, unknown>)[key], undefined, key);
      assert.equal(key in config.classes, false, key);
    }
    assert.deepEqual(Object.keys(config.classes).sort(), ['a', 'servers']);
  });
});
