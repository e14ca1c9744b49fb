/**
 * (i) Jobs over a remote datastore: the tabular job of (a) with its input folder and its output in Azure
 * Blob containers (an in-memory Azurite on this machine) against the same job on the local folder, on
 * servers with the same settings, interleaved, as a throughput ratio (the goal is at least 0.8×); then
 * the same Blob job run again on the same server, where the input cache should serve every file: the
 * bytes it downloaded (the goal is 0), and its throughput against the local job.
 *
 * On a two-core machine the emulator, the downloads and the two scoring workers share the cores, so the
 * cold job cannot beat `local + download CPU / 2`. The bench measures that CPU in the same run (the
 * input fetched alone through the server's cache: this process's CPU time and Azurite's, from /proc) and
 * prints the ceiling it implies beside the cold ratio.
 */
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { blobDatastoreOver } from '../src/storage/azure-blob/azure-blob.ts';
import { containerClientOf } from '../src/storage/azure-blob/connection.ts';
import { createInputCache } from '../src/storage/cache/input-cache.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../test/helpers/azurite.ts';
import { createBenchClient, type BenchClient } from './client.ts';

const REPEATS = 3;
const WORKERS = 2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export const connectionTo = (azurite: Azurite) => ({
  accountName: DEV_ACCOUNT,
  endpoint: azurite.accountUrl,
  credential: { accountKey: DEV_KEY },
});

export async function uploadFolder(azurite: Azurite, folder: string): Promise<number> {
  const connection = connectionTo(azurite);
  const input = containerClientOf({ ...connection, containerName: 'bench-in' });
  await input.create();
  await containerClientOf({ ...connection, containerName: 'bench-out' }).create();
  let bytes = 0;
  for (const file of (await readdir(folder)).sort()) {
    const body = await readFile(join(folder, file));
    bytes += body.length;
    await input.getBlockBlobClient(`tabular/${file}`).uploadData(body);
  }
  return bytes;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); 0 where that cannot be read. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields =
      readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
        .split(') ')[1]
        ?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * What downloading the input costs on its own: the files fetched through an input cache, two at a time
 * as the two workers would, with nothing else running. CPU is this process's (the server's side) and
 * the emulator's.
 */
async function downloadCost(azurite: Azurite, folder: string): Promise<{ ms: number; cpu: number }> {
  const backend = blobDatastoreOver(
    containerClientOf({ ...connectionTo(azurite), containerName: 'bench-in' }),
  );
  const dir = await mkdtemp(join(tmpdir(), 'ns-bench-cache-'));
  const cache = createInputCache({ dir, maxBytes: Number.MAX_SAFE_INTEGER });
  const queue = (await readdir(folder)).sort().map((file) => `tabular/${file}`);
  const own = process.cpuUsage();
  const emulator = processCpuSeconds(azurite.pid);
  const started = performance.now();
  const fetchAll = async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      await cache.fetch({ store: 'bench', datastore: 'benchin', backend, path });
    }
  };
  await Promise.all([fetchAll(), fetchAll()]);
  const ms = performance.now() - started;
  const used = process.cpuUsage(own);
  const cpu = (used.user + used.system) / 1e6 + processCpuSeconds(azurite.pid) - emulator;
  await rm(dir, { recursive: true, force: true });
  return { ms, cpu };
}

/** Registers each [datastore, container] pair as a Blob datastore of the emulator, with its key. */
export async function putBlobDatastores(
  client: BenchClient,
  azurite: Azurite,
  pairs: readonly (readonly [string, string])[],
): Promise<void> {
  for (const [name, container] of pairs) {
    await client.putDatastore(name, {
      datastoreType: 'AzureBlob',
      accountName: DEV_ACCOUNT,
      containerName: container,
      endpoint: azurite.accountUrl,
      credentials: { credentialsType: 'AccountKey', secrets: { key: DEV_KEY } },
    });
  }
}

