/**
 * UnrealIRCd-style value units: times (`90`, `30s`, `5m`, `1d2h`), sizes
 * (`512`, `64k`, `20M`, `1g`) and yes/no switches. Each parser returns
 * undefined for text it does not accept.
 */

// Maps, not object literals: a unit is config text and must not reach Object.prototype.
const SECONDS_PER_UNIT = new Map<string, number>([['s', 1], ['m', 60], ['h', 3600], ['d', 86400], ['w', 604800]]);
const BYTES_PER_UNIT = new Map<string, number>([['', 1], ['k', 1024], ['m', 1024 ** 2], ['g', 1024 ** 3]]);

/** Seconds from `90` (plain seconds) or a sequence like `1d2h30m` (units s, m, h, d, w). */
export function parseDuration(text: string): number | undefined {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  if (!/^(\d{1,15}[smhdw])+$/i.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([a-z])/gi)) {
    const factor = SECONDS_PER_UNIT.get(unit.toLowerCase());
    if (factor === undefined) return undefined;
    total += Number(amount) * factor;
  }
  return total;
}

/** Bytes from `512`, `64k`, `20M` or `1g` (binary units, case-insensitive). */
export function parseSize(text: string): number | undefined {
  const match = /^(\d{1,15})([kmg]?)$/i.exec(text);
  if (!match) return undefined;
  const factor = BYTES_PER_UNIT.get(match[2].toLowerCase());
  return factor === undefined ? undefined : Number(match[1]) * factor;
}

/** true for yes/on/true/1, false for no/off/false/0 (case-insensitive). */
export function parseYesNo(text: string): boolean | undefined {
  const word = text.toLowerCase();
  if (word === 'yes' || word === 'on' || word === 'true' || word === '1') return true;
  if (word === 'no' || word === 'off' || word === 'false' || word === '0') return false;
  return undefined;
}

/** A decimal integer (optional sign), or undefined. */
export function parseInteger(text: string): number | undefined {
  return /^[+-]?\d{1,15}$/.test(text) ? Number(text) : undefined;
}
