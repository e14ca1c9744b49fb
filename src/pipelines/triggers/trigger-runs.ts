/**
 * Firing an occurrence exactly once. Every server runs the trigger loop; the store decides who fires: the
 * trigger run record, keyed by the trigger's generation and the occurrence, is inserted before anything
 * starts, and `insert` returns false for every server but one. The pipeline run ids are derived from the
 * same key, so a server that recorded an occurrence and died before starting its runs is recovered by
 * whoever finds the record unstarted later, starting the very same run ids (and none that exist already).
 */
import { createHash } from 'node:crypto';
import type { ResourceRepository } from '../../store/contract.ts';
import type { ExpressionEngine } from '../expressions/contract.ts';
import type { Clock } from '../time/clock.ts';
import { formatRunTime } from '../time/timestamp.ts';
import type { PipelineBinding } from './definition.ts';

export const RUN_KIND = 'triggerRun';

export type TriggerRunStatus = 'Inprogress' | 'Succeeded' | 'Failed';

/** One firing of a trigger, as the store keeps it. */
export interface StoredTriggerRun {
  triggerRunId: string;
  triggerName: string;
  triggerType: string;
  generation: string;
  /** What fired: a scheduled time, a window start, a blob event. */
  occurrence: string;
  occurrenceMs: number;
  attempt: number;
  triggerRunTimestamp: string;
  status: TriggerRunStatus;
  message: string;
  properties: Record<string, string>;
  /** Pipeline name → the run id it was (or will be) started with. */
  triggeredPipelines: Record<string, string>;
  /** What each pipeline run is started with, kept so a recovery starts exactly the same runs. */
  plans: RunPlan[];
  values: Record<string, unknown>;
  started: boolean;
  owner: string;
  claimedAtMs: number;
  recoveries: number;
  /** When a finished run ended (epoch ms), for retry intervals. */
  endedAtMs?: number;
}

export interface RunPlan {
  pipelineName: string;
  runId: string;
  parameters: Record<string, unknown>;
}

export interface TriggerInfo {
  type: string;
  id: string;
  name: string;
  time: Date;
  values: Record<string, unknown>;
}

/** What the trigger loop needs of the pipeline service. */
export interface TriggeredRunStarter {
  start(plan: RunPlan, trigger: TriggerInfo): Promise<void>;
  /** The run's status and end, or undefined when no run has that id. */
  status(runId: string): Promise<{ status: string; endMs?: number } | undefined>;
  /** Resolves when the run ends, if it runs on this server. */
  finished(runId: string): Promise<unknown> | undefined;
}

export interface FiringDeps {
  repo: ResourceRepository;
  clock: Clock;
  starter: TriggeredRunStarter;
  expressions: ExpressionEngine;
  factoryName: string;
  /** This server's name on the records it claims. */
  owner: string;
  /** Called once the record is stored and before any run starts: where a crash hurts most (tests). */
  afterRecord?: (run: StoredTriggerRun) => void;
  /** Told when a run this server started ends, so the loop can look again (windows, concurrency). */
  onRunFinished?: () => void;
}

export interface FiringTrigger {
  name: string;
  type: string;
  generation: string;
  pipelines: PipelineBinding[];
}

export interface Occurrence {
  key: string;
  timeMs: number;
  /** What `trigger()` returns in the parameters' expressions and the runs. */
  values: Record<string, unknown>;
  properties: Record<string, string>;
  attempt?: number;
}

/** A stable UUID-shaped id from the parts, so every server derives the same one. */
function derivedId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function runKey(generation: string, occurrence: string, attempt: number): string {
  return attempt > 1 ? `${generation}|${occurrence}|${attempt}` : `${generation}|${occurrence}`;
}

function evaluate(
  deps: FiringDeps,
  trigger: FiringTrigger,
  occurrence: Occurrence,
  runId: string,
  binding: PipelineBinding,
) {
  const time = new Date(occurrence.timeMs);
  return deps.expressions.evaluateTree(binding.parameters, {
    pipeline: {
      DataFactory: deps.factoryName,
      Pipeline: binding.pipelineName,
      RunId: runId,
      TriggerType: trigger.type,
      TriggerId: runId,
      TriggerName: trigger.name,
      TriggerTime: formatRunTime(time),
      GroupId: runId,
      TriggeredByPipelineName: null,
      TriggeredByPipelineRunId: null,
      parameters: {},
      globalParameters: {},
    },
    variable: () => undefined,
    activity: () => undefined,
    item: undefined,
    trigger: occurrence.values,
    now: () => deps.clock.now(),
    newGuid: () => crypto.randomUUID(),
  }) as Record<string, unknown>;
}

function plansFor(deps: FiringDeps, trigger: FiringTrigger, occurrence: Occurrence, key: string): RunPlan[] {
  return trigger.pipelines.map((binding, i) => {
    const runId = derivedId(key, String(i), binding.pipelineName);
    return {
      pipelineName: binding.pipelineName,
      runId,
      parameters: evaluate(deps, trigger, occurrence, runId, binding),
    };
  });
}

