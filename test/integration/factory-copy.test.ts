/**
 * Data Factory's Copy and Get Metadata activities through the real server against an in-memory Azurite
 * with two containers: a Blob linked service (connection string with the account key), parameterised
 * datasets, and pipelines that copy files and folders (recursive or not, by wildcard, under each
 * copyBehavior), convert CSV to Parquet (read back with hyparquet) and CSV to CSV, answer Get Metadata's
 * fields, and fail with Data Factory-style errors naming the dataset and the storage code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import type { ContainerClient } from '@azure/storage-blob';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { S3RVER_REGION, startS3rver, type S3rver } from '../helpers/s3rver.ts';
import { factoryPath, waitForRun } from '../helpers/factory.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let azurite: Azurite;
let s3: S3rver;
let server: TestServer;
let F: string;
let raw: ContainerClient;
let curated: ContainerClient;

const SEED: Record<string, string> = {
  'in/a.csv': 'id,name\n1,alpha\n2,"be,ta"\n',
  'in/b.csv': 'id,name\n3,gamma\n',
  'in/sub/c.csv': 'id,name\n4,delta\n',
  'in/sub/deep/d.txt': 'deep text',
  'in/sub2/a.csv': 'id,name\n5,eps\n',
  'other/x.bin': 'xx',
};

interface ActivityRun {
  activityName: string;
  status: string;
  output: Record<string, unknown>;
  error: { errorCode: string; message: string } | null;
}

function container(name: string): ContainerClient {
  return containerClientOf({
    accountName: DEV_ACCOUNT,
    containerName: name,
    endpoint: azurite.accountUrl,
    credential: { accountKey: DEV_KEY },
  });
}

async function names(client: ContainerClient, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const blob of client.listBlobsFlat({ prefix })) out.push(blob.name);
  return out.sort();
}

async function text(client: ContainerClient, name: string): Promise<string> {
  return (await client.getBlobClient(name).downloadToBuffer()).toString('utf8');
}

async function put(path: string, body: unknown): Promise<void> {
  const reply = await server.call('PUT', `${F}/${path}`, body);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
}

function dataset(type: string, containerName: string, extra: Record<string, unknown> = {}) {
  return {
    properties: {
      type,
      linkedServiceName: { referenceName: 'Lake', type: 'LinkedServiceReference' },
      parameters: { folder: { type: 'String' }, file: { type: 'String', defaultValue: '' } },
      typeProperties: {
        location: {
          type: 'AzureBlobStorageLocation',
          container: containerName,
          folderPath: { value: '@dataset().folder', type: 'Expression' },
          fileName: { value: '@dataset().file', type: 'Expression' },
        },
        ...extra,
      },
    },
  };
}

const ref = (name: string, folder: string, file = '') => ({
  referenceName: name,
  type: 'DatasetReference',
  parameters: { folder, file },
});

function copy(
  from: Record<string, unknown>,
  to: Record<string, unknown>,
  source: Record<string, unknown> = {},
  sink: Record<string, unknown> = {},
) {
  return {
    name: 'Copy it',
    type: 'Copy',
    inputs: [from],
    outputs: [to],
    typeProperties: {
      source: { type: 'BinarySource', storeSettings: { type: 'AzureBlobStorageReadSettings', ...source } },
      sink: { type: 'BinarySink', storeSettings: { type: 'AzureBlobStorageWriteSettings', ...sink } },
    },
  };
}

let runs = 0;
/** Stores a one-activity pipeline, runs it and returns the run's status and its activity run. */
async function runActivity(
  activity: Record<string, unknown>,
): Promise<{ status: string; activity: ActivityRun }> {
  runs += 1;
  const name = `p${String(runs)}`;
  await put(`pipelines/${name}`, { properties: { activities: [activity] } });
  const created = await server.call('POST', `${F}/pipelines/${name}/createRun`, {});
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const { runId } = created.body as { runId: string };
  const run = await waitForRun<{ status: string }>(server, runId);
  const page = await server.call('POST', `${F}/pipelineruns/${runId}/queryActivityruns`, {});
  const [activityRun] = (page.body as { value: ActivityRun[] }).value;
  assert.ok(activityRun);
  return { status: run.status, activity: activityRun };
}

