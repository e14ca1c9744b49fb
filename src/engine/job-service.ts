/**
 * Invocations become jobs here: the deployment is chosen (header, else the endpoint's default), the
 * request, runtime, input and output are resolved and checked, the input is planned into mini-batches
 * with deterministic ids, and the ids are queued. Nothing is created unless every check passed.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { LOCAL_COMPUTE } from '../core/computes.ts';
import {
  isTerminal,
  type InputFileDigest,
  type JobRecord,
  type JobRerunOf,
  type JobRuntimeSpec,
} from '../core/jobs.ts';
import { checkAssetName } from '../core/names.ts';
import {
  newSystemData,
  type Actor,
  type BatchDeployment,
  type DeploymentSettings,
} from '../core/resources.ts';
import { coalesceReads } from '../store/coalesced-reads.ts';
import type { DailyJobCount, JobPage, JobRepository, MiniBatchPage } from '../store/contract.ts';
import type { AssetService } from '../workspace/assets.ts';
import type { DatastoreService } from '../workspace/datastores.ts';
import type { ComputeService } from '../workspace/computes.ts';
import type { DeploymentService } from '../workspace/deployments.ts';
import type { EndpointService } from '../workspace/endpoints.ts';
import { readJobRequest, type JobOverrides } from './invocation.ts';
import { resolveInput, resolveOutput, type ResolvedInput } from './job-inputs.ts';
import { resolveRuntime } from './job-runtime.ts';
import type { InputFingerprints } from './rerun-fingerprints.ts';
import { tasksOf, type TaskQueue } from './queue/contract.ts';
import { planMiniBatches } from './split/split-input.ts';

export interface JobServiceDeps {
  jobs: JobRepository;
  queue: TaskQueue;
  endpoints: EndpointService;
  deployments: DeploymentService;
  assets: AssetService;
  datastores: DatastoreService;
  /** The compute a deployment names, recorded with the job (its metrics and node list). */
  computes: Pick<ComputeService, 'resolveReference'>;
  /** Tells the scheduler a job has work. */
  onSubmitted: (job: string) => void;
  onCancel: (job: string) => Promise<void>;
  actor: string;
  /** The interpreter of Python jobs whose environment names none (config.python). */
  defaultPython: string;
  logger: Logger;
  /** Records the input's cheap fingerprints for a later rerun of what failed (rerun-fingerprints.ts). */
  fingerprints?: Pick<InputFingerprints, 'take' | 'save'>;
}

export type JobService = ReturnType<typeof createJobService>;

/**
 * A job started from another one (a rerun, engine/rerun.ts). `layout` sees the input as listed now and
 * the runtime as resolved now, before anything is created, and may refuse; it returns the mini-batches
 * to create (the parent's), which of them to queue, and `settle`, which records the others (taken over
 * from the parent) before any mini-batch is queued.
 */
export interface JobOrigin {
  rerunOf: Omit<JobRerunOf, 'reusedMiniBatches'>;
  layout?: (input: ResolvedInput, runtime: JobRuntimeSpec) => Promise<JobLayout>;
}

export interface JobLayout {
  batches: { index: number; files: string[] }[];
  queue: number[];
  settle: (job: string) => Promise<void>;
  /** How many reused input files were hashed again to accept the rerun (rerun.ts). */
  inputsHashed?: number;
  /** Digests of files read whole to lay the job out (workers scoring their ranges hash nothing). */
  digests?: InputFileDigest[];
}

/**
 * The compute a job runs on: its deployment's. A deployment written before computes were checked may
 * name one that does not exist; its jobs run on the server's own pool, as they always did.
 */
async function jobCompute(computes: JobServiceDeps['computes'], ref: string): Promise<string> {
  try {
    return await computes.resolveReference(ref, 'compute');
  } catch (error) {
    if (error instanceof ValidationError) return LOCAL_COMPUTE;
    throw error;
  }
}

