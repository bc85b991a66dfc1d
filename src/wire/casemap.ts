// UnrealIRCd's casemapping is plain ASCII (CASEMAPPING=ascii): only A-Z fold to a-z.
// []\^ are NOT folded to {}|~, and bytes >= 0x80 compare as they are.
export function casefold(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return asciiLower(s);
  }
  return s;
}

function asciiLower(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}

export function caseEqual(a: string, b: string): boolean {
  return a.length === b.length && casefold(a) === casefold(b);
}
