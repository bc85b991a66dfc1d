// The engine's observer seam (EngineOptions.observer, Engine.setObserver()): what the local
// clients' router learns of the network, and that an idle or missing observer costs nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hub, linkLeaf, uid, logs, TEST_TIMEOUT } from './harness.ts';
import type { AfterObserved, EngineObserver } from '../../src/s2s/engine.ts';
import type { Link } from '../../src/s2s/link.ts';
import type { Message } from '../../src/wire/message.ts';
import type { Server } from '../../src/state/model.ts';

/** An observer that records what it is told; `seen` gets "before"/"after" entries in order. */
function recorder(o: { active?: boolean; commands?: string[]; throwIn?: 'line' | 'after' } = {}) {
  const seen: string[] = [];
  const obs: EngineObserver & { active: boolean; seen: string[] } = {
    active: o.active ?? true,
    commands: new Set(o.commands ?? ['SJOIN', 'UID']),
    seen,
    line(link: Link | null, msg: Message, rawTags: string | null): AfterObserved {
      if (o.throwIn === 'line') throw new Error('observer bug');
      seen.push(`line ${link?.id ?? 'local'} ${msg.command} ${msg.params[0] ?? ''}${rawTags ? ' @' + rawTags : ''}`);
      return () => {
        if (o.throwIn === 'after') throw new Error('observer bug after');
        seen.push(`after ${msg.command}`);
      };
    },
    split(server: Server, reason: string): AfterObserved {
      seen.push(`split ${server.name} (${server.users.size} users) ${reason}`);
      return () => { seen.push(`after split ${server.name}`); };
    },
  };
  return obs;
}

test('an active observer sees each linked line parsed before it is handled, and its after() once the state has changed', { timeout: TEST_TIMEOUT }, () => {
  const e = hub();
  const obs = recorder();
  let userThere: boolean[] = [];
  const line = obs.line.bind(obs);
  obs.line = (link, msg, tags) => {
    const after = line(link, msg, tags);
    if (msg.command !== 'UID') return after;
    userThere.push(e.net.usersByUid.has('0AAAAAAAB'));
    return () => { userThere.push(e.net.usersByUid.has('0AAAAAAAB')); after?.(); };
  };
  e.setObserver(obs);
  linkLeaf(e, { burst: [uid('0AA', 'bob', 1795305700, '0AAAAAAAB'), '@msgid=x1 :0AA SJOIN 1795305000 #c :0AAAAAAAB'] });
  // The handshake (PASS, PROTOCTL, SERVER) is not the network's business; the burst lines are,
  // the fast-path ones (UID, SJOIN) among them.
  assert.deepEqual(obs.seen, ['line leaf UID bob', 'after UID', 'line leaf SJOIN 1795305000 @msgid=x1', 'after SJOIN', 'line leaf EOS ', 'after EOS']);
  assert.deepEqual(userThere, [false, true]);
  obs.seen.length = 0;
  // Lines of local origin (our users' own) are shown the same way.
  e.local(`:${e.me.sid} MODE #c +m`);
  assert.deepEqual(obs.seen, ['line local MODE #c', 'after MODE']);
  assert.ok(e.net.channel('#c')!.modes.has('m'));
});

test('an inactive or absent observer is never called, and the fast paths stay on', { timeout: TEST_TIMEOUT }, () => {
  const e = hub();
  const obs = recorder({ active: false });
  e.setObserver(obs);
  linkLeaf(e, { burst: [uid('0AA', 'bob', 1795305700, '0AAAAAAAB'), ':0AA SJOIN 1795305000 #c :0AAAAAAAB'] });
  e.receive('leaf', ':0AA SQUIT leaf.test :bye');
  e.linkDown('leaf', 'gone');
  assert.deepEqual(obs.seen, []);
  // With the observer active but not watching UID, a UID takes its fast path (from a source the
  // engine has resolved before: the second one): not shown parsed.
  const e2 = hub();
  const obs2 = recorder({ commands: [] });
  e2.setObserver(obs2);
  linkLeaf(e2, { burst: [uid('0AA', 'bob', 1795305700, '0AAAAAAAB'), uid('0AA', 'carol', 1795305700, '0AAAAAAAC')] });
  assert.deepEqual(obs2.seen.filter((l) => l.includes('UID')), ['line leaf UID bob', 'after UID'], obs2.seen.join('\n'));
  assert.ok(e2.net.usersByUid.has('0AAAAAAAC'));
  e2.setObserver(null);
  assert.equal(e2.opts.observer, undefined);
});

test('a netsplit is told once per removed server tree, before the removal, whatever removes it (SQUIT, a lost link)', { timeout: TEST_TIMEOUT }, () => {
  const e = hub();
  const obs = recorder();
  e.setObserver(obs);
  linkLeaf(e, { burst: [uid('0AA', 'bob', 1795305700, '0AAAAAAAB'), ':0AA SID far.test 2 0AB :Far', uid('0AB', 'erin', 1795305701, '0ABAAAAAE')] });
  obs.seen.length = 0;
  e.receive('leaf', ':0AA SQUIT far.test :gone');
  assert.deepEqual(obs.seen, ['line leaf SQUIT far.test', 'split far.test (1 users) gone', 'after split far.test', 'after SQUIT']);
  obs.seen.length = 0;
  e.linkDown('leaf', 'Connection closed');
  assert.deepEqual(obs.seen, ['split leaf.test (1 users) Connection closed', 'after split leaf.test']);
  assert.equal(e.net.usersByUid.size, 0);
});

test('an observer that throws is logged (OBSERVER_EXCEPTION) and the line is still handled; the link stays up', { timeout: TEST_TIMEOUT }, () => {
  for (const where of ['line', 'after'] as const) {
    const e = hub();
    e.setObserver(recorder({ throwIn: where }));
    linkLeaf(e, {});
    e.receive('leaf', uid('0AA', 'bob', 1795305700, '0AAAAAAAB'));
    const eff = e.drain();
    assert.ok(e.net.usersByUid.has('0AAAAAAAB'), where);
    assert.equal(e.links.get('leaf')?.phase, 'linked', where);
    assert.equal(logs(eff, 'OBSERVER_EXCEPTION').length, 1, where);
    assert.equal(logs(eff, 'ENGINE_EXCEPTION').length, 0, where);
  }
});
