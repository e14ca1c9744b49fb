/**
 * Trigger definitions in Data Factory's JSON (`{"properties": {"type", "typeProperties", "pipelines"}}`):
 * ScheduleTrigger, TumblingWindowTrigger and BlobEventsTrigger, checked field by field so a bad body is a
 * 400 naming the field and the fix. The recurrence of a ScheduleTrigger is parsed by the shared firing-time
 * module; the other two types' fields are parsed here.
 */
import { ValidationError } from '../../core/errors.ts';
import { parseRecurrence, type Recurrence } from '../../core/recurrence/index.ts';
import { parseTimespan } from '../time/timespan.ts';

export interface PipelineBinding {
  pipelineName: string;
  /** Values, possibly expressions over `trigger()` / `triggerBody()`, evaluated at each firing. */
  parameters: Record<string, unknown>;
}

export type WindowFrequency = 'Minute' | 'Hour' | 'Month';

export interface WindowDependency {
  /** The tumbling window trigger depended on; the trigger itself for a self-dependency. */
  triggerName: string;
  /** Milliseconds added to this window's start (negative: earlier); months for Month windows are not. */
  offsetMs: number;
  /** Length of the depended-on span; this window's length when absent. */
  sizeMs?: number;
}

export interface ScheduleSpec {
  type: 'ScheduleTrigger';
  recurrence: Recurrence;
}

export interface TumblingWindowSpec {
  type: 'TumblingWindowTrigger';
  frequency: WindowFrequency;
  interval: number;
  startMs: number;
  endMs?: number;
  delayMs: number;
  maxConcurrency: number;
  retry: { count: number; intervalMs: number };
  dependsOn: WindowDependency[];
}

export type BlobEvent = 'Microsoft.Storage.BlobCreated' | 'Microsoft.Storage.BlobDeleted';

export interface BlobEventsSpec {
  type: 'BlobEventsTrigger';
  datastore: string;
  /** The container segment of `blobPathBeginsWith` (for `folderPath`), or the datastore's name. */
  container: string;
  /** Path prefix inside the datastore ('' for all). */
  prefix: string;
  suffix: string;
  ignoreEmptyBlobs: boolean;
  events: BlobEvent[];
}

export type TriggerSpec = ScheduleSpec | TumblingWindowSpec | BlobEventsSpec;

export interface TriggerDefinition {
  spec: TriggerSpec;
  pipelines: PipelineBinding[];
  /** The `properties` object as given (minus runtimeState), returned on reads. */
  properties: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(value: unknown, field: string, what: string): Json {
  if (!isObject(value)) throw new ValidationError(`${field} must be an object: ${what}.`, field);
  return value;
}

function stringAt(value: unknown, field: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError(`${field} must be a non-empty string: ${what}.`, field);
  }
  return value;
}

