/**
 * The python runtime against the real driver (Debian's /usr/bin/python3): output bytes for lists and
 * DataFrames, Azure's counting, summary_only, the script's environment and logs, Python errors as
 * messages with tracebacks, a driver that dies, an interpreter that does not exist, the MLflow
 * no-code scorer on the sklearn fixture, and no process or temp file left behind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { RuntimeSettings, ScoringRuntime } from '../contract.ts';
import { PYTHON, PYTHON_FIXTURES, driversGone } from '../../../test/fixtures/python/support.ts';
import { needs, PYTHON_LIBRARIES } from '../../../test/helpers/components.ts';
import type { DriverExit } from './driver-process.ts';
import { readMlflowModel } from './mlflow-model.ts';
import { createPythonRuntime, type PythonRuntimeOptions } from './python-runtime.ts';

const FIXTURES = new URL('../../../fixtures/', import.meta.url).pathname;
const MLFLOW_MODEL = join(FIXTURES, 'models', 'breast-cancer-sklearn-mlflow');

function collector(): { text: () => string; sink: { write(t: string): Promise<void> } } {
  let text = '';
  return {
    text: () => text,
    sink: {
      write(t: string) {
        text += t;
        return Promise.resolve();
      },
    },
  };
}

function captured(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('python runtime', await needs(PYTHON_LIBRARIES), () => {
  let dir: string;
  let files: string[];
  const open: ScoringRuntime[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nightshift-pyrt-'));
    files = [];
    for (const [name, content] of [
      ['a.txt', 'x\ny\n'],
      ['b c.txt', 'z\n'],
      ['d-bad.txt', ''],
    ] as const) {
      await writeFile(join(dir, name), content);
      files.push(join(dir, name));
    }
  });

  after(async () => {
    await Promise.all(open.map((runtime) => runtime.dispose()));
    await rm(dir, { recursive: true, force: true });
  });

  function runtime(overrides: Partial<RuntimeSettings>, options: PythonRuntimeOptions = {}): ScoringRuntime {
    const created = createPythonRuntime(
      {
        kind: 'python',
        modelDir: dir,
        modelPath: join(dir, 'model'),
        codeDir: PYTHON_FIXTURES,
        outputDir: dir,
        outputAction: 'append_row',
        loggingLevel: 'info',
        environmentVariables: {},
        pythonExecutable: PYTHON,
        ...overrides,
      },
      options,
    );
    open.push(created);
    return created;
  }

  async function scored(script: string, batch = files): Promise<{ text: string; outcome: unknown }> {
    const rt = runtime({ scoringScript: script });
    await rt.init();
    const out = collector();
    const outcome = await rt.run(batch, out.sink);
    await rt.dispose();
    return { text: out.text(), outcome };
  }

  test('a list: one str(item) per line, every item succeeded', async () => {
    const { text, outcome } = await scored('list_scorer.py');
    assert.equal(text, "('a.txt', 2)\n('b c.txt', 1)\n('d-bad.txt', 0)\n");
    assert.deepEqual(outcome, { succeeded: 3, failed: 0, itemFailures: [], rowsWritten: 3 });
  });

  test('a DataFrame: space separated, no header, no index, minimal quoting', async () => {
    const { text } = await scored('dataframe_scorer.py');
    assert.equal(
      text,
      'a.txt 2 1.0 "scored ""a.txt"" ok"\n' +
        '"b c.txt" 1 0.5 "scored ""b c.txt"" ok"\n' +
        'd-bad.txt 0 0.0 "scored ""d-bad.txt"" ok"\n',
    );
  });

  test('fewer rows than files: the rest failed', async () => {
    const { text, outcome } = await scored('too_few.py');
    assert.equal(text, 'a.txt\nb c.txt\n');
    assert.deepEqual(outcome, { succeeded: 2, failed: 1, itemFailures: [], rowsWritten: 2 });
  });

  test('summary_only counts and writes nothing', async () => {
    const rt = runtime({ scoringScript: 'list_scorer.py', outputAction: 'summary_only' });
    await rt.init();
    const out = collector();
    assert.deepEqual(await rt.run(files, out.sink), {
      succeeded: 3,
      failed: 0,
      itemFailures: [],
      rowsWritten: 0,
    });
    assert.equal(out.text(), '');
  });

  test("a wrong return type fails with Azure's message and no stack", async () => {
    const rt = runtime({ scoringScript: 'wrong_type.py' });
    await rt.init();
    const error = await rt.run(files, collector().sink).then(
      () => assert.fail('run() should fail'),
      (e: unknown) => e as Error,
    );
    assert.equal(
      error.message,
      "The run() method in the entry script accepts and should return a list or a pandas DataFrame. The actual type of output is <class 'dict'>.",
    );
    assert.equal(error.stack, undefined);
  });

  test("an exception in run(): Python's last line as message, the script's traceback as stack", async () => {
    const rt = runtime({ scoringScript: 'raises_on_bad.py' });
    await rt.init();
    await assert.rejects(rt.run(files, collector().sink), (error: Error) => {
      assert.equal(error.message, 'ValueError: cannot score d-bad.txt');
      assert.match(
        error.stack ?? '',
        /^Traceback \(most recent call last\):\n {2}File ".*raises_on_bad\.py"/,
      );
      assert.match(error.stack ?? '', /in check\n/);
      assert.doesNotMatch(error.stack ?? '', /driver\.py/);
      return true;
    });
    // The driver survives a failed run: the next mini-batch scores.
    const out = collector();
    await rt.run(files.slice(0, 1), out.sink);
    assert.equal(out.text(), 'a.txt ok\n');
  });

  test('an import error and an exception in init() reject init() with the traceback', async () => {
    await assert.rejects(runtime({ scoringScript: 'import_error.py' }).init(), (error: Error) => {
      assert.equal(error.message, "ModuleNotFoundError: No module named 'nightshift_missing_package'");
      assert.match(error.stack ?? '', /import_error\.py", line 2, in <module>/);
      return true;
    });
    await assert.rejects(runtime({ scoringScript: 'init_raises.py' }).init(), {
      message: 'RuntimeError: the model file is corrupt',
    });
    await assert.rejects(runtime({ scoringScript: 'no_such_script.py' }).init(), /was not found/);
  });

  test('the script sees its environment; print/logging reach stdout, sys.stderr reaches stderr', async () => {
    const stdout = captured();
    const stderr = captured();
    const rt = runtime(
      { scoringScript: 'environment.py', environmentVariables: { NIGHTSHIFT_TEST_VAR: 'set' } },
      { stdout: stdout.stream, stderr: stderr.stream },
    );
    await rt.init();
    const out = collector();
    await rt.run(files.slice(0, 1), out.sink);
    await rt.dispose();
    const report = JSON.parse(out.text()) as Record<string, unknown>;
    assert.equal(report.modelDir, dir);
    assert.equal(report.outputDir, dir);
    assert.equal(report.custom, 'set');
    assert.equal(report.loggingLevel, 'INFO');
    assert.equal(report.cwd, PYTHON_FIXTURES.replace(/\/$/, ''));
    assert.equal(report.stdin, '');
    assert.match(stdout.text(), /environment: init printed\n/);
    assert.match(stdout.text(), /INFO environment-script: environment: init logged at info\n/);
    assert.doesNotMatch(stdout.text(), /debug is hidden/);
    assert.match(stderr.text(), /environment: to stderr\n/);
  });

  test('a driver that ends itself is reported, and the run rejects', async () => {
    const exits: DriverExit[] = [];
    const rt = runtime({ scoringScript: 'exits.py' }, { onDriverExit: (exit) => exits.push(exit) });
    await rt.init();
    const exiting = join(dir, 'exit-now.txt');
    await writeFile(exiting, '');
    await assert.rejects(
      rt.run([exiting], collector().sink),
      /The Python process ended with exit code 3 while running/,
    );
    assert.deepEqual(exits, [{ code: 3, signal: null }]);
  });

  test('an interpreter that does not exist fails init() naming it', async () => {
    await assert.rejects(
      runtime({ scoringScript: 'list_scorer.py', pythonExecutable: '/nonexistent/python3' }).init(),
      /The Python interpreter '\/nonexistent\/python3' could not be started: spawn \/nonexistent\/python3 ENOENT/,
    );
  });

  test('dispose ends the driver and leaves no temp output', async () => {
    const before = (await readdir(tmpdir())).filter((f) => f.startsWith(`nightshift-py-${process.pid}-`));
    const rt = runtime({
      scoringScript: 'sleeps.py',
      environmentVariables: { NIGHTSHIFT_TEST_PID_DIR: dir },
    });
    await rt.init();
    const hang = join(dir, 'hang.txt');
    await writeFile(hang, '');
    void rt.run([hang], collector().sink).catch(() => undefined);
    const deadline = Date.now() + 10_000;
    let pids: number[] = [];
    while (pids.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      pids = (await readdir(dir)).filter((f) => f.endsWith('.pid')).map((f) => Number.parseInt(f, 10));
    }
    assert.equal(pids.length, 1);
    // Busy in run(): the exit request waits behind it, so dispose kills it after the grace period.
    await rt.dispose();
    assert.deepEqual(await driversGone(pids, 2000), []);
    const after = (await readdir(tmpdir())).filter((f) => f.startsWith(`nightshift-py-${process.pid}-`));
    assert.deepEqual(after, before);
  });

  test('an MLflow sklearn model reproduces the expected labels; bad files fail alone', async () => {
    const info = readMlflowModel(await readFile(join(MLFLOW_MODEL, 'MLmodel'), 'utf8'), 'MLmodel');
    assert.deepEqual(info.flavors, ['python_function', 'sklearn']);
    const rt = runtime({
      codeDir: undefined,
      modelDir: join(FIXTURES, 'models'),
      modelPath: MLFLOW_MODEL,
      mlflow: info.pyfunc,
    });
    await rt.init();
    const part = join(FIXTURES, 'data', 'breast-cancer', 'part-2.csv');
    const avro = join(dir, 'x.avro');
    await writeFile(avro, '');
    const out = collector();
    const outcome = await rt.run([part, avro], out.sink);
    const labels = (
      JSON.parse(await readFile(join(FIXTURES, 'expected', 'breast-cancer-sklearn-labels.json'), 'utf8')) as {
        labels: Record<string, number[]>;
      }
    ).labels['part-2.csv'];
    assert.equal(out.text(), (labels ?? []).map((label, row) => `${row},${label},part-2.csv\n`).join(''));
    assert.equal(outcome.succeeded, 1);
    assert.equal(outcome.failed, 1);
    assert.deepEqual(outcome.itemFailures, [
      { file: avro, message: `Error processing input file: '${avro}'. File type 'avro' is not supported` },
    ]);
    assert.equal(outcome.rowsWritten, labels?.length);
  });
});
