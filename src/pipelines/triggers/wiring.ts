/**
 * Puts the triggers together for the server: the firing reaches the pipeline service (runs started with
 * their trigger's values and derived ids), the loop lists the workspace's datastores, and each server names
 * itself on the firings it claims.
 */
import { hostname } from 'node:os';
import type { DatastoreBackend } from '../../storage/contract.ts';
import type { ResourceRepository } from '../../store/contract.ts';
import type { ExpressionEngine } from '../expressions/contract.ts';
import type { PipelineService } from '../service/pipeline-service.ts';
import type { Clock } from '../time/clock.ts';
import { createTriggerEngine } from './trigger-engine.ts';
import type { FiringDeps, TriggeredRunStarter } from './trigger-runs.ts';
import { createTriggerService } from './trigger-service.ts';

export interface TriggerWiring {
  repo: ResourceRepository;
  pipelines: PipelineService;
  expressions: ExpressionEngine;
  clock: Clock;
  factoryName: string;
  datastore: (name: string) => Promise<DatastoreBackend>;
  checkDatastore: (name: string) => Promise<void>;
  pollMs: number;
  recoverAfterMs: number;
  onError: (error: unknown, trigger: string) => void;
}

function pipelineStarter(pipelines: PipelineService): TriggeredRunStarter {
  return {
    async start(plan, trigger) {
      await pipelines.createRun(plan.pipelineName, plan.parameters, {
        runId: plan.runId,
        invokedBy: trigger.name,
        trigger,
      });
    },
    async status(runId) {
      const run = await pipelines.getRun(runId).catch(() => undefined);
      if (!run) return undefined;
      const end = typeof run['runEnd'] === 'string' ? Date.parse(run['runEnd']) : Number.NaN;
      return { status: run.status, ...(Number.isNaN(end) ? {} : { endMs: end }) };
    },
    finished: (runId) => pipelines.finished(runId),
  };
}

export function createTriggers(w: TriggerWiring) {
  const firing: FiringDeps = {
    repo: w.repo,
    clock: w.clock,
    starter: pipelineStarter(w.pipelines),
    expressions: w.expressions,
    factoryName: w.factoryName,
    owner: `${hostname()}:${process.pid}`,
  };
  const engine = createTriggerEngine({
    ...firing,
    datastore: w.datastore,
    pollMs: w.pollMs,
    recoverAfterMs: w.recoverAfterMs,
    onError: w.onError,
  });
  const service = createTriggerService({
    repo: w.repo,
    clock: w.clock,
    expressions: w.expressions,
    engine,
    firing,
    pipelineExists: (name) =>
      w.pipelines.get(name).then(
        () => true,
        () => false,
      ),
    checkDatastore: w.checkDatastore,
  });
  return { engine, service };
}
