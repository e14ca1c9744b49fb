/**
 * Who counts as "a process on this host": IMDS hands out managed identity tokens with no credential at all,
 * so it answers only a connection whose socket peer is loopback and that carries no forwarding header of
 * any kind. A local reverse proxy connects from loopback too; any header a proxy adds to say whom it is
 * relaying (standard, de facto or vendor-specific) means the real caller is somewhere else.
 */

/** Whether an address is this host's loopback, in any form Node reports it (`127.x`, `::1`, IPv4-mapped). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** Headers that proxies, load balancers and CDNs add to name the client they relay for. */
export const FORWARDING_HEADERS: readonly string[] = [
  'forwarded',
  'forwarded-for',
  'via',
  'x-real-ip',
  'x-client-ip',
  'client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'akamai-client-ip',
  'x-cluster-client-ip',
  'x-originating-ip',
  'x-original-forwarded-for',
  'x-remote-ip',
  'x-remote-addr',
  'x-proxyuser-ip',
  'x-appengine-user-ip',
  'x-azure-clientip',
  'x-azure-socketip',
];

/** Whole families: `x-forwarded-for`, `-host`, `-proto`, `-port`, `-server`, `x-forwarded` itself; Envoy's. */
const FORWARDING_PREFIXES = ['x-forwarded', 'x-envoy-'];

function isForwardingHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return FORWARDING_HEADERS.includes(lower) || FORWARDING_PREFIXES.some((p) => lower.startsWith(p));
}

/** True only for a loopback socket peer whose request carries no forwarding header, whatever its value. */
export function imdsCallerAllowed(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  socketRemoteAddress: string | undefined,
): boolean {
  if (!isLoopback(socketRemoteAddress)) return false;
  return !Object.entries(headers).some(([name, value]) => value !== undefined && isForwardingHeader(name));
}
