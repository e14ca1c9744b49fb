/**
 * Webhook subscriptions on job events, on Event Grid's path for a subscription to a resource's events
 * (`.../workspaces/{ws}/providers/Microsoft.EventGrid/eventSubscriptions/{name}`: PUT, GET, list, DELETE)
 * with Event Grid's actions, plus Nightshift's `.../{name}/deadLetters` (Event Grid writes dead letters to
 * a blob container; here they stay in the store and this route lists them). As Event Grid does, a view
 * shows the endpoint's base URL only (no query, which may hold a key), and never the signing secret: the
 * PUT that made the secret is the only answer that carries it.
 */
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import type { EventSubscription } from '../../core/event-subscriptions.ts';
import { workspaceId, type WorkspaceRef } from '../../core/workspace.ts';
import type { DeadLetter } from '../../engine/events/deliveries.ts';
import { displayUrl } from '../../storage/http/url-policy.ts';
import { WS, type ApiServices } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import {
  ArmBody,
  ArmError,
  armList,
  armResource,
  NoContent,
  open,
  valueList,
  WsParams,
  wsParams,
} from '../schemas.ts';

const SubscriptionSchema = armResource(
  "Event Grid's eventSubscription: destination (WebHook, endpointBaseUrl), filter, eventDeliverySchema, retryPolicy.",
);
const DeadLetterSchema = open('A dead-lettered event with why and how its delivery last failed.', {
  id: Type.String(),
  subscription: Type.String(),
  deadLetterReason: Type.String(),
  deliveryAttempts: Type.Integer(),
});
const NameParams = wsParams({ name: Type.String() });
const PATH = `${WS}/providers/Microsoft.EventGrid/eventSubscriptions`;
const TYPE = 'Microsoft.EventGrid/eventSubscriptions';

function subscriptionView(ws: WorkspaceRef, s: EventSubscription, secret?: string) {
  let base: string;
  try {
    base = displayUrl(new URL(s.endpointUrl));
  } catch {
    base = '';
  }
  return {
    id: `${workspaceId(ws)}/providers/${TYPE}/${s.name}`,
    name: s.name,
    type: TYPE,
    properties: {
      topic: workspaceId(ws),
      provisioningState: 'Succeeded',
      destination: {
        endpointType: 'WebHook',
        properties: {
          endpointBaseUrl: base,
          maxEventsPerBatch: 1,
          // Only in the answer of the PUT that made it: the one time the secret leaves the server.
          ...(secret === undefined ? {} : { signingSecret: secret }),
        },
      },
      filter: { includedEventTypes: s.events, advancedFilters: s.advancedFilters },
      eventDeliverySchema: s.schema,
      retryPolicy: s.retryPolicy,
    },
    systemData: s.systemData,
  };
}

function deadLetterView(d: DeadLetter) {
  let event: unknown;
  try {
    event = JSON.parse(d.body) as unknown;
  } catch {
    event = d.body;
  }
  return {
    id: d.id,
    subscription: d.subscription,
    eventType: d.eventType,
    subject: d.subject,
    deadLetterReason: d.deadLetterReason,
    deliveryAttempts: d.deliveryAttempts,
    lastDeliveryOutcome: d.lastDeliveryOutcome ?? null,
    lastHttpStatusCode: d.lastHttpStatusCode ?? null,
    lastError: d.lastError ?? null,
    publishTime: d.publishTime,
    lastDeliveryAttemptTime: d.lastDeliveryAttemptTime ?? null,
    deadLetteredAt: d.deadLetteredAt,
    event,
  };
}

export function eventSubscriptionRoutes(s: ApiServices): RouteSpec[] {
  const tags = ['eventSubscriptions'];
  const one = `${PATH}/:name`;
  const subs = s.eventSubscriptions;
  return [
    defineRoute({
      method: 'GET',
      url: PATH,
      summary: "List the workspace's event subscriptions (webhooks on job events)",
      tags,
      access: { action: ACTIONS.eventSubscriptionRead, scope: 'workspace' },
      params: WsParams,
      responses: { 200: armList(SubscriptionSchema) },
      handler: async () => ({
        value: (await subs.list()).map((x) => subscriptionView(s.workspace, x)),
        nextLink: null,
      }),
    }),
    defineRoute({
      method: 'GET',
      url: one,
      summary: 'Show an event subscription (never its signing secret)',
      tags,
      access: { action: ACTIONS.eventSubscriptionRead, scope: 'workspace' },
      params: NameParams,
      responses: { 200: SubscriptionSchema },
      handler: async (req) => subscriptionView(s.workspace, await subs.get(req.params.name)),
    }),
    defineRoute({
      method: 'PUT',
      url: one,
      summary: 'Create or replace an event subscription: a signed webhook on job status changes',
      tags,
      access: { action: ACTIONS.eventSubscriptionWrite, scope: 'workspace' },
      params: NameParams,
      body: ArmBody,
      responses: { 200: SubscriptionSchema, 201: SubscriptionSchema, 409: ArmError },
      handler: async (req, reply) => {
        const { subscription, created, secret } = await subs.put(req.params.name, req.body);
        return reply.status(created ? 201 : 200).send(subscriptionView(s.workspace, subscription, secret));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: one,
      summary: 'Delete an event subscription, its pending deliveries and its dead letters',
      tags,
      access: { action: ACTIONS.eventSubscriptionDelete, scope: 'workspace' },
      params: NameParams,
      responses: { 204: NoContent },
      handler: async (req, reply) => {
        await subs.remove(req.params.name);
        return reply.status(204).send();
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${one}/deadLetters`,
      summary: "An event subscription's dead-lettered events (retries exhausted or time to live passed)",
      tags,
      access: { action: ACTIONS.eventSubscriptionRead, scope: 'workspace' },
      params: NameParams,
      responses: { 200: valueList(DeadLetterSchema) },
      handler: async (req) => ({ value: (await subs.deadLetters(req.params.name)).map(deadLetterView) }),
    }),
  ];
}
