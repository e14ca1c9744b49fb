import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MiniBatchOutcome, RuntimeSettings } from '../../runtimes/contract.ts';
import { createWorkerCapacity } from './capacity.ts';
import { createWorkerLauncher, type WorkerLauncher } from './worker-launcher.ts';
import { createErrorScrubber } from '../error-view.ts';
import { WorkerPoolClosedError, type AttemptResult } from './attempt-result.ts';
import { createWorkerPool, type RunTask, type WorkerPool } from './worker-pool.ts';

const scripts = fileURLToPath(new URL('../../../test/fixtures/scripts/', import.meta.url));
const CODE_URI = 'azureml://datastores/workspaceartifactstore/paths/code/1';
const INPUT_URI = 'azureml://datastores/workspaceblobstore/paths/inputs';
let root = '';
let inputs = '';
let launcher: WorkerLauncher;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'nightshift-pool-'));
  inputs = join(root, 'inputs');
  await mkdir(inputs);
  launcher = createWorkerLauncher({ dataDir: root, capacity: createWorkerCapacity(64) });
  const names = ['a.txt', 'b.txt', 'c.txt', 'bad.txt', 'hang.txt', 'exit.txt', 'with space.txt'];
  await Promise.all(names.map((name, i) => writeFile(join(inputs, name), 'x'.repeat(i + 1))));
});
after(() => rm(root, { recursive: true, force: true }));

interface Job {
  pool: WorkerPool;
  dir: string;
  task: (id: string, names: string[]) => RunTask;
}

let jobs = 0;

function startJob(
  scoringScript: string,
  options: {
    size?: number;
    timeoutMs?: number;
    settings?: Partial<RuntimeSettings>;
    launcher?: WorkerLauncher;
    onWorkerStarted?: () => void;
  } = {},
): Job {
  jobs += 1;
  const dir = join(root, `job-${jobs}`);
  const settings: RuntimeSettings = {
    kind: 'js',
    modelDir: join(dir, 'model'),
    modelPath: join(dir, 'model', 'm'),
    codeDir: scripts,
    scoringScript,
    outputDir: join(dir, 'out'),
    outputAction: 'append_row',
    loggingLevel: 'info',
    environmentVariables: {},
    ...options.settings,
  };
  const pool = createWorkerPool({
    size: options.size ?? 1,
    settings,
    timeoutMs: options.timeoutMs ?? 1_000,
    logDir: join(dir, 'logs'),
    node: 'node-0',
    launcher: options.launcher ?? launcher,
    rank: jobs,
    // As a job plans it: its code and input folders are shown by their datastore URIs.
    scrub: createErrorScrubber({
      dataDir: root,
      folders: [
        { path: settings.codeDir ?? scripts, uri: CODE_URI },
        { path: inputs, uri: INPUT_URI },
      ],
    }),
    ...(options.onWorkerStarted ? { onWorkerStarted: options.onWorkerStarted } : {}),
  });
  const task = (id: string, names: string[]): RunTask => ({
    miniBatchId: id,
    files: names.map((name) => join(inputs, name)),
    partPath: join(dir, 'parts', `${id}.part`),
    attempt: 1,
  });
  return { pool, dir, task };
}

function assertOk(result: AttemptResult): asserts result is Extract<AttemptResult, { ok: true }> {
  if (!result.ok) assert.fail(`expected success, got ${result.kind}: ${result.message}`);
}

