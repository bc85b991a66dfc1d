// The configuration schema's precompiled validator (src/config/validate.ts): the build writes
// ajv's standalone code for the schema (dist/config/documentValidator.cjs) so that the node does
// not compile the schema at startup. It must accept and refuse exactly what ajv compiling the
// schema at run time does, with the same errors (validateDocument() turns them into messages),
// on the example configuration and on hundreds of broken variants of it; and a precompiled file
// made from another schema is not used.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { after, describe, it } from 'node:test';
import { compileDocumentValidator, documentValidatorSource, loadDocumentValidator, PRECOMPILED_VALIDATOR } from '../../src/config/validate.ts';
import { readConfigTextTree } from '../../src/config/includes.ts';
import { convertTree } from '../../src/config/convert.ts';
import { MessageSink } from '../../src/config/messages.ts';
import { defaultConfigText } from '../../src/config/defaults.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The raw document validateDocument() sees for a configuration text. */
function documentOf(text: string): unknown {
  const tree = readConfigTextTree(text, 'v.conf');
  return convertTree(tree.nodes, { file: 'v.conf', line: 0 }, new MessageSink()).document;
}

/** The example, the default, and variants of the example with one line dropped or one value made wrong. */
function corpus(): string[] {
  const example = readFileSync(join(ROOT, 'link.conf.example'), 'utf8');
  const out = [example, defaultConfigText('/tmp/x')];
  const lines = example.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!/\S/.test(l) || /^\s*(\/\/|#|\/\*|\*)/.test(l)) continue;
    const variant = (line: string) => [...lines.slice(0, i), line, ...lines.slice(i + 1)].join('\n');
    out.push(variant(''));
    const m = /^(\s*[\w-]+\s+)("[^"]*"|[^\s;{}]+)(\s*;.*)$/.exec(l);
    if (m) for (const bad of ['"bogus value"', '-5', '99999999999', 'yes', '""', '*']) out.push(variant(`${m[1]}${bad}${m[3]}`));
  }
  return out;
}

const canon = (v: { errors?: unknown }) => JSON.stringify(v.errors ?? null);

describe('configuration validator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tslink-validator-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the precompiled one gives what ajv compiling the schema gives, on every variant', () => {
    const file = join(dir, PRECOMPILED_VALIDATOR);
    writeFileSync(file, documentValidatorSource());
    const pre = loadDocumentValidator(file);
    assert.ok(pre, 'the generated module loads and matches the schema');
    const live = compileDocumentValidator();
    const texts = corpus();
    assert.ok(texts.length > 300, `${texts.length} variants`);
    let refused = 0;
    for (const text of texts) {
      const doc = documentOf(text);
      const a: boolean = live(doc), b: boolean = pre(doc);
      assert.equal(b, a, text);
      assert.equal(canon(pre), canon(live), text);
      if (!a) refused++;
    }
    assert.ok(refused > 100, `${refused} of the variants are refused by the schema`);
  });

  it('the precompiled module is not kept in require\'s cache, so its code can be collected once the validator is dropped (issue 13 idle RSS)', () => {
    const file = join(dir, 'uncached.cjs');
    writeFileSync(file, documentValidatorSource());
    const first = loadDocumentValidator(file);
    assert.ok(first);
    assert.equal(createRequire(import.meta.url).cache[file], undefined, 'not in require.cache');
    // Loaded afresh the next time: a new function, giving the same answers.
    const second = loadDocumentValidator(file);
    assert.ok(second && second !== first);
    const doc = documentOf(defaultConfigText('/tmp/x'));
    assert.equal(second(doc), first(doc));
  });

  it('a precompiled file made from another schema, or none, is not used', () => {
    const file = join(dir, 'stale.cjs');
    writeFileSync(file, documentValidatorSource().replace(/exports\.schemaFingerprint = "[0-9a-f]+"/, 'exports.schemaFingerprint = "0000"'));
    assert.equal(loadDocumentValidator(file), undefined);
    assert.equal(loadDocumentValidator(join(dir, 'missing.cjs')), undefined);
  });
});
