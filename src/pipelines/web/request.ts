/**
 * Turns a WebActivity's evaluated typeProperties into the request to send (spec §2.7.1): method compared
 * ignoring case, headers given as an object or (older exports) a JSON string, and the body rules — none on
 * GET, strings verbatim even when they are not JSON, anything else JSON-serialized, `application/json` when
 * a body has no Content-Type. Malformed properties fail here, before any call, with Data Factory's codes.
 */
import { invalidProperty, requiredProperty, wrongPropertyType } from './web-failures.ts';
import { parseTimespan } from '../time/timespan.ts';
import { WEB_METHODS, type WebMethod } from '../definition/validate-web-activity.ts';

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_INTEGRATION_RUNTIME = 'AutoResolveIntegrationRuntime';

export interface WebRequestSpec {
  method: WebMethod;
  url: string;
  /** Header names as written; values as strings. */
  headers: Record<string, string>;
  body: string | undefined;
  authentication: Record<string, unknown> | undefined;
  timeoutMs: number;
  turnOffAsync: boolean;
  disableCertValidation: boolean;
  integrationRuntime: string;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseWebRequest(props: unknown): WebRequestSpec {
  if (!isRecord(props)) throw wrongPropertyType('typeProperties', 'Object');
  const method = parseMethod(props.method);
  const headers = parseHeaders(props.headers);
  const body = requestBody(method, props.body);
  if (body !== undefined && !hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
  return {
    method,
    url: parseUrl(props.url),
    headers,
    body,
    authentication: parseAuthentication(props.authentication),
    timeoutMs: parseTimeout(props.httpRequestTimeout),
    turnOffAsync: parseFlag(props.turnOffAsync, 'turnOffAsync'),
    disableCertValidation: parseFlag(props.disableCertValidation, 'disableCertValidation'),
    integrationRuntime: integrationRuntimeName(props.connectVia),
  };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function parseMethod(value: unknown): WebMethod {
  if (value === undefined || value === null || value === '') throw requiredProperty('method');
  if (typeof value !== 'string') throw wrongPropertyType('method', 'String');
  const upper = value.toUpperCase();
  const method = WEB_METHODS.find((m) => m === upper);
  if (method === undefined) {
    throw invalidProperty('method', `'${value}' is not one of ${WEB_METHODS.join(', ')}`);
  }
  return method;
}

function parseUrl(value: unknown): string {
  if (value === undefined || value === null || value === '') throw requiredProperty('url');
  if (typeof value !== 'string') throw wrongPropertyType('url', 'String');
  return value;
}

function parseHeaders(value: unknown): Record<string, string> {
  if (value === undefined || value === null || value === '') return {};
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch (error) {
      throw invalidProperty('headers', error instanceof Error ? error.message : String(error));
    }
  }
  if (!isRecord(parsed)) throw wrongPropertyType('headers', 'Object');
  return Object.fromEntries(
    Object.entries(parsed)
      // A header whose expression evaluated to null is left out rather than sent as "null".
      .filter(([, headerValue]) => headerValue !== null && headerValue !== undefined)
      .map(([name, headerValue]) => [
        name,
        typeof headerValue === 'string' ? headerValue : JSON.stringify(headerValue),
      ]),
  );
}

function requestBody(method: WebMethod, body: unknown): string | undefined {
  // Data Factory's docs forbid a body on GET, but exports carry one anyway; it is ignored, not refused.
  if (method === 'GET') return undefined;
  if (body === undefined || body === null) {
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') throw requiredProperty('body');
    return undefined;
  }
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function parseAuthentication(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw wrongPropertyType('authentication', 'Object');
  return value;
}

function parseTimeout(value: unknown): number {
  if (value === undefined || value === null || value === '') return DEFAULT_TIMEOUT_MS;
  if (typeof value !== 'string') throw wrongPropertyType('httpRequestTimeout', 'String');
  const ms = parseTimespan(value);
  if (ms === undefined || ms <= 0 || ms > MAX_TIMEOUT_MS) {
    throw invalidProperty('httpRequestTimeout', `'${value}' is not a timespan between 00:00:01 and 00:10:00`);
  }
  return ms;
}

function parseFlag(value: unknown, property: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  // Expressions and some exports produce the flag as a string.
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw wrongPropertyType(property, 'Boolean');
}

function integrationRuntimeName(connectVia: unknown): string {
  if (
    isRecord(connectVia) &&
    typeof connectVia.referenceName === 'string' &&
    connectVia.referenceName !== ''
  ) {
    return connectVia.referenceName;
  }
  return DEFAULT_INTEGRATION_RUNTIME;
}
