/**
 * `npm run chaos [TRIALS]`: nothing lost, nothing doubled, whatever dies. Two `nightshift serve`
 * processes scaled out on a PostgreSQL database of the run's own and a private `redis-server` (so Redis
 * can be killed without touching anyone else's), sharing a keys dir and a shared dir, with an Azurite
 * container as their artifact store, and three `nightshift worker` processes on the compute `pool`. Each
 * trial invokes a job of 40 one-line files through a random server, alternately on the servers' own pools
 * (compute local, input on the shared dir) and on the workers (compute pool, input in Azurite), and at a
 * random moment while it runs does one random harm: kill -9 one server or one worker (started again a
 * moment later), kill Redis and start it again empty, or cut every PostgreSQL connection and refuse new
 * ones for a few seconds. The job must Complete with each input in its output exactly once. Prints one
 * line a trial, then `trials passed N/N, rows lost L, rows doubled D`, and exits non-zero unless every
 * trial passed. Needs PostgreSQL (NIGHTSHIFT_TEST_DATABASE_URL, default
 * postgresql://postgres@127.0.0.1:5432/test) and Debian's redis-server.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ContainerClient } from '@azure/storage-blob';
import { containerClientOf } from '../src/storage/azure-blob/connection.ts';
import {
  blobDatastoreYaml,
  DEV_ACCOUNT,
  DEV_KEY,
  startAzurite,
  type Azurite,
} from '../test/helpers/azurite.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli, startServeProcess, startWorkerProcess, type ServeProcess } from '../test/helpers/cli.ts';
import { folderBody, Nightshift, smallFiles, type JobView } from '../test/helpers/jobs.ts';
import { startPrivateRedis, type PrivateRedis } from '../test/helpers/redis.ts';
import {
  adminQuery,
  createTestDatabase,
  SLEEPY_SCRIPT,
  type TestDatabase,
} from '../test/helpers/scale-out.ts';

const TRIALS = Number(process.argv[2] ?? process.env.CHAOS_TRIALS ?? 20);
const FILES = 40;
const HARMS = ['kill server a', 'kill server b', 'restart Redis empty', 'cut PostgreSQL'] as const;
const WORKER_HARMS = ['kill worker 1', 'kill worker 2', 'kill worker 3'] as const;
type Harm = (typeof HARMS)[number] | (typeof WORKER_HARMS)[number];
const LEASE_MS = 2000;
// CHAOS_HARMS='kill server a,kill server b' narrows the harms drawn, to chase one kind of failure.
const ONLY_HARMS = process.env.CHAOS_HARMS?.split(',').map((h) => h.trim());

const random = (min: number, max: number) => min + Math.random() * (max - min);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

interface Cluster {
  root: string;
  database: TestDatabase;
  redis: PrivateRedis;
  azurite: Azurite;
  inputs: ContainerClient;
  servers: Map<'a' | 'b', { process: ServeProcess; client: Nightshift }>;
  workers: Map<string, ServeProcess>;
}

/** A worker as on another machine: its own work dir and a copy of the secret-box key. */
async function startWorker(cluster: Cluster, name: string): Promise<void> {
  const own = join(cluster.root, `worker-${name}`);
  mkdirSync(join(own, 'keys'), { recursive: true });
  copyFileSync(join(cluster.root, 'keys', 'secret-box.key'), join(own, 'keys', 'secret-box.key'));
  const worker = startWorkerProcess(
    [
      ...['--database', cluster.database.url, '--queue', cluster.redis.url],
      ...['--keys-dir', join(own, 'keys'), '--work-dir', join(own, 'work'), '--compute', 'pool'],
      ...['--concurrency', '2', '--name', `chaos-${name}-${String(process.pid)}`],
    ],
    { NIGHTSHIFT_LEASE_MS: String(LEASE_MS) },
  );
  await worker.ready;
  cluster.workers.set(name, worker);
  void worker.exited.then((exit) => {
    if (cluster.workers.get(name) !== worker) return;
    cluster.workers.delete(name);
    const tail = exit.stderr.trim().split('\n').slice(-15).join('\n');
    console.log(`worker ${name} ended by itself (${String(exit.code ?? exit.signal)}):\n${tail}`);
  });
}

