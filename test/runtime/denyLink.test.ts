// deny link rules: parsed at config load, evaluated against the current server tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRule } from '../../src/config/connectionRule.ts';
import { parseConfigText } from '../../src/config/index.ts';
import { deniedBy } from '../../src/runtime/denyLink.ts';
import { Network } from '../../src/state/network.ts';
import type { DenyLinkConfig } from '../../src/config/index.ts';

function tree(): Network {
  const net = new Network({ sid: '0AA', name: 'me.test', info: '' });
  const hub = net.addServer('001', 'hub.test', '', 1, net.me, 'l1');
  net.addServer('002', 'leaf2.test', '', 2, hub, 'l1');
  return net;
}
const rule = (r: string, extra: Partial<DenyLinkConfig> = {}): DenyLinkConfig => ({ mask: '*', rule: r, type: 'all', pos: { file: 'x', line: 1 }, ...extra });

test('connected/directcon/via and the operators follow the server tree', () => {
  const net = tree();
  assert.ok(deniedBy([rule('connected(leaf2.*)')], net, 'new.test', false));
  assert.equal(deniedBy([rule('connected(nothere.*)')], net, 'new.test', false), null);
  assert.ok(deniedBy([rule('directcon(hub.test)')], net, 'new.test', false));
  assert.equal(deniedBy([rule('directcon(leaf2.test)')], net, 'new.test', false), null, 'leaf2 is behind hub, not direct');
  assert.ok(deniedBy([rule('via(hub.*, leaf2.*)')], net, 'new.test', false));
  assert.equal(deniedBy([rule('via(other.*, leaf2.*)')], net, 'new.test', false), null);
  assert.ok(deniedBy([rule('!connected(x.*) && (connected(hub.test) || connected(y.*))')], net, 'new.test', false));
  assert.equal(deniedBy([rule('connected(hub.test)', { mask: 'other.*' })], net, 'new.test', false), null, 'mask limits the rule');
  assert.equal(deniedBy([rule('connected(hub.test)', { type: 'auto' })], net, 'new.test', false), null, 'type auto: only autoconnect');
  assert.ok(deniedBy([rule('connected(hub.test)', { type: 'auto' })], net, 'new.test', true));
});

test('bad rules are config errors with file:line', () => {
  assert.throws(() => parseRule('connected(a'), /missing \)/);
  assert.throws(() => parseRule('frobnicate(a)'), /unknown rule function/);
  assert.throws(() => parseRule('via(a)'), /2 argument/);
  const res = parseConfigText('me { name "a.test"; info "x"; sid "0AA"; }\nset { network-name "N"; }\ndeny link {\n  mask "*";\n  rule "connected(x) ||";\n}\n', 'd.conf');
  assert.ok(res.errors.some((e) => e.file === 'd.conf' && e.line === 5 && /bad connection rule/.test(e.message)), JSON.stringify(res.errors));
});
