/**
 * Role assignments, role definitions and the audit log over REST, under `/nightshift/` (Azure keeps them
 * at ARM scopes of any depth, which a router cannot tell apart from resource paths). Bodies and answers
 * use `az role assignment` / `az role definition` shapes so the CLI only prints them.
 */
import type { FastifyInstance } from 'fastify';
import type { RoleAssignmentService } from '../../auth/role-assignments.ts';
import { anonymousPrincipal } from '../../auth/principal.ts';
import { roleDefinitionList } from '../../auth/rbac/roles.ts';
import { ValidationError } from '../../core/errors.ts';
import type { AuditEntry, AuditRepository } from '../../store/contract.ts';

export interface AccessRouteServices {
  assignments: RoleAssignmentService;
  audit: AuditRepository;
  subscriptionId: string;
}

type Query = Record<string, string | undefined>;

function text(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

const RESULTS: readonly AuditEntry['result'][] = ['Succeeded', 'Failed', 'Denied'];

function auditFilter(q: Query) {
  if (q.since !== undefined && Number.isNaN(Date.parse(q.since))) {
    throw new ValidationError(
      `since '${q.since}' is not a date; use ISO 8601, e.g. 2026-01-31T12:00:00Z.`,
      'since',
    );
  }
  const limit = q.limit === undefined ? undefined : Number(q.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new ValidationError(`limit '${q.limit ?? ''}' must be a whole number of at least 1.`, 'limit');
  }
  const result = RESULTS.find((r) => r.toLowerCase() === q.result?.toLowerCase());
  if (q.result !== undefined && !result) {
    throw new ValidationError(`result '${q.result}' is not one of ${RESULTS.join(', ')}.`, 'result');
  }
  return {
    ...(q.since === undefined ? {} : { since: new Date(q.since).toISOString() }),
    ...(q.principal === undefined ? {} : { principal: q.principal }),
    ...(result === undefined ? {} : { result }),
    ...(q.action === undefined ? {} : { action: q.action }),
    ...(limit === undefined ? {} : { limit }),
  };
}

export function registerAccessRoutes(app: FastifyInstance, s: AccessRouteServices): void {
  const tags = ['access'];
  app.get<{ Querystring: Query }>('/nightshift/roleAssignments', { schema: { tags } }, async (req) => ({
    value: await s.assignments.list({
      assignee: req.query.assignee,
      role: req.query.role,
      scope: req.query.scope,
    }),
  }));
  app.post<{ Body: unknown }>('/nightshift/roleAssignments', { schema: { tags } }, async (req, reply) => {
    const assignee = text(req.body, 'assignee');
    const role = text(req.body, 'role');
    if (assignee === undefined)
      throw new ValidationError('assignee is required: an app id, object id or identity name.', 'assignee');
    if (role === undefined)
      throw new ValidationError("role is required, e.g. 'Batch Endpoint Invoker'.", 'role');
    const created = await s.assignments.create(
      { assignee, role, scope: text(req.body, 'scope') },
      req.principal ?? anonymousPrincipal('unknown'),
    );
    return reply.status(201).send(created);
  });
  // Deleting by filter is a POST: DELETE bodies are dropped by some proxies and clients.
  app.post<{ Body: unknown }>('/nightshift/roleAssignments/delete', { schema: { tags } }, async (req) => ({
    value: await s.assignments.delete({
      id: text(req.body, 'id'),
      assignee: text(req.body, 'assignee'),
      role: text(req.body, 'role'),
      scope: text(req.body, 'scope'),
    }),
  }));
  app.delete<{ Params: { name: string } }>(
    '/nightshift/roleAssignments/:name',
    { schema: { tags } },
    async (req, reply) => {
      await s.assignments.delete({ id: req.params.name });
      return reply.status(204).send();
    },
  );
  app.get('/nightshift/roleDefinitions', { schema: { tags } }, () => ({
    value: roleDefinitionList(s.subscriptionId),
  }));
  app.get<{ Querystring: Query }>('/nightshift/auditLogs', { schema: { tags } }, async (req) => ({
    value: await s.audit.list(auditFilter(req.query)),
  }));
}
