/**
 * A storage-event trigger on a Blob datastore in a real Azurite: the emulator emits no events, so the
 * server lists the container; every CSV dropped under the watched prefix runs the pipeline once, with its
 * folder and file name, however many polls pass, and files elsewhere or of another type run nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { registerBlobDatastore, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { factoryPath } from '../helpers/factory.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let azurite: Azurite;
let server: TestServer;
let scratch: string;
let container: ContainerClient;

before(async () => {
  azurite = await startAzurite();
  server = await startServer();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-trigger-blob-'));
  container = await registerBlobDatastore(azurite, server.url, scratch, {
    datastore: 'landing',
    container: 'landing',
  });
});

after(async () => {
  await server.stop();
  await azurite.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function drop(path: string, text: string): Promise<void> {
  await container.getBlockBlobClient(path).upload(text, Buffer.byteLength(text));
}

test('each CSV dropped into the container runs the pipeline once', async () => {
  const df = factoryPath(server.ws);
  const pipeline = await server.call('PUT', `${df}/pipelines/Score`, {
    properties: {
      parameters: { file: { type: 'string' }, folder: { type: 'string' } },
      activities: [{ name: 'Pause', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
    },
  });
  assert.equal(pipeline.status, 200, JSON.stringify(pipeline.body));
  await drop('incoming/before.csv', 'x\n0\n');
  const trigger = await server.call('PUT', `${df}/triggers/csv-drops`, {
    properties: {
      type: 'BlobEventsTrigger',
      typeProperties: {
        scope: 'landing',
        events: ['Microsoft.Storage.BlobCreated'],
        blobPathBeginsWith: '/landing/blobs/incoming/',
        blobPathEndsWith: '.csv',
        ignoreEmptyBlobs: true,
      },
      pipelines: [
        {
          pipelineReference: { referenceName: 'Score' },
          parameters: { file: '@triggerBody().fileName', folder: '@triggerBody().folderPath' },
        },
      ],
    },
  });
  assert.equal(trigger.status, 200, JSON.stringify(trigger.body));
  // Objects older than the start (to the second, as Blob keeps times) are not new.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  assert.equal((await server.call('POST', `${df}/triggers/csv-drops/start`)).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await drop('incoming/claims-1.csv', 'x\n1\n');
  await drop('incoming/2024/claims-2.csv', 'x\n2\n');
  await drop('incoming/empty.csv', '');
  await drop('incoming/notes.txt', 'no');
  await drop('archive/claims-3.csv', 'x\n3\n');
  const query = { lastUpdatedAfter: '2000-01-01T00:00:00Z', lastUpdatedBefore: '2100-01-01T00:00:00Z' };
  const runs = async () =>
    (await server.call('POST', `${df}/queryTriggerRuns`, query)).body as {
      value: { status: string; pipelineRunId: string }[];
    };
  await waitFor('two trigger runs', runs, {
    until: (r) => r.value.length === 2 && r.value.every((x) => x.status === 'Succeeded'),
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  await drop('incoming/claims-4.csv', 'x\n4\n');
  const final = await waitFor('the third run', runs, {
    until: (r) => r.value.length === 3,
    timeoutMs: 60_000,
  });
  // Polls pass (every 2 s); nothing fires twice.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  assert.equal((await runs()).value.length, 3);
  const seen: string[] = [];
  for (const run of final.value) {
    const record = await server.call('GET', `${df}/pipelineruns/${run.pipelineRunId}`);
    const { file, folder } = (record.body as { parameters: Record<string, string> }).parameters;
    seen.push(`${folder ?? ''}/${file ?? ''}`);
  }
  assert.deepEqual(seen.sort(), [
    'landing/incoming/2024/claims-2.csv',
    'landing/incoming/claims-1.csv',
    'landing/incoming/claims-4.csv',
  ]);
});
