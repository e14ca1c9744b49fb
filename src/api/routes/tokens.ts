/**
 * The token service over HTTP, at Entra ID's paths (`/{tenant}/oauth2/token`, `/{tenant}/oauth2/v2.0/token`,
 * discovery, JWKS) and IMDS's (`/metadata/identity/oauth2/token`); management of service principals and
 * managed identities is in identities.ts. These routes are public (they are how a caller gets a token)
 * and audited as token requests. OAuth refusals go out in Entra's own body shape, not the ARM envelope,
 * because OAuth clients read `error` / `error_description`. Every tenant route has a fixed tail of at
 * least two static segments, so it never shadows `/subscriptions/...` or the system routes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { IdentityService } from '../../auth/identity-service.ts';
import { OAuthError as OAuthRefusal, type TokenService } from '../../auth/token-service.ts';
import type { KeyStore } from '../../auth/tokens/key-store.ts';
import { discoveryDocument, type TokenVersion } from '../../auth/tokens/discovery.ts';
import type { RoleAssignmentService } from '../../auth/role-assignments.ts';
import { imdsCallerAllowed } from '../../auth/loopback.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { ArmError, OAuthError, open, query } from '../schemas.ts';

export interface TokenRouteServices {
  identities: IdentityService;
  tokens: TokenService;
  keys: KeyStore;
  /** Dropped with a deleted principal, so a later principal can never inherit its rights. */
  assignments?: Pick<RoleAssignmentService, 'removePrincipal'>;
}

type Form = Record<string, string | undefined>;

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Form)[name];
  return typeof value === 'string' ? value : undefined;
}

export function sendOAuthError(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof OAuthRefusal)) throw error;
  if (error.retryAfterSeconds !== undefined)
    void reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.status(error.status).header('cache-control', 'no-store').send(error.body);
}

const tags = ['tokens'];
export const TokenResponse = open(
  "An access token in Entra ID's shape (v1: resource, expires_on; v2: expires_in).",
  {
    access_token: Type.String(),
    token_type: Type.String(),
  },
);
/** A refusal: Entra's OAuth body from the token service, or the ARM envelope for an unreadable request. */
export const Refusal = Type.Union([OAuthError, ArmError]);
// Not an object schema: a missing or odd body must still get Entra's OAuth refusal, which clients read.
const TokenForm = Type.Unknown({
  description:
    'A form (application/x-www-form-urlencoded): grant_type=client_credentials, client_id, client_secret, and resource (v1) or scope (v2).',
});
const Tenant = Type.Object({ tenant: Type.String() });
const issue = {
  public: 'the client credentials grant: how a caller gets a token',
  audit: 'token/issue',
} as const;

export function tokenRoutes(s: TokenRouteServices): RouteSpec[] {
  const token = (version: TokenVersion) => async (req: FastifyRequest, reply: FastifyReply) => {
    const { tenant } = req.params as { tenant: string };
    try {
      const { response } = await s.tokens.issueForClientCredentials({
        tenant,
        version,
        grantType: field(req.body, 'grant_type'),
        clientId: field(req.body, 'client_id'),
        clientSecret: field(req.body, 'client_secret'),
        resource: field(req.body, 'resource'),
        scope: field(req.body, 'scope'),
        remoteAddress: req.ip,
      });
      return await reply.header('cache-control', 'no-store').send(response);
    } catch (error) {
      return sendOAuthError(reply, error);
    }
  };
  const tokenRoute = (url: string, version: TokenVersion) =>
    defineRoute({
      method: 'POST',
      url,
      summary: `Client credentials token (v${version})`,
      tags,
      access: issue,
      params: Tenant,
      body: TokenForm,
      bodyKind: 'form',
      bodyLimit: 16 * 1024,
      responses: { 200: TokenResponse, 400: Refusal, 401: Refusal, 429: Refusal },
      handler: token(version),
    });
  return [
    tokenRoute('/:tenant/oauth2/token', '1.0'),
    tokenRoute('/:tenant/oauth2/v2.0/token', '2.0'),
    ...discoveryRoutes(s),
    imdsRoute(s),
  ];
}

function discoveryRoutes(s: TokenRouteServices): RouteSpec[] {
  const discovery = (version: TokenVersion) => (req: FastifyRequest, reply: FastifyReply) => {
    const { tenant } = req.params as { tenant: string };
    if (tenant.toLowerCase() !== s.tokens.tenantId.toLowerCase()) {
      return reply.status(400).send({
        error: 'invalid_tenant',
        error_description: `Tenant '${tenant}' not found. This server's tenant is '${s.tokens.tenantId}'.`,
      });
    }
    return reply.send(
      discoveryDocument({ baseUrl: s.tokens.issuerUrl(), tenantId: s.tokens.tenantId, version }),
    );
  };
  const access = { public: 'OpenID discovery: how clients find the issuer and its keys' };
  const doc = (url: string, version: TokenVersion) =>
    defineRoute({
      method: 'GET',
      url,
      summary: `OpenID configuration (v${version})`,
      tags,
      access,
      params: Tenant,
      responses: { 200: open('The OpenID configuration document.'), 400: OAuthError },
      handler: discovery(version),
    });
  // Keys are the same for every tenant path, as one signing key set serves this whole directory.
  const keys = (url: string) =>
    defineRoute({
      method: 'GET',
      url,
      summary: 'The signing keys (JWKS)',
      tags,
      access: { public: 'the public keys tokens are verified with' },
      params: Tenant,
      responses: { 200: Type.Object({ keys: Type.Array(open('A JSON Web Key.')) }) },
      handler: () => s.keys.jwks(),
    });
  return [
    doc('/:tenant/.well-known/openid-configuration', '1.0'),
    doc('/:tenant/v2.0/.well-known/openid-configuration', '2.0'),
    keys('/:tenant/discovery/keys'),
    keys('/:tenant/discovery/v2.0/keys'),
  ];
}

function imdsRoute(s: TokenRouteServices): RouteSpec {
  return defineRoute({
    method: 'GET',
    url: '/metadata/identity/oauth2/token',
    summary: 'Managed identity token (IMDS), for processes on this host',
    tags,
    access: {
      public: 'IMDS has no credentials: it answers only loopback callers without forwarding headers',
      audit: 'token/issue-managed-identity',
    },
    query: query({
      resource: Type.Optional(Type.String()),
      client_id: Type.Optional(Type.String()),
    }),
    responses: { 200: TokenResponse, 400: Refusal, 401: Refusal, 403: OAuthError },
    handler: async (req, reply) => {
      const refuse = (description: string) =>
        reply.status(400).send({ error: 'invalid_request', error_description: description });
      // IMDS has no credentials: only a process on this host may ask, and never through a proxy (Azure's
      // IMDS refuses X-Forwarded-For for the same reason).
      if (!imdsCallerAllowed(req.headers, req.socket.remoteAddress)) {
        return reply.status(403).send({
          error: 'forbidden',
          error_description: 'The managed identity endpoint answers only requests from this host.',
        });
      }
      if (String(req.headers.metadata).toLowerCase() !== 'true') {
        return refuse('Required metadata header not specified');
      }
      if (!req.query['api-version']) return refuse("Required query variable 'api-version' is missing");
      try {
        const { response } = await s.tokens.issueForIdentity({
          resource: req.query.resource,
          clientId: req.query.client_id,
        });
        return await reply.send(response);
      } catch (error) {
        return sendOAuthError(reply, error);
      }
    },
  });
}
