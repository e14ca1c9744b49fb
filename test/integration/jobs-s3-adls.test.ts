/**
 * A batch job across two clouds' protocols, end to end through the real server and CLI: the README's
 * breast-cancer deployment scores a folder in an S3 bucket (s3rver) and writes its predictions to an ADLS
 * Gen2 datastore reached with a service principal (Azurite over HTTPS with OAuth on, and a local Entra ID
 * token endpoint; see datastores-token-flow.test.ts). It is invoked with the CLI, once with the input's
 * azureml://datastores/... URI and once with its s3://bucket/path URL; the predictions equal a local
 * folder's, and they and manifest.json are read back from the file system with the storage SDK itself,
 * not only through the server. The second job over the same objects downloads nothing (the input cache,
 * keyed by ETag, seen in the manifest's `input.downloads`). Outputs take datastore URIs only (an abfss://
 * output URL is refused as such; that refusal is tested here too), and neither secret is ever shown.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { ContainerClient } from '@azure/storage-blob';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { s3ClientOf } from '../../src/storage/s3/s3.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { needs, OPENSSL } from '../helpers/components.ts';
import { FIXTURES_DIR, Nightshift, type JobView, type Manifest } from '../helpers/jobs.ts';
import { S3RVER_REGION, startS3rver, type S3rver } from '../helpers/s3rver.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { startTokenAuthority, trust, type TokenAuthority } from '../helpers/token-authority.ts';

const CLIENT = { tenant: 'bc-tenant', clientId: 'bc-lake-client', clientSecret: 'bc-lake-secret-3f9a71' };
const BUCKET = 'bc-s3-input';
const FILESYSTEM = 'bc-lake';
const FOLDER = 'samples/breast-cancer';
const SAMPLE = join(FIXTURES_DIR, 'data', 'breast-cancer');
const SAMPLE_FILES = readdirSync(SAMPLE).sort();
const SAMPLE_BYTES = SAMPLE_FILES.reduce((n, f) => n + readFileSync(join(SAMPLE, f)).length, 0);

type ManifestWithDownloads = Manifest & {
  input: { downloads: { files: number; bytes: number; hits: number } };
};

const openssl = await needs(OPENSSL);

describe('the breast-cancer sample from an S3 bucket to an ADLS Gen2 file system', openssl, () => {
  let authority: TokenAuthority;
  let azurite: Azurite;
  let s3: S3rver;
  let server: TestServer;
  let ns: Nightshift;
  /** The ADLS file system, read with the storage SDK and the account key, beside the server. */
  let lake: ContainerClient;
  /** The local-folder job's predictions, the reference the remote jobs must match. */
  let reference = '';
  const stops: (() => Promise<void>)[] = [];
  /** Every CLI output and response body, searched for the secrets at the end. */
  const seen: string[] = [];

  async function ok(...args: string[]): Promise<CliResult> {
    const result = await runCli(args, { server: server.url });
    seen.push(result.stdout, result.stderr);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result;
  }

  /** Invokes the endpoint with the CLI, streams the job to its end and returns its view. */
  async function invoke(input: string, ...more: string[]): Promise<JobView> {
    const invoked = await ok(
      'batch-endpoint',
      'invoke',
      '-n',
      'breast-cancer',
      '--input',
      input,
      ...more,
      '--query',
      'name',
      '-o',
      'tsv',
    );
    const name = invoked.stdout.trim();
    seen.push((await runCli(['job', 'stream', '-n', name], { server: server.url })).stdout);
    const job = await ns.waitForJob(name, 60_000);
    seen.push(JSON.stringify(job));
    assert.equal(
      job.properties.status,
      'Completed',
      job.properties.result ?? JSON.stringify(job.properties.error),
    );
    return job;
  }

  const lakeText = async (path: string) => (await lake.getBlobClient(path).downloadToBuffer()).toString();

  before(async () => {
    authority = await startTokenAuthority(CLIENT);
    stops.push(() => authority.stop());
    // The server runs in this process: it must trust the authority's (and Azurite's) certificate.
    trust(authority.tls.cert);
    azurite = await startAzurite({ oauth: authority.tls });
    stops.push(() => azurite.stop());
    lake = containerClientOf({
      accountName: DEV_ACCOUNT,
      containerName: FILESYSTEM,
      endpoint: azurite.accountUrl,
      credential: { accountKey: DEV_KEY },
    });
    await lake.create();
    s3 = await startS3rver([BUCKET]);
    stops.push(() => s3.stop());
    const client = s3ClientOf({
      bucket: BUCKET,
      region: S3RVER_REGION,
      endpoint: s3.endpoint,
      credentials: s3.credentials,
    });
    for (const file of SAMPLE_FILES) {
      const body = readFileSync(join(SAMPLE, file));
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${FOLDER}/${file}`, Body: body }));
    }
    client.destroy();
    server = await startServer();
    stops.push(() => server.stop());
    ns = await Nightshift.connect(server.url);
    await ok('model', 'create', '-f', 'examples/breast-cancer/model.yml');
    await ok('batch-endpoint', 'create', '-f', 'examples/breast-cancer/endpoint.yml');
    await ok('compute', 'create', '-f', 'examples/breast-cancer/compute.yml');
    await ok('batch-deployment', 'create', '-f', 'examples/breast-cancer/deployment.yml', '--set-default');
    await ns.ok('PUT', `${ns.ws}/datastores/s3in`, {
      json: {
        properties: {
          datastoreType: 'S3',
          bucket: BUCKET,
          endpoint: s3.endpoint,
          region: S3RVER_REGION,
          credentials: {
            credentialsType: 'AccessKey',
            accessKeyId: s3.credentials.accessKeyId,
            secrets: { secretsType: 'AccessKey', secretAccessKey: s3.credentials.secretAccessKey },
          },
        },
      },
    });
    await ns.ok('PUT', `${ns.ws}/datastores/lake`, {
      json: {
        properties: {
          datastoreType: 'AzureDataLakeGen2',
          accountName: DEV_ACCOUNT,
          filesystem: FILESYSTEM,
          endpoint: azurite.accountUrl,
          credentials: {
            credentialsType: 'ServicePrincipal',
            tenantId: CLIENT.tenant,
            clientId: CLIENT.clientId,
            authorityUrl: authority.url,
            secrets: { secretsType: 'ServicePrincipal', clientSecret: CLIENT.clientSecret },
          },
        },
      },
    });
    const local = await invoke('fixtures/data/breast-cancer');
    reference = (await ns.readFile(local.properties.outputData.score.uri)) ?? '';
    assert.match(reference, /^0,[01],part-0\.csv$/m);
  });

  after(async () => {
    // In reverse order of starting, and only what started: a failed before() still cleans up.
    for (const stop of stops.reverse()) await stop();
  });

  it('the azureml:// input scores to the lake: the reference predictions and the manifest, read with the SDK', async () => {
    const job = await invoke(
      `azureml://datastores/s3in/paths/${FOLDER}`,
      '--output-path',
      'azureml://datastores/lake/paths/scored/first',
    );
    assert.equal(
      job.properties.outputData.score.uri,
      'azureml://datastores/lake/paths/scored/first/predictions.csv',
    );
    assert.equal(await lakeText('scored/first/predictions.csv'), reference);
    assert.equal(await ns.readFile(job.properties.outputData.score.uri), reference, 'and through the server');
    const manifest = JSON.parse(await lakeText('scored/first/manifest.json')) as ManifestWithDownloads;
    assert.equal(manifest.job, job.name);
    assert.equal(manifest.status, 'Completed');
    assert.equal(manifest.input.uri, `azureml://datastores/s3in/paths/${FOLDER}`);
    assert.deepEqual(manifest.input.files.map((f) => f.path.split('/').pop()).sort(), SAMPLE_FILES);
    assert.deepEqual(manifest.input.downloads, { files: SAMPLE_FILES.length, bytes: SAMPLE_BYTES, hits: 0 });
    assert.ok(
      authority.granted.includes(CLIENT.clientId),
      "the lake is reached with the datastore's service principal",
    );
  });

  it('the s3:// URL names the same objects: the same predictions, and the rerun downloads 0 bytes', async () => {
    const job = await invoke(
      `s3://${BUCKET}/${FOLDER}`,
      '--output-path',
      'azureml://datastores/lake/paths/scored/by-url',
    );
    assert.equal(await lakeText('scored/by-url/predictions.csv'), reference);
    const manifest = JSON.parse(await lakeText('scored/by-url/manifest.json')) as ManifestWithDownloads;
    assert.equal(manifest.job, job.name);
    // A storage URL is kept as the datastore URI it stands for, so access control and the cache see one name.
    assert.equal(manifest.input.uri, `azureml://datastores/s3in/paths/${FOLDER}`);
    assert.deepEqual(manifest.input.downloads, { files: 0, bytes: 0, hits: SAMPLE_FILES.length });
  });

  it('an abfss:// output URL is refused naming the field: outputs take datastore URIs', async () => {
    const scoringUri = (
      await ns.ok<{ properties: { scoringUri: string } }>('GET', `${ns.ws}/batchEndpoints/breast-cancer`)
    ).properties.scoringUri;
    const before = await ns.jobCount();
    const reply = await ns.invoke(scoringUri, {
      properties: {
        InputData: { heart_data: { JobInputType: 'UriFolder', Uri: `s3://${BUCKET}/${FOLDER}` } },
        OutputData: {
          score: {
            JobOutputType: 'UriFile',
            Uri: `abfss://${FILESYSTEM}@${DEV_ACCOUNT}.dfs.core.windows.net/scored/url/predictions.csv`,
          },
        },
      },
    });
    seen.push(reply.text);
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.text, /OutputData\.score\.Uri/);
    assert.match(reply.text, /azureml:\/\/datastores\//);
    assert.equal(await ns.jobCount(), before, 'no job was created');
  });

  it('shows neither the S3 secret access key nor the client secret', () => {
    for (const text of seen) {
      assert.ok(!text.includes(s3.credentials.secretAccessKey), text.slice(0, 300));
      assert.ok(!text.includes(CLIENT.clientSecret), text.slice(0, 300));
    }
  });
});