function applyOverrides(
  deployment: BatchDeployment,
  o: JobOverrides,
): { settings: DeploymentSettings; instanceCount: number } {
  return {
    settings: {
      maxConcurrencyPerInstance: o.maxConcurrencyPerInstance ?? deployment.maxConcurrencyPerInstance,
      miniBatchSize: o.miniBatchSize ?? deployment.miniBatchSize,
      // A split given with the invocation wins; a count of files given with it replaces the deployment's.
      ...(o.miniBatchSplit ? { miniBatchSplit: o.miniBatchSplit } : {}),
      ...(!o.miniBatchSplit && deployment.miniBatchSplit && o.miniBatchSize === undefined
        ? { miniBatchSplit: deployment.miniBatchSplit }
        : {}),
      outputAction: deployment.outputAction,
      outputFileName: o.outputFileName ?? deployment.outputFileName,
      retrySettings: {
        maxRetries: o.maxRetries ?? deployment.retrySettings.maxRetries,
        timeoutSeconds: o.timeoutSeconds ?? deployment.retrySettings.timeoutSeconds,
      },
      errorThreshold: o.errorThreshold ?? deployment.errorThreshold,
      loggingLevel: deployment.loggingLevel,
      environmentVariables: deployment.environmentVariables,
    },
    instanceCount: o.instanceCount ?? deployment.resources.instanceCount,
  };
}

