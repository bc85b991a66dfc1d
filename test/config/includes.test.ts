import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigFile, parseConfigText } from '../../src/config/index.ts';

const ME = 'me { name "leaf.test"; info "x"; sid "0AB"; }\n';
const SET = 'set { network-name "T"; }\n';

let dir: string;

function write(relative: string, text: string): string {
  const file = path.join(dir, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tslink-config-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('config includes', () => {
  it('includes files relative to the including file, recursively', () => {
    write('inc/main.conf', `${SET}include "parts/me.conf";\nulines { a.test; }\n`);
    write('inc/parts/me.conf', `${ME}include "more/ulines.conf";\n`);
    write('inc/parts/more/ulines.conf', 'ulines { b.test; }\n');
    const result = loadConfigFile(path.join(dir, 'inc/main.conf'));
    assert.deepEqual(result.errors, []);
    assert.equal(result.config?.me.name, 'leaf.test');
    assert.equal(result.config?.me.pos.file, path.join(dir, 'inc/parts/me.conf'));
    assert.deepEqual(result.config?.ulines, ['b.test', 'a.test']);
  });

  it('names the included file and line in errors found inside it', () => {
    write('errs/main.conf', `${ME}${SET}include "bad.conf";\n`);
    write('errs/bad.conf', '\n\nlisten { ip 127.0.0.1; port 99999; options { tls; } }\n');
    const main = path.join(dir, 'errs/main.conf');
    const result = loadConfigFile(main);
    assert.deepEqual(
      result.errors.map((e) => e.text),
      [`${path.join(dir, 'errs/bad.conf')}:3: listen: "port" must be an integer 1..65535`],
    );
  });

  it('keeps labels relative when the main file was given relative to the cwd', () => {
    write('rel/main.conf', `${ME}${SET}include "sub/x.conf";\n`);
    write('rel/sub/x.conf', 'link;\n');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const result = loadConfigFile('rel/main.conf');
      assert.deepEqual(
        result.errors.map((e) => e.text),
        [`${path.join('rel', 'sub', 'x.conf')}:1: "link" must be a block: link <name> { ... }`],
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it('detects an include loop between two files and reports where it closes', () => {
    write('loop/a.conf', `${ME}include "b.conf";\n`);
    write('loop/b.conf', '\ninclude "a.conf";\n');
    const result = loadConfigFile(path.join(dir, 'loop/a.conf'));
    assert.equal(result.config, undefined);
    assert.equal(result.errors.length, 1);
    const [error] = result.errors;
    assert.equal(error.file, path.join(dir, 'loop/b.conf'));
    assert.equal(error.line, 2);
    assert.match(error.message, /^include loop: "a\.conf" is already being included \(a\.conf → b\.conf → a\.conf\)$/);
  });

  it('detects a file including itself, also through a symlink', () => {
    write('self/a.conf', `${ME}include "a.conf";\n`);
    const direct = loadConfigFile(path.join(dir, 'self/a.conf'));
    assert.match(direct.errors[0].text, /a\.conf:2: include loop/);

    write('self/b.conf', 'include "link-to-b.conf";\n');
    symlinkSync(path.join(dir, 'self/b.conf'), path.join(dir, 'self/link-to-b.conf'));
    const viaLink = loadConfigFile(path.join(dir, 'self/b.conf'));
    assert.match(viaLink.errors[0].message, /^include loop/);
  });

  it('allows the same file to be included twice when that is not a loop', () => {
    write('twice/main.conf', `${ME}${SET}include "u.conf";\ninclude "u.conf";\n`);
    write('twice/u.conf', 'ulines { u.test; }\n');
    const result = loadConfigFile(path.join(dir, 'twice/main.conf'));
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.warnings.map((w) => w.message), ['"u.test" is listed twice']);
  });

  it('reports a missing include file at the include line', () => {
    const main = write('missing/main.conf', `${ME}\ninclude "nope.conf";\n`);
    const result = loadConfigFile(main);
    assert.deepEqual(
      result.errors.map((e) => e.text),
      [`${main}:3: cannot read include file "nope.conf": ENOENT (no such file)`],
    );
  });

  it('reports include without a file name', () => {
    const result = parseConfigText(`${ME}include;\n`, 'x.conf');
    assert.deepEqual(
      result.errors.map((e) => e.text),
      ['x.conf:2: include needs a file name and nothing else: include "file.conf";'],
    );
  });

  it('resolves includes of in-memory text against the current directory', () => {
    write('cwd/extra.conf', 'ulines { c.test; }\n');
    const cwd = process.cwd();
    process.chdir(path.join(dir, 'cwd'));
    try {
      const result = parseConfigText(`${ME}${SET}include "extra.conf";\n`);
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.config?.ulines, ['c.test']);
    } finally {
      process.chdir(cwd);
    }
  });

  it('reports an unreadable main file at line 0 with "file: message" text', () => {
    const missing = path.join(dir, 'does-not-exist.conf');
    const result = loadConfigFile(missing);
    assert.equal(result.config, undefined);
    assert.deepEqual(result.errors, [
      {
        file: missing,
        line: 0,
        message: 'cannot read the configuration file: ENOENT (no such file)',
        text: `${missing}: cannot read the configuration file: ENOENT (no such file)`,
      },
    ]);
  });
});
