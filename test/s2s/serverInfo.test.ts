// Server descriptions (issue 13 item 6; handshake.md SERVER, commands.md SID): server.c
// cmd_server() cuts "U<protocol>-<flags>-<sid> <text>" with strtok() when the peer announced VL,
// whatever the flags hold; cmd_sid() keeps its last param as it is. Both keep REALLEN bytes.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildStateDump } from '../../src/replay/stateDump.ts';
import { hub, linkLeaf, drainSent, TEST_TIMEOUT, LEAF_CAPS, type HubOpts } from './harness.ts';
import type { Engine } from '../../src/s2s/engine.ts';
import { cloakChecksum } from '../../src/client/cloak.ts';
import { KEYS } from '../client/clientHarness.ts';

/** Link an incoming peer whose SERVER description is `desc`; returns what the other links were sent. */
function linkWithDescription(e: Engine, id: string, name: string, sid: string, desc: string, caps = LEAF_CAPS) {
  e.linkUp(id, 'in', '127.0.0.1');
  for (const l of ['PASS :linkpass', `PROTOCTL EAUTH=${name},6100,Fh-n6,FakeLeaf-0.1`, `PROTOCTL ${caps}`, `PROTOCTL SID=${sid} TS=${e.now()}`, `SERVER ${name} 1 :${desc}`]) e.receive(id, l);
  return drainSent(e);
}

function setup(opts: HubOpts = {}) {
  const e = hub(opts);
  linkLeaf(e, { id: 'other', name: 'other.test', sid: '0AB' });
  return e;
}

const infoInDump = (e: Engine, name: string) => (buildStateDump(e.net, e.tkl, e.now()).servers.find((s) => s.name === name)!.server as { info: string }).info;

describe('server descriptions', { timeout: TEST_TIMEOUT }, () => {
  it('a SERVER description U6100-<flags>-<sid> <text> is split as UnrealIRCd splits it, also when the flags contain -', () => {
    const e = setup();
    const r = linkWithDescription(e, 'leaf', 'leaf.test', '0AA', 'U6100-Fh-n6-0AA Fake leaf');
    assert.equal(e.net.server('0AA')!.info, 'Fake leaf');
    assert.equal(infoInDump(e, 'leaf.test'), 'Fake leaf');
    assert.ok(r.to('other').includes(':001 SID leaf.test 2 0AA :Fake leaf'), `relayed with the text only: ${r.to('other').join(' | ')}`);
    // The plain form, and strtok()'s reading of others.
    const e2 = setup();
    linkWithDescription(e2, 'leaf', 'leaf.test', '0AA', 'U6100-Fhn6OoE-0AA Fake leaf for protocol captures');
    assert.equal(e2.net.server('0AA')!.info, 'Fake leaf for protocol captures');
    const e3 = setup();
    linkWithDescription(e3, 'leaf', 'leaf.test', '0AA', 'U6100--x--0AA  two  spaces');
    assert.equal(e3.net.server('0AA')!.info, ' two  spaces', 'strtok() skips empty fields (the SID field is "-0AA"); the text is all after the space that ends it');
    const e4 = setup();
    linkWithDescription(e4, 'leaf', 'leaf.test', '0AA', 'U6100-Fhn6OoE-0AA');
    assert.equal(e4.net.server('0AA')!.info, 'U6100-Fhn6OoE-0AA', 'no text: the whole param');
  });

  it('without VL the SERVER description is the whole param; any description is kept in REALLEN (50) bytes', () => {
    const e = setup();
    linkWithDescription(e, 'leaf', 'leaf.test', '0AA', 'U6100-Fhn6OoE-0AA Fake leaf', LEAF_CAPS.replace(' VL', ''));
    assert.equal(e.net.server('0AA')!.info, 'U6100-Fhn6OoE-0AA Fake leaf');
    const e2 = setup();
    linkWithDescription(e2, 'leaf', 'leaf.test', '0AA', `U6100-Fhn6OoE-0AA ${'d'.repeat(80)}`);
    assert.equal(e2.net.server('0AA')!.info, 'd'.repeat(50));
  });

  it('a SID description is its last param as it is (never split), kept in REALLEN (50) bytes', () => {
    const e = setup();
    linkLeaf(e, { policy: { hub: '*' } });
    let r = drainSent(e);
    e.receive('leaf', ':0AA SID deep.test 2 0AD :U6100-Fh-n6-0AD behind the leaf');
    r = drainSent(e);
    assert.equal(e.net.server('0AD')!.info, 'U6100-Fh-n6-0AD behind the leaf');
    assert.ok(r.to('other').includes(':0AA SID deep.test 3 0AD :U6100-Fh-n6-0AD behind the leaf'), r.to('other').join(' | '));
    e.receive('leaf', `:0AA SID deeper.test 2 0AE :${'e'.repeat(70)}`);
    assert.equal(e.net.server('0AE')!.info, 'e'.repeat(50));
  });
});

