/**
 * Service principals and managed identities under `/nightshift/` (Entra's directory and Azure's
 * user-assigned identities have no ARM path a router could tell apart from resources). Managing them is
 * Owner's alone: each is a way to act as someone else. A service principal's own owners (the principal
 * that created it) may also show it, reset its secret and delete it, as an app's owners may in Entra.
 */
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import { ValidationError } from '../../core/errors.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { NoContent, open, valueList } from '../schemas.ts';
import type { TokenRouteServices } from './tokens.ts';

const tags = ['identities'];

const ServicePrincipal = open('A service principal: never its secret.', {
  appId: Type.String(),
  displayName: Type.String(),
  objectId: Type.String(),
});
const WithSecret = open('A service principal with its new secret (shown once) and tenant.', {
  appId: Type.String(),
  password: Type.String(),
  tenant: Type.String(),
});
const ManagedIdentity = open('A managed identity: name, client id and object id.', {
  name: Type.String(),
  clientId: Type.String(),
  objectId: Type.String(),
});
const AppId = Type.Object({ appId: Type.String() });
const Name = Type.Object({ name: Type.String() });

function text(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function servicePrincipalRoutes(s: TokenRouteServices): RouteSpec[] {
  const one = '/nightshift/servicePrincipals/:appId';
  return [
    defineRoute({
      method: 'GET',
      url: '/nightshift/servicePrincipals',
      summary: 'List service principals',
      tags,
      access: { action: ACTIONS.servicePrincipalRead, scope: 'workspace' },
      responses: { 200: valueList(ServicePrincipal) },
      handler: async () => ({ value: await s.identities.listServicePrincipals() }),
    }),
    defineRoute({
      method: 'POST',
      url: '/nightshift/servicePrincipals',
      summary: 'Create a service principal (its secret is in this answer only)',
      tags,
      access: { action: ACTIONS.servicePrincipalWrite, scope: 'workspace' },
      body: open('The new principal.', { displayName: Type.Optional(Type.String()) }),
      responses: { 201: WithSecret },
      handler: async (req, reply) => {
        const displayName = text(req.body, 'displayName');
        if (displayName === undefined) throw new ValidationError('displayName is required.', 'displayName');
        const { principal, secret } = await s.identities.createServicePrincipal(
          displayName,
          req.principal?.objectId,
        );
        return reply.status(201).send({ ...principal, password: secret, tenant: s.tokens.tenantId });
      },
    }),
    defineRoute({
      method: 'GET',
      url: one,
      summary: 'Show a service principal',
      tags,
      access: { action: ACTIONS.servicePrincipalRead, scope: 'workspace', servicePrincipalOwner: 'appId' },
      params: AppId,
      responses: { 200: ServicePrincipal },
      handler: (req) => s.identities.getServicePrincipal(req.params.appId),
    }),
    defineRoute({
      method: 'DELETE',
      url: one,
      summary: 'Delete a service principal and its role assignments',
      tags,
      access: { action: ACTIONS.servicePrincipalDelete, scope: 'workspace', servicePrincipalOwner: 'appId' },
      params: AppId,
      responses: { 204: NoContent },
      handler: async (req, reply) => {
        const principal = await s.identities.getServicePrincipal(req.params.appId);
        await s.identities.deleteServicePrincipal(req.params.appId);
        await s.assignments?.removePrincipal(principal.objectId);
        return reply.status(204).send();
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${one}/resetSecret`,
      summary: "Replace a service principal's secret (the new one is in this answer only)",
      tags,
      access: {
        action: ACTIONS.servicePrincipalResetSecret,
        scope: 'workspace',
        servicePrincipalOwner: 'appId',
      },
      params: AppId,
      responses: { 200: WithSecret },
      handler: async (req) => {
        const { principal, secret } = await s.identities.resetSecret(req.params.appId);
        return { ...principal, password: secret, tenant: s.tokens.tenantId };
      },
    }),
  ];
}

function managedIdentityRoutes(s: TokenRouteServices): RouteSpec[] {
  const one = '/nightshift/managedIdentities/:name';
  return [
    defineRoute({
      method: 'GET',
      url: '/nightshift/managedIdentities',
      summary: 'List managed identities',
      tags,
      access: { action: ACTIONS.identityRead, scope: 'workspace' },
      responses: { 200: valueList(ManagedIdentity) },
      handler: async () => ({ value: await s.identities.listManagedIdentities() }),
    }),
    defineRoute({
      method: 'POST',
      url: '/nightshift/managedIdentities',
      summary: 'Create a managed identity',
      tags,
      access: { action: ACTIONS.identityWrite, scope: 'workspace' },
      body: open('The new identity.', { name: Type.Optional(Type.String()) }),
      responses: { 201: ManagedIdentity },
      handler: async (req, reply) => {
        const name = text(req.body, 'name');
        if (name === undefined) throw new ValidationError('name is required.', 'name');
        return reply.status(201).send(await s.identities.createManagedIdentity(name));
      },
    }),
    defineRoute({
      method: 'GET',
      url: one,
      summary: 'Show a managed identity',
      tags,
      access: { action: ACTIONS.identityRead, scope: 'workspace' },
      params: Name,
      responses: { 200: ManagedIdentity },
      handler: (req) => s.identities.getManagedIdentity(req.params.name),
    }),
    defineRoute({
      method: 'DELETE',
      url: one,
      summary: 'Delete a managed identity and its role assignments',
      tags,
      access: { action: ACTIONS.identityDelete, scope: 'workspace' },
      params: Name,
      responses: { 204: NoContent },
      handler: async (req, reply) => {
        const identity = await s.identities.getManagedIdentity(req.params.name);
        await s.identities.deleteManagedIdentity(req.params.name);
        await s.assignments?.removePrincipal(identity.objectId);
        return reply.status(204).send();
      },
    }),
  ];
}

export function identityRoutes(s: TokenRouteServices): RouteSpec[] {
  return [...servicePrincipalRoutes(s), ...managedIdentityRoutes(s)];
}
