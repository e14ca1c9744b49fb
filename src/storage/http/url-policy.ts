/**
 * Which URLs the server may fetch on a caller's behalf. An invoker can make the server read any URL it
 * names, so by default only public addresses over https are fetched: a host that resolves to loopback,
 * private, link-local (the cloud metadata service at 169.254.169.254), unique-local, multicast, reserved
 * or unspecified addresses is refused, as is plain http and a URL carrying credentials. The check runs on
 * the addresses DNS gave, and the request then connects to the checked address (see http-request.ts), so
 * a name cannot resolve to a public address for the check and to a private one for the fetch. The
 * operator widens it with `allowHosts` (host names, addresses or CIDR ranges, each optionally with a port)
 * and `allowHttp`.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ValidationError } from '../../core/errors.ts';

export interface UrlPolicy {
  /**
   * Entries the operator allows though they are not public: `files.internal`, `10.1.2.3`,
   * `10.0.0.0/8`, `localhost:8443`, `[::1]:8443`. A name allows that host whatever it resolves to; an
   * address or range allows those addresses whatever name reached them; a port narrows either to it.
   */
  allowHosts: readonly string[];
  /** Plain `http:` URLs too (refused by default: anyone on the path can change what is read). */
  allowHttp: boolean;
}

export const DEFAULT_URL_POLICY: UrlPolicy = { allowHosts: [], allowHttp: false };

/** Where a checked URL may be fetched from: the address to connect to, as DNS gave it. */
export interface CheckedTarget {
  address: string;
  family: 4 | 6;
}

interface AllowEntry {
  host?: string;
  net?: BlockList;
  port?: number;
}

/** Ranges that are not the public internet (RFC 6890 and its successors). */
function forbiddenRanges(): BlockList {
  const list = new BlockList();
  const v4: [string, number][] = [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.88.99.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ];
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, 'ipv4');
  const v6: [string, number][] = [
    ['::', 128],
    ['::1', 128],
    ['64:ff9b::', 96],
    ['64:ff9b:1::', 48],
    ['100::', 64],
    ['2001::', 23],
    ['2001:db8::', 32],
    ['2002::', 16],
    ['fc00::', 7],
    ['fe80::', 10],
    ['fec0::', 10],
    ['ff00::', 8],
  ];
  // IPv4-mapped addresses (::ffff:0:0/96) are not listed: BlockList would then match every IPv4 address
  // against that rule; isPublicAddress judges a mapped address as the IPv4 address inside it instead.
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