function integerAt(value: unknown, field: string, min: number, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${field} must be a whole number from ${min} to ${max}.`, field);
  }
  return value;
}

function timeAt(value: unknown, field: string): number {
  const text = stringAt(value, field, 'an ISO 8601 UTC time such as 2024-05-01T00:00:00Z');
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(ms)) {
    throw new ValidationError(`${field} '${text}' is not a time; write e.g. 2024-05-01T00:00:00Z.`, field);
  }
  return ms;
}

/** A .NET timespan, optionally negative (`-01:00:00`), in milliseconds. */
function spanAt(value: unknown, field: string): number {
  const text = stringAt(value, field, 'a timespan such as 01:00:00 or -1.00:00:00');
  const negative = text.trim().startsWith('-');
  const ms = parseTimespan(negative ? text.trim().slice(1) : text);
  if (ms === undefined) {
    throw new ValidationError(`${field} '${text}' is not a timespan; write [-][d.]hh:mm:ss.`, field);
  }
  return negative ? -ms : ms;
}

function binding(value: unknown, field: string): PipelineBinding {
  const entry = objectAt(value, field, '{"pipelineReference": {"referenceName": P}, "parameters": {...}}');
  const reference = objectAt(
    entry['pipelineReference'],
    `${field}.pipelineReference`,
    '{"referenceName": "<pipeline name>", "type": "PipelineReference"}',
  );
  const pipelineName = stringAt(
    reference['referenceName'],
    `${field}.pipelineReference.referenceName`,
    'the name of the pipeline to run',
  );
  const parameters =
    entry['parameters'] === undefined || entry['parameters'] === null
      ? {}
      : objectAt(entry['parameters'], `${field}.parameters`, 'the run parameters {"name": value}');
  return { pipelineName, parameters };
}

function pipelinesOf(properties: Json, single: boolean): PipelineBinding[] {
  if (single && properties['pipeline'] !== undefined) {
    return [binding(properties['pipeline'], 'properties.pipeline')];
  }
  const list = properties['pipelines'];
  if (!Array.isArray(list) || list.length === 0) {
    const where = single ? 'properties.pipeline' : 'properties.pipelines';
    throw new ValidationError(
      `${where} must name the pipeline to run: ${single ? '{' : '[{'}"pipelineReference": {"referenceName": "P"}}${single ? '' : ']'}.`,
      where,
    );
  }
  return list.map((entry: unknown, i) => binding(entry, `properties.pipelines[${i}]`));
}

const WINDOW_FREQUENCIES: readonly WindowFrequency[] = ['Minute', 'Hour', 'Month'];

function dependencies(value: unknown, self: string): WindowDependency[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new ValidationError('typeProperties.dependsOn must be a list.', 'typeProperties.dependsOn');
  }
  return value.map((entry: unknown, i) => {
    const field = `typeProperties.dependsOn[${i}]`;
    const dep = objectAt(entry, field, '{"type": "TumblingWindowTriggerDependencyReference", ...}');
    const type = dep['type'];
    let triggerName = self;
    if (type === 'TumblingWindowTriggerDependencyReference') {
      const ref = objectAt(dep['referenceTrigger'], `${field}.referenceTrigger`, '{"referenceName": T}');
      triggerName = stringAt(ref['referenceName'], `${field}.referenceTrigger.referenceName`, 'a trigger');
    } else if (type !== 'SelfDependencyTumblingWindowTriggerReference') {
      throw new ValidationError(
        `${field}.type must be TumblingWindowTriggerDependencyReference or SelfDependencyTumblingWindowTriggerReference.`,
        `${field}.type`,
      );
    }
    const offsetMs = dep['offset'] === undefined ? 0 : spanAt(dep['offset'], `${field}.offset`);
    if (type === 'SelfDependencyTumblingWindowTriggerReference' && offsetMs >= 0) {
      throw new ValidationError(`${field}.offset of a self-dependency must be negative.`, `${field}.offset`);
    }
    const sizeMs = dep['size'] === undefined ? undefined : spanAt(dep['size'], `${field}.size`);
    return { triggerName, offsetMs, ...(sizeMs === undefined ? {} : { sizeMs }) };
  });
}

function tumblingWindow(tp: Json, name: string): TumblingWindowSpec {
  const frequency = tp['frequency'];
  if (!WINDOW_FREQUENCIES.includes(frequency as WindowFrequency)) {
    throw new ValidationError(
      'typeProperties.frequency of a TumblingWindowTrigger must be Minute, Hour or Month.',
      'typeProperties.frequency',
    );
  }
  const retry =
    tp['retryPolicy'] === undefined
      ? {}
      : objectAt(tp['retryPolicy'], 'typeProperties.retryPolicy', '{count, intervalInSeconds}');
  const endMs =
    tp['endTime'] === undefined || tp['endTime'] === null
      ? undefined
      : timeAt(tp['endTime'], 'typeProperties.endTime');
  return {
    type: 'TumblingWindowTrigger',
    frequency: frequency as WindowFrequency,
    interval: integerAt(tp['interval'], 'typeProperties.interval', 1, 1_000_000),
    startMs: timeAt(tp['startTime'], 'typeProperties.startTime'),
    ...(endMs === undefined ? {} : { endMs }),
    delayMs: tp['delay'] === undefined ? 0 : Math.max(0, spanAt(tp['delay'], 'typeProperties.delay')),
    maxConcurrency: integerAt(tp['maxConcurrency'], 'typeProperties.maxConcurrency', 1, 50, 1),
    retry: {
      count: integerAt(retry['count'], 'typeProperties.retryPolicy.count', 0, 100, 0),
      intervalMs:
        1000 *
        integerAt(retry['intervalInSeconds'], 'typeProperties.retryPolicy.intervalInSeconds', 30, 86_400, 30),
    },
    dependsOn: dependencies(tp['dependsOn'], name),
  };
}

const BLOB_EVENTS: readonly BlobEvent[] = ['Microsoft.Storage.BlobCreated', 'Microsoft.Storage.BlobDeleted'];

/** `scope` names the datastore: its name, or an ARM id ending in `/datastores/{name}`. */
function datastoreOf(scope: unknown): string {
  const text = stringAt(
    scope,
    'typeProperties.scope',
    'the Nightshift datastore to watch (its name or ARM id)',
  );
  const match = /\/datastores\/([^/]+)\/?$/i.exec(text);
  if (match?.[1]) return match[1];
  if (text.includes('/')) {
    throw new ValidationError(
      `typeProperties.scope '${text}' names no datastore; give the datastore's name or its id .../datastores/{name}.`,
      'typeProperties.scope',
    );
  }
  return text;
}

