/**
 * Pipelines as a service of the server: definitions are validated and stored, runs are started on the
 * runner and every change of a run or activity run is written to the store (secrets redacted) as it
 * happens, so a client polling the REST API sees activities start and finish live. Runs execute in the
 * server process; the HTTP calls they make go out over the network like any client's. A run the server was
 * executing when it stopped is marked Failed at the next start: runs are not resumed. SecureString values
 * of definitions are stored sealed and read back as `***` (secure-strings.ts); only runs see them.
 */
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { SecretBox } from '../../auth/secrets/secret-box.ts';
import type {
  PipelineRunRepository,
  ResourceRepository,
  StoredActivityRun,
  StoredPipelineRun,
} from '../../store/contract.ts';
import { loadPipelineDocument } from '../definition/loader.ts';
import type { PipelineDefinition } from '../definition/model.ts';
import { assertValidPipeline } from '../definition/validate.ts';
import type { ExpressionEngine } from '../expressions/contract.ts';
import type { HandlerRegistry } from '../runner/handler-registry.ts';
import { randomIds } from '../runner/ids.ts';
import { ParameterError, resolveParameters } from '../runner/parameters.ts';
import type { PipelineRunRecord } from '../runner/records.ts';
import { queuedRecord, RunQueue, type QueuedRun } from './run-queue.ts';
import { PipelineRunner, type PipelineRunHandle } from '../runner/pipeline-runner.ts';
import type { RunEvent } from '../runner/events.ts';
import type { TriggerInfo } from '../runner/run-setup.ts';
import type { Clock } from '../time/clock.ts';
import { formatRunTime } from '../time/timestamp.ts';
import { redactSecrets } from './redaction.ts';
import { maskSecureStrings, openSecureStrings, sealSecureStrings } from './secure-strings.ts';
import { formatPath, MAX_NESTING, pathTooDeep } from '../nesting.ts';

const KIND = 'pipeline';

export interface StoredPipeline extends PipelineDefinition {
  etag: string;
  createdAt: string;
  lastModifiedAt: string;
  createdBy: string;
}

export interface PipelineServiceDeps {
  repo: ResourceRepository;
  runs: PipelineRunRepository;
  expressions: ExpressionEngine;
  clock: Clock;
  handlers: HandlerRegistry;
  /** `pipeline().DataFactory`: the workspace's name. */
  factoryName: string;
  /** Seals SecureString values for storage and opens them for runs. */
  secrets: SecretBox;
  onError?: (error: unknown) => void;
}

export interface RunFilter {
  pipelineName?: string;
  status?: string;
  limit?: number;
}

export type PipelineService = ReturnType<typeof createPipelineService>;

