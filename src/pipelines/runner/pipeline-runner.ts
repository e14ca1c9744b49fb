/**
 * Creates and executes pipeline runs (spec §2): resolves parameters, runs the top-level scope, derives the
 * run's status with the leaf rule, and reports the run and its activities to the event sink. Child runs
 * started by ExecutePipeline go through the same runner, so they are recorded alike and `whenIdle` can
 * wait for those that were started without waiting on completion.
 */
import type { PipelineDefinition } from '../definition/model.ts';
import { formatRunTime } from '../time/timestamp.ts';
import { ActivityFailure } from './activity-failure.ts';
import type { ChildPipelineLauncher } from './activity-handler.ts';
import { operationFailedMessage, type PipelineRunRecord, type PipelineRunStatus } from './records.ts';
import { ResultStore, type RunContext, type RunServices, type ScopeFrame } from './run-context.ts';
import { setUpRun, type ParentRunLink, type PipelineRunRequest } from './run-setup.ts';
import { runScope } from './scope-runner.ts';
import { VariableStore } from './variables.ts';

export interface PipelineLookup {
  /** The stored pipeline with this name (matched ignoring case), for ExecutePipeline. */
  find(name: string): Promise<PipelineDefinition | undefined>;
}

export interface RunnerDependencies extends RunServices {
  pipelines: PipelineLookup;
  /** `pipeline().DataFactory`; `nightshift` when absent. */
  factoryName?: string;
  globalParameters?: Record<string, unknown>;
  /** How deep ExecutePipeline may nest before the activity fails; 16 when absent. */
  maxPipelineDepth?: number;
}

export interface PipelineRunHandle {
  readonly runId: string;
  /** Resolves with the final record; never rejects. */
  readonly done: Promise<PipelineRunRecord>;
  cancel(reason?: unknown): void;
}

interface RunLink extends ParentRunLink {
  depth: number;
}

export class PipelineRunner {
  readonly #deps: RunnerDependencies;
  readonly #active = new Set<Promise<PipelineRunRecord>>();

  constructor(deps: RunnerDependencies) {
    this.#deps = deps;
  }

  /** Creates a run and starts it; throws ParameterError (synchronously) if the parameters do not fit. */
  start(definition: PipelineDefinition, request: PipelineRunRequest = {}): PipelineRunHandle {
    return this.#start(definition, request, undefined);
  }

  run(definition: PipelineDefinition, request: PipelineRunRequest = {}): Promise<PipelineRunRecord> {
    return this.start(definition, request).done;
  }

  /** Waits until every run of this runner has finished, detached child runs included. */
  async whenIdle(): Promise<void> {
    while (this.#active.size > 0) await Promise.allSettled([...this.#active]);
  }

  #start(
    definition: PipelineDefinition,
    request: PipelineRunRequest,
    parent: RunLink | undefined,
  ): PipelineRunHandle {
    const deps = this.#deps;
    const setup = setUpRun(definition, request, parent, {
      clock: deps.clock,
      ids: deps.ids,
      factoryName: deps.factoryName ?? 'nightshift',
      globalParameters: deps.globalParameters ?? {},
    });
    const controller = new AbortController();
    const unlink = followSignal(controller, request.signal);
    const depth = parent?.depth ?? 0;
    const run: RunContext = {
      services: deps,
      pipelineName: definition.name,
      runId: setup.runId,
      system: setup.system,
      trigger: setup.trigger,
      variables: new VariableStore(definition.properties.variables),
      masker: setup.masker,
      signal: controller.signal,
      returnValue: undefined,
      childLauncher: (link) => this.#childLauncher(run, depth, link),
    };
    deps.events.emit({ kind: 'pipelineRunStarted', run: { ...setup.record } });
    const done = this.#execute(definition, run, setup.record);
    this.#active.add(done);
    void done.finally(() => {
      unlink();
      this.#active.delete(done);
    });
    return {
      runId: setup.runId,
      done,
      cancel: (reason?: unknown) => {
        controller.abort(reason);
      },
    };
  }

  async #execute(
    definition: PipelineDefinition,
    run: RunContext,
    record: PipelineRunRecord,
  ): Promise<PipelineRunRecord> {
    const { clock, events } = this.#deps;
    const onAbort = (): void => {
      record.status = 'Canceling';
      record.lastUpdated = formatRunTime(clock.now());
      events.emit({ kind: 'pipelineRunStatusChanged', run: { ...record } });
    };
    run.signal.addEventListener('abort', onAbort, { once: true });
    const frame: ScopeFrame = {
      results: new ResultStore(),
      parent: undefined,
      item: undefined,
      iteration: null,
      parentActivityRunId: null,
      signal: run.signal,
    };
    let status: PipelineRunStatus;
    let message = '';
    try {
      const outcome = await runScope(definition.properties.activities, frame, run);
      status = outcome.status;
      if (outcome.failure !== undefined && status === 'Failed') {
        message = operationFailedMessage(outcome.failure.activityName, outcome.failure.error);
      }
    } catch (error) {
      status = run.signal.aborted ? 'Cancelled' : 'Failed';
      message = error instanceof Error ? error.message : String(error);
    }
    run.signal.removeEventListener('abort', onAbort);
    const end = clock.now();
    record.status = run.signal.aborted ? 'Cancelled' : status;
    record.message = run.masker.mask(message) as string;
    record.runEnd = formatRunTime(end);
    record.lastUpdated = record.runEnd;
    record.durationInMs = Math.max(0, end.getTime() - Date.parse(record.runStart));
    if (run.returnValue !== undefined) record.pipelineReturnValue = run.returnValue;
    const final = { ...record };
    events.emit({ kind: 'pipelineRunFinished', run: final });
    return final;
  }

  #childLauncher(
    parentRun: RunContext,
    depth: number,
    parent: { activityName: string; activityRunId: string; signal: AbortSignal },
  ): ChildPipelineLauncher {
    const maxDepth = this.#deps.maxPipelineDepth ?? 16;
    return {
      find: (name) => this.#deps.pipelines.find(name),
      start: (definition, parameters, options) => {
        if (depth + 1 > maxDepth) {
          throw new ActivityFailure(
            'PipelineNestingTooDeep',
            `ExecutePipeline nests deeper than ${maxDepth} pipeline runs; is a pipeline calling itself?`,
          );
        }
        const request: PipelineRunRequest = {
          parameters,
          invokedBy: {
            name: parent.activityName,
            id: parent.activityRunId,
            invokedByType: 'PipelineActivity',
            pipelineName: parentRun.pipelineName,
            pipelineRunId: parentRun.runId,
          },
          trigger: { type: 'PipelineActivity', id: parent.activityRunId, name: parentRun.pipelineName },
        };
        if (options.waitOnCompletion) request.signal = parent.signal;
        const link = { pipelineName: parentRun.pipelineName, runId: parentRun.runId, depth: depth + 1 };
        const handle = this.#start(definition, request, link);
        return { runId: handle.runId, done: handle.done };
      },
    };
  }
}

/** Aborts `controller` when `source` aborts; returns a function that stops following. */
function followSignal(controller: AbortController, source: AbortSignal | undefined): () => void {
  if (source === undefined) return () => undefined;
  if (source.aborted) {
    controller.abort(source.reason);
    return () => undefined;
  }
  const onAbort = (): void => {
    controller.abort(source.reason);
  };
  source.addEventListener('abort', onAbort, { once: true });
  return () => {
    source.removeEventListener('abort', onAbort);
  };
}
