/**
 * Many jobs at once, written straight into a metadata store: the jobs list's paging, filters and per-day
 * counts need thousands of jobs across endpoints, deployments, statuses, creators and days, which running
 * real jobs could not make in a test's time. The records have the shape the engine writes; only ended
 * statuses are seeded into a running server's store by default, so its scheduler has nothing to resume.
 */
import { join } from 'node:path';
import type { JobRecord, JobStatus } from '../../src/core/jobs.ts';
import { DEPLOYMENT_DEFAULTS } from '../../src/core/resources.ts';
import type { MetadataStore } from '../../src/store/contract.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

const STORE = 'azureml://datastores/workspaceblobstore/paths';

/** A job record as the engine writes one; `overrides` set what a test filters on. */
export function seedJobRecord(name: string, overrides: Partial<JobRecord> = {}): JobRecord {
  const when = overrides.systemData?.createdAt ?? '2026-01-01T00:00:00.000Z';
  const by = overrides.systemData?.createdBy ?? 'owner';
  return {
    name,
    endpointName: 'scorer',
    deploymentName: 'blue',
    status: 'Completed',
    input: { type: 'UriFolder', uri: `${STORE}/in/`, recursive: false },
    inputData: { input: { type: 'uri_folder', path: `${STORE}/in/` } },
    output: {
      uri: `${STORE}/out/${name}/predictions.csv`,
      datastore: 'workspaceblobstore',
      folder: `out/${name}`,
      fileName: 'predictions.csv',
    },
    settings: DEPLOYMENT_DEFAULTS,
    instanceCount: 1,
    runtime: {
      kind: 'js',
      modelId: 'azureml:m:1',
      modelName: 'm',
      modelVersion: '1',
      modelHash: 'sha256:0',
      modelDirUri: `${STORE}/models/m/1/`,
      modelEntry: 'model.json',
      codeUri: `${STORE}/codes/c/1/`,
      scoringScript: 'score.js',
    },
    description: 'a seeded job',
    tags: {},
    ...overrides,
    systemData: {
      createdAt: when,
      createdBy: by,
      createdByType: 'User',
      lastModifiedAt: when,
      lastModifiedBy: by,
      lastModifiedByType: 'User',
      ...overrides.systemData,
    },
  };
}

export interface SeedPlan {
  /** Name prefix; job i is `${prefix}-${i}` (zero-padded to five digits). */
  prefix: string;
  count: number;
  endpoints?: readonly string[];
  deployments?: readonly string[];
  statuses?: readonly JobStatus[];
  creators?: readonly string[];
  /** The creator's object id on every job (what own-jobs checks compare), when the test needs one. */
  creatorId?: string;
  /** The newest job's creation time; each job before it is `stepMs` older. */
  newest?: Date;
  stepMs?: number;
}

/** The i-th of a cycle (every value turns up, in order). */
const pick = <T>(values: readonly T[], i: number): T => values[i % values.length] as T;

/** Job i of a plan: the oldest is i = 0, so creation order (and the store's seq) follows time. */
export function plannedJob(plan: SeedPlan, i: number): JobRecord {
  const newest = plan.newest ?? new Date();
  const step = plan.stepMs ?? 60_000;
  const createdAt = new Date(newest.getTime() - (plan.count - 1 - i) * step).toISOString();
  const creator = pick(plan.creators ?? ['owner'], i);
  return seedJobRecord(`${plan.prefix}-${String(i).padStart(5, '0')}`, {
    endpointName: pick(plan.endpoints ?? ['scorer'], i),
    deploymentName: pick(plan.deployments ?? ['blue'], i),
    status: pick(plan.statuses ?? ['Completed'], i),
    systemData: {
      createdAt,
      createdBy: creator,
      createdByType: 'User',
      lastModifiedAt: createdAt,
      lastModifiedBy: creator,
      lastModifiedByType: 'User',
      ...(plan.creatorId === undefined ? {} : { createdById: plan.creatorId }),
    },
  });
}

/** Writes a plan's jobs, oldest first; returns them in that order. */
export async function seedJobs(store: MetadataStore, plan: SeedPlan): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  for (let i = 0; i < plan.count; i++) {
    const job = plannedJob(plan, i);
    await store.jobs.create(job);
    jobs.push(job);
  }
  return jobs;
}

/**
 * Seeds a running embedded server's SQLite store through a second connection to the same file (WAL lets
 * both write); the server reads the jobs on its next query.
 */
export async function seedServerJobs(dataDir: string, plan: SeedPlan): Promise<JobRecord[]> {
  const store = createSqliteStore(join(dataDir, 'metadata.db'));
  try {
    store.db.exec('BEGIN IMMEDIATE');
    const jobs = await seedJobs(store, plan);
    store.db.exec('COMMIT');
    return jobs;
  } finally {
    await store.close();
  }
}
