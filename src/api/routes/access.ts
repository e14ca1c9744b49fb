/**
 * Role assignments, role definitions and the audit log over REST, under `/nightshift/` (Azure keeps them
 * at ARM scopes of any depth, which a router cannot tell apart from resource paths). Bodies and answers
 * use `az role assignment` / `az role definition` shapes so the CLI only prints them.
 */
import { Type } from '@sinclair/typebox';
import type { RoleAssignmentService } from '../../auth/role-assignments.ts';
import { anonymousPrincipal } from '../../auth/principal.ts';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import { roleDefinitionList } from '../../auth/rbac/roles.ts';
import { ValidationError } from '../../core/errors.ts';
import type { AuditEntry, AuditRepository } from '../../store/contract.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { integerQuery, NoContent, nullable, open, query, valueList, wholeQuery } from '../schemas.ts';

export interface AccessRouteServices {
  assignments: RoleAssignmentService;
  audit: AuditRepository;
  subscriptionId: string;
}

type Query = Partial<
  Record<'since' | 'until' | 'principal' | 'result' | 'action' | 'resource' | '$skipToken', string>
> & { limit?: number };

/** The most entries one read of the audit log returns (the store's own cap). */
const MAX_AUDIT_LIMIT = 10_000;
const DEFAULT_AUDIT_LIMIT = 100;

function text(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

const RESULTS: readonly AuditEntry['result'][] = ['Succeeded', 'Failed', 'Denied'];

function isoTime(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) {
    throw new ValidationError(
      `${name} '${value}' is not a date; use ISO 8601, e.g. 2026-01-31T12:00:00Z.`,
      name,
    );
  }
  return new Date(value).toISOString();
}

/** The page token is the sequence number of the last entry of the page before. */
function skipToken(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(value)) {
    throw new ValidationError(
      `$skipToken '${value.slice(0, 40)}' is not one this server gave.`,
      '$skipToken',
    );
  }
  return Number(value);
}

function auditFilter(q: Query) {
  const since = isoTime(q.since, 'since');
  const until = isoTime(q.until, 'until');
  const beforeSeq = skipToken(q.$skipToken);
  // The schema has made `limit` a number in range, or refused the call with a 400 naming it.
  const limit = wholeQuery(q.limit, 'limit', MAX_AUDIT_LIMIT);
  const result = RESULTS.find((r) => r.toLowerCase() === q.result?.toLowerCase());
  if (q.result !== undefined && !result) {
    throw new ValidationError(`result '${q.result}' is not one of ${RESULTS.join(', ')}.`, 'result');
  }
  return {
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(q.resource === undefined ? {} : { resource: q.resource }),
    ...(beforeSeq === undefined ? {} : { beforeSeq }),
    ...(q.principal === undefined ? {} : { principal: q.principal }),
    ...(result === undefined ? {} : { result }),
    ...(q.action === undefined ? {} : { action: q.action }),
    ...(limit === undefined ? {} : { limit }),
  };
}

const tags = ['access'];
const opt = (description: string) => Type.Optional(Type.String({ description }));

const Assignment = open("A role assignment in az's shape.", {
  id: Type.String(),
  principalId: Type.String(),
  roleDefinitionName: Type.String(),
  scope: Type.String(),
});
const AssignmentBody = open('Who gets which role where.', {
  assignee: opt('App id or object id of a service principal, or a managed identity name or client id.'),
  role: opt("Role name, GUID or definition id, e.g. 'Batch Endpoint Invoker'."),
  scope: opt('The scope; the workspace by default.'),
});
const RoleDefinition = open(
  "A role definition in az's shape: actions, notActions, dataActions, notDataActions.",
  {
    roleName: Type.String(),
    permissions: Type.Array(
      Type.Object({
        actions: Type.Array(Type.String()),
        notActions: Type.Array(Type.String()),
        dataActions: Type.Array(Type.String()),
        notDataActions: Type.Array(Type.String()),
      }),
    ),
  },
);
const AuditEntrySchema = open('One audited call or token request.', {
  time: Type.String(),
  principal: Type.String(),
  principalId: Type.String(),
  action: Type.String(),
  scope: Type.String(),
  method: Type.String(),
  path: Type.String(),
  status: Type.Number(),
  result: Type.String(),
});
const AuditPage = Type.Object({
  value: Type.Array(AuditEntrySchema),
  nextLink: nullable(Type.String({ description: 'The next (older) page, with the same filters.' })),
});

