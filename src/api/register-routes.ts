/**
 * Turns route specs into fastify routes: the schemas (with the error statuses every route can answer, in
 * the ARM envelope, added to its own), the route config the access hook and audit trail read, and the
 * body reader. JSON routes live in the root context; OAuth form routes and upload routes each get their
 * own context with their own body parser, so no other route reads a form or a raw stream.
 */
import type { FastifyInstance } from 'fastify';
import { audienceForPath } from '../auth/audiences.ts';
import { registerFormParser, registerUploadParser } from './body-limits.ts';
import { isPublic, type ResponseSchema, type RouteConfig, type RouteSpec } from './route-table.ts';
import { ApiVersionQuery, ArmError } from './schemas.ts';

/** The shared error statuses: what any route of its kind may answer besides its own. */
function responsesOf(spec: RouteSpec): Record<number, ResponseSchema> {
  const common: Record<number, ResponseSchema> = { 400: ArmError, 404: ArmError, 500: ArmError };
  if (!isPublic(spec.access)) Object.assign(common, { 401: ArmError, 403: ArmError });
  if (spec.body !== undefined || spec.bodyKind !== undefined)
    Object.assign(common, { 413: ArmError, 415: ArmError });
  return { ...common, ...spec.responses };
}

function addRoute(app: FastifyInstance, spec: RouteSpec): void {
  const config: RouteConfig = {
    access: spec.access,
    audience: audienceForPath(spec.url),
    ...(spec.maxJsonString === undefined ? {} : { maxJsonString: spec.maxJsonString }),
  };
  app.route({
    method: spec.method,
    url: spec.url,
    config,
    ...(spec.bodyLimit === undefined ? {} : { bodyLimit: spec.bodyLimit }),
    schema: {
      summary: spec.summary,
      tags: spec.tags,
      ...(spec.params === undefined ? {} : { params: spec.params }),
      querystring: spec.query ?? ApiVersionQuery,
      ...(spec.body === undefined ? {} : { body: spec.body }),
      response: responsesOf(spec),
    },
    handler: spec.handler,
  });
}

export interface RegisterOptions {
  /** The largest upload, in bytes, streamed and counted as it arrives. */
  maxUploadBytes: number;
}

export async function registerRoutes(
  app: FastifyInstance,
  specs: readonly RouteSpec[],
  options: RegisterOptions,
): Promise<void> {
  const of = (kind: RouteSpec['bodyKind']) => specs.filter((s) => (s.bodyKind ?? 'json') === kind);
  for (const spec of of('json')) addRoute(app, spec);
  await app.register((forms, _options, done) => {
    registerFormParser(forms);
    for (const spec of of('form')) addRoute(forms, spec);
    done();
  });
  await app.register((uploads, _options, done) => {
    registerUploadParser(uploads, options.maxUploadBytes);
    for (const spec of of('stream')) addRoute(uploads, spec);
    done();
  });
}
