/**
 * The factory side of the REST API as the pipeline pages read it. Data Factory's paths sit beside the
 * workspace's (`.../Microsoft.DataFactory/factories/{workspace}`), so each query derives its path from
 * the workspace id inside its own query function: sibling queries still start at once, with no query
 * waiting on another's answer. Run and activity queries are POSTs in Data Factory's API
 * (`queryPipelineRuns`, `queryActivityruns`), read here through react-query like any GET.
 */
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import type { ApiClient, ApiError } from '../../api/client.ts';
import { useApi } from '../../api/context.ts';

const DF = 'Microsoft.DataFactory/factories';

/** The actions the pages ask `usePermission` about (as the server's route table declares them). */
export const PIPELINE_ACTIONS = {
  createRun: `${DF}/pipelines/createrun/action`,
  cancelRun: `${DF}/pipelineruns/cancel/action`,
} as const;

export interface ParameterSpec {
  type: string;
  defaultValue?: unknown;
}

export interface PipelineResource {
  name: string;
  properties: {
    description?: string;
    activities?: { name: string; type: string }[];
    parameters?: Record<string, ParameterSpec>;
    folder?: { name?: string };
    [key: string]: unknown;
  };
}

export interface PipelineRun {
  runId: string;
  pipelineName: string;
  status: string;
  runStart?: string | null;
  runEnd?: string | null;
  durationInMs?: number | null;
  message?: string;
  parameters?: Record<string, string>;
  invokedBy?: { name?: string };
}

export interface ActivityRun {
  activityRunId: string;
  activityName: string;
  activityType: string;
  status: string;
  activityRunStart?: string | null;
  activityRunEnd?: string | null;
  durationInMs?: number | null;
  input?: unknown;
  output?: unknown;
  error?: { message?: string; errorCode?: string } | null;
  retryAttempt?: number | null;
  iteration?: number | null;
}

/** What each event of the live run stream carries (src/api/routes/pipeline-live.ts). */
export interface RunSnapshot {
  run: PipelineRun;
  activityRuns?: ActivityRun[];
  activityRunsHidden?: string;
}

/** `.../factories/{name}` for the hosted workspace. */
export async function factoryPath(api: ApiClient): Promise<string> {
  const { workspaceId } = await api.workspace();
  return workspaceId.replace('Microsoft.MachineLearningServices/workspaces', DF).replace(/\/+$/, '');
}

/** The same as an absolute path `useEventStream` takes (`//...`). */
export function useFactoryRoot(): UseQueryResult<string, ApiError> {
  const api = useApi();
  return useQuery<string, ApiError>({ queryKey: ['factory-root'], queryFn: () => factoryPath(api) });
}

/** GET (or POST with `body`) a path under the factory, cached under `['factory', path, body]`. */
export function useFactory<T>(path: string, body?: unknown): UseQueryResult<T, ApiError> {
  const api = useApi();
  return useQuery<T, ApiError>({
    queryKey: factoryKey(path, body),
    queryFn: async () => {
      const full = `${await factoryPath(api)}${path}`;
      return body === undefined ? api.get<T>(full) : api.post<T>(full, body);
    },
  });
}

export function factoryKey(path: string, body?: unknown): unknown[] {
  return ['factory', path, body];
}

/** queryPipelineRuns' body for one pipeline, optionally one status. */
export function runQuery(pipelineName: string, status?: string) {
  const filters = [{ operand: 'PipelineName', operator: 'Equals', values: [pipelineName] }];
  if (status !== undefined && status !== '')
    filters.push({ operand: 'Status', operator: 'Equals', values: [status] });
  return { filters };
}

export const ENDED_STATUSES: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Cancelled']);
