/**
 * Follows a pipeline run for `pipeline run --wait`: polls the run and its activity runs and writes a line
 * when an activity starts and when it ends. Records are updated in place, so what was already said is
 * remembered per activity run id. The run is read before its activities, so once it has ended the list
 * read after it is complete. A child run an ExecutePipeline waits on is followed the same way, its lines
 * indented under the activity: the child is found by its `invokedBy.id` (the activity run) while the
 * activity runs and by the activity's `output.pipelineRunId` once it has ended. A batch job a WebActivity
 * started is named once, right after that activity's end. An abort signal (Ctrl-C) stops the watching,
 * never the run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ACTIVE_ACTIVITY_STATUSES, activityLine, batchJobLine, startedBatchJob } from './activity-lines.ts';
import type { ActivityRunView, PipelineApi, PipelineRunView } from './pipeline-api.ts';

const TERMINAL_RUN_STATUSES: readonly string[] = ['Succeeded', 'Failed', 'Cancelled'];

export type RunReader = Pick<PipelineApi, 'getRun' | 'activityRuns' | 'queryRuns'>;

export interface WatchOptions {
  intervalMs: number;
  write: (line: string) => void;
  signal?: AbortSignal | undefined;
  now?: () => Date;
}

export type WatchResult =
  | { stopped: false; run: PipelineRunView; activityRuns: ActivityRunView[] }
  | { stopped: true; run: PipelineRunView | undefined };

interface FollowContext {
  api: RunReader;
  write: (line: string) => void;
  now: () => Date;
  /** Batch jobs already named, across the followed run and its children. */
  jobsNamed: Set<string>;
}

type Told = 'started' | 'ended';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The child run an ExecutePipeline record waits on, when it can be known from the records. */
async function childRunId(api: RunReader, activity: ActivityRunView): Promise<string | undefined> {
  const waits = field(activity.input, 'waitOnCompletion');
  if (activity.activityType !== 'ExecutePipeline' || (waits !== true && waits !== 'true')) return undefined;
  const fromOutput = field(activity.output, 'pipelineRunId');
  if (typeof fromOutput === 'string') return fromOutput;
  const pipelineName = field(field(activity.input, 'pipeline'), 'referenceName');
  if (typeof pipelineName !== 'string' || !ACTIVE_ACTIVITY_STATUSES.includes(activity.status))
    return undefined;
  const runs = await api.queryRuns({ pipelineName });
  return runs.find((run) => field(run['invokedBy'], 'id') === activity.activityRunId)?.runId;
}

/** For each record, the index of the last record nested in it (its own index when none is). */
export function lastDescendantIndexes(activities: readonly ActivityRunView[]): number[] {
  const indexOf = new Map(activities.map((activity, index) => [activity.activityRunId, index]));
  const last = activities.map((_activity, index) => index);
  for (const [index, activity] of activities.entries()) {
    const seen = new Set<string>();
    let parent = activity.parentActivityRunId;
    while (parent != null && !seen.has(parent)) {
      seen.add(parent);
      const at = indexOf.get(parent);
      if (at === undefined) break;
      last[at] = Math.max(last[at] ?? at, index);
      parent = activities[at]?.parentActivityRunId;
    }
  }
  return last;
}

/** Reports the activity runs of one run, indented by `baseDepth`, and of the child runs it waits on. */
function runFollower(context: FollowContext, runId: string, baseDepth = 0) {
  const told = new Map<string, Told>();
  const depths = new Map<string, number>();
  const children = new Map<string, ReturnType<typeof runFollower>>();

  function depthOf(activity: ActivityRunView): number {
    const parent = activity.parentActivityRunId;
    const depth = parent == null ? baseDepth : (depths.get(parent) ?? baseDepth - 1) + 1;
    depths.set(activity.activityRunId, depth);
    return depth;
  }

  async function followChild(activity: ActivityRunView, depth: number): Promise<void> {
    let child = children.get(activity.activityRunId);
    if (child === undefined) {
      const id = await childRunId(context.api, activity);
      if (id === undefined) return;
      child = runFollower(context, id, depth + 1);
      children.set(activity.activityRunId, child);
    }
    await child.step();
  }

  async function report(activity: ActivityRunView, writeEnd: (line: string) => void): Promise<void> {
    const depth = depthOf(activity);
    const before = told.get(activity.activityRunId);
    if (before === 'ended') return;
    const active = ACTIVE_ACTIVITY_STATUSES.includes(activity.status);
    // A skipped activity never started; any other that ended between two polls gets its start line too.
    if (before === undefined && activity.status !== 'Skipped') {
      context.write(activityLine(activity, { depth, ended: false, now: context.now }));
    }
    await followChild(activity, depth);
    if (!active) writeEnd(activityLine(activity, { depth, ended: true, now: context.now }));
    const job = startedBatchJob(activity);
    if (job !== undefined && !context.jobsNamed.has(job)) {
      context.jobsNamed.add(job);
      writeEnd(batchJobLine(activity, job, { depth, now: context.now }));
    }
    told.set(activity.activityRunId, active ? 'started' : 'ended');
  }

  return {
    /** Reads the run's activity runs, writes what is new, and returns them. */
    async step(): Promise<ActivityRunView[]> {
      const activities = await context.api.activityRuns(runId);
      const lastInside = lastDescendantIndexes(activities);
      const deferred: { after: number; line: string }[] = [];
      for (const [index, activity] of activities.entries()) {
        // A container's end line waits for the lines of the activities that ran inside it.
        await report(activity, (line) => {
          const after = lastInside[index] ?? index;
          if (after > index) deferred.push({ after, line });
          else context.write(line);
        });
        for (const due of deferred.filter((entry) => entry.after <= index).reverse()) {
          deferred.splice(deferred.indexOf(due), 1);
          context.write(due.line);
        }
      }
      for (const rest of deferred.reverse()) context.write(rest.line);
      return activities;
    },
  };
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
}

export async function watchRun(api: RunReader, runId: string, options: WatchOptions): Promise<WatchResult> {
  const follower = runFollower(
    { api, write: options.write, now: options.now ?? (() => new Date()), jobsNamed: new Set() },
    runId,
  );
  let run: PipelineRunView | undefined;
  for (;;) {
    if (options.signal?.aborted) return { stopped: true, run };
    run = await api.getRun(runId);
    const activityRuns = await follower.step();
    if (TERMINAL_RUN_STATUSES.includes(run.status)) return { stopped: false, run, activityRuns };
    await pause(options.intervalMs, options.signal);
  }
}
