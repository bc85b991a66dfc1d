/**
 * The systemd unit in contrib/ (issue 16 item 6) passes `systemd-analyze verify` with nothing to
 * say (systemd reports bad values on stderr and still exits 0, so any output fails the test). The
 * unit's /usr/local/bin/tslink is pointed at this checkout's bin/tslink.js for the check.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

function verify(path: string): void {
  const r = spawnSync(ANALYZE!, ['verify', path], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', `systemd-analyze verify said:\n${r.stderr}`);
}

describe('contrib/tslink.service', () => {
  it('systemd-analyze verify accepts it without a warning', { skip: ANALYZE ? false : 'systemd-analyze is not installed (Debian package systemd)', timeout: 30_000 }, () => {
    const unit = readFileSync(join(ROOT, 'contrib/tslink.service'), 'utf8');
    for (const k of ['ExecReload=/bin/kill -HUP $MAINPID', 'User=tslink', 'StateDirectory=tslink', 'ProtectSystem=strict', 'NoNewPrivileges=yes']) assert.ok(unit.includes(k), k);
    const dir = mkdtempSync(join(tmpdir(), 'tslink-unit-'));
    try {
      const path = join(dir, 'tslink.service');
      writeFileSync(path, unit.replaceAll('/usr/local/bin/tslink', join(ROOT, 'bin/tslink.js')));
      verify(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with its jemalloc lines uncommented (the mitigation for memory after an attack) it is still accepted', { skip: ANALYZE ? false : 'systemd-analyze is not installed (Debian package systemd)', timeout: 30_000 }, () => {
    const unit = readFileSync(join(ROOT, 'contrib/tslink.service'), 'utf8');
    const commented = unit.split('\n').filter((l) => /^#Environment=(LD_PRELOAD|MALLOC_CONF)=/.test(l));
    assert.equal(commented.length, 2, 'the two jemalloc lines, commented out');
    const dir = mkdtempSync(join(tmpdir(), 'tslink-unit-'));
    try {
      const path = join(dir, 'tslink.service');
      writeFileSync(path, unit.replaceAll('/usr/local/bin/tslink', join(ROOT, 'bin/tslink.js')).replace(/^#(Environment=(?:LD_PRELOAD|MALLOC_CONF)=)/gm, '$1'));
      assert.match(readFileSync(path, 'utf8'), /^Environment=LD_PRELOAD=\S+libjemalloc\.so\.2$/m);
      verify(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
