/**
 * The input a WebActivity run records for monitoring (spec §2.6): its evaluated typeProperties with every
 * secret masked — SecureString values, the credential fields of `authentication`, and headers that carry
 * credentials — or a bare marker when the activity sets `policy.secureInput`. Built from the raw properties
 * so a run that fails validation still has an input to show.
 */
import { isRecord } from './request.ts';
import { isSecretReference } from './secrets.ts';

const MASK = '**********';

/** What the input record is when `secureInput` is on: no part of the request is kept. */
const SECURE_INPUT_RECORD: Readonly<Record<string, unknown>> = Object.freeze({ secureInput: MASK });

/** Authentication fields that hold a secret (or a whole certificate), whatever form they take. */
const SECRET_AUTH_FIELDS = new Set(['password', 'pfx', 'servicePrincipalKey', 'secret', 'clientSecret']);

/** Header names that carry credentials; matched ignoring case. */
const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|cookie)$|api-?key|secret|token|password|functions-key|subscription-key|signature/i;

export function webActivityInputRecord(
  props: unknown,
  options: { secureInput?: boolean | undefined } = {},
): Record<string, unknown> {
  if (options.secureInput === true) return { ...SECURE_INPUT_RECORD };
  if (!isRecord(props)) return {};
  return mapValues(props, (key, value) => {
    if (key === 'headers') return maskHeaders(value);
    if (key === 'authentication') return maskAuthentication(value);
    return maskSecureStrings(value);
  });
}

/** Object.fromEntries defines properties, so a key named "__proto__" cannot reach the prototype. */
function mapValues(
  source: Record<string, unknown>,
  map: (key: string, value: unknown) => unknown,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(source).map(([key, value]) => [key, map(key, value)]));
}

function maskHeaders(headers: unknown): unknown {
  let value = headers;
  if (typeof headers === 'string') {
    try {
      value = JSON.parse(headers) as unknown;
    } catch {
      return headers;
    }
  }
  if (!isRecord(value)) return maskSecureStrings(value);
  return mapValues(value, (name, headerValue) =>
    CREDENTIAL_HEADER.test(name) ? MASK : maskSecureStrings(headerValue),
  );
}

function maskAuthentication(authentication: unknown): unknown {
  if (!isRecord(authentication)) return maskSecureStrings(authentication);
  return mapValues(authentication, (key, value) =>
    SECRET_AUTH_FIELDS.has(key) ? maskSecret(value) : maskSecureStrings(value),
  );
}

/** A secret field keeps its shape (a Key Vault reference names no secret value, so it stays readable). */
function maskSecret(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (isSecretReference(value)) return maskSecureStrings(value);
  return MASK;
}

/** Deep copy with the value of every `{type: 'SecureString', value}` replaced by the mask. */
function maskSecureStrings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecureStrings);
  if (!isRecord(value)) return value;
  if (value.type === 'SecureString') return { ...value, value: MASK };
  return mapValues(value, (_key, inner) => maskSecureStrings(inner));
}
