/** Address checks used by the link security rules (loopback only, no DNS), on top of src/link/addressMask.ts. */
import { isIP } from 'node:net';
import { isLoopbackIp, isLoopbackOnlyMask, parseAddressMask } from '../link/addressMask.ts';

/** True for an IP literal in 127.0.0.0/8, `::1`, or IPv4-mapped 127.0.0.0/8. Host names are not loopback. */
export function isLoopbackAddress(address: string): boolean {
  return isLoopbackIp(address);
}

/**
 * True when every address an incoming mask can match is loopback:
 * a loopback IP, a CIDR inside 127.0.0.0/8 (or ::1/128), or a wildcard like `127.*`.
 * False for a mask that does not parse.
 */
export function isLoopbackMask(mask: string): boolean {
  const parsed = parseAddressMask(mask);
  return parsed.ok && isLoopbackOnlyMask(parsed.mask);
}

/** True for `*` or an IPv4/IPv6 literal. */
export function isBindAddress(text: string): boolean {
  return text === '*' || isIP(text) !== 0;
}
