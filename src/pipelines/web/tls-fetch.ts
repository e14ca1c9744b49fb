/**
 * A fetch-compatible client over node:http/node:https for the two WebActivity features the global fetch
 * cannot do per request without an extra dependency: a TLS client certificate (ClientCertificate auth) and
 * `disableCertValidation`. It speaks just what the activity uses — method, string headers, a string body,
 * an abort signal — and does not follow redirects.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike, TlsSettings } from './contract.ts';

/** Statuses whose response carries no body, which the Response constructor refuses to be given. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export function createTlsFetch(tls: TlsSettings): FetchLike {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      const body = typeof init.body === 'string' ? init.body : undefined;
      const headers = Object.fromEntries(new Headers(init.headers));
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const options = {
        method: init.method ?? 'GET',
        headers,
        ...(init.signal ? { signal: init.signal } : {}),
        ...(url.protocol === 'https:' ? tlsOptions(tls) : {}),
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(url, options, (response) => {
        resolve(toResponse(response));
      });
      request.on('error', reject);
      request.end(body);
    });
}

function tlsOptions(tls: TlsSettings): Record<string, unknown> {
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.pfx === undefined ? {} : { pfx: tls.pfx }),
    ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
  };
}

function toResponse(message: IncomingMessage): Response {
  const headers = new Headers();
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] ?? '', raw[i + 1] ?? '');
  const status = message.statusCode ?? 0;
  if (NULL_BODY_STATUSES.has(status)) {
    message.resume();
    return new Response(null, { status, statusText: message.statusMessage ?? '', headers });
  }
  const body = Readable.toWeb(message) as ReadableStream<Uint8Array>;
  return new Response(body, { status, statusText: message.statusMessage ?? '', headers });
}
