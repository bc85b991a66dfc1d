/** Certificate (certfp) and public-key (spkifp) fingerprint formats. */

/** certfp as written (`AB:CD:...` or `abcd...`) → lowercase hex without colons; other text unchanged. */
export function normaliseCertfp(text: string): string {
  return /^[0-9a-fA-F:]+$/.test(text) ? text.replace(/:/g, '').toLowerCase() : text;
}

export function isCertfp(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(text);
}

/** spkifp without its `=` padding gets it back; other text unchanged. */
export function normaliseSpkifp(text: string): string {
  return /^[A-Za-z0-9+/]{43}$/.test(text) ? `${text}=` : text;
}

/** Canonical base64 of exactly 32 bytes (a SHA-256 digest). */
export function isSpkifp(text: string): boolean {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) return false;
  return Buffer.from(text, 'base64').toString('base64') === text;
}
