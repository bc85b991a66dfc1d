import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseConfigText, type ConfigResult } from '../../src/config/index.ts';

/** Pieces of config syntax, so random input often reaches deep into the pipeline. */
const FRAGMENTS = [
  '{', '}', ';', '"', '\\', '\\"', '\n', ' ', '\t', '//', '#', '/*', '*/',
  'me', 'name', 'info', 'sid', '"0AB"', '"a.test"', 'listen', 'ip', '127.0.0.1', '*', 'port', '6900', '99999',
  'options', 'tls', 'serversonly', 'clientsonly', 'file', 'link', 'hub.test', 'incoming', 'mask', 'outgoing',
  'hostname', 'password', '"$scrypt$x"', 'password-file', 'verify', 'certfp', 'spkifp', 'ca', 'require-hmac',
  'yes', 'hmac-secret-file', 'class', 'servers', 'sendq', '20M', 'pingfreq', '1d2h', 'ulines', 'set',
  'network-name', 'server-linking', 'handshake-limits', 'per-ip', 'deny', 'plaintext-loopback', 'leaf-depth',
  'include', '"nonexistent.conf"', '__proto__', 'constructor', 'extra', 'pos', '~', '/',
];

const configLike = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 80 }).map((parts) => parts.join(' '));
const anyText = fc.string({ unit: 'binary', maxLength: 300 });

function checkInvariants(result: ConfigResult): void {
  assert.ok(Array.isArray(result.errors) && Array.isArray(result.warnings));
  assert.equal(result.config !== undefined, result.errors.length === 0, 'config is returned exactly when there are no errors');
  for (const m of [...result.errors, ...result.warnings]) {
    assert.equal(typeof m.text, 'string');
    assert.ok(Number.isInteger(m.line) && m.line >= 0);
    assert.doesNotMatch(m.message, /^internal error/, m.message);
  }
}

let cwd: string;
let scratch: string;

before(() => {
  // Random includes resolve against the cwd: keep them inside an empty directory.
  cwd = process.cwd();
  scratch = mkdtempSync(path.join(tmpdir(), 'tslink-fuzz-'));
  process.chdir(scratch);
});

after(() => {
  process.chdir(cwd);
  rmSync(scratch, { recursive: true, force: true });
});

describe('parseConfigText robustness (property)', () => {
  it('never throws and never fails internally on arbitrary text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        checkInvariants(parseConfigText(text, 'fuzz.conf'));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws and never fails internally on config-like token soup', () => {
    fc.assert(
      fc.property(configLike, (text) => {
        checkInvariants(parseConfigText(text, 'fuzz.conf'));
      }),
      { numRuns: 1500 },
    );
  });

  it('never throws on mutations of a valid configuration', () => {
    const valid = [
      'me { name "a.test"; info "x"; sid "0AB"; }',
      'listen { ip 127.0.0.1; port 6900; options { tls; serversonly; } }',
      'link hub.test { incoming { mask *; } outgoing { hostname h.test; port 1; options { tls; } } verify { certfp "' + 'a'.repeat(64) + '"; } }',
      'class servers { sendq 20M; }',
      'set { network-name "N"; }',
    ].join('\n');
    fc.assert(
      fc.property(fc.nat(valid.length), fc.nat(valid.length), fc.constantFrom(...FRAGMENTS), (at, cut, insert) => {
        const start = Math.min(at, cut);
        checkInvariants(parseConfigText(valid.slice(0, start) + insert + valid.slice(Math.max(at, cut)), 'fuzz.conf'));
      }),
      { numRuns: 1500 },
    );
  });
});
