/**
 * How jobs fail, against a real server over REST, with Azure's accounting: a script that throws on
 * some files is retried up to max_retries and then only those items fail (Completed with
 * error_threshold -1, the first error naming file, attempt, message and stack), the same job with
 * error_threshold 0 ends Failed ("Exceeded error threshold") but keeps its finished predictions, a job
 * where nothing succeeds fails with Azure's message, a hanging run() times out (MiniBatchTimeout) and
 * is retried, a worker that exits (WorkerCrashed) costs only its own mini-batch, a wrong return type
 * gets Azure's message, and an init() that throws fails the job (InitFailed) with the stack.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import { folderBody, Nightshift, uniqueName, type JobView } from '../helpers/jobs.ts';

describe('job failures', () => {
  let server: TestServer;
  let ns: Nightshift;

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
  });

  after(async () => {
    await server.stop();
  });

  /** Uploads `names` (each file holds its own name) to a fresh folder; returns the folder path. */
  async function inputs(names: string[]): Promise<string> {
    const folder = `inputs/${uniqueName('fail')}`;
    await ns.uploadFiles(folder, Object.fromEntries(names.map((n) => [n, `${n}\n`])));
    return folder;
  }

  /** processed_mini-batches.csv as rows of {index, state, attempts, ...}. */
  async function miniBatchReport(job: JobView): Promise<Record<string, string>[]> {
    const [header = '', ...rows] = (await ns.log(job.name, 'sys/job_report/processed_mini-batches.csv'))
      .trimEnd()
      .split('\n');
    const keys = header.split(',');
    return rows.map((row) => Object.fromEntries(row.split(',').map((v, i) => [keys[i] ?? `${i}`, v])));
  }

  test('a script that throws on some files: retried, then only those items fail', async () => {
    const folder = await inputs(['f0.txt', 'f1-bad.txt', 'f2.txt']);
    const { scoringUri } = await ns.deploy({
      script: 'throws-on-bad.ts',
      settings: { miniBatchSize: 1, maxRetries: 2, errorThreshold: -1 },
    });
    const job = await ns.run(scoringUri, folderBody(folder));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(job.properties.progress.items, { total: 3, succeeded: 2, failed: 1 });
    assert.deepEqual((await ns.outputLines(job)).sort(), ['f0.txt ok', 'f2.txt ok']);
    const error = job.properties.error;
    assert.ok(error, 'the job reports its first error');
    assert.equal(error.code, 'UserScriptError');
    assert.ok(error.file?.endsWith('f1-bad.txt'), error.file);
    assert.equal(error.attempt, 1);
    assert.equal(error.miniBatch, 1);
    assert.match(error.message, /cannot score f1-bad\.txt/);
    assert.match(error.stack ?? '', /throws-on-bad\.ts/);
    // max_retries 2: the failing mini-batch ran three times.
    const bad = (await miniBatchReport(job)).find((row) => row.index === '1');
    assert.equal(bad?.state, 'failed');
    assert.equal(bad.attempts, '3');
    const errors = await ns.logsUnder(job.name, 'user/error/');
    assert.equal(errors.match(/cannot score f1-bad\.txt/g)?.length, 3, errors);
  });

  test('error_threshold 0: the same job fails, and keeps the predictions it finished', async () => {
    const folder = await inputs(['f0.txt', 'f1-bad.txt', 'f2.txt']);
    const { scoringUri } = await ns.deploy({
      script: 'throws-on-bad.ts',
      settings: { miniBatchSize: 1, maxRetries: 1, errorThreshold: 0 },
    });
    const job = await ns.run(scoringUri, folderBody(folder));
    assert.equal(job.properties.status, 'Failed');
    assert.match(job.properties.result ?? '', /Exceeded error threshold/);
    assert.equal(job.properties.progress.items.failed, 1);
    const lines = await ns.outputLines(job);
    assert.ok(lines.includes('f0.txt ok'), `finished predictions were dropped: ${JSON.stringify(lines)}`);
    assert.ok(!lines.some((l) => l.includes('bad')), JSON.stringify(lines));
  });

  test('nothing succeeds: Failed with Azure\'s "no succeeded mini batch item" message', async () => {
    const folder = await inputs(['a-bad.txt', 'b-bad.txt']);
    const { scoringUri } = await ns.deploy({
      script: 'throws-on-bad.ts',
      settings: { miniBatchSize: 1, maxRetries: 0 },
    });
    const job = await ns.run(scoringUri, folderBody(folder));
    assert.equal(job.properties.status, 'Failed');
    assert.match(job.properties.result ?? '', /There is no succeeded mini batch item returned from run\(\)/);
    assert.deepEqual(job.properties.progress.items, { total: 2, succeeded: 0, failed: 2 });
  });

  test('a run() that hangs times out (MiniBatchTimeout) and is retried', async () => {
    const folder = await inputs(['a.txt', 'hang.txt', 'z.txt']);
    const { scoringUri } = await ns.deploy({
      script: 'hangs.ts',
      settings: { miniBatchSize: 1, maxRetries: 1, timeout: 'PT1S' },
    });
    const job = await ns.run(scoringUri, folderBody(folder));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(job.properties.progress.items, { total: 3, succeeded: 2, failed: 1 });
    assert.equal(job.properties.error?.code, 'MiniBatchTimeout');
    assert.ok(job.properties.error.file?.endsWith('hang.txt'), job.properties.error.file);
    assert.match(job.properties.error.message, /did not finish in 1 seconds/);
    const hang = (await miniBatchReport(job)).find((row) => row.index === '1');
    assert.equal(hang?.attempts, '2', 'the timed-out mini-batch was retried once');
    assert.deepEqual((await ns.outputLines(job)).sort(), ['a.txt', 'z.txt']);
  });

  test('a worker that exits (WorkerCrashed) costs only its own mini-batch', async () => {
    const folder = await inputs(['a.txt', 'b-exit.txt', 'c.txt', 'd.txt']);
    const { scoringUri } = await ns.deploy({
      script: 'exits.ts',
      settings: { miniBatchSize: 1, maxRetries: 1 },
    });
    const job = await ns.run(scoringUri, folderBody(folder));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.equal(job.properties.error?.code, 'WorkerCrashed');
    assert.match(job.properties.error.message, /exit code 3/);
    assert.deepEqual(job.properties.progress.items, { total: 4, succeeded: 3, failed: 1 });
    assert.deepEqual((await ns.outputLines(job)).sort(), ['a.txt', 'c.txt', 'd.txt']);
  });

  test('a run() that returns neither an array nor a table', async () => {
    const folder = await inputs(['a.txt', 'b.txt']);
    const { scoringUri } = await ns.deploy({ script: 'wrong-type.ts', settings: { miniBatchSize: 1 } });
    const job = await ns.run(scoringUri, folderBody(folder));
    assert.equal(job.properties.status, 'Failed');
    assert.match(
      job.properties.error?.message ?? '',
      /The run\(\) method in the entry script accepts and should return .*The actual type of output is number/,
    );
  });

  test('an init() that throws: InitFailed with the stack', async () => {
    const folder = await inputs(['a.txt', 'b.txt']);
    const { scoringUri } = await ns.deploy({ script: 'init-throws.ts', settings: { miniBatchSize: 1 } });
    const job = await ns.run(scoringUri, folderBody(folder));
    assert.equal(job.properties.status, 'Failed');
    const error = job.properties.error;
    assert.equal(error?.code, 'InitFailed');
    assert.match(error.message, /model file not found: model\.bin/);
    assert.match(error.stack ?? '', /init-throws\.ts/);
    assert.deepEqual(job.properties.progress.items, { total: 2, succeeded: 0, failed: 2 });
  });
});