const FORBIDDEN = forbiddenRanges();

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:7f00:1` is 127.0.0.1), if it is one. */
function mappedIpv4(address: string): string | undefined {
  const match = /^::ffff:(?:([0-9.]+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!match) return undefined;
  if (match[1]) return match[1];
  const high = parseInt(match[2] ?? '0', 16);
  const low = parseInt(match[3] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Whether an address is on the public internet (a mapped IPv4 address is judged as that IPv4 address). */
export function isPublicAddress(address: string): boolean {
  const v4 = mappedIpv4(address);
  if (v4 !== undefined) return !FORBIDDEN.check(v4, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return !FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Reads one `allowHosts` entry; a malformed one is a ValidationError naming it. */
function parseAllowEntry(entry: string): AllowEntry {
  const text = entry.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(text);
  const [host, portText] = bracketed
    ? [bracketed[1] ?? '', bracketed[2]]
    : isIP(text.split('/')[0] ?? '') === 6
      ? [text, undefined]
      : (text.split(/:(?=\d+$)/) as [string, string | undefined]);
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(port >= 1 && port <= 65535)) throw badEntry(entry);
  const [address = '', prefixText, extra] = host.split('/');
  const family = isIP(address);
  if (family !== 0 && extra === undefined) {
    const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
    if (!/^\d*$/.test(prefixText ?? '') || prefix > (family === 4 ? 32 : 128)) throw badEntry(entry);
    const net = new BlockList();
    net.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return { net, ...(port === undefined ? {} : { port }) };
  }
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) throw badEntry(entry);
  return { host, ...(port === undefined ? {} : { port }) };
}

function badEntry(entry: string): ValidationError {
  return new ValidationError(
    `Invalid allowUrlHosts entry '${entry}': give a host name, an IP address or a CIDR range, each ` +
      `optionally with :PORT (e.g. files.internal, 10.0.0.0/8, localhost:8443, [::1]:8443).`,
    'allowUrlHosts',
  );
}

/** Checks the entries of a policy (for the config loader): throws on the first malformed one. */
export function checkAllowHosts(entries: readonly string[]): void {
  for (const entry of entries) parseAllowEntry(entry);
}

/** How a URL is shown in messages: no credentials, no query (it may hold a token), no fragment. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Query parameters that carry a credential: such a URL would put a secret in job records and views. */
const CREDENTIAL_PARAMS =
  /^(sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|access_token|token|api[-_]?key|password|secret)$/i;

/** The first query parameter of a URL (of any scheme) that carries a credential, if any. */
export function credentialParamOf(uri: string): string | undefined {
  const query = /\?([^#]*)/.exec(uri)?.[1];
  if (query === undefined) return undefined;
  return [...new URLSearchParams(query).keys()].find((name) => CREDENTIAL_PARAMS.test(name));
}

function refused(url: URL, why: string): ValidationError {
  return new ValidationError(`The URL '${displayUrl(url)}' is refused: ${why}`, 'url');
}

/**
 * Checks what can be checked without DNS: the scheme, credentials in the URL. Throws a ValidationError
 * whose message names the URL (without its query) and the fix.
 */
export function checkUrlShape(url: URL, policy: UrlPolicy): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw refused(url, `only ${policy.allowHttp ? 'https and http' : 'https'} URLs are accepted.`);
  }
  if (url.protocol === 'http:' && !policy.allowHttp) {
    throw refused(
      url,
      'plain http is refused (anyone on the way could read or change what it carries); use https, or an operator may ' +
        'allow http with nightshift serve --allow-http-urls.',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw refused(
      url,
      'it carries a user name or password; register a datastore with the credentials instead.',
    );
  }
  const name = credentialParamOf(url.href);
  if (name !== undefined) {
    throw refused(
      url,
      `its query parameter '${name}' carries a credential, which would be kept in the job record; register a ` +
        'datastore with the credentials and use its azureml:// URI instead.',
    );
  }
}

function effectivePort(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

/** The host part as the URL parser normalised it (2130706433, 0x7f.1 and 127.1 are all 127.0.0.1). */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** The policy's decision for one address reached through `url`. */
function allowed(url: URL, address: string, entries: readonly AllowEntry[]): boolean {
  if (isPublicAddress(address)) return true;
  const port = effectivePort(url);
  const host = hostOf(url);
  const v4 = mappedIpv4(address);
  const plain = v4 ?? address;
  const family = isIP(plain) === 4 ? 'ipv4' : 'ipv6';
  return entries.some(
    (e) =>
      (e.port === undefined || e.port === port) &&
      ((e.host !== undefined && e.host === host) || (e.net !== undefined && e.net.check(plain, family))),
  );
}

export interface AddressResolver {
  (host: string): Promise<{ address: string; family: number }[]>;
}

const systemResolver: AddressResolver = (host) => lookup(host, { all: true, order: 'verbatim' });

/**
 * Resolves the URL's host and checks every address it has: one that is not allowed refuses the URL (a
 * name with a public and a private address would otherwise be fetched from whichever the connection
 * picked). Returns the address to connect to.
 */
export async function checkedTarget(
  url: URL,
  policy: UrlPolicy,
  resolver: AddressResolver = systemResolver,
): Promise<CheckedTarget> {
  checkUrlShape(url, policy);
  const entries = policy.allowHosts.map(parseAllowEntry);
  const host = hostOf(url);
  const literal = isIP(host);
  const addresses =
    literal !== 0
      ? [{ address: host, family: literal }]
      : await resolver(host).catch((error: unknown) => {
          throw refused(
            url,
            `its host does not resolve (${(error as { code?: string }).code ?? 'DNS error'}).`,
          );
        });
  if (addresses.length === 0) throw refused(url, 'its host has no address.');
  for (const { address } of addresses) {
    if (!allowed(url, address, entries)) {
      throw refused(
        url,
        `its host ${literal !== 0 ? 'is' : 'resolves to'} ${address}, which is not a public address ` +
          '(loopback, private, link-local and metadata addresses are never fetched unless an operator allows ' +
          'the host with nightshift serve --allow-url-hosts).',
      );
    }
  }
  const first = addresses[0] ?? { address: host, family: 4 };
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
