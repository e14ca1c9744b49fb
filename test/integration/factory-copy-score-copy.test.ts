/**
 * Copy-Score-Copy end to end as the README walks it, with the CLI only: files to score sit in an S3
 * bucket (s3rver); linked services (the bucket, an Azurite container by connection string, and the workspace's
 * workspaceblobstore as a NightshiftDatastore, since batch jobs read local-folder datastores for now)
 * and the template's three datasets are created from JSON files; the template is imported and run with
 * `pipeline run --wait`. The files are staged, scored by a real batch endpoint, and the predictions land
 * in another Azurite container, one line per input file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { managedIdentityTokens } from '../helpers/auth.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { S3RVER_REGION, startS3rver, type S3rver } from '../helpers/s3rver.ts';
import { runCli, writeFileIn, type CliResult } from '../helpers/cli.ts';
import { datastoreUri, Nightshift, smallFiles } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let azurite: Azurite;
let s3: S3rver;
let server: TestServer;
let scratch: string;
let endpoint: string;
let results: ContainerClient;
const FILES = smallFiles(3);

const cli = (...args: string[]): Promise<CliResult> => runCli(args, { server: server.url });

function container(name: string): ContainerClient {
  return containerClientOf({
    accountName: DEV_ACCOUNT,
    containerName: name,
    endpoint: azurite.accountUrl,
    credential: { accountKey: DEV_KEY },
  });
}

async function create(kind: 'linked-service' | 'dataset', name: string, properties: unknown): Promise<void> {
  const file = writeFileIn(scratch, `${kind}-${name}.json`, JSON.stringify({ name, properties }));
  const result = await cli('pipeline', kind, 'create', '-f', file);
  assert.equal(result.code, 0, result.stderr);
}

function binaryDataset(linkedService: string, location: Record<string, unknown>) {
  return {
    type: 'Binary',
    linkedServiceName: { referenceName: linkedService, type: 'LinkedServiceReference' },
    parameters: { folder: { type: 'String' } },
    typeProperties: {
      location: { ...location, folderPath: { value: '@dataset().folder', type: 'Expression' } },
    },
  };
}

before(async () => {
  azurite = await startAzurite();
  s3 = await startS3rver(['landing']);
  results = container('results');
  await results.create();
  const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    region: S3RVER_REGION,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  for (const [name, body] of Object.entries(FILES)) {
    await client.send(new PutObjectCommand({ Bucket: 'landing', Key: `incoming/${name}`, Body: body }));
  }
  client.destroy();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-csc-'));
  server = await startServer();
  const owner = await Nightshift.connect(server.url);
  endpoint = (await owner.deploy({ script: 'strings.ts' })).endpoint;
  // The template authenticates with the server's managed identity, which exists once IMDS is asked.
  await managedIdentityTokens(server.url).token('https://ml.azure.com');
  for (const [role, scope] of [
    ['Batch Endpoint Invoker', `${server.ws}/batchEndpoints/${endpoint}`],
    ['Storage Blob Data Contributor', `${server.ws}/datastores/workspaceblobstore`],
  ]) {
    const reply = await server.call('POST', '/nightshift/roleAssignments', {
      assignee: 'system',
      role,
      scope,
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
  }
});

after(async () => {
  await server.stop();
  await azurite.stop();
  await s3.stop();
  rmSync(scratch, { recursive: true, force: true });
});

void describe('the Copy-Score-Copy template', () => {
  it('stages S3 files, scores them with the batch endpoint and copies the predictions to Blob', async () => {
    await create('linked-service', 'Bucket', {
      type: 'AmazonS3',
      typeProperties: {
        accessKeyId: s3.credentials.accessKeyId,
        secretAccessKey: { type: 'SecureString', value: s3.credentials.secretAccessKey },
        serviceUrl: s3.endpoint,
      },
    });
    await create('linked-service', 'Lake', {
      type: 'AzureBlobStorage',
      typeProperties: {
        connectionString: `AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${azurite.accountUrl}`,
      },
    });
    await create('linked-service', 'Workspace', {
      type: 'NightshiftDatastore',
      typeProperties: { datastoreName: 'workspaceblobstore' },
    });
    await create(
      'dataset',
      'CopyScoreSource',
      binaryDataset('Bucket', { type: 'AmazonS3Location', bucketName: 'landing' }),
    );
    await create(
      'dataset',
      'CopyScoreStaging',
      binaryDataset('Workspace', { type: 'NightshiftDatastoreLocation' }),
    );
    await create(
      'dataset',
      'CopyScoreResults',
      binaryDataset('Lake', { type: 'AzureBlobStorageLocation', container: 'results' }),
    );
    const imported = await cli('pipeline', 'import', '--template', 'Copy-Score-Copy');
    assert.equal(imported.code, 0, imported.stderr);
    const run = await cli(
      'pipeline',
      'run',
      'Copy-Score-Copy',
      '--wait',
      ...['--param', 'source_folder=incoming'],
      ...['--param', 'staging_folder=staging/csc'],
      ...['--param', 'predictions_folder=outputs/csc'],
      ...['--param', 'results_folder=scored/csc'],
      ...['--param', 'poll_interval=1'],
      ...['--param', `endpoint_uri=${server.url}/endpoints/${endpoint}/jobs`],
      ...['--param', `endpoint_input_uri=${datastoreUri('staging/csc')}`],
      ...['--param', `endpoint_output_uri=${datastoreUri('outputs/csc/predictions.csv')}`],
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Copy to staging\s+Copy\s+Succeeded/);
    assert.match(run.stderr, /Copy predictions out\s+Copy\s+Succeeded/);
    const landed: string[] = [];
    for await (const blob of results.listBlobsFlat({ prefix: 'scored/csc/' })) landed.push(blob.name);
    assert.ok(landed.includes('scored/csc/predictions.csv'), landed.join());
    const predictions = (
      await results.getBlobClient('scored/csc/predictions.csv').downloadToBuffer()
    ).toString();
    for (const name of Object.keys(FILES)) assert.match(predictions, new RegExp(name.replace('.', '\\.')));
  });
});
