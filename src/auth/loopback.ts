/**
 * Whether an address is this host's loopback, in any form Node reports it (`127.x`, `::1`, IPv4-mapped).
 * IMDS answers only such callers, and the wrong-secret limiter never locks them as an address, because
 * every process on the host shares it.
 */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
