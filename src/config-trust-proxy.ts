/**
 * Which peers the server believes about the client's address (`X-Forwarded-For`): none by default, so a
 * client cannot pick the address the sign-in lockout counts and the audit log records; else a number of
 * proxy hops in front of the server, or the proxies' own addresses and CIDR ranges.
 */
import { isIP } from 'node:net';
import { ValidationError } from './core/errors.ts';

export type TrustProxy = false | number | string[];

/**
 * `--trust-proxy`: a number of hops (1 to 10), or a comma-separated list of proxy addresses and CIDR
 * ranges. Trusting every peer is not offered: any client could then claim any address.
 */
export function readTrustProxy(text: string | undefined): TrustProxy {
  if (text === undefined || text.trim() === '' || text.trim().toLowerCase() === 'false') return false;
  const value = text.trim();
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops >= 1 && hops <= 10) return hops;
  } else {
    const entries = value.split(',').map((e) => e.trim());
    if (entries.every(isAddressOrRange)) return entries;
  }
  throw new ValidationError(
    `Invalid trustProxy '${value}': give the number of proxies in front of the server (1 to 10), or their ` +
      `addresses and CIDR ranges separated by commas (e.g. 127.0.0.1,10.0.0.0/8).`,
    'trustProxy',
  );
}

function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}
