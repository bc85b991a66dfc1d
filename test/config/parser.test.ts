import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigSyntax, parseConfigText } from '../../src/config/index.ts';

function parseOk(text: string) {
  const result = parseConfigSyntax(text, 't.conf');
  assert.deepEqual(result.errors, [], 'unexpected syntax errors');
  return result.nodes;
}

function syntaxErrors(text: string) {
  return parseConfigSyntax(text, 't.conf').errors.map((e) => `${e.pos.file}:${e.pos.line}: ${e.message}`);
}

describe('config parser: structure', () => {
  it('parses items, values, flags and arbitrarily nested blocks with positions', () => {
    const nodes = parseOk(['a {', '  b 1;', '  c {', '    d { e; };', '  }', '};', 'f "g h";'].join('\n'));
    assert.equal(nodes.length, 2);
    const [a, f] = nodes;
    assert.equal(a.name, 'a');
    assert.equal(a.value, undefined);
    assert.deepEqual(a.pos, { file: 't.conf', line: 1 });
    assert.deepEqual(a.children?.[0], { name: 'b', value: '1', pos: { file: 't.conf', line: 2 } });
    const c = a.children?.[1];
    assert.equal(c?.pos.line, 3);
    const d = c?.children?.[0];
    assert.equal(d?.name, 'd');
    assert.deepEqual(d?.children, [{ name: 'e', pos: { file: 't.conf', line: 4 } }]);
    assert.deepEqual(f, { name: 'f', value: 'g h', pos: { file: 't.conf', line: 7 } });
  });

  it('accepts a block value (name value { ... }) and an empty block', () => {
    const [link, empty] = parseOk('link hub.test { class servers; }\nempty { }');
    assert.equal(link.value, 'hub.test');
    assert.equal(link.children?.[0].value, 'servers');
    assert.deepEqual(empty.children, []);
  });

  it('makes the semicolon after } optional, and ignores stray semicolons', () => {
    const nodes = parseOk('listen { options { tls; serversonly; } } ; ; x { y; };;');
    assert.deepEqual(
      nodes.map((n) => n.name),
      ['listen', 'x'],
    );
    assert.deepEqual(
      nodes[0].children?.[0].children?.map((n) => n.name),
      ['tls', 'serversonly'],
    );
  });

  it('parses the shared UnrealIRCd services fragment', () => {
    const text = [
      'listen { ip 127.0.0.1; port 7000; options { serversonly; } }        /* plaintext server port */',
      'link services.test {',
      '\tincoming { mask 127.0.0.1; }',
      '\tpassword "servpass";',
      '}',
      'ulines { services.test; }',
    ].join('\n');
    const nodes = parseOk(text);
    assert.deepEqual(
      nodes.map((n) => [n.name, n.value, n.pos.line]),
      [
        ['listen', undefined, 1],
        ['link', 'services.test', 2],
        ['ulines', undefined, 6],
      ],
    );
  });
});

describe('config parser: comments and quoting', () => {
  it('skips //, # and /* */ comments, keeping line numbers', () => {
    const text = ['// line comment', '# hash comment', '/* block', '   comment */ a 1; /* inline */ b 2; // tail', 'c 3; # tail'].join('\n');
    const nodes = parseOk(text);
    assert.deepEqual(
      nodes.map((n) => [n.name, n.value, n.pos.line]),
      [
        ['a', '1', 4],
        ['b', '2', 4],
        ['c', '3', 5],
      ],
    );
  });

  it('does not treat comment markers inside quoted strings or inside words as comments', () => {
    const nodes = parseOk('url "http://x/#y /* z */"; path /a//b; tag a#b;');
    assert.deepEqual(
      nodes.map((n) => n.value),
      ['http://x/#y /* z */', '/a//b', 'a#b'],
    );
  });

  it('unescapes \\" and \\\\ in quoted strings and keeps other backslashes', () => {
    const [node] = parseOk(String.raw`s "say \"hi\" C:\\dir \n";`);
    assert.equal(node.value, String.raw`say "hi" C:\dir \n`);
  });

  it('accepts quoted names, and values with braces or semicolons inside quotes', () => {
    const [a, b] = parseOk('"quoted name" "v;{}";\nulines { "services.test"; }');
    assert.equal(a.name, 'quoted name');
    assert.equal(a.value, 'v;{}');
    assert.equal(b.children?.[0].name, 'services.test');
  });
});

describe('config parser: errors', () => {
  it('reports an unterminated string at its line', () => {
    assert.deepEqual(syntaxErrors('a 1;\nb "oops;\nc 2;'), [`t.conf:2: unterminated string: missing closing '"' on this line`]);
  });

  it('reports a missing semicolon after an item (before another item, a } or the end)', () => {
    assert.deepEqual(syntaxErrors('a 1\nb 2;'), [`t.conf:1: missing ';' after the "a" item`]);
    assert.deepEqual(syntaxErrors('x {\n  tls\n}'), [`t.conf:2: missing ';' after the "tls" item`]);
    assert.deepEqual(syntaxErrors('a 1'), [`t.conf:1: missing ';' after the "a" item`]);
  });

  it('reports an unexpected } at top level', () => {
    assert.deepEqual(syntaxErrors('a 1;\n}\nb 2;'), [`t.conf:2: unexpected '}': no block is open here`]);
  });

  it('reports a { without a name', () => {
    assert.deepEqual(syntaxErrors('{ a; }'), [`t.conf:1: unexpected '{': a block needs a name, like: name { ... };`]);
  });

  it('reports a block that is never closed, at the line that opened it', () => {
    assert.deepEqual(syntaxErrors('a {\n  b {\n    c;\n  }\n'), [`t.conf:1: block "a" is never closed: missing '}' before the end of the file`]);
  });

  it('reports an unterminated /* comment', () => {
    assert.deepEqual(syntaxErrors('a 1;\n/* never\nends'), [`t.conf:2: unterminated comment: "/*" without "*/"`]);
  });

  it('limits nesting depth instead of overflowing the stack', () => {
    const deep = 'a { '.repeat(5000) + '} '.repeat(5000);
    const errors = syntaxErrors(deep);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /nested too deeply/);
  });

  it('surfaces syntax errors through parseConfigText with file:line text', () => {
    const result = parseConfigText('me { name "a.b" }\n', 'link.conf');
    assert.equal(result.config, undefined);
    assert.deepEqual(
      result.errors.map((e) => e.text),
      [`link.conf:1: missing ';' after the "name" item`],
    );
    assert.equal(result.errors[0].file, 'link.conf');
    assert.equal(result.errors[0].line, 1);
  });
});
