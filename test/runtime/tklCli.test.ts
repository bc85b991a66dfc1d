/**
 * `tslink tkl list|add|del|export|import` (issue 15 item 6) on a stopped node's data directory:
 * the same checks as the JSON-RPC methods, UnrealIRCd's ban objects as JSON lines, a removal that
 * leaves a tombstone, writes refused while a node runs there, and a node that starts with the bans.
 */
import { strict as assert } from 'node:assert';
import { describe, it, after } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tklCommand } from '../../src/cli/tklCommand.ts';
import { nodePidFile, runningNodePid } from '../../src/runtime/nodeStore.ts';
import { Harness, freePort } from './helpers.ts';

/** Run `tslink tkl ARGS` in this process; its exit code and what it wrote. */
async function tkl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await tklCommand(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const objects = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const withoutDelta = (l: Record<string, unknown>[]) => l.map(({ set_at_delta: _d, ...rest }) => rest);

describe('tslink tkl: offline tools on a stopped node\'s store', () => {
  const h = new Harness('tslink-tklcli-');
  after(() => h.cleanup());

  it('add (with the API\'s checks), list --json (UnrealIRCd\'s ban objects), del (a tombstone), export and import', async () => {
    const dir = join(h.dir, 'data');
    const d = ['--data-dir', dir];
    assert.equal((await tkl('add', 'gline', '*@Bad.example', '--reason', 'no bad hosts', '--duration', '1d', ...d)).code, 0);
    assert.equal((await tkl('add', 'except', '*@192.0.2.1', '--reason', 'a friend', '--exception-types', 'GZ', ...d)).code, 0);
    assert.equal((await tkl('add', 'qline', 'Bot*', '--reason', 'no bots', ...d)).code, 0);
    assert.equal((await tkl('add', 'spamfilter', '*buy now*', '--match-type', 'simple', '--targets', 'pc', '--action', 'block', '--ban-duration', '1h', '--reason', 'no_spam here', ...d)).code, 0);
    // The API's refusals, word for word.
    const dup = await tkl('add', 'gline', '*@bad.EXAMPLE', '--reason', 'again', ...d);
    assert.deepEqual([dup.code, dup.err.trim()], [1, 'tslink tkl: a ban with that mask exists already']);
    const local = await tkl('add', 'kline', '*@x', '--reason', 'x', ...d);
    assert.match(local.err, /type 'kline' is a ban on one server's own clients, and tslink has none: use gline/);
    assert.equal((await tkl('add', 'gline', 'notamask', '--reason', 'x', ...d)).code, 1);
    assert.equal((await tkl('add', 'frobnicate', 'x', ...d)).code, 2);

    const listed = objects((await tkl('list', '--json', ...d)).out);
    assert.deepEqual(listed.map((o) => [o.type, o.name]), [['gline', '*@Bad.example'], ['except', '*@192.0.2.1'], ['qline', 'Bot*'], ['spamfilter', '*buy now*']]);
    const sf = listed[3];
    assert.deepEqual([sf.spamfilter_targets, sf.ban_action, sf.ban_duration, sf.match_type, sf.reason], ['cp', 'block', 3600, 'simple', 'no_spam here']);
    assert.equal(listed[0].duration_string, '1d');

    const exported = join(h.dir, 'bans.jsonl');
    assert.equal((await tkl('export', '--out', exported, ...d)).code, 0);
    const del = await tkl('del', 'gline', '*@bad.example', '--set-by', 'admin', ...d);
    assert.equal(del.code, 0, del.err);
    assert.match((await tkl('list', ...d)).out, /3 ban\(s\); 1 removal\(s\) remembered\n$/);
    assert.equal((await tkl('del', 'gline', '*@bad.example', ...d)).code, 1);

    // Into another data directory: the same bans, exactly (set-by, times, fields).
    const other = ['--data-dir', join(h.dir, 'other')];
    const imp = await tkl('import', exported, ...other);
    assert.equal(imp.code, 0, imp.err);
    assert.match(imp.out, /4 ban\(s\) read: 4 new, 0 already held/);
    assert.deepEqual(withoutDelta(objects((await tkl('list', '--json', ...other)).out)), withoutDelta(listed));
    assert.match((await tkl('import', exported, ...other)).out, /4 ban\(s\) read: 0 new, 4 already held/);
  });

  it('import: a file with a bad line imports nothing and says which lines', async () => {
    const d = ['--data-dir', join(h.dir, 'bad-import')];
    const file = join(h.dir, 'bad.jsonl');
    writeFileSync(file, [
      JSON.stringify({ type: 'gline', name: '*@ok.example', set_by: 'a', set_at: 1795305700, expire_at: null, reason: 'fine' }),
      'not json',
      JSON.stringify({ type: 'zline', name: '*@192.0.2.1', set_by: 'a', set_at: 1795305700, reason: 'local' }),
      JSON.stringify({ type: 'spamfilter', name: 'x', set_by: 'a', set_at: 1795305700, reason: 'r', match_type: 'simple', spamfilter_targets: 'xyz', ban_action: 'block' }),
      '',
    ].join('\n'));
    const r = await tkl('import', file, ...d);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.jsonl:2: .*JSON/);
    assert.match(r.err, /bad\.jsonl:3: type zline is local to one server/);
    assert.match(r.err, /bad\.jsonl:4: TKL ignored: bad spamfilter targets xyz/);
    assert.match(r.err, /3 bad line\(s\): nothing imported/);
    assert.match((await tkl('list', ...d)).out, /^0 ban\(s\)/);
  });

  it('writes are refused while a node runs on the data directory; the node starts with what was added', async () => {
    const A = h.identity('a.test');
    const spec = { id: A, sid: '0AA', port: await freePort(), links: [], dataDir: join(h.dir, 'node') };
    const d = ['--data-dir', spec.dataDir];
    assert.equal((await tkl('add', 'gzline', '*@198.51.100.0/24', '--reason', 'botnet', ...d)).code, 0);
    const na = await h.startNode(spec);
    assert.deepEqual([...na.node.engine.tkl.values()].map((e) => [e.type, e.host]), [['Z', '198.51.100.0/24']]);
    assert.equal(runningNodePid(nodePidFile(spec.dataDir)), process.pid, 'the running node wrote its pid file');
    await h.stopNode(na);
    assert.equal(runningNodePid(nodePidFile(spec.dataDir)), null, 'the pid file is gone once the node stopped');
    writeFileSync(nodePidFile(spec.dataDir), `${process.ppid}\n`); // a live process that is not us
    const refused = await tkl('add', 'gline', '*@y.example', '--reason', 'y', ...d);
    assert.equal(refused.code, 1);
    assert.match(refused.err, new RegExp(`a node \\(pid ${process.ppid}\\) is running on .*: stop it first`));
    assert.equal((await tkl('list', ...d)).code, 0, 'reading is allowed');
    writeFileSync(nodePidFile(spec.dataDir), '999999999\n'); // left by a node that died: ignored
    assert.equal((await tkl('add', 'gline', '*@y.example', '--reason', 'y', ...d)).code, 0);
  });
});
