/**
 * `npm run bench`: the figures issues #3 to #6 ask for, from one run on this machine.
 *   (a) tabular throughput: ~1 M rows × 30 floats over 20 CSV files scored by the tree-ensemble ONNX
 *       model, as a job (invoke → Completed) and as a plain single-process loop over the same files with
 *       the same reader and model; ratio job/loop for 1 and 2 workers;
 *   (b) latency from invoke to the first mini-batch starting, and to Completed, for a one-file job;
 *   (c) peak memory (server + workers) for 1× and 4× the input;
 *   (d) the Python runtime's overhead per mini-batch against the same run() in a plain Python loop;
 *   (e) a two-hour Run-BatchEndpoint polling pipeline on the virtual clock: virtual time / wall time;
 *   (f) the cost of authenticating and authorizing each call, against a server with `--auth none`;
 *   (g) 50 jobs invoked at once: peak worker processes against the cap, /healthz latency against idle;
 *   (h) the CLI's start: `--help` and `batch-endpoint show` as fresh processes (bench/cli.ts);
 *   (i) the tabular job with input and output in Azure Blob (Azurite) against a local folder, and the
 *       bytes a rerun downloads (bench/remote-data.ts).
 *   (j) Data Factory's Copy activity between two Azurite containers, as MB/s (bench/copy.ts).
 *   (k) scale-out: dispatch rate and status GET latency embedded vs PostgreSQL + BullMQ, and the
 *       2-worker job of (a) against two plain loops side by side (bench/scale-out.ts).
 *   (l) workers on other machines: the job of (a) from a container, embedded against a scaled-out server
 *       with two `nightshift worker` processes (bench/scale-out-workers.ts).
 *   (m) rerun of what failed: a 100-file job with 1% failed, then its rerun with failedOnly, as a fraction
 *       of the first run's time (bench/rerun-failed.ts).
 *   (n) one ~2 GB CSV split into row ranges, scored with 1 and 2 workers, as a ratio (bench/split-csv.ts).
 * Progress goes to stderr, one line as each section starts and ends; everything the run writes lives in
 * one scratch folder that is removed at the end (bench/progress.ts).
 * Jobs run on a server that has been up for a moment (its spare workers are warm), as clients meet it.
 * Timings are printed as figures and ratios measured in this run; nothing here asserts a threshold.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { plainLoop } from './plain-loop.ts';
import { makeCsvFolder } from './data.ts';
import { startMemorySampler } from './memory.ts';
import { createBenchClient, type BenchClient } from './client.ts';
import { pythonBench } from './python.ts';
import { virtualPipelineBench } from './pipelines.ts';
import { accessBench } from './access.ts';
import { cliBench } from './cli.ts';
import { startBenchRun } from './progress.ts';
import { capacityBench } from './capacity.ts';
import { remoteDataBench } from './remote-data.ts';
import { copyBench } from './copy.ts';
import { scaleOutBench } from './scale-out.ts';
import { workersBench } from './scale-out-workers.ts';
import { rerunFailedBench } from './rerun-failed.ts';
import { splitCsvBench } from './split-csv.ts';

// The plain loop scores in this process: onnxruntime's telemetry off here too, as in the workers.
process.env.ORT_DISABLE_TELEMETRY = '1';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const FILES = 20;
const MODEL = join(ROOT, 'fixtures/models/breast-cancer-rf');
// Before anything writes: TMPDIR points into the run's scratch folder from here on.
const bench = startBenchRun(ROOT);

async function withServer<T>(work: (client: BenchClient, app: App) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ns-bench-'));
  // The bench registers its data and model folders as local-folder datastores: the operator's allow-list.
  const roots = { NIGHTSHIFT_DATASTORE_ROOTS: `${bench.dataRoot}:${dirname(MODEL)}` };
  // warn: the figures, not the server's info lines, are the bench's output.
  const app = await createApp(loadConfig({ flags: { dataDir, port: '0', logLevel: 'warn' }, env: roots }));
  const url = await app.start();
  // Measure a running server, as clients meet it: its spare workers have finished warming up.
  await sleep(1500);
  try {
    return await work(await createBenchClient(url, MODEL, (job) => app.scheduler.ended(job), dataDir), app);
  } finally {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

const REPEATS = 3;

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
}

async function jobMs(folder: string, workers: number): Promise<number> {
  return withServer(async (client) => {
    await client.deploy(`bench-w${workers}`, { maxConcurrencyPerInstance: workers, miniBatchSize: 1 });
    return (await client.runJob(`bench-w${workers}`, folder)).totalMs;
  });
}

async function throughput(folder: string, files: string[]): Promise<void> {
  console.log(
    `\n(a) Tabular throughput: ${ROWS.toLocaleString()} rows × 30 floats in ${FILES} CSV files, random-forest ONNX model` +
      ` (median of ${REPEATS} interleaved runs)`,
  );
  // Interleaved so that a noisy moment on the machine hits every variant alike.
  const runs = { loop: [] as number[], one: [] as number[], two: [] as number[] };
  for (let r = 0; r < REPEATS; r++) {
    runs.loop.push(await plainLoop(folder, files, MODEL));
    runs.one.push(await jobMs(folder, 1));
    runs.two.push(await jobMs(folder, 2));
  }
  const loop = median(runs.loop);
  const rate = (ms: number) => Math.round(ROWS / (ms / 1000)).toLocaleString();
  console.log(`  plain single-process loop       ${fmt(loop)}  ${rate(loop)} rows/s`);
  for (const [label, ms] of [
    ['1 worker ', median(runs.one)],
    ['2 workers', median(runs.two)],
  ] as const) {
    console.log(
      `  job, ${label}                 ${fmt(ms)}  ${rate(ms)} rows/s  = ${(loop / ms).toFixed(2)}× the plain loop`,
    );
  }
}

async function latency(folder: string): Promise<void> {
  console.log('\n(b) Latency, one-file job (median of 5)');
  await withServer(async (client) => {
    await client.deploy('bench-latency', { maxConcurrencyPerInstance: 1, miniBatchSize: 1 });
    const first: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await client.runJob('bench-latency', folder, `part-000.csv`);
      first.push(r.firstMiniBatchMs);
      total.push(r.totalMs);
    }
    console.log(`  invoke → first mini-batch started  ${median(first).toFixed(0)} ms`);
    console.log(`  invoke → Completed                 ${median(total).toFixed(0)} ms`);
  });
}

async function memory(dataRoot: string): Promise<void> {
  const per = Math.max(1000, Math.floor(ROWS / 4 / FILES));
  console.log(`\n(c) Peak memory (server + workers), 2 workers`);
  const peaks: number[] = [];
  for (const scale of [1, 4]) {
    const folder = await makeCsvFolder(dataRoot, 'mem', FILES, per * scale, ROOT);
    const peak = await withServer(async (client) => {
      await client.deploy('bench-mem', { maxConcurrencyPerInstance: 2, miniBatchSize: 1 });
      const sampler = startMemorySampler(process.pid);
      await client.runJob('bench-mem', folder);
      return sampler.stop();
    });
    peaks.push(peak);
    console.log(
      `  ${scale}× input (${(per * scale * FILES).toLocaleString()} rows): peak ${(peak / 1048576).toFixed(0)} MiB`,
    );
  }
  console.log(`  4× / 1× peak = ${((peaks[1] ?? 0) / (peaks[0] ?? 1)).toFixed(2)}`);
}

try {
  const folder = await bench.step('generating the tabular input', () =>
    makeCsvFolder(bench.dataRoot, 'tabular', FILES, Math.floor(ROWS / FILES), ROOT),
  );
  const files = Array.from({ length: FILES }, (_, f) => `part-${String(f).padStart(3, '0')}.csv`);
  await bench.section('(a) tabular throughput', () => throughput(folder, files));
  await bench.section('(b) latency', () => latency(folder));
  await bench.section('(c) peak memory', () => memory(bench.dataRoot));
  await bench.section('(d) Python runtime overhead', pythonBench);
  await bench.section('(e) virtual-clock pipeline', virtualPipelineBench);
  await bench.section('(f) cost of access control', accessBench);
  await bench.section('(g) capacity', () => capacityBench(ROOT, MODEL, bench.dataRoot));
  await bench.section('(h) CLI start', cliBench);
  await bench.section('(i) jobs over Azure Blob', () => remoteDataBench(folder, MODEL, ROWS));
  await bench.section('(j) Copy activity', copyBench);
  await bench.section('(k) scale-out', () =>
    scaleOutBench({
      dataRoot: bench.dataRoot,
      model: MODEL,
      tabular: { folder, files, rows: ROWS, twoWorkerJobMs: () => jobMs(folder, 2) },
    }),
  );
  await bench.section('(l) workers on other machines', () => workersBench(folder, MODEL, ROWS));
  await bench.section('(m) rerun of what failed', async () => {
    await rerunFailedBench({ root: ROOT, model: MODEL, rows: ROWS });
    // A larger first run, so the rerun's fixed costs weigh less (BENCH_RERUN_ROWS=0 leaves it out).
    const larger = Number(process.env.BENCH_RERUN_ROWS ?? 10_000_000);
    if (larger > 0) await rerunFailedBench({ root: ROOT, model: MODEL, rows: larger });
  });
  await bench.section('(n) one big CSV split into row ranges', () =>
    splitCsvBench({ dataRoot: bench.dataRoot, repoRoot: ROOT, withServer }),
  );
} finally {
  bench.finish();
}
