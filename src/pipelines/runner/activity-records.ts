/**
 * Writes activity run records and announces them: one record per attempt, opened InProgress when the
 * attempt starts and closed with its final status, output and error. Masking happens here, on the way into
 * the record, so results seen by expressions keep their real values.
 */
import type { ActivityDefinition } from '../definition/model.ts';
import { formatRunTime } from '../time/timestamp.ts';
import { MASKED } from './masking.ts';
import type { ActivityErrorRecord, ActivityRunRecord, TerminalActivityStatus } from './records.ts';
import type { RunContext, ScopeFrame } from './run-context.ts';

export function openActivityRecord(
  run: RunContext,
  frame: ScopeFrame,
  activity: ActivityDefinition,
  retryAttempt: number | null,
): ActivityRunRecord {
  return {
    activityRunId: run.services.ids.newId(),
    activityName: activity.name,
    activityType: activity.type,
    pipelineName: run.pipelineName,
    pipelineRunId: run.runId,
    status: 'InProgress',
    activityRunStart: formatRunTime(run.services.clock.now()),
    activityRunEnd: null,
    durationInMs: null,
    input: null,
    output: null,
    error: null,
    retryAttempt,
    userProperties: {},
    parentActivityRunId: frame.parentActivityRunId,
    iteration: frame.iteration,
  };
}

/**
 * The input record: evaluated typeProperties without nested activity lists (spec §1.7 leaves those to
 * their own records) and with SecureString values hidden, or only a marker under `secureInput`.
 */
export function recordInput(
  run: RunContext,
  record: ActivityRunRecord,
  input: unknown,
  secure: boolean,
): void {
  record.input = secure ? MASKED : run.masker.mask(withoutNestedActivities(input));
}

function isSecureString(value: object): boolean {
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && type.toLowerCase() === 'securestring';
}

function withoutNestedActivities(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNestedActivities);
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  if (isSecureString(value)) return { ...value, value: MASKED };
  for (const [key, inner] of Object.entries(value)) {
    if (!key.toLowerCase().includes('activities')) result[key] = withoutNestedActivities(inner);
  }
  return result;
}

export function announceStart(run: RunContext, record: ActivityRunRecord): void {
  run.services.events.emit({ kind: 'activityRunStarted', activityRun: { ...record } });
}

export interface ActivityEnding {
  status: TerminalActivityStatus;
  output: unknown;
  error: ActivityErrorRecord | null;
}

export function closeActivityRecord(
  run: RunContext,
  record: ActivityRunRecord,
  ending: ActivityEnding,
  secureOutput: boolean,
): void {
  const end = run.services.clock.now();
  record.status = ending.status;
  record.output = secureOutput && ending.output !== null ? MASKED : run.masker.mask(ending.output ?? null);
  record.error = ending.error === null ? null : (run.masker.mask(ending.error) as ActivityErrorRecord);
  record.activityRunEnd = formatRunTime(end);
  record.durationInMs = Math.max(0, end.getTime() - Date.parse(record.activityRunStart));
  run.services.events.emit({ kind: 'activityRunFinished', activityRun: { ...record } });
}

/** Records an activity that ended without running: Skipped by its dependencies, or Inactive. */
export function recordWithoutRunning(
  run: RunContext,
  frame: ScopeFrame,
  activity: ActivityDefinition,
  ending: ActivityEnding,
): void {
  const record = openActivityRecord(run, frame, activity, null);
  closeActivityRecord(run, record, ending, false);
}

/** Evaluates userProperties for monitoring; a value that cannot be evaluated is shown as written. */
export function evaluateUserProperties(
  activity: ActivityDefinition,
  evaluate: (value: unknown) => unknown,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const property of activity.userProperties ?? []) {
    try {
      result[property.name] = evaluate(property.value);
    } catch {
      result[property.name] = property.value;
    }
  }
  return result;
}
