/**
 * Triggers over Data Factory's REST paths (2018-06-01 shapes), the workspace as the factory:
 * `PUT/GET/DELETE .../factories/{f}/triggers/{name}`, `GET .../triggers`, `POST .../triggers/{name}/start`
 * and `/stop`, `POST .../queryTriggerRuns` (RunFilterParameters: lastUpdatedAfter/Before and filters on
 * TriggerName and Status) and `POST .../triggers/{name}/triggerRuns/{runId}/rerun`. Checked at the
 * workspace's scope with Data Factory's trigger actions.
 */
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import { ValidationError } from '../../core/errors.ts';
import type { WorkspaceRef } from '../../core/workspace.ts';
import type { StoredTrigger } from '../../pipelines/triggers/definition.ts';
import {
  triggerRunView,
  type TriggerRunQuery,
  type TriggerService,
} from '../../pipelines/triggers/trigger-service.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { factoryParams, NoContent, open, valueList } from '../schemas.ts';

const FACTORY =
  '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.DataFactory/factories/:factoryName';

export interface TriggerRouteServices {
  workspace: WorkspaceRef;
  triggers: TriggerService;
}

function triggerView(ws: WorkspaceRef, t: StoredTrigger, next: string[]) {
  return {
    id: `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.DataFactory/factories/${ws.workspace}/triggers/${t.name}`,
    name: t.name,
    type: 'Microsoft.DataFactory/factories/triggers',
    etag: t.etag,
    properties: { ...t.properties, runtimeState: t.runtimeState },
    // Beyond Data Factory's shape, outside `properties` so the document PUTs back unchanged.
    ...(next.length > 0 ? { nextFireTimes: next } : {}),
  };
}

function view(s: TriggerRouteServices, t: StoredTrigger) {
  return triggerView(s.workspace, t, s.triggers.nextFireTimes(t));
}

const OPERANDS: Record<string, 'triggerName' | 'status'> = { triggername: 'triggerName', status: 'status' };

function timeField(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new ValidationError(`${field} is required: an ISO 8601 time such as 2024-05-01T00:00:00Z.`, field);
  }
  return value;
}

/** RunFilterParameters → the query; filters on TriggerName and Status with Equals/In and one value. */
function runQuery(body: unknown): TriggerRunQuery {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError(
      'The body is RunFilterParameters: {"lastUpdatedAfter", "lastUpdatedBefore", "filters"}.',
      'body',
    );
  }
  const b = body as Record<string, unknown>;
  const query: TriggerRunQuery = {
    lastUpdatedAfter: timeField(b, 'lastUpdatedAfter'),
    lastUpdatedBefore: timeField(b, 'lastUpdatedBefore'),
  };
  const filters = b['filters'] ?? [];
  if (!Array.isArray(filters)) throw new ValidationError('filters is a list of filters.', 'filters');
  filters.forEach((f: unknown, i) => {
    const at = `filters[${i}]`;
    const { operand, operator, values } = (typeof f === 'object' && f !== null ? f : {}) as Record<
      string,
      unknown
    >;
    const field = typeof operand === 'string' ? OPERANDS[operand.toLowerCase()] : undefined;
    if (field === undefined) {
      throw new ValidationError(
        'queryTriggerRuns filters on the operands TriggerName and Status.',
        `${at}.operand`,
      );
    }
    if (
      operator !== undefined &&
      (typeof operator !== 'string' || !['equals', 'in'].includes(operator.toLowerCase()))
    ) {
      throw new ValidationError(
        'queryTriggerRuns understands the operators Equals and In.',
        `${at}.operator`,
      );
    }
    if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string') {
      throw new ValidationError("A filter's values are a list of exactly one string.", `${at}.values`);
    }
    query[field] = values[0];
  });
  return query;
}

