/**
 * One guarded HTTP(S) request on a caller's behalf: every hop (the URL and each redirect) is checked by
 * the URL policy and connected to the very address the check approved (a `lookup` that answers with it,
 * so DNS is not asked again between the check and the connection); redirects, response header size and
 * waiting time are bounded. The answer's body is left unread for the caller to stream or drop.
 */
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { ValidationError } from '../../core/errors.ts';
import {
  checkedTarget,
  displayUrl,
  type AddressResolver,
  type CheckedTarget,
  type UrlPolicy,
} from './url-policy.ts';

export interface HttpSourceOptions {
  policy: UrlPolicy;
  /** Extra certificate authorities (PEM) trusted for https besides Node's own bundle. */
  ca?: string;
  /** Redirects followed before giving up (5 by default). */
  maxRedirects?: number;
  /** How long to wait for the response headers, and for the body to move (30 s by default). */
  timeoutMs?: number;
  /** The largest response header block, in bytes (16 KiB by default). */
  maxHeaderBytes?: number;
  /** How host names become addresses; the system resolver unless a test gives its own. */
  resolver?: AddressResolver;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A lookup that answers with the checked address only, in both of the forms `net` asks for. */
function pinnedLookup(target: CheckedTarget): LookupFunction {
  return (_host, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

function failed(url: URL, why: string): ValidationError {
  return new ValidationError(`Reading '${displayUrl(url)}' failed: ${why}`, 'url');
}

/** OpenSSL's and Node's codes for a certificate the connection refused (untrusted, expired, wrong name). */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Why a connection failed, in words a caller can act on: a bare OpenSSL code such as
 * DEPTH_ZERO_SELF_SIGNED_CERT names neither the cause nor the fix, which for a certificate is the
 * operator's (--url-ca-file), not the caller's.
 */
function connectionFailure(error: Error & { code?: string }): string {
  const code = error.code ?? error.message;
  if (!CERTIFICATE_CODES.has(code)) return `${code}.`;
  return (
    `the host's TLS certificate was refused (${code}). Use a host whose certificate a public authority ` +
    'signed, or ask the operator to trust its authority with --url-ca-file (NIGHTSHIFT_URL_CA_FILE).'
  );
}

/** One request to one checked address; resolves with the response once its headers are in. */
function once(
  url: URL,
  method: string,
  target: CheckedTarget,
  o: HttpSourceOptions,
): Promise<IncomingMessage> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method,
      lookup: pinnedLookup(target),
      maxHeaderSize: o.maxHeaderBytes ?? 16 * 1024,
      // The body's idle limit; the headers' limit is the timer below.
      timeout: timeoutMs,
      headers: { 'accept-encoding': 'identity', 'user-agent': 'nightshift' },
      ...(o.ca === undefined ? {} : { ca: o.ca }),
      // No pooled sockets: each connection is made to the address checked for this hop.
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(failed(url, `no answer within ${timeoutMs} ms.`)), timeoutMs);
    req.on('timeout', () => req.destroy(failed(url, `the connection was idle for ${timeoutMs} ms.`)));
    req.on('error', (error: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(error instanceof ValidationError ? error : failed(url, connectionFailure(error)));
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    req.end();
  });
}

/**
 * Sends `method` to the URL, following redirects (each one checked again: an allowed host cannot send
 * the server on to a forbidden one). Returns the final response, whatever its status, and its URL.
 */
export async function guardedRequest(
  start: URL,
  method: 'GET' | 'HEAD',
  options: HttpSourceOptions,
): Promise<{ response: IncomingMessage; url: URL }> {
  const maxRedirects = options.maxRedirects ?? 5;
  let url = start;
  for (let hop = 0; ; hop++) {
    const target = await checkedTarget(url, options.policy, options.resolver);
    const response = await once(url, method, target, options);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined) return { response, url };
    response.resume();
    if (hop >= maxRedirects) throw failed(start, `more than ${maxRedirects} redirects.`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw failed(url, 'it redirects to an invalid URL.');
    }
    url = next;
  }
}
