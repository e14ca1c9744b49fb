/**
 * Where a linked service may point. A linked service's URL is chosen by whoever may write linked services,
 * and the server then connects to it with its own network position, so a URL at a cloud metadata service
 * (IMDS on 169.254.169.254, its IPv6 and provider aliases) or at this server itself would let a pipeline
 * author read what only the host should (server-side request forgery). Loopback and private addresses stay
 * allowed: Azurite, MinIO and on-premises stores live there. Names are checked as given when the linked
 * service is saved, and resolved again before an activity connects, so a name that points at a metadata
 * address is refused too.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ValidationError } from '../../core/errors.ts';

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'metadata.azure.internal']);

/** Whether an address is link-local (IMDS and friends) or another cloud's metadata address. */
export function isMetadataAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(a) === 4) {
    return a.startsWith('169.254.') || a === '100.100.100.200' || a === '0.0.0.0';
  }
  if (isIP(a) === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a)?.[1];
    if (mapped !== undefined) return isMetadataAddress(mapped);
    // The URL parser writes an IPv4-mapped address in hex (`::ffff:a9fe:a9fe`).
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
    if (hex?.[1] !== undefined && hex[2] !== undefined) {
      const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
      return isMetadataAddress([high >> 8, high & 255, low >> 8, low & 255].join('.'));
    }
    return a.startsWith('fe80:') || a === 'fd00:ec2::254' || a === '::';
  }
  return false;
}

function refuse(url: URL, field: string, why: string): never {
  throw new ValidationError(
    `'${field}' points at ${url.host}, ${why}; the server never connects there on a caller's behalf. Give the address of the service itself.`,
    field,
  );
}

/** Refuses a URL whose host is a metadata address or name, or one of `own` (this server's host:port). */
export function checkStoreAddress(url: URL, field: string, own: readonly string[] = []): void {
  const host = url.hostname.toLowerCase();
  if (METADATA_NAMES.has(host) || isMetadataAddress(host)) refuse(url, field, 'a cloud metadata address');
  if (own.includes(url.host.toLowerCase())) refuse(url, field, 'this Nightshift server');
}

/** The same check after resolving the name, right before a connection is made. */
export async function checkResolvedAddress(
  url: URL,
  field: string,
  own: readonly string[] = [],
): Promise<void> {
  checkStoreAddress(url, field, own);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return;
  const addresses = await lookup(host, { all: true }).catch(() => []);
  for (const { address } of addresses) {
    if (isMetadataAddress(address)) refuse(url, field, `a name for the metadata address ${address}`);
  }
}
