/**
 * One HTTP call of a WebActivity: send, then read the whole body under the 4 MB payload limit, all within
 * `httpRequestTimeout` (spec §2.7.1). Everything that yields no HTTP response — a bad URL, a refused
 * connection, a TLS failure, the deadline — becomes Data Factory's 2108 "NA - Unknown" failure; a
 * response of any status is returned for the caller to judge. Cancellation propagates as the signal's reason.
 */
import { TextDecoder } from 'node:util';
import { ActivityFailure } from '../runner/activity-failure.ts';
import type { Clock } from '../time/clock.ts';
import type { FetchLike } from './contract.ts';
import { RequestTimeoutError, withRequestTimeout } from './request-timeout.ts';
import { formatShortTimespan } from '../time/timespan.ts';
import { endpointUnreachable, outputTooLarge } from './web-failures.ts';

/** Data Factory's response payload limit, read as 4 MiB. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface HttpCall {
  method: string;
  /** The URL as the pipeline gave it; messages and relative `Location`s use it. */
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

export interface HttpExchange {
  url: string;
  status: number;
  headers: Headers;
  bodyText: string;
}

export interface ExchangeOptions {
  fetch: FetchLike;
  clock: Clock;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  rewriteUrl?: ((url: URL) => URL) | undefined;
}

export async function sendHttpCall(call: HttpCall, options: ExchangeOptions): Promise<HttpExchange> {
  const target = targetUrl(call.url, options.rewriteUrl);
  try {
    return await withRequestTimeout(options.clock, options.timeoutMs, options.signal, async (signal) => {
      const init: RequestInit = { method: call.method, headers: call.headers, signal, redirect: 'follow' };
      if (call.body !== undefined) init.body = call.body;
      const response = await options.fetch(target, init);
      const bytes = await readLimited(response, MAX_RESPONSE_BYTES);
      return {
        url: call.url,
        status: response.status,
        headers: response.headers,
        bodyText: decodeBody(bytes, response.headers.get('content-type')),
      };
    });
  } catch (error) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    if (error instanceof ActivityFailure) throw error;
    if (error instanceof RequestTimeoutError) {
      throw endpointUnreachable(
        call.url,
        `The request timed out after ${formatShortTimespan(error.timeoutMs)} (httpRequestTimeout).`,
      );
    }
    throw endpointUnreachable(call.url, networkErrorText(error));
  }
}

function targetUrl(url: string, rewrite: ((url: URL) => URL) | undefined): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw endpointUnreachable(url, `Invalid Url: ${url}. Please verify Url is valid and retry.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw endpointUnreachable(url, `Invalid Url: ${url}. Only http and https URLs can be called.`);
  }
  return (rewrite === undefined ? parsed : rewrite(parsed)).toString();
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw outputTooLarge();
  }
  if (response.body === null) return new Uint8Array();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw outputTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function decodeBody(bytes: Uint8Array, contentType: string | null): string {
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? 'utf-8');
  } catch {
    // An unknown charset label: read the bytes as UTF-8 rather than failing the activity.
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(bytes);
}

/** fetch reports "fetch failed" and hides the reason in `cause`; Data Factory shows the reason. */
function networkErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${error.message}: ${code} ${cause.message}`
      : `${error.message}: ${cause.message}`;
  }
  return error.message;
}