/** Starts the record's runs that do not exist yet, then marks it started (or Failed with why). */
async function startRuns(
  deps: FiringDeps,
  run: StoredTriggerRun,
  key: { scope: string; name: string },
): Promise<void> {
  try {
    for (const plan of run.plans) {
      if ((await deps.starter.status(plan.runId)) !== undefined) continue;
      await deps.starter.start(plan, {
        type: run.triggerType,
        id: run.triggerRunId,
        name: run.triggerName,
        time: new Date(run.occurrenceMs),
        values: run.values,
      });
      void deps.starter.finished(plan.runId)?.then(() => deps.onRunFinished?.());
    }
    await deps.repo.replace(RUN_KIND, key, { ...run, started: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await deps.repo.replace(RUN_KIND, key, {
      ...run,
      started: true,
      status: 'Failed',
      message,
      endedAtMs: deps.clock.now().getTime(),
    });
  }
}

/** Fires the occurrence unless some server already did; true when this call fired it. */
export async function fire(
  deps: FiringDeps,
  trigger: FiringTrigger,
  occurrence: Occurrence,
): Promise<boolean> {
  const attempt = occurrence.attempt ?? 1;
  const name = runKey(trigger.generation, occurrence.key, attempt);
  const key = { scope: trigger.name, name };
  const now = deps.clock.now();
  let plans: RunPlan[] = [];
  let message = '';
  try {
    plans = plansFor(deps, trigger, occurrence, name);
  } catch (error) {
    message = `The trigger's pipeline parameters could not be evaluated: ${error instanceof Error ? error.message : String(error)}`;
  }
  const run: StoredTriggerRun = {
    triggerRunId: derivedId(name),
    triggerName: trigger.name,
    triggerType: trigger.type,
    generation: trigger.generation,
    occurrence: occurrence.key,
    occurrenceMs: occurrence.timeMs,
    attempt,
    triggerRunTimestamp: formatRunTime(now),
    status: message === '' ? 'Inprogress' : 'Failed',
    message,
    properties: occurrence.properties,
    triggeredPipelines: Object.fromEntries(plans.map((p) => [p.pipelineName, p.runId])),
    plans,
    values: occurrence.values,
    started: message !== '',
    owner: deps.owner,
    claimedAtMs: now.getTime(),
    recoveries: 0,
    ...(message === '' ? {} : { endedAtMs: now.getTime() }),
  };
  if (!(await deps.repo.insert(RUN_KIND, key, run))) return false;
  if (message !== '') return true;
  deps.afterRecord?.(run);
  await startRuns(deps, run, key);
  return true;
}

/**
 * Starts the runs of records left unstarted for longer than `graceMs` (their server died between recording
 * and starting). A claim record per recovery attempt makes sure one server does it.
 */
export async function recoverUnstarted(
  deps: FiringDeps,
  triggerName: string,
  runs: readonly StoredTriggerRun[],
  graceMs: number,
): Promise<number> {
  let recovered = 0;
  const now = deps.clock.now().getTime();
  for (const run of runs) {
    if (run.started || now - run.claimedAtMs < graceMs) continue;
    const name = runKey(run.generation, run.occurrence, run.attempt);
    // Trigger names never start with '#', so the claims' scope is no trigger's.
    const claim = `${name}#recovery${run.recoveries + 1}`;
    const claimed = await deps.repo.insert(
      RUN_KIND,
      { scope: `#claims:${triggerName}`, name: claim },
      { owner: deps.owner, at: now },
    );
    if (!claimed) continue;
    const mine = { ...run, owner: deps.owner, claimedAtMs: now, recoveries: run.recoveries + 1 };
    await deps.repo.replace(RUN_KIND, { scope: triggerName, name }, mine);
    await startRuns(deps, mine, { scope: triggerName, name });
    recovered += 1;
  }
  return recovered;
}

/**
 * The run's status now: a firing that failed is Failed; otherwise it follows its pipeline runs (all
 * Succeeded: Succeeded; any Failed or Cancelled: Failed; else Inprogress). A final status is written back
 * so later reads need no lookups.
 */
export async function settle(
  deps: Pick<FiringDeps, 'repo' | 'starter'>,
  run: StoredTriggerRun,
): Promise<StoredTriggerRun> {
  if (run.status !== 'Inprogress' || !run.started) return run;
  const states = await Promise.all(run.plans.map((p) => deps.starter.status(p.runId)));
  let status: TriggerRunStatus = 'Succeeded';
  let endMs = 0;
  for (const state of states) {
    if (state === undefined || !['Succeeded', 'Failed', 'Cancelled'].includes(state.status)) return run;
    if (state.status !== 'Succeeded') status = 'Failed';
    endMs = Math.max(endMs, state.endMs ?? 0);
  }
  const message = status === 'Failed' ? 'A pipeline run this trigger started did not succeed.' : '';
  const settled = { ...run, status, message, endedAtMs: endMs };
  const name = runKey(run.generation, run.occurrence, run.attempt);
  await deps.repo.replace(RUN_KIND, { scope: run.triggerName, name }, settled);
  return settled;
}
