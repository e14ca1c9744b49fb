/**
 * (m) One big CSV split into row ranges: a file of about 2 GB (BENCH_SPLIT_MB, 2048 by default; 200
 * gives a run of a few minutes), generated here from the breast-cancer sample and removed at the end,
 * scored by a deployment whose `mini_batch_size` is a size (the file in about 32 ranges) with 1 and then
 * 2 workers (max_concurrency_per_instance), each on a fresh server. Printed: the time from invoke to
 * Completed for each (the one pass that finds the cuts at invoke included), the pass alone, and the
 * ratio 2 workers / 1 worker (the goal is about 0.5).
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseSplitSize } from '../src/core/row-ranges.ts';
import { splitIntoMiniBatches } from '../src/engine/split/split-input.ts';
import { createLocalFolderDatastore } from '../src/storage/local/local-folder.ts';
import type { BenchClient } from './client.ts';

type WithServer = <T>(work: (client: BenchClient) => Promise<T>) => Promise<T>;

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

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

export async function splitCsvBench(options: { dataRoot: string; repoRoot: string; withServer: WithServer }) {
  const mb = Number(process.env.BENCH_SPLIT_MB ?? 2048);
  const folder = join(options.dataRoot, 'split-csv');
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'big.csv');
  try {
    const rows = await writeBigCsv(file, mb * 1024 * 1024, options.repoRoot);
    const size = (await stat(file)).size;
    const range = `${Math.max(1, Math.round(mb / 32))}MB`;
    const split = parseSplitSize(range);
    if (split === undefined) throw new Error(`bad split ${range}`);
    const started = performance.now();
    const batches = await splitIntoMiniBatches(
      createLocalFolderDatastore(folder),
      [{ path: 'big.csv', size }],
      split,
    );
    const scanMs = performance.now() - started;
    console.log(
      `\n(m) One CSV of ${(size / 1048576).toFixed(0)} MiB (${rows.toLocaleString()} rows × 30 floats), ` +
        `mini_batch_size "${range}": ${batches.length} row ranges`,
    );
    console.log(
      `  finding the cuts (one pass at invoke)   ${fmt(scanMs)}  ${(size / 1048576 / (scanMs / 1000)).toFixed(0)} MiB/s`,
    );
    const times: number[] = [];
    for (const workers of [1, 2]) {
      const ms = await options.withServer(async (client) => {
        await client.deploy(`split-w${workers}`, {
          maxConcurrencyPerInstance: workers,
          miniBatchSize: range,
        });
        return (await client.runJob(`split-w${workers}`, folder)).totalMs;
      });
      times.push(ms);
      const rate = Math.round(rows / (ms / 1000)).toLocaleString();
      console.log(
        `  ${workers} worker${workers > 1 ? 's' : ' '}, invoke → Completed        ${fmt(ms)}  ${rate} rows/s`,
      );
    }
    const [one = 1, two = 0] = times;
    console.log(`  2 workers / 1 worker                    ${(two / one).toFixed(2)}  (goal: about 0.5)`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
