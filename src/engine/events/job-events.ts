/**
 * What a job status change looks like on the wire: Azure Machine Learning's Event Grid events
 * (RunStatusChanged, RunCompleted) with the run fields Azure documents (experimentId, experimentName,
 * runId, runType, runTags, runProperties, runStatus), in Event Grid's schema (an array of one event) or
 * as a structured CloudEvents 1.0 event. A job is a run of the experiment named after its endpoint, as
 * Azure files batch jobs; the experiment id is derived from the workspace and endpoint so it is stable.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AzureEventType, DeliverySchema } from '../../core/event-subscriptions.ts';
import type { JobRecord } from '../../core/jobs.ts';

/** One event, in Event Grid's schema (the CloudEvents form is derived from it). */
export interface JobEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: AzureEventType;
  eventTime: string;
  data: RunEventData;
  dataVersion: string;
  metadataVersion: string;
}

export interface RunEventData {
  experimentId: string;
  experimentName: string;
  runId: string;
  runType: string;
  runTags: Record<string, string>;
  runProperties: Record<string, string>;
  runStatus: string;
}

/** Nightshift's run type for batch endpoint jobs (Azure's differs by job kind; see docs/decisions.md). */
const RUN_TYPE = 'azureml.BatchEndpointJob';

/** A UUID-shaped id from a hash: the same endpoint of the same workspace gives the same experiment id. */
function experimentIdOf(topic: string, endpoint: string): string {
  const hex = createHash('sha256').update(`${topic}\0${endpoint.toLowerCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function runProperties(job: JobRecord): Record<string, string> {
  const entries: [string, string | undefined][] = [
    ['endpointName', job.endpointName],
    ['deploymentName', job.deploymentName],
    ['createdAt', job.systemData.createdAt],
    ['createdBy', job.systemData.createdBy],
    ['startedAt', job.startedAt],
    ['endedAt', job.endedAt],
    ['result', job.result],
    ['errorCode', job.error?.code],
    ['errorMessage', job.error?.message],
    ['outputUri', job.output.uri],
  ];
  return Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== undefined));
}

/** The event of one type for a job as it is now; `topic` is the workspace's ARM id. */
export function jobEvent(job: JobRecord, type: AzureEventType, topic: string, now: Date): JobEvent {
  const experimentId = experimentIdOf(topic, job.endpointName);
  return {
    id: randomUUID(),
    topic,
    subject: `experiments/${experimentId}/runs/${job.name}`,
    eventType: type,
    eventTime: now.toISOString(),
    data: {
      experimentId,
      experimentName: job.endpointName,
      runId: job.name,
      runType: RUN_TYPE,
      runTags: { ...job.tags },
      runProperties: runProperties(job),
      runStatus: job.status,
    },
    dataVersion: '2',
    metadataVersion: '1',
  };
}

/** The request body and content type for a schema: Event Grid's array of one, or a structured CloudEvent. */
export function eventBody(event: JobEvent, schema: DeliverySchema): { body: string; contentType: string } {
  if (schema === 'EventGridSchema') {
    return { body: JSON.stringify([event]), contentType: 'application/json; charset=utf-8' };
  }
  const cloudEvent = {
    specversion: '1.0',
    type: event.eventType,
    source: event.topic,
    id: event.id,
    time: event.eventTime,
    subject: event.subject,
    datacontenttype: 'application/json',
    data: event.data,
  };
  return { body: JSON.stringify(cloudEvent), contentType: 'application/cloudevents+json; charset=utf-8' };
}
