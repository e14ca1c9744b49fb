/**
 * `nightshift worker` processes score the jobs of a compute for two scaled-out servers. The servers
 * publish the model and code to an artifact store in Azurite (--artifact-store), the input is in another
 * container, and each worker has only its own work dir and a copy of the secret-box key: nothing of the
 * servers' disks. A job on the compute Completes with every input once, its mini-batches recorded under
 * the workers' names; `compute list-nodes` through either server lists both workers; `job show` reports
 * worker-seconds. A worker killed with SIGKILL mid-job has its attempts charged as crashes, and the job
 * still Completes with every row once. A job on the compute whose input is a folder on the server's disk
 * fails at once, saying why and what to do.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { blobDatastoreYaml, DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import {
  runCli,
  startServeProcess,
  startWorkerProcess,
  writeFileIn,
  type ServeProcess,
} from '../helpers/cli.ts';
import { needs, NETNS, POSTGRES, REDIS } from '../helpers/components.ts';
import { ownQueue } from '../helpers/redis.ts';
import { startWorkerInNetns } from '../helpers/netns-worker.ts';
import { REPO_ROOT } from '../helpers/repo.ts';
import { folderBody, Nightshift, smallFiles, type JobView } from '../helpers/jobs.ts';
import {
  assertEachOnce,
  createTestDatabase,
  SLEEPY_SCRIPT,
  type TestDatabase,
} from '../helpers/scale-out.ts';
import { waitFor } from '../helpers/wait.ts';

const netns = await needs(NETNS);

type Nodes = { nodes: { nodeId: string; nodeState: string; pid: number; runId: string | null }[] };

describe('nightshift worker on other machines', await needs(POSTGRES, REDIS), () => {
  const root = mkdtempSync(join(tmpdir(), 'nightshift-workers-'));
  const keys = join(root, 'keys');
  let database: TestDatabase | undefined;
  // A key prefix of the test's own: other test files' servers on the same Redis never see its tasks.
  const queue = ownQueue();
  let azurite: Azurite;
  let inputs: ContainerClient;
  const processes: ServeProcess[] = [];
  let a: Nightshift;
  let b: Nightshift;
  let servers: ServeProcess[] = [];

  const dbUrl = () => database?.url ?? '';

  const serve = (name: string): ServeProcess => {
    const server = startServeProcess(join(root, name), [
      '--database',
      dbUrl(),
      '--queue',
      queue.url,
      '--keys-dir',
      keys,
      '--shared-dir',
      join(root, 'shared'),
      '--artifact-store',
      'artifacts',
      '--config',
      join(root, 'config.json'),
      '--log-format',
      'json',
    ]);
    processes.push(server);
    return server;
  };

  /**
   * What a worker is started with, as on another machine: its own work dir under `own`, and a keys dir
   * there holding a copy of the servers' key only.
   */
  const workerArgs = (own: string, name: string, compute = 'pool'): string[] => {
    mkdirSync(join(own, 'keys'), { recursive: true });
    copyFileSync(join(keys, 'secret-box.key'), join(own, 'keys', 'secret-box.key'));
    return [
      ...['--database', dbUrl(), '--queue', queue.url],
      ...['--keys-dir', join(own, 'keys'), '--work-dir', join(own, 'work')],
      ...['--compute', compute, '--name', name],
    ];
  };

  const worker = (name: string, compute = 'pool'): ServeProcess => {
    const args = workerArgs(join(root, `worker-${name}`), `w-${name}-${process.pid}`, compute);
    const started = startWorkerProcess([...args, '--concurrency', '2'], { NIGHTSHIFT_LEASE_MS: '3000' });
    processes.push(started);
    return started;
  };

  const blobDatastore = async (name: string, container: string, endpoint = azurite.accountUrl) => {
    const yaml = blobDatastoreYaml(name, container, endpoint);
    const file = writeFileIn(root, `${name}.yml`, yaml);
    const result = await runCli(['datastore', 'create', '-f', file], { server: a.url });
    assert.equal(result.code, 0, result.stderr);
  };

  const upload = async (folder: string, files: Record<string, string>) => {
    for (const [file, text] of Object.entries(files)) {
      await inputs.getBlockBlobClient(`${folder}/${file}`).upload(text, Buffer.byteLength(text));
    }
  };

  const blobBody = (folder: string) => ({
    properties: {
      InputData: {
        heart_data: { JobInputType: 'UriFolder', Uri: `azureml://datastores/inblob/paths/${folder}` },
      },
    },
  });

  const deploy = async (settings: { maxRetries: number; instanceCount: number }) =>
    a.deploy({
      script: SLEEPY_SCRIPT,
      settings: { miniBatchSize: 2, maxConcurrencyPerInstance: 2, compute: 'pool', ...settings },
    });

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
    inputs = container('inputs');
    await inputs.create();
    await container('artifacts').create();
    servers = [serve('a'), serve('b')];
    a = await Nightshift.connect(await (servers[0] as ServeProcess).ready);
    b = await Nightshift.connect(await (servers[1] as ServeProcess).ready);
    await blobDatastore('artifacts', 'artifacts');
    await blobDatastore('inblob', 'inputs');
    await a.ok('PUT', `${a.ws}/computes/pool`, {
      json: { properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 3 } } } },
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
    await queue.clear();
    await azurite.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('two workers score a job of the compute; list-nodes and job show see them', async (t) => {
    const workers = [worker('one'), worker('two')];
    t.after(async () => {
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
    });
    const names = await Promise.all(workers.map((w) => w.ready));
    const files = smallFiles(40, 'w');
    await upload('jobs/two', files);
    const { scoringUri } = await deploy({ maxRetries: 0, instanceCount: 2 });
    const started = await a.start(scoringUri, blobBody('jobs/two'));
    const nodes = await waitFor(
      'both workers busy, listed through b',
      async () => (await b.ok<Nodes>('POST', `${b.ws}/computes/pool/listNodes`)).nodes,
      { until: (list) => names.every((n) => list.some((node) => node.nodeId === n)), timeoutMs: 30_000 },
    );
    assert.ok(nodes.every((n) => Number.isInteger(n.pid)));
    const job = await b.waitForJob(started.name, 60_000);
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assertEachOnce(await b.outputLines(job), Object.keys(files));
    const shown = await runCli(['job', 'show', '-n', started.name, '-o', 'table'], { server: b.url });
    assert.match(shown.stdout, /worker/i);
    const workerSeconds = (job.properties as { workerSeconds?: number }).workerSeconds ?? 0;
    assert.ok(workerSeconds >= 2, `worker-seconds ${workerSeconds}: 40 files at 0.1 s each`);
  });

  test('a worker killed mid-job: its attempts are crashes, another worker finishes, each row once', async (t) => {
    const [first, second] = [worker('k1'), worker('k2')];
    t.after(async () => {
      second.child.kill('SIGTERM');
      await second.exited;
    });
    const [killed] = await Promise.all([first.ready, second.ready]);
    const files = smallFiles(60, 'k');
    await upload('jobs/kill', files);
    const { scoringUri } = await deploy({ maxRetries: 2, instanceCount: 2 });
    const started = await a.start(scoringUri, blobBody('jobs/kill'));
    await a.waitUntil(started.name, (j) => j.properties.progress.miniBatches.succeeded >= 3, 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const job: JobView = await a.waitForJob(started.name, 90_000);
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assertEachOnce(await a.outputLines(job), Object.keys(files));
    // The script never fails: the job's first error is the lost worker's attempt, charged as a crash.
    const error = (job.properties as { error?: { code?: string; message?: string } | null }).error;
    assert.equal(error?.code, 'WorkerCrashed', JSON.stringify(error));
    assert.match(error.message ?? '', new RegExp(`Worker '${killed}' stopped heartbeating`));
  });

  test(
    "a worker on its own network and mount namespace, without the servers' disks, scores a job",
    netns,
    async (t) => {
      // Its own folder, outside `root`: inside the namespace `root` (servers' data, keys, shared dir) is gone.
      const own = mkdtempSync(join(tmpdir(), 'nightshift-netns-worker-'));
      const namespaced: { worker?: Awaited<ReturnType<typeof startWorkerInNetns>> } = {};
      // The worker first: removed while it ran, its folder was made again by its last writes (seen in /tmp).
      t.after(async () => {
        await namespaced.worker?.close();
        rmSync(own, { recursive: true, force: true });
      });
      const name = `w-netns-${process.pid}`;
      const remote = await startWorkerInNetns({
        repoDir: REPO_ROOT,
        hide: [root],
        args: workerArgs(own, name),
        env: { NIGHTSHIFT_LEASE_MS: '3000' },
      });
      namespaced.worker = remote;
      // The containers as the namespace reaches them, through a forwarder the servers reach too.
      const endpoint = await remote.host.forwardUrl(azurite.accountUrl);
      await blobDatastore('artifacts', 'artifacts', endpoint);
      // The forwarder closes with this test: later tests' workers must reach the artifacts directly again.
      t.after(() => blobDatastore('artifacts', 'artifacts'));
      await blobDatastore('netnsin', 'inputs', endpoint);
      await waitFor('the namespaced worker to join', () => Promise.resolve(remote.output()), {
        until: (text) => text.includes(`worker ${name} joined`),
        timeoutMs: 30_000,
      });
      const files = smallFiles(20, 'n');
      await upload('jobs/netns', files);
      const { scoringUri } = await deploy({ maxRetries: 0, instanceCount: 1 });
      const body = blobBody('jobs/netns');
      body.properties.InputData.heart_data.Uri = 'azureml://datastores/netnsin/paths/jobs/netns';
      const started = await a.start(scoringUri, body);
      const job = await b.waitForJob(started.name, 60_000);
      assert.equal(job.properties.status, 'Completed', `${job.properties.result ?? ''}\n${remote.output()}`);
      assertEachOnce(await b.outputLines(job), Object.keys(files));
      const nodes = (await a.ok<Nodes>('POST', `${a.ws}/computes/pool/listNodes`)).nodes;
      assert.ok(
        nodes.some((n) => n.nodeId === name),
        JSON.stringify(nodes),
      );
      // Only the namespaced worker ran, so every mini-batch is recorded under its name.
      assert.doesNotMatch(remote.output(), /cannot score the job/);
    },
  );

  test('three workers, instance_count 2: never more than two on the job; summary_only runs on workers too', async (t) => {
    const workers = [worker('s1'), worker('s2'), worker('s3')];
    t.after(async () => {
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
    });
    await Promise.all(workers.map((w) => w.ready));
    const files = smallFiles(30, 's');
    await upload('jobs/summary', files);
    const { scoringUri } = await a.deploy({
      script: SLEEPY_SCRIPT,
      settings: {
        miniBatchSize: 2,
        maxConcurrencyPerInstance: 2,
        compute: 'pool',
        maxRetries: 0,
        instanceCount: 2,
        outputAction: 'SummaryOnly',
      },
    });
    const started = await a.start(scoringUri, blobBody('jobs/summary'));
    let most = 0;
    let job: JobView | undefined;
    while (job === undefined) {
      const nodes = (await a.ok<Nodes>('POST', `${a.ws}/computes/pool/listNodes`)).nodes;
      most = Math.max(most, nodes.filter((n) => (n.runId ?? '').split(',').includes(started.name)).length);
      const now = await a.job(started.name);
      if (['Completed', 'Failed', 'Canceled'].includes(now.properties.status)) job = now;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.equal(most, 2, 'two workers served the job, the third stayed out');
    assert.equal(job.properties.progress.items.succeeded, 30);
    assert.equal((await a.outputLines(job).catch(() => [])).length, 0, 'summary_only writes no rows');
  });

  test('a job on the compute whose input is on the server disk fails at once, saying why', async () => {
    await a.uploadFiles('inputs/local-only', smallFiles(4, 'l'));
    const { scoringUri } = await deploy({ maxRetries: 0, instanceCount: 1 });
    const started = await a.start(scoringUri, folderBody('inputs/local-only'));
    const job = await a.waitForJob(started.name, 30_000);
    assert.equal(job.properties.status, 'Failed');
    assert.match(
      job.properties.result ?? '',
      /cannot read the input .* Upload it to a Blob, ADLS or S3 datastore/,
    );
  });
});
