/**
 * Validates the raw document against `documentSchema` with ajv and turns
 * ajv's errors (JSON pointers) into `file:line: block: message` errors using
 * the position table.
 */
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { isBindAddress } from './addresses.ts';
import { isSpkifp } from './fingerprints.ts';
import type { MessageSink } from './messages.ts';
import { childPointer, isWithin, type PositionTable } from './positions.ts';
import { ANNOTATION_KEYWORDS, documentSchema, type ConfSchema, type RawDocument } from './schema.ts';
import { isIP } from 'node:net';

const Ajv = AjvModule.default;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    ajv.addVocabulary(ANNOTATION_KEYWORDS);
    ajv.addFormat('bind-address', isBindAddress);
    ajv.addFormat('ip-address', (text: string) => isIP(text) !== 0);
    ajv.addFormat('spkifp', isSpkifp);
    compiled = ajv.compile(documentSchema);
  }
  return compiled;
}

/** Reports schema violations; `reported` pointers (and everything below them) are skipped. */
export function validateDocument(document: RawDocument, positions: PositionTable, reported: Set<string>, sink: MessageSink): void {
  const validate = validator();
  if (validate(document)) return;
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const described = describe(error, positions);
    if (!described || [...reported].some((p) => isWithin(described.pointer, p))) continue;
    const { pos, block, message } = described;
    const key = `${pos.file}:${pos.line}:${block}:${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    sink.error(pos, message, block);
  }
}

interface Described {
  /** Pointer of the offending (or missing) value. */
  pointer: string;
  pos: { file: string; line: number };
  block?: string;
  message: string;
}

function describe(error: ErrorObject, positions: PositionTable): Described | undefined {
  const parent = error.parentSchema as ConfSchema | undefined;
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty: string }).missingProperty);
    const container = positions.nearest(error.instancePath);
    if (!container) return undefined;
    const properties = parent?.properties;
    const hint = properties && Object.hasOwn(properties, missing) ? properties[missing].mustBe : undefined;
    return {
      pointer: childPointer(error.instancePath, missing),
      pos: container.pos,
      block: container.label,
      message: `"${missing}" is required${hint ? ` (${hint})` : ''}`,
    };
  }
  const located = positions.nearest(error.instancePath);
  if (!located) return undefined;
  const message = parent?.mustBe ? `"${located.key}" must be ${parent.mustBe}` : `"${located.key}" ${error.message ?? 'is invalid'}`;
  return { pointer: error.instancePath, pos: located.pos, block: located.block ?? located.label, message };
}
