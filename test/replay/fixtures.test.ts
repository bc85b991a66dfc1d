// Every real UnrealIRCd 6 capture replays with zero errors, and the resulting network
// matches the independently derived expected state (fixtures/expected/unreal6.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { replayCapture } from '../../src/replay/offline.ts';

const dir = join(import.meta.dirname, '../../fixtures/unreal6');
const expected = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/expected/unreal6.json'), 'utf8')) as Record<string, {
  servers: number; users: number; channels: number; memberships: number; tkl: Record<string, number>; md: number;
}>;

const files = readdirSync(dir).filter((f) => f.endsWith('.txt') && f !== 'client-view.txt').sort();

test('every shared capture has an expected state', () => {
  assert.deepEqual(files, Object.keys(expected).sort());
});

for (const f of files) {
  test(`replay ${f}: no errors and the network the capture shows`, () => {
    const res = replayCapture(readFileSync(join(dir, f)));
    assert.deepEqual(res.errors, []);
    const want = expected[f];
    assert.deepEqual(
      { servers: res.servers, users: res.users, channels: res.channels, memberships: res.memberships, tkl: res.tkl, md: res.md },
      { servers: want.servers, users: want.users, channels: want.channels, memberships: want.memberships, tkl: sortKeys(want.tkl), md: want.md },
    );
    assert.match(res.digest, /^[0-9a-f]{64}$/);
  });
}

test('replay is deterministic: same file, same digest', () => {
  const buf = readFileSync(join(dir, 'burst-and-live.txt'));
  assert.equal(replayCapture(buf).digest, replayCapture(buf).digest);
});

test('--until stops early: fewer users before the leaf burst', () => {
  const buf = readFileSync(join(dir, 'burst-and-live.txt'));
  const early = replayCapture(buf, { untilLine: 30 });
  const full = replayCapture(buf);
  assert.ok(early.users < full.users, `${early.users} < ${full.users}`);
});

function sortKeys(o: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

// Per-channel detail (TS, modes with parameters, members with prefixes, b/e/I lists).
const detail = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/expected/unreal6-detail.json'), 'utf8')) as Record<string, {
  channels?: Record<string, { ts: number; modes: string; members: string[]; bans: string[]; excepts: string[]; invex: string[] }>;
}>;

const NAMES_PREFIX: [string, string][] = [['q', '~'], ['a', '&'], ['o', '@'], ['h', '%'], ['v', '+']];

for (const f of files) {
  const want = detail[f]?.channels;
  if (!want) continue;
  test(`replay ${f}: channel TS, modes, members and lists match`, async () => {
    const { channelModeString } = await import('../../src/s2s/channelWire.ts');
    const { displayText } = await import('../../src/wire/message.ts');
    const got: Record<string, unknown> = {};
    replayCapture(readFileSync(join(dir, f)), {
      onEngine(e) {
        for (const ch of e.net.channels.values()) {
          got[displayText(ch.name)] = {
            ts: ch.ts,
            modes: channelModeString(ch),
            members: [...ch.members.values()].map((m) => NAMES_PREFIX.filter(([l]) => m.modes.includes(l)).map(([, p]) => p).join('') + displayText(m.user.nick)).sort(),
            bans: [...ch.lists.b.keys()].sort(),
            excepts: [...ch.lists.e.keys()].sort(),
            invex: [...ch.lists.I.keys()].sort(),
          };
        }
      },
    });
    const norm: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(want)) {
      norm[k] = { ...v, members: [...v.members].sort(), bans: [...v.bans].sort(), excepts: [...v.excepts].sort(), invex: [...v.invex].sort() };
    }
    assert.deepEqual(got, norm);
  });
}
