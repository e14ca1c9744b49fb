/**
 * The one-line texts `pipeline run --wait` writes to stderr while it follows a run: one line when an
 * activity starts and one when it ends, with the time, the activity (indented under its container, with
 * its loop iteration and retry), its type, status, duration and, for a failure, the error code and
 * message. Times come from the records, shown in the user's local time. When a WebActivity's POST answers
 * with a batch job (the invoke of Run-BatchEndpoint), a line names the job and how to follow it.
 */
import type { ActivityRunView, PipelineRunView } from './pipeline-api.ts';

export const ACTIVE_ACTIVITY_STATUSES: readonly string[] = ['Queued', 'InProgress'];

/** `850ms`, `1.2s`, `2m 03s`, `1h 02m 03s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const seconds = String(totalSeconds % 60).padStart(2, '0');
  const minutes = Math.floor(totalSeconds / 60) % 60;
  const hours = Math.floor(totalSeconds / 3600);
  return hours > 0 ? `${hours}h ${String(minutes).padStart(2, '0')}m ${seconds}s` : `${minutes}m ${seconds}s`;
}

/** `HH:MM:SS` in local time of a record's timestamp; the current time when the record has none. */
export function clockTime(timestamp: string | null | undefined, now: () => Date): string {
  const parsed = timestamp ? new Date(timestamp) : now();
  const date = Number.isNaN(parsed.getTime()) ? now() : parsed;
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
}

function activityLabel(activity: ActivityRunView, depth: number): string {
  const iteration = activity.iteration == null ? '' : ` [iteration ${activity.iteration}]`;
  const retry = activity.retryAttempt == null ? '' : ` (retry ${activity.retryAttempt})`;
  return `${'  '.repeat(depth)}${activity.activityName}${iteration}${retry}`;
}

/** The line for an activity that has started (`ended` false) or ended. */
export function activityLine(
  activity: ActivityRunView,
  options: { depth: number; ended: boolean; now: () => Date },
): string {
  const time = clockTime(options.ended ? activity.activityRunEnd : activity.activityRunStart, options.now);
  const active = ACTIVE_ACTIVITY_STATUSES.includes(activity.status);
  const status = options.ended || active ? activity.status : 'InProgress';
  const parts = [time, activityLabel(activity, options.depth), activity.activityType, status];
  if (options.ended && activity.durationInMs != null) parts.push(formatDuration(activity.durationInMs));
  const error = activity.error;
  if (options.ended && activity.status === 'Failed' && error) {
    parts.push(`${error.errorCode ? `${error.errorCode}: ` : ''}${error.message}`);
  }
  return parts.join('  ');
}

/** The closing line of a followed run, e.g. `Run 1f.. of Parent Failed after 1.2s: Operation on ...`. */
export function runSummaryLine(run: PipelineRunView): string {
  const duration = run.durationInMs == null ? '' : ` after ${formatDuration(run.durationInMs)}`;
  const message = run.message ? `: ${run.message}` : '';
  return `Run ${run.runId} of pipeline ${run.pipelineName} ${run.status}${duration}${message}`;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The batch job a succeeded WebActivity POST started: its output is the job resource Azure returns. */
export function startedBatchJob(activity: ActivityRunView): string | undefined {
  if (activity.activityType !== 'WebActivity' || activity.status !== 'Succeeded') return undefined;
  const method = field(activity['input'], 'method');
  if (typeof method === 'string' && method.toUpperCase() !== 'POST') return undefined;
  const type = field(activity['output'], 'type');
  const name = field(activity['output'], 'name');
  return typeof type === 'string' && /\/jobs$/i.test(type) && typeof name === 'string' ? name : undefined;
}

/** `12:00:03    Batch job J started; follow it with 'nightshift job stream -n J'`. */
export function batchJobLine(
  activity: ActivityRunView,
  job: string,
  options: { depth: number; now: () => Date },
): string {
  const time = clockTime(activity.activityRunEnd, options.now);
  return `${time}  ${'  '.repeat(options.depth)}Batch job ${job} started; follow it with 'nightshift job stream -n ${job}'`;
}
