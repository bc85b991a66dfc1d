// admin { } and files { motd } as UnrealIRCd configures them (conf.c _conf_admin, _conf_files):
// the lines of ADMIN and the MOTD file, read into the client configuration.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, parseConfigText } from '../../src/config/index.ts';
import { clientConfigFrom, motdOf } from '../../src/runtime/clientAdmission.ts';

const ME = 'me { name "leaf.test"; info "x"; sid "0AB"; }';

describe('config: admin { } and files { motd }', () => {
  it('admin lines and a MOTD file (relative to the config file) reach the client configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tslink-motd-'));
    try {
      writeFileSync(join(dir, 'ircd.motd'), 'Welcome\r\nto the net\nbye\0hidden\n');
      writeFileSync(join(dir, 'tslink.conf'), `${ME}\nadmin { "Bob Smith"; "bob@example.net"; }\nfiles { motd "ircd.motd"; rules "ircd.rules"; }\n`);
      const r = loadConfigFile(join(dir, 'tslink.conf'));
      assert.deepEqual(r.errors.map((e) => e.text), []);
      assert.ok(r.warnings.some((w) => w.line === 3 && w.text.endsWith('files::rules ignored: tslink reads only files::motd')), r.warnings.map((w) => w.text).join('\n'));
      const cc = clientConfigFrom(r.config!);
      assert.deepEqual(cc.admin, ['Bob Smith', 'bob@example.net']);
      // CR LF, LF and NUL each end a line: nothing past them reaches a client inside a line.
      assert.deepEqual(cc.motd, ['Welcome', 'to the net', 'bye', 'hidden', '']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no block: 422/423 (null); a MOTD file that cannot be read is none; an admin entry with a value is an error', () => {
    const none = parseConfigText(`${ME}\n`, '/nonexistent/tslink.conf');
    assert.equal(clientConfigFrom(none.config!).motd, null);
    assert.equal(clientConfigFrom(none.config!).admin, null);
    const missing = parseConfigText(`${ME}\nfiles { motd "/nonexistent/ircd.motd"; }\n`, '/nonexistent/tslink.conf');
    assert.equal(motdOf(missing.config!), null);
    const bad = parseConfigText(`${ME}\nadmin { name "Bob"; }\n`, 'x.conf');
    assert.match(bad.errors.map((e) => `${e.line}: ${e.text}`).join('\n'), /^2: .*each entry is one line of text/);
  });
});
