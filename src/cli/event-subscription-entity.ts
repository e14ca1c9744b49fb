/**
 * How the CLI prints a webhook subscription and a dead-letter entry: snake_case fields in the manner of
 * `az eventgrid event-subscription show` flattened to what matters (endpoint, events, endpoint filter,
 * schema, retry policy), and their `-o table` columns. `signing_secret` appears only in create's answer
 * when the server made the secret.
 */
import type { TableSpec } from './output/table.ts';

interface ArmSubscription {
  id: string;
  name: string;
  properties: {
    provisioningState?: string;
    destination?: { properties?: { endpointBaseUrl?: string; signingSecret?: string } };
    filter?: {
      includedEventTypes?: string[];
      advancedFilters?: { key?: string; values?: string[] }[];
    };
    eventDeliverySchema?: string;
    retryPolicy?: { maxDeliveryAttempts?: number; eventTimeToLiveInMinutes?: number };
  };
  systemData?: { createdAt?: string; createdBy?: string };
}

export function subscriptionEntity(raw: unknown) {
  const s = raw as ArmSubscription;
  const p = s.properties;
  const endpointFilter = (p.filter?.advancedFilters ?? []).find((f) => f.key === 'data.experimentName');
  const secret = p.destination?.properties?.signingSecret;
  return {
    name: s.name,
    endpoint: p.destination?.properties?.endpointBaseUrl ?? '',
    events: p.filter?.includedEventTypes ?? [],
    endpoint_name: endpointFilter?.values?.join(',') ?? null,
    schema: p.eventDeliverySchema === 'CloudEventSchemaV1_0' ? 'CloudEvents' : 'EventGrid',
    max_delivery_attempts: p.retryPolicy?.maxDeliveryAttempts ?? null,
    event_ttl_minutes: p.retryPolicy?.eventTimeToLiveInMinutes ?? null,
    provisioning_state: p.provisioningState ?? '',
    created_on: s.systemData?.createdAt ?? null,
    created_by: s.systemData?.createdBy ?? null,
    id: s.id,
    ...(secret === undefined ? {} : { signing_secret: secret }),
  };
}

interface RawDeadLetter {
  id: string;
  subscription: string;
  eventType?: string;
  subject?: string;
  deadLetterReason: string;
  deliveryAttempts: number;
  lastDeliveryOutcome?: string | null;
  lastHttpStatusCode?: number | null;
  lastError?: string | null;
  publishTime?: string;
  lastDeliveryAttemptTime?: string | null;
  deadLetteredAt?: string;
  event?: unknown;
}

export function deadLetterEntity(raw: unknown) {
  const d = raw as RawDeadLetter;
  const first = Array.isArray(d.event) ? (d.event[0] as unknown) : d.event;
  const data = (first as { data?: { runId?: string; runStatus?: string } } | undefined)?.data;
  return {
    subscription: d.subscription,
    event_id: d.id,
    event_type: d.eventType ?? '',
    job: data?.runId ?? null,
    job_status: data?.runStatus ?? null,
    dead_letter_reason: d.deadLetterReason,
    delivery_attempts: d.deliveryAttempts,
    last_delivery_outcome: d.lastDeliveryOutcome ?? null,
    last_http_status_code: d.lastHttpStatusCode ?? null,
    last_error: d.lastError ?? null,
    publish_time: d.publishTime ?? null,
    last_delivery_attempt_time: d.lastDeliveryAttemptTime ?? null,
    dead_lettered_at: d.deadLetteredAt ?? null,
    event: d.event ?? null,
  };
}

export const SUBSCRIPTION_TABLE: TableSpec = [
  { header: 'Name', path: 'name' },
  { header: 'Endpoint', path: 'endpoint' },
  { header: 'Events', value: (s) => ((s as { events?: string[] }).events ?? []).join(',') },
  { header: 'Endpoint_name', path: 'endpoint_name' },
  { header: 'Schema', path: 'schema' },
];

export const DEAD_LETTER_TABLE: TableSpec = [
  { header: 'Subscription', path: 'subscription' },
  { header: 'Job', path: 'job' },
  { header: 'Job_status', path: 'job_status' },
  { header: 'Event_type', path: 'event_type' },
  { header: 'Reason', path: 'dead_letter_reason' },
  { header: 'Attempts', path: 'delivery_attempts' },
  { header: 'Last_status', path: 'last_http_status_code' },
];