const tags = ['triggers'];
const Trigger = open("A trigger in Data Factory's shape.", {
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  properties: open('The trigger: type, typeProperties, pipelines, runtimeState.'),
});
const TriggerRun = open(
  "A trigger run in Data Factory's shape (triggerRunId, status, triggeredPipelines...).",
);
const TriggerParams = factoryParams({ name: Type.String() });
const at = (action: string) => ({ action, scope: 'workspace' }) as const;

function definitionRoutes(s: TriggerRouteServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: `${FACTORY}/triggers`,
      summary: 'List triggers',
      tags,
      access: at(ACTIONS.triggerRead),
      params: factoryParams({}),
      responses: { 200: valueList(Trigger) },
      handler: async () => ({ value: (await s.triggers.list()).map((t) => view(s, t)) }),
    }),
    defineRoute({
      method: 'PUT',
      url: `${FACTORY}/triggers/:name`,
      summary: 'Create or update a trigger (a started trigger must be stopped first)',
      tags,
      access: at(ACTIONS.triggerWrite),
      params: TriggerParams,
      body: Type.Unknown({
        description: 'The trigger: {"properties": {"type", "typeProperties", "pipelines"}}.',
      }),
      responses: { 200: Trigger },
      handler: async (req) =>
        view(s, await s.triggers.put(req.params.name, req.body, req.principal?.actor ?? '')),
    }),
    defineRoute({
      method: 'GET',
      url: `${FACTORY}/triggers/:name`,
      summary: 'Show a trigger',
      tags,
      access: at(ACTIONS.triggerRead),
      params: TriggerParams,
      responses: { 200: Trigger },
      handler: async (req) => view(s, await s.triggers.get(req.params.name)),
    }),
    defineRoute({
      method: 'DELETE',
      url: `${FACTORY}/triggers/:name`,
      summary: 'Delete a trigger (a started trigger must be stopped first)',
      tags,
      access: at(ACTIONS.triggerDelete),
      params: TriggerParams,
      responses: { 200: NoContent },
      handler: async (req, reply) => {
        await s.triggers.delete(req.params.name);
        return reply.status(200).send();
      },
    }),
  ];
}

function stateRoutes(s: TriggerRouteServices): RouteSpec[] {
  return (['start', 'stop'] as const).map((verb) =>
    defineRoute({
      method: 'POST',
      url: `${FACTORY}/triggers/:name/${verb}`,
      summary: verb === 'start' ? 'Start a trigger' : 'Stop a trigger',
      tags,
      access: at(verb === 'start' ? ACTIONS.triggerStart : ACTIONS.triggerStop),
      params: TriggerParams,
      responses: { 200: NoContent },
      handler: async (req, reply) => {
        await s.triggers[verb](req.params.name);
        return reply.status(200).send();
      },
    }),
  );
}

function runRoutes(s: TriggerRouteServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: `${FACTORY}/queryTriggerRuns`,
      summary: 'List trigger runs (lastUpdatedAfter/Before; filters on TriggerName and Status)',
      tags,
      access: at(ACTIONS.triggerRunQuery),
      params: factoryParams({}),
      body: Type.Unknown({ description: "Data Factory's RunFilterParameters." }),
      responses: { 200: Type.Object({ value: Type.Array(TriggerRun), continuationToken: Type.Null() }) },
      handler: async (req) => ({
        value: (await s.triggers.queryRuns(runQuery(req.body))).map(triggerRunView),
        continuationToken: null,
      }),
    }),
    defineRoute({
      method: 'POST',
      url: `${FACTORY}/triggers/:name/triggerRuns/:runId/rerun`,
      summary: "Fire a trigger run's occurrence again",
      tags,
      access: at(ACTIONS.triggerRunRerun),
      params: factoryParams({ name: Type.String(), runId: Type.String() }),
      responses: { 200: TriggerRun },
      handler: async (req) => triggerRunView(await s.triggers.rerun(req.params.name, req.params.runId)),
    }),
  ];
}

export function triggerRoutes(s: TriggerRouteServices): RouteSpec[] {
  return [...definitionRoutes(s), ...stateRoutes(s), ...runRoutes(s)];
}
