/**
 * Top-level block names: the ones tslink reads, the ones of UnrealIRCd 6 that tslink does not use
 * (a configuration shared with UnrealIRCd has them: ignored with a warning), and the hint for a
 * name that is neither (a typo: an error, as in UnrealIRCd, so that `lnik { }` cannot silently
 * drop a live link at the next reload).
 */

/** The top-level blocks tslink reads (src/config/convert.ts). */
export const TSLINK_BLOCKS: readonly string[] = ['me', 'listen', 'link', 'class', 'ulines', 'set', 'deny', 'except', 'rpc-user', 'rpc-class', 'allow', 'oper'];

/**
 * UnrealIRCd 6's other top-level blocks and items: its core's (conf.c) and those of the modules it
 * ships (spamfilter, vhost, blacklist, badword, hideserver, spamreport...). `include` is expanded
 * before the blocks are read, so it never gets here.
 */
export const UNREALIRCD_ONLY_BLOCKS: ReadonlySet<string> = new Set([
  'admin', 'alias', 'ban', 'badword', 'blacklist', 'blacklist-module', 'drpass', 'files', 'help',
  'hideserver', 'include', 'loadmodule', 'log', 'official-channels', 'operclass', 'proxy', 'require',
  'secret', 'security-group', 'sni', 'spamfilter', 'spamreport', 'tld', 'vhost', 'webirc',
]);

/** Edit distance with adjacent transpositions counted as one edit (`lnik` → `link` is 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Longest name we compare (a longer one is no typo of a block name; keeps the table small). */
const MAX_COMPARED = 64;

/** The known block name closest to `name` (at most 2 edits, ignoring case), tslink's own first on a tie. */
export function closestBlockName(name: string): string | undefined {
  if (name.length > MAX_COMPARED) return undefined;
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of [...TSLINK_BLOCKS, ...UNREALIRCD_ONLY_BLOCKS]) {
    const dist = editDistance(lower, candidate);
    if (dist < bestDistance) { best = candidate; bestDistance = dist; }
  }
  return best;
}
