/**
 * Event subscriptions on job changes, as the domain sees them: which of Nightshift's three event names a
 * subscription asks for, how those map to Azure Machine Learning's Event Grid event types, the delivery
 * schema, the retry policy and the one advanced filter kind kept (StringIn). The body a client PUTs is
 * Event Grid's eventSubscription shape; this module reads it into a record and says which events one job
 * status change produces for it. The endpoint URL's reachability and the signing secret are the engine's
 * concern (engine/events/), since they need the network and the secret box.
 */
import { ValidationError } from './errors.ts';
import type { JobStatus } from './jobs.ts';
import type { SystemData } from './resources.ts';
import { isObject, type Json } from './wire-values.ts';

export const EVENT_NAMES = ['JobStatusChanged', 'JobCompleted', 'JobFailed'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

const ML_EVENTS = 'Microsoft.MachineLearningServices';
/** Azure Machine Learning's Event Grid event types that Nightshift emits. */
export const AZURE_EVENT_TYPES = {
  runStatusChanged: `${ML_EVENTS}.RunStatusChanged`,
  runCompleted: `${ML_EVENTS}.RunCompleted`,
} as const;
export type AzureEventType = (typeof AZURE_EVENT_TYPES)[keyof typeof AZURE_EVENT_TYPES];

/** Azure's type names accepted as aliases of ours in `includedEventTypes`. */
const ALIASES: Record<string, EventName> = {
  jobstatuschanged: 'JobStatusChanged',
  jobcompleted: 'JobCompleted',
  jobfailed: 'JobFailed',
  [AZURE_EVENT_TYPES.runStatusChanged.toLowerCase()]: 'JobStatusChanged',
  [AZURE_EVENT_TYPES.runCompleted.toLowerCase()]: 'JobCompleted',
};

export const DELIVERY_SCHEMAS = ['EventGridSchema', 'CloudEventSchemaV1_0'] as const;
export type DeliverySchema = (typeof DELIVERY_SCHEMAS)[number];

/** Event Grid's StringIn advanced filter: the value at `key` (`data.runStatus`, `subject`...) is one of `values`. */
export interface StringInFilter {
  operatorType: 'StringIn';
  key: string;
  values: string[];
}

/** Event Grid's defaults: 30 attempts within 24 hours. */
const DEFAULT_RETRY = { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 } as const;

export interface EventSubscription {
  name: string;
  /** The full URL events are POSTed to (its query may hold a receiver's key: never shown back). */
  endpointUrl: string;
  events: EventName[];
  advancedFilters: StringInFilter[];
  schema: DeliverySchema;
  retryPolicy: { maxDeliveryAttempts: number; eventTimeToLiveInMinutes: number };
  /** The HMAC key, sealed with the server's secret box; never leaves the server. */
  sealedSecret: string;
  systemData: SystemData;
}

/** What a PUT body asks for, before the engine checks the URL and seals the secret. */
export interface EventSubscriptionRequest {
  endpointUrl: string;
  events: EventName[];
  advancedFilters: StringInFilter[];
  schema: DeliverySchema;
  retryPolicy: EventSubscription['retryPolicy'];
  /** A secret the caller chose; the server makes one when absent. */
  signingSecret?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9-]{2,63}$/;

export function checkSubscriptionName(name: string): string {
  if (!NAME.test(name)) {
    throw new ValidationError(
      `Invalid event subscription name '${name}': use 3 to 64 letters, digits and hyphens, starting with a letter or digit.`,
      'name',
    );
  }
  return name;
}

function objectAt(value: unknown, field: string): Json {
  if (value === undefined) return {};
  if (!isObject(value)) throw new ValidationError(`'${field}' must be an object.`, field);
  return value;
}

function readEvents(value: unknown): EventName[] {
  const field = 'properties.filter.includedEventTypes';
  if (value === undefined) return ['JobStatusChanged'];
  if (!Array.isArray(value) || value.length === 0) {
    throw new ValidationError(`'${field}' must be a non-empty list of ${EVENT_NAMES.join(', ')}.`, field);
  }
  const names = value.map((v) => {
    const name = typeof v === 'string' ? ALIASES[v.toLowerCase()] : undefined;
    if (!name) {
      throw new ValidationError(
        `'${field}' has '${String(v)}'; use ${EVENT_NAMES.join(', ')} (or Azure's ${AZURE_EVENT_TYPES.runStatusChanged} and ${AZURE_EVENT_TYPES.runCompleted}).`,
        field,
      );
    }
    return name;
  });
  return EVENT_NAMES.filter((n) => names.includes(n));
}

function readFilters(value: unknown): StringInFilter[] {
  const field = 'properties.filter.advancedFilters';
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 5) {
    throw new ValidationError(`'${field}' must be a list of at most 5 filters.`, field);
  }
  return value.map((f: unknown) => {
    const ok =
      isObject(f) &&
      f.operatorType === 'StringIn' &&
      typeof f.key === 'string' &&
      /^(subject|eventType|data\.[A-Za-z]+)$/.test(f.key) &&
      Array.isArray(f.values) &&
      f.values.length > 0 &&
      f.values.every((v) => typeof v === 'string');
    if (!ok) {
      throw new ValidationError(
        `Each of '${field}' must be {"operatorType": "StringIn", "key": "data.experimentName" (or subject, eventType, data.<field>), "values": ["..."]}; only StringIn is supported.`,
        field,
      );
    }
    return { operatorType: 'StringIn', key: f.key as string, values: f.values as string[] };
  });
}

