/**
 * Run records shaped like Data Factory's REST `PipelineRun` and `ActivityRun` (spec §2.1). They are what
 * storage keeps, what the REST API returns and what the CLI prints, so the field names follow the service.
 * One activity record is written per attempt and per loop iteration.
 */
import type { FailureType } from './activity-failure.ts';

export type PipelineRunStatus = 'Queued' | 'InProgress' | 'Succeeded' | 'Failed' | 'Canceling' | 'Cancelled';
export type ActivityRunStatus = 'Queued' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Cancelled';
/** Statuses an activity can end with, the ones dependency conditions and the leaf rule look at. */
export type TerminalActivityStatus = 'Succeeded' | 'Failed' | 'Skipped' | 'Cancelled';

export interface ActivityErrorRecord {
  errorCode: string;
  message: string;
  failureType: FailureType;
  /** Name of the activity the error belongs to. */
  target: string;
  details: string;
}

export interface InvokedBy {
  name: string;
  id: string;
  /** `Manual`, `ScheduleTrigger`, `PipelineActivity`, ... */
  invokedByType: string;
  pipelineName?: string;
  pipelineRunId?: string;
}

export interface PipelineRunRecord {
  runId: string;
  runGroupId: string;
  isLatest: boolean;
  pipelineName: string;
  /** Parameter values as text, as the service shows them; SecureString values masked. */
  parameters: Record<string, string>;
  invokedBy: InvokedBy;
  runStart: string;
  runEnd: string | null;
  durationInMs: number | null;
  lastUpdated: string;
  status: PipelineRunStatus;
  /** Empty unless failed: "Operation on target <activity> failed: <message>". */
  message: string;
  /** The map a SetVariable of `pipelineReturnValue` produced; absent when never set. */
  pipelineReturnValue?: Record<string, unknown>;
}

export interface ActivityRunRecord {
  activityRunId: string;
  activityName: string;
  activityType: string;
  pipelineName: string;
  pipelineRunId: string;
  status: ActivityRunStatus;
  activityRunStart: string;
  activityRunEnd: string | null;
  durationInMs: number | null;
  /** Evaluated typeProperties (spec §2.6), masked under `secureInput`; null for skipped and inactive runs. */
  input: unknown;
  output: unknown;
  error: ActivityErrorRecord | null;
  /** Null on the first attempt, then 1..retry (spec §2.3). */
  retryAttempt: number | null;
  userProperties: Record<string, unknown>;
  /** The run of the container (Until, ForEach, If, Switch) this activity ran inside; null at top level. */
  parentActivityRunId: string | null;
  /** 1-based iteration of the innermost enclosing Until or ForEach; null outside loops. */
  iteration: number | null;
}

/** The monitoring view of a pipeline parameter value: text, as REST `PipelineRun.parameters` has it. */
export function parameterText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export function errorRecord(
  target: string,
  errorCode: string,
  message: string,
  options: { failureType?: FailureType; details?: string } = {},
): ActivityErrorRecord {
  return {
    errorCode,
    message,
    failureType: options.failureType ?? 'UserError',
    target,
    details: options.details ?? '',
  };
}

/** The message Data Factory puts on a run or container that failed because of `activityName`. */
export function operationFailedMessage(activityName: string, error: ActivityErrorRecord | null): string {
  const reason = error?.message ?? 'the activity did not succeed';
  return `Operation on target ${activityName} failed: ${reason}`;
}
