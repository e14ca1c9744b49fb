/**
 * MLflow Python models without a scoring script, on a real server over REST: the scikit-learn model
 * saved in the MLflow layout by scripts/build-python-fixtures.py (python_function + sklearn flavors,
 * no onnx) scores the breast-cancer CSVs in the python runtime, and the output rows
 * `row,prediction,file_name` reproduce scikit-learn's own labels exactly. A file whose value cannot
 * be cast to the signature's type and a file type the scorer does not read each fail alone, with a
 * message naming the cause; the other files still score, Parquet included (read through a CSV copy the
 * worker makes, since Debian's pandas has no Parquet engine).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import { FIXTURES_DIR, folderBody, Nightshift, uniqueName } from '../helpers/jobs.ts';
import { needs, PYTHON_LIBRARIES } from '../helpers/components.ts';

const MODEL_DIR = join(FIXTURES_DIR, 'models', 'breast-cancer-sklearn-mlflow');
const DATA_DIR = join(FIXTURES_DIR, 'data', 'breast-cancer');

function expected(): Record<string, number[]> {
  const text = readFileSync(join(FIXTURES_DIR, 'expected', 'breast-cancer-sklearn-labels.json'), 'utf8');
  return (JSON.parse(text) as { labels: Record<string, number[]> }).labels;
}

function expectedRows(only: (name: string) => boolean): string[] {
  const rows: string[] = [];
  for (const [name, labels] of Object.entries(expected())) {
    if (only(name)) labels.forEach((label, row) => rows.push(`${row},${label},${name}`));
  }
  return rows.sort();
}

describe('MLflow Python models without a script', await needs(PYTHON_LIBRARIES), () => {
  let server: TestServer;
  let ns: Nightshift;
  let model: string;

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    model = await ns.registerModel({ localDir: MODEL_DIR, modelType: 'mlflow_model' });
  });

  after(async () => {
    await server.stop();
  });

  test("the sklearn model reproduces scikit-learn's labels for every row", async () => {
    const folder = `inputs/${uniqueName('bc')}`;
    await ns.uploadFolder(DATA_DIR, folder);
    const { scoringUri } = await ns.deploy({ model, settings: { miniBatchSize: 2 } });
    const job = await ns.run(scoringUri, folderBody(folder), {}, 60_000);
    assert.equal(
      job.properties.status,
      'Completed',
      job.properties.result ?? JSON.stringify(job.properties.error),
    );
    assert.deepEqual(job.properties.progress.items, { total: 4, succeeded: 4, failed: 0 });
    const lines = await ns.outputLines(job);
    assert.equal(new Set(lines).size, lines.length, 'no row is written twice');
    assert.deepEqual(
      lines.sort(),
      expectedRows((name) => name.endsWith('.csv')),
    );
    assert.equal(job.properties.progress.rows, lines.length);
  });

  test('a bad value and an unknown file type fail alone; Parquet scores without a pandas Parquet engine', async () => {
    const folder = `inputs/${uniqueName('bc-bad')}`;
    const part = readFileSync(join(DATA_DIR, 'part-1.csv'), 'utf8').split('\n');
    const cells = (part[1] ?? '').split(',');
    cells[3] = 'not-a-number';
    await ns.uploadFiles(folder, {
      'a-bad-value.csv': [part[0], cells.join(','), ''].join('\n'),
      'b.parquet': readFileSync(join(FIXTURES_DIR, 'data', 'breast-cancer-parquet', 'breast-cancer.parquet')),
      'c.avro': 'not avro\n',
      'part-0.csv': readFileSync(join(DATA_DIR, 'part-0.csv')),
    });
    const { scoringUri } = await ns.deploy({ model, settings: { miniBatchSize: 4 } });
    const job = await ns.run(scoringUri, folderBody(folder), {}, 60_000);
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(job.properties.progress.items, { total: 4, succeeded: 2, failed: 2 });
    const error = job.properties.error;
    assert.equal(error?.code, 'ItemFailed');
    assert.ok(error.file?.endsWith('a-bad-value.csv'), error.file);
    assert.match(
      error.message,
      /^Error processing input file: '.*a-bad-value\.csv'\. could not convert string to float: 'not-a-number'$/,
    );
    const errors = await ns.logsUnder(job.name, 'user/error/');
    assert.match(errors, /c\.avro'\. File type 'avro' is not supported/);
    const lines = (await ns.outputLines(job)).sort();
    const rows = expectedRows((name) => name === 'part-0.csv');
    // Debian's Python has no Parquet engine for pandas; the worker's CSV copy makes it score anyway.
    rows.push(
      ...(expected()['breast-cancer.parquet'] ?? []).map((label, row) => `${row},${label},b.parquet`),
    );
    rows.sort();
    assert.deepEqual(lines, rows);
  });
});
