// UnrealIRCd's casemapping is plain ASCII (CASEMAPPING=ascii): only A-Z fold to a-z.
// []\^ are NOT folded to {}|~, and bytes >= 0x80 compare as they are.
export function casefold(s: string): string {
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return upper || hasUpper(s, i) ? asciiLower(s) : s;
    if (c >= 65 && c <= 90) upper = true;
  }
  // All ASCII: toLowerCase() folds exactly A-Z.
  return upper ? s.toLowerCase() : s;
}

function hasUpper(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

const UPPER = /[A-Z]+/g;
const lower = (m: string) => m.toLowerCase(); // only ever sees A-Z runs

function asciiLower(s: string): string {
  return s.replace(UPPER, lower);
}

export function caseEqual(a: string, b: string): boolean {
  return a.length === b.length && casefold(a) === casefold(b);
}