/** A fresh server (so a cold cache) with the bench's deployment and the two Blob datastores. */
async function withServer<T>(
  azurite: Azurite,
  model: string,
  roots: string,
  work: (client: BenchClient, app: App) => Promise<T>,
): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ns-bench-remote-'));
  const env = { NIGHTSHIFT_DATASTORE_ROOTS: roots };
  const app = await createApp(loadConfig({ flags: { dataDir, port: '0', logLevel: 'warn' }, env }));
  const url = await app.start();
  // As in (a): measure a running server whose spare workers have warmed up.
  await sleep(1500);
  try {
    const client = await createBenchClient(url, model, (job) => app.scheduler.ended(job), dataDir);
    await client.deploy('bench-remote', { maxConcurrencyPerInstance: WORKERS, miniBatchSize: 1 });
    await putBlobDatastores(client, azurite, [
      ['benchin', 'bench-in'],
      ['benchout', 'bench-out'],
    ]);
    return await work(client, app);
  } finally {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

const BLOB_INPUT = 'azureml://datastores/benchin/paths/tabular';
const out = (run: string) => `azureml://datastores/benchout/paths/${run}/predictions.csv`;

export async function remoteDataBench(folder: string, model: string, rows: number): Promise<void> {
  console.log(
    `\n(i) Jobs over Azure Blob (Azurite): the ${rows.toLocaleString()}-row tabular job, ${String(WORKERS)} workers, input and output in containers against a local folder (median of ${String(REPEATS)} interleaved runs)`,
  );
  const azurite = await startAzurite();
  try {
    const bytes = await uploadFolder(azurite, folder);
    const roots = `${folder}:${dirname(model)}`;
    const cost = await downloadCost(azurite, folder);
    const runs = { local: [] as number[], blob: [] as number[], rerun: [] as number[] };
    let rerun = { ms: 0, downloaded: 0, firstDownloaded: 0 };
    for (let r = 0; r < REPEATS; r++) {
      runs.local.push(
        await withServer(
          azurite,
          model,
          roots,
          async (client) => (await client.runJob('bench-remote', folder)).totalMs,
        ),
      );
      const blob = await withServer(azurite, model, roots, async (client, app) => {
        const first = await client.runJobBetween('bench-remote', BLOB_INPUT, out(`cold-${String(r)}`));
        const firstDownloaded = app.scheduler.cache.totals().bytes;
        // As at start: the spare workers refill once no job runs; the rerun meets them warm.
        await sleep(1500);
        const again = await client.runJobBetween('bench-remote', BLOB_INPUT, out(`warm-${String(r)}`));
        const downloaded = app.scheduler.cache.totals().bytes - firstDownloaded;
        return { ms: first.totalMs, rerun: { ms: again.totalMs, downloaded, firstDownloaded } };
      });
      runs.blob.push(blob.ms);
      runs.rerun.push(blob.rerun.ms);
      rerun = blob.rerun;
    }
    const local = median(runs.local);
    const blob = median(runs.blob);
    const warm = median(runs.rerun);
    const ceiling = local + (cost.cpu * 1000) / WORKERS;
    const rate = (ms: number) => Math.round(rows / (ms / 1000)).toLocaleString();
    const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
    console.log(`  local folder → local folder     ${(local / 1000).toFixed(2)} s  ${rate(local)} rows/s`);
    console.log(
      `  Blob → Blob, cold cache         ${(blob / 1000).toFixed(2)} s  ${rate(blob)} rows/s  = ${(local / blob).toFixed(2)}× the local job (goal ≥ 0.8×)`,
    );
    console.log(`  downloaded by the cold job      ${mb(rerun.firstDownloaded)} (input ${mb(bytes)})`);
    console.log(
      `  the download alone              ${(cost.ms / 1000).toFixed(2)} s, ${cost.cpu.toFixed(2)} CPU s (server + Azurite): the cold job's ceiling on ${String(WORKERS)} cores is ${(local / ceiling).toFixed(2)}×`,
    );
    console.log(
      `  Blob rerun on the same server   ${(warm / 1000).toFixed(2)} s  ${rate(warm)} rows/s  = ${(local / warm).toFixed(2)}× the local job (goal ≥ 0.8×), downloaded ${String(rerun.downloaded)} bytes (goal 0)`,
    );
  } finally {
    await azurite.stop();
  }
}
