/**
 * Browsing and previewing a remote datastore (S3, against s3rver) through the same routes as a local
 * folder: the folder listing comes from the bucket's keys, a CSV preview reads the object's head, and a
 * Parquet preview is read from the object held in memory, since a remote store offers no random access.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { s3ClientOf } from '../../src/storage/s3/s3.ts';
import { S3RVER_REGION, startS3rver, type S3rver } from '../helpers/s3rver.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const BUCKET = 'preview-data';

let s3: S3rver;
let server: TestServer;

before(async () => {
  s3 = await startS3rver([BUCKET]);
  const client = s3ClientOf({
    bucket: BUCKET,
    region: S3RVER_REGION,
    endpoint: s3.endpoint,
    credentials: s3.credentials,
  });
  const parquet = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: [1, 2, 3], type: 'INT32' },
      { name: 'city', data: ['Oslo', 'Lima', 'Pune'], type: 'STRING' },
    ],
  });
  for (const [Key, Body] of [
    ['in/a.csv', 'x,y\n1,2\n3,4\n'],
    ['in/deep/b.jsonl', '{"k":1}\n'],
    ['in/t.parquet', Buffer.from(parquet)],
    ['top.txt', 'hello\n'],
  ] as const) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  }
  client.destroy();
  server = await startServer();
  const put = await server.call('PUT', `${server.ws}/datastores/bucket`, {
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
  });
  assert.equal(put.status, 201, JSON.stringify(put.body));
});

after(async () => {
  await server.stop();
  await s3.stop();
});

void describe('an S3 datastore in the browser routes', () => {
  it('lists one level of the bucket', async () => {
    const root = await server.call('GET', `${server.ws}/datastores/bucket/folders`);
    assert.equal(root.status, 200, JSON.stringify(root.body));
    assert.deepEqual(
      (root.body as { value: { name: string; kind: string }[] }).value.map((e) => `${e.kind}:${e.name}`),
      ['folder:in', 'file:top.txt'],
    );
    const inner = await server.call('GET', `${server.ws}/datastores/bucket/folders?path=in`);
    assert.deepEqual(
      (inner.body as { value: { name: string }[] }).value.map((e) => e.name),
      ['deep', 'a.csv', 't.parquet'],
    );
  });

  it('previews a CSV and a Parquet object', async () => {
    const csv = await server.call('GET', `${server.ws}/datastores/bucket/preview/in/a.csv`);
    assert.equal(csv.status, 200, JSON.stringify(csv.body));
    assert.deepEqual((csv.body as { rows: unknown[] }).rows, [
      ['1', '2'],
      ['3', '4'],
    ]);
    const parquet = await server.call('GET', `${server.ws}/datastores/bucket/preview/in/t.parquet`);
    assert.equal(parquet.status, 200, JSON.stringify(parquet.body));
    assert.deepEqual((parquet.body as { rows: unknown[] }).rows[2], [3, 'Pune']);
    const missing = await server.call('GET', `${server.ws}/datastores/bucket/preview/in/none.csv`);
    assert.equal(missing.status, 404);
  });
});
