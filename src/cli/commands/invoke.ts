/**
 * `batch-endpoint invoke`, `batch-endpoint list-jobs` and `batch-deployment list-jobs`, in az's shape.
 * A local `--input` is uploaded to workspaceblobstore first (as az does), then the endpoint's scoring URI
 * is called with Azure's request body, so the server sees exactly what any other client would send.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../client.ts';
import { JOB_TABLE, jobEntity } from '../job-entity.ts';
import { uploadLocalPath } from '../uploads.ts';
import {
  addResourceCommand,
  listAll,
  requireOption,
  runAction,
  segment,
  type CommonOptions,
} from './common.ts';

interface InvokeOptions extends CommonOptions {
  name?: string;
  deploymentName?: string;
  input?: string;
  inputType?: string;
  outputPath?: string;
  miniBatchSize?: string;
  instanceCount?: string;
  jobName?: string;
  recursive?: boolean;
  set?: string[];
}

const SET_KEYS: Record<string, (body: Record<string, unknown>, value: string) => void> = {
  output_file_name: (b, v) => (b.outputFileName = v),
  error_threshold: (b, v) => (b.errorThreshold = v),
  mini_batch_size: (b, v) => (b.miniBatchSize = v),
  'retry_settings.max_retries': (b, v) =>
    (b.retrySettings = { ...(b.retrySettings as object), maxRetries: v }),
  'retry_settings.timeout': (b, v) => (b.retrySettings = { ...(b.retrySettings as object), timeout: v }),
  max_concurrency_per_instance: (b, v) => (b.maxConcurrencyPerInstance = v),
  description: (b, v) => (b.description = v),
};

async function resolveInput(
  options: InvokeOptions,
  upload: (path: string) => Promise<{ uri: string; kind: string }>,
) {
  const input = requireOption(options.input, '--input');
  if (options.inputType && !['uri_folder', 'uri_file'].includes(options.inputType)) {
    throw new CliError(
      `argument --input-type: invalid choice: '${options.inputType}' (choose from 'uri_folder', 'uri_file')`,
      { exitCode: 2 },
    );
  }
  // Datastore URIs, storage URLs (https, wasbs, abfss, s3), public file URLs, assets and ARM ids.
  const remote = /^(azureml:|[a-z][a-z0-9+.-]*:\/\/|\/subscriptions\/)/i.test(input);
  if (remote)
    return {
      uri: input,
      type:
        options.inputType ??
        (input.startsWith('azureml:') && !input.startsWith('azureml://') ? undefined : 'uri_folder'),
    };
  if (!existsSync(input))
    throw new CliError(
      `Input '${input}' is not a local file or folder, a datastore URI or a data asset (azureml:NAME:VERSION).`,
      { exitCode: 2 },
    );
  const uploaded = await upload(input);
  return {
    uri: uploaded.uri,
    type: options.inputType ?? (uploaded.kind === 'file' ? 'uri_file' : 'uri_folder'),
  };
}

function outputDataset(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  const match = /^azureml:\/\/datastores\/([^/]+)\/paths\/?(.*)$/i.exec(path);
  if (!match)
    throw new CliError(
      `--output-path must look like azureml://datastores/<datastore>/paths/<folder>; got '${path}'.`,
      { exitCode: 2 },
    );
  return { outputDataset: { datastoreId: match[1], path: match[2] ?? '' } };
}

function registerInvoke(group: Command): void {
  addResourceCommand(group, 'invoke', 'Invoke a batch endpoint: start a batch scoring job.')
    .option('-n, --name <name>', 'endpoint name')
    .option('-d, --deployment-name <name>', 'deployment to use (default: the endpoint default)')
    .option(
      '--input <path-or-uri>',
      'local file/folder (uploaded), azureml:// datastore URI or azureml:NAME:VERSION data asset',
    )
    .option('--input-type <type>', 'uri_folder or uri_file')
    .option('--output-path <uri>', 'output folder: azureml://datastores/<ds>/paths/<folder>')
    .option(
      '-m, --mini-batch-size <n>',
      'files per mini-batch for this job, or a size ("64MB") or row count ("1000 rows") that splits big tables',
    )
    .option('-c, --instance-count <n>', 'instances for this job')
    .option('--job-name <name>', 'name for the job (default: generated)')
    .option('--recursive', 'also read files in nested folders (Azure reads only the top level)')
    .option(
      '--set <path=value...>',
      'per-job settings: output_file_name, error_threshold, retry_settings.max_retries, retry_settings.timeout',
    )
    .action(
      runAction(async (options: InvokeOptions, ctx) => {
        const name = requireOption(options.name, '--name');
        const ws = await ctx.workspacePath();
        const endpoint = await ctx.client.request<{ properties: { scoringUri: string } }>(
          'GET',
          `${ws}/batchEndpoints/${segment(name)}`,
        );
        const input = await resolveInput(options, (path) => uploadLocalPath(ctx.client, path));
        const props: Record<string, unknown> = {
          InputData: {
            input_data: {
              ...(options.recursive ? { recursive: true } : {}),
              JobInputType:
                input.type === 'uri_file' ? 'UriFile' : input.type === 'uri_folder' ? 'UriFolder' : undefined,
              Uri: input.uri,
            },
          },
          ...outputDataset(options.outputPath),
          ...(options.miniBatchSize ? { miniBatchSize: options.miniBatchSize } : {}),
          ...(options.instanceCount ? { compute: { instanceCount: options.instanceCount } } : {}),
          ...(options.jobName ? { name: options.jobName } : {}),
        };
        for (const expression of options.set ?? []) {
          const [key = '', ...rest] = expression.split('=');
          const apply = SET_KEYS[key.trim()];
          if (!apply || rest.length === 0) {
            throw new CliError(
              `--set '${expression}': use one of ${Object.keys(SET_KEYS).join(', ')} as key=value.`,
              { exitCode: 2 },
            );
          }
          apply(props, rest.join('='));
        }
        const scoring = new URL(endpoint.properties.scoringUri);
        const path = scoring.pathname;
        const headers: Record<string, string> = options.deploymentName
          ? { 'azureml-model-deployment': options.deploymentName }
          : {};
        return jobEntity(await ctx.client.request('POST', path, { properties: props }, headers));
      }),
    );
}

/** `batch-endpoint invoke` and `batch-endpoint list-jobs`, added to the batch-endpoint group. */
export function registerEndpointJobCommands(batchEndpoint: Command): void {
  registerInvoke(batchEndpoint);
  addResourceCommand(batchEndpoint, 'list-jobs', 'List the jobs of a batch endpoint.')
    .option('-n, --name <name>', 'endpoint name')
    .option('-d, --deployment-name <name>', 'only jobs of this deployment')
    .action(
      runAction(async (options: CommonOptions & { name?: string; deploymentName?: string }, ctx) => {
        const name = requireOption(options.name, '--name');
        const query = options.deploymentName ? `?deployment=${segment(options.deploymentName)}` : '';
        return (
          await listAll(
            ctx.client,
            `${await ctx.workspacePath()}/batchEndpoints/${segment(name)}/jobs${query}`,
          )
        ).map(jobEntity);
      }, JOB_TABLE),
    );
}

/** `batch-deployment list-jobs`, added to the batch-deployment group. */
export function registerDeploymentJobCommands(batchDeployment: Command): void {
  addResourceCommand(batchDeployment, 'list-jobs', 'List the jobs of a batch deployment.')
    .option('-n, --name <name>', 'deployment name')
    .option('-e, --endpoint-name <name>', 'endpoint name')
    .action(
      runAction(async (options: CommonOptions & { name?: string; endpointName?: string }, ctx) => {
        const name = requireOption(options.name, '--name');
        const endpoint = requireOption(options.endpointName, '--endpoint-name');
        return (
          await listAll(
            ctx.client,
            `${await ctx.workspacePath()}/batchEndpoints/${segment(endpoint)}/deployments/${segment(name)}/jobs`,
          )
        ).map(jobEntity);
      }, JOB_TABLE),
    );
}
