// Timestamps (channel TS, nick TS, list set-at, topic time, TKL times) as UnrealIRCd holds them:
// a 64-bit time_t. Parsed from the wire by parseTs() (s2s/validate.ts, atol() semantics).
//
// Representation: a JS number while the value is a safe integer (|v| <= 2^53 - 1: every real
// clock value, the case every hot path sees), a bigint only beyond that. The form is canonical
// (tsOf() / parseTs() never give a bigint that would fit a number), so `===` compares two Ts
// exactly, and `<` `>` `<=` `>=` compare a number with a bigint exactly too. A template literal or
// String() writes the exact decimal, as UnrealIRCd's "%lld" does. What does not take a bigint:
// arithmetic mixing the two, Math.min/max (use tsMin/tsMax) and JSON.stringify (use tsJson).

export type Ts = number | bigint;

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

/** The canonical Ts of an integer in the int64 range (a number when it is a safe integer). */
export function tsOf(b: bigint): Ts {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

export function tsMin(a: Ts, b: Ts): Ts { return b < a ? b : a; }
export function tsMax(a: Ts, b: Ts): Ts { return b > a ? b : a; }

/**
 * `a > b` with both taken as C unsigned longs (two's complement): a negative value is above every
 * non-negative one. mode.c compares its `long unsigned sendts` with the channel's time_t so.
 */
export function tsGreaterUnsigned(a: Ts, b: Ts): boolean {
  const an = a < 0, bn = b < 0;
  return an !== bn ? an : a > b;
}

/** A Ts for JSON: the number itself, or the exact decimal as a string beyond 2^53 (JSON readers round bigger numbers). */
export function tsJson(v: Ts): number | string {
  return typeof v === 'bigint' ? v.toString() : v;
}
