/**
 * The pipeline endpoints of a Nightshift server as the CLI calls them: Data Factory's REST paths under the
 * workspace's factory, typed with the fields the commands read. The factory's ARM id is the workspace's
 * with the provider swapped, which is how the server serves a workspace as a factory.
 */
import { CliError, type ApiClient } from '../../client.ts';
import { listAll, segment, type CommandContext } from '../common.ts';
import type { PipelineProperties } from '../../../pipelines/definition/model.ts';

const WORKSPACE_PROVIDER = /\/providers\/Microsoft\.MachineLearningServices\/workspaces\//i;
const FACTORY_PROVIDER = '/providers/Microsoft.DataFactory/factories/';

export interface PipelineResource {
  id: string;
  name: string;
  type: string;
  etag: string;
  properties: PipelineProperties;
}

export interface ActivityErrorView {
  errorCode: string;
  message: string;
  failureType?: string;
  target?: string;
  details?: string;
}

/** Data Factory's ActivityRun, with the fields the CLI reads typed and the rest kept. */
export interface ActivityRunView {
  activityRunId: string;
  activityName: string;
  activityType: string;
  status: string;
  activityRunStart?: string | null;
  activityRunEnd?: string | null;
  durationInMs?: number | null;
  error?: ActivityErrorView | null;
  retryAttempt?: number | null;
  iteration?: number | null;
  parentActivityRunId?: string | null;
  [field: string]: unknown;
}

/** Data Factory's PipelineRun, with the fields the CLI reads typed and the rest kept. */
export interface PipelineRunView {
  runId: string;
  pipelineName: string;
  status: string;
  runStart?: string | null;
  runEnd?: string | null;
  durationInMs?: number | null;
  message?: string;
  [field: string]: unknown;
}

export interface RunQuery {
  pipelineName?: string | undefined;
  status?: string | undefined;
}

/** The factory ARM id the server serves for a workspace ARM id. */
export function factoryPathOf(workspacePath: string): string {
  if (!WORKSPACE_PROVIDER.test(workspacePath)) {
    throw new CliError(
      `The server's workspace id '${workspacePath}' is not a Microsoft.MachineLearningServices workspace.`,
    );
  }
  return workspacePath.replace(WORKSPACE_PROVIDER, FACTORY_PROVIDER);
}

export type PipelineApi = ReturnType<typeof pipelineApi>;

export function pipelineApi(client: ApiClient, factory: string) {
  const pipeline = (name: string) => `${factory}/pipelines/${segment(name)}`;
  const run = (runId: string) => `${factory}/pipelineruns/${segment(runId)}`;
  return {
    list: () => listAll<PipelineResource>(client, `${factory}/pipelines`),
    get: (name: string) => client.request<PipelineResource>('GET', pipeline(name)),
    put: (name: string, properties: PipelineProperties) =>
      client.request<PipelineResource>('PUT', pipeline(name), { properties }),
    delete: (name: string) => client.request<undefined>('DELETE', pipeline(name)),
    createRun: (name: string, parameters: Record<string, unknown>, asText: boolean) =>
      client.request<{ runId: string }>(
        'POST',
        `${pipeline(name)}/createRun${asText ? '?textParameters=true' : ''}`,
        parameters,
      ),
    getRun: (runId: string) => client.request<PipelineRunView>('GET', run(runId)),
    async activityRuns(runId: string): Promise<ActivityRunView[]> {
      const page = await client.request<{ value?: ActivityRunView[] }>(
        'POST',
        `${run(runId)}/queryActivityruns`,
        {},
      );
      return page.value ?? [];
    },
    cancel: (runId: string) => client.request<undefined>('POST', `${run(runId)}/cancel`),
    async queryRuns(query: RunQuery): Promise<PipelineRunView[]> {
      const filters = [
        ...(query.pipelineName === undefined
          ? []
          : [{ operand: 'PipelineName', operator: 'Equals', values: [query.pipelineName] }]),
        ...(query.status === undefined
          ? []
          : [{ operand: 'Status', operator: 'Equals', values: [query.status] }]),
      ];
      const page = await client.request<{ value?: PipelineRunView[] }>(
        'POST',
        `${factory}/queryPipelineRuns`,
        { filters },
      );
      return page.value ?? [];
    },
  };
}

/** The pipeline API of the server a command talks to. */
export async function pipelineApiFor(context: CommandContext): Promise<PipelineApi> {
  return pipelineApi(context.client, factoryPathOf(await context.workspacePath()));
}
