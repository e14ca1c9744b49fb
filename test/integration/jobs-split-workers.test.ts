/**
 * A big CSV split into row ranges and scored by `nightshift worker` processes (the BullMQ path): the
 * mini-batch records carry the ranges (`big.csv#bytes=…&row=…`), so two workers with nothing of the
 * server's disk each read their ranges from the Blob container with ranged reads, and the output the
 * server assembles is byte-for-byte the output of the file scored whole on the server's own pool.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { blobDatastoreYaml, DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import {
  runCli,
  startServeProcess,
  startWorkerProcess,
  writeFileIn,
  type ServeProcess,
} from '../helpers/cli.ts';
import { needs, POSTGRES, REDIS, testRedisUrl } from '../helpers/components.ts';
import { FIXTURES_DIR, Nightshift, type JobView } from '../helpers/jobs.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/scale-out.ts';

const ROWS = 6000;

function bigCsv(): Buffer {
  const sample = readFileSync(join(FIXTURES_DIR, 'data', 'breast-cancer', 'part-1.csv'), 'utf8')
    .trim()
    .split('\n');
  const [header, ...records] = sample;
  const lines = [`${header ?? ''},note`];
  for (let i = 0; i < ROWS; i++) lines.push(`${records[i % records.length] ?? ''},"row ${i}\nspans, lines"`);
  return Buffer.from(lines.join('\n') + '\n');
}

describe('a split CSV scored by nightshift workers', await needs(POSTGRES, REDIS), () => {
  const root = mkdtempSync(join(tmpdir(), 'nightshift-split-workers-'));
  const keys = join(root, 'keys');
  const processes: ServeProcess[] = [];
  let database: TestDatabase | undefined;
  let azurite: Azurite;
  let ns: Nightshift;

  const worker = (name: string): ServeProcess => {
    const own = join(root, `worker-${name}`);
    mkdirSync(join(own, 'keys'), { recursive: true });
    copyFileSync(join(keys, 'secret-box.key'), join(own, 'keys', 'secret-box.key'));
    const args = [
      ...['--database', database?.url ?? '', '--queue', testRedisUrl()],
      ...['--keys-dir', join(own, 'keys'), '--work-dir', join(own, 'work')],
      ...['--compute', 'pool', '--name', `w-split-${name}-${process.pid}`, '--concurrency', '1'],
    ];
    const started = startWorkerProcess(args, { NIGHTSHIFT_LEASE_MS: '3000' });
    processes.push(started);
    return started;
  };

  const datastore = async (name: string, container: string) => {
    const file = writeFileIn(root, `${name}.yml`, blobDatastoreYaml(name, container, azurite.accountUrl));
    const result = await runCli(['datastore', 'create', '-f', file], { server: ns.url });
    assert.equal(result.code, 0, result.stderr);
  };

  before(async () => {
    database = await createTestDatabase();
    writeFileSync(join(root, 'config.json'), JSON.stringify({ leaseMs: 3000 }));
    azurite = await startAzurite();
    const container = (name: string) =>
      containerClientOf({
        accountName: DEV_ACCOUNT,
        containerName: name,
        endpoint: azurite.accountUrl,
        credential: { accountKey: DEV_KEY },
      });
    await container('artifacts').create();
    const inputs = container('inputs');
    await inputs.create();
    const csv = bigCsv();
    await inputs.getBlockBlobClient('big/big.csv').upload(csv, csv.length);
    const server = startServeProcess(join(root, 'server'), [
      ...['--database', database.url, '--queue', testRedisUrl(), '--keys-dir', keys],
      ...['--shared-dir', join(root, 'shared'), '--artifact-store', 'artifacts'],
      ...['--config', join(root, 'config.json'), '--log-format', 'json'],
    ]);
    processes.push(server);
    ns = await Nightshift.connect(await server.ready);
    await datastore('artifacts', 'artifacts');
    await datastore('inblob', 'inputs');
    await ns.ok('PUT', `${ns.ws}/computes/pool`, {
      json: { properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 2 } } } },
    });
  });

  after(async () => {
    for (const child of processes) {
      if (child.child.exitCode === null && child.child.signalCode === null) {
        child.child.kill('SIGTERM');
        await child.exited;
      }
    }
    await database?.drop();
    await azurite.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('two workers score the ranges; the output is the whole-file output, byte for byte', async () => {
    const workers = [worker('one'), worker('two')];
    await Promise.all(workers.map((w) => w.ready));
    const model = await ns.registerModel({
      localDir: join(FIXTURES_DIR, 'models', 'breast-cancer-rf'),
      modelType: 'mlflow_model',
    });
    const body = {
      properties: {
        InputData: { data: { JobInputType: 'UriFolder', Uri: 'azureml://datastores/inblob/paths/big' } },
      },
    };
    const run = async (settings: {
      miniBatchSize: number | string;
      compute: string;
      instanceCount: number;
    }) => {
      const { scoringUri } = await ns.deploy({
        model,
        settings: { maxConcurrencyPerInstance: 1, ...settings },
      });
      const job: JobView = await ns.run(scoringUri, body, {}, 180_000);
      assert.equal(
        job.properties.status,
        'Completed',
        job.properties.result ?? JSON.stringify(job.properties.error),
      );
      return { job, text: (await ns.readFile(job.properties.outputData.score.uri)) ?? '' };
    };
    const whole = await run({ miniBatchSize: 1, compute: 'local', instanceCount: 1 });
    assert.equal(whole.text.trimEnd().split('\n').length, ROWS);
    const split = await run({ miniBatchSize: '500 rows', compute: 'pool', instanceCount: 2 });
    assert.equal(split.job.properties.progress.items.total, ROWS / 500);
    assert.equal(split.text, whole.text);
  });
});
