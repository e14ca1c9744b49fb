/**
 * How the studio signs people in with an external OIDC issuer: per issuer in `auth.externalIssuers`, an
 * optional `studio` block (`clientId` of the browser app registered at the issuer, `scopes`, a
 * `displayName` for the sign-in button), or for the issuer named by NIGHTSHIFT_OIDC_ISSUER the variables
 * NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID, NIGHTSHIFT_OIDC_STUDIO_SCOPES (space- or comma-separated) and
 * NIGHTSHIFT_OIDC_DISPLAY_NAME. The browser is a public client (authorization code with PKCE), so there
 * is no secret to configure; an issuer without a client id is trusted for API tokens but not offered in
 * the studio. Scopes must make the issuer put the issuer's configured `audience` in the access token
 * (for Entra ID: `api://<app>/.default`), since that token is what the studio calls the API with.
 */
import { ValidationError } from './core/errors.ts';

export interface StudioOidcClient {
  /** The browser app's client id at the issuer (a public client: no secret). */
  clientId: string;
  /** What the authorization request asks for; `openid` is always among them. */
  scopes: string[];
  /** The name on the sign-in button. */
  displayName: string;
}

const ENV_NAMES = [
  'NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID',
  'NIGHTSHIFT_OIDC_STUDIO_SCOPES',
  'NIGHTSHIFT_OIDC_DISPLAY_NAME',
] as const;
/** RFC 6749's scope-token: printable ASCII without space, `"` or `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
// Printable, no control characters: these end up in a URL (client id) or on a button (display name).
const CLIENT_ID = /^[^\s\p{Cc}]{1,200}$/u;
const DISPLAY_NAME = /^[^\p{Cc}]{1,80}$/u;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function readScopes(value: unknown, field: string): string[] {
  if (value === undefined) return ['openid'];
  const list =
    typeof value === 'string'
      ? value.split(/[\s,]+/)
      : Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? value
        : undefined;
  const scopes = list?.filter((s) => s !== '');
  const bad = scopes?.find((s) => !SCOPE_TOKEN.test(s));
  if (scopes === undefined || bad !== undefined) {
    throw new ValidationError(
      `Invalid studio scopes${bad === undefined ? '' : ` ('${bad}')`}: give scope names separated by spaces, e.g. 'openid profile api://nightshift/.default'.`,
      field,
    );
  }
  return scopes.includes('openid') ? scopes : ['openid', ...scopes];
}

function build(
  issuer: string,
  values: { clientId: unknown; scopes: unknown; displayName: unknown },
  fields: { clientId: string; scopes: string; displayName: string },
): StudioOidcClient {
  const clientId = text(values.clientId);
  if (clientId === undefined || !CLIENT_ID.test(clientId)) {
    throw new ValidationError(
      `Invalid studio client id for issuer '${issuer}': give the client id of the browser app registered at the issuer (no spaces).`,
      fields.clientId,
    );
  }
  const displayName = text(values.displayName) ?? defaultName(issuer);
  if (!DISPLAY_NAME.test(displayName)) {
    throw new ValidationError(
      `Invalid studio display name for issuer '${issuer}': give a name of at most 80 characters.`,
      fields.displayName,
    );
  }
  return { clientId, scopes: readScopes(values.scopes, fields.scopes), displayName };
}

/** The issuer's host ("login.example.com"), or the issuer itself when it is not a URL. */
function defaultName(issuer: string): string {
  try {
    return new URL(issuer).host;
  } catch {
    return issuer;
  }
}

/**
 * The studio settings of the issuer NIGHTSHIFT_OIDC_ISSUER names (`issuer`), from the environment;
 * undefined when none is set. Setting any of them without that issuer, or scopes or a name without the
 * client id, is a mistake worth refusing at start rather than a sign-in button that never appears.
 */
export function readStudioOidcEnv(
  env: Record<string, string | undefined>,
  issuer: string | undefined,
): StudioOidcClient | undefined {
  const given = ENV_NAMES.filter((name) => text(env[name]) !== undefined);
  if (given.length === 0) return undefined;
  if (issuer === undefined) {
    throw new ValidationError(
      `${given.join(', ')} is set but NIGHTSHIFT_OIDC_ISSUER is not; set the issuer the studio signs in with.`,
      given[0] ?? 'NIGHTSHIFT_OIDC_ISSUER',
    );
  }
  return build(
    issuer,
    {
      clientId: env.NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID,
      scopes: text(env.NIGHTSHIFT_OIDC_STUDIO_SCOPES),
      displayName: env.NIGHTSHIFT_OIDC_DISPLAY_NAME,
    },
    { clientId: ENV_NAMES[0], scopes: ENV_NAMES[1], displayName: ENV_NAMES[2] },
  );
}

/** The `studio` block of `auth.externalIssuers[i]` in the config file (`field` names it), if any. */
export function readStudioOidcFile(
  value: unknown,
  issuer: string,
  field: string,
): StudioOidcClient | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(
      `${field} must be an object: { "clientId": "...", "scopes": ["openid"], "displayName": "..." }.`,
      field,
    );
  }
  const v = value as Record<string, unknown>;
  return build(
    issuer,
    { clientId: v.clientId, scopes: v.scopes, displayName: v.displayName },
    { clientId: `${field}.clientId`, scopes: `${field}.scopes`, displayName: `${field}.displayName` },
  );
}