export function createPipelineService(deps: PipelineServiceDeps) {
  const active = new Map<string, PipelineRunHandle>();
  let writes: Promise<void> = Promise.resolve();

  /** Writes in event order; the runner's sink is synchronous, so storage is queued behind it. */
  function persist(event: RunEvent): void {
    const write = async () => {
      if (event.kind === 'activityRunStarted' || event.kind === 'activityRunFinished') {
        await deps.runs.saveActivityRun(redactSecrets(event.activityRun) as StoredActivityRun);
      } else {
        await deps.runs.saveRun(redactSecrets(event.run) as StoredPipelineRun);
      }
    };
    writes = writes.then(write).catch((error: unknown) => deps.onError?.(error));
  }

  const runner = new PipelineRunner({
    expressions: deps.expressions,
    clock: deps.clock,
    ids: randomIds(),
    handlers: deps.handlers,
    events: { emit: persist },
    factoryName: deps.factoryName,
    pipelines: { find: (name) => find(name) },
  });

  /** The definition a run executes: SecureString values opened. */
  async function find(name: string): Promise<PipelineDefinition | undefined> {
    const stored = await deps.repo.get<StoredPipeline>(KIND, { name });
    return stored ? runnable(stored) : undefined;
  }

  function runnable(stored: StoredPipeline): PipelineDefinition {
    return { name: stored.name, properties: openSecureStrings(stored.properties, deps.secrets) };
  }

  /** What reads return: SecureString values masked. */
  function shown(stored: StoredPipeline): StoredPipeline {
    return { ...stored, properties: maskSecureStrings(stored.properties) };
  }

  async function stored(name: string): Promise<StoredPipeline> {
    const stored = await deps.repo.get<StoredPipeline>(KIND, { name });
    if (!stored) {
      throw new NotFoundError(
        `Pipeline '${name}' does not exist; import it first (nightshift pipeline import --file F or --template T).`,
      );
    }
    return stored;
  }

  function validate(name: string, body: unknown): PipelineDefinition {
    const properties = (body as { properties?: unknown } | null)?.properties;
    if (typeof properties !== 'object' || properties === null) {
      throw new ValidationError(
        'The body needs a "properties" object with the pipeline\'s activities.',
        'properties',
      );
    }
    const [definition] = loadPipelineDocument(
      { name, properties },
      { fileName: 'the request body' },
    ).pipelines;
    if (!definition) throw new ValidationError('The body holds no pipeline.', 'properties');
    return assertValidPipeline(definition, { checkExpressions: (v) => deps.expressions.check(v) });
  }

  async function put(name: string, body: unknown, actor: string): Promise<StoredPipeline> {
    const definition = validate(name, body);
    const now = new Date().toISOString();
    const previous = await deps.repo.get<StoredPipeline>(KIND, { name });
    const doc: StoredPipeline = {
      name: previous?.name ?? definition.name,
      properties: sealSecureStrings(definition.properties, deps.secrets, previous?.properties),
      etag: crypto.randomUUID(),
      createdAt: previous?.createdAt ?? now,
      lastModifiedAt: now,
      createdBy: previous?.createdBy ?? actor,
    };
    const saved = previous
      ? await deps.repo.replace(KIND, { name }, doc)
      : await deps.repo.insert(KIND, { name }, doc);
    if (!saved) throw new ConflictError(`Pipeline '${name}' changed while it was being saved; try again.`);
    return shown(doc);
  }

  const queue = new RunQueue();

  /** Starts a run on the runner; when it ends, the next queued run of the same pipeline starts. */
  function launch(run: Omit<QueuedRun, 'runId'> & { runId?: string }): PipelineRunHandle {
    const handle = runner.start(run.definition, {
      parameters: run.parameters,
      parametersAreText: run.parametersAreText,
      ...(run.runId === undefined ? {} : { runId: run.runId }),
      ...(run.trigger
        ? { trigger: run.trigger }
        : { invokedBy: { name: run.invokedBy, id: 'Manual', invokedByType: 'Manual' } }),
    });
    active.set(handle.runId.toLowerCase(), handle);
    void handle.done.then(() => {
      active.delete(handle.runId.toLowerCase());
      startNext(run.definition.name);
    });
    return handle;
  }

  function startNext(pipelineName: string): void {
    const next = queue.release(pipelineName);
    if (!next) return;
    try {
      launch(next);
    } catch (error) {
      // The parameters were accepted when the run was queued, so this is rare; the run records why.
      const message = error instanceof Error ? error.message : String(error);
      const failed = { ...queuedRecord(next, deps.clock.now()), status: 'Failed', message };
      persist({ kind: 'pipelineRunFinished', run: failed as PipelineRunRecord });
      startNext(pipelineName);
    }
  }

  async function createRun(
    name: string,
    parameters: Record<string, unknown>,
    options: { parametersAreText?: boolean; invokedBy?: string; runId?: string; trigger?: TriggerInfo } = {},
  ): Promise<{ runId: string }> {
    const run = {
      definition: runnable(await stored(name)),
      parameters,
      parametersAreText: options.parametersAreText === true,
      invokedBy: options.invokedBy ?? 'Manual',
      // A trigger gives its runs ids derived from the occurrence, so a recovered firing never doubles one.
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      ...(options.trigger === undefined ? {} : { trigger: options.trigger }),
    };
    // Parameters are checked now, even for a run that will wait, so a bad request is refused at once.
    checkParameters(run);
    let runId: string;
    if (queue.admit(run.definition)) {
      runId = launch(run).runId;
    } else {
      const queued = queue.enqueue(run);
      persist({ kind: 'pipelineRunStarted', run: queuedRecord(queued, deps.clock.now()) });
      runId = queued.runId;
    }
    // The first record is written before the id is returned, so a GET right after never says 404.
    await writes;
    return { runId };
  }

  function checkParameters(run: Omit<QueuedRun, 'runId'>): void {
    const tooDeep = pathTooDeep(run.parameters);
    if (tooDeep !== undefined) {
      const where = `parameters${formatPath(tooDeep).replace(/^(?=[A-Za-z_$])/, '.')}`;
      throw new ValidationError(
        `The run parameter '${String(tooDeep[0])}' nests deeper than ${MAX_NESTING} levels of objects and arrays (at ${where}); flatten it.`,
        where,
      );
    }
    try {
      resolveParameters(run.definition.properties.parameters, run.parameters, {
        fromText: run.parametersAreText,
      });
    } catch (error) {
      if (error instanceof ParameterError) {
        throw new ValidationError(error.message, `parameters.${error.parameterName}`);
      }
      throw error;
    }
  }

  async function getRun(runId: string): Promise<StoredPipelineRun> {
    const run = await deps.runs.getRun(runId);
    if (!run) throw new NotFoundError(`Pipeline run '${runId}' does not exist.`);
    return run;
  }

  return {
    put,
    get: async (name: string): Promise<StoredPipeline> => shown(await stored(name)),
    async list(): Promise<StoredPipeline[]> {
      return (await deps.repo.list<StoredPipeline>(KIND)).map(shown);
    },
    async delete(name: string): Promise<void> {
      await stored(name);
      await deps.repo.remove(KIND, { name });
    },
    createRun,
    getRun,
    async activityRuns(runId: string): Promise<StoredActivityRun[]> {
      await getRun(runId);
      return deps.runs.activityRuns(runId);
    },
    listRuns: (filter: RunFilter = {}) => deps.runs.listRuns(filter),
    async cancel(runId: string): Promise<StoredPipelineRun> {
      const run = await getRun(runId);
      const queued = queue.remove(runId);
      if (queued) {
        const at = formatRunTime(deps.clock.now());
        persist({
          kind: 'pipelineRunFinished',
          run: {
            ...queuedRecord(queued, deps.clock.now()),
            status: 'Cancelled',
            runEnd: at,
            durationInMs: 0,
          },
        });
        await writes;
        return getRun(runId);
      }
      const handle = active.get(runId.toLowerCase());
      if (!handle) {
        throw new ConflictError(
          `Pipeline run '${runId}' is ${run.status}; only a run in progress or queued can be cancelled.`,
        );
      }
      handle.cancel();
      await handle.done;
      await writes;
      return getRun(runId);
    },
    /** Marks runs a previous server left in progress as Failed; they are not resumed. */
    async recoverInterrupted(): Promise<number> {
      const open = [
        ...(await deps.runs.listRuns({ status: 'InProgress', limit: 10_000 })),
        ...(await deps.runs.listRuns({ status: 'Queued', limit: 10_000 })),
        ...(await deps.runs.listRuns({ status: 'Canceling', limit: 10_000 })),
      ];
      const now = formatRunTime(deps.clock.now());
      for (const run of open) {
        await deps.runs.saveRun({
          ...run,
          status: 'Failed',
          runEnd: now,
          message:
            'The server stopped while this run was in progress; runs are not resumed, start a new one.',
        });
      }
      return open.length;
    },
    /** Cancels the runs in progress and waits for their records to be written. */
    async stop(): Promise<void> {
      // Queued runs stay Queued in the store and are marked Failed at the next start.
      queue.drain();
      for (const handle of active.values()) handle.cancel('server stopping');
      await runner.whenIdle();
      await writes;
    },
    /** Resolves when the run ends, if this server is running it (triggers wait for their windows). */
    finished(runId: string): Promise<unknown> | undefined {
      return active.get(runId.toLowerCase())?.done;
    },
    /** Resolves when every record so far is written (tests, and the CLI's follow mode through REST). */
    flush: () => writes,
  };
}
