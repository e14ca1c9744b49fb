/**
 * Triggers as a service of the server: definitions are validated and stored (Data Factory's rule holds: a
 * started trigger must be stopped before it is changed or deleted), started and stopped, and their runs
 * queried by time and filters, or fired again. The loop that fires them is trigger-engine.ts; this module
 * wakes it whenever something it should see changed here.
 */
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { ResourceRepository } from '../../store/contract.ts';
import type { ExpressionEngine } from '../expressions/contract.ts';
import type { Clock } from '../time/clock.ts';
import { recurrenceFireTimes } from '../../core/recurrence/index.ts';
import { checkTriggerName, parseTrigger, TRIGGER_KIND, type StoredTrigger } from './definition.ts';
import type { TriggerEngine } from './trigger-engine.ts';
import { fire, RUN_KIND, settle, type FiringDeps, type StoredTriggerRun } from './trigger-runs.ts';

export interface TriggerServiceDeps {
  repo: ResourceRepository;
  clock: Clock;
  expressions: ExpressionEngine;
  engine: TriggerEngine;
  firing: FiringDeps;
  /** Whether the factory has a pipeline of that name. */
  pipelineExists(name: string): Promise<boolean>;
  /** Throws NotFoundError when the workspace has no such datastore. */
  checkDatastore(name: string): Promise<void>;
}

export interface TriggerRunQuery {
  lastUpdatedAfter: string;
  lastUpdatedBefore: string;
  triggerName?: string;
  status?: string;
}

/** A trigger run as Data Factory shows it, plus the first pipeline run id for convenience. */
export function triggerRunView(run: StoredTriggerRun) {
  return {
    triggerRunId: run.triggerRunId,
    triggerName: run.triggerName,
    triggerType: run.triggerType,
    triggerRunTimestamp: run.triggerRunTimestamp,
    status: run.status,
    message: run.message,
    properties: run.properties,
    triggeredPipelines: run.triggeredPipelines,
    pipelineRunId: run.plans[0]?.runId ?? null,
    attempt: run.attempt,
  };
}

export type TriggerService = ReturnType<typeof createTriggerService>;

