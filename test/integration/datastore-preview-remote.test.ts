/**
 * Browsing and previewing remote datastores (S3 against s3rver, Azure Blob against Azurite) through the
 * same routes as a local folder: the folder listing comes from the store's keys, a CSV preview reads the
 * object's head, and a Parquet preview is read from the object held in memory, since a remote store
 * offers no random access here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { s3ClientOf } from '../../src/storage/s3/s3.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { S3RVER_REGION, startS3rver, type S3rver } from '../helpers/s3rver.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const BUCKET = 'preview-data';

let s3: S3rver;
let azurite: Azurite;
let server: TestServer;

function files(): [string, string | Buffer][] {
  const parquet = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: [1, 2, 3], type: 'INT32' },
      { name: 'city', data: ['Oslo', 'Lima', 'Pune'], type: 'STRING' },
    ],
  });
  return [
    ['in/a.csv', 'x,y\n1,2\n3,4\n'],
    ['in/deep/b.jsonl', '{"k":1}\n'],
    ['in/t.parquet', Buffer.from(parquet)],
    ['top.txt', 'hello\n'],
  ];
}

async function seedS3(): Promise<void> {
  const client = s3ClientOf({
    bucket: BUCKET,
    region: S3RVER_REGION,
    endpoint: s3.endpoint,
    credentials: s3.credentials,
  });
  for (const [Key, Body] of files()) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  client.destroy();
}

async function seedBlob(): Promise<void> {
  const container = containerClientOf({
    accountName: DEV_ACCOUNT,
    containerName: BUCKET,
    endpoint: azurite.accountUrl,
    credential: { accountKey: DEV_KEY },
  });
  await container.create();
  for (const [name, body] of files()) {
    await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
  }
}

async function register(name: string, properties: Record<string, unknown>): Promise<void> {
  const put = await server.call('PUT', `${server.ws}/datastores/${name}`, { properties });
  assert.equal(put.status, 201, JSON.stringify(put.body));
}

before(async () => {
  [s3, azurite] = await Promise.all([startS3rver([BUCKET]), startAzurite()]);
  await Promise.all([seedS3(), seedBlob()]);
  server = await startServer();
  await register('bucket', {
    datastoreType: 'S3',
    bucket: BUCKET,
    endpoint: s3.endpoint,
    region: S3RVER_REGION,
    credentials: {
      credentialsType: 'AccessKey',
      accessKeyId: s3.credentials.accessKeyId,
      secrets: { secretsType: 'AccessKey', secretAccessKey: s3.credentials.secretAccessKey },
    },
  });
  await register('blob', {
    datastoreType: 'AzureBlob',
    accountName: DEV_ACCOUNT,
    containerName: BUCKET,
    endpoint: azurite.accountUrl,
    credentials: { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey', key: DEV_KEY } },
  });
});

after(async () => {
  await server.stop();
  await Promise.all([s3.stop(), azurite.stop()]);
});

for (const store of ['bucket', 'blob']) {
  void describe(`the ${store === 'bucket' ? 'S3' : 'Azure Blob'} datastore in the browser routes`, () => {
    it('lists one level of the store', async () => {
      const root = await server.call('GET', `${server.ws}/datastores/${store}/folders`);
      assert.equal(root.status, 200, JSON.stringify(root.body));
      assert.deepEqual(
        (root.body as { value: { name: string; kind: string }[] }).value.map((e) => `${e.kind}:${e.name}`),
        ['folder:in', 'file:top.txt'],
      );
      const inner = await server.call('GET', `${server.ws}/datastores/${store}/folders?path=in`);
      assert.deepEqual(
        (inner.body as { value: { name: string }[] }).value.map((e) => e.name),
        ['deep', 'a.csv', 't.parquet'],
      );
    });

    it('previews a CSV and a Parquet object; a missing one is a 404', async () => {
      const csv = await server.call('GET', `${server.ws}/datastores/${store}/preview/in/a.csv`);
      assert.equal(csv.status, 200, JSON.stringify(csv.body));
      assert.deepEqual((csv.body as { rows: unknown[] }).rows, [
        ['1', '2'],
        ['3', '4'],
      ]);
      const parquet = await server.call('GET', `${server.ws}/datastores/${store}/preview/in/t.parquet`);
      assert.equal(parquet.status, 200, JSON.stringify(parquet.body));
      assert.deepEqual((parquet.body as { rows: unknown[] }).rows[2], [3, 'Pune']);
      const missing = await server.call('GET', `${server.ws}/datastores/${store}/preview/in/none.csv`);
      assert.equal(missing.status, 404);
    });
  });
}
