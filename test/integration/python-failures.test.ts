/**
 * How Python scoring scripts fail, on a real server over REST, each failure naming its cause on the
 * job: an import error and an exception in init() fail the job (InitFailed) with the Python traceback;
 * an exception on one file is retried and then fails only that item (UserScriptError, traceback with
 * the script's frames); a wrong return type gets Azure's message; fewer rows than files count the rest
 * as failed; a run() sleeping past the timeout is killed (MiniBatchTimeout), retried, and leaves no
 * Python process behind, nor does a cancelled job; a script that ends its own process costs only its
 * mini-batch (WorkerCrashed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import {
  folderBody,
  Nightshift,
  uniqueName,
  type DeploymentSettings,
  type JobView,
} from '../helpers/jobs.ts';
import { driversGone, PYTHON_FIXTURES } from '../fixtures/python/support.ts';
import { needs, PYTHON3 } from '../helpers/components.ts';
import { waitFor } from '../helpers/wait.ts';

// The driver and these scripts import only the standard library: the interpreter is all they need.
const python = await needs(PYTHON3);

describe('Python script failures', python, () => {
  let server: TestServer;
  let ns: Nightshift;
  let scratch: string;

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    scratch = await mkdtemp(join(tmpdir(), 'nightshift-py-fail-'));
  });

  after(async () => {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  async function inputs(names: string[]): Promise<string> {
    const folder = `inputs/${uniqueName('pyf')}`;
    await ns.uploadFiles(folder, Object.fromEntries(names.map((n) => [n, `${n}\n`])));
    return folder;
  }

  async function deploy(file: string, settings: DeploymentSettings): Promise<string> {
    const source = await readFile(join(PYTHON_FIXTURES, file), 'utf8');
    return (await ns.deploy({ script: { file, source }, settings })).scoringUri;
  }

  async function pidsIn(folder: string): Promise<number[]> {
    return (await readdir(folder)).filter((f) => f.endsWith('.pid')).map((f) => Number.parseInt(f, 10));
  }

  function attemptsOf(report: string, index: number): string | undefined {
    const [header = '', ...rows] = report.trimEnd().split('\n');
    const keys = header.split(',');
    const row = rows.map((r) => r.split(',')).find((cells) => cells[keys.indexOf('index')] === String(index));
    return row?.[keys.indexOf('attempts')];
  }

  test('an import error fails the job (InitFailed) with the traceback', async () => {
    const scoringUri = await deploy('import_error.py', { maxRetries: 0 });
    const job = await ns.run(scoringUri, folderBody(await inputs(['a.txt'])));
    assert.equal(job.properties.status, 'Failed');
    const error = job.properties.error;
    assert.equal(error?.code, 'InitFailed');
    assert.equal(error.message, "ModuleNotFoundError: No module named 'nightshift_missing_package'");
    assert.match(
      error.stack ?? '',
      /^Traceback \(most recent call last\):\n {2}File ".*import_error\.py", line 2/,
    );
    assert.doesNotMatch(error.stack ?? '', /driver\.py/, 'the driver frames are not shown');
  });

  test('an exception in init() fails the job with the traceback', async () => {
    const scoringUri = await deploy('init_raises.py', { maxRetries: 0 });
    const job = await ns.run(scoringUri, folderBody(await inputs(['a.txt'])));
    assert.equal(job.properties.status, 'Failed');
    assert.equal(job.properties.error?.code, 'InitFailed');
    assert.equal(job.properties.error.message, 'RuntimeError: the model file is corrupt');
    assert.match(job.properties.error.stack ?? '', /init_raises\.py", line \d+, in load_model/);
  });

  test('an exception on one file: retried, then only that item fails, with the traceback', async () => {
    const scoringUri = await deploy('raises_on_bad.py', { miniBatchSize: 1, maxRetries: 1 });
    const job = await ns.run(scoringUri, folderBody(await inputs(['a.txt', 'b-bad.txt', 'c.txt'])));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(job.properties.progress.items, { total: 3, succeeded: 2, failed: 1 });
    assert.deepEqual((await ns.outputLines(job)).sort(), ['a.txt ok', 'c.txt ok']);
    const error = job.properties.error;
    assert.equal(error?.code, 'UserScriptError');
    assert.equal(error.message, 'ValueError: cannot score b-bad.txt');
    assert.ok(error.file?.endsWith('b-bad.txt'), error.file);
    assert.match(
      error.stack ?? '',
      /raises_on_bad\.py", line \d+, in run\n.*\n.*raises_on_bad\.py", line \d+, in check/,
    );
    assert.equal(attemptsOf(await ns.log(job.name, 'sys/job_report/processed_mini-batches.csv'), 1), '2');
    const errors = await ns.logsUnder(job.name, 'user/error/');
    assert.equal(errors.match(/ValueError: cannot score b-bad\.txt/g)?.length, 2, errors); // both attempts
  });

  test("a wrong return type fails the mini-batch with Azure's message", async () => {
    const scoringUri = await deploy('wrong_type.py', { maxRetries: 0 });
    const job = await ns.run(scoringUri, folderBody(await inputs(['a.txt'])));
    assert.equal(job.properties.status, 'Failed');
    assert.equal(job.properties.error?.code, 'UserScriptError');
    assert.equal(
      job.properties.error.message,
      "The run() method in the entry script accepts and should return a list or a pandas DataFrame. The actual type of output is <class 'dict'>.",
    );
  });

  test('fewer rows than files: the rest count as failed', async () => {
    const scoringUri = await deploy('too_few.py', { miniBatchSize: 2 });
    const job = await ns.run(scoringUri, folderBody(await inputs(['a.txt', 'b.txt', 'c.txt', 'd.txt'])));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(job.properties.progress.items, { total: 4, succeeded: 2, failed: 2 });
    assert.equal(job.properties.error?.code, 'TooFewResults');
    assert.deepEqual(await ns.outputLines(job), ['a.txt', 'c.txt']);
  });

  test('a run() sleeping past the timeout is killed, retried, and leaves no Python process', async () => {
    const pidDir = await mkdtemp(join(scratch, 'timeout-'));
    const scoringUri = await deploy('sleeps.py', {
      miniBatchSize: 1,
      maxRetries: 1,
      timeout: 'PT1S',
      environmentVariables: { NIGHTSHIFT_TEST_PID_DIR: pidDir },
    });
    const job = await ns.run(scoringUri, folderBody(await inputs(['a.txt', 'hang.txt', 'z.txt'])));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(job.properties.progress.items, { total: 3, succeeded: 2, failed: 1 });
    assert.equal(job.properties.error?.code, 'MiniBatchTimeout');
    assert.match(job.properties.error.message, /did not finish in 1 seconds/);
    assert.deepEqual((await ns.outputLines(job)).sort(), ['a.txt', 'z.txt']);
    const pids = await pidsIn(pidDir);
    assert.equal(pids.length, 2, 'two attempts, two Python processes');
    assert.deepEqual(await driversGone(pids), [], 'the killed workers took their Python processes along');
  });

  test('cancelling a job kills its Python processes', async () => {
    const pidDir = await mkdtemp(join(scratch, 'cancel-'));
    const scoringUri = await deploy('sleeps.py', {
      timeout: 'PT60S',
      environmentVariables: { NIGHTSHIFT_TEST_PID_DIR: pidDir },
    });
    const started = await ns.start(scoringUri, folderBody(await inputs(['hang.txt'])));
    const pids = await waitFor('the Python script to write its pid (start sleeping)', () => pidsIn(pidDir), {
      until: (found) => found.length > 0,
    });
    assert.equal(pids.length, 1, 'the script started sleeping');
    await ns.ok('POST', `${ns.ws}/jobs/${started.name}/cancel`);
    const job: JobView = await ns.waitForJob(started.name);
    assert.equal(job.properties.status, 'Canceled');
    assert.deepEqual(await driversGone(pids), []);
  });

  test('a script that ends its own process costs only its mini-batch (WorkerCrashed)', async () => {
    const scoringUri = await deploy('exits.py', { miniBatchSize: 1, maxRetries: 0 });
    const job = await ns.run(scoringUri, folderBody(await inputs(['a.txt', 'b-exit.txt', 'c.txt'])));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(job.properties.progress.items, { total: 3, succeeded: 2, failed: 1 });
    assert.equal(job.properties.error?.code, 'WorkerCrashed');
    assert.match(job.properties.error.message, /exit code 3/);
    assert.match(await ns.logsUnder(job.name, 'user/stderr/'), /the Python process ended with exit code 3/);
  });
});
