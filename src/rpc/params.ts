// Reading a call's params as UnrealIRCd's RPC does (json_object_get_string & co.): a string
// parameter is a JSON string (null or a number reads as absent), an integer one a JSON integer
// (anything else reads as the default), a boolean one true/false.
import type { Json, JsonObject } from './objects.ts';
import { missingParam } from './errors.ts';

export type Params = JsonObject;

export function asParams(v: Json | undefined): Params {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

export function optString(p: Params, name: string): string | undefined {
  const v = p[name];
  return typeof v === 'string' ? v : undefined;
}

export function reqString(p: Params, name: string): string {
  const v = optString(p, name);
  if (v === undefined) throw missingParam(name);
  return v;
}

export function optInteger(p: Params, name: string, def: number): number {
  const v = p[name];
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : def;
}

export function optBoolean(p: Params, name: string, def: boolean): boolean {
  const v = p[name];
  if (v === undefined) return def;
  return v === true;
}
