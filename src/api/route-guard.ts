/**
 * Deny by default, enforced when routes are registered: an `onRoute` hook refuses (throws at start-up)
 * any route that does not declare who may call it or what it answers. A route is public only with a
 * reason; otherwise it names an action and a scope rule whose path parameter the URL really has. It must
 * declare a response schema with a success status. So nothing the route table does not describe can be
 * reachable, and the table it collects is the list the attack suite enumerates.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Access, RouteInfo } from './route-table.ts';

export class RouteDeclarationError extends Error {}

function paramsOf(url: string): Set<string> {
  return new Set([...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? ''));
}

function checkAccess(where: string, url: string, access: unknown): Access {
  if (typeof access !== 'object' || access === null) {
    throw new RouteDeclarationError(
      `${where} declares no access: give config.access { public: 'reason' } or { action, scope }.`,
    );
  }
  const a = access as Partial<Record<string, unknown>>;
  if ('public' in a) {
    if (typeof a.public !== 'string' || a.public.trim() === '')
      throw new RouteDeclarationError(`${where} is public without a reason; say why it needs no token.`);
    return access as Access;
  }
  if (typeof a.action !== 'string' || a.action === '')
    throw new RouteDeclarationError(`${where} declares no action.`);
  const params = paramsOf(url);
  const needs: Record<string, string | undefined> = {
    workspace: undefined,
    endpoint: 'endpoint',
    datastore: 'name',
    job: 'job',
  };
  if (typeof a.scope !== 'string' || !(a.scope in needs))
    throw new RouteDeclarationError(
      `${where} has no scope rule: 'workspace', 'endpoint', 'datastore' or 'job'.`,
    );
  const param = needs[a.scope];
  if (param !== undefined && !params.has(param))
    throw new RouteDeclarationError(
      `${where} is checked at its ${a.scope} but has no ':${param}' parameter.`,
    );
  const owner = a.servicePrincipalOwner;
  if (owner !== undefined && (typeof owner !== 'string' || !params.has(owner)))
    throw new RouteDeclarationError(`${where} names its service principal by a parameter it lacks.`);
  return access as Access;
}

function checkResponses(where: string, schema: RouteOptions['schema']): void {
  const response = (schema as { response?: Record<string, unknown> } | undefined)?.response;
  const statuses = Object.keys(response ?? {});
  // A redirect is an answer too (/ sends the browser to the studio).
  if (!statuses.some((s) => /^[23](\d\d|xx)$/.test(s))) {
    throw new RouteDeclarationError(`${where} declares no response schema for its success status.`);
  }
}

/**
 * Installs the check; returns the list it fills with every route registered from then on (HEAD routes
 * fastify derives from GET routes are checked but not listed).
 */
export function guardRoutes(app: FastifyInstance): RouteInfo[] {
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const where = `Route ${methods.join(',')} ${route.url}`;
    const access = checkAccess(where, route.url, (route.config as { access?: unknown } | undefined)?.access);
    checkResponses(where, route.schema);
    for (const method of methods) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, access });
    }
  });
  return routes;
}
