/**
 * No-code scoring of ONNX models, against a real server over REST: an `mlflow_model` folder with the
 * onnx flavor (fixtures/models/breast-cancer-rf) and a single `.onnx` custom model (iris) deployed
 * without a scoring script score their CSV inputs, and the output rows `row,prediction,file_name`
 * match the expected labels exactly (every row exactly once). A malformed CSV fails only that file,
 * with a message naming the line; an `.avro` file fails with Azure's "File type 'avro' is not
 * supported"; the other files still score.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import { FIXTURES_DIR, folderBody, Nightshift, uniqueName, type JobView } from '../helpers/jobs.ts';

interface Labels {
  labels: Record<string, number[]>;
}

function expectedRows(file: string, only?: string[]): string[] {
  const { labels } = JSON.parse(readFileSync(join(FIXTURES_DIR, 'expected', file), 'utf8')) as Labels;
  const rows: string[] = [];
  for (const [name, values] of Object.entries(labels)) {
    if (!name.endsWith('.csv') || (only && !only.includes(name))) continue;
    values.forEach((label, row) => rows.push(`${row},${label},${name}`));
  }
  return rows.sort();
}

describe('no-code ONNX scoring', () => {
  let server: TestServer;
  let ns: Nightshift;
  let breastCancer: string;

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    breastCancer = await ns.registerModel({
      localDir: join(FIXTURES_DIR, 'models', 'breast-cancer-rf'),
      modelType: 'mlflow_model',
    });
  });

  after(async () => {
    await server.stop();
  });

  test('an MLflow onnx model without a script scores every row exactly once', async () => {
    const folder = `inputs/${uniqueName('bc')}`;
    await ns.uploadFolder(join(FIXTURES_DIR, 'data', 'breast-cancer'), folder);
    const { scoringUri } = await ns.deploy({ model: breastCancer, settings: { miniBatchSize: 2 } });
    const job = await ns.run(scoringUri, folderBody(folder), {}, 60_000);
    assert.equal(
      job.properties.status,
      'Completed',
      job.properties.result ?? JSON.stringify(job.properties.error),
    );
    assert.deepEqual(job.properties.progress.items, { total: 4, succeeded: 4, failed: 0 });
    const lines = (await ns.outputLines(job)).sort();
    const expected = expectedRows('breast-cancer-labels.json');
    assert.equal(lines.length, expected.length);
    assert.equal(new Set(lines).size, lines.length, 'no row is written twice');
    assert.deepEqual(lines, expected);
    assert.equal(job.properties.progress.rows, expected.length);
  });

  test('a single .onnx custom model without a script', async () => {
    const model = await ns.registerModel({ localFile: join(FIXTURES_DIR, 'models', 'iris-lr.onnx') });
    const folder = `inputs/${uniqueName('iris')}`;
    await ns.uploadFolder(join(FIXTURES_DIR, 'data', 'iris'), folder);
    const { scoringUri } = await ns.deploy({ model });
    const job = await ns.run(scoringUri, folderBody(folder), {}, 60_000);
    assert.equal(
      job.properties.status,
      'Completed',
      job.properties.result ?? JSON.stringify(job.properties.error),
    );
    assert.deepEqual((await ns.outputLines(job)).sort(), expectedRows('iris-labels.json'));
  });

  /** part-0.csv with its second data row (line 3) made non-numeric. */
  function brokenCsv(): { good: string; broken: string } {
    const good = readFileSync(join(FIXTURES_DIR, 'data', 'breast-cancer', 'part-0.csv'), 'utf8');
    const [header = '', first = '', second = ''] = good.split('\n');
    const badSecond = ['abc', ...second.split(',').slice(1)].join(',');
    return { good, broken: `${header}\n${first}\n${badSecond}\n` };
  }

  /** Scores `files` with the breast-cancer model in one mini-batch; the other files must still score. */
  async function scoreMixed(files: Record<string, string | Buffer>): Promise<JobView> {
    const folder = `inputs/${uniqueName('mixed')}`;
    await ns.uploadFiles(folder, files);
    const { scoringUri } = await ns.deploy({ model: breastCancer, settings: { miniBatchSize: 3 } });
    const job = await ns.run(scoringUri, folderBody(folder), {}, 60_000);
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    const lines = await ns.outputLines(job);
    assert.deepEqual(
      lines.filter((l) => l.endsWith(',part-0.csv')).sort(),
      expectedRows('breast-cancer-labels.json', ['part-0.csv']),
    );
    assert.ok(!lines.some((l) => !l.endsWith(',part-0.csv')), 'failed files write no rows');
    return job;
  }

  test('a malformed CSV fails only that file, with a message naming the line', async () => {
    const { good, broken } = brokenCsv();
    const job = await scoreMixed({ 'part-0.csv': good, 'broken.csv': broken });
    assert.deepEqual(job.properties.progress.items, { total: 2, succeeded: 1, failed: 1 });
    const error = job.properties.error;
    assert.ok(error, 'the failure is reported');
    assert.ok(error.file?.endsWith('broken.csv'), JSON.stringify(error));
    assert.match(error.message, /broken\.csv/);
    assert.match(error.message, /[Ll]ine 3\b/);
  });

  test("an .avro file fails with Azure's \"File type 'avro' is not supported\"", async () => {
    const job = await scoreMixed({
      'part-0.csv': brokenCsv().good,
      'data.avro': Buffer.from('Obj\u0001 not really avro'),
    });
    assert.deepEqual(job.properties.progress.items, { total: 2, succeeded: 1, failed: 1 });
    const error = job.properties.error;
    assert.ok(error, 'the failure is reported');
    assert.ok(error.file?.endsWith('data.avro'), JSON.stringify(error));
    assert.match(error.message, /File type 'avro' is not supported/);
  });

  test('every failed file of a job has its reason in the job logs, not only the first', async () => {
    const { good, broken } = brokenCsv();
    const job = await scoreMixed({
      'part-0.csv': good,
      'broken.csv': broken,
      'data.avro': Buffer.from('Obj\u0001 not really avro'),
    });
    assert.deepEqual(job.properties.progress.items, { total: 3, succeeded: 1, failed: 2 });
    const logs: string[] = [];
    for (const path of await ns.logs(job.name)) logs.push(await ns.log(job.name, path));
    const text = logs.join('\n');
    assert.match(text, /broken\.csv'?\.? ?[^\n]*[Ll]ine 3/, 'the malformed CSV is explained in the logs');
    assert.match(
      text,
      /data\.avro[^\n]*File type 'avro' is not supported/,
      'the .avro file is explained in the logs',
    );
  });
});
