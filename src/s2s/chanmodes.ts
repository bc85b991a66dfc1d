// Channel mode groups (CHANMODES=A,B,C,D) and member modes; modes.md.
export const DEFAULT_CHANMODES = 'beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ';
export const DEFAULT_USERMODES = 'diopqrstwxzBDGHIRSTWZ';
export const DEFAULT_PREFIX = '(qaohv)~&@%+';
/** Modes flagged local (never compared in an SJOIN merge). */
export const LOCAL_CHANMODES = new Set(['d']);

export class ChanModeGroups {
  readonly list = new Set<string>();
  readonly paramAlways = new Set<string>();   // group B: param on set and unset
  readonly paramOnSet = new Set<string>();    // group C: param on set only
  readonly noParam = new Set<string>();       // group D
  constructor(readonly spec: string) {
    const [a = '', b = '', c = '', d = ''] = spec.split(',');
    for (const ch of a) this.list.add(ch);
    for (const ch of b) this.paramAlways.add(ch);
    for (const ch of c) this.paramOnSet.add(ch);
    for (const ch of d) this.noParam.add(ch);
  }
  /** Does this mode take a parameter in this direction? Member modes always do. */
  takesParam(mode: string, adding: boolean): boolean {
    if ('qaohv'.includes(mode)) return true;
    if (this.list.has(mode) || this.paramAlways.has(mode)) return true;
    if (this.paramOnSet.has(mode)) return adding;
    return false;
  }
  known(mode: string): boolean {
    return 'qaohv'.includes(mode) || this.list.has(mode) || this.paramAlways.has(mode) || this.paramOnSet.has(mode) || this.noParam.has(mode);
  }
}

/** SJOIN member prefix → member mode. Note '~' is admin and '*' is owner in SJOIN. */
export const SJOIN_PREFIX_TO_MODE: Record<string, string> = { '*': 'q', '~': 'a', '@': 'o', '%': 'h', '+': 'v' };
export const MODE_TO_SJOIN_PREFIX: Record<string, string> = { q: '*', a: '~', o: '@', h: '%', v: '+' };
/** The list mode an SJOIN list item's prefix (char code) stands for: & b, " e, ' I; '' for none. */
export function sjoinListMode(c: number): 'b' | 'e' | 'I' | '' {
  // A switch rather than a lookup object: read once per list item, and object lookups by a
  // one-character key were megamorphic there.
  switch (c) {
    case 38: return 'b'; // &
    case 34: return 'e'; // "
    case 39: return 'I'; // '
    default: return '';
  }
}
export const LIST_TO_SJOIN_PREFIX: Record<string, string> = { b: '&', e: '"', I: "'" };
