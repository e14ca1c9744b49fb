/**
 * (l) Workers on other machines (issue 13, item 8(b)): the tabular job of (a), N rows, scored by 2
 * workers, embedded (the server's own pool, 2 processes) against scaled out (a server on PostgreSQL and
 * Redis driving the job, and 2 `nightshift worker --concurrency 1` processes that get the model from an
 * artifact store and put their parts there), interleaved, median of 3 each, as a ratio of times (goal
 * ≥ 0.9×). Workers read only through datastores, so both modes read the same input from a container of
 * an in-memory Azurite, and both write the output to the server's built-in datastore: the ratio is the
 * cost of the scale-out machinery (the store and queue round trips, the part uploads, the driver's
 * polling), not of the storage. Every server and worker starts fresh (cold caches) each run. A run's time
 * is from the invoke to the job's recorded end, when a caller polling it sees Completed; the time until
 * the server is done with it (a scaled-out job's parts removed from the artifact store) is printed beside.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startWorkerProcess, type ServeProcess } from '../test/helpers/cli.ts';
import { startAzurite, type Azurite } from '../test/helpers/azurite.ts';
import { containerClientOf } from '../src/storage/azure-blob/connection.ts';
import { createBenchClient } from './client.ts';
import { connectionTo, putBlobDatastores, uploadFolder } from './remote-data.ts';
import { createScaleOutBackends, scaleOutUnavailable } from './scale-out-backends.ts';

// Five, not three: on a two-core machine one run in three or four is off by 10–20% either way.
const REPEATS = Number(process.env.BENCH_WORKERS_REPEATS ?? 5);
const WORKERS = 2;
const BLOB_INPUT = 'azureml://datastores/benchin/paths/tabular';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** One job on a fresh server: embedded, or scaled out with its two workers; resolves with its time. */
async function runOnce(
  azurite: Azurite,
  model: string,
  roots: string,
  scaled: boolean,
): Promise<{ totalMs: number; completedMs: number; firstMiniBatchMs: number; workerSeconds: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ns-bench-workers-'));
  const backends = scaled ? await createScaleOutBackends() : undefined;
  const flags = {
    dataDir,
    port: '0',
    logLevel: 'warn',
    ...(backends ? { database: backends.database, queue: backends.queue, artifactStore: 'benchart' } : {}),
  };
  const app = await createApp(loadConfig({ flags, env: { NIGHTSHIFT_DATASTORE_ROOTS: roots } }));
  const workers: ServeProcess[] = [];
  try {
    const url = await app.start();
    const client = await createBenchClient(url, model, (job) => app.scheduler.ended(job), dataDir);
    await putBlobDatastores(client, azurite, [
      ['benchin', 'bench-in'],
      ['benchart', 'bench-art'],
    ]);
    await client.putCompute('bench-pool', WORKERS);
    await client.deploy('bench-workers', {
      miniBatchSize: 1,
      ...(scaled
        ? {
            compute: 'azureml:bench-pool',
            resources: { instanceCount: WORKERS },
            maxConcurrencyPerInstance: 1,
          }
        : { maxConcurrencyPerInstance: WORKERS }),
    });
    if (backends) {
      for (let i = 0; i < WORKERS; i++) {
        workers.push(
          startWorkerProcess([
            ...['--database', backends.database, '--queue', backends.queue, '--keys-dir', dataDir],
            ...['--work-dir', join(dataDir, `worker-${String(i)}`), '--compute', 'bench-pool'],
            ...['--concurrency', '1', '--log-level', 'warn'],
          ]),
        );
      }
      await Promise.all(workers.map((w) => w.ready));
    }
    // As in (a): a server (and its workers) that has been up for a moment.
    await sleep(1500);
    const output = `azureml://datastores/workspaceblobstore/paths/bench-workers/${String(Date.now())}/predictions.csv`;
    const run = await client.runJobBetween('bench-workers', BLOB_INPUT, output);
    return { ...run, workerSeconds: await client.workerSeconds(run.name) };
  } finally {
    for (const worker of workers) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await app.stop();
    await backends?.remove();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

export async function workersBench(folder: string, model: string, rows: number): Promise<void> {
  console.log(
    `\n(l) Workers on other machines: the ${rows.toLocaleString()}-row tabular job from a container, ${String(WORKERS)} workers, embedded vs scaled out with ${String(WORKERS)} \`nightshift worker\` processes (median of ${String(REPEATS)} interleaved runs)`,
  );
  const missing = await scaleOutUnavailable();
  if (missing !== undefined) {
    console.log(`  skipped: ${missing}`);
    return;
  }
  const azurite = await startAzurite();
  try {
    await uploadFolder(azurite, folder);
    await containerClientOf({ ...connectionTo(azurite), containerName: 'bench-art' }).create();
    const roots = `${folder}:${dirname(model)}`;
    const runs = { embedded: [] as number[], scaled: [] as number[] };
    const released = { embedded: [] as number[], scaled: [] as number[] };
    const firsts = { embedded: [] as number[], scaled: [] as number[] };
    const cost = { embedded: [] as number[], scaled: [] as number[] };
    for (let r = 0; r < REPEATS; r++) {
      for (const mode of ['embedded', 'scaled'] as const) {
        const run = await runOnce(azurite, model, roots, mode === 'scaled');
        runs[mode].push(run.completedMs);
        released[mode].push(run.totalMs);
        firsts[mode].push(run.firstMiniBatchMs);
        cost[mode].push(run.workerSeconds);
      }
    }
    const embedded = median(runs.embedded);
    const scaled = median(runs.scaled);
    const rate = (ms: number) => Math.round(rows / (ms / 1000)).toLocaleString();
    console.log(
      `  embedded, the server's 2 processes     ${(embedded / 1000).toFixed(2)} s  ${rate(embedded)} rows/s`,
    );
    console.log(
      `  scaled out, 2 nightshift workers       ${(scaled / 1000).toFixed(2)} s  ${rate(scaled)} rows/s  = ${(embedded / scaled).toFixed(2)}× embedded (goal ≥ 0.9×)`,
    );
    console.log(
      `  worker-seconds (attempts' time)       embedded ${median(cost.embedded).toFixed(1)} s, scaled out ${median(cost.scaled).toFixed(1)} s`,
    );
    console.log(
      `  invoke → first attempt started     embedded ${String(Math.round(median(firsts.embedded)))} ms, scaled out ${String(Math.round(median(firsts.scaled)))} ms`,
    );
    console.log(
      `  invoke → server done with the job  embedded ${(median(released.embedded) / 1000).toFixed(2)} s, scaled out ${(median(released.scaled) / 1000).toFixed(2)} s`,
    );
    console.log(
      `  runs, invoke → Completed (ms): embedded ${runs.embedded.map(Math.round).join(', ')}; scaled ${runs.scaled.map(Math.round).join(', ')}`,
    );
  } finally {
    await azurite.stop();
  }
}
