/**
 * The token service over HTTP, at Entra ID's paths (`/{tenant}/oauth2/token`, `/{tenant}/oauth2/v2.0/token`,
 * discovery, JWKS) and IMDS's (`/metadata/identity/oauth2/token`), plus management of service principals
 * and managed identities under `/nightshift/`. OAuth refusals go out in Entra's own body shape, not the
 * ARM envelope, because OAuth clients read `error` / `error_description`. Every tenant route has a fixed
 * tail of at least two static segments, so it never shadows `/subscriptions/...` or the system routes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IdentityService } from '../../auth/identity-service.ts';
import { OAuthError, type TokenService } from '../../auth/token-service.ts';
import type { KeyStore } from '../../auth/tokens/key-store.ts';
import { discoveryDocument, type TokenVersion } from '../../auth/tokens/discovery.ts';
import { ValidationError } from '../../core/errors.ts';
import type { RoleAssignmentService } from '../../auth/role-assignments.ts';
import { imdsCallerAllowed } from '../../auth/loopback.ts';

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

function sendOAuthError(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof OAuthError)) throw error;
  if (error.retryAfterSeconds !== undefined)
    void reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.status(error.status).header('cache-control', 'no-store').send(error.body);
}

export function registerTokenRoutes(app: FastifyInstance, s: TokenRouteServices): void {
  // OAuth token requests are form posts; fields may repeat in theory, but Entra takes the first.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_req, body, done) => {
      const form: Form = {};
      for (const [key, value] of new URLSearchParams(body as string)) form[key] ??= value;
      done(null, form);
    },
  );

  const tags = ['tokens'];
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
  app.post('/:tenant/oauth2/token', { schema: { tags } }, token('1.0'));
  app.post('/:tenant/oauth2/v2.0/token', { schema: { tags } }, token('2.0'));

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
  app.get('/:tenant/.well-known/openid-configuration', { schema: { tags } }, discovery('1.0'));
  app.get('/:tenant/v2.0/.well-known/openid-configuration', { schema: { tags } }, discovery('2.0'));
  // Keys are the same for every tenant path, as one signing key set serves this whole directory.
  app.get('/:tenant/discovery/keys', { schema: { tags } }, () => s.keys.jwks());
  app.get('/:tenant/discovery/v2.0/keys', { schema: { tags } }, () => s.keys.jwks());

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/metadata/identity/oauth2/token',
    { schema: { tags } },
    async (req, reply) => {
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
  );

  const mtags = ['identities'];
  app.get('/nightshift/servicePrincipals', { schema: { tags: mtags } }, async () => ({
    value: await s.identities.listServicePrincipals(),
  }));
  app.post<{ Body: unknown }>(
    '/nightshift/servicePrincipals',
    { schema: { tags: mtags } },
    async (req, reply) => {
      const displayName = field(req.body, 'displayName');
      if (displayName === undefined) throw new ValidationError('displayName is required.', 'displayName');
      const { principal, secret } = await s.identities.createServicePrincipal(
        displayName,
        req.principal?.objectId,
      );
      return reply.status(201).send({ ...principal, password: secret, tenant: s.tokens.tenantId });
    },
  );
  app.get<{ Params: { appId: string } }>(
    '/nightshift/servicePrincipals/:appId',
    { schema: { tags: mtags } },
    (req) => s.identities.getServicePrincipal(req.params.appId),
  );
  app.delete<{ Params: { appId: string } }>(
    '/nightshift/servicePrincipals/:appId',
    { schema: { tags: mtags } },
    async (req, reply) => {
      const principal = await s.identities.getServicePrincipal(req.params.appId);
      await s.identities.deleteServicePrincipal(req.params.appId);
      await s.assignments?.removePrincipal(principal.objectId);
      return reply.status(204).send();
    },
  );
  app.post<{ Params: { appId: string } }>(
    '/nightshift/servicePrincipals/:appId/resetSecret',
    { schema: { tags: mtags } },
    async (req) => {
      const { principal, secret } = await s.identities.resetSecret(req.params.appId);
      return { ...principal, password: secret, tenant: s.tokens.tenantId };
    },
  );

  app.get('/nightshift/managedIdentities', { schema: { tags: mtags } }, async () => ({
    value: await s.identities.listManagedIdentities(),
  }));
  app.post<{ Body: unknown }>(
    '/nightshift/managedIdentities',
    { schema: { tags: mtags } },
    async (req, reply) => {
      const name = field(req.body, 'name');
      if (name === undefined) throw new ValidationError('name is required.', 'name');
      return reply.status(201).send(await s.identities.createManagedIdentity(name));
    },
  );
  app.get<{ Params: { name: string } }>(
    '/nightshift/managedIdentities/:name',
    { schema: { tags: mtags } },
    (req) => s.identities.getManagedIdentity(req.params.name),
  );
  app.delete<{ Params: { name: string } }>(
    '/nightshift/managedIdentities/:name',
    { schema: { tags: mtags } },
    async (req, reply) => {
      const identity = await s.identities.getManagedIdentity(req.params.name);
      await s.identities.deleteManagedIdentity(req.params.name);
      await s.assignments?.removePrincipal(identity.objectId);
      return reply.status(204).send();
    },
  );
}
