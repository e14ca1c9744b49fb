/**
 * What the demo leaves for the studio, so a new user can try every flow in the browser without the CLI:
 * a second deployment to roll back to, two data assets to invoke on (the sample folder, and a folder with
 * one malformed file whose job fails and shows its first error), and the hardened Run-BatchEndpoint
 * pipeline with its parameters filled in for the demo endpoint, run by the server's managed identity.
 * Each step is idempotent, so the demo can run again on the same data dir.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTemplate } from '../../pipelines/templates/catalog.ts';
import { CliError, type ApiClient } from '../client.ts';
import { uploadLocalPath } from '../uploads.ts';
import { factoryPathOf, pipelineApi } from './pipeline/pipeline-api.ts';

export const PREVIOUS_DEPLOYMENT = 'onnx-forest-previous';
export const SAMPLE_ASSET = 'breast-cancer-sample';
export const BROKEN_ASSET = 'breast-cancer-broken';
export const DEMO_PIPELINE = 'Run-BatchEndpoint';
const ML_RESOURCE = 'https://ml.azure.com';

/** Runs `step`, treating "it is already there" (409) as done. */
async function unlessExists(step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (!(error instanceof CliError && error.status === 409)) throw error;
  }
}

/** A deployment of the same model with other settings: the default to roll back from, or to. */
export async function seedPreviousDeployment(client: ApiClient, endpoint: string, model: string) {
  const ws = await client.workspacePath();
  await client.request('PUT', `${ws}/batchEndpoints/${endpoint}/deployments/${PREVIOUS_DEPLOYMENT}`, {
    properties: {
      description: 'The same model with larger mini-batches: make it the default to roll back.',
      model: { referenceType: 'Id', assetId: `azureml:${model}` },
      miniBatchSize: 2,
      maxConcurrencyPerInstance: 1,
      retrySettings: { maxRetries: 0, timeout: 'PT60S' },
    },
  });
}

async function dataAsset(client: ApiClient, name: string, uri: string, description: string) {
  const ws = await client.workspacePath();
  const path = `${ws}/data/${name}/versions/1`;
  const existing = await client
    .request<{ properties: { dataUri: string } }>('GET', path)
    .catch(() => undefined);
  // Uploads are stored by content hash, so the same files give the same URI on every run.
  if (existing?.properties.dataUri === uri) return;
  await unlessExists(() =>
    client.request('PUT', path, { properties: { dataType: 'uri_folder', dataUri: uri, description } }),
  );
}

/** The sample folder as a data asset, and a folder whose only file the model cannot read. */
export async function seedDataAssets(client: ApiClient, sampleUri: string): Promise<void> {
  await dataAsset(client, SAMPLE_ASSET, sampleUri, 'The demo sample: four CSV files of 30 features.');
  const folder = await mkdtemp(join(tmpdir(), 'nightshift-demo-'));
  try {
    const broken = join(folder, BROKEN_ASSET);
    await mkdir(broken);
    await writeFile(join(broken, 'part-0.csv'), 'mean radius,mean texture\nnot a number,12.5\n');
    const uploaded = await uploadLocalPath(client, broken);
    await dataAsset(
      client,
      BROKEN_ASSET,
      uploaded.uri,
      'One CSV file with two of the thirty features: its job fails.',
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * The hardened Run-BatchEndpoint pipeline with the demo endpoint, input and a first output path as
 * parameter defaults. It authenticates as the server's managed identity, which exists once a process on
 * the host has asked the server's IMDS endpoint for a token, and may invoke the endpoint and write
 * workspaceblobstore.
 */
export async function seedPipeline(
  client: ApiClient,
  endpoint: { id: string; scoringUri: string },
  sampleUri: string,
): Promise<void> {
  const imds = new URL('/metadata/identity/oauth2/token', client.server);
  imds.search = new URLSearchParams({ 'api-version': '2018-02-01', resource: ML_RESOURCE }).toString();
  const reply = await fetch(imds, { headers: { Metadata: 'true' } });
  if (!reply.ok) throw new CliError(`The server's managed identity is not available: ${reply.status}.`);
  const ws = await client.workspacePath();
  for (const [role, scope] of [
    ['Batch Endpoint Invoker', endpoint.id],
    ['Storage Blob Data Contributor', `${ws}/datastores/workspaceblobstore`],
  ] as const) {
    await unlessExists(() =>
      client.request('POST', '/nightshift/roleAssignments', { assignee: 'system', role, scope }),
    );
  }
  const pipeline = buildTemplate('Run-BatchEndpoint-Hardened-MI', { serverUrl: client.server });
  const parameters = pipeline.properties.parameters ?? {};
  const defaults: Record<string, unknown> = {
    endpoint_uri: endpoint.scoringUri,
    endpoint_input_uri: sampleUri,
    endpoint_output_uri: 'azureml://datastores/workspaceblobstore/paths/demo-pipeline/run-1.csv',
    poll_interval: 2,
  };
  for (const [name, value] of Object.entries(defaults)) {
    const declared = parameters[name];
    if (declared) parameters[name] = { ...declared, defaultValue: value };
  }
  await pipelineApi(client, factoryPathOf(ws)).put(DEMO_PIPELINE, pipeline.properties);
}