export function createTriggerService(deps: TriggerServiceDeps) {
  async function stored(name: string): Promise<StoredTrigger> {
    const found = await deps.repo.get<StoredTrigger>(TRIGGER_KIND, { name });
    if (!found) {
      throw new NotFoundError(
        `Trigger '${name}' does not exist; create it first (nightshift pipeline trigger create -f FILE).`,
      );
    }
    return found;
  }

  async function checkReferences(name: string, body: unknown): Promise<ReturnType<typeof parseTrigger>> {
    const def = parseTrigger(name, body);
    for (const [i, binding] of def.pipelines.entries()) {
      if (!(await deps.pipelineExists(binding.pipelineName))) {
        throw new ValidationError(
          `The trigger runs pipeline '${binding.pipelineName}', which does not exist; import it first.`,
          `properties.pipelines[${i}].pipelineReference.referenceName`,
        );
      }
      const problems = deps.expressions.check(binding.parameters);
      if (problems[0]) {
        throw new ValidationError(
          `An expression in the parameters of pipeline '${binding.pipelineName}' is invalid: ${problems[0].message}`,
          `properties.pipelines[${i}].parameters${problems[0].path ? `.${problems[0].path}` : ''}`,
        );
      }
    }
    if (def.spec.type === 'BlobEventsTrigger') await deps.checkDatastore(def.spec.datastore);
    return def;
  }

  async function put(name: string, body: unknown, actor: string): Promise<StoredTrigger> {
    checkTriggerName(name);
    const def = await checkReferences(name, body);
    const previous = await deps.repo.get<StoredTrigger>(TRIGGER_KIND, { name });
    if (previous?.runtimeState === 'Started') {
      throw new ConflictError(
        `Trigger '${previous.name}' is started; stop it before changing it (nightshift pipeline trigger stop --name ${previous.name}).`,
      );
    }
    const now = deps.clock.now().toISOString();
    const doc: StoredTrigger = {
      name: previous?.name ?? name,
      properties: def.properties,
      runtimeState: 'Stopped',
      generation: previous?.generation ?? crypto.randomUUID(),
      etag: crypto.randomUUID(),
      createdAt: previous?.createdAt ?? now,
      lastModifiedAt: now,
      createdBy: previous?.createdBy ?? actor,
    };
    const saved = previous
      ? await deps.repo.replace(TRIGGER_KIND, { name }, doc)
      : await deps.repo.insert(TRIGGER_KIND, { name }, doc);
    if (!saved) throw new ConflictError(`Trigger '${name}' changed while it was being saved; try again.`);
    return doc;
  }

  async function setState(name: string, runtimeState: 'Started' | 'Stopped'): Promise<StoredTrigger> {
    const trigger = await stored(name);
    if (runtimeState === 'Started') await checkReferences(trigger.name, { properties: trigger.properties });
    const doc: StoredTrigger = {
      ...trigger,
      runtimeState,
      ...(runtimeState === 'Started' && trigger.runtimeState !== 'Started'
        ? { startedAtMs: deps.clock.now().getTime() }
        : {}),
    };
    await deps.repo.replace(TRIGGER_KIND, { name }, doc);
    deps.engine.wake();
    return doc;
  }

  async function allRuns(triggerName?: string): Promise<StoredTriggerRun[]> {
    const runs = await deps.repo.list<StoredTriggerRun>(
      RUN_KIND,
      triggerName === undefined ? undefined : { scope: triggerName },
    );
    // Recovery claims share the kind; they carry no run id.
    return Promise.all(
      runs.filter((r) => typeof r.triggerRunId === 'string').map((r) => settle(deps.firing, r)),
    );
  }

  async function queryRuns(query: TriggerRunQuery): Promise<StoredTriggerRun[]> {
    const after = Date.parse(query.lastUpdatedAfter);
    const before = Date.parse(query.lastUpdatedBefore);
    const runs = await allRuns(query.triggerName);
    return runs
      .filter((r) => {
        const at = Date.parse(r.triggerRunTimestamp);
        return (
          at >= after &&
          at < before &&
          (query.status === undefined || r.status.toLowerCase() === query.status.toLowerCase())
        );
      })
      .sort((a, b) => a.triggerRunTimestamp.localeCompare(b.triggerRunTimestamp));
  }

  /** Fires the run's occurrence again as a new attempt (a new trigger run and new pipeline runs). */
  async function rerun(triggerName: string, triggerRunId: string): Promise<StoredTriggerRun> {
    const trigger = await stored(triggerName);
    const runs = (await allRuns(trigger.name)).filter((r) => r.generation === trigger.generation);
    const original = runs.find((r) => r.triggerRunId.toLowerCase() === triggerRunId.toLowerCase());
    if (!original)
      throw new NotFoundError(`Trigger run '${triggerRunId}' of trigger '${trigger.name}' does not exist.`);
    const def = parseTrigger(trigger.name, { properties: trigger.properties });
    const attempt =
      1 + Math.max(...runs.filter((r) => r.occurrence === original.occurrence).map((r) => r.attempt));
    const target = {
      name: trigger.name,
      type: def.spec.type,
      generation: trigger.generation,
      pipelines: def.pipelines,
    };
    const occurrence = {
      key: original.occurrence,
      timeMs: original.occurrenceMs,
      values: original.values,
      properties: original.properties,
      attempt,
    };
    if (!(await fire(deps.firing, target, occurrence)))
      throw new ConflictError('That trigger run is being rerun already.');
    const fresh = (await allRuns(trigger.name)).find(
      (r) => r.occurrence === original.occurrence && r.attempt === attempt,
    );
    if (!fresh) throw new NotFoundError(`The rerun of trigger run '${triggerRunId}' was not recorded.`);
    return fresh;
  }

  /** A schedule's next firing times after now (ISO, UTC): what a user checks a zone and DST against. */
  function nextFireTimes(trigger: StoredTrigger, count = 5): string[] {
    const spec = parseTrigger(trigger.name, { properties: trigger.properties }).spec;
    if (spec.type !== 'ScheduleTrigger') return [];
    const times = recurrenceFireTimes(spec.recurrence);
    const out: string[] = [];
    let at = times.nextAfter(deps.clock.now().getTime());
    while (at !== undefined && out.length < count) {
      out.push(new Date(at).toISOString());
      at = times.nextAfter(at);
    }
    return out;
  }

  return {
    put,
    get: stored,
    nextFireTimes,
    list: () => deps.repo.list<StoredTrigger>(TRIGGER_KIND),
    async delete(name: string): Promise<void> {
      const trigger = await stored(name);
      if (trigger.runtimeState === 'Started') {
        throw new ConflictError(`Trigger '${trigger.name}' is started; stop it before deleting it.`);
      }
      await deps.repo.remove(TRIGGER_KIND, { name });
      deps.engine.forget(trigger.generation);
    },
    start: (name: string) => setState(name, 'Started'),
    stop: (name: string) => setState(name, 'Stopped'),
    queryRuns,
    rerun,
  };
}
