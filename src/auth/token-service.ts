/**
 * The built-in token service: turns a client credentials request (v1 `resource=` or v2 `scope=R/.default`)
 * or a managed identity request into a signed access token, answering and refusing exactly as Entra ID
 * does, so azure-identity, MSAL and Data Factory-style clients work against it unchanged. Refusals are
 * `OAuthError`s carrying Entra's OAuth error body and status; the routes send them as they are, not in the
 * ARM envelope, because OAuth clients parse `error` and `error_description`.
 */
import { randomUUID } from 'node:crypto';
import { AuthenticationError } from './errors.ts';
import type { IdentityService } from './identity-service.ts';
import { issueToken, type IssuedToken } from './tokens/issuer.ts';
import type { KeyStore } from './tokens/key-store.ts';
import { DEFAULT_TENANT, issuerFor, type TokenVersion } from './tokens/discovery.ts';

/** The audiences tokens are issued for: the data plane and the management API. */
const KNOWN_AUDIENCES = ['https://ml.azure.com', 'https://management.azure.com'] as const;

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'invalid_resource'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'invalid_grant';

export interface OAuthErrorBody {
  error: OAuthErrorCode;
  error_description: string;
  error_codes?: number[];
  timestamp: string;
  trace_id: string;
}

export class OAuthError extends Error {
  readonly status: 400 | 401;
  readonly body: OAuthErrorBody;
  /** Seconds, for a Retry-After header when the client is locked out. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: 400 | 401,
    error: OAuthErrorCode,
    aadsts: number | undefined,
    description: string,
    retryAfterSeconds?: number,
  ) {
    const traceId = randomUUID();
    const timestamp = new Date().toISOString();
    // Entra prefixes descriptions with the AADSTS code and ends them with the trace id and timestamp.
    const full = `${aadsts === undefined ? '' : `AADSTS${aadsts}: `}${description} Trace ID: ${traceId} Timestamp: ${timestamp}`;
    super(full);
    this.name = 'OAuthError';
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
    this.body = {
      error,
      error_description: full,
      ...(aadsts === undefined ? {} : { error_codes: [aadsts] }),
      timestamp,
      trace_id: traceId,
    };
  }
}

export interface ClientCredentialsRequest {
  tenant: string;
  /** The form fields as received; missing ones are refused with Entra's messages. */
  grantType?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  resource?: string | undefined;
  scope?: string | undefined;
  version: TokenVersion;
  /** The socket peer's address: wrong secrets are counted per client id and source. */
  remoteAddress?: string | undefined;
}

/** Entra's token response; v1 sends numbers as strings and names the resource, v2 does neither. */
export type TokenResponse =
  | {
      token_type: 'Bearer';
      expires_in: string;
      ext_expires_in: string;
      expires_on: string;
      not_before: string;
      resource: string;
      access_token: string;
    }
  | { token_type: 'Bearer'; expires_in: number; ext_expires_in: number; access_token: string };

/** IMDS's answer (all numbers as strings, like the real endpoint). */
export interface ImdsTokenResponse {
  access_token: string;
  client_id: string;
  expires_in: string;
  expires_on: string;
  ext_expires_in: string;
  not_before: string;
  resource: string;
  token_type: 'Bearer';
}

export interface TokenServiceOptions {
  identities: IdentityService;
  keys: KeyStore;
  /** This server's issuer base URL (see ServerIssuer), never one taken from a request. */
  issuerUrl: () => string;
  tenantId?: string;
  /** Entra's default is about an hour. */
  lifetimeSeconds?: number;
  now?: () => number;
}

export interface TokenService {
  readonly tenantId: string;
  /** The base URL our tokens' issuers and the discovery documents are built from. */
  issuerUrl(): string;
  issueForClientCredentials(
    request: ClientCredentialsRequest,
  ): Promise<{ response: TokenResponse; token: IssuedToken }>;
  issueForIdentity(request: {
    resource?: string | undefined;
    clientId?: string | undefined;
  }): Promise<{ response: ImdsTokenResponse; token: IssuedToken }>;
}

/** The canonical audience for a requested resource, or undefined when it is not one we issue for. */
export function canonicalAudience(resource: string): string | undefined {
  const trimmed = resource.replace(/\/$/, '').toLowerCase();
  return KNOWN_AUDIENCES.find((a) => a === trimmed);
}

function unknownResource(resource: string): OAuthError {
  return new OAuthError(
    400,
    'invalid_resource',
    500011,
    `The resource principal named ${resource} was not found in the tenant. This server issues tokens for ${KNOWN_AUDIENCES.join(' and ')} only.`,
  );
}