describe('NETINFO', { timeout: TEST_TIMEOUT }, () => {
  it('NETINFO sends the network\'s highest user count (irccounts.global_max, server.c), not the current one', () => {
    const e2 = setup();
    const ts = e2.now() - 100;
    for (let i = 1; i <= 3; i++) e2.receive('other', `:0AB UID peak${i} 0 ${ts} u h.example 0ABAAAAA${i} 0 +i * * fwAAAQ== :r`);
    e2.receive('other', ':0ABAAAAA2 QUIT :gone');
    e2.receive('other', ':0ABAAAAA3 QUIT :gone');
    assert.equal(e2.net.usersByUid.size, 1, 'one user now, three at most');
    const sent = linkWithDescription(e2, 'late', 'late.test', '0AC', 'U6100-Fhn6OoE-0AC Late leaf');
    const netinfo = sent.to('late').find((l) => l.startsWith('NETINFO '));
    assert.ok(netinfo, sent.to('late').join('\n'));
    assert.equal(netinfo!.split(' ')[1], '3', netinfo);
    // A peer's higher figure is kept and passed on.
    e2.receive('late', `NETINFO 40 ${e2.now()} 6100 * 0 0 0 :TestNet`);
    assert.equal(e2.globalMax(), 40);
  });

  // The cloak key checksum (parv[4]). UnrealIRCd's cloak_sha256 cloak_config_run() formats
  // "KEY1:KEY2:KEY3" (the set::cloak-keys as written), takes sha256hash() of it (binarytohex():
  // lower-case hex) and writes "SHA256:<hex>" with ircsnprintf() into a 64-byte buffer, so the
  // checksum is "SHA256:" and the first 56 of the 64 hex digits. For the test keys below:
  //   printf '%s' 'Ei3u...Cy8:rT5y...T3yU:Zq9X...Kl6' | sha256sum
  //   -> 584875afa6c8e02c86b959dd79435f268656e133f099b8e22275707d43771991
  // cut to 56 digits; UnrealIRCd 6.1.8.1 run with these keys printed the same value
  // (test/client/cloak.test.ts), and the captures' hub sends its own of this shape.
  const SUM = 'SHA256:584875afa6c8e02c86b959dd79435f268656e133f099b8e22275707d';
  const withSum = () => setup({ cloakKeyChecksum: () => cloakChecksum({ keys: KEYS }) });
  const mismatches = (effects: { kind: string; event?: string; level?: string; link?: string }[]) => effects.filter((x) => x.kind === 'log' && x.event === 'CLOAK_KEY_MISMATCH');

  it('NETINFO carries the cloak key checksum UnrealIRCd computes for the same set::cloak-keys (cloak_sha256 cloakcsum()), "*" without keys', () => {
    assert.equal(cloakChecksum({ keys: KEYS }), SUM);
    const sent = linkWithDescription(withSum(), 'late', 'late.test', '0AC', 'U6100-Fhn6OoE-0AC Late leaf');
    assert.equal(sent.to('late').find((l) => l.startsWith('NETINFO '))!.split(' ')[4], SUM);
    const none = linkWithDescription(setup(), 'late', 'late.test', '0AC', 'U6100-Fhn6OoE-0AC Late leaf');
    assert.equal(none.to('late').find((l) => l.startsWith('NETINFO '))!.split(' ')[4], '*');
  });

  it('a peer whose cloak key checksum differs is logged as CLOAK_KEY_MISMATCH (a warning, netinfo.c), and the link stays; "*" or the same checksum is not', () => {
    const e = withSum();
    linkWithDescription(e, 'late', 'late.test', '0AC', 'U6100-Fhn6OoE-0AC Late leaf');
    e.receive('late', `NETINFO 3 ${e.now()} 6100 SHA256:69d5ab23bcc30ce1dfa5277fecdef34446dfb27dfe7eddf5a6a74bfa 0 0 0 :TestNet`);
    const got = mismatches(drainSent(e).effects as never);
    assert.equal(got.length, 1);
    assert.equal(got[0].level, 'warn');
    assert.equal(got[0].link, 'late');
    assert.equal(e.links.get('late')?.phase, 'linked', 'the link is kept');
    assert.ok(e.net.server('late.test'));
    for (const sum of ['*', SUM]) {
      const f = withSum();
      linkWithDescription(f, 'late', 'late.test', '0AC', 'U6100-Fhn6OoE-0AC Late leaf');
      f.receive('late', `NETINFO 3 ${f.now()} 6100 ${sum} 0 0 0 :TestNet`);
      assert.deepEqual(mismatches(drainSent(f).effects as never), [], sum);
    }
    // Without cloak keys of our own there is nothing to compare with.
    const g = setup();
    linkWithDescription(g, 'late', 'late.test', '0AC', 'U6100-Fhn6OoE-0AC Late leaf');
    g.receive('late', `NETINFO 3 ${g.now()} 6100 SHA256:69d5ab23bcc30ce1dfa5277fecdef34446dfb27dfe7eddf5a6a74bfa 0 0 0 :TestNet`);
    assert.deepEqual(mismatches(drainSent(g).effects as never), []);
  });
});
