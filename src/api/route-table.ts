/**
 * HTTP contracts as data. Every route of the server is a `RouteSpec`: method, URL (fastify form), who may
 * call it (`access`: public with a reason, or an Azure action and how its scope is found from the decoded
 * path parameters), TypeBox schemas for params, query, body and every response status, body limits, and
 * the handler. The access hook, the audit trail, the OpenAPI document and the attack suite all read the
 * same declaration, so what a path does and who may do it cannot drift apart; a route registered without
 * one is refused at start-up (route-guard.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema, TUnknown } from '@sinclair/typebox';

/** A route anyone may call; the reason says why it needs no token. */
export interface PublicAccess {
  public: string;
  /** Token routes: the audit entry records a token issued or refused, under this action. */
  audit?: 'token/issue' | 'token/issue-managed-identity';
}

/**
 * Where the action is checked: the hosted workspace, the endpoint named by the `endpoint` path parameter,
 * the datastore named by the `name` parameter (so a storage role assigned on one datastore reaches its
 * files and no other's), or the job named by the `job` parameter (at its endpoint, found from the job
 * record).
 */
export type ScopeRule = 'workspace' | 'endpoint' | 'datastore' | 'job';

/** An extra action that depends on the parsed body, checked before the handler at the same scope. */
export interface BodyRule {
  action: string;
  /** What the rule is for, for the OpenAPI document and the attack suite. */
  when: string;
  applies(body: unknown): boolean;
}

export interface ProtectedAccess {
  /** The Azure action (or data action) the caller needs. */
  action: string;
  /** Data actions are granted by a role's `dataActions` only, as Azure checks file contents. */
  kind?: 'action' | 'dataAction';
  scope: ScopeRule;
  /**
   * Invokers may read only the jobs they created: the `job` parameter's job must be the caller's, and
   * lists are narrowed to the caller's jobs.
   */
  ownJobs?: boolean;
  /** With the `azureml-model-deployment` header the call picks a deployment: this action instead. */
  withDeploymentHeader?: string;
  /** The owners of the service principal named by this path parameter may act too (PLAN contract 4). */
  servicePrincipalOwner?: string;
  body?: BodyRule;
}

export type Access = PublicAccess | ProtectedAccess;

export function isPublic(access: Access): access is PublicAccess {
  return 'public' in access;
}

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/**
 * How the body is read: JSON (the default, with the depth/string/array limits), an OAuth form, or a
 * raw stream (uploads: octet-stream only, never buffered).
 */
export type BodyKind = 'json' | 'form' | 'stream';

/** A response schema, or several by content type (JSON listings beside binary downloads). */
export type ResponseSchema = TSchema | { content: Record<string, { schema: TSchema }>; description: string };

export interface RouteSchemas {
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
}

export type RouteHandler = (request: FastifyRequest, reply: FastifyReply) => unknown;

export interface RouteSpec extends RouteSchemas {
  method: HttpMethod;
  url: string;
  summary: string;
  tags: string[];
  access: Access;
  /** Success statuses and the route's own error statuses; the shared ones are added at registration. */
  responses: Record<number, ResponseSchema>;
  bodyKind?: BodyKind;
  /** Bytes; the default fits management bodies (1 MiB). */
  bodyLimit?: number;
  /** Longest JSON string (or key) the route takes, in characters, when it needs more than the default. */
  maxJsonString?: number;
  handler: RouteHandler;
}

type TypedSpec<P extends TSchema, Q extends TSchema, B extends TSchema> = Omit<
  RouteSpec,
  'handler' | keyof RouteSchemas
> & {
  params?: P;
  query?: Q;
  body?: B;
  handler: (
    request: FastifyRequest<{ Params: Static<P>; Querystring: Static<Q>; Body: Static<B> }>,
    reply: FastifyReply,
  ) => unknown;
};

/** A route spec whose handler sees its params, query and body typed from the schemas. */
export function defineRoute<
  P extends TSchema = TUnknown,
  Q extends TSchema = TUnknown,
  B extends TSchema = TUnknown,
>(spec: TypedSpec<P, Q, B>): RouteSpec {
  // The handler's request type is narrowed by the schemas fastify validates before it runs.
  return spec;
}

/** What the route config carries to the hooks (fastify's `request.routeOptions.config`). */
export interface RouteConfig {
  access: Access;
  /** The token audience: the data plane (`/endpoints/...`) or management. */
  audience: string;
  maxJsonString?: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    audience?: string;
    maxJsonString?: number;
  }
}

/** The table as the attack suite sees it: one row per route (fastify URL form). */
export interface RouteInfo {
  method: string;
  url: string;
  access: Access;
}