before(async () => {
  azurite = await startAzurite();
  s3 = await startS3rver(['s3-landing']);
  raw = container('raw');
  curated = container('curated');
  await raw.create();
  await curated.create();
  for (const [name, body] of Object.entries(SEED))
    await raw.getBlockBlobClient(name).upload(body, body.length);
  server = await startServer();
  F = factoryPath(server.ws);
  await put('linkedservices/Lake', {
    properties: {
      type: 'AzureBlobStorage',
      typeProperties: {
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${azurite.accountUrl};`,
      },
    },
  });
  await put('datasets/RawBin', dataset('Binary', 'raw'));
  await put('datasets/CuratedBin', dataset('Binary', 'curated'));
  const csv = { columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true };
  await put('datasets/RawCsv', dataset('DelimitedText', 'raw', csv));
  await put('datasets/CuratedCsv', dataset('DelimitedText', 'curated', { ...csv, rowDelimiter: '\n' }));
  await put('datasets/CuratedParquet', dataset('Parquet', 'curated', { compressionCodec: 'snappy' }));
});

after(async () => {
  await server.stop();
  await azurite.stop();
  await s3.stop();
});

void describe('Copy between two Azurite containers', () => {
  it('copies a folder recursively, keeping its hierarchy, with Data Factory output figures', async () => {
    const { status, activity } = await runActivity(copy(ref('RawBin', 'in'), ref('CuratedBin', 'all')));
    assert.equal(status, 'Succeeded', JSON.stringify(activity.error));
    assert.deepEqual(await names(curated, 'all/'), [
      'all/a.csv',
      'all/b.csv',
      'all/sub/c.csv',
      'all/sub/deep/d.txt',
      'all/sub2/a.csv',
    ]);
    assert.equal(await text(curated, 'all/sub/deep/d.txt'), 'deep text');
    const bytes = ['in/a.csv', 'in/b.csv', 'in/sub/c.csv', 'in/sub/deep/d.txt', 'in/sub2/a.csv']
      .map((n) => SEED[n]?.length ?? 0)
      .reduce((a, b) => a + b, 0);
    const out = activity.output;
    assert.equal(out['filesRead'], 5);
    assert.equal(out['filesWritten'], 5);
    assert.equal(out['dataRead'], bytes);
    assert.equal(out['dataWritten'], bytes);
    assert.equal(typeof out['copyDuration'], 'number');
    assert.equal(typeof out['throughput'], 'number');
    assert.equal(out['rowsCopied'], undefined, 'a binary copy has no rows');
  });

  it('copies only the top level with recursive: false', async () => {
    const { status } = await runActivity(
      copy(ref('RawBin', 'in'), ref('CuratedBin', 'top'), { recursive: false }),
    );
    assert.equal(status, 'Succeeded');
    assert.deepEqual(await names(curated, 'top/'), ['top/a.csv', 'top/b.csv']);
  });

  it('copies one file under the sink dataset file name', async () => {
    const { status } = await runActivity(
      copy(ref('RawBin', 'in', 'b.csv'), ref('CuratedBin', 'one', 'renamed.csv')),
    );
    assert.equal(status, 'Succeeded');
    assert.deepEqual(await names(curated, 'one/'), ['one/renamed.csv']);
    assert.equal(await text(curated, 'one/renamed.csv'), SEED['in/b.csv']);
  });

  it('selects by wildcardFolderPath and wildcardFileName', async () => {
    const { status, activity } = await runActivity(
      copy(ref('RawBin', ''), ref('CuratedBin', 'wild'), {
        wildcardFolderPath: 'in/sub*',
        wildcardFileName: '*.csv',
      }),
    );
    assert.equal(status, 'Succeeded', JSON.stringify(activity.error));
    assert.deepEqual(await names(curated, 'wild/'), ['wild/sub/c.csv', 'wild/sub2/a.csv']);
    const top = await runActivity(
      copy(ref('RawBin', 'in'), ref('CuratedBin', 'wild2'), { wildcardFileName: '?.csv', recursive: false }),
    );
    assert.equal(top.status, 'Succeeded');
    assert.deepEqual(await names(curated, 'wild2/'), ['wild2/a.csv', 'wild2/b.csv']);
  });

  it('flattens the hierarchy, and refuses two files that would land on one name', async () => {
    const ok = await runActivity(
      copy(ref('RawBin', 'in/sub'), ref('CuratedBin', 'flat'), {}, { copyBehavior: 'FlattenHierarchy' }),
    );
    assert.equal(ok.status, 'Succeeded');
    assert.deepEqual(await names(curated, 'flat/'), ['flat/c.csv', 'flat/d.txt']);
    const clash = await runActivity(
      copy(ref('RawBin', 'in'), ref('CuratedBin', 'flat2'), {}, { copyBehavior: 'FlattenHierarchy' }),
    );
    assert.equal(clash.status, 'Failed');
    assert.equal(clash.activity.error?.errorCode, 'UserErrorFlattenNameCollision');
    assert.match(clash.activity.error.message, /flat2\/a\.csv/);
  });

  it('merges files into one', async () => {
    const { status, activity } = await runActivity(
      copy(
        ref('RawBin', 'in'),
        ref('CuratedBin', 'merged', 'all.txt'),
        { recursive: false },
        { copyBehavior: 'MergeFiles' },
      ),
    );
    assert.equal(status, 'Succeeded');
    assert.equal(await text(curated, 'merged/all.txt'), `${SEED['in/a.csv'] ?? ''}${SEED['in/b.csv'] ?? ''}`);
    assert.equal(activity.output['filesRead'], 2);
    assert.equal(activity.output['filesWritten'], 1);
  });

  it('converts CSV to Parquet, read back with hyparquet, counting rows', async () => {
    const activity = {
      ...copy(
        ref('RawCsv', 'in'),
        ref('CuratedParquet', 'pq', 'out.parquet'),
        { recursive: false },
        { copyBehavior: 'MergeFiles' },
      ),
    };
    const result = await runActivity(activity);
    assert.equal(result.status, 'Succeeded', JSON.stringify(result.activity.error));
    const bytes = await curated.getBlobClient('pq/out.parquet').downloadToBuffer();
    const file = new Uint8Array(bytes).buffer;
    const rows = await parquetReadObjects({ file });
    assert.deepEqual(rows, [
      { id: '1', name: 'alpha' },
      { id: '2', name: 'be,ta' },
      { id: '3', name: 'gamma' },
    ]);
    assert.equal(result.activity.output['rowsRead'], 3);
    assert.equal(result.activity.output['rowsCopied'], 3);
  });

  it('rewrites CSV with the sink settings and one header when merging', async () => {
    const result = await runActivity(
      copy(
        ref('RawCsv', 'in'),
        ref('CuratedCsv', 'csv', 'merged.csv'),
        { recursive: false },
        { copyBehavior: 'MergeFiles' },
      ),
    );
    assert.equal(result.status, 'Succeeded', JSON.stringify(result.activity.error));
    assert.equal(await text(curated, 'csv/merged.csv'), 'id,name\n1,alpha\n2,"be,ta"\n3,gamma\n');
    assert.equal(result.activity.output['rowsCopied'], 3);
  });

  it('fails on a missing source file, naming the dataset, the container and the storage code', async () => {
    const { status, activity } = await runActivity(
      copy(ref('RawBin', 'in', 'nope.csv'), ref('CuratedBin', 'x')),
    );
    assert.equal(status, 'Failed');
    assert.equal(activity.error?.errorCode, 'UserErrorSourceNotExist');
    assert.match(
      activity.error.message,
      /Dataset: 'RawBin', container 'raw', path: 'in\/nope\.csv'.*BlobNotFound/,
    );
  });

  it('fails with the storage error when the key is refused, without the key in the message', async () => {
    const wrongKey = Buffer.from('not the key at all, 32 bytes long').toString('base64');
    await put('linkedservices/WrongKey', {
      properties: {
        type: 'AzureBlobStorage',
        typeProperties: {
          connectionString: `AccountName=${DEV_ACCOUNT};AccountKey=${wrongKey};BlobEndpoint=${azurite.accountUrl}`,
        },
      },
    });
    const body = dataset('Binary', 'raw');
    body.properties.linkedServiceName.referenceName = 'WrongKey';
    await put('datasets/WrongBin', body);
    const { status, activity } = await runActivity({
      ...copy(ref('WrongBin', 'in'), ref('CuratedBin', 'w')),
      policy: { retry: 0 },
    });
    assert.equal(status, 'Failed');
    assert.equal(activity.error?.errorCode, '2200');
    assert.match(activity.error.message, /dataset 'WrongBin'.*Storage error: AuthorizationFailure \(403\)/);
    assert.doesNotMatch(JSON.stringify(activity), new RegExp(wrongKey.slice(0, 20)));
  });

  it('refuses a Binary source into a Parquet sink', async () => {
    const { status, activity } = await runActivity(copy(ref('RawBin', 'in'), ref('CuratedParquet', 'bad')));
    assert.equal(status, 'Failed');
    assert.equal(activity.error?.errorCode, 'UserErrorUnsupportedCopy');
  });
});

void describe('Get Metadata', () => {
  const getMetadata = (folder: string, file: string, fieldList: string[]) => ({
    name: 'Look',
    type: 'GetMetadata',
    typeProperties: { dataset: ref('RawBin', folder, file), fieldList },
  });

  it('answers a file: exists, itemName, itemType, size, lastModified, contentMD5', async () => {
    const { status, activity } = await runActivity(
      getMetadata('in', 'a.csv', ['exists', 'itemName', 'itemType', 'size', 'lastModified', 'contentMD5']),
    );
    assert.equal(status, 'Succeeded', JSON.stringify(activity.error));
    const props = await raw.getBlobClient('in/a.csv').getProperties();
    assert.deepEqual(activity.output, {
      exists: true,
      itemName: 'a.csv',
      itemType: 'File',
      size: SEED['in/a.csv']?.length,
      lastModified: props.lastModified?.toISOString(),
      contentMD5: Buffer.from(props.contentMD5 ?? new Uint8Array()).toString('base64'),
    });
  });

  it("lists a folder's child items, files and folders", async () => {
    const { activity } = await runActivity(getMetadata('in', '', ['itemType', 'childItems']));
    assert.deepEqual(activity.output, {
      itemType: 'Folder',
      childItems: [
        { name: 'a.csv', type: 'File' },
        { name: 'b.csv', type: 'File' },
        { name: 'sub', type: 'Folder' },
        { name: 'sub2', type: 'Folder' },
      ],
    });
  });

  it('reads ADLS Gen2 (AzureBlobFS with an account key) through the Blob endpoint of the account', async () => {
    await put('linkedservices/Gen2', {
      properties: {
        type: 'AzureBlobFS',
        typeProperties: { url: azurite.accountUrl, accountKey: { type: 'SecureString', value: DEV_KEY } },
      },
    });
    await put('datasets/Gen2Raw', {
      properties: {
        type: 'Binary',
        linkedServiceName: { referenceName: 'Gen2', type: 'LinkedServiceReference' },
        typeProperties: {
          location: { type: 'AzureBlobFSLocation', fileSystem: 'raw', folderPath: 'in/sub' },
        },
      },
    });
    const { status, activity } = await runActivity({
      name: 'Look',
      type: 'GetMetadata',
      typeProperties: {
        dataset: { referenceName: 'Gen2Raw', type: 'DatasetReference' },
        fieldList: ['itemName', 'childItems'],
      },
    });
    assert.equal(status, 'Succeeded', JSON.stringify(activity.error));
    assert.deepEqual(activity.output, {
      itemName: 'sub',
      childItems: [
        { name: 'c.csv', type: 'File' },
        { name: 'deep', type: 'Folder' },
      ],
    });
  });

  it('says exists: false for a missing path when asked, and fails otherwise', async () => {
    const asked = await runActivity(getMetadata('in', 'missing.csv', ['exists', 'size']));
    assert.equal(asked.status, 'Succeeded');
    assert.deepEqual(asked.activity.output, { exists: false });
    const notAsked = await runActivity(getMetadata('in', 'missing.csv', ['size']));
    assert.equal(notAsked.status, 'Failed');
    assert.match(notAsked.activity.error?.message ?? '', /Dataset: 'RawBin'.*in\/missing\.csv/);
  });
});

void describe('Copy from Amazon S3 (s3rver)', () => {
  const s3Service = (secretAccessKey: string, accessKeyId = s3.credentials.accessKeyId) => ({
    properties: {
      type: 'AmazonS3',
      typeProperties: {
        accessKeyId,
        secretAccessKey: { type: 'SecureString', value: secretAccessKey },
        serviceUrl: s3.endpoint,
        region: S3RVER_REGION,
      },
    },
  });
  const s3Dataset = (linkedService: string) => ({
    properties: {
      type: 'Binary',
      linkedServiceName: { referenceName: linkedService, type: 'LinkedServiceReference' },
      typeProperties: { location: { type: 'AmazonS3Location', bucketName: 's3-landing', folderPath: 'in' } },
    },
  });

  it('copies a bucket folder into Blob, and a wrong key id fails with its 403 (a HEAD answer has no S3 code)', async () => {
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      region: S3RVER_REGION,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    for (const name of ['one.txt', 'sub/two.txt']) {
      await client.send(
        new PutObjectCommand({ Bucket: 's3-landing', Key: `in/${name}`, Body: `s3 ${name}` }),
      );
    }
    client.destroy();
    await put('linkedservices/Bucket', s3Service(s3.credentials.secretAccessKey));
    await put('datasets/BucketIn', s3Dataset('Bucket'));
    const ok = await runActivity(
      copy({ referenceName: 'BucketIn', type: 'DatasetReference' }, ref('CuratedBin', 'from-s3')),
    );
    assert.equal(ok.status, 'Succeeded', JSON.stringify(ok.activity.error));
    assert.deepEqual(await names(curated, 'from-s3/'), ['from-s3/one.txt', 'from-s3/sub/two.txt']);
    assert.equal(await text(curated, 'from-s3/sub/two.txt'), 's3 sub/two.txt');
    const shown = await server.call('GET', `${F}/linkedservices/Bucket`);
    assert.doesNotMatch(JSON.stringify(shown.body), new RegExp(s3.credentials.secretAccessKey));
    await put('linkedservices/BadBucket', s3Service('whatever-secret-1234', 'NSKEYWRONG'));
    await put('datasets/BadBucketIn', s3Dataset('BadBucket'));
    const bad = await runActivity({
      ...copy({ referenceName: 'BadBucketIn', type: 'DatasetReference' }, ref('CuratedBin', 'x')),
      policy: { retry: 0 },
    });
    assert.equal(bad.status, 'Failed');
    assert.match(bad.activity.error?.message ?? '', /dataset 'BadBucketIn'.*Storage error: \w+ \(403\)/);
  });
});
