/**
 * The URLs of a tenant on the built-in token service and its OpenID Connect discovery document, laid out
 * like Entra ID's (`/{tenant}/oauth2/token`, `/{tenant}/oauth2/v2.0/token`, `/{tenant}/discovery/keys`), so
 * clients configured for login.microsoftonline.com only need another base URL. Pure functions: the HTTP
 * routes that serve these documents live elsewhere.
 */
import { ValidationError } from '../../core/errors.ts';

export type TokenVersion = '1.0' | '2.0';

/**
 * The directory this server is when none is configured (`NIGHTSHIFT_TENANT`): the one name for it, which
 * the token service, the configuration and the pipeline templates share.
 */
export const DEFAULT_TENANT = 'nightshift';

export interface TenantEndpoints {
  /** `iss` of tokens from the v1 endpoint: `${baseUrl}/${tenant}/` (Entra's v1 issuer ends with a slash). */
  issuerV1: string;
  /** `iss` of tokens from the v2 endpoint: `${baseUrl}/${tenant}/v2.0`. */
  issuerV2: string;
  tokenEndpointV1: string;
  tokenEndpointV2: string;
  jwksUriV1: string;
  jwksUriV2: string;
  discoveryV1: string;
  discoveryV2: string;
}

export interface OidcDiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  token_endpoint_auth_methods_supported: string[];
  grant_types_supported: string[];
  id_token_signing_alg_values_supported: ['RS256'];
  response_types_supported: string[];
  subject_types_supported: string[];
  claims_supported: string[];
}

/** Tenant ids become path segments, so anything that could escape the segment is refused up front. */
function checkTenant(tenantId: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(tenantId)) {
    throw new ValidationError(
      `Tenant '${tenantId}' is not a valid tenant id; use a GUID or a name of letters, digits, '.', '_' and '-'.`,
      'tenantId',
    );
  }
}

export function tenantEndpoints(baseUrl: string, tenantId: string): TenantEndpoints {
  checkTenant(tenantId);
  const root = `${baseUrl.replace(/\/+$/, '')}/${tenantId}`;
  return {
    issuerV1: `${root}/`,
    issuerV2: `${root}/v2.0`,
    tokenEndpointV1: `${root}/oauth2/token`,
    tokenEndpointV2: `${root}/oauth2/v2.0/token`,
    jwksUriV1: `${root}/discovery/keys`,
    jwksUriV2: `${root}/discovery/v2.0/keys`,
    discoveryV1: `${root}/.well-known/openid-configuration`,
    discoveryV2: `${root}/v2.0/.well-known/openid-configuration`,
  };
}

/** The issuer string a token of `version` carries; the verifier must be configured with the same. */
export function issuerFor(baseUrl: string, tenantId: string, version: TokenVersion): string {
  const endpoints = tenantEndpoints(baseUrl, tenantId);
  return version === '2.0' ? endpoints.issuerV2 : endpoints.issuerV1;
}

/**
 * The document served at `discoveryV1` / `discoveryV2`. Only client credentials and managed identity
 * tokens exist here, so there is no authorization endpoint and `response_types_supported` is `token` only.
 */
export function discoveryDocument(options: {
  baseUrl: string;
  tenantId: string;
  version: TokenVersion;
}): OidcDiscoveryDocument {
  const endpoints = tenantEndpoints(options.baseUrl, options.tenantId);
  const v2 = options.version === '2.0';
  return {
    issuer: v2 ? endpoints.issuerV2 : endpoints.issuerV1,
    jwks_uri: v2 ? endpoints.jwksUriV2 : endpoints.jwksUriV1,
    token_endpoint: v2 ? endpoints.tokenEndpointV2 : endpoints.tokenEndpointV1,
    token_endpoint_auth_methods_supported: ['client_secret_post'],
    grant_types_supported: ['client_credentials'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['token'],
    subject_types_supported: ['pairwise'],
    claims_supported: [
      'aud',
      'iss',
      'iat',
      'nbf',
      'exp',
      'sub',
      'oid',
      'tid',
      v2 ? 'azp' : 'appid',
      'idtyp',
      'name',
      'roles',
      'ver',
    ],
  };
}