/** `resource` (v1) or `scope=RESOURCE/.default` (v2) to the audience. */
function requestedResource(request: ClientCredentialsRequest): string {
  if (request.version === '1.0') {
    if (!request.resource) {
      throw new OAuthError(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'resource'.",
      );
    }
    return request.resource;
  }
  if (!request.scope) {
    throw new OAuthError(
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'scope'.",
    );
  }
  const scopes = request.scope.split(' ').filter((s) => s.length > 0);
  const first = scopes[0];
  if (scopes.length !== 1 || first === undefined || !first.endsWith('/.default')) {
    throw new OAuthError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${request.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  return first.slice(0, -'/.default'.length);
}

/** The form fields a client credentials request must carry, refused with Entra's codes and messages. */
function checkClientCredentialsForm(request: ClientCredentialsRequest): {
  clientId: string;
  clientSecret: string;
} {
  if (request.grantType !== 'client_credentials') {
    throw new OAuthError(
      400,
      request.grantType ? 'unsupported_grant_type' : 'invalid_request',
      request.grantType ? 70003 : 900144,
      request.grantType
        ? `The app requested an unsupported grant type '${request.grantType}'; only client_credentials is supported.`
        : "The request body must contain the following parameter: 'grant_type'.",
    );
  }
  if (!request.clientId) {
    throw new OAuthError(
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'client_id'.",
    );
  }
  if (!request.clientSecret) {
    throw new OAuthError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  return { clientId: request.clientId, clientSecret: request.clientSecret };
}

export function createTokenService(options: TokenServiceOptions): TokenService {
  // One directory per server; token requests naming another tenant are refused like Entra does.
  const tenantId = options.tenantId ?? DEFAULT_TENANT;
  const lifetimeSeconds = options.lifetimeSeconds ?? 3600;
  const sign = (request: Parameters<typeof issueToken>[0]) =>
    issueToken(request, { key: options.keys.current(), ...(options.now ? { now: options.now } : {}) });

  function checkTenant(tenant: string): void {
    if (tenant.toLowerCase() !== tenantId.toLowerCase()) {
      throw new OAuthError(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. This server's tenant is '${tenantId}'.`,
      );
    }
  }

  return {
    tenantId,
    issuerUrl: options.issuerUrl,
    async issueForClientCredentials(request) {
      checkTenant(request.tenant);
      const { clientId, clientSecret } = checkClientCredentialsForm(request);
      const resource = requestedResource(request);
      const audience = canonicalAudience(resource);
      // The resource is checked before the secret so a bad request does not count as a wrong guess.
      if (!audience) throw unknownResource(resource);
      let principal;
      try {
        principal = await options.identities.checkSecret(clientId, clientSecret, request.remoteAddress);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        if (error.code === 'UnknownClient') {
          throw new OAuthError(400, 'unauthorized_client', 700016, error.message);
        }
        if (error.code === 'TooManyAttempts') {
          throw new OAuthError(401, 'invalid_client', 50053, error.message, error.retryAfterSeconds ?? 60);
        }
        throw new OAuthError(401, 'invalid_client', 7000215, error.message);
      }
      const token = await sign({
        subject: principal.objectId,
        objectId: principal.objectId,
        appId: principal.appId,
        tenantId,
        audience,
        issuer: issuerFor(options.issuerUrl(), tenantId, request.version),
        name: principal.displayName,
        idType: 'app',
        lifetimeSeconds,
        version: request.version,
      });
      const response: TokenResponse =
        request.version === '1.0'
          ? {
              token_type: 'Bearer',
              expires_in: String(token.expiresIn),
              ext_expires_in: String(token.expiresIn),
              expires_on: token.expiresOn,
              not_before: String(token.claims.nbf),
              resource: token.resource,
              access_token: token.accessToken,
            }
          : {
              token_type: 'Bearer',
              expires_in: token.expiresIn,
              ext_expires_in: token.expiresIn,
              access_token: token.accessToken,
            };
      return { response, token };
    },
    async issueForIdentity(request) {
      if (!request.resource) {
        throw new OAuthError(
          400,
          'invalid_request',
          undefined,
          'Required query variable resource is missing',
        );
      }
      const audience = canonicalAudience(request.resource);
      if (!audience) throw unknownResource(request.resource);
      const identity = request.clientId
        ? await options.identities.findManagedIdentityByClientId(request.clientId)
        : await options.identities.systemIdentity();
      if (!identity) {
        throw new OAuthError(
          400,
          'invalid_request',
          undefined,
          `Identity not found: no managed identity has client_id '${request.clientId ?? ''}'.`,
        );
      }
      const token = await sign({
        subject: identity.objectId,
        objectId: identity.objectId,
        appId: identity.clientId,
        tenantId,
        audience,
        // IMDS hands out v1 tokens.
        issuer: issuerFor(options.issuerUrl(), tenantId, '1.0'),
        name: identity.name,
        idType: 'managedIdentity',
        lifetimeSeconds,
        version: '1.0',
      });
      const seconds = String(token.expiresIn);
      return {
        response: {
          access_token: token.accessToken,
          client_id: identity.clientId,
          expires_in: seconds,
          expires_on: token.expiresOn,
          ext_expires_in: seconds,
          not_before: String(token.claims.nbf),
          resource: token.resource,
          token_type: 'Bearer',
        },
        token,
      };
    },
  };
}
