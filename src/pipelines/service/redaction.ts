/**
 * Secrets never reach stored run records: values under keys that name a credential (`access_token`,
 * `client_secret`, `password`, ...) and any text that looks like a JWT are replaced by a marker before a
 * record is written. Expressions still saw the real values while the run was going; only the record of
 * what happened is redacted, as Data Factory's monitoring hides SecureString values.
 */
export const REDACTED = '***';

const SECRET_KEYS = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'clientsecret',
  'password',
  'secret',
  'authorization',
  'servicePrincipalKey'.toLowerCase(),
]);

const JWT = /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*/g;

export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(JWT, REDACTED);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] =
        SECRET_KEYS.has(key.toLowerCase()) && inner !== null && inner !== ''
          ? REDACTED
          : redactSecrets(inner);
    }
    return out;
  }
  return value;
}
