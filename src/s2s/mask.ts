// Glob matching (* and ?) with UnrealIRCd's ASCII casemapping, iterative (no backtracking blowup).
import { casefold } from '../wire/casemap.ts';

export function matchMask(mask: string, text: string): boolean {
  const m = casefold(mask), t = casefold(text);
  let mi = 0, ti = 0, star = -1, mark = 0;
  while (ti < t.length) {
    if (mi < m.length && (m[mi] === '?' || m[mi] === t[ti])) { mi++; ti++; }
    else if (mi < m.length && m[mi] === '*') { star = mi++; mark = ti; }
    else if (star >= 0) { mi = star + 1; ti = ++mark; }
    else return false;
  }
  while (mi < m.length && m[mi] === '*') mi++;
  return mi === m.length;
}
