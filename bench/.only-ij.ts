import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCsvFolder } from './data.ts';
import { startBenchRun } from './progress.ts';
import { remoteDataBench } from './remote-data.ts';
import { copyBench } from './copy.ts';
process.env.ORT_DISABLE_TELEMETRY = '1';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROWS = 1_000_000;
const bench = startBenchRun(ROOT);
try {
  const folder = await bench.section('gen', () => makeCsvFolder(bench.dataRoot, 'tabular', 20, ROWS / 20, ROOT));
  await bench.section('(i)', () => remoteDataBench(folder, join(ROOT, 'fixtures/models/breast-cancer-rf'), ROWS));
  await bench.section('(j)', copyBench);
} finally {
  bench.finish();
}