/** `/container/blobs/prefix` → the container and the prefix inside the datastore. */
function beginsWith(value: unknown, datastore: string): { container: string; prefix: string } {
  if (value === undefined || value === null || value === '') return { container: datastore, prefix: '' };
  const text = stringAt(value, 'typeProperties.blobPathBeginsWith', '/container/blobs/prefix');
  const match = /^\/([^/]+)\/blobs\/(.*)$/.exec(text);
  if (!match) {
    throw new ValidationError(
      `typeProperties.blobPathBeginsWith '${text}' must have the form /container/blobs/prefix.`,
      'typeProperties.blobPathBeginsWith',
    );
  }
  const prefix = match[2] ?? '';
  // The prefix is a path inside the datastore: it may not climb out of it.
  if (prefix.split('/').some((part) => part === '..' || part === '.') || prefix.startsWith('/')) {
    throw new ValidationError(
      `typeProperties.blobPathBeginsWith '${text}' may not hold '.', '..' or '//' segments; name a folder inside the container.`,
      'typeProperties.blobPathBeginsWith',
    );
  }
  return { container: match[1] ?? datastore, prefix };
}

function blobEvents(tp: Json): BlobEventsSpec {
  const datastore = datastoreOf(tp['scope']);
  const events = tp['events'];
  if (
    !Array.isArray(events) ||
    events.length === 0 ||
    !events.every((e) => BLOB_EVENTS.includes(e as BlobEvent))
  ) {
    throw new ValidationError(
      'typeProperties.events must list Microsoft.Storage.BlobCreated and/or Microsoft.Storage.BlobDeleted.',
      'typeProperties.events',
    );
  }
  const suffix = tp['blobPathEndsWith'] ?? '';
  if (typeof suffix !== 'string') {
    throw new ValidationError(
      'typeProperties.blobPathEndsWith must be a string such as .csv.',
      'typeProperties.blobPathEndsWith',
    );
  }
  const ignore = tp['ignoreEmptyBlobs'] ?? true;
  if (typeof ignore !== 'boolean') {
    throw new ValidationError(
      'typeProperties.ignoreEmptyBlobs must be true or false.',
      'typeProperties.ignoreEmptyBlobs',
    );
  }
  return {
    type: 'BlobEventsTrigger',
    datastore,
    ...beginsWith(tp['blobPathBeginsWith'], datastore),
    suffix,
    ignoreEmptyBlobs: ignore,
    events: [...new Set(events as BlobEvent[])],
  };
}

/** Data Factory's rule for object names: up to 260 characters, a letter, digit or _ first, none of .+?/<>*%&:\ */
export function checkTriggerName(name: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (!/^[A-Za-z0-9_][^.+?/<>*%&:\\\u0000-\u001f]{0,259}$/.test(name)) {
    throw new ValidationError(
      `Trigger name '${name.slice(0, 80)}' is not valid: up to 260 characters, starting with a letter, digit or _, without . + ? / < > * % & : or \\.`,
      'name',
    );
  }
}

/** The trigger of a PUT body; throws ValidationError naming the field. */
export function parseTrigger(name: string, body: unknown): TriggerDefinition {
  const properties = objectAt(
    (body as { properties?: unknown } | null)?.properties,
    'properties',
    '{"type": "ScheduleTrigger", "typeProperties": {...}, "pipelines": [...]}',
  );
  const tp = objectAt(properties['typeProperties'], 'typeProperties', "the trigger type's settings");
  const type = properties['type'];
  let spec: TriggerSpec;
  if (type === 'ScheduleTrigger') {
    spec = { type, recurrence: parseRecurrence(tp['recurrence'], 'typeProperties.recurrence') };
  } else if (type === 'TumblingWindowTrigger') {
    spec = tumblingWindow(tp, name);
  } else if (type === 'BlobEventsTrigger') {
    spec = blobEvents(tp);
  } else {
    throw new ValidationError(
      'properties.type must be ScheduleTrigger, TumblingWindowTrigger or BlobEventsTrigger.',
      'properties.type',
    );
  }
  const pipelines = pipelinesOf(properties, spec.type === 'TumblingWindowTrigger');
  if (spec.type === 'TumblingWindowTrigger' && pipelines.length !== 1) {
    throw new ValidationError('A TumblingWindowTrigger runs exactly one pipeline.', 'properties.pipeline');
  }
  // The state is the server's to keep (start/stop), never the body's.
  const kept = { ...properties };
  delete kept['runtimeState'];
  return { spec, pipelines, properties: kept };
}

export const TRIGGER_KIND = 'trigger';

export type RuntimeState = 'Started' | 'Stopped';

/** A trigger as the store keeps it. */
export interface StoredTrigger {
  name: string;
  properties: Record<string, unknown>;
  runtimeState: RuntimeState;
  /** New when the trigger is created: occurrences are keyed by it, so a deleted and re-created trigger starts afresh. */
  generation: string;
  /** When it was last started (epoch ms): nothing before it fires, except tumbling windows. */
  startedAtMs?: number;
  etag: string;
  createdAt: string;
  lastModifiedAt: string;
  createdBy: string;
}
