/**
 * Endpoint schedules on the management API, at Azure ML's ARM path for schedules
 * (`.../workspaces/{ws}/schedules/{name}`: PUT, GET, list, DELETE), with `properties.isEnabled`,
 * `properties.trigger` and `properties.action` of actionType InvokeBatchEndpoint. Views add
 * `properties.nextFireTimes`, the next firings in the schedule's zone, and `properties.lastFiring` (its
 * scheduled time, state, job, and why it failed when it did: a firing has no other place to say so). A schedule starts jobs as whoever
 * last wrote it, so writing one needs, beyond schedules/write, what invoking its endpoint needs (the
 * endpoint's jobs/write and the datastore data actions of its input and output): otherwise schedule
 * write would be a way round the invoke check.
 */
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import { authorize } from '../../auth/rbac/authorize.ts';
import { workspaceId, type WorkspaceRef } from '../../core/workspace.ts';
import type { Actor } from '../../core/resources.ts';
import { INVOKE_ACTION, type ScheduleRecord } from '../../engine/schedules/schedule-body.ts';
import type { LastFiring } from '../../engine/schedules/schedule-service.ts';
import { WS, type ApiServices } from '../context.ts';
import { checkJobDataAccess } from '../job-data-access.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { ArmBody, ArmError, armList, armResource, NoContent, WsParams, wsParams } from '../schemas.ts';

const ScheduleSchema = armResource(
  'A schedule: displayName, description, isEnabled, trigger (Cron or Recurrence), action (InvokeBatchEndpoint), nextFireTimes and lastFiring.',
  { isEnabled: Type.Boolean(), nextFireTimes: Type.Array(Type.String()) },
);
const NameParams = wsParams({ name: Type.String() });
const SCHEDULE_TYPE = 'Microsoft.MachineLearningServices/workspaces/schedules';

function scheduleView(
  ws: WorkspaceRef,
  record: ScheduleRecord,
  nextFireTimes: string[],
  last: LastFiring | undefined,
) {
  const { endpointName, deploymentName, properties } = record.invocation;
  return {
    id: `${workspaceId(ws)}/schedules/${record.name}`,
    name: record.name,
    type: SCHEDULE_TYPE,
    properties: {
      displayName: record.displayName,
      description: record.description,
      tags: record.tags,
      isEnabled: record.isEnabled,
      provisioningState: 'Succeeded',
      trigger: record.trigger,
      action: {
        actionType: INVOKE_ACTION,
        endpointInvocationDefinition: {
          endpointName,
          ...(deploymentName === undefined ? {} : { deploymentName }),
          properties,
        },
      },
      nextFireTimes,
      lastFiring: last
        ? {
            scheduledTime: last.scheduledTime,
            state: last.state,
            jobName: last.job,
            ...(last.error === undefined ? {} : { error: last.error }),
          }
        : null,
    },
    systemData: {
      createdAt: record.systemData.createdAt,
      createdBy: record.systemData.createdBy,
      createdByType: record.systemData.createdByType,
      lastModifiedAt: record.systemData.lastModifiedAt,
      lastModifiedBy: record.systemData.lastModifiedBy,
      lastModifiedByType: record.systemData.lastModifiedByType,
    },
  };
}

/** The caller as the jobs a schedule starts will record it; the local actor without tokens. */
function actorOf(s: ApiServices, req: FastifyRequest): Actor {
  const who = req.principal;
  return who
    ? { name: who.actor, type: who.type, objectId: who.objectId }
    : { name: s.auth.access.actor, type: 'User' };
}

/** Refuses (403) a caller who could not invoke the schedule's endpoint on its data directly. */
async function checkMayInvoke(
  s: ApiServices,
  req: FastifyRequest,
  record: Pick<ScheduleRecord, 'invocation'>,
): Promise<void> {
  const ac = s.auth.access;
  const principal = req.principal;
  if (ac.mode === 'none' || !principal) return;
  const { endpointName, deploymentName, properties } = record.invocation;
  const action = deploymentName === undefined ? ACTIONS.endpointJobWrite : ACTIONS.deploymentJobWrite;
  const scope = `${ac.workspaceArmId.replace(/\/+$/, '')}/batchEndpoints/${endpointName}`;
  const assignments = await ac.assignments.forPrincipal(principal.objectId);
  authorize(assignments, { principalId: principal.objectId, clientId: principal.clientId }, action, scope);
  // The data check reads an invocation body; it sees the schedule's as the job would get it.
  const invocation = Object.create(req) as FastifyRequest;
  Object.defineProperty(invocation, 'body', { value: { properties } });
  await checkJobDataAccess(s, invocation);
  req.access = invocation.access;
}

export function scheduleRoutes(s: ApiServices): RouteSpec[] {
  const tags = ['schedules'];
  const one = `${WS}/schedules/:name`;
  const view = async (r: ScheduleRecord) =>
    scheduleView(s.workspace, r, s.schedules.nextFireTimes(r), await s.schedules.lastFiring(r));
  return [
    defineRoute({
      method: 'GET',
      url: `${WS}/schedules`,
      summary: 'List schedules, each with its next firing times',
      tags,
      access: { action: ACTIONS.scheduleRead, scope: 'workspace' },
      params: WsParams,
      responses: { 200: armList(ScheduleSchema) },
      handler: async () => ({
        value: await Promise.all((await s.schedules.list()).map(view)),
        nextLink: null,
      }),
    }),
    defineRoute({
      method: 'GET',
      url: one,
      summary: 'Show a schedule and its next firing times',
      tags,
      access: { action: ACTIONS.scheduleRead, scope: 'workspace' },
      params: NameParams,
      responses: { 200: ScheduleSchema },
      handler: async (req) => view(await s.schedules.get(req.params.name)),
    }),
    defineRoute({
      method: 'PUT',
      url: one,
      summary: 'Create or update a schedule (isEnabled enables or disables it)',
      tags,
      access: { action: ACTIONS.scheduleWrite, scope: 'workspace' },
      params: NameParams,
      body: ArmBody,
      responses: { 200: ScheduleSchema, 201: ScheduleSchema, 409: ArmError },
      handler: async (req, reply) => {
        const { record, created } = await s.schedules.put(req.params.name, req.body, actorOf(s, req), (r) =>
          checkMayInvoke(s, req, r),
        );
        return reply.status(created ? 201 : 200).send(await view(record));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: one,
      summary: 'Delete a schedule (the jobs it started stay)',
      tags,
      access: { action: ACTIONS.scheduleDelete, scope: 'workspace' },
      params: NameParams,
      responses: { 204: NoContent },
      handler: async (req, reply) => {
        await s.schedules.remove(req.params.name);
        return reply.status(204).send();
      },
    }),
  ];
}