function assertFailed(
  result: AttemptResult,
  kind: string,
): asserts result is Extract<AttemptResult, { ok: false }> {
  if (result.ok) assert.fail(`expected a ${kind} failure, got success`);
  assert.equal(result.kind, kind);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The counts of an outcome, without the input digests (checked on their own). */
function countsOf(outcome: MiniBatchOutcome): Omit<MiniBatchOutcome, 'inputs'> {
  const counts: Partial<MiniBatchOutcome> = { ...outcome };
  delete counts.inputs;
  return counts as Omit<MiniBatchOutcome, 'inputs'>;
}

void test('a run writes its part and reports counts; stdout lands in the worker log', async (t) => {
  const { pool, dir, task } = startJob('strings.ts');
  const started = performance.now();
  await pool.warm();
  t.diagnostic(`worker start (fork to ready): ${Math.round(performance.now() - started)} ms`);
  const result = await pool.run(task('mb-0', ['a.txt', 'b.txt']));
  assertOk(result);
  assert.deepEqual(countsOf(result.outcome), { succeeded: 2, failed: 0, itemFailures: [], rowsWritten: 2 });
  assert.equal(result.worker, 'node-0/process0');
  assert.ok(result.elapsedMs > 0);
  // The worker reports size and sha256 of every input it was given, for the job's manifest.
  assert.deepEqual(
    result.outcome.inputs?.map((d) => [basename(d.file), d.size, d.sha256.length]),
    [
      ['a.txt', 1, 64],
      ['b.txt', 2, 64],
    ],
  );
  assert.equal(await readFile(join(dir, 'parts', 'mb-0.part'), 'utf8'), 'a.txt: 1\nb.txt: 2\n');
  await pool.close();
  const stdout = await readFile(join(dir, 'logs', 'user', 'stdout', 'node-0', 'process0.stdout.txt'), 'utf8');
  assert.match(stdout, /strings: init\nstrings: run 1 with 2 files\n/);
  const summary = await readFile(join(dir, 'logs', 'sys', 'node', 'node-0', 'process0.txt'), 'utf8');
  assert.match(summary, /mini_batch=mb-0 attempt=1 result=ok items=2 succeeded=2 failed=0 rows=2 /);
});

void test('the script sees Azure’s environment, argv and working directory', async () => {
  const { pool, dir, task } = startJob('environment.ts', {
    settings: { environmentVariables: { NIGHTSHIFT_TEST_VAR: 'yes' } },
  });
  const result = await pool.run(task('mb-env', ['a.txt']));
  await pool.close();
  assertOk(result);
  const row = JSON.parse(await readFile(join(dir, 'parts', 'mb-env.part'), 'utf8')) as Record<string, string>;
  assert.deepEqual(row, {
    file: 'a.txt',
    modelDir: join(dir, 'model'),
    outputDir: join(dir, 'out'),
    custom: 'yes',
    argv: '--logging_level INFO',
    cwd: scripts.replace(/\/$/, ''),
    contextModelDir: join(dir, 'model'),
  });
  const stdout = await readFile(join(dir, 'logs', 'user', 'stdout', 'node-0', 'process0.stdout.txt'), 'utf8');
  assert.match(stdout, / INFO environment: reporting\n/);
  assert.doesNotMatch(stdout, /debug is hidden/);
});

void test('a table is written space-separated with minimal quoting', async () => {
  const { pool, dir, task } = startJob('table.ts');
  const result = await pool.run(task('mb-t', ['with space.txt', 'a.txt']));
  await pool.close();
  assertOk(result);
  assert.equal(
    await readFile(join(dir, 'parts', 'mb-t.part'), 'utf8'),
    '"with space.txt" 0 "say ""hi"" there"\na.txt 1 \n',
  );
});

void test('summary_only counts rows and writes no part', async () => {
  const { pool, dir, task } = startJob('strings.ts', { settings: { outputAction: 'summary_only' } });
  const result = await pool.run(task('mb-s', ['a.txt', 'b.txt']));
  await pool.close();
  assertOk(result);
  assert.deepEqual(countsOf(result.outcome), { succeeded: 2, failed: 0, itemFailures: [], rowsWritten: 0 });
  await assert.rejects(readdir(join(dir, 'parts')), { code: 'ENOENT' });
});

void test('a wrong return type fails the attempt with the contract message', async () => {
  const { pool, task } = startJob('wrong-type.ts');
  const result = await pool.run(task('mb-w', ['a.txt']));
  await pool.close();
  assertFailed(result, 'exception');
  assert.match(result.message, /should return an array or a table .* The actual type of output is number\.$/);
});

void test('fewer rows than files count the rest as failed', async () => {
  const { pool, task } = startJob('too-few.ts');
  const result = await pool.run(task('mb-f', ['a.txt', 'b.txt', 'c.txt']));
  await pool.close();
  assertOk(result);
  assert.deepEqual(countsOf(result.outcome), { succeeded: 2, failed: 1, itemFailures: [], rowsWritten: 2 });
});

void test('an exception reports message and stack, logs it, and leaves no part behind', async () => {
  const { pool, dir, task } = startJob('throws-on-bad.ts');
  const result = await pool.run(task('mb-x', ['a.txt', 'bad.txt']));
  const next = await pool.run(task('mb-y', ['a.txt']));
  await pool.close();
  assertFailed(result, 'exception');
  assert.equal(result.message, 'cannot score bad.txt');
  assert.match(result.stack ?? '', /throws-on-bad\.ts/);
  assertOk(next);
  assert.deepEqual(await readdir(join(dir, 'parts')), ['mb-y.part']);
  const errors = await readFile(join(dir, 'logs', 'user', 'error', 'node-0', 'process0.txt'), 'utf8');
  assert.match(
    errors,
    /mini batch mb-x attempt 1 failed \(exception\) on node-0\/process0:\nError: cannot score bad\.txt\n/,
  );
  // The log is readable by whoever reads the job: the script's frames by datastore URI, none of ours.
  assert.match(
    errors,
    /\n {4}at score \(azureml:\/\/datastores\/workspaceartifactstore\/paths\/code\/1\/throws-on-bad\.ts:\d+:\d+\)\n/,
  );
  assert.doesNotMatch(errors, /worker-main|js-runtime|node:internal/);
  assert.equal(errors.includes(root), false, errors);
  assert.equal(errors.includes(scripts), false, errors);
});

void test('a timeout kills the worker and a fresh one takes the next run', async () => {
  const { pool, task } = startJob('hangs.ts', { timeoutMs: 300 });
  await pool.warm();
  const [first] = pool.pids();
  assert.ok(first !== undefined);
  const result = await pool.run(task('mb-h', ['hang.txt']));
  assertFailed(result, 'timeout');
  assert.equal(result.message, 'mini batch mb-h did not finish in 0.3 seconds. Stopping this process.');
  assert.ok(result.elapsedMs >= 300);
  assert.equal(isAlive(first), false);
  const next = await pool.run(task('mb-n', ['a.txt']));
  assertOk(next);
  assert.notDeepEqual(pool.pids(), [first]);
  await pool.close();
});

void test('a crash loses only that attempt', async () => {
  const { pool, task } = startJob('exits.ts');
  const [crashed, fine] = await Promise.all([
    pool.run(task('mb-c', ['exit.txt'])),
    pool.run(task('mb-d', ['a.txt'])),
  ]);
  await pool.close();
  assertFailed(crashed, 'crash');
  assert.match(crashed.message, /exit code 3 while running mini batch mb-c/);
  assertOk(fine);
});

void test('init failures are retried a bounded number of times, then reported to runs', async () => {
  const { pool, dir, task } = startJob('init-throws.ts');
  const results = await Promise.all([pool.run(task('mb-i', ['a.txt'])), pool.run(task('mb-j', ['b.txt']))]);
  const later = await pool.run(task('mb-k', ['c.txt']));
  await pool.close();
  for (const result of [...results, later]) {
    assertFailed(result, 'init');
    assert.equal(result.message, 'model file not found: model.bin');
    assert.match(result.stack ?? '', /init-throws\.ts/);
  }
  const errors = await readFile(join(dir, 'logs', 'user', 'error', 'node-0', 'process0.txt'), 'utf8');
  assert.equal(errors.match(/init\(\) failed on node-0\/process0:/g)?.length, 3);
  assert.match(
    errors,
    /\n {4}at (Object\.)?init \(azureml:\/\/datastores\/workspaceartifactstore\/paths\/code\/1\/init-throws\.ts:/,
  );
  assert.doesNotMatch(errors, /worker-main|js-runtime|node:internal/);
});

void test('a mini-batch that runs twice replaces its part instead of doubling it', async () => {
  const { pool, dir, task } = startJob('strings.ts', { size: 2 });
  const first = await pool.run(task('mb-r', ['a.txt', 'b.txt']));
  const second = await pool.run({ ...task('mb-r', ['a.txt', 'b.txt']), attempt: 2 });
  await pool.close();
  assertOk(first);
  assertOk(second);
  assert.equal(await readFile(join(dir, 'parts', 'mb-r.part'), 'utf8'), 'a.txt: 1\nb.txt: 2\n');
  assert.deepEqual(await readdir(join(dir, 'parts')), ['mb-r.part']);
});

void test('several workers share the queue', async () => {
  const { pool, task } = startJob('strings.ts', { size: 2 });
  // Warm first: otherwise the first worker ready may take every run before the second is up.
  await pool.warm();
  const results = await Promise.all(['a', 'b', 'c', 'd'].map((id) => pool.run(task(id, ['a.txt']))));
  await pool.close();
  for (const result of results) assertOk(result);
  assert.deepEqual(new Set(results.map((r) => r.worker)), new Set(['node-0/process0', 'node-0/process1']));
});

void test('close() leaves no child behind and refuses further runs', async () => {
  const { pool, task } = startJob('strings.ts', { size: 2 });
  await pool.warm();
  const pids = pool.pids();
  assert.equal(pids.length, 2);
  await pool.close();
  assert.deepEqual(pool.pids(), []);
  for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} still alive`);
  await assert.rejects(pool.run(task('late', ['a.txt'])), WorkerPoolClosedError);
});

void test('kill() stops running attempts at once and leaves no child behind', async () => {
  // The deadline is past the script's own 60 s sleep: only kill() can end these attempts early.
  const { pool, dir, task } = startJob('hangs.ts', { size: 2, timeoutMs: 120_000 });
  await pool.warm();
  const pids = pool.pids();
  const running = assert.rejects(pool.run(task('mb-k1', ['hang.txt'])), WorkerPoolClosedError);
  const queued = assert.rejects(pool.run(task('mb-k2', ['hang.txt'])), WorkerPoolClosedError);
  await pool.kill('the job was canceled');
  await Promise.all([running, queued]);
  for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} still alive`);
  // Had kill() waited for the attempts, the scripts would have finished their sleep and written
  // their parts; instead both processes were SIGKILLed in the middle of run().
  await assert.rejects(readdir(join(dir, 'parts')), { code: 'ENOENT' });
  const main = await readFile(join(dir, 'logs', 'sys', 'node', 'node-0', '_main.txt'), 'utf8');
  for (const name of ['process0', 'process1']) {
    assert.match(
      main,
      new RegExp(`${name} exits with signal SIGKILL \\(stopped by the server: the job was canceled\\)`),
    );
  }
  assert.doesNotMatch(main, /exit code/);
});

