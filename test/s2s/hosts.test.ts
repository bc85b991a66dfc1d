// Displayed hosts (issue 13 item 4; commands.md UID field 9/10, TOPIC, SETHOST/CHGHOST,
// UMODE2, SVSMODE): UnrealIRCd's user->virthost is the cloak unless a vhost was set, and GetHost()
// shows it while the user is +x. Everything tslink shows a host in (--state user.vhost, the
// sourceMask of ban and topic setters, the UID lines of its bursts) follows that.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildStateDump, type JsonObject } from '../../src/replay/stateDump.ts';
import { stateDigest } from '../../src/state/digest.ts';
import { hub, linkLeaf, local, feed, uid, T0, TEST_TIMEOUT, LEAF_CAPS, connect, pump } from './harness.ts';
import { Engine } from '../../src/s2s/engine.ts';

const TC = 1795305735;
const CLOAK = 'Clk-5FE0AE1C.leaf.example';
/** A +x user of the leaf whose UID virthost is '*' (as a hub without VHP sends it), with its cloak. */
const LEAF_X = `:0AA UID leafA 0 ${T0} leafa host-7.leaf.example 0AAAAAAA1 0 +iwx * ${CLOAK} xhIACg== :Leaf user 1`;
const LEAF_PLAIN = uid('0AA', 'leafB', T0, '0AAAAAAA2', { ident: 'leafb', host: 'host-8.leaf.example', umodes: '+iw' });

/** Hub with alice (op in #c), the leaf (leafA +x with a cloak, leafB in #c), a VHP leaf and a plain leaf. */
function net() {
  const e = hub();
  local(e, uid('001', 'alice', T0, '001AAAAAA', { ident: 'alice', host: 'a.hub.example' }), `:001 SJOIN ${TC} #c +nt :@001AAAAAA`);
  linkLeaf(e, { burst: [LEAF_X, LEAF_PLAIN, `:0AA SJOIN ${TC} #c :@0AAAAAAA1 0AAAAAAA2`] });
  linkLeaf(e, { id: 'vhp', name: 'vhp.test', sid: '0AB', caps: `${LEAF_CAPS} VHP` });
  linkLeaf(e, { id: 'plain', name: 'plain.test', sid: '0AC' });
  return e;
}

function dumpUser(e: Engine, nick: string): JsonObject {
  const u = buildStateDump(e.net, e.tkl, e.now()).users.find((x) => x.name === nick);
  assert.ok(u, `user ${nick} in the dump`);
  return u.user as JsonObject;
}

/** The virthost field (parv[9]) of the UID line for `nick` among `lines`. */
function virthostIn(lines: string[], nick: string): string | undefined {
  const l = lines.find((x) => x.includes(` UID ${nick} `));
  return l?.split(' ')[10];
}

