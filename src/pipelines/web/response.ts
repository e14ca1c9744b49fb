/**
 * Builds a WebActivity's output from the final HTTP response (spec §2.7.1 "Output object"): a JSON object
 * body is spread at the top level, anything else lands in `Response` as raw text, and the service's own
 * fields follow and win any clash — ADFWebActivityResponseHeaders, ADFHttpStatusCodeInResponse and the
 * bookkeeping fields pipelines copied from Azure sometimes read (billingReference, executionDuration…).
 */
import { MAX_NESTING, pathTooDeep } from '../nesting.ts';
import type { HttpExchange } from './http-exchange.ts';
import { isRecord } from './request.ts';
import { responseNestedTooDeep } from './web-failures.ts';

/**
 * fetch lowercases header names. Data Factory shows them as the server sent them; Azure services send
 * standard headers in their registered spelling and `x-ms-*` in lower case, so standard names get their
 * registered spelling back and every other name is kept as received.
 */
const STANDARD_HEADER_NAMES = [
  'Accept-Ranges',
  'Access-Control-Allow-Origin',
  'Access-Control-Expose-Headers',
  'Age',
  'Allow',
  'Azure-AsyncOperation',
  'Cache-Control',
  'Connection',
  'Content-Disposition',
  'Content-Encoding',
  'Content-Language',
  'Content-Length',
  'Content-Location',
  'Content-Range',
  'Content-Type',
  'Date',
  'ETag',
  'Expires',
  'Keep-Alive',
  'Last-Modified',
  'Link',
  'Location',
  'Operation-Location',
  'Pragma',
  'Request-Context',
  'Retry-After',
  'Server',
  'Set-Cookie',
  'Strict-Transport-Security',
  'Transfer-Encoding',
  'Vary',
  'WWW-Authenticate',
  'X-Content-Type-Options',
  'X-Powered-By',
];
const SPELLING = new Map(STANDARD_HEADER_NAMES.map((name) => [name.toLowerCase(), name]));

export interface OutputBookkeeping {
  integrationRuntime: string;
  region: string;
  elapsedMs: number;
}

/** Header name → single string; repeated headers joined with `, ` (Set-Cookie included). */
export function responseHeadersRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[SPELLING.get(name) ?? name] = value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) record['Set-Cookie'] = cookies.join(', ');
  return record;
}

/**
 * The response body as output fields: a JSON object's own properties, otherwise `{Response: text}`. An
 * object nested deeper than MAX_NESTING fails the activity: records, masking and expressions walk it.
 */
export function bodyFields(bodyText: string): Record<string, unknown> {
  const trimmed = bodyText.trim();
  let parsed: unknown;
  if (trimmed.startsWith('{')) {
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      // Not JSON after all: falls through to the raw text.
    }
  }
  if (!isRecord(parsed)) return { Response: bodyText };
  if (pathTooDeep(parsed) !== undefined) throw responseNestedTooDeep(MAX_NESTING);
  return parsed;
}

export function webActivityOutput(
  exchange: HttpExchange,
  bookkeeping: OutputBookkeeping,
): Record<string, unknown> {
  // Spread (not Object.assign) so a body key named "__proto__" stays a plain data property.
  return {
    ...bodyFields(exchange.bodyText),
    ADFWebActivityResponseHeaders: responseHeadersRecord(exchange.headers),
    ADFHttpStatusCodeInResponse: String(exchange.status),
    ...bookkeepingFields(bookkeeping),
  };
}

function bookkeepingFields(bookkeeping: OutputBookkeeping): Record<string, unknown> {
  // Data Factory bills external activities per started minute, reported in hours (1 minute = 1/60).
  const billableMinutes = Math.max(1, Math.ceil(bookkeeping.elapsedMs / 60_000));
  return {
    effectiveIntegrationRuntime: `${bookkeeping.integrationRuntime} (${bookkeeping.region})`,
    executionDuration: Math.round(bookkeeping.elapsedMs / 1000),
    durationInQueue: { integrationRuntimeQueue: 0 },
    billingReference: {
      activityType: 'ExternalActivity',
      billableDuration: [{ meterType: 'AzureIR', duration: billableMinutes / 60, unit: 'Hours' }],
    },
  };
}