void test('a worker stopped during its init() because the job ended is not logged as a failed init()', async () => {
  await writeFile(
    join(root, 'slow-init.mjs'),
    'export async function init() { await new Promise((r) => setTimeout(r, 30_000)); }\nexport function run(b) { return b; }\n',
  );
  const { pool, dir } = startJob('slow-init.mjs', { settings: { codeDir: root } });
  void pool.warm();
  assert.equal(pool.pids().length, 1);
  await pool.kill();
  const main = await readFile(join(dir, 'logs', 'sys', 'node', 'node-0', '_main.txt'), 'utf8');
  assert.match(main, /process0 was stopped before its init\(\) finished: the job has ended/);
  assert.match(main, /process0 exits with signal SIGKILL \(stopped by the server: the job has ended\)/);
  const errors = await readFile(join(dir, 'logs', 'user', 'error', 'node-0', 'process0.txt'), 'utf8').catch(
    () => '',
  );
  assert.doesNotMatch(errors, /init\(\) failed/);
});

void test('slots fork only under permits; a waiting slot starts when another pool gives one back', async () => {
  const capacity = createWorkerCapacity(1);
  const small = createWorkerLauncher({ dataDir: root, capacity });
  const first = startJob('strings.ts', { size: 2, launcher: small });
  // Not awaited: the second slot's warm-up waits for a permit that only close() would free.
  void first.pool.warm();
  assert.equal(first.pool.workers(), 1, 'one permit, one worker');
  assert.equal(first.pool.pids().length, 1);
  const results = await Promise.all(['p1', 'p2'].map((id) => first.pool.run(first.task(id, ['a.txt']))));
  for (const result of results) assertOk(result);
  let started = 0;
  const second = startJob('strings.ts', { launcher: small, onWorkerStarted: () => (started += 1) });
  void second.pool.warm();
  assert.equal(second.pool.workers(), 0, 'no permit is free');
  assert.equal(capacity.waiting(), 2, "the first pool's second slot, then the second pool");
  await first.pool.close();
  assertOk(await second.pool.run(second.task('p3', ['a.txt'])));
  assert.equal(started, 1);
  assert.equal(capacity.peak(), 1);
  await second.pool.close();
  assert.equal(capacity.inUse(), 0, 'every permit went back');
});
