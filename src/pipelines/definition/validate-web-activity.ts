/**
 * Rules for WebActivity (spec §2.7.1): a literal method, an http(s) URL or an expression, a body for
 * POST/PUT/PATCH, headers as an object (or the JSON text older exports hold), an httpRequestTimeout of at
 * most ten minutes, and an `authentication` block with the fields its type needs. Fabric's connection-based
 * form (`relativeUrl`) is refused with a message, since Nightshift has no Fabric connections.
 */
import { isJsonObject } from './json-text.ts';
import { isDynamic, isExpressionObject } from './lenient-values.ts';
import { checkBoolean, checkTimespan, isPresent, requireValue } from './validate-properties.ts';
import { oneOf, shown, typeProperties, type ActivitySite, type ProblemSink } from './validation-context.ts';

/** The methods WebActivity sends; the runtime (web/request.ts) reads the same list. */
export const WEB_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
export type WebMethod = (typeof WEB_METHODS)[number];
const METHODS_WITH_BODY = ['POST', 'PUT', 'PATCH'];
const WEB_AUTHENTICATION_TYPES = [
  'MSI',
  'ServicePrincipal',
  'UserAssignedManagedIdentity',
  'Basic',
  'ClientCertificate',
];

export function checkWebActivity(site: ActivitySite, sink: ProblemSink): void {
  const props = typeProperties(site);
  const method = checkMethod(site, props['method'], sink);
  checkUrl(site, props, sink);
  if (method !== undefined && METHODS_WITH_BODY.includes(method) && props['body'] === undefined) {
    sink.activity(
      site,
      'typeProperties.body',
      `is required for ${method}: set the request body (text, an object, or an expression).`,
    );
  }
  checkHeaders(site, props['headers'], sink);
  checkTimespan(sink, site, 'typeProperties.httpRequestTimeout', props['httpRequestTimeout'], {
    maxMs: 10 * 60_000,
    maxText: '00:10:00',
  });
  checkBoolean(sink, site, 'typeProperties.turnOffAsync', props['turnOffAsync']);
  checkBoolean(sink, site, 'typeProperties.disableCertValidation', props['disableCertValidation']);
  if (props['authentication'] !== undefined) checkAuthentication(site, props['authentication'], sink);
}

function checkMethod(site: ActivitySite, method: unknown, sink: ProblemSink): string | undefined {
  if (!requireValue(sink, site, 'typeProperties.method', method, `set it to ${oneOf(WEB_METHODS)}`))
    return undefined;
  const upper = typeof method === 'string' ? method.toUpperCase() : undefined;
  if (upper !== undefined && WEB_METHODS.some((known) => known === upper)) return upper;
  sink.activity(
    site,
    'typeProperties.method',
    `is ${shown(method)}; use ${oneOf(WEB_METHODS)} (written as text, not an expression).`,
  );
  return undefined;
}

function checkUrl(site: ActivitySite, props: Record<string, unknown>, sink: ProblemSink): void {
  const url = props['url'];
  if (url === undefined && props['relativeUrl'] !== undefined) {
    sink.activity(
      site,
      'typeProperties.url',
      'is required: this is a Fabric Web activity that calls a Fabric connection (relativeUrl), which Nightshift cannot use; set "url" to the full address instead.',
    );
    return;
  }
  if (!requireValue(sink, site, 'typeProperties.url', url, 'set the address to call (text or an expression)'))
    return;
  if (isDynamic(url)) return;
  if (typeof url !== 'string' || !/^https?:\/\/[^/]/i.test(url)) {
    sink.activity(
      site,
      'typeProperties.url',
      `is ${shown(url)}; it must be an http:// or https:// URL, or an expression.`,
    );
  }
}

function checkHeaders(site: ActivitySite, headers: unknown, sink: ProblemSink): void {
  if (headers === undefined || isExpressionObject(headers)) return;
  if (typeof headers === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(headers);
    } catch {
      parsed = undefined;
    }
    if (!isJsonObject(parsed)) {
      sink.activity(
        site,
        'typeProperties.headers',
        'is text that is not a JSON object; write the headers as an object, e.g. {"Content-Type": "application/json"}.',
      );
    }
    return;
  }
  if (!isJsonObject(headers)) {
    sink.activity(
      site,
      'typeProperties.headers',
      `is ${shown(headers)}; write the headers as an object of name and value.`,
    );
    return;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean' ||
      isExpressionObject(value)
    )
      continue;
    sink.activity(
      site,
      `typeProperties.headers['${name}']`,
      `is ${shown(value)}; a header value must be text or an expression.`,
    );
  }
}

/** The fields each authentication type needs; for a service principal, the alternative spellings of §2.7.1. */
const AUTH_FIELDS: Record<string, string[][]> = {
  MSI: [['resource']],
  UserAssignedManagedIdentity: [['resource']],
  Basic: [['username'], ['password']],
  ClientCertificate: [['pfx']],
  ServicePrincipal: [
    ['userTenant', 'tenant'],
    ['username', 'servicePrincipalId'],
    ['password', 'pfx', 'servicePrincipalKey'],
    ['resource'],
  ],
};

function checkAuthentication(site: ActivitySite, auth: unknown, sink: ProblemSink): void {
  const property = 'typeProperties.authentication';
  if (!isJsonObject(auth)) {
    sink.activity(
      site,
      property,
      `is ${shown(auth)}; it must be an object such as {"type": "MSI", "resource": "https://ml.azure.com"}.`,
    );
    return;
  }
  const type = WEB_AUTHENTICATION_TYPES.find(
    (known) => typeof auth['type'] === 'string' && known.toLowerCase() === auth['type'].toLowerCase(),
  );
  if (type === undefined) {
    sink.activity(
      site,
      `${property}.type`,
      `is ${shown(auth['type'])}; use ${oneOf(WEB_AUTHENTICATION_TYPES)}, or remove "authentication" and set an Authorization header.`,
    );
    return;
  }
  for (const alternatives of AUTH_FIELDS[type] ?? []) {
    if (alternatives.some((field) => isPresent(auth[field]))) continue;
    const names = alternatives.map((field) => `"${field}"`).join(' or ');
    sink.activity(
      site,
      `${property}.${alternatives[0] ?? ''}`,
      `is required for ${type} authentication: set ${names}.`,
    );
  }
}