describe('displayed host', { timeout: TEST_TIMEOUT }, () => {
  it('a +x user whose UID virthost is * is shown with its cloak: --state user.vhost, ban setters, topic setters', () => {
    const e = net();
    assert.equal(dumpUser(e, 'leafA').vhost, CLOAK, 'user.vhost is the cloak, as UnrealIRCd\'s JSON-RPC shows it');
    assert.equal(dumpUser(e, 'leafB').vhost, undefined, 'a -x user has no vhost in the dump');
    feed(e, 'leaf', ':0AAAAAAA1 MODE #c +b *!*@bad.example', ':0AAAAAAA1 TOPIC #c :hello');
    const ch = e.net.channel('#c')!;
    assert.equal(ch.lists.b.get('*!*@bad.example')?.setBy, `leafA!leafa@${CLOAK}`, 'the ban setter shows the cloak, not the real host');
    assert.equal(ch.topic?.setBy, `leafA!leafa@${CLOAK}`);
  });

  it('the UID lines of a burst never carry a +x user\'s real host: its cloak to VHP peers, * to others', () => {
    const e2 = net();
    local(e2, uid('001', 'nocloak', T0, '001NOCLK1', { ident: 'nc', host: 'real.hub.example', umodes: '+ix' }));
    e2.linkUp('v', 'in', '127.0.0.1');
    for (const l of ['PASS :x', 'PROTOCTL EAUTH=v.test,6100,x,V-1.0', `PROTOCTL ${LEAF_CAPS} VHP`, `PROTOCTL SID=0AF TS=${e2.now()}`, 'SERVER v.test 1 :U6100-x-0AF v']) e2.receive('v', l);
    e2.linkUp('p', 'in', '127.0.0.1');
    for (const l of ['PASS :x', 'PROTOCTL EAUTH=p.test,6100,x,P-1.0', `PROTOCTL ${LEAF_CAPS}`, `PROTOCTL SID=0AG TS=${e2.now()}`, 'SERVER p.test 1 :U6100-x-0AG p']) e2.receive('p', l);
    const sent = e2.drain().filter((x) => x.kind === 'send') as { link: string; line: string }[];
    const to = (id: string) => sent.filter((x) => x.link === id).map((x) => x.line.replace(/^@\S+ /, ''));
    assert.equal(virthostIn(to('v'), 'leafA'), CLOAK, 'VHP: the cloak, not host-7.leaf.example');
    assert.equal(virthostIn(to('v'), 'nocloak'), '*', 'VHP, no cloak known: *, never the real host');
    assert.equal(virthostIn(to('v'), 'leafB'), 'host-8.leaf.example', 'VHP, -x: the real host (sendto_one_nickcmd)');
    assert.equal(virthostIn(to('p'), 'leafA'), '*', 'no VHP, +x without +t: *');
    assert.equal(virthostIn(to('p'), 'leafB'), '*');
  });

  it('SETHOST and CHGHOST make the host the virtual host with +xt; a CHGHOST to the host shown already changes nothing and is not relayed', () => {
    const e = net();
    let r = feed(e, 'leaf', ':0AAAAAAA2 SETHOST staff.example');
    const b = e.net.user('0AAAAAAA2')!;
    assert.ok(b.umodes.has('x') && b.umodes.has('t'), 'SETHOST sets +xt');
    assert.equal(dumpUser(e, 'leafB').vhost, 'staff.example');
    assert.deepEqual(r.to('plain'), [':0AAAAAAA2 SETHOST :staff.example']);
    r = feed(e, 'leaf', `:0AAAAAAA1 CHGHOST 0AAAAAAA1 ${CLOAK}`);
    assert.deepEqual(r.to('plain'), [], 'CHGHOST to the shown host (the cloak) is not relayed (chghost.c)');
    r = feed(e, 'leaf', ':0AAAAAAA1 CHGHOST 0AAAAAAA1 new.vhost.example');
    assert.equal(dumpUser(e, 'leafA').vhost, 'new.vhost.example');
    assert.equal(r.to('plain').length, 1);
  });

  it('UMODE2 keeps the host right: -x drops +t (relayed as -xt) and the vhost; +x shows the cloak; -t while +x restores the cloak', () => {
    const e = net();
    feed(e, 'leaf', ':0AAAAAAA1 SETHOST staff.example');
    let r = feed(e, 'leaf', ':leafA UMODE2 -x');
    const a = e.net.user('0AAAAAAA1')!;
    assert.ok(!a.umodes.has('x') && !a.umodes.has('t'), '-x translates to -xt (mode.c)');
    assert.deepEqual(r.to('plain'), [':0AAAAAAA1 UMODE2 -xt']);
    assert.equal(dumpUser(e, 'leafA').vhost, undefined);
    feed(e, 'leaf', ':leafA UMODE2 +x');
    assert.equal(dumpUser(e, 'leafA').vhost, CLOAK, '+x: virthost := cloakedhost, not the old vhost');
    feed(e, 'leaf', ':0AAAAAAA1 SETHOST staff.example');
    r = feed(e, 'leaf', ':leafA UMODE2 -t');
    assert.ok(a.umodes.has('x') && !a.umodes.has('t'), '-t alone keeps +x');
    assert.equal(dumpUser(e, 'leafA').vhost, CLOAK, '-t while +x: the cloak again');
    feed(e, 'leaf', ':0AAAAAAA1 TOPIC #c :after -t');
    assert.equal(e.net.channel('#c')!.topic!.setBy, `leafA!leafa@${CLOAK}`);
  });

  it('SVSMODE keeps the host right as svsmode.c does: -x keeps +t and shows the real host, +t is nothing, -t restores the cloak, +x keeps the virtual host', () => {
    const e = hub({ ulines: ['services.test'] });
    linkLeaf(e, { burst: [LEAF_X] });
    linkLeaf(e, { id: 'svc', name: 'services.test', sid: '00B', caps: 'NICKv2 VHP UMODE2 NICKIP SJOIN SJOIN2 SJ3 NOQUIT TKLEXT MLOCK SID MTAGS' });
    const a = e.net.user('0AAAAAAA1')!;
    feed(e, 'svc', ':00B CHGHOST 0AAAAAAA1 services.vhost.example', ':00B SVS2MODE 0AAAAAAA1 +t');
    assert.equal(dumpUser(e, 'leafA').vhost, 'services.vhost.example');
    feed(e, 'svc', ':00B SVSMODE 0AAAAAAA1 -x');
    assert.ok(!a.umodes.has('x') && a.umodes.has('t'), 'SVSMODE -x does not drop +t');
    assert.equal(dumpUser(e, 'leafA').vhost, undefined);
    feed(e, 'svc', ':00B SVSMODE 0AAAAAAA1 +x');
    assert.equal(dumpUser(e, 'leafA').vhost, CLOAK, 'the vhost went with -x: +x shows the cloak');
    feed(e, 'svc', ':00B CHGHOST 0AAAAAAA1 services.vhost.example', ':00B SVSMODE 0AAAAAAA1 -t');
    assert.ok(a.umodes.has('x') && !a.umodes.has('t'), 'SVSMODE -t keeps +x');
    assert.equal(dumpUser(e, 'leafA').vhost, CLOAK, 'SVSMODE -t: the cloak again');
    feed(e, 'svc', ':00B SVSMODE 0AAAAAAA1 +t');
    assert.ok(!a.umodes.has('t'), 'SVSMODE +t is a no-op (svsmode.c)');
  });

  it('a user reached through a VHP peer and through a plain one holds the same virtual host (digests agree)', () => {
    // a ─(VHP)─ b and a ─(no VHP)─ c: the +x user with a '*' virthost, one with a vhost (+xt),
    // one without a cloak, and a -x one with a stale virthost field.
    const mk = (sid: string, name: string, caps: string[]) => new Engine({ me: { sid, name, info: name }, now: () => T0 + 100, authorize: () => ({ ok: true, hub: '*' }), localCaps: caps });
    const all = ['MTAGS', 'SJSBY', 'NEXTBANS', 'VHP', 'EXTSWHOIS', 'BIGLINES', 'MLOCK', 'VL'];
    const a = mk('1AA', 'a.test', all), b = mk('2BB', 'b.test', all), c = mk('3CC', 'c.test', all.filter((x) => x !== 'VHP'));
    a.local(LEAF_X.replace(':0AA', ':1AA').replace('0AAAAAAA1', '1AAAAAAA1'));
    a.local(`:1AA UID vee 0 ${T0} vee v.real.example 1AAAAAAA2 0 +iwxt staff.example Clk-V.example fwAAAQ== :v`);
    a.local(`:1AA UID nocl 0 ${T0} nocl n.real.example 1AAAAAAA3 0 +ix * * fwAAAQ== :n`);
    a.local(`:1AA UID minus 0 ${T0} minus m.real.example 1AAAAAAA4 0 +it stale.example Clk-M.example fwAAAQ== :m`);
    a.drain();
    const w1 = connect(b, a, 'toA', 'fromB'), w2 = connect(c, a, 'toA', 'fromC');
    pump([a, b, c], [w1, w2]);
    const digest = (x: Engine) => stateDigest(x.net, x.tkl, T0 + 100);
    assert.equal(digest(b), digest(a), 'over VHP');
    assert.equal(digest(c), digest(a), 'without VHP');
    for (const x of [a, b, c]) assert.equal(dumpUser(x, 'leafA').vhost, CLOAK, x.me.name);
  });

  it('a user\'s TOPIC setter is recomputed (commands.md TOPIC): a 4-param TOPIC from a non-U-lined user gets the user\'s own nick!user@host; servers and U-lined sources with a TS keep theirs', () => {
    const e = hub({ ulines: ['services.test'] });
    local(e, uid('001', 'alice', T0, '001AAAAAA', { ident: 'alice', host: 'a.hub.example' }), `:001 SJOIN ${TC} #c +nt :@001AAAAAA`);
    linkLeaf(e, { burst: [LEAF_X, `:0AA SJOIN ${TC} #c :0AAAAAAA1`] });
    linkLeaf(e, { id: 'svc', name: 'services.test', sid: '00B', caps: 'NICKv2 VHP UMODE2 NICKIP SJOIN SJOIN2 SJ3 NOQUIT TKLEXT MLOCK SID MTAGS',
      burst: [uid('00B', 'ChanServ', T0, '00BAAAAAC', { ident: 'services', host: 'services.test', umodes: '+BioS' })] });
    const ch = e.net.channel('#c')!;
    let r = feed(e, 'leaf', `:0AAAAAAA1 TOPIC #c someone!else@forged.example ${T0 + 50} :from a user`);
    assert.equal(ch.topic!.setBy, `leafA!leafa@${CLOAK}`, 'the user\'s own mask, not the message\'s setter');
    assert.equal(ch.topic!.ts, T0 + 50);
    assert.deepEqual(r.to('svc'), [`:0AAAAAAA1 TOPIC #c leafA!leafa@${CLOAK} ${T0 + 50} :from a user`]);
    feed(e, 'leaf', `:0AA TOPIC #c server!set@by.example ${T0 + 60} :from a server`);
    assert.equal(ch.topic!.setBy, 'server!set@by.example', 'a server keeps the setter');
    feed(e, 'svc', `:00BAAAAAC TOPIC #c alice ${T0 + 10} :services restore`);
    assert.equal(ch.topic!.setBy, 'alice', 'a U-lined user with a TS keeps the setter (and may use an older TS)');
    r = feed(e, 'svc', ':00BAAAAAC TOPIC #c whoever 0 :no ts');
    assert.equal(ch.topic!.setBy, 'ChanServ!services@services.test', 'a U-lined user without a TS goes the user way');
  });
});