function assignmentRoutes(s: AccessRouteServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/nightshift/roleAssignments',
      summary: 'List role assignments',
      tags,
      access: { action: ACTIONS.roleAssignmentRead, scope: 'workspace' },
      query: query({
        assignee: opt('App id, object id or identity name.'),
        role: opt('Role.'),
        scope: opt('Scope.'),
      }),
      responses: { 200: valueList(Assignment) },
      handler: async (req) => ({
        value: await s.assignments.list({
          assignee: req.query.assignee,
          role: req.query.role,
          scope: req.query.scope,
        }),
      }),
    }),
    defineRoute({
      method: 'POST',
      url: '/nightshift/roleAssignments',
      summary: 'Create a role assignment',
      tags,
      access: { action: ACTIONS.roleAssignmentWrite, scope: 'workspace' },
      body: AssignmentBody,
      responses: { 201: Assignment },
      handler: async (req, reply) => {
        const assignee = text(req.body, 'assignee');
        const role = text(req.body, 'role');
        if (assignee === undefined)
          throw new ValidationError(
            'assignee is required: an app id, object id or identity name.',
            'assignee',
          );
        if (role === undefined)
          throw new ValidationError("role is required, e.g. 'Batch Endpoint Invoker'.", 'role');
        const created = await s.assignments.create(
          { assignee, role, scope: text(req.body, 'scope') },
          req.principal ?? anonymousPrincipal('unknown'),
        );
        return reply.status(201).send(created);
      },
    }),
    // Deleting by filter is a POST: DELETE bodies are dropped by some proxies and clients.
    defineRoute({
      method: 'POST',
      url: '/nightshift/roleAssignments/delete',
      summary: 'Delete the role assignments matching a filter (id, or assignee/role/scope)',
      tags,
      access: { action: ACTIONS.roleAssignmentDelete, scope: 'workspace' },
      body: open('Which assignments to delete.', { id: opt('Assignment id.') }),
      responses: { 200: valueList(Assignment) },
      handler: async (req) => ({
        value: await s.assignments.delete({
          id: text(req.body, 'id'),
          assignee: text(req.body, 'assignee'),
          role: text(req.body, 'role'),
          scope: text(req.body, 'scope'),
        }),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/nightshift/roleAssignments/:name',
      summary: 'Delete a role assignment by id',
      tags,
      access: { action: ACTIONS.roleAssignmentDelete, scope: 'workspace' },
      params: Type.Object({ name: Type.String() }),
      responses: { 204: NoContent },
      handler: async (req, reply) => {
        await s.assignments.delete({ id: req.params.name });
        return reply.status(204).send();
      },
    }),
  ];
}

export function accessRoutes(s: AccessRouteServices): RouteSpec[] {
  return [
    ...assignmentRoutes(s),
    defineRoute({
      method: 'GET',
      url: '/nightshift/roleDefinitions',
      summary: 'List the built-in role definitions',
      tags,
      access: { action: ACTIONS.roleDefinitionRead, scope: 'workspace' },
      responses: { 200: valueList(RoleDefinition) },
      handler: () => ({ value: roleDefinitionList(s.subscriptionId) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/nightshift/auditLogs',
      summary: 'Read the audit log, newest first',
      tags,
      access: { action: ACTIONS.auditRead, scope: 'workspace' },
      query: query({
        since: opt('ISO time: entries at or after it.'),
        until: opt('ISO time: entries before it.'),
        resource: opt("Text the entry's scope or path contains (an endpoint's name, /datastores/)."),
        $skipToken: opt("From the previous page's nextLink: the entries after that page."),
        principal: opt('Principal or object id.'),
        result: opt('Succeeded, Failed or Denied.'),
        action: opt('Text the action contains.'),
        limit: integerQuery(
          1,
          MAX_AUDIT_LIMIT,
          `At most this many entries (default 100, at most ${MAX_AUDIT_LIMIT}).`,
        ),
      }),
      responses: { 200: AuditPage },
      handler: async (req) => {
        const filter = auditFilter(req.query);
        const limit = filter.limit ?? DEFAULT_AUDIT_LIMIT;
        const value = await s.audit.list({ ...filter, limit });
        const last = value.at(-1)?.seq;
        // A full page may have more behind it; the link repeats the filters with the last entry's number.
        if (value.length < limit || last === undefined) return { value, nextLink: null };
        const next = new URLSearchParams(req.url.split('?')[1] ?? '');
        next.set('$skipToken', String(last));
        return { value, nextLink: `/nightshift/auditLogs?${next.toString()}` };
      },
    }),
  ];
}