function positiveInt(value: unknown, field: string, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ValidationError(`'${field}' must be a whole number from 1 to ${max}.`, field);
  }
  return value;
}

function readSecret(value: unknown): string | undefined {
  const field = 'properties.destination.properties.signingSecret';
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length < 16 || value.length > 256) {
    throw new ValidationError(
      `'${field}' must be 16 to 256 characters; leave it out and the server makes one (shown once).`,
      field,
    );
  }
  return value;
}

/** Reads Event Grid's eventSubscription body (destination WebHook, filter, schema, retry policy). */
export function readSubscriptionBody(body: unknown): EventSubscriptionRequest {
  const properties = objectAt(objectAt(body, 'body').properties, 'properties');
  const destination = objectAt(properties.destination, 'properties.destination');
  const endpointType = destination.endpointType ?? 'WebHook';
  if (endpointType !== 'WebHook') {
    throw new ValidationError(
      `'properties.destination.endpointType' is '${JSON.stringify(endpointType)}'; only WebHook is supported.`,
      'properties.destination.endpointType',
    );
  }
  const target = objectAt(destination.properties, 'properties.destination.properties');
  const url = target.endpointUrl;
  if (typeof url !== 'string' || url === '') {
    throw new ValidationError(
      "'properties.destination.properties.endpointUrl' is required: the https URL events are POSTed to.",
      'properties.destination.properties.endpointUrl',
    );
  }
  const filter = objectAt(properties.filter, 'properties.filter');
  const schema = properties.eventDeliverySchema ?? 'EventGridSchema';
  if (!DELIVERY_SCHEMAS.includes(schema as DeliverySchema)) {
    throw new ValidationError(
      `'properties.eventDeliverySchema' must be ${DELIVERY_SCHEMAS.join(' or ')}.`,
      'properties.eventDeliverySchema',
    );
  }
  const retry = objectAt(properties.retryPolicy, 'properties.retryPolicy');
  const secret = readSecret(target.signingSecret);
  return {
    endpointUrl: url,
    events: readEvents(filter.includedEventTypes),
    advancedFilters: readFilters(filter.advancedFilters),
    schema: schema as DeliverySchema,
    retryPolicy: {
      maxDeliveryAttempts: positiveInt(
        retry.maxDeliveryAttempts,
        'properties.retryPolicy.maxDeliveryAttempts',
        30,
        DEFAULT_RETRY.maxDeliveryAttempts,
      ),
      eventTimeToLiveInMinutes: positiveInt(
        retry.eventTimeToLiveInMinutes,
        'properties.retryPolicy.eventTimeToLiveInMinutes',
        1440,
        DEFAULT_RETRY.eventTimeToLiveInMinutes,
      ),
    },
    ...(secret === undefined ? {} : { signingSecret: secret }),
  };
}

/**
 * The Azure event types one change to `status` produces for a subscription: RunStatusChanged when it
 * asks for every change, or for failures and the job failed; RunCompleted when it asks for completions
 * and the job completed. At most one of each, so JobStatusChanged with JobFailed sends a failure once.
 */
export function eventTypesFor(events: readonly EventName[], status: JobStatus): AzureEventType[] {
  const types: AzureEventType[] = [];
  if (events.includes('JobStatusChanged') || (events.includes('JobFailed') && status === 'Failed')) {
    types.push(AZURE_EVENT_TYPES.runStatusChanged);
  }
  if (events.includes('JobCompleted') && status === 'Completed') types.push(AZURE_EVENT_TYPES.runCompleted);
  return types;
}

function valueAt(event: Json, key: string): unknown {
  return key.split('.').reduce<unknown>((at, part) => (isObject(at) ? at[part] : undefined), event);
}

/** Whether an event passes every StringIn filter (strings compare case-insensitively, as Event Grid's). */
export function passesFilters(filters: readonly StringInFilter[], event: Json): boolean {
  return filters.every((f) => {
    const value = valueAt(event, f.key);
    return typeof value === 'string' && f.values.some((v) => v.toLowerCase() === value.toLowerCase());
  });
}
