/**
 * How the CLI prints a batch job: the shape `az ml job show` prints (snake_case, `status`,
 * `outputs.score.path`, `services.Studio.endpoint`, `creation_context`) plus Nightshift's progress
 * counts, first error and result line, so `--query status -o tsv` works as in az scripts.
 */
import type { TableSpec } from './output/table.ts';

interface ArmJob {
  id: string;
  name: string;
  properties: {
    description?: string;
    status: string;
    tags?: Record<string, string>;
    properties?: Record<string, string>;
    interactionEndpoints?: Record<string, { endpoint: string }>;
    inputData?: Record<string, unknown>;
    outputData?: { score?: { uri: string; mode?: string } };
    progress?: {
      miniBatches: Record<string, number>;
      items: { total: number; succeeded: number; failed: number };
      rows: number;
    };
    workerSeconds?: number;
    error?: Record<string, unknown> | null;
    result?: string | null;
    startTime?: string | null;
    endTime?: string | null;
  };
  systemData?: { createdAt: string; createdBy: string; createdByType: string; lastModifiedAt: string };
}

export function jobEntity(raw: unknown) {
  const job = raw as ArmJob;
  const p = job.properties;
  const services = Object.fromEntries(
    Object.entries(p.interactionEndpoints ?? {}).map(([k, v]) => [
      k,
      { endpoint: v.endpoint, type: k.toLowerCase() },
    ]),
  );
  return {
    name: job.name,
    display_name: job.name,
    type: 'pipeline',
    status: p.status,
    experiment_name: p.properties?.['azureml.endpointname'] ?? '',
    endpoint_name: p.properties?.['azureml.endpointname'] ?? '',
    deployment_name: p.properties?.['azureml.deploymentname'] ?? '',
    description: p.description ?? '',
    tags: p.tags ?? {},
    properties: p.properties ?? {},
    inputs: p.inputData ?? {},
    outputs: p.outputData?.score
      ? { score: { type: 'uri_file', path: p.outputData.score.uri, mode: 'rw_mount' } }
      : {},
    services,
    progress: p.progress ?? null,
    worker_seconds: p.workerSeconds ?? null,
    error: p.error ?? null,
    result: p.result ?? null,
    start_time: p.startTime ?? null,
    end_time: p.endTime ?? null,
    creation_context: job.systemData
      ? {
          created_at: job.systemData.createdAt,
          created_by: job.systemData.createdBy,
          created_by_type: job.systemData.createdByType,
          last_modified_at: job.systemData.lastModifiedAt,
        }
      : null,
    id: job.id,
  };
}

export type JobEntity = ReturnType<typeof jobEntity>;

const ERROR_WIDTH = 80;

/**
 * A job's first error in one table cell: `Code: message`, first line only, cut at 80 characters with an
 * ellipsis (`job show -o json` has all of it, with the script's traceback).
 */
export function errorLabel(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const first = (typeof message === 'string' ? message : '').trim().split(/\r?\n/)[0] ?? '';
  const text = [typeof code === 'string' ? code : '', first].filter((part) => part !== '').join(': ');
  return text.length > ERROR_WIDTH ? `${text.slice(0, ERROR_WIDTH - 1)}…` : text;
}

export const JOB_TABLE: TableSpec = [
  { header: 'Name', path: 'name' },
  { header: 'Status', path: 'status' },
  { header: 'Endpoint', path: 'endpoint_name' },
  { header: 'Deployment', path: 'deployment_name' },
  { header: 'Items', path: 'progress.items.total' },
  { header: 'Failed', path: 'progress.items.failed' },
  { header: 'Worker seconds', path: 'worker_seconds' },
  { header: 'Created on', path: 'creation_context.created_at' },
  {
    header: 'Error',
    value: (job) => errorLabel(typeof job === 'object' && job !== null ? (job as JobEntity).error : null),
  },
];