async function startServer(cluster: Cluster, name: 'a' | 'b'): Promise<void> {
  const { root } = cluster;
  const process = startServeProcess(join(root, name), [
    ...['--database', cluster.database.url, '--queue', cluster.redis.url],
    ...['--keys-dir', join(root, 'keys'), '--shared-dir', join(root, 'shared')],
    ...['--artifact-store', 'artifacts'],
    ...['--config', join(root, 'config.json'), '--log-format', 'json'],
  ]);
  const client = await Nightshift.connect(await process.ready);
  const entry = { process, client };
  cluster.servers.set(name, entry);
  // A server that ends without being killed by a harm is a finding: say why, and run on without it.
  void process.exited.then((exit) => {
    if (cluster.servers.get(name) !== entry) return;
    cluster.servers.delete(name);
    const tail = exit.stderr.trim().split('\n').slice(-15).join('\n');
    console.log(`server ${name} ended by itself (${String(exit.code ?? exit.signal)}):\n${tail}`);
  });
}

/** A client of a live server, the other one when one is down. */
function anyClient(cluster: Cluster): Nightshift {
  const live = [...cluster.servers.values()];
  return pick(live).client;
}

async function harm(cluster: Cluster, what: Harm): Promise<void> {
  if (what === 'restart Redis empty') {
    await cluster.redis.kill();
    await sleep(random(200, 1500));
    await cluster.redis.restart();
  } else if (what === 'cut PostgreSQL') {
    const { name } = cluster.database;
    await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    await sleep(random(500, 3000));
    await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  } else if (what.startsWith('kill worker')) {
    const name = what.slice(-1);
    const worker = cluster.workers.get(name);
    if (!worker) return;
    cluster.workers.delete(name);
    worker.child.kill('SIGKILL');
    await worker.exited;
    await sleep(random(200, 2000));
    await startWorker(cluster, name);
  } else {
    const name = what === 'kill server a' ? 'a' : 'b';
    const server = cluster.servers.get(name);
    if (!server) return;
    cluster.servers.delete(name);
    server.process.child.kill('SIGKILL');
    await server.process.exited;
    await sleep(random(200, 2000));
    await startServer(cluster, name);
  }
}

/** Polls any live server until the job ends (a server may die while it is asked). */
async function ended(cluster: Cluster, job: string, timeoutMs: number): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const view = await anyClient(cluster).job(job);
      if (['Completed', 'Failed', 'Canceled'].includes(view.properties.status)) return view;
    } catch {
      // That server went away between the pick and the call: ask again.
    }
    if (Date.now() > deadline) throw new Error(`job ${job} did not end within ${String(timeoutMs / 1000)} s`);
    await sleep(250);
  }
}

/** Odd trials run on the servers' own pools, even ones on the workers. */
async function trial(cluster: Cluster, n: number, endpoints: { local: string; pool: string }) {
  const files = smallFiles(FILES, `t${String(n)}-`);
  const client = anyClient(cluster);
  const onWorkers = n % 2 === 0;
  const folder = `chaos/t${String(n)}`;
  let body: unknown;
  if (onWorkers) {
    for (const [file, text] of Object.entries(files)) {
      await cluster.inputs.getBlockBlobClient(`${folder}/${file}`).upload(text, Buffer.byteLength(text));
    }
    body = {
      properties: {
        InputData: { in: { JobInputType: 'UriFolder', Uri: `azureml://datastores/inblob/paths/${folder}` } },
      },
    };
  } else {
    await client.uploadFiles(folder, files);
    body = folderBody(folder);
  }
  const started = Date.now();
  // The path only: the URL names the server the endpoint was made through, which may have moved port.
  const scoringUri = onWorkers ? endpoints.pool : endpoints.local;
  const job = await client.start(new URL(scoringUri).pathname, body);
  const at = random(300, 3000);
  await sleep(at);
  const harms = (onWorkers ? [...HARMS, ...WORKER_HARMS] : [...HARMS]).filter(
    (h) => ONLY_HARMS === undefined || ONLY_HARMS.includes(h),
  );
  const what = pick<Harm>(harms.length > 0 ? harms : HARMS);
  await harm(cluster, what);
  const view = await ended(cluster, job.name, 180_000);
  const lines = view.properties.status === 'Completed' ? await anyClient(cluster).outputLines(view) : [];
  const seen = new Map<string, number>();
  for (const line of lines) seen.set(line, (seen.get(line) ?? 0) + 1);
  const lost = Object.keys(files).filter((name) => !seen.has(name)).length;
  const doubled = [...seen.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
  const ok = view.properties.status === 'Completed' && lost === 0 && doubled === 0;
  const took = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `trial ${String(n)}/${String(TRIALS)} (${onWorkers ? 'workers' : 'servers'}): ${what} at ${(at / 1000).toFixed(1)} s → ${view.properties.status}, ` +
      `${String(lines.length)} rows, lost ${String(lost)}, doubled ${String(doubled)} (${took} s)${ok ? '' : '  FAILED'}`,
  );
  if (!ok) {
    // What the job says of itself: the reason it ended and its first error, to find the cause by.
    const { result, error } = view.properties as { result?: string | null; error?: unknown };
    console.log(`  result: ${result ?? ''}\n  first error: ${JSON.stringify(error ?? null)}`);
  }
  return { ok, lost, doubled };
}

