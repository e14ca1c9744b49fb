/**
 * (n) One big CSV split into row ranges: a file of about 2 GB (BENCH_SPLIT_MB, 2048 by default; 200
 * gives a run of a few minutes), generated here from the breast-cancer sample and removed at the end,
 * scored by a deployment whose `mini_batch_size` is a size (the file in about 32 ranges) with 1 and 2
 * workers (max_concurrency_per_instance), each run on a fresh server, interleaved BENCH_SPLIT_REPEATS
 * times (3). Printed: the median time from invoke to Completed for each (the one pass that finds the
 * cuts at invoke included), the pass alone, the ratio 2 workers / 1 worker (the goal is about 0.5), and
 * the machine's load average, since two workers halve the time only on two free cores; and, as the
 * same run's baseline, the ratio for the same rows in two files of half the size scored whole.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseSplitSize } from '../src/core/row-ranges.ts';
import { splitIntoMiniBatches } from '../src/engine/split/split-input.ts';
import { createLocalFolderDatastore } from '../src/storage/local/local-folder.ts';
import type { BenchClient } from './client.ts';

type WithServer = <T>(work: (client: BenchClient) => Promise<T>) => Promise<T>;

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * Writes `bytes` (about) of CSV: a block of noisy sample rows is made once and written again and again,
 * so generating 2 GB costs the disk's time, not the formatting of 300 million numbers.
 */
async function writeBigCsv(path: string, bytes: number, repoRoot: string): Promise<number> {
  const sample = readFileSync(join(repoRoot, 'fixtures/data/breast-cancer/part-0.csv'), 'utf8')
    .trim()
    .split('\n');
  const base = sample.slice(1).map((line) => line.split(',').map(Number));
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines: string[] = [];
  for (let size = 0; size < 8 << 20;) {
    const row = base[Math.floor(random() * base.length)] ?? [];
    const line = row.map((v) => (v * (0.9 + random() * 0.2)).toPrecision(5)).join(',') + '\n';
    lines.push(line);
    size += line.length;
  }
  const block = lines.join('');
  const out = createWriteStream(path);
  out.write(`${sample[0] ?? ''}\n`);
  let rows = 0;
  for (let written = 0; written < bytes; written += block.length) {
    rows += lines.length;
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

/**
 * Invoke → Completed of a job over `folder` with 1 and 2 workers, each on a fresh server, interleaved so
 * that a noisy moment on a shared machine hits both alike; the medians.
 */
async function jobTimes(
  withServer: WithServer,
  folder: string,
  miniBatchSize: number | string,
): Promise<{ one: number; two: number; runs: string }> {
  const repeats = Number(process.env.BENCH_SPLIT_REPEATS ?? 3);
  const times: [number[], number[]] = [[], []];
  for (let r = 0; r < repeats; r++) {
    for (const workers of [1, 2]) {
      const ms = await withServer(async (client) => {
        const endpoint = `split-w${workers}`;
        await client.deploy(endpoint, { maxConcurrencyPerInstance: workers, miniBatchSize });
        return (await client.runJob(endpoint, folder)).totalMs;
      });
      times[workers - 1]?.push(ms);
    }
  }
  const seconds = (xs: number[]) => xs.map((t) => (t / 1000).toFixed(1)).join(', ');
  return {
    one: median(times[0]),
    two: median(times[1]),
    runs: `1 worker: ${seconds(times[0])} s; 2 workers: ${seconds(times[1])} s`,
  };
}

/** The machine's figure for the same rows: two files of half the size, each one whole mini-batch. */
async function baseline(options: Options, mb: number): Promise<{ one: number; two: number; runs: string }> {
  const folder = join(options.dataRoot, 'split-csv-baseline');
  await mkdir(folder, { recursive: true });
  try {
    for (const part of [0, 1])
      await writeBigCsv(join(folder, `part-${part}.csv`), (mb / 2) * 1048576, options.repoRoot);
    return await jobTimes(options.withServer, folder, 1);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

interface Options {
  dataRoot: string;
  repoRoot: string;
  withServer: WithServer;
}

export async function splitCsvBench(options: Options): Promise<void> {
  const mb = Number(process.env.BENCH_SPLIT_MB ?? 2048);
  const folder = join(options.dataRoot, 'split-csv');
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'big.csv');
  let split: { one: number; two: number; runs: string };
  try {
    const rows = await writeBigCsv(file, mb * 1024 * 1024, options.repoRoot);
    const size = (await stat(file)).size;
    const range = `${Math.max(1, Math.round(mb / 32))}MB`;
    const cut = parseSplitSize(range);
    if (cut === undefined) throw new Error(`bad split ${range}`);
    const started = performance.now();
    const store = createLocalFolderDatastore(folder);
    const { batches } = await splitIntoMiniBatches(store, [{ path: 'big.csv', size }], cut);
    const scanMs = performance.now() - started;
    console.log(
      `\n(n) One CSV of ${(size / 1048576).toFixed(0)} MiB (${rows.toLocaleString()} rows × 30 floats), ` +
        `mini_batch_size "${range}": ${batches.length} row ranges (medians of interleaved runs)`,
    );
    console.log(
      `  cuts and sha256 (one pass at invoke)       ${fmt(scanMs)}  ${(size / 1048576 / (scanMs / 1000)).toFixed(0)} MiB/s`,
    );
    split = await jobTimes(options.withServer, folder, range);
    console.log(
      `  split, invoke → Completed, 1 worker        ${fmt(split.one)}  ${Math.round(rows / (split.one / 1000)).toLocaleString()} rows/s`,
    );
    console.log(
      `  split, invoke → Completed, 2 workers       ${fmt(split.two)}  ${Math.round(rows / (split.two / 1000)).toLocaleString()} rows/s`,
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  const base = await baseline(options, mb);
  // Two workers can halve the time only on two free cores: the baseline and the load say how free they were.
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(`  runs: split ${split.runs}; two files ${base.runs}`);
  console.log(`  load average (1, 5, 15 min) at the end     ${load} on ${availableParallelism()} cores`);
  console.log(
    `  2 workers / 1 worker, the split file       ${(split.two / split.one).toFixed(2)}  (goal: about 0.5)`,
  );
  console.log(
    `  2 workers / 1 worker, two half files whole ${(base.two / base.one).toFixed(2)}  (the same run's baseline)`,
  );
}
