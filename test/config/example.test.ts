import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultConfig, defaultConfigText, loadConfigFile, parseConfigText } from '../../src/config/index.ts';
import { EXAMPLE_SOURCE, exampleTree, type ExampleTree } from './configFiles.ts';

describe('link.conf.example', () => {
  // The secret files and the CA it names must exist (they are checked at load): a copy with them.
  let tree: ExampleTree;
  let EXAMPLE: string;
  before(() => {
    tree = exampleTree();
    EXAMPLE = tree.file;
  });
  after(() => tree.cleanup());

  it('loads with zero errors and zero warnings', () => {
    const result = loadConfigFile(EXAMPLE);
    assert.deepEqual(result.errors.map((e) => e.text), []);
    assert.deepEqual(result.warnings.map((w) => w.text), []);
    assert.ok(result.config);
  });

  it('contains the documented links, listeners, classes, ulines and settings', () => {
    const config = loadConfigFile(EXAMPLE).config;
    assert.ok(config);
    const dir = path.dirname(EXAMPLE);
    assert.deepEqual([config.me.name, config.me.sid], ['leaf.example.net', '0AB']);
    assert.deepEqual(
      config.listen.map((l) => [l.ip, l.port, l.tls]),
      [
        ['*', 6900, true],
        ['127.0.0.1', 6902, false],
      ],
    );
    assert.deepEqual(Object.keys(config.classes).sort(), ['servers', 'services']);

    const [hub, leaf2, services] = config.links;
    assert.equal(hub.name, 'hub.example.net');
    assert.equal(hub.verify.spkifp.length, 1);
    assert.equal(hub.passwordFile, path.join(dir, 'secrets/hub.pass'));
    assert.match(hub.passwordHash ?? '', /^\$scrypt\$/);
    assert.equal(hub.outgoing?.autoconnect, true);

    assert.equal(leaf2.name, 'leaf2.example.net');
    assert.match(leaf2.verify.certfp[0], /^[0-9a-f]{64}$/);
    assert.equal(leaf2.hmacSecretFile, path.join(dir, 'secrets/leaf2.hmac'));
    assert.equal(leaf2.requireHmac, true);
    assert.equal(leaf2.passwordHash, undefined);

    assert.equal(services.name, 'services.example.net');
    assert.equal(services.plaintextLoopback, true);
    assert.equal(services.className, 'services');
    assert.deepEqual(config.ulines, ['services.example.net']);

    assert.equal(config.set.networkName, 'ExampleNet');
    assert.deepEqual(config.set.tls, { minVersion: 'TLSv1.2' });
    assert.equal(config.set.dataDirectory, path.join(dir, 'data'));
    assert.deepEqual(config.set.extra.map((n) => n.name), ['cloak-keys']);
    assert.equal(config.denyLink.length, 1);
  });

  it('without the secret files and the CA it names, every one is an error at its line', () => {
    const result = loadConfigFile(EXAMPLE_SOURCE);
    assert.equal(result.config, undefined);
    const problems = result.errors.map((e) => `${e.block}: ${e.message.replace(/ \(.*\)/, '')}`);
    assert.deepEqual(problems, [
      'listen → tls-options: certificate "tls/link.cert.pem": does not exist',
      'listen → tls-options: key "tls/link.key.pem": does not exist',
      'link "hub.example.net": password-file "secrets/hub.pass": does not exist',
      'link "leaf2.example.net" → verify: ca "tls/example-ca.pem": does not exist',
      'link "leaf2.example.net": hmac-secret-file "secrets/leaf2.hmac": does not exist',
      'link "services.example.net": password-file "secrets/services.pass": does not exist',
    ]);
    for (const e of result.errors) assert.match(e.text, /^.*link\.conf\.example:\d+: /);
  });
});

describe('default configuration', () => {
  it('is valid, loopback only, with TLS for servers and no links', () => {
    const config = defaultConfig('/var/lib/tslink');
    assert.deepEqual([config.me.name, config.me.sid], ['tslink.localhost', '0TS']);
    assert.equal(config.listen.length, 1);
    assert.deepEqual(
      [config.listen[0].ip, config.listen[0].port, config.listen[0].tls, config.listen[0].serversOnly],
      ['127.0.0.1', 6901, true, true],
    );
    assert.deepEqual(config.links, []);
    assert.ok(config.classes.servers);
    assert.equal(config.set.networkName, 'TestNet');
    assert.equal(config.set.dataDirectory, path.resolve('/var/lib/tslink'));
  });

  it('has a text form that parses cleanly, whatever the data directory is called', () => {
    for (const dir of ['/data', 'rel/dir', 'with "quotes" and \\backslash\\', '{};#//']) {
      const result = parseConfigText(defaultConfigText(dir), 'default.conf');
      assert.deepEqual(result.errors, [], dir);
      assert.deepEqual(result.warnings, [], dir);
      assert.equal(result.config?.set.dataDirectory, path.resolve(dir));
    }
    assert.equal(defaultConfig('odd\ndir').set.dataDirectory, path.resolve('odd\ndir'));
  });
});
