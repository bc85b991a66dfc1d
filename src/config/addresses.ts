/** Address checks used by the link security rules (loopback only, no DNS). */
import { isIP } from 'node:net';

/** True for an IP literal in 127.0.0.0/8, `::1`, or IPv4-mapped 127.0.0.0/8. Host names are not loopback. */
export function isLoopbackAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) return address.split('.')[0] === '127';
  if (version !== 6) return false;
  const canonical = canonicalIpv6(address);
  return canonical === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
}

/**
 * True when every address an incoming mask can match is loopback:
 * a loopback IP, a CIDR inside 127.0.0.0/8 (or ::1/128), or a wildcard like `127.*`.
 */
export function isLoopbackMask(mask: string): boolean {
  const slash = mask.indexOf('/');
  if (slash !== -1) {
    const address = mask.slice(0, slash);
    const bitsText = mask.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bitsText) || !isLoopbackAddress(address)) return false;
    const bits = Number(bitsText);
    if (isIP(address) === 4) return bits >= 8 && bits <= 32;
    return canonicalIpv6(address) === '::1' ? bits === 128 : bits >= 104 && bits <= 128;
  }
  if (isIP(mask) !== 0) return isLoopbackAddress(mask);
  return /^127\.[0-9.*?]*$/.test(mask);
}

/** True for `*` or an IPv4/IPv6 literal. */
export function isBindAddress(text: string): boolean {
  return text === '*' || isIP(text) !== 0;
}

function canonicalIpv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}