/** The datastores, the compute and the two endpoints (one per compute); resolves with their scoring URIs. */
async function setUpComputes(cluster: Cluster): Promise<{ local: string; pool: string }> {
  const client = anyClient(cluster);
  for (const [name, container] of [
    ['artifacts', 'artifacts'],
    ['inblob', 'inputs'],
  ] as const) {
    const yaml = blobDatastoreYaml(name, container, cluster.azurite.accountUrl);
    const file = join(cluster.root, `${name}.yml`);
    writeFileSync(file, yaml);
    const made = await runCli(['datastore', 'create', '-f', file], { server: client.url });
    if (made.code !== 0) throw new Error(`datastore ${name}: ${made.stderr}`);
  }
  await client.ok('PUT', `${client.ws}/computes/pool`, {
    json: { properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 3 } } } },
  });
  const local = await client.deploy({
    script: SLEEPY_SCRIPT,
    settings: { miniBatchSize: 2, maxConcurrencyPerInstance: 2, maxRetries: 0 },
  });
  // A killed worker's attempts count as crashes, so jobs on the workers need retries to Complete.
  const pool = await client.deploy({
    script: SLEEPY_SCRIPT,
    settings: {
      miniBatchSize: 2,
      maxConcurrencyPerInstance: 2,
      maxRetries: 5,
      instanceCount: 3,
      compute: 'pool',
    },
  });
  return { local: local.scoringUri, pool: pool.scoringUri };
}

async function main(): Promise<boolean> {
  const root = mkdtempSync(join(tmpdir(), 'nightshift-chaos-'));
  writeFileSync(join(root, 'config.json'), JSON.stringify({ leaseMs: LEASE_MS }));
  const azurite = await startAzurite();
  const container = (name: string) =>
    containerClientOf({
      accountName: DEV_ACCOUNT,
      containerName: name,
      endpoint: azurite.accountUrl,
      credential: { accountKey: DEV_KEY },
    });
  const cluster: Cluster = {
    root,
    database: await createTestDatabase(),
    redis: await startPrivateRedis(),
    azurite,
    inputs: container('inputs'),
    servers: new Map(),
    workers: new Map(),
  };
  try {
    await cluster.inputs.create();
    await container('artifacts').create();
    await startServer(cluster, 'a');
    await startServer(cluster, 'b');
    const endpoints = await setUpComputes(cluster);
    for (const name of ['1', '2', '3']) await startWorker(cluster, name);
    let passed = 0;
    let lost = 0;
    let doubled = 0;
    for (let n = 1; n <= TRIALS; n++) {
      const result = await trial(cluster, n, endpoints);
      if (result.ok) passed++;
      lost += result.lost;
      doubled += result.doubled;
    }
    console.log(
      `trials passed ${String(passed)}/${String(TRIALS)}, rows lost ${String(lost)}, rows doubled ${String(doubled)}`,
    );
    return passed === TRIALS;
  } finally {
    for (const [name, worker] of [...cluster.workers]) {
      cluster.workers.delete(name);
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    for (const [name, { process }] of [...cluster.servers]) {
      cluster.servers.delete(name);
      process.child.kill('SIGTERM');
      await process.exited;
    }
    await cluster.redis.kill();
    await cluster.database.drop();
    await azurite.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

process.exitCode = (await main()) ? 0 : 1;