export function createJobService(deps: JobServiceDeps) {
  async function chooseDeployment(
    endpointName: string,
    header: string | undefined,
  ): Promise<BatchDeployment> {
    const endpoint = await deps.endpoints.get(endpointName);
    const name = header?.trim() || endpoint.defaults.deploymentName;
    if (!name) {
      throw new NotFoundError(
        'No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values ' +
          'or use a deployment specific header to route.',
      );
    }
    try {
      return await deps.deployments.get(endpoint.name, name);
    } catch (error) {
      if (error instanceof NotFoundError)
        throw new NotFoundError(`Deployment ${name} not found for endpoint ${endpoint.name}.`);
      throw error;
    }
  }

  async function invoke(
    endpointName: string,
    body: unknown,
    deploymentHeader: string | undefined,
    actor: string | Actor = deps.actor,
    origin?: JobOrigin,
  ): Promise<JobRecord> {
    const deployment = await chooseDeployment(endpointName, deploymentHeader);
    const request = readJobRequest(body);
    const name = request.name ?? `batchjob-${randomUUID()}`;
    checkAssetName(name, 'name');
    if (await deps.jobs.get(name))
      throw new ConflictError(`A job named '${name}' already exists; job names are unique.`);
    const { settings, instanceCount } = applyOverrides(deployment, request.overrides);
    const runtime = await resolveRuntime(deps, deployment, deps.defaultPython);
    const input = await resolveInput(deps, request.input);
    const output = await resolveOutput(deps.datastores, request.output, name, settings.outputFileName);
    const compute = await jobCompute(deps.computes, deployment.compute);
    const prints = await takeFingerprints(input);
    const layout = await origin?.layout?.(input, runtime);
    // A rerun of what failed takes its parent's mini-batches (ranges included); others are planned here.
    const planned = layout ? undefined : await planMiniBatches(input, settings, runtime.kind);
    const digests = planned?.digests ?? layout?.digests ?? [];
    const job: JobRecord = {
      name,
      endpointName: deployment.endpointName,
      deploymentName: deployment.name,
      status: 'NotStarted',
      input: digests.length > 0 ? { ...input.spec, digests } : input.spec,
      inputData: request.inputData,
      output,
      settings: { ...settings, outputFileName: output.fileName },
      instanceCount,
      compute,
      runtime,
      description: request.description,
      tags: request.tags,
      ...(origin
        ? {
            rerunOf: {
              ...origin.rerunOf,
              reusedMiniBatches: layout ? layout.batches.length - layout.queue.length : 0,
              ...(layout?.inputsHashed === undefined ? {} : { inputsHashed: layout.inputsHashed }),
            },
          }
        : {}),
      systemData: newSystemData(actor),
    };
    if (!(await deps.jobs.create(job)))
      throw new ConflictError(`A job named '${name}' already exists; job names are unique.`);
    const batches = layout?.batches ?? planned?.batches ?? [];
    await deps.fingerprints?.save(name, prints).catch((error: unknown) => {
      deps.logger.warn({ job: name, err: error }, 'input fingerprints not recorded');
    });
    await deps.jobs.addMiniBatches(name, batches);
    // A rerun records the mini-batches it takes over before queueing the rest (rerun.ts).
    await layout?.settle(name);
    await deps.queue.enqueue(tasksOf(name, layout?.queue ?? batches.map((b) => b.index)));
    const prepared = await deps.jobs.update(name, { status: 'Preparing' }, ['NotStarted']);
    deps.logger.info(
      {
        job: name,
        endpoint: job.endpointName,
        deployment: job.deploymentName,
        miniBatches: batches.length,
        items: input.files.length,
      },
      'job invoked',
    );
    deps.onSubmitted(name);
    return prepared ?? job;
  }

  /**
   * Before anything reads the input (a rerun's check, a worker), so a later change shows. Without them a
   * later rerun only hashes its reused files again, so a failure is logged, not thrown.
   */
  async function takeFingerprints(input: ResolvedInput): Promise<ReadonlyMap<string, string>> {
    if (!deps.fingerprints) return new Map();
    try {
      const location = await deps.datastores.resolveSource(input.spec.uri, 'input');
      return await deps.fingerprints.take(location.backend, input.files);
    } catch (error) {
      deps.logger.warn({ err: error }, 'input fingerprints not taken');
      return new Map();
    }
  }

  async function get(name: string): Promise<JobRecord> {
    const job = await deps.jobs.get(name);
    if (!job) throw new NotFoundError(`Job '${name}' was not found.`);
    return job;
  }

  async function getForEndpoint(endpointName: string, name: string): Promise<JobRecord> {
    const endpoint = await deps.endpoints.get(endpointName);
    const job = await get(name);
    if (job.endpointName.toLowerCase() !== endpoint.name.toLowerCase()) {
      throw new NotFoundError(`Job '${name}' was not found in endpoint '${endpoint.name}'.`);
    }
    return job;
  }

  /** An endpoint that is gone still lists its jobs; one that never had any is not found. */
  async function checkEndpoint(name: string | undefined): Promise<void> {
    if (!name) return;
    const endpoint = await deps.endpoints.get(name).catch(() => undefined);
    if (!endpoint && !(await deps.jobs.list({ endpoint: name, limit: 1 })).length) {
      throw new NotFoundError(`Batch endpoint '${name}' was not found.`);
    }
  }

  async function list(filter: {
    endpoint?: string;
    deployment?: string;
    limit?: number;
  }): Promise<JobRecord[]> {
    await checkEndpoint(filter.endpoint);
    return deps.jobs.list(filter);
  }

  /** One page of the jobs list (JobRepository.page), after the same endpoint check as `list`. */
  async function page(filter: Parameters<JobRepository['page']>[0]): Promise<JobPage> {
    await checkEndpoint(filter.endpoint);
    return deps.jobs.page(filter);
  }

  /** Per day and status, how many of an endpoint's jobs were created since `since`. */
  async function dailyCounts(filter: Parameters<JobRepository['dailyCounts']>[0]): Promise<DailyJobCount[]> {
    await checkEndpoint(filter.endpoint);
    return deps.jobs.dailyCounts(filter);
  }

  async function cancel(name: string): Promise<JobRecord> {
    const job = await get(name);
    if (isTerminal(job.status)) {
      throw new ValidationError(
        `Job '${name}' has already ended (${job.status}); there is nothing to cancel.`,
        'name',
      );
    }
    await deps.onCancel(name);
    return get(name);
  }

  return {
    invoke,
    get,
    getForEndpoint,
    list,
    page,
    dailyCounts,
    cancel,
    // Every job view shows the counts: clients polling one job share their reads (see readJob in app.ts).
    counts: coalesceReads((name: string) => deps.jobs.counts(name)),
    miniBatches: (name: string, page: MiniBatchPage) => deps.jobs.miniBatches(name, page),
  };
}
